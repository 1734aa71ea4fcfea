//! The population registry (the SIAK side): residents with every KTP-el field, their family
//! card and the documents linked to their NIK. Each resident is one row whose record is the
//! JSON of ikd-core types, so a stored record is validated again whenever it is read.

use ikd_core::Nik;
use ikd_core::records::{
    AnggotaKeluarga, KartuKeluarga, KartuKeluargaFields, Ktp, KtpFields, LinkedDocument,
};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::db::Db;
use crate::error::{Error, Result};

/// Everything the registry holds about one person.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResidentRecord {
    /// The printed KTP-el fields (without the photo, which is its own column).
    pub ktp: Ktp,
    /// Whether a KTP-el has been issued and recorded (minors have none).
    pub has_ktp_el: bool,
    /// This person's row on the family card.
    pub member: AnggotaKeluarga,
    pub documents: Vec<LinkedDocument>,
}

/// The family card header; members are the residents that carry its number.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FamilyHeader {
    #[serde(flatten)]
    pub fields: KartuKeluargaFields,
}

pub async fn find(db: &Db, nik: &Nik) -> Result<Option<ResidentRecord>> {
    let row = sqlx::query("SELECT record FROM residents WHERE nik = $1")
        .bind(nik.as_str())
        .fetch_optional(&db.pool)
        .await?;
    row.map(|r| parse_record(&r.get::<String, _>(0)))
        .transpose()
}

fn parse_record(json: &str) -> Result<ResidentRecord> {
    serde_json::from_str(json).map_err(|e| Error::internal(format!("stored resident record: {e}")))
}

/// The registry photo: the stored one, or the generated portrait of a synthetic resident,
/// which is stored at its first use (rendering a JPEG on every verification and login
/// cost more than the crypto).
pub async fn photo(db: &Db, nik: &Nik) -> Result<Vec<u8>> {
    let row = sqlx::query("SELECT photo FROM residents WHERE nik = $1")
        .bind(nik.as_str())
        .fetch_optional(&db.pool)
        .await?
        .ok_or(Error::NotFound)?;
    if let Some(p) = row.get::<Option<Vec<u8>>, _>(0) {
        return Ok(p);
    }
    let rendered = crate::portrait::render(nik)?;
    sqlx::query("UPDATE residents SET photo = $1 WHERE nik = $2 AND photo IS NULL")
        .bind(rendered.clone())
        .bind(nik.as_str())
        .execute(&db.pool)
        .await?;
    Ok(rendered)
}

/// The family card of a resident, members in card order (head first).
pub async fn family(db: &Db, nik: &Nik) -> Result<KartuKeluarga> {
    let row = sqlx::query("SELECT f.record, f.nomor_kk FROM families f JOIN residents r ON r.nomor_kk = f.nomor_kk WHERE r.nik = $1")
        .bind(nik.as_str())
        .fetch_optional(&db.pool)
        .await?
        .ok_or(Error::NotFound)?;
    let mut header: KartuKeluargaFields = serde_json::from_str(&row.get::<String, _>(0))
        .map_err(|e| Error::internal(format!("stored family record: {e}")))?;
    let members = sqlx::query("SELECT record FROM residents WHERE nomor_kk = $1")
        .bind(row.get::<String, _>(1))
        .fetch_all(&db.pool)
        .await?;
    let mut anggota = Vec::with_capacity(members.len());
    for m in members {
        anggota.push(parse_record(&m.get::<String, _>(0))?.member);
    }
    anggota.sort_by_key(|a| {
        (
            a.hubungan != ikd_core::records::HubunganKeluarga::KepalaKeluarga,
            a.tanggal_lahir,
        )
    });
    header.anggota = anggota;
    KartuKeluarga::new(header).map_err(|e| Error::internal(format!("stored family invalid: {e}")))
}

/// One family with its members, as the seeder and the importer write them.
#[derive(Debug, Clone)]
pub struct FamilyBatch {
    pub header: KartuKeluargaFields,
    pub members: Vec<ResidentRecord>,
}

