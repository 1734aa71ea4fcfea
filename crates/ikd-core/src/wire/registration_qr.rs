//! The registration QR the citizen shows the officer: `IKDREG1:` + registration id + `.` +
//! a 128-bit one-time token, both upper-case hex so the QR stays alphanumeric.

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::crypto::{KeyError, random_bytes};
use crate::error::{Lang, UserError, tr};

pub const REGISTRATION_QR_PREFIX: &str = "IKDREG1:";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RegistrationId([u8; 16]);

#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct RegistrationToken([u8; 16]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an IKD registration QR")]
pub struct RegistrationQrError;

impl UserError for RegistrationQrError {
    fn code(&self) -> &'static str {
        "REGISTRATION_QR_FORMAT"
    }

    fn message(&self, lang: Lang) -> String {
        tr(
            lang,
            "Ini bukan QR registrasi IKD. Minta warga membuka layar \"QR untuk petugas\" di aplikasi IKD.",
            "This is not an IKD registration QR. Ask the citizen to open the \"QR for the officer\" screen in the IKD app.",
        )
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

fn unhex16(s: &str) -> Option<[u8; 16]> {
    if s.len() != 32 || !s.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

impl RegistrationId {
    pub fn generate() -> Result<Self, KeyError> {
        random_bytes().map(RegistrationId)
    }

    pub fn parse(s: &str) -> Option<Self> {
        unhex16(&s.to_ascii_uppercase()).map(RegistrationId)
    }

    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl std::fmt::Display for RegistrationId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&hex(&self.0))
    }
}

impl RegistrationToken {
    pub fn generate() -> Result<Self, KeyError> {
        random_bytes().map(RegistrationToken)
    }

    pub fn from_bytes(b: [u8; 16]) -> Self {
        RegistrationToken(b)
    }

    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    pub fn ct_eq(&self, other: &RegistrationToken) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl std::fmt::Debug for RegistrationToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RegistrationToken(…)")
    }
}

#[derive(Debug, Clone)]
pub struct RegistrationQr {
    pub id: RegistrationId,
    pub token: RegistrationToken,
}

impl RegistrationQr {
    pub fn to_text(&self) -> String {
        format!("{REGISTRATION_QR_PREFIX}{}.{}", self.id, hex(&self.token.0))
    }

    pub fn parse(text: &str) -> Result<Self, RegistrationQrError> {
        let body = text
            .trim()
            .strip_prefix(REGISTRATION_QR_PREFIX)
            .ok_or(RegistrationQrError)?;
        let (id, token) = body.split_once('.').ok_or(RegistrationQrError)?;
        Ok(RegistrationQr {
            id: RegistrationId(unhex16(id).ok_or(RegistrationQrError)?),
            token: RegistrationToken(unhex16(token).ok_or(RegistrationQrError)?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn anything_but_a_registration_qr_is_refused() {
        for bad in [
            "",
            "IKD1:ABC",
            "IKDREG1:",
            "IKDREG1:00.11",
            "https://example.com",
            "IKDREG1:0123456789ABCDEF0123456789ABCDEF",
        ] {
            assert!(RegistrationQr::parse(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn registration_qrs_round_trip_in_the_alphanumeric_set(id: [u8; 16], token: [u8; 16]) {
            let qr = RegistrationQr { id: RegistrationId(id), token: RegistrationToken(token) };
            let text = qr.to_text();
            prop_assert!(text.bytes().all(|b| b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".contains(&b)));
            let back = RegistrationQr::parse(&text).unwrap();
            prop_assert_eq!(back.id, qr.id);
            prop_assert!(back.token.ct_eq(&qr.token));
        }
    }
}
