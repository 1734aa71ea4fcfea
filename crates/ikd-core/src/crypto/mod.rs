//! Keys and primitives: ES256 through ring, HPKE (RFC 9180) through the `hpke` crate.
//! Nothing here is home-made; this module only names and wraps the standard pieces.

mod hpke_receiver;
mod keys;
mod keyset;

pub use keys::{
    DeviceKey, EcdsaPublicKey, HPKE_SUITE, IssuerKey, KeyId, VerifierPublicKey, VerifierSecretKey,
};
pub use keyset::{IssuerPublicKey, KeySet, VerifierKeyFile};

use ring::rand::{SecureRandom, SystemRandom};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("key material is malformed: {0}")]
    Malformed(&'static str),
    #[error("the key id does not match the key")]
    KeyIdMismatch,
    #[error("the system random generator failed")]
    Rng,
    #[error("signing failed")]
    Sign,
    #[error("HPKE encryption failed")]
    Seal,
}

/// Lower-case hex, as digests and key ids are shown to people (Data saya).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn sha256(data: &[u8]) -> [u8; 32] {
    let d = ring::digest::digest(&ring::digest::SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// Bytes from the operating system's CSPRNG.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], KeyError> {
    let mut out = [0u8; N];
    SystemRandom::new()
        .fill(&mut out)
        .map_err(|_| KeyError::Rng)?;
    Ok(out)
}

pub(crate) mod b64u {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    pub fn encode(b: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(b)
    }

    pub fn decode(s: &str) -> Option<Vec<u8>> {
        URL_SAFE_NO_PAD.decode(s.trim_end_matches('=')).ok()
    }
}
