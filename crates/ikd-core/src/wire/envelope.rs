//! The identity QR text: `IKD1:` + Base45(zlib(envelope)), where the envelope is the CBOR
//! array `[1, verifier kid, HPKE enc, HPKE ciphertext]`. The envelope is ciphertext,
//! which does not compress, so the zlib stream is written with stored blocks: the format
//! of the EU DCC's `HC1:`, without spending the encoder's time on incompressible bytes. Base45 uses exactly the QR code's
//! alphanumeric alphabet (as the EU DCC's `HC1:`), so the QR stays in its densest mode.

use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;

use super::base45;
use super::cbor::{self, MAX_CBOR_LEN};
use crate::crypto::KeyId;

pub const IDENTITY_QR_PREFIX: &str = "IKD1:";
/// A version-40 QR in alphanumeric mode holds 4 296 characters; nothing longer is read.
pub const MAX_QR_TEXT_LEN: usize = 4_296;
const ENVELOPE_VERSION: u8 = 1;

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
        format!(
            "{IDENTITY_QR_PREFIX}{}",
            ::base45::encode(deflate(&self.to_bytes()))
        )
    }

    /// Prefix, Base45, zlib (bounded: a zip bomb stops at the CBOR limit), then CBOR.
    pub(crate) fn from_qr_text(text: &str) -> Option<Self> {
        Self::from_bytes(&qr_text_to_envelope_bytes(text)?)
    }
}

pub(crate) fn qr_text_to_envelope_bytes(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    if text.len() > MAX_QR_TEXT_LEN {
        return None;
    }
    let body = text.strip_prefix(IDENTITY_QR_PREFIX)?;
    inflate(&base45::decode(body.as_bytes())?)
}

/// zlib with stored blocks (level 0), see the module comment.
pub(crate) fn deflate(bytes: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(bytes, 0)
}

/// zlib with a hard output bound, so a zip bomb stops at the CBOR size limit.
pub(crate) fn inflate(compressed: &[u8]) -> Option<Vec<u8>> {
    miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(compressed, MAX_CBOR_LEN).ok()
}

/// Re-wraps envelope bytes as QR text; used by tests that tamper with the envelope.
#[cfg(test)]
pub(crate) fn envelope_bytes_to_qr_text(bytes: &[u8]) -> String {
    format!("{IDENTITY_QR_PREFIX}{}", ::base45::encode(deflate(bytes)))
}
