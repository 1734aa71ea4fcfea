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
        SmtpSink::on(free_port())
    }

    fn on(port: u16) -> SmtpSink {
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
        let (line, seen) = self.until("Kode aktivasi: ");
        (code_in(&line), seen)
    }

    /// Reads what the server printed until a line holds `needle`: that line and all read.
    fn until(&mut self, needle: &str) -> (String, String) {
        let out = self.child.stdout.take().unwrap();
        let mut seen = String::new();
        let mut lines = BufReader::new(out).lines();
        while let Some(line) = lines.next() {
            let line = line.unwrap();
            seen.push_str(&line);
            seen.push('\n');
            if line.contains(needle) {
                // The rest is still read: a closed pipe would fail the server's print of the
                // message, and it would answer the DATA with 500.
                std::thread::spawn(move || lines.for_each(drop));
                return (line, seen);
            }
        }
        panic!("no {needle:?} in what the SMTP server received:\n{seen}");
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

#[tokio::test]
async fn a_security_notice_the_relay_cannot_take_waits_in_the_queue_and_goes_out_when_it_is_back() {
    let mut app = spawn_app(Backend::Sqlite).await;
    let phone = Phone::new();
    let r = app.adult(0).clone();
    let email = "warga.antrean@contoh.id";
    let session = onboard(&app, &r, &phone, email, "902417").await;
    // The relay is down: nothing listens on its port.
    let port = free_port();
    app.config.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
    let app = app.restart().await;
    let (s, v) = app
        .post(
            "/me/pin",
            serde_json::json!({"old_pin": "902417", "new_pin": "913580"}),
            Some(&session),
        )
        .await;
    assert_eq!(s, 204, "the change stands without its mail: {v}");
    let db = &app.running.state.db.pool;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        // A try counts once its failure is recorded (the claim released), not when claimed.
        let tried: Option<(i64, i64, i64)> = sqlx::query_as(
            "SELECT attempts, next_at, claimed_until FROM mail_queue WHERE kind = 'pin_changed'",
        )
        .fetch_optional(db)
        .await
        .unwrap();
        if let Some((attempts, next_at, _)) = tried.filter(|(a, _, c)| *a >= 1 && *c == 0) {
            assert!(
                next_at > ikd_server::error::now(),
                "tried again later, not at once ({attempts} tries)"
            );
            break;
        }
        assert!(Instant::now() < deadline, "the notice was never tried");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // The relay is back and the wait is over (moved, not slept): the next look sends it.
    let mut sink = SmtpSink::on(port);
    sqlx::query("UPDATE mail_queue SET next_at = 0")
        .execute(db)
        .await
        .unwrap();
    // The sink comes back out of the closure: dropped there, it would be killed before it
    // answers the DATA it just printed, and the send would fail.
    let (_sink, (_, received)) = tokio::task::spawn_blocking(move || {
        let seen = sink.until("PIN IKD diubah");
        (sink, seen)
    })
    .await
    .unwrap();
    assert!(received.contains(email), "sent to the registered address");
    let deadline = Instant::now() + Duration::from_secs(10);
    while sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM mail_queue")
        .fetch_one(db)
        .await
        .unwrap()
        > 0
    {
        if Instant::now() >= deadline {
            let left: Vec<(i64, i64, i64)> =
                sqlx::query_as("SELECT attempts, next_at, claimed_until FROM mail_queue")
                    .fetch_all(db)
                    .await
                    .unwrap();
            panic!("a sent notice leaves the queue: {left:?} (attempts, next_at, claimed_until)");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
