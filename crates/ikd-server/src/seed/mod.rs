//! A deterministic synthetic population: realistic Indonesian names, families of plausible
//! shape living in real villages of real districts (Kemendagri 2025 list), NIKs and KK
//! numbers consistent with district, birth date and sex, and linked documents. The same
//! `--seed` always gives the same registry.

use std::collections::HashMap;

use ikd_core::records::*;
use ikd_core::{Nik, NomorKk, Sex};
use time::{Date, Month};

use crate::registry::{FamilyBatch, ResidentRecord, ktp_fields_for};

pub mod portrait;

/// Families per transaction: large enough to amortise the commit, small enough to bound memory.
const BATCH: usize = 4_000;

/// What [`populate`] made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Populated {
    pub residents: u64,
    pub families: u64,
}

/// Fills an **empty** registry with `residents` synthetic residents from `seed` (the CLI's
/// `seed`, and the demo's first start).
pub async fn populate(
    db: &crate::db::Db,
    residents: u64,
    seed: u64,
) -> Result<Populated, crate::error::Error> {
    if crate::registry::count(db).await? > 0 {
        return Err(crate::error::Error::internal(
            "the registry is not empty; seed only into a new data directory or database",
        ));
    }
    let places = Places::load();
    let mut generator = Generator::new(seed, &places, time::OffsetDateTime::now_utc().date());
    let (mut made, mut families) = (0u64, 0u64);
    let mut batch = Vec::with_capacity(BATCH);
    while made < residents {
        let Some(mut family) = generator.family() else {
            continue;
        };
        let room = (residents - made) as usize;
        if family.members.len() > room {
            family.members.truncate(room);
        }
        made += family.members.len() as u64;
        families += 1;
        batch.push(family);
        if batch.len() == BATCH || made >= residents {
            crate::registry::insert_families(db, &batch, crate::registry::Provenance::Synthetic)
                .await?;
            batch.clear();
        }
    }
    Ok(Populated {
        residents: made,
        families,
    })
}

/// SplitMix64: tiny, fast and stable across versions (synthetic data, not secrets).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const MALE: &[&str] = &[
    "AHMAD",
    "BUDI",
    "AGUS",
    "ANDI",
    "RUDI",
    "HENDRA",
    "DEDI",
    "EKO",
    "JOKO",
    "BAMBANG",
    "SURYA",
    "WAHYU",
    "IWAN",
    "ARIF",
    "DIMAS",
    "FAJAR",
    "RIZKY",
    "YOGA",
    "ADITYA",
    "BAYU",
    "GILANG",
    "HADI",
    "IMAM",
    "KURNIAWAN",
    "MUHAMMAD",
    "NUGROHO",
    "PUTU",
    "MADE",
    "KETUT",
    "WAYAN",
    "RAHMAT",
    "SLAMET",
    "TEGUH",
    "UTOMO",
    "YUSUF",
    "ZAINAL",
    "ILHAM",
    "FIRMAN",
    "GUNAWAN",
    "HERU",
    "INDRA",
    "JAMAL",
    "LUKMAN",
    "MAHMUD",
    "NANANG",
    "OKTA",
    "PRAMONO",
    "REZA",
];
const FEMALE: &[&str] = &[
    "SITI", "DEWI", "SRI", "NUR", "AYU", "RINA", "WULAN", "FITRI", "LESTARI", "INDAH", "PUTRI",
    "RATNA", "YULIA", "ANISA", "MEGA", "NOVI", "DIAN", "EKA", "FARAH", "GITA", "HANA", "INTAN",
    "KARTIKA", "LINDA", "MAYA", "NADIA", "OKTAVIA", "PURNAMA", "RIZKA", "SARI", "TUTI", "UMI",
    "WIDYA", "YANTI", "ZAHRA", "AMELIA", "CITRA", "DWI", "ENDANG", "FATIMAH", "HALIMAH", "KOMANG",
    "LUH", "NI", "RAHAYU", "SUSANTI", "TRI", "WATI",
];
const SECOND: &[&str] = &[
    "SANTOSO",
    "WIBOWO",
    "SETIAWAN",
    "HIDAYAT",
    "SAPUTRA",
    "PRATAMA",
    "KUSUMA",
    "WIJAYA",
    "HALIM",
    "SIREGAR",
    "NASUTION",
    "HARAHAP",
    "SIMANJUNTAK",
    "LUBIS",
    "TANJUNG",
    "PURBA",
    "GINTING",
    "SEMBIRING",
    "SITORUS",
    "PANJAITAN",
    "RAMADHAN",
    "FIRMANSYAH",
    "MAULANA",
    "PERMANA",
    "NUGRAHA",
    "SUSILO",
    "HARTONO",
    "SUHARTO",
    "SUBAGYO",
    "LESMANA",
    "ANGGRAINI",
    "PERTIWI",
    "WULANDARI",
    "MARLINA",
    "HANDAYANI",
    "KURNIASIH",
    "SUKMA",
    "PAMUNGKAS",
    "RAHARJO",
    "SUDRAJAT",
    "MUNTHE",
    "MANURUNG",
    "PASARIBU",
    "SINAGA",
    "NAINGGOLAN",
    "LATUHARHARY",
    "PATTIASINA",
    "RUMBEWAS",
];
const STREETS: &[&str] = &[
    "MERDEKA",
    "SUDIRMAN",
    "DIPONEGORO",
    "GAJAH MADA",
    "PAHLAWAN",
    "KARTINI",
    "AHMAD YANI",
    "PEMUDA",
    "VETERAN",
    "MELATI",
    "MAWAR",
    "KENANGA",
    "FLAMBOYAN",
    "CEMPAKA",
    "ANGGREK",
    "RAYA",
    "PASAR",
    "SEKOLAH",
    "MASJID",
    "NUSANTARA",
];
const JOBS: &[&str] = &[
    "KARYAWAN SWASTA",
    "WIRASWASTA",
    "PETANI/PEKEBUN",
    "PEDAGANG",
    "GURU",
    "NELAYAN/PERIKANAN",
    "BURUH HARIAN LEPAS",
    "PEGAWAI NEGERI SIPIL (PNS)",
    "MENGURUS RUMAH TANGGA",
    "SOPIR",
    "PERAWAT",
    "DOSEN",
    "TNI",
    "KEPOLISIAN RI (POLRI)",
];
const SCHOOL: &[&str] = &[
    "SLTP/SEDERAJAT",
    "SLTA/SEDERAJAT",
    "DIPLOMA IV/STRATA I",
    "TAMAT SD/SEDERAJAT",
    "DIPLOMA I/II",
    "STRATA II",
];
const BLOOD: &[GolonganDarah] = &[
    GolonganDarah::O,
    GolonganDarah::A,
    GolonganDarah::B,
    GolonganDarah::AB,
    GolonganDarah::TidakTahu,
];

