//! What the app may connect to, and how (OWASP MASVS v2.1 MASVS-NETWORK-1 and -2).
//!
//! - **Address**: the service address is fixed at build time for phone builds
//!   (`IKD_SERVICE_URL`, read by `option_env!`); a desktop build takes `IKD_API` as an
//!   override. Plain `http://` is allowed only to loopback (`localhost`, `127.0.0.0/8`,
//!   `::1`) and to the Android emulator's alias of its host, `10.0.2.2`; any other address
//!   must be `https://`. A refused address is never sent anything.
//! - **Pinning**: an `https://` connection is made only when the certificate chain is valid
//!   (Mozilla's roots from `webpki-roots`, plus any extra anchors) **and** one certificate of
//!   the validated path (leaf, intermediate or anchor) has a SubjectPublicKeyInfo whose
//!   SHA-256 is pinned, as Android's Network Security Config `<pin-set>` does. A build
//!   carries the pins of the service's CA or key, current plus a backup, in
//!   `IKD_SERVICE_PINS` (comma-separated base64 digests, the `<pin digest="SHA-256">` form).
//!   A build without pins connects to no `https://` address.
//!
//! Written here rather than taken from a library: rustls has no pin-set verifier, and
//! reqwest's certificate options cannot express "valid *and* pinned". The chain itself is
//! checked by rustls-webpki; this only adds the pin test on the path it built.

use std::net::IpAddr;
use std::sync::Arc;

use base64::Engine as _;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, TrustAnchor, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, OtherError, SignatureScheme};

/// The service a phone build talks to: `IKD_SERVICE_URL` when it was built (the build
/// recipe is in the README), else the local development service.
pub const BUILD_SERVICE_URL: &str = match option_env!("IKD_SERVICE_URL") {
    Some(url) => url,
    None => "http://127.0.0.1:8080",
};

/// The service this process talks to: on a desktop, `IKD_API` if set; else the built-in one.
pub fn service_url() -> String {
    #[cfg(not(feature = "mobile"))]
    if let Ok(url) = std::env::var("IKD_API") {
        return url;
    }
    BUILD_SERVICE_URL.to_owned()
}

/// Why an address is not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressRefusal {
    /// Not an `http(s)://host` URL.
    Unusable,
    /// `http://` to a host that is not this device.
    PlainHttp,
    /// `https://`, but this build carries no pinned key to check the service against.
    NoPins,
}

/// The pins and extra trust anchors of one client.
#[derive(Debug, Clone, Default)]
pub struct NetworkPolicy {
    /// SHA-256 digests of pinned SubjectPublicKeyInfo (DER), current plus backup.
    pub pins: Vec<[u8; 32]>,
    /// Trust anchors besides Mozilla's (a private CA of the service), DER certificates.
    pub extra_roots: Vec<Vec<u8>>,
}

impl NetworkPolicy {
    /// The pins this build carries (`IKD_SERVICE_PINS` at build time).
    pub fn from_build() -> Self {
        NetworkPolicy {
            pins: parse_pins(option_env!("IKD_SERVICE_PINS").unwrap_or_default()),
            extra_roots: Vec::new(),
        }
    }

    /// Whether `url` may be used, and whether it is TLS.
    pub fn check(&self, url: &str) -> Result<bool, AddressRefusal> {
        let url = reqwest::Url::parse(url).map_err(|_| AddressRefusal::Unusable)?;
        let host = url.host_str().ok_or(AddressRefusal::Unusable)?;
        match url.scheme() {
            "http" if is_this_device(host) => Ok(false),
            "http" => Err(AddressRefusal::PlainHttp),
            "https" if self.pins.is_empty() => Err(AddressRefusal::NoPins),
            "https" => Ok(true),
            _ => Err(AddressRefusal::Unusable),
        }
    }

    /// The TLS configuration that checks the chain and the pins.
    pub fn tls_config(&self) -> rustls::ClientConfig {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots: Vec<TrustAnchor<'static>> = webpki_roots::TLS_SERVER_ROOTS.to_vec();
        roots.extend(self.extra_roots.iter().filter_map(|der| {
            webpki::anchor_from_trusted_cert(&CertificateDer::from(der.as_slice()))
                .ok()
                .map(|a| a.to_owned())
        }));
        let verifier = PinnedVerifier {
            roots,
            pins: self.pins.clone(),
            provider: provider.clone(),
        };
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .expect("ring supports TLS 1.2 and 1.3")
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        // The client speaks HTTP/1.1 only (reqwest without http2).
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        config
    }
}

/// `base64,base64` → digests (entries that are not 32-byte base64 are dropped).
pub fn parse_pins(text: &str) -> Vec<[u8; 32]> {
    text.split(',')
        .filter_map(|p| {
            base64::engine::general_purpose::STANDARD
                .decode(p.trim())
                .ok()?
                .try_into()
                .ok()
        })
        .collect()
}

