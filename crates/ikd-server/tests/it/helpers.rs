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

    /// The activation code from the newest .eml in the outbox addressed to `email`.
    pub fn code_from_outbox(&self, email: &str) -> String {
        let mut found = None;
        for entry in std::fs::read_dir(self.outbox()).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            if text.contains(email) {
                found = Some(code_in(&text));
            }
        }
        found.expect("an activation email in the outbox")
    }

    pub async fn captcha(&self) -> (String, String) {
        let (s, v) = self.post("/captcha", json!({}), None).await;
        assert_eq!(s, 200, "{v}");
        let id = v["captcha_id"].as_str().unwrap().to_owned();
        let hooks = self.running.state.test_hooks.as_ref().unwrap();
        (id.clone(), hooks.captcha_answer(&id).unwrap())
    }
}

/// The 6 digits after "Kode aktivasi:" in a mail body.
pub fn code_in(text: &str) -> String {
    let at = text.find("Kode aktivasi: ").expect("code line") + "Kode aktivasi: ".len();
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
        let mut msg = LOGIN_SIGNING_CONTEXT.to_vec();
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
