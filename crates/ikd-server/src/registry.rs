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

/// Draws the portrait of a synthetic resident: the seeding side's generator
/// (`seed::portrait::render`), handed in by the caller so that the registry does not depend
/// on the synthetic-data code.
pub type SyntheticPortrait = fn(&Nik) -> Result<Vec<u8>>;

/// A resident's registry photo, as the registry holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistryPhoto {
    /// JPEG or PNG bytes.
    OnRecord(Vec<u8>),
    /// The registry holds no photo of this resident. Nothing is filled in: the officer
    /// checks the physical KTP-el, the credential says so and verifiers show none.
    NotOnRecord,
}

impl RegistryPhoto {
    pub fn bytes(&self) -> Option<&[u8]> {
        match self {
            RegistryPhoto::OnRecord(b) => Some(b),
            RegistryPhoto::NotOnRecord => None,
        }
    }

    pub fn into_bytes(self) -> Option<Vec<u8>> {
        match self {
            RegistryPhoto::OnRecord(b) => Some(b),
            RegistryPhoto::NotOnRecord => None,
        }
    }

    /// The SHA-256 a credential binds, `None` when there is no photo.
    pub fn sha256(&self) -> Option<[u8; 32]> {
        self.bytes().map(ikd_core::crypto::sha256)
    }
}

/// The registry photo of `nik` ([`Error::NotFound`] when there is no such resident).
///
/// Only a resident that `seed` made (the `synthetic` column) may get a generated portrait:
/// `render` is called for such a row while it has none, and its result is stored. That is
/// lazy because drawing and storing a portrait for each of a million seeded residents up
/// front would cost about ten gigabytes and minutes of seeding for faces mostly never
/// looked at. Every other resident has the photo that was imported, or
/// [`RegistryPhoto::NotOnRecord`]: `render` is never called for them.
pub async fn photo(db: &Db, nik: &Nik, render: SyntheticPortrait) -> Result<RegistryPhoto> {
    let row = sqlx::query("SELECT photo, synthetic FROM residents WHERE nik = $1")
        .bind(nik.as_str())
        .fetch_optional(&db.pool)
        .await?
        .ok_or(Error::NotFound)?;
    if let Some(p) = row.get::<Option<Vec<u8>>, _>(0) {
        return Ok(RegistryPhoto::OnRecord(p));
    }
    if row.get::<i64, _>(1) == 0 {
        return Ok(RegistryPhoto::NotOnRecord);
    }
    let rendered = render(nik)?;
    // Rendering is deterministic, so two first uses at once store the same bytes.
    sqlx::query(
        "UPDATE residents SET photo = $1 WHERE nik = $2 AND photo IS NULL AND synthetic = 1",
    )
    .bind(rendered.clone())
    .bind(nik.as_str())
    .execute(&db.pool)
    .await?;
    Ok(RegistryPhoto::OnRecord(rendered))
}

/// Sets the registry photos of residents already in the registry, in one transaction: all
/// or none. [`Error::NotFound`] (and nothing written) when a NIK is not in the registry.
pub async fn set_photos(db: &Db, photos: &[(Nik, Vec<u8>)]) -> Result<()> {
    let mut tx = db.pool.begin().await?;
    write_photos(&mut tx, photos).await?;
    tx.commit().await?;
    Ok(())
}

async fn write_photos(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    photos: &[(Nik, Vec<u8>)],
) -> Result<()> {
    for (nik, bytes) in photos {
        let done = sqlx::query("UPDATE residents SET photo = $1 WHERE nik = $2")
            .bind(bytes.clone())
            .bind(nik.as_str())
            .execute(&mut **tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err(Error::NotFound);
        }
    }
    Ok(())
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

/// Where a batch of residents comes from.
#[derive(Debug, Clone, Copy)]
pub enum Provenance<'a> {
    /// Made by `seed`: marked synthetic, portraits drawn at first use.
    Synthetic,
    /// A registry export, with the photos that came with it (NIK → JPEG or PNG bytes);
    /// a resident without one has none.
    Imported(&'a [(Nik, Vec<u8>)]),
}

/// Writes families in one transaction, many rows per statement (the seeder's hot path),
/// then the imported photos in the same transaction: all or nothing.
pub async fn insert_families(db: &Db, batch: &[FamilyBatch], from: Provenance<'_>) -> Result<()> {
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
            "INSERT INTO residents (nik, nomor_kk, record, synthetic) VALUES ",
            chunk.len(),
            4,
        );
        let mut q = sqlx::query(&sql);
        let synthetic = i64::from(matches!(from, Provenance::Synthetic));
        for (nik, kk, rec) in chunk {
            q = q.bind(nik).bind(kk).bind(rec).bind(synthetic);
        }
        q.execute(&mut *tx).await?;
    }
    if let Provenance::Imported(photos) = from {
        write_photos(&mut tx, photos).await?;
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
