//! The issuer credential: one COSE_Sign1 (ES256) per disclosure profile, each over exactly
//! that profile's values (see `signed_profile` for why not salted digests). The service
//! issues it at login; the app keeps it to build presentations offline.

use coset::{CborSerializable, CoseSign1, CoseSign1Builder, HeaderBuilder, iana};
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;
use time::Date;

use super::cbor;
use super::element::{Element, ElementValue};
use super::profile::Profile;
use super::signed_profile::{SignedProfile, ValidityInfo};
use crate::crypto::{EcdsaPublicKey, IssuerKey, KeyError, KeyId, KeySet, random_bytes};
use crate::error::{Lang, UserError, tr};
use crate::records::Ktp;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    #[error("credential is malformed")]
    Malformed,
    #[error("credential issuer is not a known key")]
    UnknownIssuer,
    #[error("credential issuer signature is invalid")]
    Signature,
    #[error("credential is expired or not yet valid")]
    Validity,
    #[error("key error: {0}")]
    Key(#[from] KeyError),
}

impl UserError for CredentialError {
    fn code(&self) -> &'static str {
        match self {
            CredentialError::Malformed => "CREDENTIAL_MALFORMED",
            CredentialError::UnknownIssuer => "CREDENTIAL_UNKNOWN_ISSUER",
            CredentialError::Signature => "CREDENTIAL_SIGNATURE",
            CredentialError::Validity => "CREDENTIAL_EXPIRED",
            CredentialError::Key(_) => "CREDENTIAL_KEY",
        }
    }

    fn message(&self, lang: Lang) -> String {
        match self {
            CredentialError::Validity => tr(
                lang,
                "KTP digital di perangkat ini sudah kedaluwarsa. Sambungkan ke internet dan masuk lagi untuk memperbaruinya.",
                "The digital KTP on this device has expired. Go online and log in again to renew it.",
            ),
            _ => tr(
                lang,
                "KTP digital di perangkat ini rusak atau tidak sah. Masuk lagi untuk mengunduh ulang.",
                "The digital KTP on this device is damaged or not genuine. Log in again to download it anew.",
            ),
        }
    }
}

/// On the wire: the CBOR array of every profile's issuer signature (a COSE_Sign1), in the
/// order of [`Profile::ALL`].
#[derive(Serialize, Deserialize)]
struct CredentialWire(Vec<ByteBuf>);

/// An issuer signature (COSE_Sign1, ES256, RFC 9052 §4.2) over one profile's payload, with
/// the parts every reader needs.
pub(crate) struct IssuerAuth {
    pub(crate) sign1: CoseSign1,
    pub(crate) kid: KeyId,
    pub(crate) signed: SignedProfile,
}

impl IssuerAuth {
    /// Structure only: ES256 in the protected header, a kid, a payload that decodes and
    /// carries exactly its profile's values.
    pub(crate) fn parse(bytes: &[u8]) -> Option<Self> {
        let sign1: CoseSign1 = cbor::cose_canonical(bytes)?;
        if sign1.protected.header.alg != Some(coset::Algorithm::Assigned(iana::Algorithm::ES256)) {
            return None;
        }
        let kid = KeyId::from_bytes(&sign1.protected.header.key_id)?;
        let signed = SignedProfile::from_bytes(sign1.payload.as_deref()?)?;
        Some(IssuerAuth { sign1, kid, signed })
    }

    pub(crate) fn signature_valid(&self, key: &EcdsaPublicKey) -> bool {
        self.sign1
            .verify_signature(b"", |sig, data| {
                key.verify(data, sig).then_some(()).ok_or(())
            })
            .is_ok()
    }
}

/// An issued credential: one issuer signature per disclosure profile, all of one issuance
/// (the same issuer key, credential id, device key and validity). The service issues it at
/// login; the app keeps it to build presentations offline and to show the KTP-el.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    issuer_kid: KeyId,
    /// `(COSE_Sign1 bytes, its payload)`, in the order of [`Profile::ALL`].
    profiles: Vec<(Vec<u8>, SignedProfile)>,
}

