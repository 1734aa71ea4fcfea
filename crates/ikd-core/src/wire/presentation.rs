//! The presentation a phone shows: the issuer's signature over the chosen profile's values
//! and a device signature over (that signature's hash, timestamp, nonce, verifier key id),
//! sealed with HPKE to the verifier's key.

use coset::{CborSerializable, CoseSign1, CoseSign1Builder, HeaderBuilder, iana};
use serde::{Deserialize, Serialize};
use serde_bytes::{ByteArray, ByteBuf};

use super::cbor;
use super::credential::Credential;
use super::envelope::{Envelope, MAX_QR_TEXT_LEN};
use super::profile::Profile;
use crate::crypto::{DeviceKey, KeyError, KeyId, VerifierPublicKey, random_bytes, sha256};
use crate::error::{Lang, UserError, tr};

pub type Nonce = [u8; 16];
const DEVICE_AUTH_CONTEXT: &str = "IKD2DeviceAuthentication";
const PRESENTATION_VERSION: u8 = 2;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PresentError {
    #[error("the credential lacks the profile's signature")]
    MissingElement,
    /// Longer than one QR code holds ([`MAX_QR_TEXT_LEN`]): values this long are not
    /// printed on a KTP-el, but a profile with fewer fields still fits.
    #[error("the presentation does not fit in one QR code")]
    TooLarge,
    #[error("key error: {0}")]
    Key(#[from] KeyError),
}

impl UserError for PresentError {
    fn code(&self) -> &'static str {
        match self {
            PresentError::MissingElement => "PRESENT_MISSING_ELEMENT",
            PresentError::TooLarge => "PRESENT_TOO_LARGE",
            PresentError::Key(_) => "PRESENT_KEY",
        }
    }

    fn message(&self, lang: Lang) -> String {
        match self {
            PresentError::TooLarge => tr(
                lang,
                "Data profil ini terlalu panjang untuk satu kode QR. Pilih profil Minimal atau Cek umur.",
                "This profile's data is too long for one QR code. Choose the Minimal or an age-check profile.",
            ),
            _ => tr(
                lang,
                "QR identitas tidak dapat dibuat. Masuk lagi agar KTP digital diunduh ulang.",
                "The identity QR could not be made. Log in again to download your digital KTP anew.",
            ),
        }
    }
}

/// The plaintext inside the envelope, a CBOR array:
/// `[version, issuerAuth, deviceSignature, ts, nonce]`. `issuerAuth` is the COSE_Sign1 of
/// the chosen profile (it names the profile and carries its values), `deviceSignature` a
/// COSE_Sign1 with a detached payload (the [`DeviceAuthentication`] below), `ts` unix
/// seconds, `nonce` 16 random bytes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PresentationWire(
    pub(crate) u8,
    pub(crate) ByteBuf,
    pub(crate) ByteBuf,
    pub(crate) i64,
    pub(crate) ByteArray<16>,
);

impl PresentationWire {
    pub(crate) fn version_ok(&self) -> bool {
        self.0 == PRESENTATION_VERSION
    }
}

/// What the device signs, in the manner of mdoc's DeviceAuthentication (ISO/IEC 18013-5
/// §9.1.3.4): the CBOR array `["IKD2DeviceAuthentication", SHA-256(issuerAuth), ts, nonce,
/// verifier kid]`. Detached from the COSE_Sign1 that carries the signature, so both sides
/// rebuild it from the values they hold; the hash binds the profile and its values, the
/// kid the verifier the QR was made for.
#[derive(Serialize)]
struct DeviceAuthentication(
    &'static str,
    ByteArray<32>,
    i64,
    ByteArray<16>,
    ByteArray<8>,
);

pub(crate) fn device_auth_bytes(
    issuer_auth: &[u8],
    ts: i64,
    nonce: &Nonce,
    verifier: KeyId,
) -> Vec<u8> {
    cbor::to_vec(&DeviceAuthentication(
        DEVICE_AUTH_CONTEXT,
        ByteArray::new(sha256(issuer_auth)),
        ts,
        ByteArray::new(*nonce),
        ByteArray::new(*verifier.as_bytes()),
    ))
}

pub(crate) fn device_sig_header_ok(sign1: &CoseSign1) -> bool {
    sign1.protected.header.alg == Some(coset::Algorithm::Assigned(iana::Algorithm::ES256))
        && sign1.payload.is_none()
}

/// Builds the identity QR text for `profile`, signed by `device` at `now` (unix seconds)
/// and sealed to `verifier`.
///
/// # Errors
/// [`PresentError::MissingElement`] when the credential has no signature for the profile;
/// [`PresentError::Key`] when signing or sealing fails.
pub fn present(
    credential: &Credential,
    device: &DeviceKey,
    profile: Profile,
    verifier: &VerifierPublicKey,
    now: i64,
) -> Result<String, PresentError> {
    let (issuer_auth, _) = credential
        .profile(profile)
        .ok_or(PresentError::MissingElement)?;
    let nonce: Nonce = random_bytes()?;
    let payload = device_auth_bytes(issuer_auth, now, &nonce, verifier.kid());
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
    let wire = PresentationWire(
        PRESENTATION_VERSION,
        ByteBuf::from(issuer_auth.clone()),
        ByteBuf::from(device_sig),
        now,
        ByteArray::new(nonce),
    );
    let (enc, ct) = verifier.seal(&cbor::to_vec(&wire), &Envelope::aad(verifier.kid()))?;
    let text = Envelope::new(verifier.kid(), enc, ct).to_qr_text();
    // A verifier refuses a longer text unread; say so here, where the citizen can choose.
    if text.len() > MAX_QR_TEXT_LEN {
        return Err(PresentError::TooLarge);
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{IssuerKey, VerifierSecretKey};
    use crate::wire::{Element, ElementValue};

    #[test]
    fn a_profile_too_long_for_one_qr_is_refused_with_a_reason_and_a_shorter_one_is_made() {
        // Every value as long as an element allows (256 bytes): more than a KTP-el prints.
        let claims: Vec<(Element, ElementValue)> = Element::ALL
            .iter()
            .map(|e| match e {
                Element::AgeOver17 | Element::AgeOver21 => (*e, ElementValue::Bool(true)),
                Element::PortraitSha256 => (*e, ElementValue::Text("ab".repeat(32))),
                _ => (*e, ElementValue::Text("X".repeat(256))),
            })
            .collect();
        let device = DeviceKey::generate().unwrap();
        let issuer = IssuerKey::generate().unwrap();
        let cred = Credential::issue(&issuer, device.public(), &claims, 0, 86_400).unwrap();
        let verifier = VerifierSecretKey::generate();
        let full = present(&cred, &device, Profile::Full, verifier.public(), 10);
        assert_eq!(full, Err(PresentError::TooLarge));
        assert_eq!(full.unwrap_err().code(), "PRESENT_TOO_LARGE");
        let minimal = present(&cred, &device, Profile::Minimal, verifier.public(), 10).unwrap();
        assert!(minimal.len() <= MAX_QR_TEXT_LEN);
    }
}
