//! Entry points for the fuzz targets in `fuzz/` (feature `fuzzing`, which nothing else
//! turns on). They reach the decoders inside the identity QR's pipeline one by one: through
//! the public API a mutated input stops at the HPKE open, which no mutation passes, so the
//! CBOR and COSE behind it would never be fuzzed. Not a stable API.

use crate::crypto::KeyId;
use crate::wire::{Fresh, Verifier, VerifyError};

/// Strict Base45 (RFC 9285), as the identity QR reads it.
pub fn base45_decode(text: &[u8]) -> Option<Vec<u8>> {
    crate::wire::base45::decode(text)
}

/// The envelope `[2, kid, enc, ct]` and the HPKE open with the key it names.
///
/// # Errors
/// As [`Verifier::verify`] at its step 2.
pub fn open_envelope(
    verifier: &Verifier,
    envelope: &[u8],
) -> Result<(KeyId, Vec<u8>), VerifyError> {
    verifier.open_envelope(envelope)
}

/// The identity QR text's envelope bytes (prefix and Base45 undone), for seed corpora.
pub fn envelope_bytes(qr_text: &str) -> Option<Vec<u8>> {
    crate::wire::envelope::qr_text_to_envelope_bytes(qr_text)
}

/// An opened presentation through steps 3 to 7 of [`Verifier::verify`].
///
/// # Errors
/// As [`Verifier::verify`] from its step 3.
pub fn verify_plaintext(
    verifier: &Verifier,
    plaintext: &[u8],
    kid: KeyId,
    now: i64,
) -> Result<Fresh, VerifyError> {
    verifier.verify_plaintext(plaintext, kid, now)
}
