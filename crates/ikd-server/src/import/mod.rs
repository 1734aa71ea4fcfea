//! Loading residents from a CSV export of the population registry, with their photos from a
//! folder ([`photos`]): every row and every photo is checked with the ikd-core and selfie
//! rules first; any error is reported by line (or file) and field and nothing is loaded;
//! otherwise everything is loaded in one transaction.

pub mod photos;

use std::collections::{BTreeMap, HashMap, HashSet};

use ikd_core::records::*;
use ikd_core::{ErrorBody, Nik, NomorKk, Sex, UserError};
use serde::Serialize;
use time::Date;

use crate::registry::{FamilyBatch, ResidentRecord, ktp_fields_for};

/// The columns, in order; the header row must name them exactly.
pub const COLUMNS: [&str; 27] = [
    "nik",
    "nomor_kk",
    "hubungan",
    "nama",
    "tempat_lahir",
    "tanggal_lahir",
    "jenis_kelamin",
    "golongan_darah",
    "agama",
    "status_perkawinan",
    "pekerjaan",
    "pendidikan",
    "kewarganegaraan",
    "nama_ayah",
    "nama_ibu",
    "alamat",
    "rt",
    "rw",
    "kelurahan_desa",
    "kecamatan",
    "kabupaten_kota",
    "provinsi",
    "kode_pos",
    "kk_tanggal_dikeluarkan",
    "ktp_tempat_terbit",
    "ktp_tanggal_terbit",
    "memiliki_ktp_el",
];
/// A registry export larger than this is split before import.
pub const MAX_ROWS: usize = 2_000_000;
/// Longest field, in characters: the longest real one is an address (Dukcapil's SIAK
/// keeps 120). A longer one is a broken export, refused on its row.
pub const MAX_FIELD_CHARS: usize = 200;

#[derive(Debug, Clone, Serialize)]
pub struct RowError {
    /// 1-based line in the CSV file (the header is line 1); `null` for a problem that is
    /// on no line (a photo file naming no resident of the file, say).
    pub line: Option<u64>,
    pub field: &'static str,
    /// The photo file the problem is in, for photo problems.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<Box<str>>,
    #[serde(flatten)]
    pub error: ErrorBody,
}

fn err(line: u64, field: &'static str, code: &str, id: String, en: String) -> RowError {
    RowError {
        line: Some(line),
        field,
        file: None,
        error: ErrorBody {
            code: code.to_owned(),
            message: id,
            message_en: en,
        },
    }
}

fn date(line: u64, field: &'static str, s: &str) -> Result<Date, RowError> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.trim(), fmt).map_err(|_| {
        err(
            line,
            field,
            "CSV_DATE",
            format!("Tanggal tidak valid: {s:?} (format TTTT-BB-HH)."),
            format!("Invalid date: {s:?} (format YYYY-MM-DD)."),
        )
    })
}

/// Reads a printed value (`PEREMPUAN`, `KAWIN`, `KEPALA KELUARGA`…) as its ikd-core enum.
fn label<T: serde::de::DeserializeOwned>(
    line: u64,
    field: &'static str,
    s: &str,
) -> Result<T, RowError> {
    serde_json::from_value(serde_json::Value::String(s.trim().to_uppercase())).map_err(|_| {
        err(
            line,
            field,
            "CSV_VALUE",
            format!("Nilai {field} tidak dikenal: {s:?}."),
            format!("Unknown {field} value: {s:?}."),
        )
    })
}

fn number(line: u64, field: &'static str, s: &str) -> Result<u16, RowError> {
    s.trim().parse().map_err(|_| {
        err(
            line,
            field,
            "CSV_NUMBER",
            format!("{field} harus angka."),
            format!("{field} must be a number."),
        )
    })
}

fn user(line: u64, field: &'static str, e: &dyn UserError) -> RowError {
    RowError {
        line: Some(line),
        field,
        file: None,
        error: e.body(),
    }
}

struct Row {
    line: u64,
    header: KartuKeluargaFields,
    record: ResidentRecord,
}

