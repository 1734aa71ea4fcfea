//! TLS in the service, as an operator runs it: `ikd-server serve --tls-cert --tls-key` as a
//! process, certificates from test CAs made here (rcgen), a renewal picked up on SIGHUP, and
//! plain HTTP refused on a non-loopback address.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use ikd_server::tls::testing::{TestPki, test_pki};

fn write_pki(dir: &Path, pki: &TestPki) {
    // Written beside and renamed, as certbot and friends do: a reload never sees half a file.
    for (name, text) in [("cert.pem", &pki.cert_pem), ("key.pem", &pki.key_pem)] {
        let tmp = dir.join(format!("{name}.new"));
        std::fs::write(&tmp, text).unwrap();
        std::fs::rename(&tmp, dir.join(name)).unwrap();
    }
}

struct Served {
    child: Child,
    url: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `ikd-server serve` with `args`; the URL it prints once listening.
fn serve(data: &Path, args: &[&str]) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ikd-server"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .args(args)
        .env("IKD_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .rsplit(' ')
        .next()
        .unwrap_or_default()
        .to_owned();
    assert!(url.starts_with("https://"), "printed: {line:?}");
    Served { child, url }
}

fn client_trusting(ca_der: &[u8]) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_der(ca_der).unwrap())
        .use_rustls_tls()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_service_serves_tls_from_one_flag_and_picks_up_a_renewed_certificate_on_sighup() {
    let dir = tempfile::tempdir().unwrap();
    let (first, renewed) = (test_pki("first"), test_pki("renewed"));
    write_pki(dir.path(), &first);
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    let served = serve(
        &dir.path().join("data"),
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    );
    let health = format!("{}/healthz", served.url);
    let res = client_trusting(&first.ca_der)
        .get(&health)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains",
        "HSTS over TLS"
    );
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert!(
        client_trusting(&renewed.ca_der)
            .get(&health)
            .send()
            .await
            .is_err(),
        "the renewal is not served before the signal"
    );

    // A half-done renewal (a key that is not the certificate's) is refused; the old one stays.
    std::fs::write(&key, &renewed.key_pem).unwrap();
    hup(&served);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let res = client_trusting(&first.ca_der).get(&health).send().await;
    assert_eq!(res.unwrap().status(), 200, "still the first certificate");

    write_pki(dir.path(), &renewed);
    hup(&served);
    let mut served_renewal = false;
    for _ in 0..50 {
        if let Ok(r) = client_trusting(&renewed.ca_der).get(&health).send().await {
            served_renewal = r.status() == 200;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        served_renewal,
        "the renewed certificate is served after SIGHUP"
    );
    assert!(
        client_trusting(&first.ca_der)
            .get(&health)
            .send()
            .await
            .is_err(),
        "and the old one no more"
    );
}

fn hup(served: &Served) {
    let ok = Command::new("kill")
        .args(["-HUP", &served.child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

#[test]
fn plain_http_on_a_non_loopback_address_is_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ikd-server"))
        .args(["serve", "--listen", "0.0.0.0:0", "--data-dir"])
        .arg(dir.path())
        .env("IKD_LOG", "error")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("refusing plain HTTP"), "{err}");
    assert!(
        err.contains("--tls-cert") && err.contains("--trusted-proxies"),
        "{err}"
    );
}