/// Villages (name) per current district code, from the Kemendagri 2025 list.
#[derive(Debug)]
pub struct Places {
    districts: Vec<(u32, Vec<&'static str>)>,
}

static WILAYAH_2025: &str = include_str!("../../data/wilayah/wilayah_2025.csv");

impl Places {
    pub fn load() -> Self {
        let mut by_district: HashMap<u32, Vec<&'static str>> = HashMap::new();
        for line in WILAYAH_2025.lines().skip(1) {
            let Some((code, name)) = line.split_once(',') else {
                continue;
            };
            if code.len() != 13 {
                continue;
            }
            let district: u32 = code[..8].replace('.', "").parse().unwrap_or_default();
            if ikd_core::region::is_current_district(district) {
                by_district
                    .entry(district)
                    .or_default()
                    .push(name.trim_matches('"'));
            }
        }
        let mut districts: Vec<_> = by_district.into_iter().collect();
        districts.sort_by_key(|d| d.0);
        Places { districts }
    }
}

/// Generates families until `residents` people exist; calls `sink` with batches.
#[derive(Debug)]
pub struct Generator<'p> {
    rng: Rng,
    places: &'p Places,
    serials: HashMap<(u32, u32), u16>,
    today: Date,
}

fn date6(d: Date, plus40: bool) -> u32 {
    let day = u32::from(d.day()) + if plus40 { 40 } else { 0 };
    day * 10_000 + u32::from(u8::from(d.month())) * 100 + (d.year() % 100) as u32
}

impl<'p> Generator<'p> {
    pub fn new(seed: u64, places: &'p Places, today: Date) -> Self {
        Generator {
            rng: Rng::new(seed),
            places,
            serials: HashMap::new(),
            today,
        }
    }

    /// The next serial for a district and date field, or `None` when all 9 999 are used.
    fn serial(&mut self, district: u32, field: u32) -> Option<u16> {
        let s = self.serials.entry((district, field)).or_insert(0);
        if *s >= 9_999 {
            return None;
        }
        *s += 1;
        Some(*s)
    }