fn parse_row(line: u64, r: &csv::StringRecord) -> Result<Row, Vec<RowError>> {
    let get = |i: usize| r.get(i).unwrap_or("").trim();
    let mut errors = Vec::new();
    macro_rules! take {
        ($e:expr) => {
            match $e {
                Ok(v) => Some(v),
                Err(e) => {
                    errors.push(e);
                    None
                }
            }
        };
    }
    let nik = take!(Nik::parse(get(0)).map_err(|e| user(line, "nik", &e)));
    let kk = take!(NomorKk::parse(get(1)).map_err(|e| user(line, "nomor_kk", &e)));
    let hubungan: Option<HubunganKeluarga> = take!(label(line, "hubungan", get(2)));
    let born = take!(date(line, "tanggal_lahir", get(5)));
    let sex: Option<Sex> = take!(label(line, "jenis_kelamin", get(6)));
    let blood: Option<GolonganDarah> = take!(label(line, "golongan_darah", get(7)));
    let agama: Option<Agama> = take!(label(line, "agama", get(8)));
    let status: Option<StatusPerkawinan> = take!(label(line, "status_perkawinan", get(9)));
    let wn: Option<Kewarganegaraan> = take!(label(line, "kewarganegaraan", get(12)));
    let rt = take!(number(line, "rt", get(16)));
    let rw = take!(number(line, "rw", get(17)));
    let kk_date = take!(date(line, "kk_tanggal_dikeluarkan", get(23)));
    let ktp_date = take!(date(line, "ktp_tanggal_terbit", get(25)));
    let has_ktp_el = match get(26).to_ascii_lowercase().as_str() {
        "ya" | "yes" | "1" | "true" => Some(true),
        "tidak" | "no" | "0" | "false" => Some(false),
        other => {
            errors.push(err(
                line,
                "memiliki_ktp_el",
                "CSV_VALUE",
                format!("Isi 'ya' atau 'tidak', bukan {other:?}."),
                format!("Use 'ya' or 'tidak', not {other:?}."),
            ));
            None
        }
    };
    let (
        Some(nik),
        Some(kk),
        Some(hubungan),
        Some(born),
        Some(sex),
        Some(blood),
        Some(agama),
        Some(status),
        Some(wn),
        Some(rt),
        Some(rw),
        Some(kk_date),
        Some(ktp_date),
        Some(has_ktp_el),
    ) = (
        nik, kk, hubungan, born, sex, blood, agama, status, wn, rt, rw, kk_date, ktp_date,
        has_ktp_el,
    )
    else {
        return Err(errors);
    };
    let member = AnggotaKeluarga {
        nik,
        nama: get(3).to_uppercase(),
        jenis_kelamin: sex,
        tempat_lahir: get(4).to_uppercase(),
        tanggal_lahir: born,
        agama,
        pendidikan: get(11).to_uppercase(),
        pekerjaan: get(10).to_uppercase(),
        status_perkawinan: status,
        hubungan,
        kewarganegaraan: wn,
        nama_ayah: get(13).to_uppercase(),
        nama_ibu: get(14).to_uppercase(),
    };
    let header = KartuKeluargaFields {
        nomor_kk: kk,
        kepala_keluarga: String::new(),
        alamat: get(15).to_uppercase(),
        rt_rw: RtRw { rt, rw },
        kelurahan_desa: get(18).to_owned(),
        kecamatan: get(19).to_owned(),
        kabupaten_kota: get(20).to_owned(),
        provinsi: get(21).to_owned(),
        kode_pos: get(22).to_owned(),
        tanggal_dikeluarkan: kk_date,
        anggota: Vec::new(),
    };
    let mut fields = ktp_fields_for(&member, &header, (get(24).to_uppercase(), ktp_date));
    fields.golongan_darah = blood;
    let ktp = Ktp::new(fields).map_err(|e| vec![user(line, "nik", &e)])?;
    Ok(Row {
        line,
        header,
        record: ResidentRecord {
            ktp,
            has_ktp_el,
            member,
            documents: Vec::new(),
        },
    })
}

/// Parses and checks a whole file into families; every problem is returned, by line.
pub fn parse(input: impl std::io::Read) -> Result<Vec<FamilyBatch>, Vec<RowError>> {
    parse_with_lines(input).map(|(families, _)| families)
}

/// The line of each NIK in the CSV file (for reporting problems with its photo).
pub type Lines = HashMap<Nik, u64>;

