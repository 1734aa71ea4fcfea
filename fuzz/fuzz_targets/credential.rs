//! A stored or downloaded credential (CBOR array of COSE_Sign1) → the parser, then the
//! issuer check. What parses must write back to the same bytes and parse again.
#![no_main]
use ikd_core::wire::Credential;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = Credential::from_cbor(data) {
        let again = Credential::from_cbor(&c.to_cbor()).expect("its own encoding parses");
        assert_eq!(again, c);
        let _ = c.verify_issuer(&ikd_core::crypto::KeySet::default(), *ikd_fuzz::AT);
    }
});
