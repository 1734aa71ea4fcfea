//! Population records as the registry (SIAK) holds them and the citizen sees them: the
//! printed KTP-el, the Kartu Keluarga and the documents linked to a NIK.
//!
//! Records are checked for internal consistency on construction and on deserialisation
//! (a KTP whose sex or birth date contradicts its NIK never becomes a value).

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::Date;

use crate::error::{Lang, UserError, tr};
use crate::kk::NomorKk;
use crate::nik::{Nik, Sex};

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum GolonganDarah {
    A,
    B,
    AB,
    O,
    /// Printed as "-" when the holder does not know it.
    #[serde(rename = "-")]
    TidakTahu,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "UPPERCASE")]
pub enum Agama {
    Islam,
    Kristen,
    Katolik,
    Hindu,
    Buddha,
    Khonghucu,
    #[serde(rename = "KEPERCAYAAN TERHADAP TUHAN YME")]
    Kepercayaan,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum StatusPerkawinan {
    #[serde(rename = "BELUM KAWIN")]
    BelumKawin,
    #[serde(rename = "KAWIN")]
    Kawin,
    #[serde(rename = "CERAI HIDUP")]
    CeraiHidup,
    #[serde(rename = "CERAI MATI")]
    CeraiMati,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Kewarganegaraan {
    WNI,
    WNA,
}

/// "Berlaku Hingga": KTP-el issued since 2016 are valid for life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BerlakuHingga {
    SeumurHidup,
    Tanggal(#[serde(with = "iso_date")] Date),
}

impl BerlakuHingga {
    pub fn label(&self, lang: Lang) -> String {
        match self {
            BerlakuHingga::SeumurHidup => tr(lang, "SEUMUR HIDUP", "LIFETIME"),
            BerlakuHingga::Tanggal(d) => card_date(*d),
        }
    }
}

/// `dd-mm-yyyy`, as dates are printed on the KTP-el and the KK.
pub fn card_date(d: Date) -> String {
    format!("{:02}-{:02}-{}", d.day(), u8::from(d.month()), d.year())
}

/// A registry enum as printed on the card (`ISLAM`, `BELUM_KAWIN` → `BELUM KAWIN`): its
/// serialised name with spaces; empty for a value that is not a string.
pub fn printed<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s.replace('_', " ").to_uppercase(),
        _ => String::new(),
    }
}

/// RT/RW (neighbourhood / community unit), printed `001/002`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RtRw {
    pub rt: u16,
    pub rw: u16,
}

impl std::fmt::Display for RtRw {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:03}/{:03}", self.rt, self.rw)
    }
}

/// Image bytes (JPEG or PNG), base64 in JSON.
#[derive(Clone, PartialEq, Eq)]
pub struct Photo(Vec<u8>);

impl Photo {
    /// Registry photos and selfies above this size are refused before decoding.
    pub const MAX_BYTES: usize = 2 * 1024 * 1024;

    pub fn new(bytes: Vec<u8>) -> Result<Self, RecordError> {
        if bytes.is_empty() || bytes.len() > Self::MAX_BYTES {
            return Err(RecordError::PhotoSize);
        }
        Ok(Photo(bytes))
    }

    pub fn bytes(&self) -> &[u8] {
        &self.0
    }

    /// `image/jpeg` or `image/png` by magic number.
    pub fn media_type(&self) -> &'static str {
        if self.0.starts_with(&[0x89, b'P', b'N', b'G']) {
            "image/png"
        } else {
            "image/jpeg"
        }
    }
}

impl std::fmt::Debug for Photo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Photo({} bytes)", self.0.len())
    }
}

impl Serialize for Photo {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Photo {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.len() > Photo::MAX_BYTES / 3 * 4 + 4 {
            return Err(serde::de::Error::custom("photo too large"));
        }
        let bytes = STANDARD.decode(s).map_err(serde::de::Error::custom)?;
        Photo::new(bytes).map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("a required field is empty: {0}")]
    Empty(&'static str),
    #[error("the sex does not match the NIK")]
    SexMismatch,
    #[error("the birth date does not match the NIK")]
    BirthDateMismatch,
    #[error("a family card needs exactly one head of family")]
    KepalaKeluarga,
    #[error("the photo is empty or larger than 2 MiB")]
    PhotoSize,
}

impl UserError for RecordError {
    fn code(&self) -> &'static str {
        match self {
            RecordError::Empty(_) => "RECORD_FIELD_EMPTY",
            RecordError::SexMismatch => "RECORD_SEX_MISMATCH",
            RecordError::BirthDateMismatch => "RECORD_BIRTH_DATE_MISMATCH",
            RecordError::KepalaKeluarga => "KK_HEAD_OF_FAMILY",
            RecordError::PhotoSize => "PHOTO_SIZE",
        }
    }

