//! Service configuration, from flags or environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Address and port to listen on.
    #[arg(long, env = "IKD_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Data directory: the SQLite file and the mail outbox. Created on first start.
    #[arg(long, env = "IKD_DATA_DIR", default_value = "./ikd-data")]
    pub data_dir: PathBuf,
    /// PostgreSQL URL (`postgres://user:pass@host/db`); without it, SQLite in the data dir.
    #[arg(long, env = "IKD_DATABASE_URL")]
    pub database_url: Option<String>,
    /// SMTP relay (`smtp://host:port`, `smtps://user:pass@host`); without it, activation
    /// emails are written as .eml files to DATA_DIR/outbox.
    #[arg(long, env = "IKD_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// Version of the terms and privacy policy the app must have shown.
    #[arg(long, env = "IKD_CONSENT_VERSION", default_value = "2026-01")]
    pub consent_version: String,
    /// Reverse proxies / load balancers in front of the service (addresses or blocks,
    /// comma-separated, e.g. `10.0.0.0/8`): only from these is `X-Forwarded-For` believed,
    /// for the per-address rate limits.
    #[arg(long, env = "IKD_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<crate::proxy::IpBlock>,
}

impl Config {
    /// A configuration for tests and the demo: port 0 on loopback, the given data dir.
    pub fn local(data_dir: PathBuf) -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir,
            database_url: None,
            smtp_url: None,
            consent_version: "2026-01".into(),
            trusted_proxies: Vec::new(),
        }
    }

    pub fn outbox(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }
}