/// The pin of a DER certificate: SHA-256 of its SubjectPublicKeyInfo, or `None` when it
/// cannot be parsed.
pub fn pin_of_certificate(der: &[u8]) -> Option<[u8; 32]> {
    let cert = CertificateDer::from(der);
    let anchor = webpki::anchor_from_trusted_cert(&cert).ok()?;
    Some(ikd_core::crypto::sha256(
        webpki::spki_for_anchor(&anchor).as_ref(),
    ))
}

/// Loopback, or the Android emulator's alias of the computer it runs on.
fn is_this_device(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host == "10.0.2.2"
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// What a refused handshake says (found again in the error by [`is_pin_mismatch`]).
const PIN_MISMATCH: &str = "IKD_PIN_MISMATCH: no certificate of the chain has a pinned key";

struct PinMismatch;

// rustls shows the error inside its own with `Debug`: both say the marker.
impl std::fmt::Debug for PinMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(PIN_MISMATCH)
    }
}

impl std::fmt::Display for PinMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(PIN_MISMATCH)
    }
}

impl std::error::Error for PinMismatch {}

/// Whether a connection error (any wrapping of it) is a pin refusal.
pub fn is_pin_mismatch(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut e = Some(error);
    while let Some(err) = e {
        if err.to_string().contains(PIN_MISMATCH) {
            return true;
        }
        e = err.source();
    }
    false
}

#[derive(Debug)]
struct PinnedVerifier {
    roots: Vec<TrustAnchor<'static>>,
    pins: Vec<[u8; 32]>,
    provider: Arc<CryptoProvider>,
}

impl PinnedVerifier {
    fn pinned(&self, spki: &[u8]) -> bool {
        let digest = ikd_core::crypto::sha256(spki);
        self.pins.contains(&digest)
    }
}

impl ServerCertVerifier for PinnedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let other = |e: webpki::Error| {
            rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(e))))
        };
        let cert = webpki::EndEntityCert::try_from(end_entity).map_err(other)?;
        let unpinned = std::cell::Cell::new(false);
        // Called for each path that validates; refusing one makes webpki try the others.
        let pinned_path = |path: &webpki::VerifiedPath<'_>| {
            let anchor = webpki::spki_for_anchor(path.anchor());
            let any = self.pinned(path.end_entity().subject_public_key_info().as_ref())
                || path
                    .intermediate_certificates()
                    .any(|c| self.pinned(c.subject_public_key_info().as_ref()))
                || self.pinned(anchor.as_ref());
            if any {
                Ok(())
            } else {
                unpinned.set(true);
                Err(webpki::Error::UnknownIssuer)
            }
        };
        match cert.verify_for_usage(
            self.provider.signature_verification_algorithms.all,
            &self.roots,
            intermediates,
            now,
            webpki::KeyUsage::server_auth(),
            None,
            Some(&pinned_path),
        ) {
            Ok(_) => {}
            Err(_) if unpinned.get() => {
                return Err(rustls::Error::InvalidCertificate(CertificateError::Other(
                    OtherError(Arc::new(PinMismatch)),
                )));
            }
            Err(e) => return Err(other(e)),
        }
        cert.verify_is_valid_for_subject_name(server_name)
            .map_err(other)?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pinned() -> NetworkPolicy {
        NetworkPolicy {
            pins: vec![[7; 32]],
            extra_roots: vec![],
        }
    }

    #[test]
    fn plain_http_goes_only_to_this_device() {
        let p = pinned();
        for ok in [
            "http://127.0.0.1:8080",
            "http://localhost:8080",
            "http://[::1]:8080",
            "http://10.0.2.2:8080",
            "http://127.8.9.10",
        ] {
            assert_eq!(p.check(ok), Ok(false), "{ok}");
        }
        for no in [
            "http://dukcapil.example.id",
            "http://192.168.1.10:8080",
            "http://10.0.2.3",
            "http://localhost.evil.example",
        ] {
            assert_eq!(p.check(no), Err(AddressRefusal::PlainHttp), "{no}");
        }
        assert_eq!(p.check("https://ikd.example.id"), Ok(true));
        assert_eq!(
            p.check("ftp://ikd.example.id"),
            Err(AddressRefusal::Unusable)
        );
        assert_eq!(p.check("not a url"), Err(AddressRefusal::Unusable));
    }

    #[test]
    fn https_needs_a_build_with_pins() {
        assert_eq!(
            NetworkPolicy::default().check("https://ikd.example.id"),
            Err(AddressRefusal::NoPins)
        );
    }

    #[test]
    fn pins_are_base64_sha256_digests_and_anything_else_is_dropped() {
        let a = base64::engine::general_purpose::STANDARD.encode([1u8; 32]);
        let b = base64::engine::general_purpose::STANDARD.encode([2u8; 32]);
        assert_eq!(
            parse_pins(&format!("{a}, {b},,AAAA,%%")),
            vec![[1; 32], [2; 32]]
        );
        assert!(parse_pins("").is_empty());
    }
}