    fn birth_date(&mut self, min_age: i32, max_age: i32) -> Date {
        let year =
            self.today.year() - min_age - self.rng.below((max_age - min_age + 1) as u64) as i32;
        let ordinal = 1 + self.rng.below(365) as u16;
        Date::from_ordinal_date(year, ordinal).unwrap_or(self.today)
    }

    fn nik(&mut self, district: u32, born: Date, sex: Sex) -> Option<Nik> {
        let field = date6(born, sex == Sex::Perempuan);
        let serial = self.serial(district, field)?;
        Nik::parse(&format!("{district:06}{field:06}{serial:04}")).ok()
    }

    fn name(&mut self, sex: Sex) -> String {
        let first = *self
            .rng
            .pick(if sex == Sex::LakiLaki { MALE } else { FEMALE });
        if self.rng.chance(15) {
            first.to_owned()
        } else {
            format!("{first} {}", self.rng.pick(SECOND))
        }
    }

    fn religion(&mut self) -> Agama {
        match self.rng.below(1000) {
            0..=869 => Agama::Islam,
            870..=939 => Agama::Kristen,
            940..=969 => Agama::Katolik,
            970..=986 => Agama::Hindu,
            987..=994 => Agama::Buddha,
            995..=997 => Agama::Khonghucu,
            _ => Agama::Kepercayaan,
        }
    }

