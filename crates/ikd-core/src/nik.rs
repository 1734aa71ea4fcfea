//! Nomor Induk Kependudukan: the 16-digit population number.
//!
//! Layout: `PPRRDD` district of first registration, `DDMMYY` birth date (day + 40 for women),
//! `SSSS` serial. The century is not encoded, so validity tries the 1900s and the 2000s, as
//! python-stdnum's `id.nik` does.

use serde::{Deserialize, Serialize};
use time::{Date, Month};

use crate::error::{Lang, UserError, tr};
use crate::region::{self, District};

/// A NIK whose region code, birth date and serial have been checked.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Nik(String);

/// Sex as printed on the KTP-el (Jenis Kelamin).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Sex {
    #[serde(rename = "LAKI-LAKI")]
    LakiLaki,
    #[serde(rename = "PEREMPUAN")]
    Perempuan,
}

impl Sex {
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Sex::LakiLaki, Lang::Id) => "LAKI-LAKI",
            (Sex::Perempuan, Lang::Id) => "PEREMPUAN",
            (Sex::LakiLaki, Lang::En) => "MALE",
            (Sex::Perempuan, Lang::En) => "FEMALE",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NikError {
    #[error("NIK is empty")]
    Empty,
    #[error("NIK has {0} characters, expected 16 digits")]
    Length(usize),
    #[error("NIK contains a character that is not a digit")]
    NotDigits,
    #[error("NIK region code is not a known district")]
    UnknownRegion,
    #[error("NIK birth date is not a real date")]
    BirthDate,
    #[error("NIK serial is 0000")]
    Serial,
}

impl UserError for NikError {
    fn code(&self) -> &'static str {
        match self {
            NikError::Empty => "NIK_EMPTY",
            NikError::Length(_) => "NIK_LENGTH",
            NikError::NotDigits => "NIK_NOT_DIGITS",
            NikError::UnknownRegion => "NIK_UNKNOWN_REGION",
            NikError::BirthDate => "NIK_BIRTH_DATE",
            NikError::Serial => "NIK_SERIAL",
        }
    }

    fn message(&self, lang: Lang) -> String {
        match self {
            NikError::Empty => tr(
                lang,
                "NIK wajib diisi: 16 digit angka seperti tertera pada KTP-el atau KK.",
                "NIK is required: the 16 digits printed on your KTP-el or family card.",
            ),
            NikError::Length(n) => tr(
                lang,
                format!(
                    "NIK harus 16 digit; yang Anda isi {n} karakter. Periksa kembali KTP-el Anda."
                ),
                format!("A NIK has 16 digits; you entered {n} characters. Check your KTP-el."),
            ),
            NikError::NotDigits => tr(
                lang,
                "NIK hanya berisi angka 0–9, tanpa huruf, spasi atau tanda baca.",
                "A NIK contains only the digits 0–9, no letters, spaces or punctuation.",
            ),
            NikError::UnknownRegion => tr(
                lang,
                "6 digit pertama NIK bukan kode kecamatan yang terdaftar di Kemendagri. Periksa kembali NIK Anda.",
                "The first 6 digits of the NIK are not a registered district code. Check your NIK.",
            ),
            NikError::BirthDate => tr(
                lang,
                "Digit ke-7 sampai ke-12 NIK bukan tanggal lahir yang valid. Periksa kembali NIK Anda.",
                "Digits 7 to 12 of the NIK are not a valid birth date. Check your NIK.",
            ),
            NikError::Serial => tr(
                lang,
                "4 digit terakhir NIK tidak boleh 0000. Periksa kembali NIK Anda.",
                "The last 4 digits of a NIK cannot be 0000. Check your NIK.",
            ),
        }
    }
}

/// Day, month and two-digit year of a NIK's date field, women's +40 removed.
fn date_parts(digits: &[u8]) -> (u8, u8, u8, Sex) {
    let two = |i: usize| (digits[i] - b'0') * 10 + (digits[i + 1] - b'0');
    let raw_day = two(6);
    let sex = if raw_day > 40 {
        Sex::Perempuan
    } else {
        Sex::LakiLaki
    };
    (raw_day % 40, two(8), two(10), sex)
}