    fn message(&self, lang: Lang) -> String {
        match self {
            RecordError::Empty(f) => tr(
                lang,
                format!("Kolom {f} wajib diisi."),
                format!("The field {f} is required."),
            ),
            RecordError::SexMismatch => tr(
                lang,
                "Jenis kelamin tidak sesuai dengan NIK.",
                "The sex does not match the NIK.",
            ),
            RecordError::BirthDateMismatch => tr(
                lang,
                "Tanggal lahir tidak sesuai dengan NIK.",
                "The birth date does not match the NIK.",
            ),
            RecordError::KepalaKeluarga => tr(
                lang,
                "Kartu keluarga harus memiliki tepat satu Kepala Keluarga.",
                "A family card needs exactly one head of family.",
            ),
            RecordError::PhotoSize => tr(
                lang,
                "Foto kosong atau lebih dari 2 MB. Ambil ulang foto.",
                "The photo is empty or larger than 2 MB. Take it again.",
            ),
        }
    }
}

/// Checks that the NIK's encoded sex and day/month/year match the record's.
fn check_against_nik(nik: &Nik, sex: Sex, born: Date) -> Result<(), RecordError> {
    if nik.sex() != sex {
        return Err(RecordError::SexMismatch);
    }
    let from_nik = nik.birth_date(born);
    if (from_nik.day(), from_nik.month(), from_nik.year() % 100)
        != (born.day(), born.month(), born.year() % 100)
    {
        return Err(RecordError::BirthDateMismatch);
    }
    Ok(())
}

fn non_empty(field: &'static str, v: &str) -> Result<(), RecordError> {
    if v.trim().is_empty() {
        Err(RecordError::Empty(field))
    } else {
        Ok(())
    }
}

/// Every field printed on the KTP-el.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "KtpFields", into = "KtpFields")]
pub struct Ktp(KtpFields);

/// The fields of a [`Ktp`] before the consistency check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct KtpFields {
    pub provinsi: String,
    pub kabupaten_kota: String,
    pub nik: Nik,
    pub nama: String,
    pub tempat_lahir: String,
    #[serde(with = "iso_date")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub tanggal_lahir: Date,
    pub jenis_kelamin: Sex,
    pub golongan_darah: GolonganDarah,
    pub alamat: String,
    pub rt_rw: RtRw,
    pub kelurahan_desa: String,
    pub kecamatan: String,
    pub agama: Agama,
    pub status_perkawinan: StatusPerkawinan,
    pub pekerjaan: String,
    pub kewarganegaraan: Kewarganegaraan,
    pub berlaku_hingga: BerlakuHingga,
    /// Place and date of issue printed under the photo.
    pub tempat_terbit: String,
    #[serde(with = "iso_date")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub tanggal_terbit: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub foto: Option<Photo>,
}

impl TryFrom<KtpFields> for Ktp {
    type Error = RecordError;
    fn try_from(f: KtpFields) -> Result<Self, Self::Error> {
        for (name, v) in [
            ("provinsi", &f.provinsi),
            ("kabupaten_kota", &f.kabupaten_kota),
            ("nama", &f.nama),
            ("tempat_lahir", &f.tempat_lahir),
            ("alamat", &f.alamat),
            ("kelurahan_desa", &f.kelurahan_desa),
            ("kecamatan", &f.kecamatan),
            ("pekerjaan", &f.pekerjaan),
        ] {
            non_empty(name, v)?;
        }
        check_against_nik(&f.nik, f.jenis_kelamin, f.tanggal_lahir)?;
        Ok(Ktp(f))
    }
}

impl From<Ktp> for KtpFields {
    fn from(k: Ktp) -> Self {
        k.0
    }
}

impl std::ops::Deref for Ktp {
    type Target = KtpFields;
    fn deref(&self) -> &KtpFields {
        &self.0
    }
}