impl Credential {
    /// Signs one payload per profile over `claims`, bound to `device`, valid from `now` for
    /// `valid_for` s.
    ///
    /// # Errors
    /// [`CredentialError::Malformed`] when a claim has the wrong type or a profile's
    /// element is missing; [`CredentialError::Key`] when signing fails.
    pub fn issue(
        issuer: &IssuerKey,
        device: &EcdsaPublicKey,
        claims: &[(Element, ElementValue)],
        now: i64,
        valid_for: i64,
    ) -> Result<Self, CredentialError> {
        if claims.iter().any(|(e, v)| !e.accepts(v)) {
            return Err(CredentialError::Malformed);
        }
        let credential_id = random_bytes::<16>()?;
        let validity = ValidityInfo {
            valid_from: now,
            valid_until: now + valid_for,
        };
        let mut profiles = Vec::with_capacity(Profile::ALL.len());
        for profile in Profile::ALL {
            let values = profile
                .elements()
                .iter()
                .map(|e| claims.iter().find(|(c, _)| c == e).map(|(_, v)| v.clone()))
                .collect::<Option<Vec<_>>>()
                .ok_or(CredentialError::Malformed)?;
            let signed = SignedProfile {
                profile,
                credential_id,
                device_key: device.clone(),
                validity,
                values,
            };
            let protected = HeaderBuilder::new()
                .algorithm(iana::Algorithm::ES256)
                .key_id(issuer.kid().as_bytes().to_vec())
                .build();
            let sign1 = CoseSign1Builder::new()
                .protected(protected)
                .payload(signed.to_bytes())
                .try_create_signature(b"", |tbs| issuer.sign(tbs))?
                .build();
            let bytes = sign1.to_vec().map_err(|_| CredentialError::Malformed)?;
            profiles.push((bytes, signed));
        }
        Ok(Credential {
            issuer_kid: issuer.kid(),
            profiles,
        })
    }

    /// Reads a stored or downloaded credential: every profile once, in order, all of one
    /// issuance.
    ///
    /// # Errors
    /// [`CredentialError::Malformed`].
    pub fn from_cbor(bytes: &[u8]) -> Result<Self, CredentialError> {
        let w: CredentialWire = cbor::from_slice(bytes).ok_or(CredentialError::Malformed)?;
        if w.0.len() != Profile::ALL.len() {
            return Err(CredentialError::Malformed);
        }
        let mut profiles: Vec<(Vec<u8>, SignedProfile)> = Vec::with_capacity(w.0.len());
        let mut issuer_kid = None;
        for (bytes, want) in w.0.into_iter().zip(Profile::ALL) {
            let auth = IssuerAuth::parse(&bytes).ok_or(CredentialError::Malformed)?;
            let same_issuance = profiles.first().is_none_or(|(_, first)| {
                first.credential_id == auth.signed.credential_id
                    && first.device_key == auth.signed.device_key
                    && first.validity == auth.signed.validity
            });
            if auth.signed.profile != want
                || !same_issuance
                || *issuer_kid.get_or_insert(auth.kid) != auth.kid
            {
                return Err(CredentialError::Malformed);
            }
            profiles.push((bytes.into_vec(), auth.signed));
        }
        Ok(Credential {
            issuer_kid: issuer_kid.ok_or(CredentialError::Malformed)?,
            profiles,
        })
    }

    pub fn to_cbor(&self) -> Vec<u8> {
        cbor::to_vec(&CredentialWire(
            self.profiles
                .iter()
                .map(|(b, _)| ByteBuf::from(b.clone()))
                .collect(),
        ))
    }

    /// Checks every issuer signature against the published keys, the validity at `now`, and
    /// the issuer key's own end after a rotation.
    ///
    /// # Errors
    /// [`CredentialError::UnknownIssuer`], [`CredentialError::Signature`],
    /// [`CredentialError::Validity`].
    pub fn verify_issuer(&self, keys: &KeySet, now: i64) -> Result<(), CredentialError> {
        let issuer = keys
            .issuer(self.issuer_kid)
            .ok_or(CredentialError::UnknownIssuer)?;
        for (bytes, _) in &self.profiles {
            let auth = IssuerAuth::parse(bytes).ok_or(CredentialError::Malformed)?;
            if !auth.signature_valid(&issuer.key) {
                return Err(CredentialError::Signature);
            }
        }
        let v = self.first().validity;
        if now < v.valid_from
            || now > v.valid_until
            || issuer.not_after.is_some_and(|end| now > end)
        {
            return Err(CredentialError::Validity);
        }
        Ok(())
    }

