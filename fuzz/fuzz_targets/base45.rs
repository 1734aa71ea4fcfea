//! Base45 text → the strict decoder. What it accepts must be exactly what the `base45`
//! crate's encoder writes for the decoded bytes: one text per byte string.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(bytes) = ikd_core::fuzzing::base45_decode(data) {
        assert_eq!(base45::encode(&bytes).as_bytes(), data);
    }
});