fn date_in(century: i32, yy: u8, month: u8, day: u8) -> Option<Date> {
    let month = Month::try_from(month).ok()?;
    Date::from_calendar_date(century + i32::from(yy), month, day).ok()
}

impl Nik {
    /// Checks a NIK as typed; surrounding whitespace is ignored.
    pub fn parse(input: &str) -> Result<Self, NikError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(NikError::Empty);
        }
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(NikError::NotDigits);
        }
        if s.len() != 16 {
            return Err(NikError::Length(s.chars().count()));
        }
        let b = s.as_bytes();
        let code: u32 = s[..6].parse().map_err(|_| NikError::NotDigits)?;
        if region::district(code).is_none() {
            return Err(NikError::UnknownRegion);
        }
        let raw_day = (b[6] - b'0') * 10 + (b[7] - b'0');
        if !(1..=31).contains(&raw_day) && !(41..=71).contains(&raw_day) {
            return Err(NikError::BirthDate);
        }
        let (day, month, yy, _) = date_parts(b);
        if date_in(1900, yy, month, day).is_none() && date_in(2000, yy, month, day).is_none() {
            return Err(NikError::BirthDate);
        }
        if &s[12..] == "0000" {
            return Err(NikError::Serial);
        }
        Ok(Nik(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The six-digit district code of first registration.
    pub fn district_code(&self) -> u32 {
        self.0[..6].parse().unwrap_or_default()
    }

    /// The time zone of the NIK's province, for times told to the resident.
    pub fn time_zone(&self) -> crate::region::TimeZone {
        crate::region::TimeZone::of_province(self.district_code() / 10_000)
    }

    /// Province, regency and district with names (checked at parse, so always present).
    pub fn region(&self) -> Option<District> {
        region::district(self.district_code())
    }

    pub fn sex(&self) -> Sex {
        date_parts(self.0.as_bytes()).3
    }

    pub fn serial(&self) -> u16 {
        self.0[12..].parse().unwrap_or_default()
    }

    /// Birth date, choosing the century: the 2000s unless that date is after `today`.
    pub fn birth_date(&self, today: Date) -> Date {
        let (day, month, yy, _) = date_parts(self.0.as_bytes());
        let d2000 = date_in(2000, yy, month, day);
        let d1900 = date_in(1900, yy, month, day);
        match (d2000, d1900) {
            (Some(d), _) if d <= today => d,
            (_, Some(d)) => d,
            (Some(d), None) => d,
            // Unreachable for a parsed NIK; keep a total function.
            (None, None) => today,
        }
    }

    /// NIK with the middle hidden, for screens and minimal disclosure: `3171••••••••0001`.
    pub fn masked(&self) -> String {
        format!("{}{}{}", &self.0[..4], "•".repeat(8), &self.0[12..])
    }
}

impl std::fmt::Debug for Nik {
    /// Masked: a NIK is personal data and must not reach logs through `{:?}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Nik({})", self.masked())
    }
}

impl TryFrom<String> for Nik {
    type Error = NikError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Nik::parse(&s)
    }
}

impl From<Nik> for String {
    fn from(n: Nik) -> String {
        n.0
    }
}

