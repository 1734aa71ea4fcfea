//! Registration QR text (what the officer scans) → the parser; what it accepts prints back.
#![no_main]
use ikd_core::wire::RegistrationQr;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(qr) = RegistrationQr::parse(text) {
        let again = RegistrationQr::parse(&qr.to_text()).expect("its own text parses");
        assert_eq!(again.id, qr.id);
        assert!(again.token.ct_eq(&qr.token));
    }
});