impl Ktp {
    pub fn new(fields: KtpFields) -> Result<Self, RecordError> {
        Self::try_from(fields)
    }

    /// Whole years of age on `today`.
    pub fn age_on(&self, today: Date) -> i32 {
        let b = self.0.tanggal_lahir;
        let mut age = today.year() - b.year();
        if (today.month(), today.day()) < (b.month(), b.day()) {
            age -= 1;
        }
        age
    }
}

/// Status Hubungan Dalam Keluarga as printed on the KK.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum HubunganKeluarga {
    #[serde(rename = "KEPALA KELUARGA")]
    KepalaKeluarga,
    #[serde(rename = "SUAMI")]
    Suami,
    #[serde(rename = "ISTRI")]
    Istri,
    #[serde(rename = "ANAK")]
    Anak,
    #[serde(rename = "MENANTU")]
    Menantu,
    #[serde(rename = "CUCU")]
    Cucu,
    #[serde(rename = "ORANG TUA")]
    OrangTua,
    #[serde(rename = "MERTUA")]
    Mertua,
    #[serde(rename = "FAMILI LAIN")]
    FamiliLain,
    #[serde(rename = "PEMBANTU")]
    Pembantu,
    #[serde(rename = "LAINNYA")]
    Lainnya,
}

impl HubunganKeluarga {
    pub fn label(self, lang: Lang) -> &'static str {
        use HubunganKeluarga::*;
        match (self, lang) {
            (KepalaKeluarga, Lang::Id) => "Kepala Keluarga",
            (Suami, Lang::Id) => "Suami",
            (Istri, Lang::Id) => "Istri",
            (Anak, Lang::Id) => "Anak",
            (Menantu, Lang::Id) => "Menantu",
            (Cucu, Lang::Id) => "Cucu",
            (OrangTua, Lang::Id) => "Orang Tua",
            (Mertua, Lang::Id) => "Mertua",
            (FamiliLain, Lang::Id) => "Famili Lain",
            (Pembantu, Lang::Id) => "Pembantu",
            (Lainnya, Lang::Id) => "Lainnya",
            (KepalaKeluarga, Lang::En) => "Head of family",
            (Suami, Lang::En) => "Husband",
            (Istri, Lang::En) => "Wife",
            (Anak, Lang::En) => "Child",
            (Menantu, Lang::En) => "Child-in-law",
            (Cucu, Lang::En) => "Grandchild",
            (OrangTua, Lang::En) => "Parent",
            (Mertua, Lang::En) => "Parent-in-law",
            (FamiliLain, Lang::En) => "Other relative",
            (Pembantu, Lang::En) => "Household helper",
            (Lainnya, Lang::En) => "Other",
        }
    }
}

/// One row of the family card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AnggotaKeluarga {
    pub nik: Nik,
    pub nama: String,
    pub jenis_kelamin: Sex,
    pub tempat_lahir: String,
    #[serde(with = "iso_date")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub tanggal_lahir: Date,
    pub agama: Agama,
    pub pendidikan: String,
    pub pekerjaan: String,
    pub status_perkawinan: StatusPerkawinan,
    pub hubungan: HubunganKeluarga,
    pub kewarganegaraan: Kewarganegaraan,
    pub nama_ayah: String,
    pub nama_ibu: String,
}

/// The Kartu Keluarga: header and members, with exactly one head of family.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "KartuKeluargaFields", into = "KartuKeluargaFields")]
pub struct KartuKeluarga(KartuKeluargaFields);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct KartuKeluargaFields {
    pub nomor_kk: NomorKk,
    pub kepala_keluarga: String,
    pub alamat: String,
    pub rt_rw: RtRw,
    pub kelurahan_desa: String,
    pub kecamatan: String,
    pub kabupaten_kota: String,
    pub provinsi: String,
    pub kode_pos: String,
    #[serde(with = "iso_date")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub tanggal_dikeluarkan: Date,
    pub anggota: Vec<AnggotaKeluarga>,
}

