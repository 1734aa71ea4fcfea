//! `spawn_app()`: the service on port 0 with a fresh database, seeded residents and an
//! officer, plus a citizen's device and HTTP helpers.

use std::path::PathBuf;

use ikd_core::api::LOGIN_SIGNING_CONTEXT;
use ikd_core::crypto::DeviceKey;
use ikd_server::registry::{self, ResidentRecord};
use ikd_server::routes::test_hooks::Hooks;
use ikd_server::seed::{Generator, Places};
use ikd_server::{AppState, Config, Running};
use serde_json::{Value, json};

pub const OFFICER: (&str, &str) = ("petugas.gambir", "kata-sandi-petugas-1");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub running: Running,
    pub config: Config,
    pub residents: Vec<ResidentRecord>,
    pub _dir: tempfile::TempDir,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

/// A new, empty PostgreSQL database on the server named by `IKD_TEST_POSTGRES_URL`
/// (scripts/test.sh installs and starts PostgreSQL and sets it).
async fn fresh_postgres() -> String {
    let admin = std::env::var("IKD_TEST_POSTGRES_URL")
        .expect("IKD_TEST_POSTGRES_URL is not set: run the tests through scripts/test.sh, which starts PostgreSQL");
    sqlx::any::install_default_drivers();
    let name = format!("ikd_test_{}", ikd_server::security::new_id().unwrap());
    let pool = sqlx::AnyPool::connect(&admin)
        .await
        .expect("PostgreSQL reachable");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&pool)
        .await
        .unwrap();
    let (base, _) = admin.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}

/// Every log line the service writes in this test process, at debug level, for the PII check.
pub static LOGS: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());

struct Capture;

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGS.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn init_logs() {
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter("debug")
        .with_writer(|| Capture)
        .try_init();
}

/// A local port nothing listens on now (a relay that is down, or one to start there).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_with(backend, |_| {}).await
}

pub async fn spawn_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> TestApp {
    init_logs();
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::local(dir.path().to_path_buf());
    if backend == Backend::Postgres {
        config.database_url = Some(fresh_postgres().await);
    }
    tweak(&mut config);
    let mut state = AppState::new(config.clone()).await.unwrap();
    state.test_hooks = Some(Hooks::default());
    // A small registry: a few families, deterministic.
    let places = Places::load();
    let mut generator = Generator::new(42, &places, time::OffsetDateTime::now_utc().date());
    let families: Vec<_> = (0..12).filter_map(|_| generator.family()).collect();
    registry::insert_families(&state.db, &families, registry::Provenance::Synthetic)
        .await
        .unwrap();
    ikd_server::routes::add_officer(&state.db, OFFICER.0, OFFICER.1)
        .await
        .unwrap();
    let residents = families.into_iter().flat_map(|f| f.members).collect();
    start(config, state, dir, residents).await
}

async fn start(
    config: Config,
    state: AppState,
    dir: tempfile::TempDir,
    residents: Vec<ResidentRecord>,
) -> TestApp {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let running = ikd_server::spawn(state, async move {
        let _ = rx.await;
    })
    .await
    .unwrap();
    TestApp {
        base: format!("http://{}/api/v1", running.addr),
        http: reqwest::Client::new(),
        running,
        config,
        residents,
        _dir: dir,
        shutdown: Some(tx),
    }
}

impl TestApp {
    /// A second instance of the same service: same keys and the same database.
    pub async fn second_instance(&self) -> (String, Running) {
        let mut state = AppState::new(self.config.clone()).await.unwrap();
        state.test_hooks = Some(Hooks::default());
        let running = ikd_server::spawn(state, std::future::pending())
            .await
            .unwrap();
        (format!("http://{}/api/v1", running.addr), running)
    }

