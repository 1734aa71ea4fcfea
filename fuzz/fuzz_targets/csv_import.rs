//! A registry export (CSV) → the importer's parser and every row check.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match ikd_server::import::parse_with_lines(data) {
        // Every family and every resident in it has a line.
        Ok((families, lines)) => {
            for f in &families {
                for m in &f.members {
                    assert!(lines.contains_key(&m.ktp.nik));
                }
            }
        }
        Err(errors) => assert!(!errors.is_empty()),
    }
});