impl TryFrom<KartuKeluargaFields> for KartuKeluarga {
    type Error = RecordError;
    fn try_from(f: KartuKeluargaFields) -> Result<Self, Self::Error> {
        let heads = f
            .anggota
            .iter()
            .filter(|a| a.hubungan == HubunganKeluarga::KepalaKeluarga)
            .count();
        if heads != 1 {
            return Err(RecordError::KepalaKeluarga);
        }
        non_empty("kepala_keluarga", &f.kepala_keluarga)?;
        non_empty("alamat", &f.alamat)?;
        for a in &f.anggota {
            non_empty("nama", &a.nama)?;
            check_against_nik(&a.nik, a.jenis_kelamin, a.tanggal_lahir)?;
        }
        Ok(KartuKeluarga(f))
    }
}

impl From<KartuKeluarga> for KartuKeluargaFields {
    fn from(k: KartuKeluarga) -> Self {
        k.0
    }
}

impl std::ops::Deref for KartuKeluarga {
    type Target = KartuKeluargaFields;
    fn deref(&self) -> &KartuKeluargaFields {
        &self.0
    }
}

impl KartuKeluarga {
    pub fn new(fields: KartuKeluargaFields) -> Result<Self, RecordError> {
        Self::try_from(fields)
    }
}

/// Kinds of documents the service links to a NIK.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    KtpEl,
    KartuKeluarga,
    AktaKelahiran,
    SertifikatVaksinCovid19,
    Npwp,
    KepemilikanKendaraan,
    BpjsKesehatan,
    BpjsKetenagakerjaan,
    Paspor,
    Sim,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 10] = [
        DocumentKind::KtpEl,
        DocumentKind::KartuKeluarga,
        DocumentKind::AktaKelahiran,
        DocumentKind::SertifikatVaksinCovid19,
        DocumentKind::Npwp,
        DocumentKind::KepemilikanKendaraan,
        DocumentKind::BpjsKesehatan,
        DocumentKind::BpjsKetenagakerjaan,
        DocumentKind::Paspor,
        DocumentKind::Sim,
    ];

    pub fn label(self, lang: Lang) -> &'static str {
        use DocumentKind::*;
        match (self, lang) {
            (KtpEl, _) => "KTP-el",
            (KartuKeluarga, Lang::Id) => "Kartu Keluarga",
            (KartuKeluarga, Lang::En) => "Family card",
            (AktaKelahiran, Lang::Id) => "Akta Kelahiran",
            (AktaKelahiran, Lang::En) => "Birth certificate",
            (SertifikatVaksinCovid19, Lang::Id) => "Sertifikat Vaksin COVID-19",
            (SertifikatVaksinCovid19, Lang::En) => "COVID-19 vaccination certificate",
            (Npwp, Lang::Id) => "NPWP",
            (Npwp, Lang::En) => "Tax ID (NPWP)",
            (KepemilikanKendaraan, Lang::Id) => "Kepemilikan Kendaraan (BPKB/STNK)",
            (KepemilikanKendaraan, Lang::En) => "Vehicle ownership (BPKB/STNK)",
            (BpjsKesehatan, _) => "BPJS Kesehatan",
            (BpjsKetenagakerjaan, _) => "BPJS Ketenagakerjaan",
            (Paspor, Lang::Id) => "Paspor",
            (Paspor, Lang::En) => "Passport",
            (Sim, Lang::Id) => "SIM",
            (Sim, Lang::En) => "Driving licence (SIM)",
        }
    }
}

