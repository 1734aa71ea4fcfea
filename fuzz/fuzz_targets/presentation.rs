//! An opened presentation (the CBOR array, the issuer's COSE_Sign1 and signed profile, the
//! device's COSE_Sign1) → the verifier's steps 3 to 7.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let kid = *ikd_fuzz::VERIFIER_KID;
    let _ = ikd_core::fuzzing::verify_plaintext(&ikd_fuzz::VERIFIER, data, kid, *ikd_fuzz::AT);
});
