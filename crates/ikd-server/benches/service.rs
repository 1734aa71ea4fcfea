//! Load generator for the service (`cargo bench -p ikd-server`). Each figure is printed
//! beside its raw limit measured in the same run on the same two cores:
//! 1. NIK lookup latency in a registry of `IKD_BENCH_RESIDENTS` (default 1 000 000) on SQLite;
//! 2. the verify endpoint over HTTP (throughput, p50/p99) vs. 2 ES256 verifies + 1 X25519,
//!    then its latency open loop at 80 % of the throughput measured;
//! 3. PIN login over HTTP vs. raw Argon2id verifications at the service's cost.
#![allow(clippy::unwrap_used)] // a bench that cannot set up should stop loudly

use std::sync::Arc;
use std::time::{Duration, Instant};

use ikd_core::crypto::{DeviceKey, KeySet};
use ikd_core::wire::{Credential, Profile, present};
use ikd_server::db::Db;
use ikd_server::seed::{Generator, Places};
use ikd_server::{AppState, Config, registry, security};
use sqlx::Row;

const CLIENTS: usize = 32;
/// Accounts whose QRs the verify phases send ([`QRS_PER_ACCOUNT`] distinct QRs each).
const VERIFY_ACCOUNTS: usize = 64;
/// 23 040 QRs in all, half for each verify phase: about 2 s of the closed loop at this
/// machine's rate, so that its ramp at both ends is a small part of it.
const QRS_PER_ACCOUNT: usize = 360;
/// Accounts that sign in, four times each: 576 logins, some 5 s at this machine's rate, so
/// that the ramp of the closed loop at its start and end is a small part of the run. Each
/// login needs a challenge, and one address may ask 600 a minute (`CHALLENGE_PER_IP`).
const LOGIN_ACCOUNTS: usize = 144;

/// The allocator of the `ikd-server` binary (main.rs), so the service here runs as deployed.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1e3
}

async fn seed(db: &Db, residents: u64) {
    if registry::count(db).await.unwrap() > 0 {
        return;
    }
    let places = Places::load();
    let mut g = Generator::new(1, &places, time::OffsetDateTime::now_utc().date());
    let (mut made, mut batch) = (0u64, Vec::new());
    while made < residents {
        let Some(f) = g.family() else { continue };
        made += f.members.len() as u64;
        batch.push(f);
        if batch.len() == 4000 || made >= residents {
            registry::insert_families(db, &batch, registry::Provenance::Synthetic)
                .await
                .unwrap();
            batch.clear();
        }
    }
}

async fn nik_lookup(residents: u64) {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("bench-registry-{residents}"));
    std::fs::create_dir_all(&dir).unwrap();
    let db = Db::connect(None, &dir).await.unwrap();
    let t = Instant::now();
    seed(&db, residents).await;
    let n = registry::count(&db).await.unwrap();
    println!(
        "registry: {n} residents ready in {:.1} s (seeded once, kept in {})",
        t.elapsed().as_secs_f64(),
        dir.display()
    );
    let niks: Vec<ikd_core::Nik> =
        sqlx::query("SELECT nik FROM residents WHERE rowid % 97 = 0 LIMIT 20000")
            .fetch_all(&db.pool)
            .await
            .unwrap()
            .iter()
            .map(|r| ikd_core::Nik::parse(&r.get::<String, _>(0)).unwrap())
            .collect();
    let mut lat = Vec::with_capacity(niks.len());
    for nik in &niks {
        let t = Instant::now();
        assert!(registry::find(&db, nik).await.unwrap().is_some());
        lat.push(t.elapsed());
    }
    lat.sort();
    println!(
        "NIK lookup ({} random NIKs, one at a time): p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        lat.len(),
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        percentile(&lat, 1.0)
    );
}

/// Fires `requests` (method, path, body) with CLIENTS concurrent clients; returns (per second, sorted latencies).
async fn load(
    base: &str,
    token: &str,
    bodies: Vec<(String, serde_json::Value)>,
) -> (f64, Vec<Duration>) {
    let http = reqwest::Client::new();
    let queue = Arc::new(std::sync::Mutex::new(bodies));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let (http, queue, base, token) = (
            http.clone(),
            queue.clone(),
            base.to_owned(),
            token.to_owned(),
        );
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            loop {
                let Some((path, body)) = queue.lock().unwrap().pop() else {
                    break;
                };
                let sent = Instant::now();
                lat.push(send_checked(&http, &base, &token, &path, &body, sent).await);
            }
            lat
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await.unwrap());
    }
    rate_and_sorted(started, lat)
}