/// A document held by another agency and linked to the citizen's NIK.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LinkedDocument {
    pub kind: DocumentKind,
    pub number: String,
    pub issuer: String,
    #[serde(with = "iso_date")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub issued_on: Date,
    #[serde(default, with = "iso_date::option")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub valid_until: Option<Date>,
    /// Kind-specific details (vaccine doses, vehicle plate, BPJS class…), shown as a list.
    #[serde(default)]
    pub details: BTreeMap<String, String>,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use time::macros::date;

    pub(crate) fn sample_ktp() -> Ktp {
        Ktp::new(KtpFields {
            provinsi: "DKI JAKARTA".into(),
            kabupaten_kota: "KOTA ADM. JAKARTA PUSAT".into(),
            nik: Nik::parse("3171015708900003").unwrap(),
            nama: "SITI AMINAH".into(),
            tempat_lahir: "JAKARTA".into(),
            tanggal_lahir: date!(1990 - 08 - 17),
            jenis_kelamin: Sex::Perempuan,
            golongan_darah: GolonganDarah::O,
            alamat: "JL. MERDEKA NO. 10".into(),
            rt_rw: RtRw { rt: 1, rw: 2 },
            kelurahan_desa: "GAMBIR".into(),
            kecamatan: "GAMBIR".into(),
            agama: Agama::Islam,
            status_perkawinan: StatusPerkawinan::Kawin,
            pekerjaan: "KARYAWAN SWASTA".into(),
            kewarganegaraan: Kewarganegaraan::WNI,
            berlaku_hingga: BerlakuHingga::SeumurHidup,
            tempat_terbit: "JAKARTA PUSAT".into(),
            tanggal_terbit: date!(2012 - 05 - 02),
            foto: None,
        })
        .unwrap()
    }

    #[test]
    fn a_ktp_round_trips_through_json() {
        let k = sample_ktp();
        let json = serde_json::to_string(&k).unwrap();
        assert!(json.contains("\"jenis_kelamin\":\"PEREMPUAN\""));
        let back: Ktp = serde_json::from_str(&json).unwrap();
        assert_eq!(back, k);
        assert_eq!(k.age_on(date!(2026 - 11 - 22)), 36);
        assert_eq!(k.rt_rw.to_string(), "001/002");
    }

    #[test]
    fn a_ktp_whose_sex_contradicts_its_nik_is_refused() {
        let mut f: KtpFields = sample_ktp().into();
        f.jenis_kelamin = Sex::LakiLaki;
        assert_eq!(Ktp::new(f.clone()).unwrap_err(), RecordError::SexMismatch);
        f.jenis_kelamin = Sex::Perempuan;
        f.tanggal_lahir = date!(1990 - 08 - 18);
        assert_eq!(Ktp::new(f).unwrap_err(), RecordError::BirthDateMismatch);
        let json = serde_json::to_string(&sample_ktp())
            .unwrap()
            .replace("PEREMPUAN", "LAKI-LAKI");
        assert!(serde_json::from_str::<Ktp>(&json).is_err());
    }

    #[test]
    fn a_family_card_needs_exactly_one_head() {
        let k = sample_ktp();
        let member = |h| AnggotaKeluarga {
            nik: k.nik.clone(),
            nama: k.nama.clone(),
            jenis_kelamin: k.jenis_kelamin,
            tempat_lahir: k.tempat_lahir.clone(),
            tanggal_lahir: k.tanggal_lahir,
            agama: k.agama,
            pendidikan: "DIPLOMA IV/STRATA I".into(),
            pekerjaan: k.pekerjaan.clone(),
            status_perkawinan: k.status_perkawinan,
            hubungan: h,
            kewarganegaraan: Kewarganegaraan::WNI,
            nama_ayah: "AHMAD".into(),
            nama_ibu: "FATIMAH".into(),
        };
        let mut f = KartuKeluargaFields {
            nomor_kk: NomorKk::parse("3171011203150007").unwrap(),
            kepala_keluarga: "SITI AMINAH".into(),
            alamat: k.alamat.clone(),
            rt_rw: k.rt_rw,
            kelurahan_desa: "GAMBIR".into(),
            kecamatan: "GAMBIR".into(),
            kabupaten_kota: k.kabupaten_kota.clone(),
            provinsi: k.provinsi.clone(),
            kode_pos: "10110".into(),
            tanggal_dikeluarkan: date!(2015 - 03 - 12),
            anggota: vec![member(HubunganKeluarga::Istri)],
        };
        assert_eq!(
            KartuKeluarga::new(f.clone()).unwrap_err().code(),
            "KK_HEAD_OF_FAMILY"
        );
        f.anggota = vec![member(HubunganKeluarga::KepalaKeluarga)];
        let kk = KartuKeluarga::new(f).unwrap();
        let back: KartuKeluarga =
            serde_json::from_str(&serde_json::to_string(&kk).unwrap()).unwrap();
        assert_eq!(back, kk);
    }

    #[test]
    fn photos_are_base64_and_size_limited() {
        let p = Photo::new(vec![0xFF, 0xD8, 0xFF]).unwrap();
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"/9j/\"");
        assert_eq!(p.media_type(), "image/jpeg");
        assert!(Photo::new(vec![]).is_err());
        assert!(Photo::new(vec![0; Photo::MAX_BYTES + 1]).is_err());
    }
}
