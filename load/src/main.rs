//! The external load generator (issue 16, part 3): goose in its own process, driving
//! `ikd-server serve` instances that run on one database, over loopback. `scripts/load.sh`
//! starts the instances and runs each scenario; this binary is one scenario at a time:
//!
//! - `registration`: N citizens start a registration at once (each from its own address,
//!   as behind the declared proxy), send the selfie, and an officer scans and approves it.
//!   Afterwards, from the database: N approved, no NIK with two open registrations, N mails.
//! - `verify`: distinct identity QRs (minimal profile) of 64 accounts, plus 5 % replays of
//!   earlier ones. Afterwards: each QR was valid exactly once, every replay was refused.
//! - `login`: challenge, device signature and PIN; 5 % with a wrong PIN (one per account at
//!   most, so no lockout). Afterwards: every right PIN logged in, every wrong one refused.
//!
//! Each run prints the raw limit of its work measured on this machine in the same run
//! (verify: 2 ES256 + 1 X25519; login: Argon2id), so the throughput reads as a ratio.
//!
//! Configuration, besides goose's own flags (`--users`, `--iterations`, `--throttle-requests`,
//! `--report-file`…): `IKD_LOAD_SCENARIO`, `IKD_LOAD_TARGETS` (base URLs, comma-separated;
//! users take them in turn), `IKD_LOAD_COUNT`, `IKD_DATA_DIR` and `IKD_DATABASE_URL` (the
//! instances' own, for the accounts this run makes and the checks after it),
//! `IKD_LOAD_SELFIE` (a JPEG with one face).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use anyhow::{Context, bail};
use goose::goose::GooseResponse;
use goose::prelude::*;
use ikd_core::crypto::DeviceKey;
use ikd_core::wire::{Credential, Profile, present};
use ikd_server::security::{b64u, from_b64u};
use ikd_server::{AppState, Config, registry};
use serde_json::{Value, json};
use sqlx::Row;

/// Accounts behind the verify mix (each presents many QRs).
const VERIFY_ACCOUNTS: usize = 64;
/// Logins per account in the login mix: under the per-NIK limit (20 in 10 minutes).
const LOGINS_PER_ACCOUNT: usize = 10;
const PIN: &str = "135790";
const WRONG_PIN: &str = "246801";
/// Busy answers retried per request before the last try's answer stands.
const MAX_RETRIES: usize = 30;

/// What a scenario's users take, one item per iteration.
enum Work {
    Registration(Vec<Citizen>),
    Verify(Vec<Qr>),
    Login(Vec<LoginAttempt>),
}

struct Citizen {
    nik: String,
    device_public_key: String,
}

struct Qr {
    /// Index of the distinct QR (a replay has its original's).
    id: usize,
    replay: bool,
    body: Value,
}

struct LoginAttempt {
    nik: String,
    key: usize,
    right_pin: bool,
}

struct Plan {
    targets: Vec<String>,
    officer_token: String,
    work: Work,
    next: AtomicUsize,
    selfie: Vec<u8>,
    devices: Vec<DeviceKey>,
    /// Outcomes for the checks after the run: QR id → times valid; logins right/wrong.
    valid: Mutex<HashMap<usize, usize>>,
    refused_replays: AtomicUsize,
    logins_ok: AtomicUsize,
    wrong_refused: AtomicUsize,
    /// One login at a time per account, as one phone signs in: attempts in flight count
    /// toward the lockout (3), and the mix must not lock its own accounts.
    signing_in: Vec<tokio::sync::Mutex<()>>,
}

static PLAN: OnceLock<Plan> = OnceLock::new();

fn plan() -> &'static Plan {
    PLAN.get().expect("the plan is made before the attack")
}

/// The base URL for this user: users take the instances in turn.
fn target(user: &GooseUser) -> &'static str {
    let p = plan();
    &p.targets[user.weighted_users_index % p.targets.len()]
}

