//! Data saya (UU PDP, issue 17): the service's record of a resident as JSON, signed by the
//! issuer as a COSE_Sign1 (ES256, RFC 9052 §4.2) whose payload is those JSON bytes and whose
//! protected header says `content type: application/json` (RFC 9052 §3.1). It can be shown
//! elsewhere and checked against the issuer keys the service publishes
//! (`/.well-known/ikd-keys`), with any COSE library.

use coset::{CborSerializable, CoseSign1, CoseSign1Builder, HeaderBuilder, iana};

use crate::crypto::{IssuerKey, KeyError, KeyId, KeySet};

/// The largest signed export read back, bytes (the activity log is capped at the source).
pub const MAX_EXPORT_LEN: usize = 4 * 1024 * 1024;

/// External additional data of the signature (RFC 9052 §4.3): the issuer key also signs
/// credentials, and this keeps one from passing as the other.
pub const EXPORT_AAD: &[u8] = b"IKD data export v1";

/// Signs `json` (the export's exact bytes) with the issuer key; the COSE_Sign1's bytes.
///
/// # Errors
/// [`KeyError`] when signing fails.
pub fn sign_export(issuer: &IssuerKey, json: &[u8]) -> Result<Vec<u8>, KeyError> {
    let protected = HeaderBuilder::new()
        .algorithm(iana::Algorithm::ES256)
        .key_id(issuer.kid().as_bytes().to_vec())
        .content_format(iana::CoapContentFormat::Json)
        .build();
    CoseSign1Builder::new()
        .protected(protected)
        .payload(json.to_vec())
        .try_create_signature(EXPORT_AAD, |tbs| issuer.sign(tbs))?
        .build()
        .to_vec()
        .map_err(|_| KeyError::Sign)
}

/// The JSON payload of a signed export, if an issuer key of `keys` signed it with ES256.
/// `None` for anything else: too large, not COSE_Sign1, another algorithm or content type,
/// an unknown key, a bad signature, or a signature over other external data (a credential's).
/// A checker reads the data from this payload, not from any copy beside it.
pub fn verify_export(bytes: &[u8], keys: &KeySet) -> Option<Vec<u8>> {
    if bytes.len() > MAX_EXPORT_LEN {
        return None;
    }
    let sign1 = CoseSign1::from_slice(bytes).ok()?;
    let header = &sign1.protected.header;
    if header.alg != Some(coset::Algorithm::Assigned(iana::Algorithm::ES256))
        || header.content_type != Some(coset::ContentType::Assigned(iana::CoapContentFormat::Json))
    {
        return None;
    }
    let kid = KeyId::from_bytes(&header.key_id)?;
    let key = &keys.issuer(kid)?.key;
    sign1
        .verify_signature(EXPORT_AAD, |sig, data| {
            key.verify(data, sig).then_some(()).ok_or(())
        })
        .ok()?;
    sign1.payload
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::IssuerPublicKey;

    #[test]
    fn an_export_verifies_with_the_published_key_and_not_once_changed_or_with_another() {
        let issuer = IssuerKey::generate().unwrap();
        let keys = KeySet {
            issuers: vec![IssuerPublicKey {
                key: issuer.public().clone(),
                not_after: None,
            }],
            verifiers: vec![],
        };
        let json = br#"{"nik":"3171011708850003"}"#;
        let signed = sign_export(&issuer, json).unwrap();
        assert_eq!(verify_export(&signed, &keys).as_deref(), Some(&json[..]));
        // One byte of the payload changed.
        let mut changed = signed.clone();
        let at = changed.windows(4).position(|w| w == b"3171").unwrap();
        changed[at] = b'9';
        assert_eq!(verify_export(&changed, &keys), None);
        // Another issuer's keys.
        let other = KeySet {
            issuers: vec![IssuerPublicKey {
                key: IssuerKey::generate().unwrap().public().clone(),
                not_after: None,
            }],
            verifiers: vec![],
        };
        assert_eq!(verify_export(&signed, &other), None);
        // The same key's signature over the same bytes without the export's external data
        // (as a credential's is made) does not pass as an export.
        let protected = HeaderBuilder::new()
            .algorithm(iana::Algorithm::ES256)
            .key_id(issuer.kid().as_bytes().to_vec())
            .content_format(iana::CoapContentFormat::Json)
            .build();
        let foreign = CoseSign1Builder::new()
            .protected(protected)
            .payload(json.to_vec())
            .try_create_signature(b"", |tbs| issuer.sign(tbs))
            .unwrap()
            .build()
            .to_vec()
            .unwrap();
        assert_eq!(verify_export(&foreign, &keys), None);
    }
}
