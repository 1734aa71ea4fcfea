//! The SMTP path against a real SMTP server process (Debian's python3-aiosmtpd).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::flow::*;
use crate::helpers::*;

struct SmtpSink {
    child: Child,
    port: u16,
}

impl SmtpSink {
    fn start() -> SmtpSink {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        // Debian's interpreter, where apt installs aiosmtpd (a pyenv python3 may shadow it).
        let child = Command::new("/usr/bin/python3")
            .args([
                "-u",
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect(
                "python3 -m aiosmtpd (apt python3-aiosmtpd, installed by scripts/install-deps.sh)",
            );
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "aiosmtpd did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        SmtpSink { child, port }
    }

    /// Reads what the server printed until a line holds the activation code.
    fn code(&mut self) -> (String, String) {
        let out = self.child.stdout.take().unwrap();
        let mut seen = String::new();
        for line in BufReader::new(out).lines() {
            let line = line.unwrap();
            seen.push_str(&line);
            seen.push('\n');
            if line.contains("Kode aktivasi: ") {
                return (code_in(&line), seen);
            }
        }
        panic!("no activation code in what the SMTP server received:\n{seen}");
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn the_activation_code_travels_over_smtp_when_a_relay_is_configured() {
    let mut sink = SmtpSink::start();
    let port = sink.port;
    let app = spawn_with(Backend::Sqlite, |c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"))
    })
    .await;
    let email = "warga.smtp@contoh.co.id";
    let phone = Phone::new();
    let reg = start_registration(&app, app.adult(0), &phone, email).await;
    approve(&app, &selfie(&app, &reg).await).await;
    let (code, received) = tokio::task::spawn_blocking(move || sink.code())
        .await
        .unwrap();
    assert!(received.contains(email), "sent to the registered address");
    assert!(
        !app.outbox().exists() || std::fs::read_dir(app.outbox()).unwrap().next().is_none(),
        "nothing in the outbox"
    );
    let (s, v) = activate(&app, &reg, &code).await;
    assert_eq!(s, 200, "{v}");
}