    /// Stops the service and starts a new one on the same data directory and database.
    pub async fn restart(mut self) -> TestApp {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.running.handle).await;
        let mut state = AppState::new(self.config.clone()).await.unwrap();
        state.test_hooks = Some(Hooks::default());
        start(self.config.clone(), state, self._dir, self.residents).await
    }

    /// An adult with a recorded KTP-el.
    pub fn adult(&self, n: usize) -> &ResidentRecord {
        self.residents
            .iter()
            .filter(|r| r.has_ktp_el)
            .nth(n)
            .unwrap()
    }

    pub fn minor(&self) -> Option<&ResidentRecord> {
        self.residents.iter().find(|r| !r.has_ktp_el)
    }

    pub async fn post(&self, path: &str, body: Value, bearer: Option<&str>) -> (u16, Value) {
        let mut req = self.http.post(format!("{}{path}", self.base)).json(&body);
        if let Some(t) = bearer {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str, bearer: &str) -> (u16, Value) {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(bearer)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub async fn put_selfie(&self, reg: &Registration, bytes: Vec<u8>) -> (u16, Value) {
        let path = format!("/registrations/{}/selfie", reg.id);
        self.send_bytes(
            reqwest::Method::PUT,
            &path,
            "image/jpeg",
            bytes,
            Some(&reg.secret),
        )
        .await
    }

    /// A body of raw bytes (a picture, JSON as it arrives on the wire).
    pub async fn send_bytes(
        &self,
        method: reqwest::Method,
        path: &str,
        content_type: &str,
        bytes: Vec<u8>,
        bearer: Option<&str>,
    ) -> (u16, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("content-type", content_type)
            .body(bytes);
        if let Some(t) = bearer {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub async fn officer_token(&self) -> String {
        let (s, v) = self
            .post(
                "/officer/login",
                json!({"username": OFFICER.0, "password": OFFICER.1}),
                None,
            )
            .await;
        assert_eq!(s, 200, "{v}");
        v["token"].as_str().unwrap().to_owned()
    }

    pub fn outbox(&self) -> PathBuf {
        self.config.outbox()
    }

    /// The activation code from the newest activation mail in the outbox to `email`.
    pub fn code_from_outbox(&self, email: &str) -> String {
        let text = self
            .newest_mail(email, ACTIVATION_LINE)
            .expect("an activation email in the outbox");
        code_in(&text)
    }

    /// The Lupa PIN code from the newest reset mail in the outbox to `email`.
    pub fn reset_code_from_outbox(&self, email: &str) -> String {
        let text = self
            .newest_mail(email, RESET_LINE)
            .expect("a PIN reset email in the outbox");
        code_after(&text, RESET_LINE)
    }

    /// The newest .eml to `email` that contains `needle` (security notices go to the same
    /// address, so a test names what it looks for).
    pub fn newest_mail(&self, email: &str, needle: &str) -> Option<String> {
        let mut newest: Option<(std::time::SystemTime, String)> = None;
        let Ok(dir) = std::fs::read_dir(self.outbox()) else {
            return None;
        };
        for entry in dir {
            let entry = entry.unwrap();
            let text = quoted_printable(&std::fs::read_to_string(entry.path()).unwrap());
            let at = entry.metadata().unwrap().modified().unwrap();
            if text.contains(email)
                && text.contains(needle)
                && newest.as_ref().is_none_or(|(t, _)| at >= *t)
            {
                newest = Some((at, text));
            }
        }
        newest.map(|(_, text)| text)
    }

    /// Every mail in the outbox to `email` containing `needle`.
    pub fn mails_to(&self, email: &str, needle: &str) -> Vec<String> {
        std::fs::read_dir(self.outbox())
            .unwrap()
            .map(|e| quoted_printable(&std::fs::read_to_string(e.unwrap().path()).unwrap()))
            .filter(|text| text.contains(email) && text.contains(needle))
            .collect()
    }

    /// Audit entries with `action` about `subject`.
    pub async fn audited(&self, action: &str, subject: &str) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = $1 AND subject = $2")
            .bind(action)
            .bind(subject)
            .fetch_one(&self.running.state.db.pool)
            .await
            .unwrap()
    }

    /// Waits up to 10 s for a mail to `email` containing `needle` (security notices are
    /// sent in the background after the change commits).
    pub async fn wait_for_mail(&self, email: &str, needle: &str) -> String {
        for _ in 0..200 {
            if let Some(text) = self.newest_mail(email, needle) {
                return text;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("no mail to {email} containing {needle:?}");
    }

    pub async fn captcha(&self) -> (String, String) {
        let (s, v) = self.post("/captcha", json!({}), None).await;
        assert_eq!(s, 200, "{v}");
        let id = v["captcha_id"].as_str().unwrap().to_owned();
        let hooks = self.running.state.test_hooks.as_ref().unwrap();
        (id.clone(), hooks.captcha_answer(&id).unwrap())
    }
}

/// A mail as its reader sees it: lettre sends a body with non-ASCII text (the masked
/// address's •••) as quoted-printable, RFC 2045 §6.7: soft line breaks joined and `=XX`
/// decoded. A 7-bit mail passes unchanged (it has no `=` escapes).
pub fn quoted_printable(raw: &str) -> String {
    if !raw.contains("quoted-printable") {
        return raw.to_owned();
    }
    let joined = raw.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'=', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub const ACTIVATION_LINE: &str = "Kode aktivasi: ";
pub const RESET_LINE: &str = "Kode reset PIN: ";

/// The 6 digits after "Kode aktivasi:" in a mail body.
pub fn code_in(text: &str) -> String {
    code_after(text, ACTIVATION_LINE)
}

/// The 6 digits after `line` in a mail body.
pub fn code_after(text: &str, line: &str) -> String {
    let at = text.find(line).expect("code line") + line.len();
    text[at..at + 6].to_owned()
}

pub fn face(name: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .unwrap()
}

/// A citizen's phone: its device key and its registration.
pub struct Phone {
    pub key: DeviceKey,
}

pub struct Registration {
    pub id: String,
    pub secret: String,
}

impl Phone {
    pub fn new() -> Self {
        Phone {
            key: DeviceKey::generate().unwrap(),
        }
    }

    pub fn public_b64(&self) -> String {
        ikd_server::security::b64u(self.key.public().sec1())
    }

    pub fn sign_challenge(&self, challenge_b64: &str) -> String {
        self.sign_with(LOGIN_SIGNING_CONTEXT, challenge_b64)
    }

    /// Signs a challenge prefixed with a signing context (login, Lupa PIN).
    pub fn sign_with(&self, context: &[u8], challenge_b64: &str) -> String {
        let mut msg = context.to_vec();
        msg.extend(ikd_server::security::from_b64u(challenge_b64).unwrap());
        ikd_server::security::b64u(&self.key.sign(&msg).unwrap())
    }
}

pub fn start_body(r: &ResidentRecord, phone: &Phone, email: &str) -> Value {
    json!({
        "nik": r.ktp.nik.as_str(),
        "email": email,
        "phone": "0812-3456-7890",
        "consent_version": "2026-01",
        "device_public_key": phone.public_b64(),
    })
}
