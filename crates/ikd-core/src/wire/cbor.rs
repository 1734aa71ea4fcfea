//! CBOR encode/decode helpers with the size limits every untrusted input gets.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Upper bound for any CBOR structure IKD reads (a full-profile presentation is ~650 bytes).
pub(crate) const MAX_CBOR_LEN: usize = 16 * 1024;

pub(crate) fn to_vec<T: Serialize>(v: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    // Writing to a Vec cannot fail for the plain data types IKD serialises.
    ciborium::into_writer(v, &mut out).unwrap_or_default();
    out
}

/// Decodes bytes whose every bit is already bound by a signature (a signed profile's
/// payload, a stored credential's COSE_Sign1): a different encoding of the same value fails
/// that check anyway.
pub(crate) fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    if bytes.len() > MAX_CBOR_LEN {
        return None;
    }
    let mut rest = bytes;
    let v = ciborium::from_reader(&mut rest).ok()?;
    rest.is_empty().then_some(v)
}

/// Decodes unbound bytes and accepts only the encoding IKD itself writes: longer integer
/// forms or `undefined` for `null` would let two byte strings mean one value, and every
/// byte of a QR must count.
pub(crate) fn from_slice_canonical<T: DeserializeOwned + Serialize>(bytes: &[u8]) -> Option<T> {
    let v = from_slice(bytes)?;
    (to_vec(&v) == bytes).then_some(v)
}

/// The canonical rule for COSE structures parsed by coset (their signature and unprotected
/// header are not covered by the signature itself).
pub(crate) fn cose_canonical<T: coset::CborSerializable + Clone>(bytes: &[u8]) -> Option<T> {
    if bytes.len() > MAX_CBOR_LEN {
        return None;
    }
    let v = T::from_slice(bytes).ok()?;
    (v.clone().to_vec().ok()? == bytes).then_some(v)
}
