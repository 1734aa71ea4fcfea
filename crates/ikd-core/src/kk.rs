//! Nomor Kartu Keluarga: `PPRRDD` district, `DDMMYY` date of issue, `SSSS` serial.

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use crate::error::{Lang, UserError, tr};
use crate::region;

/// A family-card number whose district code and issue date have been checked.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NomorKk(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NomorKkError {
    #[error("family card number is not 16 digits")]
    Format,
    #[error("family card number has an unknown district code")]
    UnknownRegion,
    #[error("family card number has an invalid issue date")]
    IssueDate,
    #[error("family card number serial is 0000")]
    Serial,
}

impl UserError for NomorKkError {
    fn code(&self) -> &'static str {
        match self {
            NomorKkError::Format => "KK_FORMAT",
            NomorKkError::UnknownRegion => "KK_UNKNOWN_REGION",
            NomorKkError::IssueDate => "KK_ISSUE_DATE",
            NomorKkError::Serial => "KK_SERIAL",
        }
    }

    fn message(&self, lang: Lang) -> String {
        match self {
            NomorKkError::Format => tr(
                lang,
                "Nomor KK harus 16 digit angka seperti tertera di kartu keluarga.",
                "A family card number has 16 digits, as printed on the card.",
            ),
            NomorKkError::UnknownRegion => tr(
                lang,
                "6 digit pertama nomor KK bukan kode kecamatan yang terdaftar.",
                "The first 6 digits of the family card number are not a registered district.",
            ),
            NomorKkError::IssueDate => tr(
                lang,
                "Digit ke-7 sampai ke-12 nomor KK bukan tanggal terbit yang valid.",
                "Digits 7 to 12 of the family card number are not a valid issue date.",
            ),
            NomorKkError::Serial => tr(
                lang,
                "4 digit terakhir nomor KK tidak boleh 0000.",
                "The last 4 digits of a family card number cannot be 0000.",
            ),
        }
    }
}

impl NomorKk {
    pub fn parse(input: &str) -> Result<Self, NomorKkError> {
        let s = input.trim();
        if s.len() != 16 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(NomorKkError::Format);
        }
        let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap_or_default();
        if region::district(num(0..6)).is_none() {
            return Err(NomorKkError::UnknownRegion);
        }
        let (day, month, yy) = (num(6..8) as u8, num(8..10) as u8, num(10..12) as i32);
        let valid = |century: i32| {
            Month::try_from(month)
                .ok()
                .and_then(|m| Date::from_calendar_date(century + yy, m, day).ok())
                .is_some()
        };
        if !valid(1900) && !valid(2000) {
            return Err(NomorKkError::IssueDate);
        }
        if num(12..16) == 0 {
            return Err(NomorKkError::Serial);
        }
        Ok(NomorKk(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for NomorKk {
    type Error = NomorKkError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        NomorKk::parse(&s)
    }
}

impl From<NomorKk> for String {
    fn from(n: NomorKk) -> String {
        n.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_family_card_number_checks_region_date_and_serial() {
        assert!(NomorKk::parse("3171011203150007").is_ok());
        let code = |s: &str| NomorKk::parse(s).unwrap_err().code();
        assert_eq!(code("317101120315000"), "KK_FORMAT");
        assert_eq!(code("9999991203150007"), "KK_UNKNOWN_REGION");
        assert_eq!(code("3171014203150007"), "KK_ISSUE_DATE");
        assert_eq!(code("3171011203150000"), "KK_SERIAL");
    }
}