/// Posts one body, and answers the time from `since` to the whole answer; then checks the
/// answer. A verification refused is answered 200 too: only what was verified counts.
async fn send_checked(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    path: &str,
    body: &serde_json::Value,
    since: Instant,
) -> Duration {
    let res = http
        .post(format!("{base}{path}"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    let answer = res.bytes().await.unwrap();
    let took = since.elapsed();
    if path == "/verify" {
        let v: serde_json::Value = serde_json::from_slice(&answer).unwrap();
        assert_eq!(v["valid"], true, "{}", v["error"]);
    }
    took
}

/// (answers per second since `started`, the latencies sorted).
fn rate_and_sorted(started: Instant, mut lat: Vec<Duration>) -> (f64, Vec<Duration>) {
    let secs = started.elapsed().as_secs_f64();
    lat.sort();
    (lat.len() as f64 / secs, lat)
}

/// Sends `bodies` open-loop at `rate` per second, each at its own scheduled moment whether
/// or not earlier ones were answered; a latency runs from that moment (so a stall is not
/// hidden by requests that were never sent). Returns (per second answered, sorted latencies).
async fn paced(
    base: &str,
    token: &str,
    bodies: Vec<(String, serde_json::Value)>,
    rate: f64,
) -> (f64, Vec<Duration>) {
    let http = reqwest::Client::new();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, (path, body)) in bodies.into_iter().enumerate() {
        let due = started + Duration::from_secs_f64(i as f64 / rate);
        tokio::time::sleep_until(due.into()).await;
        let (http, base, token) = (http.clone(), base.to_owned(), token.to_owned());
        tasks.push(tokio::spawn(async move {
            send_checked(&http, &base, &token, &path, &body, due).await
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.push(t.await.unwrap());
    }
    rate_and_sorted(started, lat)
}

/// One setup request's JSON answer (not timed; the load phases use `load`).
async fn post_json(
    http: &reqwest::Client,
    url: &str,
    body: serde_json::Value,
) -> serde_json::Value {
    http.post(url)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Verify over HTTP (phase 2): distinct QRs (fresh nonces, minimal profile) of `accounts`,
/// closed loop for the peak, then open loop at 80 % of it.
async fn verify_benches(
    state: &AppState,
    keys: &KeySet,
    accounts: &[(&registry::ResidentRecord, &DeviceKey)],
    base: &str,
    officer: &str,
) {
    let mut qrs = Vec::new();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    for (r, key) in accounts {
        let cred = ikd_server::routes::issue_credential(state, &r.ktp.nik)
            .await
            .unwrap();
        let cred = Credential::from_cbor(&security::from_b64u(&cred).unwrap()).unwrap();
        for _ in 0..QRS_PER_ACCOUNT {
            qrs.push(("/verify".to_owned(), serde_json::json!({"qr": present(&cred, key, Profile::Minimal, &keys.verifiers[0], now).unwrap()})));
        }
    }
    // Half for the peak (closed loop), half for 80 % of that peak (open loop).
    let paced_qrs = qrs.split_off(qrs.len() / 2);
    let total = qrs.len();
    eprintln!("verify load: start"); // a marker for attaching a profiler to this phase only
    let (rate, lat) = load(base, officer, qrs).await;
    eprintln!("verify load: end");
    let raw = ikd_server::raw_limits::verify_crypto(5.0);
    println!(
        "verify over HTTP ({total} QRs, {CLIENTS} clients): {rate:.0}/s, p50 {:.2} ms, p99 {:.2} ms; raw crypto limit on all cores {raw:.0}/s; ratio {:.1} % (goal ≥ 45 % SQLite)",
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        100.0 * rate / raw
    );
    let target = 0.8 * rate;
    let (paced_rate, lat) = paced(base, officer, paced_qrs, target).await;
    println!(
        "verify at 80 % of that peak, open loop ({} QRs at {target:.0}/s): {paced_rate:.0}/s answered, p50 {:.2} ms, p99 {:.2} ms (goal p99 ≤ 10 ms)",
        lat.len(),
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
    );
}

async fn service_benches(only: Option<&str>) {
    let dir = tempfile::tempdir().unwrap();
    let mut state = AppState::new(Config::local(dir.path().to_path_buf()))
        .await
        .unwrap();
    state.test_hooks = None;
    let places = Places::load();
    let mut g = Generator::new(7, &places, time::OffsetDateTime::now_utc().date());
    let families: Vec<_> = (0..200).filter_map(|_| g.family()).collect();
    registry::insert_families(&state.db, &families, registry::Provenance::Synthetic)
        .await
        .unwrap();
    ikd_server::routes::add_officer(&state.db, "bench", "bench-password-1")
        .await
        .unwrap();
    let adults: Vec<_> = families
        .iter()
        .flat_map(|f| f.members.iter())
        .filter(|m| m.has_ktp_el)
        .take(LOGIN_ACCOUNTS)
        .cloned()
        .collect();
    // Accounts made directly: this bench measures verify and login, not registration.
    let pin_hash = security::hash_secret(b"135790").unwrap();
    let mut devices = Vec::new();
    for r in &adults {
        let key = DeviceKey::generate().unwrap();
        sqlx::query("INSERT INTO accounts (nik, device_key, email, phone, pin_hash, activated_at) VALUES ($1, $2, 'b@contoh.id', '+6281234567890', $3, 0)")
            .bind(r.ktp.nik.as_str())
            .bind(key.public().sec1().to_vec())
            .bind(&pin_hash)
            .execute(&state.db.pool)
            .await
            .unwrap();
        // A synthetic resident's portrait is drawn at its first use; a real registry holds
        // its photos already, so they are drawn here, before anything is timed.
        state.registry_photo(&r.ktp.nik).await.unwrap();
        devices.push(key);
    }
    let keys: KeySet = (*state.published).clone();
    let running = ikd_server::spawn(state.clone(), std::future::pending())
        .await
        .unwrap();
    let base = format!("http://{}/api/v1", running.addr);
    let http = reqwest::Client::new();
    let officer = post_json(
        &http,
        &format!("{base}/officer/login"),
        serde_json::json!({"username": "bench", "password": "bench-password-1"}),
    )
    .await;
    let officer = officer["token"].as_str().unwrap().to_owned();

    if only != Some("login") {
        let accounts: Vec<_> = adults.iter().zip(&devices).take(VERIFY_ACCOUNTS).collect();
        verify_benches(&state, &keys, &accounts, &base, &officer).await;
    }
    if only == Some("verify") {
        return;
    }
    // 3. PIN login over HTTP (challenge, device signature, PIN, credential) vs raw Argon2id.
    let mut logins = Vec::new();
    for _ in 0..4 {
        for (r, key) in adults.iter().zip(&devices) {
            let ch = post_json(
                &http,
                &format!("{base}/login/challenge"),
                serde_json::json!({}),
            )
            .await;
            let mut signed = ikd_core::api::LOGIN_SIGNING_CONTEXT.to_vec();
            signed.extend(security::from_b64u(ch["challenge"].as_str().unwrap()).unwrap());
            let sig = security::b64u(&key.sign(&signed).unwrap());
            logins.push(("/login".to_owned(), serde_json::json!({"nik": r.ktp.nik.as_str(), "pin": "135790", "challenge_id": ch["challenge_id"], "device_signature": sig})));
        }
    }
    let n = logins.len();
    let (rate, lat) = load(&base, &officer, logins).await;
    let raw = ikd_server::raw_limits::argon2_pin(5.0);
    println!(
        "PIN login over HTTP ({n} logins, {CLIENTS} clients): {rate:.1}/s, p50 {:.1} ms, p99 {:.1} ms; raw Argon2id (19 MiB, t=2) on all cores {raw:.1}/s; ratio {:.1} % (goal ≥ 90 %)",
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        100.0 * rate / raw
    );
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench -- --list` / `cargo test --benches`: nothing to list
    }
    let residents: u64 = std::env::var("IKD_BENCH_RESIDENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    // IKD_BENCH_ONLY=verify or =login runs that part alone (for profiling one path).
    let only = std::env::var("IKD_BENCH_ONLY").ok();
    assert!(
        matches!(only.as_deref(), None | Some("verify" | "login")),
        "IKD_BENCH_ONLY is verify or login"
    );
    rt.block_on(async {
        if only.is_none() {
            nik_lookup(residents).await;
        }
        service_benches(only.as_deref()).await;
    });
}