impl std::str::FromStr for Nik {
    type Err = NikError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Nik::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 22);

    #[test]
    fn a_valid_mans_nik_exposes_region_birth_date_sex_and_serial() {
        let nik = Nik::parse("3171011708450001").unwrap();
        assert_eq!(nik.district_code(), 317101);
        assert_eq!(nik.birth_date(TODAY), date!(1945 - 08 - 17));
        assert_eq!(nik.sex(), Sex::LakiLaki);
        assert_eq!(nik.serial(), 1);
        assert_eq!(nik.region().unwrap().regency.code, "31.71");
    }

    #[test]
    fn a_womans_day_has_forty_added() {
        let nik = Nik::parse("3273015703050042").unwrap();
        assert_eq!(nik.sex(), Sex::Perempuan);
        assert_eq!(nik.birth_date(TODAY), date!(2005 - 03 - 17));
    }

    #[test]
    fn the_century_is_the_1900s_when_the_2000s_date_is_in_the_future() {
        let nik = Nik::parse("3171010101300001").unwrap();
        assert_eq!(nik.birth_date(TODAY), date!(1930 - 01 - 01));
    }

    #[test]
    fn a_code_retired_in_2022_is_still_a_valid_nik() {
        assert!(Nik::parse("9101011203800003").is_ok());
    }

    #[test]
    fn the_29th_of_february_is_valid_only_in_leap_years() {
        assert!(
            Nik::parse("3171012902000001").is_ok(),
            "2000 is a leap year"
        );
        assert!(Nik::parse("3171012902040001").is_ok());
        assert_eq!(
            Nik::parse("3171012902030001"),
            Err(NikError::BirthDate),
            "neither 1903 nor 2003 is a leap year"
        );
        assert_eq!(Nik::parse("3171013002040001"), Err(NikError::BirthDate));
    }

    #[test]
    fn each_defect_gets_its_own_code() {
        let code = |s: &str| Nik::parse(s).unwrap_err().code();
        assert_eq!(code(""), "NIK_EMPTY");
        assert_eq!(code("317101170845000"), "NIK_LENGTH");
        assert_eq!(code("31710117084500012"), "NIK_LENGTH");
        assert_eq!(code("3171O11708450001"), "NIK_NOT_DIGITS");
        assert_eq!(code("9999991708450001"), "NIK_UNKNOWN_REGION");
        assert_eq!(code("3171013208450001"), "NIK_BIRTH_DATE");
        assert_eq!(code("3171017208450001"), "NIK_BIRTH_DATE");
        assert_eq!(code("3171014008450001"), "NIK_BIRTH_DATE");
        assert_eq!(code("3171011713450001"), "NIK_BIRTH_DATE");
        assert_eq!(code("3171011708450000"), "NIK_SERIAL");
    }

    #[test]
    fn messages_exist_in_both_languages_and_differ() {
        let e = Nik::parse("123").unwrap_err();
        assert!(e.message(Lang::Id).contains("16 digit"));
        assert!(e.message(Lang::En).contains("16 digits"));
    }

    #[test]
    fn debug_never_prints_the_whole_nik() {
        let nik = Nik::parse("3171011708450001").unwrap();
        assert!(!format!("{nik:?}").contains("3171011708450001"));
        assert_eq!(nik.masked(), "3171••••••••0001");
    }

    #[test]
    fn deserialising_a_bad_nik_fails() {
        assert!(serde_json::from_str::<Nik>("\"3171011708450000\"").is_err());
        let ok: Nik = serde_json::from_str("\"3171011708450001\"").unwrap();
        assert_eq!(serde_json::to_string(&ok).unwrap(), "\"3171011708450001\"");
    }

    proptest! {
        #[test]
        fn every_well_formed_nik_round_trips(
            idx in 0usize..7000,
            day in 1u8..=28, month in 1u8..=12, yy in 0u8..=99,
            woman: bool, serial in 1u16..=9999,
        ) {
            let code = region::all_district_codes().nth(idx).unwrap();
            let d = if woman { day + 40 } else { day };
            let s = format!("{code:06}{d:02}{month:02}{yy:02}{serial:04}");
            let nik = Nik::parse(&s).unwrap();
            prop_assert_eq!(nik.as_str(), s.as_str());
            prop_assert_eq!(nik.sex() == Sex::Perempuan, woman);
            prop_assert_eq!(nik.serial(), serial);
            let bd = nik.birth_date(TODAY);
            prop_assert_eq!(bd.day(), day);
            prop_assert_eq!(u8::from(bd.month()), month);
            let back: Nik = serde_json::from_str(&serde_json::to_string(&nik).unwrap()).unwrap();
            prop_assert_eq!(back, nik);
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,40}") {
            let _ = Nik::parse(&s);
        }
    }
}
