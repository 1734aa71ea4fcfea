//! Selfie bytes → the service's checks: decode (EXIF orientation), dimensions, exposure,
//! sharpness, face.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = ikd_server::selfie::check_selfie(data, ikd_core::Lang::Id);
});
