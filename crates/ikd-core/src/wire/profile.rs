//! Disclosure profiles the citizen picks before showing the identity QR.

use serde::{Deserialize, Serialize};

use super::element::Element;
use crate::error::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// Every printed KTP-el field.
    Full,
    /// Name, photo and masked NIK.
    Minimal,
    /// Name, photo and "aged 17 or over": no birth date.
    #[serde(rename = "age_over_17")]
    AgeOver17,
    /// Name, photo and "aged 21 or over": no birth date.
    #[serde(rename = "age_over_21")]
    AgeOver21,
}

impl Profile {
    pub const ALL: [Profile; 4] = [
        Profile::Full,
        Profile::Minimal,
        Profile::AgeOver17,
        Profile::AgeOver21,
    ];

    /// Exactly the elements this profile discloses; a presentation with more or fewer is refused.
    pub fn elements(self) -> &'static [Element] {
        use Element::*;
        match self {
            Profile::Full => &[
                Nik,
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
                PortraitSha256,
            ],
            Profile::Minimal => &[NikMasked, Nama, PortraitSha256],
            Profile::AgeOver17 => &[Nama, PortraitSha256, AgeOver17],
            Profile::AgeOver21 => &[Nama, PortraitSha256, AgeOver21],
        }
    }

    /// The profile's number in a signed payload (`signed_profile`): part of the wire format.
    pub fn code(self) -> u8 {
        match self {
            Profile::Full => 0,
            Profile::Minimal => 1,
            Profile::AgeOver17 => 2,
            Profile::AgeOver21 => 3,
        }
    }

    pub fn from_code(code: u8) -> Option<Self> {
        Profile::ALL.into_iter().find(|p| p.code() == code)
    }

    pub fn id(self) -> &'static str {
        match self {
            Profile::Full => "full",
            Profile::Minimal => "minimal",
            Profile::AgeOver17 => "age_over_17",
            Profile::AgeOver21 => "age_over_21",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Profile::Full, Lang::Id) => "Lengkap",
            (Profile::Full, Lang::En) => "Full",
            (Profile::Minimal, Lang::Id) => "Minimal",
            (Profile::Minimal, Lang::En) => "Minimal",
            (Profile::AgeOver17, Lang::Id) => "Cek umur 17+",
            (Profile::AgeOver17, Lang::En) => "Age check 17+",
            (Profile::AgeOver21, Lang::Id) => "Cek umur 21+",
            (Profile::AgeOver21, Lang::En) => "Age check 21+",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_profile_has_its_own_code_and_reads_back_from_it() {
        for p in Profile::ALL {
            assert_eq!(Profile::from_code(p.code()), Some(p));
        }
        assert_eq!(Profile::from_code(4), None);
    }

    #[test]
    fn every_profiles_wire_name_is_its_documented_id() {
        for p in Profile::ALL {
            assert_eq!(serde_json::to_value(p).unwrap(), p.id(), "{p:?}");
        }
    }
}
