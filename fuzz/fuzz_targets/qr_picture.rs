//! An uploaded QR picture (JPEG or PNG bytes) → the decoder (image, then rxing).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = ikd_core::scan::decode_image(data);
});
