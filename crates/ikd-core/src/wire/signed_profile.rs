//! What the issuer signs for one disclosure profile: exactly that profile's values, the
//! device key they are bound to and the validity window. One is issued per profile at
//! login, so a presentation carries one signature over what it discloses and nothing else.
//!
//! Why not mdoc's salted digests (ISO/IEC 18013-5 §9.1.2.4, the MSO): a presentation would
//! carry the MSO with a 32-byte digest for every field of the KTP-el, plus a 16-byte salt
//! and a digest id per disclosed item. Measured on the cek umur 17+ QR that was 1 091 of its
//! 1 429 plaintext bytes (the QR a counter camera could not read). Signing each profile
//! apart is as sound (a verifier learns only the profile's values, each proven to be what
//! the issuer signed: any change breaks the issuer signature) and costs the service four
//! ES256 signatures per login instead of one. The price: a profile is fixed at issuance;
//! a new profile means a new credential, which the app fetches at its next login anyway.
//!
//! On the wire the payload is the CBOR array (integer positions, no field names)
//! `[profile, credentialId, deviceKey, validFrom, validUntil, [value, …]]`: `profile` is
//! [`Profile::code`], `credentialId` 16 bytes, `deviceKey` the P-256 public key as SEC1
//! uncompressed (65 bytes), times in unix seconds, and the values in the order of
//! [`Profile::elements`].

use serde::{Deserialize, Serialize};
use serde_bytes::{ByteArray, ByteBuf};

use super::cbor;
use super::element::ElementValue;
use super::profile::Profile;
use crate::crypto::EcdsaPublicKey;

/// The credential's validity window, unix seconds, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidityInfo {
    pub valid_from: i64,
    pub valid_until: i64,
}

#[derive(Serialize, Deserialize)]
struct SignedProfileWire(u8, ByteArray<16>, ByteBuf, i64, i64, Vec<ElementValue>);

/// A checked payload: a known profile, exactly its values with the right types, a P-256
/// device key, and a validity window that is not inverted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedProfile {
    pub profile: Profile,
    /// Opaque id the issuer gave the credential (the same for every profile of one
    /// issuance): how an online verifier finds the account without the NIK.
    pub credential_id: [u8; 16],
    pub device_key: EcdsaPublicKey,
    pub validity: ValidityInfo,
    /// In the order of [`Profile::elements`].
    pub values: Vec<ElementValue>,
}

impl SignedProfile {
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        cbor::to_vec(&SignedProfileWire(
            self.profile.code(),
            ByteArray::new(self.credential_id),
            ByteBuf::from(self.device_key.sec1().to_vec()),
            self.validity.valid_from,
            self.validity.valid_until,
            self.values.clone(),
        ))
    }

    /// Decodes and checks a payload. Its bytes are bound by the issuer signature, so no
    /// canonical-encoding check is needed.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let w: SignedProfileWire = cbor::from_slice(bytes)?;
        let profile = Profile::from_code(w.0)?;
        let elements = profile.elements();
        if w.5.len() != elements.len() || !elements.iter().zip(&w.5).all(|(e, v)| e.accepts(v)) {
            return None;
        }
        if w.3 > w.4 {
            return None;
        }
        Some(SignedProfile {
            profile,
            credential_id: w.1.into_array(),
            device_key: EcdsaPublicKey::from_sec1(&w.2).ok()?,
            validity: ValidityInfo {
                valid_from: w.3,
                valid_until: w.4,
            },
            values: w.5,
        })
    }

    /// The disclosed (element, value) pairs.
    pub fn disclosed(&self) -> impl Iterator<Item = (super::Element, &ElementValue)> {
        self.profile.elements().iter().copied().zip(&self.values)
    }
}
