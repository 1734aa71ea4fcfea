//! The data elements an IKD credential can disclose, and their values.

use serde::{Deserialize, Serialize};

use crate::error::Lang;

/// A disclosable field. The identifier strings are part of the wire format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Element {
    Nik,
    NikMasked,
    Nama,
    TempatLahir,
    TanggalLahir,
    JenisKelamin,
    GolonganDarah,
    Alamat,
    RtRw,
    KelurahanDesa,
    Kecamatan,
    KabupatenKota,
    Provinsi,
    Agama,
    StatusPerkawinan,
    Pekerjaan,
    Kewarganegaraan,
    BerlakuHingga,
    /// SHA-256 (64 lower-case hex digits) of the registry portrait: a photo does not fit in
    /// a QR, so the credential binds it and the online verifier shows the registry photo it
    /// matches. [`ElementValue::NotOnRecord`] when the registry holds no photo of the
    /// resident: the issuer signs that there is none, and verifiers say so.
    PortraitSha256,
    #[serde(rename = "age_over_17")]
    AgeOver17,
    #[serde(rename = "age_over_21")]
    AgeOver21,
}

impl Element {
    /// Every element, in the order of the KTP-el.
    pub const ALL: [Element; 21] = [
        Element::Nik,
        Element::NikMasked,
        Element::Nama,
        Element::TempatLahir,
        Element::TanggalLahir,
        Element::JenisKelamin,
        Element::GolonganDarah,
        Element::Alamat,
        Element::RtRw,
        Element::KelurahanDesa,
        Element::Kecamatan,
        Element::KabupatenKota,
        Element::Provinsi,
        Element::Agama,
        Element::StatusPerkawinan,
        Element::Pekerjaan,
        Element::Kewarganegaraan,
        Element::BerlakuHingga,
        Element::PortraitSha256,
        Element::AgeOver17,
        Element::AgeOver21,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Element::Nik => "nik",
            Element::NikMasked => "nik_masked",
            Element::Nama => "nama",
            Element::TempatLahir => "tempat_lahir",
            Element::TanggalLahir => "tanggal_lahir",
            Element::JenisKelamin => "jenis_kelamin",
            Element::GolonganDarah => "golongan_darah",
            Element::Alamat => "alamat",
            Element::RtRw => "rt_rw",
            Element::KelurahanDesa => "kelurahan_desa",
            Element::Kecamatan => "kecamatan",
            Element::KabupatenKota => "kabupaten_kota",
            Element::Provinsi => "provinsi",
            Element::Agama => "agama",
            Element::StatusPerkawinan => "status_perkawinan",
            Element::Pekerjaan => "pekerjaan",
            Element::Kewarganegaraan => "kewarganegaraan",
            Element::BerlakuHingga => "berlaku_hingga",
            Element::PortraitSha256 => "portrait_sha256",
            Element::AgeOver17 => "age_over_17",
            Element::AgeOver21 => "age_over_21",
        }
    }

    /// The label a verifier's screen shows, as printed on the KTP-el.
    pub fn label(self, lang: Lang) -> &'static str {
        let (id, en) = match self {
            Element::Nik => ("NIK", "NIK"),
            Element::NikMasked => ("NIK (disamarkan)", "NIK (masked)"),
            Element::Nama => ("Nama", "Name"),
            Element::TempatLahir => ("Tempat Lahir", "Place of birth"),
            Element::TanggalLahir => ("Tanggal Lahir", "Date of birth"),
            Element::JenisKelamin => ("Jenis Kelamin", "Sex"),
            Element::GolonganDarah => ("Gol. Darah", "Blood type"),
            Element::Alamat => ("Alamat", "Address"),
            Element::RtRw => ("RT/RW", "RT/RW"),
            Element::KelurahanDesa => ("Kel/Desa", "Village"),
            Element::Kecamatan => ("Kecamatan", "District"),
            Element::KabupatenKota => ("Kabupaten/Kota", "Regency/City"),
            Element::Provinsi => ("Provinsi", "Province"),
            Element::Agama => ("Agama", "Religion"),
            Element::StatusPerkawinan => ("Status Perkawinan", "Marital status"),
            Element::Pekerjaan => ("Pekerjaan", "Occupation"),
            Element::Kewarganegaraan => ("Kewarganegaraan", "Citizenship"),
            Element::BerlakuHingga => ("Berlaku Hingga", "Valid until"),
            Element::PortraitSha256 => ("Sidik foto", "Photo fingerprint"),
            Element::AgeOver17 => ("Usia 17 tahun ke atas", "Aged 17 or over"),
            Element::AgeOver21 => ("Usia 21 tahun ke atas", "Aged 21 or over"),
        };
        match lang {
            Lang::Id => id,
            Lang::En => en,
        }
    }

    /// Whether a value has the type this element requires: a yes/no for the attestations,
    /// a digest or "not on record" for the portrait, a text of 1–256 bytes otherwise.
    pub fn accepts(self, v: &ElementValue) -> bool {
        match (self, v) {
            (Element::AgeOver17 | Element::AgeOver21, ElementValue::Bool(_)) => true,
            (Element::PortraitSha256, ElementValue::NotOnRecord) => true,
            (Element::PortraitSha256, ElementValue::Text(t)) => {
                t.len() == 64 && t.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            }
            (Element::AgeOver17 | Element::AgeOver21 | Element::PortraitSha256, _) => false,
            (_, ElementValue::Text(t)) => !t.is_empty() && t.len() <= 256,
            _ => false,
        }
    }
}

