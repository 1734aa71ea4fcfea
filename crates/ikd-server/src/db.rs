//! Storage: SQLite by default (a file in the data directory, WAL), PostgreSQL when a
//! `postgres://` URL is given. One SQL text serves both through sqlx's `Any` driver
//! (`$1` placeholders work on both); the schema has one migration set per dialect.

use std::path::Path;
use std::str::FromStr;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};

static SQLITE: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub dialect: Dialect,
}

impl Db {
    /// Connects and runs the dialect's migrations. `url` `None` means the embedded default:
    /// `DATA_DIR/ikd.sqlite3`.
    pub async fn connect(url: Option<&str>, data_dir: &Path) -> Result<Db, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let url = match url {
            Some(u) => u.to_owned(),
            None => format!(
                "sqlite://{}?mode=rwc",
                data_dir.join("ikd.sqlite3").display()
            ),
        };
        let dialect = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Dialect::Postgres
        } else {
            Dialect::Sqlite
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(if dialect == Dialect::Sqlite { 8 } else { 16 })
            // Inside the 30 s request timeout, so a saturated pool is answered SERVICE_BUSY
            // (503, retry) rather than 408 (sqlx's default wait is the same 30 s).
            .acquire_timeout(std::time::Duration::from_secs(10))
            // sqlx pings a connection each time it leaves the pool: on SQLite one more
            // hand-off to the connection's thread per query (3 % of a verification's CPU,
            // perf), for a file connection that cannot drop. A PostgreSQL connection can
            // (a restart, a proxy), so it is still tested there.
            .test_before_acquire(dialect == Dialect::Postgres)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if dialect == Dialect::Sqlite {
                        // WAL: readers never block the writer; a crash loses no committed row.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA busy_timeout = 5000").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        match dialect {
            Dialect::Sqlite => SQLITE.run(&pool).await?,
            Dialect::Postgres => POSTGRES.run(&pool).await?,
        }
        Ok(Db { pool, dialect })
    }

    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }
}
