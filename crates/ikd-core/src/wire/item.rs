//! IssuerSignedItem: one salted data element. Its digest is SHA-256 over the exact CBOR
//! bytes carried, so the verifier recomputes it from what it received, byte for byte.
//!
//! On the wire an item is the CBOR array `[digestID, random, elementIdentifier,
//! elementValue]`: the mdoc fields in mdoc order, without repeating their names in every
//! item, which keeps a full-profile QR inside one QR code without compression.

use serde::{Deserialize, Serialize};
use serde_bytes::ByteArray;

use super::cbor;
use super::element::{Element, ElementValue};
use crate::crypto::sha256;

/// Salt length; 16 random bytes make a digest unguessable from the value alone.
pub(crate) const SALT_LEN: usize = 16;
/// No single item is larger than this on the wire.
pub(crate) const MAX_ITEM_LEN: usize = 512;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "ItemWire", into = "ItemWire")]
pub struct IssuerSignedItem {
    pub digest_id: u32,
    pub random: [u8; SALT_LEN],
    pub element: Element,
    pub value: ElementValue,
}

#[derive(Serialize, Deserialize)]
struct ItemWire(u32, ByteArray<SALT_LEN>, Element, ElementValue);

impl From<ItemWire> for IssuerSignedItem {
    fn from(w: ItemWire) -> Self {
        IssuerSignedItem {
            digest_id: w.0,
            random: w.1.into_array(),
            element: w.2,
            value: w.3,
        }
    }
}

impl From<IssuerSignedItem> for ItemWire {
    fn from(i: IssuerSignedItem) -> Self {
        ItemWire(i.digest_id, ByteArray::new(i.random), i.element, i.value)
    }
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
        item.element.accepts(&item.value).then_some(item)
    }
}

pub(crate) fn digest(item_bytes: &[u8]) -> [u8; 32] {
    sha256(item_bytes)
}
