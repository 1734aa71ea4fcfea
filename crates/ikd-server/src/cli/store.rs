//! Where the service keeps its data, as the operator commands take it.

use std::path::PathBuf;

use anyhow::Context as _;
use ikd_server::db::Db;

#[derive(Debug, clap::Args)]
pub struct StoreArgs {
    /// Data directory (SQLite file, keys, mail outbox); created if missing.
    #[arg(
        long,
        env = "IKD_DATA_DIR",
        default_value = "./ikd-data",
        global = true
    )]
    pub data_dir: PathBuf,
    /// PostgreSQL URL; without it, SQLite in the data directory.
    #[arg(long, env = "IKD_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
}

impl StoreArgs {
    pub async fn open(&self) -> anyhow::Result<Db> {
        std::fs::create_dir_all(&self.data_dir).context("creating the data directory")?;
        Db::connect(self.database_url.as_deref(), &self.data_dir)
            .await
            .context("opening the database")
    }
}
