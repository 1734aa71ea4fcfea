//! Contact details a citizen gives at registration: email and Indonesian mobile number.

use serde::{Deserialize, Serialize};

use crate::error::{Lang, UserError, tr};

/// An email address in a form mail servers accept; the domain is lower-cased.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("email is empty")]
    Empty,
    #[error("email is longer than 254 characters")]
    TooLong,
    #[error("email is not of the form name@domain")]
    Format,
}

impl UserError for EmailError {
    fn code(&self) -> &'static str {
        match self {
            EmailError::Empty => "EMAIL_EMPTY",
            EmailError::TooLong => "EMAIL_TOO_LONG",
            EmailError::Format => "EMAIL_FORMAT",
        }
    }

    fn message(&self, lang: Lang) -> String {
        match self {
            EmailError::Empty => tr(
                lang,
                "Email wajib diisi: kode aktivasi dikirim ke email ini.",
                "Email is required: the activation code is sent to it.",
            ),
            EmailError::TooLong => tr(
                lang,
                "Alamat email terlalu panjang (maksimal 254 karakter).",
                "The email address is too long (254 characters at most).",
            ),
            EmailError::Format => tr(
                lang,
                "Format email tidak valid. Contoh yang benar: nama@contoh.co.id",
                "The email address is not valid. Example: name@example.co.id",
            ),
        }
    }
}

fn valid_local(local: &str) -> bool {
    const SPECIALS: &[u8] = b"!#$%&'*+-/=?^_`{|}~.";
    !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || SPECIALS.contains(&b))
}

fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()))
}

impl Email {
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(EmailError::Empty);
        }
        if s.len() > 254 {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = s.rsplit_once('@').ok_or(EmailError::Format)?;
        if !valid_local(local) || !valid_domain(domain) {
            return Err(EmailError::Format);
        }
        Ok(Email(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `b•••@example.com`: enough for a citizen to recognise their own address on screen.
    pub fn masked(&self) -> String {
        let (local, domain) = self.0.rsplit_once('@').unwrap_or(("", &self.0));
        let first: String = local.chars().take(1).collect();
        format!("{first}•••@{domain}")
    }
}

impl std::fmt::Debug for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Email({})", self.masked())
    }
}

impl TryFrom<String> for Email {
    type Error = EmailError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Email::parse(&s)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

/// An Indonesian mobile number, kept in E.164 form (`+628…`).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("phone number is empty")]
    Empty,
    #[error("phone number contains characters other than digits, spaces, dashes and a leading +")]
    Characters,
    #[error("phone number is not an Indonesian mobile number")]
    NotMobile,
    #[error("phone number has the wrong number of digits")]
    Length,
}

impl UserError for PhoneError {
    fn code(&self) -> &'static str {
        match self {
            PhoneError::Empty => "PHONE_EMPTY",
            PhoneError::Characters => "PHONE_CHARACTERS",
            PhoneError::NotMobile => "PHONE_NOT_MOBILE",
            PhoneError::Length => "PHONE_LENGTH",
        }
    }

    fn message(&self, lang: Lang) -> String {
        match self {
            PhoneError::Empty => tr(
                lang,
                "Nomor HP wajib diisi, contoh 0812 3456 7890.",
                "A mobile number is required, e.g. 0812 3456 7890.",
            ),
            PhoneError::Characters => tr(
                lang,
                "Nomor HP hanya berisi angka (boleh diawali +62), contoh 0812 3456 7890.",
                "A mobile number holds only digits (optionally starting +62), e.g. 0812 3456 7890.",
            ),
            PhoneError::NotMobile => tr(
                lang,
                "Gunakan nomor HP Indonesia yang diawali 08 atau +628.",
                "Use an Indonesian mobile number starting with 08 or +628.",
            ),
            PhoneError::Length => tr(
                lang,
                "Nomor HP Indonesia terdiri dari 10 sampai 13 digit (diawali 08).",
                "An Indonesian mobile number has 10 to 13 digits (starting 08).",
            ),
        }
    }
}

