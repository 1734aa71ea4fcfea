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
