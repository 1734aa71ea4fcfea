//! `ikd-server import --csv FILE [--photos DIR]`: residents with their photos, all or none.
//! `ikd-server import --photos DIR --update`: new photos for residents already in the
//! registry, all or none.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use ikd_server::error::Error;
use ikd_server::import::photos::{self, RegistryPhotoFile};
use ikd_server::import::{self, RowError};
use ikd_server::registry::{self, Provenance};
use serde_json::json;

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// CSV file with the header `nik,nomor_kk,hubungan,…,memiliki_ktp_el` (see README).
    #[arg(long, required_unless_present = "update")]
    csv: Option<PathBuf>,
    /// Folder of registry photos, one per resident named by NIK (`<NIK>.jpg`, `.jpeg` or
    /// `.png`). A resident without a file has no registry photo; none is ever made up.
    #[arg(long)]
    photos: Option<PathBuf>,
    /// Replace or add the photos in `--photos` for residents already in the registry.
    #[arg(long, requires = "photos", conflicts_with = "csv")]
    update: bool,
    #[command(flatten)]
    store: super::store::StoreArgs,
}

/// Prints the problems under `{"imported": 0}` or `{"updated": 0}`; exit 2.
fn refused(count_key: &str, errors: &[RowError]) -> anyhow::Result<ExitCode> {
    println!(
        "{}",
        serde_json::to_string_pretty(&json!({count_key: 0, "errors": errors}))?
    );
    Ok(ExitCode::from(2))
}

fn pairs(files: Vec<RegistryPhotoFile>) -> Vec<(ikd_core::Nik, Vec<u8>)> {
    files.into_iter().map(|p| (p.nik, p.jpeg)).collect()
}

pub async fn run(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let Some(csv) = &args.csv else {
        return update(&args).await;
    };
    let file = std::fs::File::open(csv).with_context(|| format!("opening {}", csv.display()))?;
    let (families, lines) = match import::parse_with_lines(std::io::BufReader::new(file)) {
        Ok(f) => f,
        Err(errors) => return refused("imported", &errors),
    };
    let found = match &args.photos {
        Some(dir) => match photos::read_dir(dir, Some(&lines)) {
            Ok(p) => pairs(p),
            Err(errors) => return refused("imported", &errors),
        },
        None => Vec::new(),
    };
    let db = args.store.open().await?;
    match registry::insert_families(&db, &families, Provenance::Imported(&found)).await {
        Ok(()) => {
            println!(
                "{}",
                json!({"imported": lines.len(), "families": families.len(),
                       "photos": found.len(), "without_photo": lines.len() - found.len()})
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(Error::Db(sqlx::Error::Database(e))) if e.is_unique_violation() => {
            println!(
                "{}",
                json!({"imported": 0, "errors": [{"line": null, "field": "nik", "code": "CSV_ALREADY_IN_REGISTRY",
                    "message": "Sebagian NIK atau nomor KK sudah ada di registri; tidak ada yang dimuat.",
                    "message_en": "Some NIKs or family card numbers are already in the registry; nothing was loaded."}]})
            );
            Ok(ExitCode::from(2))
        }
        Err(e) => Err(e).context("writing residents"),
    }
}

async fn update(args: &ImportArgs) -> anyhow::Result<ExitCode> {
    let dir = args
        .photos
        .as_ref()
        .context("--update needs --photos DIR")?;
    let files = match photos::read_dir(dir, None) {
        Ok(p) => p,
        Err(errors) => return refused("updated", &errors),
    };
    let names: Vec<(ikd_core::Nik, String)> = files
        .iter()
        .map(|p| (p.nik.clone(), p.file.clone()))
        .collect();
    let found = pairs(files);
    let db = args.store.open().await?;
    match registry::set_photos(&db, &found).await {
        Ok(()) => {
            println!("{}", json!({"updated": found.len()}));
            Ok(ExitCode::SUCCESS)
        }
        Err(Error::NotFound) => {
            let mut errors = Vec::new();
            for (nik, file) in &names {
                if registry::find(&db, nik).await?.is_none() {
                    errors.push(json!({"line": null, "field": "photo", "file": file,
                        "code": "PHOTO_UNKNOWN_NIK",
                        "message": "NIK pada nama berkas foto tidak ada di registri; tidak ada foto yang diperbarui.",
                        "message_en": "The NIK in the photo's file name is not in the registry; no photo was updated."}));
                }
            }
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({"updated": 0, "errors": errors}))?
            );
            Ok(ExitCode::from(2))
        }
        Err(e) => Err(e).context("writing photos"),
    }
}