    fn first(&self) -> &SignedProfile {
        // `issue` and `from_cbor` make one per profile, so there is always a first.
        &self.profiles[0].1
    }

    pub fn issuer_kid(&self) -> KeyId {
        self.issuer_kid
    }

    /// The id the issuer gave this issuance (every profile carries it).
    pub fn credential_id(&self) -> [u8; 16] {
        self.first().credential_id
    }

    /// The device key every profile is bound to.
    pub fn device_key(&self) -> &EcdsaPublicKey {
        &self.first().device_key
    }

    /// The issuer signature (COSE_Sign1 bytes) of `profile`, and its payload.
    pub(crate) fn profile(&self, profile: Profile) -> Option<&(Vec<u8>, SignedProfile)> {
        self.profiles.iter().find(|(_, s)| s.profile == profile)
    }

    /// An element's value, from the first profile that signs it.
    pub fn value(&self, element: Element) -> Option<&ElementValue> {
        self.profiles
            .iter()
            .flat_map(|(_, s)| s.disclosed())
            .find(|(e, _)| *e == element)
            .map(|(_, v)| v)
    }

    pub fn valid_until(&self) -> i64 {
        self.first().validity.valid_until
    }
}

fn text(v: impl Serialize) -> ElementValue {
    let s = match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    };
    ElementValue::Text(s)
}

/// The claims of a credential for `ktp`, with age attestations computed on `today`.
/// `portrait_sha256` is the SHA-256 of the registry photo, `None` when the registry holds
/// none (the credential then says [`ElementValue::NotOnRecord`], never a made-up digest).
pub fn claims_from_ktp(
    ktp: &Ktp,
    portrait_sha256: Option<&[u8; 32]>,
    today: Date,
) -> Vec<(Element, ElementValue)> {
    use Element::*;
    let t = |s: &str| ElementValue::Text(s.to_owned());
    let age = ktp.age_on(today);
    let portrait = match portrait_sha256 {
        Some(d) => ElementValue::Text(d.iter().map(|b| format!("{b:02x}")).collect()),
        None => ElementValue::NotOnRecord,
    };
    let b = ktp.tanggal_lahir;
    vec![
        (Nik, t(ktp.nik.as_str())),
        (NikMasked, t(&ktp.nik.masked())),
        (Nama, t(&ktp.nama)),
        (TempatLahir, t(&ktp.tempat_lahir)),
        (
            TanggalLahir,
            ElementValue::Text(format!(
                "{:04}-{:02}-{:02}",
                b.year(),
                u8::from(b.month()),
                b.day()
            )),
        ),
        (JenisKelamin, text(ktp.jenis_kelamin)),
        (GolonganDarah, text(ktp.golongan_darah)),
        (Alamat, t(&ktp.alamat)),
        (RtRw, ElementValue::Text(ktp.rt_rw.to_string())),
        (KelurahanDesa, t(&ktp.kelurahan_desa)),
        (Kecamatan, t(&ktp.kecamatan)),
        (KabupatenKota, t(&ktp.kabupaten_kota)),
        (Provinsi, t(&ktp.provinsi)),
        (Agama, text(ktp.agama)),
        (StatusPerkawinan, text(ktp.status_perkawinan)),
        (Pekerjaan, t(&ktp.pekerjaan)),
        (Kewarganegaraan, text(ktp.kewarganegaraan)),
        (
            BerlakuHingga,
            ElementValue::Text(ktp.berlaku_hingga.label(Lang::Id)),
        ),
        (PortraitSha256, portrait),
        (AgeOver17, ElementValue::Bool(age >= 17)),
        (AgeOver21, ElementValue::Bool(age >= 21)),
    ]
}