    /// One family: head, often a spouse, children, sometimes a grandparent.
    pub fn family(&mut self) -> Option<FamilyBatch> {
        let (district, villages) = {
            let d = self.rng.pick(&self.places.districts);
            (d.0, d.1.clone())
        };
        let region = ikd_core::region::district(district)?;
        let village = *self.rng.pick(&villages);
        let agama = self.religion();
        let city = region
            .regency
            .name
            .trim_start_matches("Kabupaten ")
            .trim_start_matches("Kota ")
            .to_uppercase();
        let issued = self.birth_date(0, 9);
        let kk_field = date6(issued, false);
        let kk_serial = self.serial(district, 1_000_000 + kk_field)?;
        let nomor_kk = NomorKk::parse(&format!("{district:06}{kk_field:06}{kk_serial:04}")).ok()?;

        let head_sex = if self.rng.chance(88) {
            Sex::LakiLaki
        } else {
            Sex::Perempuan
        };
        let head_born = self.birth_date(24, 75);
        let married = self.rng.chance(80);
        let mut people: Vec<(Sex, Date, HubunganKeluarga, StatusPerkawinan)> = vec![(
            head_sex,
            head_born,
            HubunganKeluarga::KepalaKeluarga,
            if married {
                StatusPerkawinan::Kawin
            } else if self.rng.chance(50) {
                StatusPerkawinan::CeraiMati
            } else {
                StatusPerkawinan::BelumKawin
            },
        )];
        if married && head_sex == Sex::LakiLaki {
            let wife_age =
                (self.today.year() - head_born.year() - self.rng.below(8) as i32).clamp(20, 80);
            people.push((
                Sex::Perempuan,
                self.birth_date(wife_age, wife_age),
                HubunganKeluarga::Istri,
                StatusPerkawinan::Kawin,
            ));
        }
        let head_age = self.today.year() - head_born.year();
        let children = if head_age < 26 { 0 } else { self.rng.below(5) };
        for _ in 0..children {
            let max = (head_age - 20).clamp(0, 40);
            let born = self.birth_date(0, max);
            let sex = if self.rng.chance(50) {
                Sex::LakiLaki
            } else {
                Sex::Perempuan
            };
            let age = self.today.year() - born.year();
            let status = if age >= 25 && self.rng.chance(40) {
                StatusPerkawinan::Kawin
            } else {
                StatusPerkawinan::BelumKawin
            };
            people.push((sex, born, HubunganKeluarga::Anak, status));
        }
        if head_age < 50 && self.rng.chance(8) {
            let born = self.birth_date(head_age + 20, (head_age + 35).min(95));
            people.push((
                Sex::Perempuan,
                born,
                HubunganKeluarga::OrangTua,
                StatusPerkawinan::CeraiMati,
            ));
        }

        let family_name = *self.rng.pick(SECOND);
        let header = KartuKeluargaFields {
            nomor_kk: nomor_kk.clone(),
            kepala_keluarga: String::new(),
            alamat: format!(
                "JL. {} NO. {}",
                self.rng.pick(STREETS),
                1 + self.rng.below(150)
            ),
            rt_rw: RtRw {
                rt: 1 + self.rng.below(15) as u16,
                rw: 1 + self.rng.below(12) as u16,
            },
            kelurahan_desa: village.to_owned(),
            kecamatan: region.district.name.to_owned(),
            kabupaten_kota: region.regency.name.to_owned(),
            provinsi: region.province.name.to_owned(),
            kode_pos: format!("{:05}", 10_000 + (district % 90_000)),
            tanggal_dikeluarkan: issued,
            anggota: Vec::new(),
        };
        let mut header = header;
        let mut members = Vec::with_capacity(people.len());
        let father = people.first().map(|_| String::new());
        let _ = father;
        let mut head_name = String::new();
        let mut spouse_name = String::from("-");
        for (i, (sex, born, hubungan, status)) in people.into_iter().enumerate() {
            let nik = self.nik(district, born, sex)?;
            let mut nama = self.name(sex);
            if hubungan == HubunganKeluarga::Anak && self.rng.chance(60) {
                nama = format!("{} {family_name}", nama.split(' ').next().unwrap_or("ANAK"));
            }
            let age = self.today.year() - born.year();
            if i == 0 {
                head_name = nama.clone();
            } else if matches!(hubungan, HubunganKeluarga::Istri) {
                spouse_name = nama.clone();
            }
            let (ayah, ibu) = match hubungan {
                HubunganKeluarga::Anak if head_sex == Sex::LakiLaki => {
                    (head_name.clone(), spouse_name.clone())
                }
                HubunganKeluarga::Anak => ("-".into(), head_name.clone()),
                _ => (self.name(Sex::LakiLaki), self.name(Sex::Perempuan)),
            };
            let pekerjaan = if age < 18 {
                "PELAJAR/MAHASISWA".to_owned()
            } else {
                (*self.rng.pick(JOBS)).to_owned()
            };
            let member = AnggotaKeluarga {
                nik: nik.clone(),
                nama,
                jenis_kelamin: sex,
                tempat_lahir: city.clone(),
                tanggal_lahir: born,
                agama,
                pendidikan: if age < 7 {
                    "TIDAK/BELUM SEKOLAH".into()
                } else {
                    (*self.rng.pick(SCHOOL)).to_owned()
                },
                pekerjaan,
                status_perkawinan: status,
                hubungan,
                kewarganegaraan: Kewarganegaraan::WNI,
                nama_ayah: ayah,
                nama_ibu: ibu,
            };
            let has_ktp_el = age >= 17 || status == StatusPerkawinan::Kawin;
            let ktp_issued =
                Date::from_calendar_date((born.year() + 17).max(2011), Month::January, 1)
                    .ok()
                    .map(|d| d.min(self.today))
                    .unwrap_or(self.today);
            let mut fields = ktp_fields_for(&member, &header, (city.clone(), ktp_issued));
            fields.golongan_darah = *self.rng.pick(BLOOD);
            let ktp = Ktp::new(fields).ok()?;
            let documents = self.documents(&ktp, &nomor_kk, has_ktp_el, age);
            members.push(ResidentRecord {
                ktp,
                has_ktp_el,
                member,
                documents,
            });
        }
        header.kepala_keluarga = head_name;
        Some(FamilyBatch { header, members })
    }

