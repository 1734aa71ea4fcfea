//! Turns the Kemendagri region list (2016–2025, cahyadsn/wilayah, MIT) into sorted static
//! tables, so a NIK's region check is a binary search with no parsing at run time.
#![allow(clippy::unwrap_used)] // a failure here should stop the build or the run, loudly

use std::fmt::Write as _;
use std::{env, fs, path::Path};

/// Code, dotted code, name, first and last year seen.
type Row = (u32, String, String, u16, u16);

fn main() {
    let src = Path::new("data/wilayah/wilayah_kecamatan_2016_2025.csv");
    println!("cargo::rerun-if-changed={}", src.display());
    let csv = fs::read_to_string(src).expect("region list is readable");

    let mut tables: [Vec<Row>; 3] = Default::default();
    for (n, line) in csv.lines().enumerate().skip(1) {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split(',').collect();
        assert_eq!(cols.len(), 4, "line {}: expected 4 columns", n + 1);
        let parts: Vec<&str> = cols[0].split('.').collect();
        let code: u32 = parts.concat().parse().expect("numeric region code");
        let first: u16 = cols[2].parse().expect("year first seen");
        let last: u16 = cols[3].parse().expect("year last seen");
        tables[parts.len() - 1].push((code, cols[0].to_owned(), cols[1].to_owned(), first, last));
    }

    let mut out = String::new();
    for (name, mut rows) in ["PROVINCES", "REGENCIES", "DISTRICTS"]
        .into_iter()
        .zip(tables)
    {
        rows.sort_by_key(|r| r.0);
        rows.dedup_by_key(|r| r.0);
        writeln!(out, "pub(crate) static {name}: &[RegionRow] = &[").unwrap();
        for (code, dotted, label, first, last) in rows {
            writeln!(out, "    RegionRow {{ code: {code}, dotted: {dotted:?}, name: {label:?}, first_seen: {first}, last_seen: {last} }},").unwrap();
        }
        writeln!(out, "];").unwrap();
    }
    let dest = Path::new(&env::var("OUT_DIR").unwrap()).join("regions.rs");
    fs::write(dest, out).unwrap();
}