fn env(name: &str) -> anyhow::Result<String> {
    std::env::var(name).with_context(|| format!("{name} is not set"))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let scenario = env("IKD_LOAD_SCENARIO")?;
    let targets: Vec<String> = env("IKD_LOAD_TARGETS")?
        .split(',')
        .map(|t| t.trim_end_matches('/').to_owned())
        .collect();
    let count: usize = env("IKD_LOAD_COUNT")?.parse()?;
    let mut config = Config::local(env("IKD_DATA_DIR")?.into());
    config.database_url = std::env::var("IKD_DATABASE_URL").ok();
    let state = AppState::new(config).await?;

    let officer_token = officer_login(&targets[0], &state).await?;
    let mut devices = Vec::new();
    let work = match scenario.as_str() {
        "registration" => Work::Registration(citizens(&state, count).await?),
        "verify" => Work::Verify(qrs(&state, count, &mut devices).await?),
        "login" => Work::Login(logins(&state, count, &mut devices).await?),
        other => bail!("IKD_LOAD_SCENARIO: registration, verify or login, not {other}"),
    };
    let selfie = match scenario.as_str() {
        "registration" => std::fs::read(env("IKD_LOAD_SELFIE")?)?,
        _ => Vec::new(),
    };
    let n_devices = devices.len();
    let plan_ok = PLAN.set(Plan {
        targets: targets.clone(),
        officer_token,
        work,
        next: AtomicUsize::new(0),
        selfie,
        devices,
        valid: Mutex::new(HashMap::new()),
        refused_replays: AtomicUsize::new(0),
        logins_ok: AtomicUsize::new(0),
        wrong_refused: AtomicUsize::new(0),
        signing_in: (0..n_devices)
            .map(|_| tokio::sync::Mutex::new(()))
            .collect(),
    });
    assert!(plan_ok.is_ok(), "one plan per run");

    let mails_before = mails(&state);
    let started = std::time::Instant::now();
    // goose's errors say what is wrong only in their Debug form.
    let goose = |e: GooseError| anyhow::anyhow!("{e:?}");
    // With --iterations, goose never resets its metrics: the ramp-up is in the figures.
    let attack = GooseAttack::initialize()
        .map_err(goose)?
        .set_default(GooseDefault::Host, targets[0].as_str())
        .map_err(goose)?;
    let attack = match scenario.as_str() {
        "registration" => attack.register_scenario(
            scenario!("registration").register_transaction(transaction!(register)),
        ),
        "verify" => {
            attack.register_scenario(scenario!("verify").register_transaction(transaction!(verify)))
        }
        _ => attack.register_scenario(scenario!("login").register_transaction(transaction!(login))),
    };
    attack.execute().await.map_err(goose)?;
    let secs = started.elapsed().as_secs_f64();

    let p = plan();
    println!(
        "\n== ikd-load {scenario}: {} instance(s), {count} requests or flows, {secs:.1} s",
        p.targets.len()
    );
    match &p.work {
        Work::Registration(c) => check_registrations(&state, c, mails_before).await?,
        Work::Verify(qrs) => {
            let valid = p.valid.lock().expect("not poisoned");
            let twice = valid.values().filter(|&&n| n > 1).count();
            let distinct = qrs.iter().filter(|q| !q.replay).count();
            let replays = qrs.len() - distinct;
            println!(
                "verify: {} of {distinct} distinct QRs valid, {twice} valid more than once; {} of {replays} replays refused at the replay check",
                valid.len(),
                p.refused_replays.load(Ordering::Relaxed)
            );
            let rate = qrs.len() as f64 / secs;
            let raw = ikd_server::raw_limits::verify_crypto(5.0);
            println!(
                "verify throughput {rate:.0}/s ({} requests in {secs:.1} s, ramp-up included); raw crypto limit on all cores, same run: {raw:.0}/s (2 ES256 + 1 X25519); ratio {:.1} %",
                qrs.len(),
                100.0 * rate / raw
            );
        }
        Work::Login(attempts) => {
            let wrong = attempts.iter().filter(|a| !a.right_pin).count();
            println!(
                "login: {} of {} right PINs logged in; {} of {wrong} wrong PINs refused",
                p.logins_ok.load(Ordering::Relaxed),
                attempts.len() - wrong,
                p.wrong_refused.load(Ordering::Relaxed)
            );
            let rate = attempts.len() as f64 / secs;
            let raw = ikd_server::raw_limits::argon2_pin(5.0);
            println!(
                "login throughput {rate:.1}/s ({} logins in {secs:.1} s, ramp-up included); raw Argon2id on all cores, same run: {raw:.1}/s; ratio {:.1} %",
                attempts.len(),
                100.0 * rate / raw
            );
        }
    }
    Ok(())
}

