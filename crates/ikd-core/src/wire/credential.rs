//! The issuer credential: a COSE_Sign1 (ES256) over the MSO, plus every issuer-signed item.
//! The service issues it at login; the app keeps it to build presentations offline.

use coset::{CborSerializable, CoseSign1, CoseSign1Builder, HeaderBuilder, iana};
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;
use time::Date;

use super::cbor;
use super::element::{Element, ElementValue};
use super::item::{self, IssuerSignedItem, SALT_LEN};
use super::mso::{Mso, ValidityInfo};
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

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialWire {
    #[serde(rename = "issuerAuth", with = "serde_bytes")]
    issuer_auth: Vec<u8>,
    items: Vec<ByteBuf>,
}

/// The parts of a COSE_Sign1 issuer signature that every reader needs.
pub(crate) struct IssuerAuth {
    pub(crate) sign1: CoseSign1,
    pub(crate) kid: KeyId,
    pub(crate) mso_bytes: Vec<u8>,
    pub(crate) mso: Mso,
}

impl IssuerAuth {
    /// Structure only: ES256 in the protected header, a kid, an MSO payload that decodes.
    pub(crate) fn parse(bytes: &[u8]) -> Option<Self> {
        let sign1: CoseSign1 = cbor::cose_canonical(bytes)?;
        if sign1.protected.header.alg != Some(coset::Algorithm::Assigned(iana::Algorithm::ES256)) {
            return None;
        }
        let kid = KeyId::from_bytes(&sign1.protected.header.key_id)?;
        let mso_bytes = sign1.payload.clone()?;
        let mso = Mso::from_bytes(&mso_bytes)?;
        Some(IssuerAuth {
            sign1,
            kid,
            mso_bytes,
            mso,
        })
    }

    pub(crate) fn signature_valid(&self, key: &EcdsaPublicKey) -> bool {
        self.sign1
            .verify_signature(b"", |sig, data| {
                key.verify(data, sig).then_some(()).ok_or(())
            })
            .is_ok()
    }
}

/// An issued credential whose structure and digests have been checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    issuer_auth: Vec<u8>,
    issuer_kid: KeyId,
    mso_bytes: Vec<u8>,
    mso: Mso,
    items: Vec<(Vec<u8>, IssuerSignedItem)>,
}

impl Credential {
    /// Signs a credential over `claims`, bound to `device`, valid from `now` for `valid_for` s.
    pub fn issue(
        issuer: &IssuerKey,
        device: &EcdsaPublicKey,
        claims: &[(Element, ElementValue)],
        now: i64,
        valid_for: i64,
    ) -> Result<Self, CredentialError> {
        let mut items = Vec::with_capacity(claims.len());
        let mut value_digests = std::collections::BTreeMap::new();
        for (i, (element, value)) in claims.iter().enumerate() {
            if !element.accepts(value) {
                return Err(CredentialError::Malformed);
            }
            let item = IssuerSignedItem {
                digest_id: i as u32,
                random: random_bytes::<SALT_LEN>()?,
                element: *element,
                value: value.clone(),
            };
            let bytes = item.to_bytes();
            value_digests.insert(item.digest_id, item::digest(&bytes));
            items.push((bytes, item));
        }
        let mso = Mso {
            credential_id: random_bytes::<16>()?,
            value_digests,
            device_key: device.clone(),
            validity: ValidityInfo {
                signed: now,
                valid_from: now,
                valid_until: now + valid_for,
            },
        };
        let mso_bytes = mso.to_bytes();
        let protected = HeaderBuilder::new()
            .algorithm(iana::Algorithm::ES256)
            .key_id(issuer.kid().as_bytes().to_vec())
            .build();
        let sign1 = CoseSign1Builder::new()
            .protected(protected)
            .payload(mso_bytes.clone())
            .try_create_signature(b"", |tbs| issuer.sign(tbs))?
            .build();
        let issuer_auth = sign1.to_vec().map_err(|_| CredentialError::Malformed)?;
        Ok(Credential {
            issuer_auth,
            issuer_kid: issuer.kid(),
            mso_bytes,
            mso,
            items,
        })
    }

    /// Reads a stored or downloaded credential; every item must match its digest.
    pub fn from_cbor(bytes: &[u8]) -> Result<Self, CredentialError> {
        let w: CredentialWire = cbor::from_slice(bytes).ok_or(CredentialError::Malformed)?;
        let auth = IssuerAuth::parse(&w.issuer_auth).ok_or(CredentialError::Malformed)?;
        let mut items = Vec::with_capacity(w.items.len());
        for b in w.items {
            let item = IssuerSignedItem::from_bytes(&b).ok_or(CredentialError::Malformed)?;
            if auth.mso.value_digests.get(&item.digest_id) != Some(&item::digest(&b)) {
                return Err(CredentialError::Malformed);
            }
            items.push((b.into_vec(), item));
        }
        Ok(Credential {
            issuer_auth: w.issuer_auth,
            issuer_kid: auth.kid,
            mso_bytes: auth.mso_bytes,
            mso: auth.mso,
            items,
        })
    }

    pub fn to_cbor(&self) -> Vec<u8> {
        cbor::to_vec(&CredentialWire {
            issuer_auth: self.issuer_auth.clone(),
            items: self
                .items
                .iter()
                .map(|(b, _)| ByteBuf::from(b.clone()))
                .collect(),
        })
    }

    /// Checks the issuer signature against the published keys and the validity at `now`.
    pub fn verify_issuer(&self, keys: &KeySet, now: i64) -> Result<(), CredentialError> {
        let issuer = keys
            .issuer(self.issuer_kid)
            .ok_or(CredentialError::UnknownIssuer)?;
        let auth = IssuerAuth::parse(&self.issuer_auth).ok_or(CredentialError::Malformed)?;
        if !auth.signature_valid(&issuer.key) {
            return Err(CredentialError::Signature);
        }
        let v = self.mso.validity;
        if now < v.valid_from || now > v.valid_until {
            return Err(CredentialError::Validity);
        }
        Ok(())
    }

    pub fn issuer_kid(&self) -> KeyId {
        self.issuer_kid
    }

    pub fn mso(&self) -> &Mso {
        &self.mso
    }

    pub(crate) fn issuer_auth(&self) -> &[u8] {
        &self.issuer_auth
    }

    pub(crate) fn mso_bytes(&self) -> &[u8] {
        &self.mso_bytes
    }

    /// The item bytes of one element, as signed.
    pub(crate) fn item(&self, element: Element) -> Option<&(Vec<u8>, IssuerSignedItem)> {
        self.items.iter().find(|(_, i)| i.element == element)
    }

    pub fn value(&self, element: Element) -> Option<&ElementValue> {
        self.item(element).map(|(_, i)| &i.value)
    }

    pub fn valid_until(&self) -> i64 {
        self.mso.validity.valid_until
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
pub fn claims_from_ktp(
    ktp: &Ktp,
    portrait_sha256: &[u8; 32],
    today: Date,
) -> Vec<(Element, ElementValue)> {
    use Element::*;
    let t = |s: &str| ElementValue::Text(s.to_owned());
    let age = ktp.age_on(today);
    let hex: String = portrait_sha256.iter().map(|b| format!("{b:02x}")).collect();
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
        (PortraitSha256, ElementValue::Text(hex)),
        (AgeOver17, ElementValue::Bool(age >= 17)),
        (AgeOver21, ElementValue::Bool(age >= 21)),
    ]
}
