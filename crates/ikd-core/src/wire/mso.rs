//! The Mobile Security Object: what the issuer signs. It holds a salted digest per data
//! element, the device key the credential is bound to and the validity window.

use std::collections::BTreeMap;

use coset::{CborSerializable, CoseKey};
use serde::{Deserialize, Serialize};
use serde_bytes::ByteArray;

use super::cbor;
use crate::crypto::EcdsaPublicKey;

/// The document type of an IKD credential.
pub const DOC_TYPE: &str = "id.go.kemendagri.dukcapil.ikd.1";
const VERSION: &str = "1.0";
const DIGEST_ALG: &str = "SHA-256";
/// A credential carries at most one digest per element and a little room to grow.
const MAX_DIGESTS: usize = 64;

/// Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidityInfo {
    pub signed: i64,
    #[serde(rename = "validFrom")]
    pub valid_from: i64,
    #[serde(rename = "validUntil")]
    pub valid_until: i64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MsoWire {
    version: String,
    #[serde(rename = "digestAlgorithm")]
    digest_algorithm: String,
    #[serde(rename = "docType")]
    doc_type: String,
    #[serde(rename = "credentialId", with = "serde_bytes")]
    credential_id: Vec<u8>,
    #[serde(rename = "valueDigests")]
    value_digests: BTreeMap<u32, ByteArray<32>>,
    #[serde(rename = "deviceKey", with = "serde_bytes")]
    device_key: Vec<u8>,
    #[serde(rename = "validityInfo")]
    validity_info: ValidityInfo,
}

/// A checked MSO: fixed version, algorithm and doc type, 32-byte digests, a P-256 device
/// key and a validity window that is not inverted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mso {
    pub credential_id: [u8; 16],
    pub value_digests: BTreeMap<u32, [u8; 32]>,
    pub device_key: EcdsaPublicKey,
    pub validity: ValidityInfo,
}

impl Mso {
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let device_key = self.device_key.to_cose_key().to_vec().unwrap_or_default();
        cbor::to_vec(&MsoWire {
            version: VERSION.into(),
            digest_algorithm: DIGEST_ALG.into(),
            doc_type: DOC_TYPE.into(),
            credential_id: self.credential_id.to_vec(),
            value_digests: self
                .value_digests
                .iter()
                .map(|(k, v)| (*k, ByteArray::new(*v)))
                .collect(),
            device_key,
            validity_info: self.validity,
        })
    }

    pub(crate) fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let w: MsoWire = cbor::from_slice(bytes)?;
        if w.version != VERSION || w.digest_algorithm != DIGEST_ALG || w.doc_type != DOC_TYPE {
            return None;
        }
        if w.value_digests.is_empty() || w.value_digests.len() > MAX_DIGESTS {
            return None;
        }
        let value_digests = w
            .value_digests
            .into_iter()
            .map(|(id, d)| (id, d.into_array()))
            .collect();
        let v = w.validity_info;
        if v.valid_from > v.valid_until || v.signed > v.valid_until {
            return None;
        }
        // Bound by the issuer signature: no canonical check needed.
        let key = CoseKey::from_slice(&w.device_key).ok()?;
        Some(Mso {
            credential_id: w.credential_id.as_slice().try_into().ok()?,
            value_digests,
            device_key: EcdsaPublicKey::from_cose_key(&key).ok()?,
            validity: v,
        })
    }
}
