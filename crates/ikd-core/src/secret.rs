//! Short secrets a citizen types: the PIN and the emailed activation code. Both are wiped
//! from memory on drop and compared in constant time.

use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::{Lang, UserError, tr};

/// A 6-digit PIN that is neither all one digit nor a straight run (123456, 987654).
#[derive(Clone, Zeroize, ZeroizeOnDrop, Deserialize)]
#[serde(try_from = "String")]
pub struct Pin([u8; 6]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PinError {
    #[error("PIN is not 6 digits")]
    Format,
    #[error("PIN is too easy to guess")]
    Trivial,
}

impl UserError for PinError {
    fn code(&self) -> &'static str {
        match self {
            PinError::Format => "PIN_FORMAT",
            PinError::Trivial => "PIN_TRIVIAL",
        }
    }

    fn message(&self, lang: Lang) -> String {
        match self {
            PinError::Format => tr(
                lang,
                "PIN harus 6 digit angka.",
                "The PIN must be 6 digits.",
            ),
            PinError::Trivial => tr(
                lang,
                "PIN terlalu mudah ditebak (angka sama semua atau berurutan). Pilih PIN lain.",
                "This PIN is too easy to guess (all the same digit or a straight run). Choose another.",
            ),
        }
    }
}

impl Pin {
    pub fn parse(input: &str) -> Result<Self, PinError> {
        let b = input.as_bytes();
        if b.len() != 6 || !b.iter().all(u8::is_ascii_digit) {
            return Err(PinError::Format);
        }
        let mut digits = [0u8; 6];
        digits.copy_from_slice(b);
        let steps: Vec<i16> = digits
            .windows(2)
            .map(|w| i16::from(w[1]) - i16::from(w[0]))
            .collect();
        let straight = |d: i16| steps.iter().all(|s| *s == d);
        if straight(0) || straight(1) || straight(-1) {
            digits.zeroize();
            return Err(PinError::Trivial);
        }
        Ok(Pin(digits))
    }

    /// The digits, for hashing with Argon2id; do not keep the slice.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pin(******)")
    }
}

impl TryFrom<String> for Pin {
    type Error = PinError;
    fn try_from(mut s: String) -> Result<Self, Self::Error> {
        let r = Pin::parse(&s);
        s.zeroize();
        r
    }
}

/// The 6-digit code emailed after the officer approves a registration.
#[derive(Clone, Zeroize, ZeroizeOnDrop, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ActivationCode([u8; 6]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("activation code is not 6 digits")]
pub struct ActivationCodeError;

impl UserError for ActivationCodeError {
    fn code(&self) -> &'static str {
        "ACTIVATION_CODE_FORMAT"
    }

    fn message(&self, lang: Lang) -> String {
        tr(
            lang,
            "Kode aktivasi terdiri dari 6 digit angka; salin dari email yang kami kirim.",
            "The activation code is 6 digits; copy it from the email we sent.",
        )
    }
}

impl ActivationCode {
    /// A uniformly random code from the system's CSPRNG.
    pub fn generate() -> Self {
        let rng = SystemRandom::new();
        let mut out = [0u8; 6];
        for d in out.iter_mut() {
            // Rejection sampling keeps every digit uniform (250 = 25 * 10).
            *d = loop {
                let mut b = [0u8; 1];
                if rng.fill(&mut b).is_err() {
                    continue;
                }
                if b[0] < 250 {
                    break b'0' + b[0] % 10;
                }
            };
        }
        ActivationCode(out)
    }

    pub fn parse(input: &str) -> Result<Self, ActivationCodeError> {
        let b = input.trim().as_bytes();
        if b.len() != 6 || !b.iter().all(u8::is_ascii_digit) {
            return Err(ActivationCodeError);
        }
        let mut out = [0u8; 6];
        out.copy_from_slice(b);
        Ok(ActivationCode(out))
    }

    /// The digits, for the email body and for hashing.
    pub fn expose(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// Constant-time: a wrong code takes as long to refuse as a nearly right one.
    pub fn ct_eq(&self, other: &ActivationCode) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl std::fmt::Debug for ActivationCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ActivationCode(******)")
    }
}

impl TryFrom<String> for ActivationCode {
    type Error = ActivationCodeError;
    fn try_from(mut s: String) -> Result<Self, Self::Error> {
        let r = ActivationCode::parse(&s);
        s.zeroize();
        r
    }
}

impl From<ActivationCode> for String {
    fn from(c: ActivationCode) -> String {
        c.expose().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_refuse_all_same_and_straight_runs() {
        for bad in [
            "000000", "999999", "123456", "012345", "456789", "987654", "543210",
        ] {
            assert_eq!(Pin::parse(bad).unwrap_err().code(), "PIN_TRIVIAL", "{bad}");
        }
        for bad in ["12345", "1234567", "12a456", " 12345"] {
            assert_eq!(Pin::parse(bad).unwrap_err().code(), "PIN_FORMAT", "{bad}");
        }
        for ok in ["135790", "112233", "120912", "123457"] {
            assert!(Pin::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn pin_debug_hides_the_digits() {
        assert_eq!(
            format!("{:?}", Pin::parse("135790").unwrap()),
            "Pin(******)"
        );
    }

    #[test]
    fn generated_activation_codes_are_six_digits_and_vary() {
        let codes: std::collections::HashSet<String> = (0..50)
            .map(|_| ActivationCode::generate().expose().to_owned())
            .collect();
        assert!(
            codes
                .iter()
                .all(|c| c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit()))
        );
        assert!(
            codes.len() > 45,
            "50 random codes are almost surely distinct"
        );
    }

    #[test]
    fn activation_codes_compare_by_value() {
        let a = ActivationCode::parse("048213").unwrap();
        assert!(a.ct_eq(&ActivationCode::parse(" 048213 ").unwrap()));
        assert!(!a.ct_eq(&ActivationCode::parse("048214").unwrap()));
        assert_eq!(
            ActivationCode::parse("48213").unwrap_err().code(),
            "ACTIVATION_CODE_FORMAT"
        );
    }
}
