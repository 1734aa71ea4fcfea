//! Kemendagri region codes (province, regency/city, district) seen in any official list from
//! 2016 to 2025. Source: cahyadsn/wilayah (MIT), see `data/wilayah/`.
//!
//! A NIK keeps the district code of its first registration, so codes retired since (for
//! example the Papua regencies moved to new provinces in 2022) stay valid here.

use serde::Serialize;

#[derive(Debug)]
pub(crate) struct RegionRow {
    pub(crate) code: u32,
    pub(crate) dotted: &'static str,
    pub(crate) name: &'static str,
    pub(crate) first_seen: u16,
    pub(crate) last_seen: u16,
}

include!(concat!(env!("OUT_DIR"), "/regions.rs"));

/// The newest list the data holds; a code last seen earlier is historical.
pub const CURRENT_LIST_YEAR: u16 = 2025;

/// One level of the region hierarchy with its official code and name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Region {
    /// Dotted code as Kemendagri writes it, e.g. `31.71.01`.
    pub code: &'static str,
    pub name: &'static str,
    /// False when the code was retired (it stays valid for NIKs issued under it).
    pub current: bool,
}

/// Province, regency/city and district of a six-digit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct District {
    pub province: Region,
    pub regency: Region,
    pub district: Region,
}

fn find(table: &'static [RegionRow], code: u32) -> Option<&'static RegionRow> {
    table
        .binary_search_by_key(&code, |r| r.code)
        .ok()
        .map(|i| &table[i])
}

fn region(row: &'static RegionRow) -> Region {
    Region {
        code: row.dotted,
        name: row.name,
        current: row.last_seen >= CURRENT_LIST_YEAR,
    }
}

/// Looks up a six-digit district code (`317101`), current or historical.
pub fn district(code: u32) -> Option<District> {
    let d = find(DISTRICTS, code)?;
    let r = find(REGENCIES, code / 100)?;
    let p = find(PROVINCES, code / 10_000)?;
    Some(District {
        province: region(p),
        regency: region(r),
        district: region(d),
    })
}

/// Indonesia's three time zones (Keppres 41/1987): what a notice to a resident says a time
/// in, by the province of the resident's NIK.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TimeZone {
    /// UTC+7: Sumatra, Java, West and Central Kalimantan.
    Wib,
    /// UTC+8: Bali, Nusa Tenggara, South, East and North Kalimantan, Sulawesi.
    Wita,
    /// UTC+9: Maluku and Papua.
    Wit,
}

impl TimeZone {
    /// The zone of a two-digit province code (`31`, `73`…); WIB for a code not known.
    pub fn of_province(code: u32) -> Self {
        match code {
            51..=53 | 63..=65 | 71..=76 => TimeZone::Wita,
            81 | 82 | 91..=99 => TimeZone::Wit,
            _ => TimeZone::Wib,
        }
    }

    /// Hours ahead of UTC.
    pub fn utc_offset_hours(self) -> i8 {
        match self {
            TimeZone::Wib => 7,
            TimeZone::Wita => 8,
            TimeZone::Wit => 9,
        }
    }

    /// `WIB`, `WITA` or `WIT`, as written after a time.
    pub fn abbreviation(self) -> &'static str {
        match self {
            TimeZone::Wib => "WIB",
            TimeZone::Wita => "WITA",
            TimeZone::Wit => "WIT",
        }
    }

    /// `2 Des 2026 14.05 WITA`: unix seconds as a resident reads them (Indonesian month
    /// abbreviations, a dot between hours and minutes, as PUEBI writes times).
    pub fn format(self, unix: i64) -> String {
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des",
        ];
        let at = time::OffsetDateTime::from_unix_timestamp(unix)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
            .to_offset(
                time::UtcOffset::from_hms(self.utc_offset_hours(), 0, 0)
                    .unwrap_or(time::UtcOffset::UTC),
            );
        format!(
            "{} {} {} {:02}.{:02} {}",
            at.day(),
            MONTHS[usize::from(u8::from(at.month())) - 1],
            at.year(),
            at.hour(),
            at.minute(),
            self.abbreviation()
        )
    }
}

/// Every district code in the lists, current or historical; used by generators.
pub fn all_district_codes() -> impl Iterator<Item = u32> {
    DISTRICTS.iter().map(|r| r.code)
}

/// Whether a district code is still in the newest list.
pub fn is_current_district(code: u32) -> bool {
    find(DISTRICTS, code).is_some_and(|r| r.last_seen >= CURRENT_LIST_YEAR)
}

/// First year a district code appears in the lists held here.
pub fn first_seen(code: u32) -> Option<u16> {
    find(DISTRICTS, code).map(|r| r.first_seen)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_is_said_in_the_zone_of_the_residents_province() {
        assert_eq!(TimeZone::of_province(31), TimeZone::Wib); // DKI Jakarta
        assert_eq!(TimeZone::of_province(61), TimeZone::Wib); // Kalimantan Barat
        assert_eq!(TimeZone::of_province(51), TimeZone::Wita); // Bali
        assert_eq!(TimeZone::of_province(64), TimeZone::Wita); // Kalimantan Timur
        assert_eq!(TimeZone::of_province(73), TimeZone::Wita); // Sulawesi Selatan
        assert_eq!(TimeZone::of_province(81), TimeZone::Wit); // Maluku
        assert_eq!(TimeZone::of_province(96), TimeZone::Wit); // Papua Barat Daya
        // 2026-12-02 07:05 UTC.
        assert_eq!(TimeZone::Wib.format(1_796_195_100), "2 Des 2026 14.05 WIB");
        assert_eq!(TimeZone::Wit.format(1_796_195_100), "2 Des 2026 16.05 WIT");
    }

    #[test]
    fn a_current_jakarta_district_resolves_with_names() {
        let d = district(317101).expect("Gambir exists");
        assert_eq!(d.province.code, "31");
        assert_eq!(d.regency.code, "31.71");
        assert_eq!(d.district.code, "31.71.01");
        assert!(d.district.current);
        assert!(!d.district.name.is_empty());
    }

    #[test]
    fn a_district_retired_in_2022_is_still_found_but_not_current() {
        // Merauke moved from Papua (91.01) to Papua Selatan in 2022.
        let d = district(910101).expect("historical code kept");
        assert!(!d.district.current);
        assert!(!is_current_district(910101));
    }

    #[test]
    fn unknown_codes_are_not_found() {
        assert!(district(999999).is_none());
        assert!(district(110000).is_none());
    }

    #[test]
    fn tables_are_sorted_for_binary_search() {
        for t in [PROVINCES, REGENCIES, DISTRICTS] {
            assert!(t.windows(2).all(|w| w[0].code < w[1].code));
        }
        assert!(DISTRICTS.len() > 7_000);
        assert!(all_district_codes().all(|c| first_seen(c).is_some()));
    }
}
