//! The presentation a phone shows: the issuer's signature, only the disclosed items, and a
//! device signature over (MSO hash, disclosed digest ids, profile, timestamp, nonce,
//! verifier key id), all sealed with HPKE to the verifier's key.

use coset::{CborSerializable, CoseSign1, CoseSign1Builder, HeaderBuilder, iana};
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;

use super::cbor;
use super::credential::Credential;
use super::envelope::Envelope;
use super::profile::Profile;
use crate::crypto::{DeviceKey, KeyError, KeyId, VerifierPublicKey, random_bytes, sha256};
use crate::error::{Lang, UserError, tr};

pub type Nonce = [u8; 16];
const DEVICE_AUTH_CONTEXT: &str = "IKDDeviceAuthentication";
const PRESENTATION_VERSION: u8 = 1;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PresentError {
    #[error("the credential lacks an element of the profile")]
    MissingElement,
    #[error("key error: {0}")]
    Key(#[from] KeyError),
}

impl UserError for PresentError {
    fn code(&self) -> &'static str {
        match self {
            PresentError::MissingElement => "PRESENT_MISSING_ELEMENT",
            PresentError::Key(_) => "PRESENT_KEY",
        }
    }

    fn message(&self, lang: Lang) -> String {
        tr(
            lang,
            "QR identitas tidak dapat dibuat. Masuk lagi agar KTP digital diunduh ulang.",
            "The identity QR could not be made. Log in again to download your digital KTP anew.",
        )
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PresentationWire {
    pub(crate) v: u8,
    pub(crate) profile: Profile,
    #[serde(rename = "issuerAuth", with = "serde_bytes")]
    pub(crate) issuer_auth: Vec<u8>,
    pub(crate) disclosed: Vec<ByteBuf>,
    #[serde(rename = "deviceSig", with = "serde_bytes")]
    pub(crate) device_sig: Vec<u8>,
    pub(crate) ts: i64,
    #[serde(with = "serde_bytes")]
    pub(crate) nonce: Vec<u8>,
}

impl PresentationWire {
    pub(crate) fn version_ok(&self) -> bool {
        self.v == PRESENTATION_VERSION
    }
}

/// What the device signs: a CBOR array, detached from the COSE_Sign1 that carries the
/// signature, so both sides rebuild it from the values they hold.
#[derive(Serialize)]
struct DeviceAuthentication<'a>(
    &'static str,
    ByteBuf,
    &'a [u32],
    Profile,
    i64,
    ByteBuf,
    ByteBuf,
);

pub(crate) fn device_auth_bytes(
    mso_bytes: &[u8],
    digest_ids: &[u32],
    profile: Profile,
    ts: i64,
    nonce: &[u8],
    verifier: KeyId,
) -> Vec<u8> {
    cbor::to_vec(&DeviceAuthentication(
        DEVICE_AUTH_CONTEXT,
        ByteBuf::from(sha256(mso_bytes).to_vec()),
        digest_ids,
        profile,
        ts,
        ByteBuf::from(nonce.to_vec()),
        ByteBuf::from(verifier.as_bytes().to_vec()),
    ))
}

pub(crate) fn device_sig_header_ok(sign1: &CoseSign1) -> bool {
    sign1.protected.header.alg == Some(coset::Algorithm::Assigned(iana::Algorithm::ES256))
        && sign1.payload.is_none()
}

/// Builds the identity QR text for `profile`, signed now and sealed to `verifier`.
pub fn present(
    credential: &Credential,
    device: &DeviceKey,
    profile: Profile,
    verifier: &VerifierPublicKey,
    now: i64,
) -> Result<String, PresentError> {
    let mut disclosed = Vec::with_capacity(profile.elements().len());
    let mut ids = Vec::with_capacity(profile.elements().len());
    for e in profile.elements() {
        let (bytes, item) = credential.item(*e).ok_or(PresentError::MissingElement)?;
        disclosed.push(ByteBuf::from(bytes.clone()));
        ids.push(item.digest_id);
    }
    let nonce: Nonce = random_bytes()?;
    let payload = device_auth_bytes(
        credential.mso_bytes(),
        &ids,
        profile,
        now,
        &nonce,
        verifier.kid(),
    );
    let device_sig = CoseSign1Builder::new()
        .protected(
            HeaderBuilder::new()
                .algorithm(iana::Algorithm::ES256)
                .build(),
        )
        .try_create_detached_signature(&payload, b"", |tbs| device.sign(tbs))?
        .build()
        .to_vec()
        .map_err(|_| PresentError::Key(KeyError::Sign))?;
    let wire = PresentationWire {
        v: PRESENTATION_VERSION,
        profile,
        issuer_auth: credential.issuer_auth().to_vec(),
        disclosed,
        device_sig,
        ts: now,
        nonce: nonce.to_vec(),
    };
    let (enc, ct) = verifier.seal(&cbor::to_vec(&wire), &Envelope::aad(verifier.kid()))?;
    Ok(Envelope::new(verifier.kid(), enc, ct).to_qr_text())
}
