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
    /// The address citizens reach the service at (`https://ikd.example.go.id`), for links
    /// in emails (the cancel link of a Lupa PIN that waits). Without it: `http://LISTEN`.
    #[arg(long, env = "IKD_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Version of the terms and privacy policy the app must have shown.
    #[arg(long, env = "IKD_CONSENT_VERSION", default_value = "2026-01")]
    pub consent_version: String,
    /// Reverse proxies / load balancers in front of the service (addresses or blocks,
    /// comma-separated, e.g. `10.0.0.0/8`): only from these is `X-Forwarded-For` believed,
    /// for the per-address rate limits.
    #[arg(long, env = "IKD_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<crate::proxy::IpBlock>,
    /// TLS in the service: the certificate chain, PEM, leaf first (with `--tls-key`). Read
    /// again on SIGHUP. Without TLS the service speaks plain HTTP, which it does only on a
    /// loopback address or behind the declared `--trusted-proxies`.
    #[arg(long, env = "IKD_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key of `--tls-cert`, PEM (PKCS#8, PKCS#1 or SEC1).
    #[arg(long, env = "IKD_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
}

impl Config {
    /// A configuration for tests and the demo: port 0 on loopback, the given data dir.
    pub fn local(data_dir: PathBuf) -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir,
            database_url: None,
            smtp_url: None,
            public_url: None,
            consent_version: "2026-01".into(),
            trusted_proxies: Vec::new(),
            tls_cert: None,
            tls_key: None,
        }
    }

    /// Where links in emails point: `--public-url` without a trailing slash, or
    /// `http://LISTEN`.
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.listen),
        }
    }

    /// The TLS files, when the service terminates TLS itself.
    pub fn tls(&self) -> Option<crate::tls::TlsFiles> {
        Some(crate::tls::TlsFiles {
            cert: self.tls_cert.clone()?,
            key: self.tls_key.clone()?,
        })
    }

    /// Plain HTTP is served only on loopback, or to the reverse proxies the operator
    /// declared (which terminate TLS): a citizen's PIN never crosses a network in clear
    /// because of a forgotten flag. The error says what to do.
    pub fn check_transport(&self) -> Result<(), String> {
        if self.tls().is_some()
            || self.listen.ip().is_loopback()
            || !self.trusted_proxies.is_empty()
        {
            return Ok(());
        }
        Err(format!(
            "refusing plain HTTP on {}: give --tls-cert and --tls-key, or listen on loopback, \
             or name the TLS-terminating reverse proxy with --trusted-proxies",
            self.listen
        ))
    }

    pub fn outbox(&self) -> PathBuf {
        self.data_dir.join("outbox")
    }
}
