//! Crash consistency (issue 16, first part): the real `ikd-server serve` as a child process
//! on SQLite and on PostgreSQL, killed with SIGKILL while a step that writes is in flight
//! (at a random moment of it), restarted on the same data; then the invariants are checked
//! and the citizen finishes the step, as the app would, with the messages it would show.
//!
//! `IKD_CRASH_KILLS` kills per backend (the test command runs one per step;
//! `scripts/crash.sh` runs hundreds), `IKD_CRASH_SEED` picks the moments.
//!
//! Lupa PIN, a contact change, its restore from the emailed link and the account's closure
//! are steps too. Their notices are queued in the change's own transaction
//! (`ikd_server::notices`): after every kill the queue must drain, and the restore link of a
//! change that committed must reach the old address, also when the kill came right after
//! the commit.
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
    // An emailed link's page is HTML, with its error code in a header.
    let page_code = res
        .headers()
        .get("x-ikd-error-code")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let text = res.text().await.ok()?;
    let body = match page_code {
        Some(code) => json!({"error": {"code": code}}),
        None => serde_json::from_str(&text).unwrap_or(Value::Null),
    };
    Some((status, body))
}

/// The steps that write, in the order a citizen meets them.
const STEPS: [Step; 16] = [
    Step::Start,
    Step::Selfie,
    Step::Approve,
    Step::Activate,
    Step::SetPin,
    Step::Login,
    Step::WrongPin,
    Step::Verify,
    Step::ChangePin,
    Step::ForgotPin,
    Step::ResetPin,
    Step::ChangeContact,
    Step::ConfirmContact,
    Step::Restore,
    Step::Release,
    Step::Close,
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
    ForgotPin,
    ResetPin,
    ChangeContact,
    ConfirmContact,
    Restore,
    Release,
    Close,
}

/// What answered requests reported done: it must all be in the database after a kill.
#[derive(Default)]
struct Answered {
    /// (NIK, registration id), until a closure of the NIK deletes its registrations.
    registrations: Vec<(String, String)>,
    approved: Vec<(String, String)>,
    /// NIK → the device key an answered activation bound (until an answered release).
    bound: HashMap<String, Vec<u8>>,
    /// QRs answered valid: refused as replayed from then on.
    verified: Vec<String>,
    /// NIK → wrong PINs answered since the last answered right one.
    wrong_pins: HashMap<String, i64>,
    /// Sessions an answered Lupa PIN, restore or closure ended: refused from then on.
    ended_sessions: Vec<String>,
    /// NIK → the email an answered contact change or restore left registered.
    emails: HashMap<String, String>,
    /// NIKs an answered closure deleted (until activated again).
    closed: Vec<String>,
}

