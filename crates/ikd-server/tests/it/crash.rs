//! Crash consistency (issue 16, first part): the real `ikd-server serve` as a child process
//! on SQLite and on PostgreSQL, killed with SIGKILL while a step that writes is in flight
//! (at a random moment of it), restarted on the same data; then the invariants are checked
//! and the citizen finishes the step, as the app would, with the messages it would show.
//!
//! `IKD_CRASH_KILLS` kills per backend (the test command runs a few;
//! `scripts/crash.sh` runs hundreds), `IKD_CRASH_SEED` picks the moments.
//!
//! The mail is sent before the approval commits (officer.rs): a kill between the two leaves
//! a mailed code that was never stored. That code opens nothing (only its hash in the
//! committed row would), the registration still waits for the officer, and the next
//! approval mails a new code; the mail says only the latest code is valid.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use ikd_core::wire::{Credential, Profile, present};
use ikd_server::registry::ResidentRecord;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::helpers::*;

/// `ikd-server serve` in its own process, on the test app's data directory and database.
struct Service {
    child: Child,
    _stdout: BufReader<ChildStdout>,
    base: String,
}

impl Service {
    fn start(app: &TestApp) -> Service {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ikd-server"));
        cmd.arg("serve")
            .arg("--data-dir")
            .arg(&app.config.data_dir)
            .args(["--listen", "127.0.0.1:0"])
            // Each citizen's requests carry its own address (X-Forwarded-For), as behind
            // the operator's proxy, so per-address limits count per citizen.
            .args(["--trusted-proxies", "127.0.0.1"])
            .env("IKD_TEST_HOOKS", "1")
            .env("IKD_LOG", "error")
            .env_remove("IKD_DATABASE_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(url) = &app.config.database_url {
            cmd.args(["--database-url", url]);
        }
        let mut child = cmd.spawn().expect("ikd-server serve");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        let base = loop {
            line.clear();
            assert!(
                out.read_line(&mut line).unwrap() > 0,
                "the service exited before listening"
            );
            if let Some(url) = line.trim().strip_prefix("IKD service listening on ") {
                break format!("{url}/api/v1");
            }
        };
        Service {
            child,
            _stdout: out,
            base,
        }
    }