impl PhoneNumber {
    /// Accepts `0812-3456-7890`, `+62 812 3456 7890` or `6281234567890`.
    pub fn parse(input: &str) -> Result<Self, PhoneError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(PhoneError::Empty);
        }
        let (plus, rest) = match s.strip_prefix('+') {
            Some(r) => (true, r),
            None => (false, s),
        };
        let mut digits = String::with_capacity(16);
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => return Err(PhoneError::Characters),
            }
        }
        if digits.len() > 20 {
            return Err(PhoneError::Length);
        }
        // National significant number: starts with 8 for mobiles.
        let nsn = if let Some(r) = digits.strip_prefix("62") {
            r
        } else if !plus && let Some(r) = digits.strip_prefix('0') {
            r
        } else {
            return Err(PhoneError::NotMobile);
        };
        let b = nsn.as_bytes();
        if b.first() != Some(&b'8') || b.get(1).is_some_and(|d| *d == b'0') {
            return Err(PhoneError::NotMobile);
        }
        if !(9..=12).contains(&nsn.len()) {
            return Err(PhoneError::Length);
        }
        Ok(PhoneNumber(format!("+62{nsn}")))
    }

    /// E.164, e.g. `+6281234567890`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `+62 812-••••-7890`.
    pub fn masked(&self) -> String {
        let nsn = &self.0[3..];
        format!("+62 {}-••••-{}", &nsn[..3], &nsn[nsn.len() - 4..])
    }
}

impl std::fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PhoneNumber({})", self.masked())
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = PhoneError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        PhoneNumber::parse(&s)
    }
}

impl From<PhoneNumber> for String {
    fn from(p: PhoneNumber) -> String {
        p.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn emails_are_trimmed_and_their_domain_lowercased() {
        let e = Email::parse("  Budi.Santoso@Contoh.CO.ID ").unwrap();
        assert_eq!(e.as_str(), "Budi.Santoso@contoh.co.id");
        assert_eq!(e.masked(), "B•••@contoh.co.id");
    }

    #[test]
    fn malformed_emails_are_refused_with_codes() {
        let code = |s: &str| Email::parse(s).unwrap_err().code();
        assert_eq!(code(""), "EMAIL_EMPTY");
        for bad in [
            "budi",
            "budi@",
            "@contoh.id",
            "budi@contoh",
            "bu di@contoh.id",
            "budi..s@contoh.id",
            "budi@-contoh.id",
            "budi@contoh.i",
        ] {
            assert_eq!(code(bad), "EMAIL_FORMAT", "{bad}");
        }
        assert_eq!(
            code(&format!("{}@contoh.id", "a".repeat(260))),
            "EMAIL_TOO_LONG"
        );
    }

    #[test]
    fn every_common_way_of_writing_a_mobile_number_normalises_to_e164() {
        for s in [
            "081234567890",
            "0812-3456-7890",
            "+62 812 3456 7890",
            "6281234567890",
            "+6281234567890",
        ] {
            assert_eq!(
                PhoneNumber::parse(s).unwrap().as_str(),
                "+6281234567890",
                "{s}"
            );
        }
        assert_eq!(
            PhoneNumber::parse("081234567890").unwrap().masked(),
            "+62 812-••••-7890"
        );
    }

    #[test]
    fn landlines_foreign_and_odd_lengths_are_refused() {
        let code = |s: &str| PhoneNumber::parse(s).unwrap_err().code();
        assert_eq!(code(""), "PHONE_EMPTY");
        assert_eq!(code("0812abc"), "PHONE_CHARACTERS");
        assert_eq!(code("0215551234"), "PHONE_NOT_MOBILE");
        assert_eq!(code("+6012345678"), "PHONE_NOT_MOBILE");
        assert_eq!(code("+0812345678"), "PHONE_NOT_MOBILE");
        assert_eq!(code("0812345"), "PHONE_LENGTH");
        assert_eq!(code("08123456789012"), "PHONE_LENGTH");
    }

    proptest! {
        #[test]
        fn phone_numbers_round_trip_through_e164(rest in "[1-9][0-9]{7,10}") {
            let local = format!("08{rest}");
            let p = PhoneNumber::parse(&local).unwrap();
            prop_assert_eq!(PhoneNumber::parse(p.as_str()).unwrap(), p.clone());
            prop_assert_eq!(p.as_str(), format!("+628{rest}"));
        }

        #[test]
        fn email_parse_never_panics(s in "\\PC{0,80}") {
            let _ = Email::parse(&s);
        }
    }
}