    fn documents(
        &mut self,
        ktp: &Ktp,
        kk: &NomorKk,
        has_ktp_el: bool,
        age: i32,
    ) -> Vec<LinkedDocument> {
        let mut docs = Vec::new();
        let dukcapil = format!("DINAS DUKCAPIL {}", ktp.kabupaten_kota);
        let doc = |kind,
                   number: String,
                   issuer: &str,
                   issued_on,
                   valid_until,
                   details: &[(&str, String)]| LinkedDocument {
            kind,
            number,
            issuer: issuer.to_owned(),
            issued_on,
            valid_until,
            details: details
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        };
        if has_ktp_el {
            docs.push(doc(
                DocumentKind::KtpEl,
                ktp.nik.as_str().to_owned(),
                &dukcapil,
                ktp.tanggal_terbit,
                None,
                &[],
            ));
        }
        docs.push(doc(
            DocumentKind::KartuKeluarga,
            kk.as_str().to_owned(),
            &dukcapil,
            ktp.tanggal_terbit,
            None,
            &[],
        ));
        let akta_year = ktp.tanggal_lahir.year().max(1980);
        docs.push(doc(
            DocumentKind::AktaKelahiran,
            format!(
                "{}-LT-{:08}",
                &ktp.nik.as_str()[..4],
                self.rng.below(100_000_000)
            ),
            &dukcapil,
            Date::from_calendar_date(akta_year, ktp.tanggal_lahir.month(), 1)
                .unwrap_or(ktp.tanggal_lahir),
            None,
            &[],
        ));
        if age >= 12 && self.rng.chance(85) {
            let doses = 2 + self.rng.below(2);
            docs.push(doc(
                DocumentKind::SertifikatVaksinCovid19,
                format!("VAKSIN-{:012}", self.rng.below(1_000_000_000_000)),
                "KEMENTERIAN KESEHATAN RI",
                Date::from_calendar_date(2021, Month::August, 1 + self.rng.below(28) as u8)
                    .unwrap_or(self.today),
                None,
                &[
                    ("dosis", doses.to_string()),
                    (
                        "vaksin",
                        (*self
                            .rng
                            .pick(&["SINOVAC", "ASTRAZENECA", "PFIZER", "MODERNA"]))
                        .to_owned(),
                    ),
                ],
            ));
        }
        if age >= 21 && self.rng.chance(45) {
            let n = self.rng.below(1_000_000_000_000_000);
            docs.push(doc(
                DocumentKind::Npwp,
                format!(
                    "{:02}.{:03}.{:03}.{}-{:03}.{:03}",
                    n % 100,
                    n / 100 % 1000,
                    n / 100_000 % 1000,
                    n / 100_000_000 % 10,
                    n / 1_000_000_000 % 1000,
                    n / 1_000_000_000_000 % 1000
                ),
                "DIREKTORAT JENDERAL PAJAK",
                Date::from_calendar_date(2015 + self.rng.below(10) as i32, Month::March, 1)
                    .unwrap_or(self.today),
                None,
                &[],
            ));
        }
        if age >= 18 && self.rng.chance(35) {
            let plate = format!(
                "{} {} {}",
                self.rng.pick(&["B", "D", "L", "AB", "H", "N", "DK", "BK"]),
                1000 + self.rng.below(8999),
                self.rng.pick(&["ABC", "XY", "KLM", "TR", "ZZ"])
            );
            docs.push(doc(
                DocumentKind::KepemilikanKendaraan,
                format!("BPKB-{:09}", self.rng.below(1_000_000_000)),
                "KORLANTAS POLRI",
                Date::from_calendar_date(2012 + self.rng.below(13) as i32, Month::June, 1)
                    .unwrap_or(self.today),
                None,
                &[
                    ("nomor_polisi", plate),
                    (
                        "jenis",
                        (*self.rng.pick(&["SEPEDA MOTOR", "MOBIL PENUMPANG"])).to_owned(),
                    ),
                ],
            ));
        }
        if self.rng.chance(90) {
            docs.push(doc(
                DocumentKind::BpjsKesehatan,
                format!("{:013}", self.rng.below(10_000_000_000_000)),
                "BPJS KESEHATAN",
                Date::from_calendar_date(2014 + self.rng.below(10) as i32, Month::January, 1)
                    .unwrap_or(self.today),
                None,
                &[("kelas", (1 + self.rng.below(3)).to_string())],
            ));
        }
        docs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_same_seed_gives_the_same_families_and_every_record_is_valid() {
        let places = Places::load();
        let mut a = Generator::new(7, &places, date!(2026 - 11 - 22));
        let mut b = Generator::new(7, &places, date!(2026 - 11 - 22));
        let mut niks = std::collections::HashSet::new();
        for _ in 0..300 {
            let fa = a.family().unwrap();
            let fb = b.family().unwrap();
            assert_eq!(fa.header.nomor_kk, fb.header.nomor_kk);
            assert!(!fa.members.is_empty());
            let mut kk = fa.header.clone();
            kk.anggota = fa.members.iter().map(|m| m.member.clone()).collect();
            KartuKeluarga::new(kk).unwrap();
            for m in &fa.members {
                assert!(niks.insert(m.ktp.nik.clone()), "NIKs are unique");
                assert_eq!(m.ktp.nik.sex(), m.ktp.jenis_kelamin);
                assert!(ikd_core::region::is_current_district(
                    m.ktp.nik.district_code()
                ));
                let json = serde_json::to_string(m).unwrap();
                let back: ResidentRecord = serde_json::from_str(&json).unwrap();
                assert_eq!(back.ktp, m.ktp);
            }
        }
        assert!(niks.len() > 600);
    }
}