    /// SIGKILL: no shutdown, no flush, no destructor.
    fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP call to the child; `None` when the connection died with it.
async fn call(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    body: Option<Value>,
    bearer: Option<String>,
) -> Option<(u16, Value)> {
    let mut req = http.request(method, url).timeout(Duration::from_secs(30));
    if let Some(b) = body {
        req = req.json(&b);
    }
    if let Some(t) = bearer {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.ok()?;
    let status = res.status().as_u16();
    let text = res.text().await.ok()?;
    Some((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

/// The steps that write, in the order a citizen meets them.
const STEPS: [Step; 10] = [
    Step::Start,
    Step::Selfie,
    Step::Approve,
    Step::Activate,
    Step::SetPin,
    Step::Login,
    Step::WrongPin,
    Step::Verify,
    Step::ChangePin,
    Step::Release,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Step {
    Start,
    Selfie,
    Approve,
    Activate,
    SetPin,
    Login,
    WrongPin,
    Verify,
    ChangePin,
    Release,
}

/// What answered requests reported done: it must all be in the database after a kill.
#[derive(Default)]
struct Answered {
    registrations: Vec<String>,
    approved: Vec<String>,
    /// NIK → the device key an answered activation bound (until an answered release).
    bound: HashMap<String, Vec<u8>>,
    /// QRs answered valid: refused as replayed from then on.
    verified: Vec<String>,
    /// NIK → wrong PINs answered since the last answered right one.
    wrong_pins: HashMap<String, i64>,
}

/// One citizen going through the flow, step by step.
struct Citizen {
    resident: ResidentRecord,
    phone: Phone,
    email: String,
    pin: String,
    reg: Option<Registration>,
    qr: Option<String>,
    setup: Option<String>,
    session: Option<Value>,
    /// Steps after the first login, done once each per round.
    guessed: bool,
    verified: bool,
    changed: bool,
    next: Step,
}

impl Citizen {
    fn new(resident: ResidentRecord, n: usize) -> Citizen {
        Citizen {
            resident,
            phone: Phone::new(),
            email: format!("crash{n}@contoh.id"),
            pin: "135790".into(),
            reg: None,
            qr: None,
            setup: None,
            session: None,
            guessed: false,
            verified: false,
            changed: false,
            next: Step::Start,
        }
    }

    fn nik(&self) -> String {
        self.resident.ktp.nik.as_str().to_owned()
    }

    /// After a sign-in: the first of the signed-in steps not done yet.
    fn signed_in_next(&self) -> Step {
        if !self.guessed {
            Step::WrongPin
        } else if !self.verified {
            Step::Verify
        } else if !self.changed {
            Step::ChangePin
        } else {
            Step::Release
        }
    }
}

struct Harness<'a> {
    app: &'a TestApp,
    service: Service,
    http: reqwest::Client,
    officer: Option<String>,
    answered: Answered,
    /// How long each step took when not killed: the kill lands within it.
    took: HashMap<Step, Duration>,
}

impl Harness<'_> {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.service.base)
    }

    async fn post(&self, path: &str, body: Value, bearer: Option<&str>) -> (u16, Value) {
        call(
            &self.http,
            reqwest::Method::POST,
            self.url(path),
            Some(body),
            bearer.map(str::to_owned),
        )
        .await
        .expect("the service answers")
    }

    async fn officer(&mut self) -> String {
        if self.officer.is_none() {
            let (s, v) = self
                .post(
                    "/officer/login",
                    json!({"username": OFFICER.0, "password": OFFICER.1}),
                    None,
                )
                .await;
            assert_eq!(s, 200, "{v}");
            self.officer = Some(v["token"].as_str().unwrap().to_owned());
        }
        self.officer.clone().unwrap()
    }

    async fn captcha(&self) -> (String, String) {
        let (s, v) = self.post("/captcha", json!({}), None).await;
        assert_eq!(s, 200, "{v}");
        let id = v["captcha_id"].as_str().unwrap().to_owned();
        let answer = self
            .http
            .get(self.url(&format!("/test-hooks/captcha/{id}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        (id, answer)
    }

    /// The newest activation mail to `email`: the code in it.
    fn latest_code(&self, email: &str) -> String {
        let mut newest: Option<(std::time::SystemTime, String)> = None;
        for e in std::fs::read_dir(self.app.outbox()).unwrap() {
            let e = e.unwrap();
            let text = std::fs::read_to_string(e.path()).unwrap();
            let at = e.metadata().unwrap().modified().unwrap();
            if text.contains(email)
                && text.contains(crate::helpers::ACTIVATION_LINE)
                && newest.as_ref().is_none_or(|(t, _)| at >= *t)
            {
                newest = Some((at, code_in(&text)));
            }
        }
        newest.expect("an activation mail").1
    }

    async fn challenge_body(&self, c: &Citizen, pin: &str) -> Value {
        let (s, ch) = self.post("/login/challenge", json!({}), None).await;
        assert_eq!(s, 200, "{ch}");
        let sig = c.phone.sign_challenge(ch["challenge"].as_str().unwrap());
        json!({"nik": c.nik(), "pin": pin, "challenge_id": ch["challenge_id"], "device_signature": sig})
    }

    /// The request of `c`'s next step (what is prepared before it is cheap and not killed).
    async fn request(
        &mut self,
        c: &Citizen,
    ) -> (reqwest::Method, String, Option<Value>, Option<String>) {
        use reqwest::Method;
        let token = || {
            c.session
                .as_ref()
                .map(|s| s["token"].as_str().unwrap().to_owned())
        };
        match c.next {
            Step::Start => (
                Method::POST,
                "/registrations".into(),
                Some(start_body(&c.resident, &c.phone, &c.email)),
                None,
            ),
            Step::Selfie => {
                let reg = c.reg.as_ref().unwrap();
                (
                    Method::PUT,
                    format!("/registrations/{}/selfie", reg.id),
                    None,
                    Some(reg.secret.clone()),
                )
            }
            Step::Approve => (
                Method::POST,
                "/officer/decision".into(),
                Some(json!({"qr": c.qr, "approve": true})),
                Some(self.officer().await),
            ),
            Step::Activate => {
                let (cid, answer) = self.captcha().await;
                let code = self.latest_code(&c.email);
                (
                    Method::POST,
                    "/activate".into(),
                    Some(
                        json!({"registration_id": c.reg.as_ref().unwrap().id, "code": code,
                                "captcha_id": cid, "captcha_answer": answer}),
                    ),
                    None,
                )
            }
            Step::SetPin => (
                Method::POST,
                "/pin".into(),
                Some(json!({"setup_token": c.setup, "pin": c.pin})),
                None,
            ),
            Step::Login => (
                Method::POST,
                "/login".into(),
                Some(self.challenge_body(c, &c.pin).await),
                None,
            ),
            Step::WrongPin => (
                Method::POST,
                "/login".into(),
                Some(self.challenge_body(c, "975310").await),
                None,
            ),
            Step::Verify => (
                Method::POST,
                "/verify".into(),
                Some(json!({"qr": self.identity_qr(c).await})),
                Some(self.officer().await),
            ),
            Step::ChangePin => (
                Method::POST,
                "/me/pin".into(),
                Some(json!({"old_pin": c.pin, "new_pin": other_pin(&c.pin)})),
                token(),
            ),
            Step::Release => (
                Method::POST,
                "/me/device/release".into(),
                Some(json!({})),
                token(),
            ),
        }
    }

    async fn identity_qr(&self, c: &Citizen) -> String {
        let keys: ikd_core::crypto::KeySet = self
            .http
            .get(
                self.service
                    .base
                    .replace("/api/v1", "/.well-known/ikd-keys"),
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = c.session.as_ref().unwrap();
        let bytes =
            ikd_server::security::from_b64u(session["credential"].as_str().unwrap()).unwrap();
        let cred = Credential::from_cbor(&bytes).unwrap();
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        present(
            &cred,
            &c.phone.key,
            Profile::Minimal,
            &keys.verifiers[0],
            now,
        )
        .unwrap()
    }

    /// Sends `c`'s next step; kills the service at a random moment within the step's
    /// usual time when `kill` is given; returns the answer if one came.
    async fn step(
        &mut self,
        c: &Citizen,
        kill: Option<&mut StdRng>,
    ) -> (Option<Value>, Option<(u16, Value)>) {
        let (method, path, body, bearer) = self.request(c).await;
        let sent = body.clone();
        let http = self.http.clone();
        let url = self.url(&path);
        let selfie = (c.next == Step::Selfie).then(|| face("one-face-astronaut.jpg"));
        let started = Instant::now();
        let task = tokio::spawn(async move {
            match selfie {
                Some(bytes) => {
                    let res = http
                        .put(url)
                        .bearer_auth(bearer.unwrap())
                        .header("content-type", "image/jpeg")
                        .body(bytes)
                        .send()
                        .await
                        .ok()?;
                    let s = res.status().as_u16();
                    Some((s, res.json::<Value>().await.ok()?))
                }
                None => call(&http, method, url, body, bearer).await,
            }
        });
        if let Some(rng) = kill {
            let usual = self
                .took
                .get(&c.next)
                .copied()
                .unwrap_or(Duration::from_millis(20));
            let at = usual.mul_f64(rng.random_range(0.0..1.3));
            tokio::time::sleep(at).await;
            self.service.kill();
            let answer = task.await.unwrap();
            self.service = Service::start(self.app);
            (sent, answer)
        } else {
            let answer = task.await.unwrap();
            self.took.insert(c.next, started.elapsed());
            (sent, answer)
        }
    }

    /// Records what an answer reported done and moves the citizen on; `None` (no answer)
    /// leaves the step to be done again, as the app does after a network error.
    fn advance(&mut self, c: &mut Citizen, answer: Option<(u16, Value)>) {
        let nik = c.nik();
        let Some((s, v)) = answer else {
            // Not answered: it may or may not have been done, so what it would change is
            // no longer known (until the citizen's retry tells).
            match c.next {
                Step::Release => {
                    self.answered.bound.remove(&nik);
                }
                Step::Login | Step::ChangePin => {
                    self.answered.wrong_pins.remove(&nik);
                }
                // A wrong PIN is not tried again: the kill may have counted it.
                Step::WrongPin => {
                    c.guessed = true;
                    c.next = Step::Login;
                }
                _ => {}
            }
            return;
        };
        match (c.next, s, v["error"]["code"].as_str()) {
            (Step::Start, 201, _) => {
                let id = v["registration_id"].as_str().unwrap().to_owned();
                self.answered.registrations.push(id.clone());
                c.reg = Some(Registration {
                    id,
                    secret: v["secret"].as_str().unwrap().to_owned(),
                });
                c.next = Step::Selfie;
            }
            (Step::Selfie, 200, _) => {
                assert_eq!(v["accepted"], true, "{v}");
                c.qr = Some(v["registration_qr"].as_str().unwrap().to_owned());
                c.next = Step::Approve;
            }
            (Step::Approve, 204, _) => {
                self.answered
                    .approved
                    .push(c.reg.as_ref().unwrap().id.clone());
                c.next = Step::Activate;
            }
            // Approved by the killed request: the app sees it in the status.
            (Step::Approve, 409, Some("REGISTRATION_ALREADY_DECIDED")) => {
                c.next = Step::Activate;
            }
            (Step::Activate, 200, _) => {
                self.answered
                    .bound
                    .insert(nik, c.phone.key.public().sec1().to_vec());
                c.setup = Some(v["setup_token"].as_str().unwrap().to_owned());
                c.next = Step::SetPin;
            }
            (Step::SetPin, 204, _) => c.next = Step::Login,
            // Set by the killed request (its setup token went with it): sign in.
            (Step::SetPin, 401, Some("UNAUTHORIZED")) => c.next = Step::Login,
            (Step::Login, 200, _) => {
                self.answered.wrong_pins.remove(&nik);
                c.session = Some(v);
                c.next = c.signed_in_next();
            }
            (Step::WrongPin, 401, Some("PIN_WRONG")) => {
                *self.answered.wrong_pins.entry(nik).or_default() += 1;
                c.guessed = true;
                c.next = Step::Login;
            }
            // A verification the killed service wrote but did not answer is refused as a
            // replay; the verifier asks for a new QR (built anew for each request).
            (Step::Verify, 200, _) => {
                assert!(
                    v["valid"] == true || v["error"]["code"] == "QR_REPLAYED",
                    "{v}"
                );
                if v["valid"] == true {
                    c.verified = true;
                    c.next = Step::ChangePin;
                }
            }
            (Step::ChangePin, 204, _) => {
                c.pin = other_pin(&c.pin);
                c.changed = true;
                c.next = Step::Release;
            }
            // Changed by the killed request: the new PIN opens the account.
            (Step::ChangePin, 401, Some("PIN_WRONG")) => {
                c.pin = other_pin(&c.pin);
                *self.answered.wrong_pins.entry(nik).or_default() += 1;
                c.changed = true;
                c.next = Step::Login;
            }
            (Step::Release, 204, _) => {
                self.answered.bound.remove(&nik);
                c.session = None;
                c.next = Step::Start;
            }
            // Released by the killed request: the session went with the device.
            (Step::Release, 401, Some("UNAUTHORIZED")) => {
                self.answered.bound.remove(&nik);
                c.session = None;
                c.next = Step::Start;
            }
            (step, s, _) => panic!("{step:?}: unexpected answer {s} {v}"),
        }
    }

    /// Every invariant, read straight from the database.
    async fn check(&self) {
        let db = &self.app.running.state.db.pool;
        let count = |sql: &'static str| async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(db)
                .await
                .unwrap()
        };
        assert_eq!(
            count("SELECT COUNT(*) FROM registrations r WHERE state = 'approved' AND NOT EXISTS (SELECT 1 FROM activation_codes c WHERE c.registration_id = r.id)").await,
            0,
            "an approval without its code"
        );
        assert_eq!(
            count("SELECT COUNT(*) FROM activation_codes c JOIN registrations r ON r.id = c.registration_id WHERE r.state = 'awaiting_officer'").await,
            0,
            "a code for a registration not approved"
        );
        assert_eq!(
            count("SELECT COUNT(*) FROM registrations r WHERE state = 'activated' AND NOT EXISTS (SELECT 1 FROM activation_codes c WHERE c.registration_id = r.id AND c.used = 1)").await,
            0,
            "an activation whose code is not used up"
        );
        assert_eq!(
            count("SELECT COUNT(*) FROM accounts a WHERE device_key IS NOT NULL AND NOT EXISTS (SELECT 1 FROM registrations r WHERE r.nik = a.nik AND r.state = 'activated' AND r.device_key = a.device_key)").await,
            0,
            "a device bound without its activation"
        );
        assert_eq!(
            count("SELECT COUNT(*) FROM accounts a WHERE device_key IS NULL AND NOT EXISTS (SELECT 1 FROM access_log l WHERE l.nik = a.nik AND l.kind = 'device_released')").await,
            0,
            "an account without a device that was never released"
        );
        assert_eq!(
            count("SELECT COUNT(*) FROM (SELECT nik FROM registrations WHERE state IN ('awaiting_selfie', 'awaiting_officer', 'approved') GROUP BY nik HAVING COUNT(*) > 1) d").await,
            0,
            "two open registrations of one NIK"
        );
        for id in &self.answered.registrations {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM registrations WHERE id = $1")
                .bind(id)
                .fetch_one(db)
                .await
                .unwrap();
            assert_eq!(n, 1, "an answered registration is kept");
        }
        for id in &self.answered.approved {
            let state: String = sqlx::query_scalar("SELECT state FROM registrations WHERE id = $1")
                .bind(id)
                .fetch_one(db)
                .await
                .unwrap();
            assert!(state == "approved" || state == "activated", "{state}");
        }
        for (nik, key) in &self.answered.bound {
            let bound: Option<Vec<u8>> =
                sqlx::query_scalar("SELECT device_key FROM accounts WHERE nik = $1")
                    .bind(nik)
                    .fetch_one(db)
                    .await
                    .unwrap();
            assert_eq!(bound.as_ref(), Some(key), "an answered activation is kept");
        }
        for (nik, wrong) in &self.answered.wrong_pins {
            let failed: i64 = sqlx::query_scalar("SELECT failed_pins FROM accounts WHERE nik = $1")
                .bind(nik)
                .fetch_one(db)
                .await
                .unwrap();
            assert!(
                failed >= *wrong,
                "answered wrong PINs are counted: {failed} < {wrong}"
            );
        }
        let officer = self.officer.clone();
        for qr in &self.answered.verified {
            let (s, v) = self
                .post("/verify", json!({"qr": qr}), officer.as_deref())
                .await;
            // QR_REPLAYED, or refused earlier for a device released since.
            assert_eq!((s, v["valid"].as_bool()), (200, Some(false)), "{v}");
        }
    }
}

fn other_pin(pin: &str) -> String {
    if pin == "135790" { "246801" } else { "135790" }.into()
}

async fn kill_at_every_step(backend: Backend) {
    let kills: usize = std::env::var("IKD_CRASH_KILLS")
        .ok()
        .and_then(|k| k.parse().ok())
        .unwrap_or(10);
    let seed: u64 = std::env::var("IKD_CRASH_SEED")
        .ok()
        .and_then(|k| k.parse().ok())
        .unwrap_or(1);
    let mut rng = StdRng::seed_from_u64(seed);
    let app = spawn_app(backend).await;
    let adults: Vec<ResidentRecord> = app
        .residents
        .iter()
        .filter(|r| r.has_ktp_el)
        .cloned()
        .collect();
    let mut h = Harness {
        service: Service::start(&app),
        app: &app,
        http: reqwest::Client::new(),
        officer: None,
        answered: Answered::default(),
        took: HashMap::new(),
    };
    let mut citizens: Vec<Citizen> = Vec::new();
    let mut done = 0;
    let mut by_step: HashMap<Step, usize> = HashMap::new();
    // Kills that took the request's answer with them (the others landed just after it).
    let mut lost = 0;
    while done < kills {
        // A citizen per adult in turn, each to the end of the flow (released) and again.
        let n = citizens.len();
        if citizens
            .last()
            .is_none_or(|c| c.next == Step::Start && c.reg.is_some())
        {
            citizens.push(Citizen::new(adults[n % adults.len()].clone(), n));
            h.http = reqwest::Client::builder()
                .default_headers(
                    [(
                        reqwest::header::HeaderName::from_static("x-forwarded-for"),
                        format!("10.{}.{}.1", n / 250, n % 250).parse().unwrap(),
                    )]
                    .into_iter()
                    .collect(),
                )
                .build()
                .unwrap();
        }
        let c = citizens.last_mut().unwrap();
        // The steps in turn get the kill, each once its usual time is known (the first
        // round runs without kills).
        let kill = c.next == STEPS[done % STEPS.len()] && h.took.contains_key(&c.next);
        let step = c.next;
        let (sent, answer) = h.step(c, kill.then_some(&mut rng)).await;
        if let (Step::Verify, Some((200, v)), Some(sent)) = (step, &answer, sent)
            && v["valid"] == true
        {
            h.answered
                .verified
                .push(sent["qr"].as_str().unwrap().to_owned());
        }
        // The answer (when it came before the kill) counts first: then the invariants.
        if kill && answer.is_none() {
            lost += 1;
        }
        h.advance(c, answer);
        if kill {
            done += 1;
            *by_step.entry(step).or_default() += 1;
            if std::env::var_os("IKD_CRASH_TRACE").is_some() {
                eprintln!("kill {done} at {step:?}, then {:?}", c.next);
            }
            h.check().await;
        }
    }
    h.check().await;
    eprintln!("{backend:?}: {done} kills ({lost} with the answer lost) by step {by_step:?}");
}

#[tokio::test]
async fn a_service_killed_at_any_step_keeps_every_answered_write_and_lets_the_citizen_finish_on_sqlite()
 {
    kill_at_every_step(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_service_killed_at_any_step_keeps_every_answered_write_and_lets_the_citizen_finish_on_postgres()
 {
    kill_at_every_step(Backend::Postgres).await;
}
