//! TLS in the service: rustls with the *ring* provider, TLS 1.3 and 1.2 only (rustls has no
//! older version), ALPN h2 and http/1.1, a certificate chain and key from PEM files. The
//! files are read again on SIGHUP, so a renewed certificate is served without a restart;
//! a reload that fails (a half-written file, a key that does not match) is logged and the
//! certificate in use stays. OWASP ASVS v4 V9.1.
//!
//! axum-server does the accepting (a maintained crate with the rustls acceptor and the
//! hot reload this needs); this module builds its configuration.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum_server::tls_rustls::RustlsConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::{Error, Result};

/// The PEM files of the service's certificate chain (leaf first) and private key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

fn read(files: &TlsFiles) -> Result<rustls::ServerConfig> {
    let what =
        |p: &Path, e: &dyn std::fmt::Display| Error::internal(format!("TLS: {}: {e}", p.display()));
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&files.cert)
        .map_err(|e| what(&files.cert, &e))?
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| what(&files.cert, &e))?;
    if chain.is_empty() {
        return Err(what(&files.cert, &"no certificate in the file"));
    }
    let key = PrivateKeyDer::from_pem_file(&files.key).map_err(|e| what(&files.key, &e))?;
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
    .map_err(Error::internal)?
    .with_no_client_auth()
    // Checks that the key is the certificate's.
    .with_single_cert(chain, key)
    .map_err(|e| what(&files.key, &e))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// The acceptor's configuration, read from `files` (an error names the file and why).
pub async fn load(files: &TlsFiles) -> Result<RustlsConfig> {
    Ok(RustlsConfig::from_config(Arc::new(read(files)?)))
}

/// Reads `files` again into `config` on every SIGHUP, until the process ends.
pub fn reload_on_sighup(config: RustlsConfig, files: TlsFiles) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let Ok(mut hup) = signal(SignalKind::hangup()) else {
                tracing::error!(
                    "TLS: cannot listen for SIGHUP; certificates reload on restart only"
                );
                return;
            };
            while hup.recv().await.is_some() {
                match read(&files) {
                    Ok(c) => {
                        config.reload_from_config(Arc::new(c));
                        tracing::info!("TLS: certificate reloaded");
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "TLS: reload failed; the certificate in use stays");
                    }
                }
            }
        }
        #[cfg(not(unix))]
        drop((config, files));
    })
}

/// A throwaway PKI for tests (feature `test-hooks`, which only test builds turn on): a CA
/// made now and a server certificate it issued for `localhost` and `127.0.0.1`.
#[cfg(feature = "test-hooks")]
pub mod testing {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, SanType};

    #[derive(Debug)]
    pub struct TestPki {
        pub ca_pem: String,
        pub ca_der: Vec<u8>,
        pub cert_pem: String,
        pub key_pem: String,
    }

    /// Panics if rcgen cannot make the certificates (a test setup failure).
    #[allow(clippy::unwrap_used)]
    pub fn test_pki(name: &str) -> TestPki {
        let ca_key = KeyPair::generate().unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, format!("{name} test CA"));
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let key = KeyPair::generate().unwrap();
        let mut leaf = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        leaf.subject_alt_names
            .push(SanType::IpAddress([127, 0, 0, 1].into()));
        let cert = leaf.signed_by(&key, &ca_cert, &ca_key).unwrap();
        TestPki {
            ca_pem: ca_cert.pem(),
            ca_der: ca_cert.der().to_vec(),
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    }
}