/// A disclosed value: text (dates as `YYYY-MM-DD`), a yes/no attestation, or `null` for a
/// value the registry does not hold (only the portrait: a resident with no photo on record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ElementValue {
    Bool(bool),
    Text(String),
    /// CBOR `null` (0xf6), JSON `null`.
    NotOnRecord,
}

/// Hand-written so a value is read in one pass (serde's untagged enums buffer every value
/// first, which was a fifth of a verify's non-crypto time).
impl<'de> Deserialize<'de> for ElementValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = ElementValue;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a text, a boolean or null")
            }
            fn visit_bool<E>(self, b: bool) -> Result<ElementValue, E> {
                Ok(ElementValue::Bool(b))
            }
            fn visit_str<E>(self, s: &str) -> Result<ElementValue, E> {
                Ok(ElementValue::Text(s.to_owned()))
            }
            fn visit_string<E>(self, s: String) -> Result<ElementValue, E> {
                Ok(ElementValue::Text(s))
            }
            fn visit_none<E>(self) -> Result<ElementValue, E> {
                Ok(ElementValue::NotOnRecord)
            }
            fn visit_unit<E>(self) -> Result<ElementValue, E> {
                Ok(ElementValue::NotOnRecord)
            }
        }
        d.deserialize_any(V)
    }
}

impl std::fmt::Display for ElementValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ElementValue::Bool(true) => f.write_str("YA / YES"),
            ElementValue::Bool(false) => f.write_str("TIDAK / NO"),
            ElementValue::Text(t) => f.write_str(t),
            ElementValue::NotOnRecord => f.write_str("TIDAK ADA DI REGISTRI / NOT ON RECORD"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_portrait_is_a_sha256_digest_or_not_on_record_and_nothing_else() {
        let digest = "ab".repeat(32);
        assert!(Element::PortraitSha256.accepts(&ElementValue::Text(digest.clone())));
        assert!(Element::PortraitSha256.accepts(&ElementValue::NotOnRecord));
        assert!(!Element::PortraitSha256.accepts(&ElementValue::Text(digest.to_uppercase())));
        assert!(!Element::PortraitSha256.accepts(&ElementValue::Text("ab".into())));
        assert!(!Element::PortraitSha256.accepts(&ElementValue::Bool(true)));
        assert!(!Element::Nama.accepts(&ElementValue::NotOnRecord));
        assert!(!Element::AgeOver17.accepts(&ElementValue::NotOnRecord));
    }

    #[test]
    fn not_on_record_is_null_in_cbor_and_json() {
        let cbor = crate::wire::cbor::to_vec(&ElementValue::NotOnRecord);
        assert_eq!(cbor, [0xf6]);
        let back: ElementValue = crate::wire::cbor::from_slice(&cbor).unwrap();
        assert_eq!(back, ElementValue::NotOnRecord);
        assert_eq!(
            serde_json::to_string(&ElementValue::NotOnRecord).unwrap(),
            "null"
        );
        let back: ElementValue = serde_json::from_str("null").unwrap();
        assert_eq!(back, ElementValue::NotOnRecord);
    }

    #[test]
    fn every_elements_wire_name_is_its_documented_id() {
        for e in Element::ALL {
            assert_eq!(serde_json::to_value(e).unwrap(), e.id(), "{e:?}");
        }
    }
}