/// An officer account of this run, logged in over HTTP; returns the session token.
async fn officer_login(base: &str, state: &AppState) -> anyhow::Result<String> {
    let username = format!("load-{}", std::process::id());
    let password = "load-password-1";
    ikd_server::routes::add_officer(&state.db, &username, password).await?;
    let client = reqwest::Client::new();
    let session: Value = client
        .post(format!("{base}/api/v1/officer/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    Ok(session["token"]
        .as_str()
        .context("officer token")?
        .to_owned())
}

/// Residents with a KTP-el, no account and no registration yet, in NIK order.
async fn fresh_residents(state: &AppState, n: usize) -> anyhow::Result<Vec<String>> {
    let rows = sqlx::query(
        "SELECT nik FROM residents
         WHERE nik NOT IN (SELECT nik FROM accounts) AND nik NOT IN (SELECT nik FROM registrations)
         ORDER BY nik",
    )
    .fetch_all(&state.db.pool)
    .await?;
    let mut niks = Vec::new();
    for row in rows {
        let nik = ikd_core::Nik::parse(&row.get::<String, _>(0))?;
        if registry::find(&state.db, &nik)
            .await?
            .is_some_and(|r| r.has_ktp_el)
        {
            niks.push(nik.as_str().to_owned());
            if niks.len() == n {
                return Ok(niks);
            }
        }
    }
    bail!(
        "the registry has {} fresh residents with a KTP-el, {n} needed: seed more (ikd-server seed)",
        niks.len()
    )
}

async fn citizens(state: &AppState, n: usize) -> anyhow::Result<Vec<Citizen>> {
    let mut out = Vec::new();
    for nik in fresh_residents(state, n).await? {
        let key = DeviceKey::generate()?;
        out.push(Citizen {
            nik,
            device_public_key: b64u(key.public().sec1().as_slice()),
        });
    }
    Ok(out)
}

/// Accounts made directly in the database (this run measures verify and login, not
/// activation), each with its own device key, all with the PIN [`PIN`].
async fn accounts(
    state: &AppState,
    n: usize,
    devices: &mut Vec<DeviceKey>,
) -> anyhow::Result<Vec<String>> {
    let niks = fresh_residents(state, n).await?;
    let pin_hash = ikd_server::security::hash_secret(PIN.as_bytes())?;
    for nik in &niks {
        let key = DeviceKey::generate()?;
        sqlx::query("INSERT INTO accounts (nik, device_key, email, phone, pin_hash, activated_at) VALUES ($1, $2, 'beban@contoh.id', '+6281234567890', $3, 0)")
            .bind(nik)
            .bind(key.public().sec1().to_vec())
            .bind(&pin_hash)
            .execute(&state.db.pool)
            .await?;
        devices.push(key);
    }
    Ok(niks)
}

/// `n` requests: distinct QRs made now (they are valid for 90 s), with every 20th a replay
/// of the QR 10 places before it.
async fn qrs(state: &AppState, n: usize, devices: &mut Vec<DeviceKey>) -> anyhow::Result<Vec<Qr>> {
    let niks = accounts(state, VERIFY_ACCOUNTS, devices).await?;
    let mut creds = Vec::new();
    for nik in &niks {
        let cred = ikd_server::routes::issue_credential(state, &ikd_core::Nik::parse(nik)?).await?;
        creds.push(Credential::from_cbor(
            &from_b64u(&cred).context("credential")?,
        )?);
    }
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let verifier = &state.published.verifiers[0];
    let mut out: Vec<Qr> = Vec::with_capacity(n);
    let mut distinct = 0;
    while out.len() < n {
        if out.len() % 20 == 19 {
            let earlier = &out[out.len() - 10];
            let (id, body) = (earlier.id, earlier.body.clone());
            out.push(Qr {
                id,
                replay: true,
                body,
            });
            continue;
        }
        let k = distinct % niks.len();
        let qr = present(&creds[k], &devices[k], Profile::Minimal, verifier, now)?;
        out.push(Qr {
            id: distinct,
            replay: false,
            body: json!({ "qr": qr }),
        });
        distinct += 1;
    }
    Ok(out)
}

/// `n` logins over `n / LOGINS_PER_ACCOUNT` accounts; the 4th login of every other account
/// has a wrong PIN (5 %).
async fn logins(
    state: &AppState,
    n: usize,
    devices: &mut Vec<DeviceKey>,
) -> anyhow::Result<Vec<LoginAttempt>> {
    let niks = accounts(state, n.div_ceil(LOGINS_PER_ACCOUNT), devices).await?;
    let mut out = Vec::with_capacity(n);
    for round in 0..LOGINS_PER_ACCOUNT {
        for (key, nik) in niks.iter().enumerate() {
            if out.len() < n {
                out.push(LoginAttempt {
                    nik: nik.clone(),
                    key,
                    right_pin: !(round == 3 && key % 2 == 0),
                });
            }
        }
    }
    Ok(out)
}

/// The next item of this run's work, or `None` once all is taken.
fn take() -> Option<usize> {
    let p = plan();
    let len = match &p.work {
        Work::Registration(c) => c.len(),
        Work::Verify(q) => q.len(),
        Work::Login(l) => l.len(),
    };
    let i = p.next.fetch_add(1, Ordering::Relaxed);
    (i < len).then_some(i)
}

/// Sends `rb` as the request `name`, succeeding on `status` only. An answer of 503
/// (`SERVICE_BUSY`) or 429 is sent again after its `Retry-After`, as a citizen would; goose
/// counts each such answer as a failure of its own status, so the report shows them apart.
async fn send(
    user: &mut GooseUser,
    name: &'static str,
    status: u16,
    mut rb: reqwest::RequestBuilder,
) -> Result<GooseResponse, Box<TransactionError>> {
    let mut retries = 0;
    loop {
        let again = rb.try_clone();
        let req = GooseRequest::builder()
            .name(name)
            .expect_status_code(status)
            .set_request_builder(rb)
            .build();
        let r = user.request(req).await?;
        let busy = match &r.response {
            Ok(resp) if matches!(resp.status().as_u16(), 429 | 503) => Some(
                resp.headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(2),
            ),
            _ => None,
        };
        match (busy, again) {
            (Some(wait), Some(next)) if retries < MAX_RETRIES => {
                tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
                retries += 1;
                rb = next;
            }
            _ => return Ok(r),
        }
    }
}

/// The response's JSON, or the request marked failed with `tag`.
async fn json_of(
    user: &mut GooseUser,
    goose: GooseResponse,
    tag: &str,
) -> Result<Option<Value>, Box<TransactionError>> {
    let mut request = goose.request;
    let ok = request.success;
    match goose.response {
        Ok(r) if ok => match r.json::<Value>().await {
            Ok(v) => Ok(Some(v)),
            Err(_) => {
                user.set_failure(tag, &mut request, None, Some("not JSON"))?;
                Ok(None)
            }
        },
        Ok(r) => {
            let body = r.text().await.unwrap_or_default();
            user.set_failure(tag, &mut request, None, Some(&body))?;
            Ok(None)
        }
        Err(_) => Ok(None),
    }
}

async fn register(user: &mut GooseUser) -> TransactionResult {
    let Some(i) = take() else { return Ok(()) };
    let p = plan();
    let Work::Registration(citizens) = &p.work else {
        return Ok(());
    };
    let c = &citizens[i];
    let base = target(user);
    // Each citizen from an address of its own (the instances trust 127.0.0.1 as a proxy).
    let from = format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255);
    let body = json!({
        "nik": c.nik,
        "email": format!("warga{i}@contoh.id"),
        "phone": format!("+62812{:08}", i),
        "consent_version": "2026-01",
        "device_public_key": c.device_public_key,
    });
    let rb = user
        .get_request_builder(&GooseMethod::Post, &format!("{base}/api/v1/registrations"))?
        .header("X-Forwarded-For", &from)
        .json(&body);
    let r = send(user, "1 start registration", 201, rb).await?;
    let Some(started) = json_of(user, r, "start").await? else {
        return Ok(());
    };
    let (id, secret) = (
        started["registration_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        started["secret"].as_str().unwrap_or_default().to_owned(),
    );

    let rb = user
        .get_request_builder(
            &GooseMethod::Put,
            &format!("{base}/api/v1/registrations/{id}/selfie"),
        )?
        .header("X-Forwarded-For", &from)
        .header("Content-Type", "image/jpeg")
        .bearer_auth(&secret)
        .body(p.selfie.clone());
    let r = send(user, "2 selfie", 200, rb).await?;
    let Some(checked) = json_of(user, r, "selfie").await? else {
        return Ok(());
    };
    let Some(qr) = checked["registration_qr"].as_str().map(str::to_owned) else {
        return Ok(());
    };

    let rb = user
        .get_request_builder(&GooseMethod::Post, &format!("{base}/api/v1/officer/scan"))?
        .bearer_auth(&p.officer_token)
        .json(&json!({ "qr": qr }));
    let r = send(user, "3 officer scan", 200, rb).await?;
    if json_of(user, r, "scan").await?.is_none() {
        return Ok(());
    }
    let rb = user
        .get_request_builder(
            &GooseMethod::Post,
            &format!("{base}/api/v1/officer/decision"),
        )?
        .bearer_auth(&p.officer_token)
        .json(&json!({ "qr": qr, "approve": true }));
    send(user, "4 officer approval", 204, rb).await?;
    Ok(())
}

async fn verify(user: &mut GooseUser) -> TransactionResult {
    let Some(i) = take() else { return Ok(()) };
    let p = plan();
    let Work::Verify(qrs) = &p.work else {
        return Ok(());
    };
    let q = &qrs[i];
    let base = target(user);
    let rb = user
        .get_request_builder(&GooseMethod::Post, &format!("{base}/api/v1/verify"))?
        .bearer_auth(&p.officer_token)
        .json(&q.body);
    let name = if q.replay {
        "verify (replay)"
    } else {
        "verify"
    };
    let r = send(user, name, 200, rb).await?;
    let mut request = r.request.clone();
    let Some(v) = json_of(user, r, "verify").await? else {
        return Ok(());
    };
    if v["valid"] == true {
        *p.valid
            .lock()
            .expect("not poisoned")
            .entry(q.id)
            .or_default() += 1;
    } else if v["failed_stage"] == "replay" {
        // One of the two copies is refused, whichever came second.
        p.refused_replays.fetch_add(1, Ordering::Relaxed);
    } else {
        let why = v["error"]["code"].as_str().unwrap_or("refused").to_owned();
        user.set_failure(&why, &mut request, None, None)?;
    }
    Ok(())
}

async fn login(user: &mut GooseUser) -> TransactionResult {
    let Some(i) = take() else { return Ok(()) };
    let p = plan();
    let Work::Login(attempts) = &p.work else {
        return Ok(());
    };
    let a = &attempts[i];
    let _one_at_a_time = p.signing_in[a.key].lock().await;
    let base = target(user);
    let from = format!("10.1.{}.{}", (i >> 8) & 255, i & 255);
    let rb = user
        .get_request_builder(
            &GooseMethod::Post,
            &format!("{base}/api/v1/login/challenge"),
        )?
        .header("X-Forwarded-For", &from)
        .json(&json!({}));
    let r = send(user, "login challenge", 200, rb).await?;
    let Some(ch) = json_of(user, r, "challenge").await? else {
        return Ok(());
    };
    let mut signed = ikd_core::api::LOGIN_SIGNING_CONTEXT.to_vec();
    signed.extend(from_b64u(ch["challenge"].as_str().unwrap_or_default()).unwrap_or_default());
    let Ok(sig) = p.devices[a.key].sign(&signed) else {
        return Ok(());
    };
    let pin = if a.right_pin { PIN } else { WRONG_PIN };
    let rb = user
        .get_request_builder(&GooseMethod::Post, &format!("{base}/api/v1/login"))?
        .header("X-Forwarded-For", &from)
        .json(&json!({
            "nik": a.nik, "pin": pin, "challenge_id": ch["challenge_id"], "device_signature": b64u(&sig),
        }));
    let (name, status) = if a.right_pin {
        ("login", 200)
    } else {
        ("login (wrong PIN)", 401)
    };
    let r = send(user, name, status, rb).await?;
    let mut request = r.request.clone();
    let Some(v) = json_of(user, r, "login").await? else {
        return Ok(());
    };
    if a.right_pin {
        p.logins_ok.fetch_add(1, Ordering::Relaxed);
    } else if v["error"]["code"] == "PIN_WRONG" {
        p.wrong_refused.fetch_add(1, Ordering::Relaxed);
    } else {
        // A 401 for another reason (an unknown challenge, a bad signature) checked no PIN.
        let why = v["error"]["code"].as_str().unwrap_or("refused").to_owned();
        user.set_failure(&why, &mut request, None, None)?;
    }
    Ok(())
}

/// After the registration run, from the database: every citizen approved once, no NIK with
/// two open registrations, one mail per approval.
async fn check_registrations(
    state: &AppState,
    citizens: &[Citizen],
    mails_before: usize,
) -> anyhow::Result<()> {
    // One query: the instances hold most of the database's connections.
    let rows = sqlx::query("SELECT nik, state FROM registrations")
        .fetch_all(&state.db.pool)
        .await?;
    let mut by_nik: HashMap<String, Vec<String>> = HashMap::new();
    for r in &rows {
        by_nik.entry(r.get(0)).or_default().push(r.get(1));
    }
    let (mut approved, mut duplicates) = (0, 0);
    for c in citizens {
        let states = by_nik.get(&c.nik).map(Vec::as_slice).unwrap_or_default();
        approved += states.iter().filter(|s| *s == "approved").count();
        duplicates += usize::from(states.len() > 1);
    }
    let mails = mails(state) - mails_before;
    println!(
        "registration: {approved} of {} approved; {duplicates} NIKs with more than one registration; {mails} new mails in the outbox",
        citizens.len()
    );
    Ok(())
}

/// Mails in the instances' outbox (the load runs send no SMTP).
fn mails(state: &AppState) -> usize {
    std::fs::read_dir(state.config.outbox())
        .map(|d| d.count())
        .unwrap_or(0)
}