/// [`parse`], with the line of each NIK.
pub fn parse_with_lines(
    input: impl std::io::Read,
) -> Result<(Vec<FamilyBatch>, Lines), Vec<RowError>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(input);
    let header_ok = reader
        .headers()
        .map(|h| h.iter().map(str::trim).eq(COLUMNS.iter().copied()))
        .unwrap_or(false);
    if !header_ok {
        return Err(vec![err(
            1,
            "header",
            "CSV_HEADER",
            format!("Baris judul harus berisi kolom: {}", COLUMNS.join(",")),
            format!(
                "The header row must list the columns: {}",
                COLUMNS.join(",")
            ),
        )]);
    }
    let mut errors = Vec::new();
    let mut rows = Vec::new();
    let mut seen = HashSet::new();
    for (i, rec) in reader.records().enumerate() {
        let line = i as u64 + 2;
        if rows.len() + errors.len() >= MAX_ROWS {
            errors.push(err(
                line,
                "-",
                "CSV_TOO_LARGE",
                format!("Lebih dari {MAX_ROWS} baris; pecah berkasnya."),
                format!("More than {MAX_ROWS} rows; split the file."),
            ));
            break;
        }
        match rec {
            Err(_) => errors.push(err(
                line,
                "-",
                "CSV_ROW",
                "Baris tidak dapat dibaca (jumlah kolom atau tanda kutip salah).".into(),
                "The row cannot be read (wrong number of columns or quotes).".into(),
            )),
            Ok(rec) if rec.iter().any(|f| f.chars().count() > MAX_FIELD_CHARS) => {
                let at = rec
                    .iter()
                    .position(|f| f.chars().count() > MAX_FIELD_CHARS)
                    .unwrap_or(0);
                errors.push(err(
                    line,
                    COLUMNS.get(at).copied().unwrap_or("-"),
                    "CSV_FIELD_TOO_LONG",
                    format!("Isian lebih dari {MAX_FIELD_CHARS} karakter; periksa ekspornya."),
                    format!("A field longer than {MAX_FIELD_CHARS} characters; check the export."),
                ));
            }
            Ok(rec) => match parse_row(line, &rec) {
                Ok(row) => {
                    if !seen.insert(row.record.ktp.nik.clone()) {
                        errors.push(err(
                            line,
                            "nik",
                            "CSV_DUPLICATE_NIK",
                            "NIK ini sudah ada di baris sebelumnya.".into(),
                            "This NIK already appears on an earlier row.".into(),
                        ));
                    }
                    rows.push(row);
                }
                Err(mut e) => errors.append(&mut e),
            },
        }
    }
    let lines: Lines = rows
        .iter()
        .map(|r| (r.record.ktp.nik.clone(), r.line))
        .collect();
    let mut families: BTreeMap<String, (KartuKeluargaFields, Vec<(u64, ResidentRecord)>)> =
        BTreeMap::new();
    for row in rows {
        let entry = families
            .entry(row.header.nomor_kk.as_str().to_owned())
            .or_insert_with(|| (row.header.clone(), Vec::new()));
        entry.1.push((row.line, row.record));
    }
    let mut out = Vec::with_capacity(families.len());
    for (_, (mut header, members)) in families {
        header.kepala_keluarga = members
            .iter()
            .find(|(_, m)| m.member.hubungan == HubunganKeluarga::KepalaKeluarga)
            .map(|(_, m)| m.member.nama.clone())
            .unwrap_or_default();
        let mut check = header.clone();
        check.anggota = members.iter().map(|(_, m)| m.member.clone()).collect();
        if let Err(e) = KartuKeluarga::new(check) {
            errors.push(user(members[0].0, "hubungan", &e));
        }
        out.push(FamilyBatch {
            header,
            members: members.into_iter().map(|(_, m)| m).collect(),
        });
    }
    if errors.is_empty() {
        Ok((out, lines))
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "nik,nomor_kk,hubungan,nama,tempat_lahir,tanggal_lahir,jenis_kelamin,golongan_darah,agama,status_perkawinan,pekerjaan,pendidikan,kewarganegaraan,nama_ayah,nama_ibu,alamat,rt,rw,kelurahan_desa,kecamatan,kabupaten_kota,provinsi,kode_pos,kk_tanggal_dikeluarkan,ktp_tempat_terbit,ktp_tanggal_terbit,memiliki_ktp_el\n";
    const BUDI: &str = "3171011708850003,3171011203150007,KEPALA KELUARGA,Budi Santoso,Jakarta,1985-08-17,LAKI-LAKI,O,ISLAM,KAWIN,KARYAWAN SWASTA,SLTA/SEDERAJAT,WNI,Ahmad,Siti,\"Jl. Merdeka No. 10, Blok A\",1,2,Gambir,Gambir,Kota Adm. Jakarta Pusat,DKI Jakarta,10110,2015-03-12,Jakarta Pusat,2012-05-02,ya\n";
    const SITI: &str = "3171015503880004,3171011203150007,ISTRI,Siti Aminah,Bandung,1988-03-15,PEREMPUAN,A,ISLAM,KAWIN,MENGURUS RUMAH TANGGA,DIPLOMA IV/STRATA I,WNI,Hasan,Aisyah,\"Jl. Merdeka No. 10, Blok A\",1,2,Gambir,Gambir,Kota Adm. Jakarta Pusat,DKI Jakarta,10110,2015-03-12,Jakarta Pusat,2013-01-20,ya\n";

    #[test]
    fn a_valid_file_becomes_families_with_their_head() {
        let fams = parse(format!("{HEAD}{BUDI}{SITI}").as_bytes()).unwrap();
        assert_eq!(fams.len(), 1);
        assert_eq!(fams[0].members.len(), 2);
        assert_eq!(fams[0].header.kepala_keluarga, "BUDI SANTOSO");
        assert_eq!(fams[0].header.alamat, "JL. MERDEKA NO. 10, BLOK A");
    }

    #[test]
    fn a_field_over_200_characters_is_refused_on_its_row_and_one_at_the_limit_is_read() {
        let long = |n: usize| format!("\"Jl. {}\"", "A".repeat(n - 4));
        let at_limit = BUDI.replacen("\"Jl. Merdeka No. 10, Blok A\"", &long(MAX_FIELD_CHARS), 1);
        assert!(parse(format!("{HEAD}{at_limit}").as_bytes()).is_ok());
        let over = SITI.replacen(
            "\"Jl. Merdeka No. 10, Blok A\"",
            &long(MAX_FIELD_CHARS + 1),
            1,
        );
        let errors = parse(format!("{HEAD}{BUDI}{over}").as_bytes()).unwrap_err();
        let found: Vec<_> = errors
            .iter()
            .map(|e| (e.line, e.field, e.error.code.as_str()))
            .collect();
        assert_eq!(found, [(Some(3), "alamat", "CSV_FIELD_TOO_LONG")]);
    }

    #[test]
    fn every_bad_row_is_reported_by_line_and_field() {
        let bad_nik = BUDI
            .replacen("3171011708850003", "3171013102850003", 1)
            .replacen("KEPALA KELUARGA", "ANAK", 1);
        let bad_sex = SITI.replacen("PEREMPUAN", "WANITA?", 1);
        let errors = parse(format!("{HEAD}{bad_nik}{bad_sex}").as_bytes()).unwrap_err();
        let found: Vec<(u64, &str, &str)> = errors
            .iter()
            .map(|e| (e.line.unwrap(), e.field, e.error.code.as_str()))
            .collect();
        assert!(found.contains(&(2, "nik", "NIK_BIRTH_DATE")), "{found:?}");
        assert!(
            found.contains(&(3, "jenis_kelamin", "CSV_VALUE")),
            "{found:?}"
        );
    }

    #[test]
    fn a_family_without_a_head_a_duplicate_and_a_wrong_header_are_refused() {
        let errors = parse(format!("{HEAD}{SITI}").as_bytes()).unwrap_err();
        assert_eq!(errors[0].error.code, "KK_HEAD_OF_FAMILY");
        let errors = parse(format!("{HEAD}{BUDI}{BUDI}").as_bytes()).unwrap_err();
        assert!(
            errors
                .iter()
                .any(|e| e.error.code == "CSV_DUPLICATE_NIK" && e.line == Some(3))
        );
        let errors = parse("nik,nama\n1,2\n".as_bytes()).unwrap_err();
        assert_eq!(errors[0].error.code, "CSV_HEADER");
    }
}
