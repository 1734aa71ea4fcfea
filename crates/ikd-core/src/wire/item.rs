//! IssuerSignedItem: one salted data element. Its digest is SHA-256 over the exact CBOR
//! bytes carried, so the verifier recomputes it from what it received, byte for byte.

use serde::{Deserialize, Serialize};

use super::cbor;
use super::element::{Element, ElementValue};
use crate::crypto::sha256;

/// Salt length; 16 random bytes make a digest unguessable from the value alone.
pub(crate) const SALT_LEN: usize = 16;
/// No single item is larger than this on the wire.
pub(crate) const MAX_ITEM_LEN: usize = 512;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuerSignedItem {
    #[serde(rename = "digestID")]
    pub digest_id: u32,
    #[serde(with = "serde_bytes")]
    pub random: Vec<u8>,
    #[serde(rename = "elementIdentifier")]
    pub element: Element,
    #[serde(rename = "elementValue")]
    pub value: ElementValue,
}

impl IssuerSignedItem {
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        cbor::to_vec(self)
    }

    /// Decodes and checks salt length and the value's type for its element.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Option<Self> {
        if bytes.len() > MAX_ITEM_LEN {
            return None;
        }
        let item: IssuerSignedItem = cbor::from_slice(bytes)?;
        (item.random.len() == SALT_LEN && item.element.accepts(&item.value)).then_some(item)
    }
}

pub(crate) fn digest(item_bytes: &[u8]) -> [u8; 32] {
    sha256(item_bytes)
}
