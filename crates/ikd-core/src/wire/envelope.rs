//! The identity QR text: `IKD2:` + Base45(envelope), where the envelope is the CBOR array
//! `[2, verifier kid, HPKE enc, HPKE ciphertext]`. Base45 (RFC 9285) uses exactly the QR
//! code's alphanumeric alphabet, so the QR stays in its densest mode, as the EU DCC's
//! `HC1:`. Unlike `HC1:` there is no zlib layer: the envelope is ciphertext, which does not
//! compress, and a layer that only adds bytes (and an inflate step to bound) is left out.
//!
//! The HPKE AAD is `"IKD2:"` followed by the 8 kid bytes: the ciphertext is bound to the
//! format and to the key it names.

use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;

use super::base45;
use super::cbor;
use crate::crypto::KeyId;

pub const IDENTITY_QR_PREFIX: &str = "IKD2:";
/// A version-40 QR in alphanumeric mode holds 4 296 characters; nothing longer is read.
pub const MAX_QR_TEXT_LEN: usize = 4_296;
const ENVELOPE_VERSION: u8 = 2;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Envelope(u8, ByteBuf, ByteBuf, ByteBuf);

impl Envelope {
    pub(crate) fn new(kid: KeyId, enc: Vec<u8>, ct: Vec<u8>) -> Self {
        Envelope(
            ENVELOPE_VERSION,
            ByteBuf::from(kid.as_bytes().to_vec()),
            ByteBuf::from(enc),
            ByteBuf::from(ct),
        )
    }

    pub(crate) fn kid(&self) -> Option<KeyId> {
        KeyId::from_bytes(&self.1)
    }

    pub(crate) fn enc(&self) -> &[u8] {
        &self.2
    }

    pub(crate) fn ciphertext(&self) -> &[u8] {
        &self.3
    }

    /// The AAD binds the ciphertext to the version and key id it travels with.
    pub(crate) fn aad(kid: KeyId) -> Vec<u8> {
        let mut aad = IDENTITY_QR_PREFIX.as_bytes().to_vec();
        aad.extend_from_slice(kid.as_bytes());
        aad
    }

    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        cbor::to_vec(self)
    }

    pub(crate) fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let e: Envelope = cbor::from_slice_canonical(bytes)?;
        (e.0 == ENVELOPE_VERSION).then_some(e)
    }

    pub(crate) fn to_qr_text(&self) -> String {
        format!("{IDENTITY_QR_PREFIX}{}", ::base45::encode(self.to_bytes()))
    }

    /// Prefix, Base45, then CBOR in the one encoding IKD writes.
    #[cfg(test)]
    pub(crate) fn from_qr_text(text: &str) -> Option<Self> {
        Self::from_bytes(&qr_text_to_envelope_bytes(text)?)
    }
}

pub(crate) fn qr_text_to_envelope_bytes(text: &str) -> Option<Vec<u8>> {
    // Only line ends are trimmed (a scanner may add one). Spaces are left to the Base45
    // decoder: a space is a Base45 character (never the last one of an IKD2 text, whose
    // final character is at most 'W'), so a text with spaces around it is refused.
    let text = text.trim_matches(['\r', '\n']);
    if text.len() > MAX_QR_TEXT_LEN {
        return None;
    }
    let body = text.strip_prefix(IDENTITY_QR_PREFIX)?;
    base45::decode(body.as_bytes())
}

/// Re-wraps envelope bytes as QR text; used by tests that tamper with the envelope.
#[cfg(test)]
pub(crate) fn envelope_bytes_to_qr_text(bytes: &[u8]) -> String {
    format!("{IDENTITY_QR_PREFIX}{}", ::base45::encode(bytes))
}
