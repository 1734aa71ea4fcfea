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
    /// SHA-256 (hex) of the registry portrait: a photo does not fit in a QR, so the
    /// credential binds it and the online verifier shows the registry photo it matches.
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

    /// Whether a value has the type this element requires.
    pub fn accepts(self, v: &ElementValue) -> bool {
        matches!(
            (self, v),
            (
                Element::AgeOver17 | Element::AgeOver21,
                ElementValue::Bool(_)
            )
        ) || (!matches!(self, Element::AgeOver17 | Element::AgeOver21)
            && matches!(v, ElementValue::Text(t) if !t.is_empty() && t.len() <= 256))
    }
}

/// A disclosed value: text (dates as `YYYY-MM-DD`) or a yes/no attestation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ElementValue {
    Bool(bool),
    Text(String),
}

/// Hand-written so a value is read in one pass (serde's untagged enums buffer every value
/// first, which was a fifth of a verify's non-crypto time).
impl<'de> Deserialize<'de> for ElementValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = ElementValue;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a text or a boolean")
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
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_elements_wire_name_is_its_documented_id() {
        for e in Element::ALL {
            assert_eq!(serde_json::to_value(e).unwrap(), e.id(), "{e:?}");
        }
    }
}