impl Answered {
    /// What a closure of `nik` deletes (or, unanswered, may have deleted).
    fn forget(&mut self, nik: &str) {
        self.bound.remove(nik);
        self.emails.remove(nik);
        self.wrong_pins.remove(nik);
        self.registrations.retain(|(n, _)| n != nik);
        self.approved.retain(|(n, _)| n != nik);
    }
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
    reset_token: Option<String>,
    reset: bool,
    contact_changed: bool,
    restored: bool,
    /// The email a contact change moves to (the restore brings `email` back).
    new_email: String,
    /// Odd rounds end with a closure, even ones with a release.
    closes: bool,
    /// The last try of `next` got no answer (killed): only then may its retry find it done.
    unanswered: bool,
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
            reset_token: None,
            reset: false,
            contact_changed: false,
            restored: false,
            new_email: format!("crash{n}.baru@contoh.id"),
            closes: n % 2 == 1,
            unanswered: false,
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
        } else if !self.reset {
            Step::ForgotPin
        } else if !self.contact_changed {
            Step::ChangeContact
        } else if !self.restored {
            Step::Restore
        } else if self.closes {
            Step::Close
        } else {
            Step::Release
        }
    }

    fn token(&self) -> Option<String> {
        self.session
            .as_ref()
            .map(|s| s["token"].as_str().unwrap().to_owned())
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
    /// The API's `path`, or an emailed link's page (at the root).
    fn url(&self, path: &str) -> String {
        match path.starts_with("/kontak/") {
            true => format!("{}{path}", self.service.base.trim_end_matches("/api/v1")),
            false => format!("{}{path}", self.service.base),
        }
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
        self.signed_body(
            c,
            ikd_core::api::LOGIN_SIGNING_CONTEXT,
            json!({"nik": c.nik(), "pin": pin}),
        )
        .await
    }

    /// `fields` with a fresh challenge signed by the phone under `context`.
    async fn signed_body(&self, c: &Citizen, context: &[u8], fields: Value) -> Value {
        let (s, ch) = self.post("/login/challenge", json!({}), None).await;
        assert_eq!(s, 200, "{ch}");
        let sig = c
            .phone
            .sign_with(context, ch["challenge"].as_str().unwrap());
        let mut body = json!({"challenge_id": ch["challenge_id"], "device_signature": sig});
        body.as_object_mut()
            .unwrap()
            .extend(fields.as_object().unwrap().clone());
        body
    }

    /// The restore token in the newest link mailed to `email`; the notice is queued with the
    /// change, so it arrives also when the service was killed right after the commit (once
    /// the dead process's claim on it lapses, `notices::CLAIM_SECS`).
    async fn restore_token(&self, email: &str) -> String {
        let deadline =
            Instant::now() + Duration::from_secs(ikd_server::notices::CLAIM_SECS as u64 + 15);
        loop {
            if let Some(mail) = self.app.newest_mail(email, "/kontak/kembalikan/") {
                let (_, rest) = mail.split_once("/kontak/kembalikan/").unwrap();
                return rest.chars().take_while(|c| !c.is_whitespace()).collect();
            }
            assert!(
                Instant::now() < deadline,
                "the restore link of a committed change never reached {email}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The request of `c`'s next step (what is prepared before it is cheap and not killed).
    async fn request(
        &mut self,
        c: &Citizen,
    ) -> (reqwest::Method, String, Option<Value>, Option<String>) {
        use reqwest::Method;
        let token = || c.token();
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
            Step::ForgotPin => (
                Method::POST,
                "/pin/reset/start".into(),
                Some(
                    self.signed_body(
                        c,
                        ikd_core::api::PIN_RESET_SIGNING_CONTEXT,
                        json!({"nik": c.nik()}),
                    )
                    .await,
                ),
                None,
            ),
            Step::ResetPin => {
                let (cid, answer) = self.captcha().await;
                let code = self.app.reset_code_from_outbox(&c.email);
                (
                    Method::POST,
                    "/pin/reset/finish".into(),
                    Some(
                        json!({"reset_token": c.reset_token, "code": code, "captcha_id": cid,
                                "captcha_answer": answer, "new_pin": other_pin(&c.pin)}),
                    ),
                    None,
                )
            }
            Step::ChangeContact => (
                Method::POST,
                "/me/contact/start".into(),
                Some(
                    self.signed_body(
                        c,
                        ikd_core::api::CONTACT_CHANGE_SIGNING_CONTEXT,
                        json!({"email": c.new_email, "pin": c.pin}),
                    )
                    .await,
                ),
                token(),
            ),
            Step::ConfirmContact => {
                let mail = self
                    .app
                    .newest_mail(&c.new_email, "Kode konfirmasi")
                    .expect("a confirmation code mail");
                (
                    Method::POST,
                    "/me/contact/finish".into(),
                    Some(json!({"code": code_after(&mail, "Kode konfirmasi: ")})),
                    token(),
                )
            }
            // The link's page, at the root.
            Step::Restore => (
                Method::POST,
                format!("/kontak/kembalikan/{}", self.restore_token(&c.email).await),
                None,
                None,
            ),
            Step::Release => (
                Method::POST,
                "/me/device/release".into(),
                Some(json!({})),
                token(),
            ),
            Step::Close => (
                Method::POST,
                "/me/close".into(),
                Some(json!({"pin": c.pin, "confirm": true})),
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
        let retried = std::mem::replace(&mut c.unanswered, answer.is_none());
        let Some((s, v)) = answer else {
            // Not answered: it may or may not have been done, so what it would change is
            // no longer known (until the citizen's retry tells).
            match c.next {
                Step::Release => {
                    self.answered.bound.remove(&nik);
                }
                Step::Close => self.answered.forget(&nik),
                // Each may have cleared the count (a right PIN, a new one).
                Step::Login | Step::ChangePin | Step::ResetPin | Step::ChangeContact => {
                    self.answered.wrong_pins.remove(&nik);
                }
                // Which email stands is known again once the citizen's retry is answered.
                Step::ConfirmContact | Step::Restore => {
                    self.answered.emails.remove(&nik);
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
                self.answered.registrations.push((nik, id.clone()));
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
                    .push((nik, c.reg.as_ref().unwrap().id.clone()));
                c.next = Step::Activate;
            }
            // Approved by the killed request: the app sees it in the status.
            (Step::Approve, 409, Some("REGISTRATION_ALREADY_DECIDED")) if retried => {
                c.next = Step::Activate;
            }
            (Step::Activate, 200, _) => {
                self.answered.closed.retain(|n| *n != nik);
                self.answered.emails.remove(&nik);
                self.answered
                    .bound
                    .insert(nik, c.phone.key.public().sec1().to_vec());
                c.setup = Some(v["setup_token"].as_str().unwrap().to_owned());
                c.next = Step::SetPin;
            }
            (Step::SetPin, 204, _) => c.next = Step::Login,
            // Set by the killed request (its setup token went with it): sign in.
            (Step::SetPin, 401, Some("UNAUTHORIZED")) if retried => c.next = Step::Login,
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
                c.next = c.signed_in_next();
            }
            // Changed by the killed request: the new PIN opens the account.
            (Step::ChangePin, 401, Some("PIN_WRONG")) if retried => {
                c.pin = other_pin(&c.pin);
                *self.answered.wrong_pins.entry(nik).or_default() += 1;
                c.changed = true;
                c.next = Step::Login;
            }
            (Step::ForgotPin, 200, _) => {
                c.reset_token = Some(v["reset_token"].as_str().unwrap().to_owned());
                c.next = Step::ResetPin;
            }
            (Step::ResetPin, 200, _) => {
                assert_eq!(v["waiting"], false, "{v}");
                self.answered.wrong_pins.remove(&nik);
                self.answered.ended_sessions.extend(c.token());
                c.pin = other_pin(&c.pin);
                c.reset = true;
                c.session = None;
                c.next = Step::Login;
            }
            // Set by the killed request (it took the reset with it): the new PIN signs in,
            // or the Login step fails the test.
            (Step::ResetPin, 410, Some("PIN_RESET_EXPIRED")) if retried => {
                c.pin = other_pin(&c.pin);
                c.reset = true;
                c.session = None;
                c.next = Step::Login;
            }
            (Step::ChangeContact, 200, _) => {
                self.answered.wrong_pins.remove(&nik);
                c.next = Step::ConfirmContact;
            }
            // The same NIK again within a week of its restore (the test's residents come
            // round again in long runs), or its day's changes spent: the round goes on.
            (Step::ChangeContact, 423, Some("CONTACT_CHANGE_AFTER_RESTORE"))
            | (Step::ChangeContact, 429, Some("RATE_LIMITED")) => {
                c.contact_changed = true;
                c.restored = true;
                c.next = c.signed_in_next();
            }
            (Step::ConfirmContact, 200, _) => {
                self.answered.emails.insert(nik, c.new_email.clone());
                c.contact_changed = true;
                c.next = Step::Restore;
            }
            // Applied by the killed request: its restore link must still come.
            (Step::ConfirmContact, 410, Some("CONTACT_CHANGE_EXPIRED")) if retried => {
                self.answered.emails.insert(nik, c.new_email.clone());
                c.contact_changed = true;
                c.next = Step::Restore;
            }
            (Step::Restore, 200, _) => {
                self.answered.emails.insert(nik, c.email.clone());
                self.answered.ended_sessions.extend(c.token());
                c.restored = true;
                c.session = None;
                c.next = Step::Login;
            }
            // Restored by the killed request (the link works once): the old email stands.
            (Step::Restore, 404, Some("CONTACT_RESTORE_NOT_FOUND")) if retried => {
                self.answered.emails.insert(nik, c.email.clone());
                c.restored = true;
                c.session = None;
                c.next = Step::Login;
            }
            (Step::Close, 204, _) => {
                self.answered.forget(&nik);
                self.answered.ended_sessions.extend(c.token());
                self.answered.closed.push(nik);
                c.session = None;
                c.next = Step::Start;
            }
            // Closed by the killed request: the session went with the account.
            (Step::Close, 401, Some("UNAUTHORIZED")) if retried => {
                self.answered.forget(&nik);
                c.session = None;
                c.next = Step::Start;
            }
            (Step::Release, 204, _) => {
                self.answered.bound.remove(&nik);
                c.session = None;
                c.next = Step::Start;
            }
            // Released by the killed request: the session went with the device.
            (Step::Release, 401, Some("UNAUTHORIZED")) if retried => {
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
        for (_, id) in &self.answered.registrations {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM registrations WHERE id = $1")
                .bind(id)
                .fetch_one(db)
                .await
                .unwrap();
            assert_eq!(n, 1, "an answered registration is kept");
        }
        for (_, id) in &self.answered.approved {
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
        for (nik, email) in &self.answered.emails {
            let stored: String = sqlx::query_scalar("SELECT email FROM accounts WHERE nik = $1")
                .bind(nik)
                .fetch_one(db)
                .await
                .unwrap();
            assert_eq!(
                &stored, email,
                "an answered contact change or restore is kept"
            );
        }
        for nik in &self.answered.closed {
            let left: i64 = sqlx::query_scalar(
                "SELECT (SELECT COUNT(*) FROM accounts WHERE nik = $1)
                      + (SELECT COUNT(*) FROM tokens WHERE subject = $1)
                      + (SELECT COUNT(*) FROM access_log WHERE nik = $1)",
            )
            .bind(nik)
            .fetch_one(db)
            .await
            .unwrap();
            assert_eq!(
                left, 0,
                "an answered closure deleted the account, sessions and Riwayat"
            );
            let registry: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM residents WHERE nik = $1")
                .bind(nik)
                .fetch_one(db)
                .await
                .unwrap();
            assert_eq!(registry, 1, "a closure keeps the registry's record");
        }
        for token in &self.answered.ended_sessions {
            let (s, _) = call(
                &self.http,
                reqwest::Method::GET,
                self.url("/me/ktp"),
                None,
                Some(token.clone()),
            )
            .await
            .expect("the service answers");
            assert_eq!(s, 401, "a session an answered step ended stays ended");
        }
        // Every notice a committed change queued goes out, also one whose sending process
        // was killed (after its claim lapses).
        let deadline =
            Instant::now() + Duration::from_secs(ikd_server::notices::CLAIM_SECS as u64 + 15);
        loop {
            let queued = count("SELECT COUNT(*) FROM mail_queue").await;
            if queued == 0 {
                break;
            }
            assert!(Instant::now() < deadline, "{queued} notices never sent");
            tokio::time::sleep(Duration::from_millis(100)).await;
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
        .unwrap_or(STEPS.len());
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
        if std::env::var_os("IKD_CRASH_TRACE").is_some() {
            let status = answer
                .as_ref()
                .map(|(s, v)| format!("{s} {}", v["error"]["code"]));
            eprintln!("{step:?} kill={kill}: {status:?}");
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