/// Writes families in one transaction, many rows per statement (the seeder's hot path).
pub async fn insert_families(db: &Db, batch: &[FamilyBatch]) -> Result<()> {
    const ROWS: usize = 200;
    let mut tx = db.pool.begin().await?;
    let headers: Vec<(String, String)> = batch
        .iter()
        .map(|f| {
            let mut h = f.header.clone();
            h.anggota.clear();
            Ok((
                h.nomor_kk.as_str().to_owned(),
                serde_json::to_string(&h).map_err(Error::internal)?,
            ))
        })
        .collect::<Result<_>>()?;
    for chunk in headers.chunks(ROWS) {
        let sql = values_sql(
            "INSERT INTO families (nomor_kk, record) VALUES ",
            chunk.len(),
            2,
        );
        let mut q = sqlx::query(&sql);
        for (kk, rec) in chunk {
            q = q.bind(kk).bind(rec);
        }
        q.execute(&mut *tx).await?;
    }
    let residents: Vec<(String, String, String)> = batch
        .iter()
        .flat_map(|f| f.members.iter().map(move |m| (f, m)))
        .map(|(f, m)| {
            Ok((
                m.ktp.nik.as_str().to_owned(),
                f.header.nomor_kk.as_str().to_owned(),
                serde_json::to_string(m).map_err(Error::internal)?,
            ))
        })
        .collect::<Result<_>>()?;
    for chunk in residents.chunks(ROWS) {
        let sql = values_sql(
            "INSERT INTO residents (nik, nomor_kk, record) VALUES ",
            chunk.len(),
            3,
        );
        let mut q = sqlx::query(&sql);
        for (nik, kk, rec) in chunk {
            q = q.bind(nik).bind(kk).bind(rec);
        }
        q.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// `prefix ($1, $2), ($3, $4)…` for `rows` rows of `cols` columns.
fn values_sql(prefix: &str, rows: usize, cols: usize) -> String {
    let mut s = String::with_capacity(prefix.len() + rows * cols * 5);
    s.push_str(prefix);
    for r in 0..rows {
        s.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..cols {
            if c > 0 {
                s.push_str(", ");
            }
            s.push('$');
            s.push_str(&(r * cols + c + 1).to_string());
        }
        s.push(')');
    }
    s
}

pub async fn count(db: &Db) -> Result<i64> {
    Ok(sqlx::query("SELECT COUNT(*) FROM residents")
        .fetch_one(&db.pool)
        .await?
        .get::<i64, _>(0))
}

/// Builds the KTP record of a family member with the family's address.
pub fn ktp_fields_for(
    member: &AnggotaKeluarga,
    header: &KartuKeluargaFields,
    issued: (String, time::Date),
) -> KtpFields {
    KtpFields {
        provinsi: header.provinsi.to_uppercase(),
        kabupaten_kota: header.kabupaten_kota.to_uppercase(),
        nik: member.nik.clone(),
        nama: member.nama.clone(),
        tempat_lahir: member.tempat_lahir.clone(),
        tanggal_lahir: member.tanggal_lahir,
        jenis_kelamin: member.jenis_kelamin,
        golongan_darah: ikd_core::records::GolonganDarah::TidakTahu,
        alamat: header.alamat.clone(),
        rt_rw: header.rt_rw,
        kelurahan_desa: header.kelurahan_desa.to_uppercase(),
        kecamatan: header.kecamatan.to_uppercase(),
        agama: member.agama,
        status_perkawinan: member.status_perkawinan,
        pekerjaan: member.pekerjaan.clone(),
        kewarganegaraan: member.kewarganegaraan,
        berlaku_hingga: ikd_core::records::BerlakuHingga::SeumurHidup,
        tempat_terbit: issued.0,
        tanggal_terbit: issued.1,
        foto: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_row_values_number_their_placeholders_in_order() {
        assert_eq!(values_sql("V ", 2, 2), "V ($1, $2), ($3, $4)");
    }
}
