//! `ikd-server import --csv FILE`: all rows or none.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use ikd_server::error::Error;
use ikd_server::{import, registry};
use serde_json::json;

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// CSV file with the header `nik,nomor_kk,hubungan,…,memiliki_ktp_el` (see README).
    #[arg(long)]
    csv: PathBuf,
    #[command(flatten)]
    store: super::store::StoreArgs,
}

pub async fn run(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let file = std::fs::File::open(&args.csv)
        .with_context(|| format!("opening {}", args.csv.display()))?;
    let families = match import::parse(std::io::BufReader::new(file)) {
        Ok(f) => f,
        Err(errors) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&json!({"imported": 0, "errors": errors}))?
            );
            return Ok(ExitCode::from(2));
        }
    };
    let db = args.store.open().await?;
    match registry::insert_families(&db, &families).await {
        Ok(()) => {
            let residents: usize = families.iter().map(|f| f.members.len()).sum();
            println!(
                "{}",
                json!({"imported": residents, "families": families.len()})
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
