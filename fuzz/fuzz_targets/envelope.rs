//! Envelope bytes `[2, kid, enc, ct]` → the CBOR decode and the HPKE open (X25519, HKDF,
//! ChaCha20-Poly1305) with the key it names.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((_, plaintext)) = ikd_core::fuzzing::open_envelope(&ikd_fuzz::VERIFIER, data) {
        assert!(plaintext.len() < data.len());
    }
});
