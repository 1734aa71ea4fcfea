//! The app and the network (MASVS-NETWORK-1/2): the app's `ApiClient` against the real
//! service serving TLS with certificates from test CAs made here: it connects when the
//! chain has a pinned key, refuses another CA's certificate even when the device trusts
//! that CA, and sends nothing over plain HTTP to a host that is not this device. A busy
//! service's answer is sent again after the wait it asks for.
#![allow(clippy::unwrap_used)] // a failure is a test failure

use ikd::api::{ApiClient, ClientError};
use ikd::network::{AddressRefusal, NetworkPolicy, pin_of_certificate};
use ikd_core::Lang;
use ikd_server::tls::testing::{TestPki, test_pki};

/// The service over TLS with `pki`'s certificate; its `https://127.0.0.1:PORT`.
async fn tls_service(pki: &TestPki) -> (String, ikd_server::Running, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, &pki.cert_pem).unwrap();
    std::fs::write(&key, &pki.key_pem).unwrap();
    let mut config = ikd_server::Config::local(dir.path().join("service"));
    config.tls_cert = Some(cert);
    config.tls_key = Some(key);
    let state = ikd_server::AppState::new(config).await.unwrap();
    let running = ikd_server::spawn(state, std::future::pending())
        .await
        .unwrap();
    (format!("https://{}", running.addr), running, dir)
}

fn policy(pinned: &TestPki, trusted: &[&TestPki]) -> NetworkPolicy {
    NetworkPolicy {
        pins: vec![pin_of_certificate(&pinned.ca_der).unwrap()],
        extra_roots: trusted.iter().map(|p| p.ca_der.clone()).collect(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_app_talks_to_the_service_whose_ca_it_pins() {
    let dukcapil = test_pki("dukcapil");
    let (url, _service, _dir) = tls_service(&dukcapil).await;
    let api = ApiClient::with_policy(&url, &policy(&dukcapil, &[&dukcapil]));
    let keys = api.keys().await.expect("a pinned chain connects");
    assert!(!keys.issuers.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_certificate_from_another_ca_is_refused_even_one_the_device_trusts() {
    let (dukcapil, interceptor) = (test_pki("dukcapil"), test_pki("interceptor"));
    let (url, _service, _dir) = tls_service(&interceptor).await;
    // Both CAs are trust anchors (a CA the user or an MDM installed, say); only the pin
    // tells them apart.
    let api = ApiClient::with_policy(&url, &policy(&dukcapil, &[&dukcapil, &interceptor]));
    let err = api.keys().await.unwrap_err();
    assert_eq!(err, ClientError::PinMismatch);
    assert_eq!(err.code(), "TLS_PIN_MISMATCH");
    assert!(err.message(Lang::Id).contains("kunci Dukcapil"));
    assert!(!err.retryable());
    // The control: the same chain with its own CA pinned connects.
    let api = ApiClient::with_policy(&url, &policy(&interceptor, &[&interceptor]));
    assert!(api.keys().await.is_ok());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_certificate_no_trusted_ca_issued_is_refused_even_when_pinned() {
    let dukcapil = test_pki("dukcapil");
    let (url, _service, _dir) = tls_service(&dukcapil).await;
    // Pinned, but not a trust anchor: a pin adds to chain validation, never replaces it.
    let api = ApiClient::with_policy(&url, &policy(&dukcapil, &[]));
    assert!(matches!(api.keys().await, Err(ClientError::Network(_))));
}

#[tokio::test(flavor = "multi_thread")]
async fn plain_http_to_a_host_that_is_not_this_device_is_refused_before_anything_is_sent() {
    let dukcapil = test_pki("dukcapil");
    let pinned = policy(&dukcapil, &[&dukcapil]);
    // An address that does not resolve: a client that tried would fail with a network
    // error, not this refusal.
    for url in ["http://ikd.dukcapil.invalid", "http://192.0.2.10:8080"] {
        let err = ApiClient::with_policy(url, &pinned)
            .keys()
            .await
            .unwrap_err();
        assert_eq!(
            err,
            ClientError::Insecure(AddressRefusal::PlainHttp),
            "{url}"
        );
        assert!(err.message(Lang::En).contains("nothing was sent"));
    }
    // A build without pins talks to no https address.
    let err = ApiClient::with_policy("https://ikd.dukcapil.invalid", &NetworkPolicy::default())
        .keys()
        .await
        .unwrap_err();
    assert_eq!(err, ClientError::Insecure(AddressRefusal::NoPins));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_busy_service_is_asked_again_after_its_retry_after_without_the_citizen_tapping() {
    let dir = tempfile::tempdir().unwrap();
    let state = ikd_server::AppState::new(ikd_server::Config::local(dir.path().to_path_buf()))
        .await
        .unwrap();
    let running = ikd_server::spawn(state, std::future::pending())
        .await
        .unwrap();
    // Every CPU permit taken for 11 s: the first sign-in waits the service's 10 s and is
    // answered SERVICE_BUSY with Retry-After 2; the one sent 2 s later gets a permit.
    let cpu = running.state.cpu.clone();
    let held = cpu
        .clone()
        .acquire_many_owned(u32::try_from(cpu.available_permits()).unwrap())
        .await
        .unwrap();
    tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_secs(11)).await;
        drop(held);
    });
    let api = ApiClient::new(&format!("http://{}", running.addr));
    let started = std::time::Instant::now();
    let login = ikd::api::LoginBody {
        nik: "3171011708850003",
        pin: "135790",
        challenge_id: "no-such-challenge",
        device_signature: "AAAA",
    };
    let err = api.login(&login).await.unwrap_err();
    // The answer of the request sent again: past the permit, refused for its challenge.
    assert_eq!(err.code(), "LOGIN_CHALLENGE_INVALID", "{err:?}");
    let took = started.elapsed().as_secs_f64();
    assert!(took >= 12.0, "answered after {took:.1} s: not sent again");
    // Still busy after every resend (three times 10 s here), the citizen is told, with a
    // retry button.
    let busy = ClientError::Refused(ikd_core::ErrorBody {
        code: "SERVICE_BUSY".into(),
        message: "Layanan sedang sibuk. Coba lagi dalam beberapa detik.".into(),
        message_en: "The service is busy. Try again in a few seconds.".into(),
    });
    assert!(busy.retryable());
}
