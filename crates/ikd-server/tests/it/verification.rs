//! Credentials and online verification: credential at login → presentation built with
//! ikd-core → verify over HTTP → activity log; replay across two instances on one
//! PostgreSQL; a released device's QR; no PII in the logs.

use ikd_core::crypto::KeySet;
use ikd_core::wire::{Credential, Profile, present};
use serde_json::{Value, json};

use crate::flow::*;
use crate::helpers::*;

pub async fn keyset(app: &TestApp) -> KeySet {
    let url = app.base.replace("/api/v1", "/.well-known/ikd-keys");
    app.http
        .get(url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Logs in and builds an identity QR for `profile` from the session's credential.
pub async fn show_qr(
    app: &TestApp,
    phone: &Phone,
    nik: &str,
    pin: &str,
    profile: Profile,
) -> (String, String) {
    let (s, session) = login(app, phone, nik, pin).await;
    assert_eq!(s, 200, "{session}");
    let keys = keyset(app).await;
    let bytes = ikd_server::security::from_b64u(session["credential"].as_str().unwrap()).unwrap();
    let cred = Credential::from_cbor(&bytes).unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    cred.verify_issuer(&keys, now)
        .expect("the app can check its credential against the published keys");
    let qr = present(&cred, &phone.key, profile, &keys.verifiers[0], now).unwrap();
    (qr, session["token"].as_str().unwrap().to_owned())
}

pub async fn verify_at(app: &TestApp, base: &str, qr: &str) -> Value {
    let officer = app.officer_token().await;
    let res = app
        .http
        .post(format!("{base}/verify"))
        .bearer_auth(officer)
        .json(&json!({"qr": qr}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    res.json().await.unwrap()
}

async fn verified_and_logged(backend: Backend) {
    let app = spawn_app(backend).await;
    let r = app.adult(0).clone();
    let phone = Phone::new();
    onboard(&app, &r, &phone, "v@contoh.id", "135790").await;
    let (qr, token) = show_qr(
        &app,
        &phone,
        r.ktp.nik.as_str(),
        "135790",
        Profile::AgeOver17,
    )
    .await;
    let v = verify_at(&app, &app.base, &qr).await;
    assert_eq!(v["valid"], true, "{v}");
    assert_eq!(v["profile"], "age_over_17");
    let fields: Vec<&str> = v["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f[0].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["nama", "portrait_sha256", "age_over_17"],
        "only the profile's fields"
    );
    assert!(
        v["photo"].as_str().unwrap().len() > 1000,
        "the registry photo that matches"
    );
    let again = verify_at(&app, &app.base, &qr).await;
    assert_eq!(
        (again["valid"].as_bool(), again["error"]["code"].as_str()),
        (Some(false), Some("QR_REPLAYED"))
    );
    let (_, log) = app.get("/me/activity", &token).await;
    let seen = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "verified")
        .expect("verification in Riwayat");
    assert_eq!(
        (seen["actor"].as_str(), seen["profile"].as_str()),
        (Some(OFFICER.0), Some("age_over_17"))
    );

    let metrics = app
        .http
        .get(app.base.replace("/api/v1", "/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        r#"ikd_verifications_total{result="valid"} 1"#,
        r#"ikd_verifications_total{result="QR_REPLAYED"} 1"#,
        "ikd_registrations_started_total 1",
        "ikd_activations_total 1",
    ] {
        assert!(metrics.contains(line), "{line} in\n{metrics}");
    }
    assert!(
        metrics.contains(r#"route="/api/v1/registrations/{id}/selfie""#),
        "routes by pattern, never a raw path"
    );
}

#[tokio::test]
async fn a_presented_credential_verifies_over_http_and_lands_in_the_activity_log_on_sqlite() {
    verified_and_logged(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_presented_credential_verifies_over_http_and_lands_in_the_activity_log_on_postgres() {
    verified_and_logged(Backend::Postgres).await;
}

#[tokio::test]
async fn a_qr_accepted_by_one_instance_is_refused_as_replayed_by_another_on_the_same_postgres() {
    let app = spawn_app(Backend::Postgres).await;
    let (second, _running) = app.second_instance().await;
    let r = app.adult(1).clone();
    let phone = Phone::new();
    onboard(&app, &r, &phone, "w@contoh.id", "135790").await;
    let (qr, _) = show_qr(&app, &phone, r.ktp.nik.as_str(), "135790", Profile::Minimal).await;
    assert_eq!(verify_at(&app, &second, &qr).await["valid"], true);
    let v = verify_at(&app, &app.base, &qr).await;
    assert_eq!(
        (v["error"]["code"].as_str(), v["failed_stage"].as_str()),
        (Some("QR_REPLAYED"), Some("replay"))
    );
}

#[tokio::test]
async fn a_released_devices_qr_is_refused_online() {
    let app = spawn_app(Backend::Sqlite).await;
    let r = app.adult(2).clone();
    let phone = Phone::new();
    onboard(&app, &r, &phone, "x@contoh.id", "135790").await;
    let (qr, token) = show_qr(&app, &phone, r.ktp.nik.as_str(), "135790", Profile::Full).await;
    let (s, _) = app
        .post("/me/device/release", json!({}), Some(&token))
        .await;
    assert_eq!(s, 204);
    let v = verify_at(&app, &app.base, &qr).await;
    assert_eq!(
        (v["valid"].as_bool(), v["error"]["code"].as_str()),
        (Some(false), Some("QR_DEVICE_RELEASED"))
    );
}

#[tokio::test]
async fn a_qr_refused_while_the_account_is_locked_stays_spent_when_the_lock_ends() {
    let app = spawn_app(Backend::Sqlite).await;
    let r = app.adult(3).clone();
    let nik = r.ktp.nik.as_str();
    let phone = Phone::new();
    onboard(&app, &r, &phone, "k@contoh.id", "135790").await;
    let (qr, _) = show_qr(&app, &phone, nik, "135790", Profile::Minimal).await;
    let lock = |until: Option<i64>| {
        sqlx::query("UPDATE accounts SET locked_until = $1 WHERE nik = $2")
            .bind(until)
            .bind(nik)
            .execute(&app.running.state.db.pool)
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    lock(Some(now + 30)).await.unwrap();
    let v = verify_at(&app, &app.base, &qr).await;
    assert_eq!(
        (v["error"]["code"].as_str(), v["failed_stage"].as_str()),
        (Some("QR_ACCOUNT_LOCKED"), Some("revocation"))
    );
    // The lock ends within the QR's 100 s; the QR shown at that counter is still refused.
    lock(None).await.unwrap();
    let v = verify_at(&app, &app.base, &qr).await;
    assert_eq!(v["error"]["code"].as_str(), Some("QR_REPLAYED"), "{v}");
    let logged: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM access_log WHERE nik = $1 AND kind = 'verified'")
            .bind(nik)
            .fetch_one(&app.running.state.db.pool)
            .await
            .unwrap();
    assert_eq!(logged, 0, "a refused QR is not a verification in Riwayat");
}

#[tokio::test]
async fn tampered_and_foreign_qrs_are_refused_with_the_stage_that_caught_them() {
    let app = spawn_app(Backend::Sqlite).await;
    let v = verify_at(&app, &app.base, "HC1:NOT-IKD").await;
    assert_eq!(
        (v["error"]["code"].as_str(), v["failed_stage"].as_str()),
        (Some("QR_ENCODING"), Some("encoding"))
    );
    let res = app
        .http
        .post(format!("{}/verify", app.base))
        .json(&json!({"qr": "IKD2:X"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status().as_u16(),
        401,
        "verification needs an authorised verifier"
    );
}

/// Posts `body` to /verify with `token` as the bearer; the status and the answer.
async fn verify_as(app: &TestApp, token: &str, body: Value) -> (u16, Value) {
    let res = app
        .http
        .post(format!("{}/verify", app.base))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_verification_without_an_officers_session_is_answered_401_and_spends_no_qr() {
    let app = spawn_app(Backend::Sqlite).await;
    let r = app.adult(4).clone();
    let nik = r.ktp.nik.as_str();
    let phone = Phone::new();
    onboard(&app, &r, &phone, "v@contoh.id", "135790").await;
    let (qr, citizen) = show_qr(&app, &phone, nik, "135790", Profile::Minimal).await;
    // A made-up token and a citizen's own session, with a valid QR, a damaged one and a
    // body that is not a verification.
    for token in ["bukan-token-petugas", citizen.as_str()] {
        for body in [
            json!({"qr": qr}),
            json!({"qr": "IKD2:X"}),
            json!({"kode": 1}),
        ] {
            let (status, v) = verify_as(&app, token, body).await;
            assert_eq!(
                (status, v["error"]["code"].as_str()),
                (401, Some("UNAUTHORIZED")),
                "{v}"
            );
        }
    }
    // Nothing was spent: the officer's verification of the same QR is valid.
    let officer = app.officer_token().await;
    let (status, v) = verify_as(&app, &officer, json!({"qr": qr})).await;
    assert_eq!((status, v["valid"].as_bool()), (200, Some(true)), "{v}");
}

/// Whether the gate in front of /verify's crypto remembers `token` as an officer's session.
fn remembered(app: &TestApp, token: &str) -> bool {
    let state = &app.running.state;
    let hash = ikd_server::security::token_hash(token);
    state.officer_sessions.seen(&hash, state.now())
}

/// A fresh officer session, confirmed at the gate by a valid verification of `qr`, then
/// ended in the database (as a sign-out on another instance does); its token.
async fn ended_after(app: &TestApp, qr: &str) -> String {
    let officer = app.officer_token().await;
    let (status, v) = verify_as(app, &officer, json!({"qr": qr})).await;
    assert_eq!((status, v["valid"].as_bool()), (200, Some(true)), "{v}");
    sqlx::query("DELETE FROM tokens WHERE kind = 'officer'")
        .execute(&app.running.state.db.pool)
        .await
        .unwrap();
    assert!(remembered(app, &officer), "the gate remembers it");
    officer
}

#[tokio::test]
async fn an_officers_session_that_ends_is_refused_at_once_though_the_gate_remembers_it() {
    let app = spawn_app(Backend::Sqlite).await;
    let r = app.adult(5).clone();
    let nik = r.ktp.nik.as_str();
    let phone = Phone::new();
    onboard(&app, &r, &phone, "w@contoh.id", "135790").await;
    let mut qrs = Vec::new();
    for _ in 0..4 {
        qrs.push(
            show_qr(&app, &phone, nik, "135790", Profile::Minimal)
                .await
                .0,
        );
    }
    // Refused outside the batch (a wrong body, a damaged QR): the session is read again.
    let officer = ended_after(&app, &qrs[0]).await;
    let (status, v) = verify_as(&app, &officer, json!({"kode": 1})).await;
    assert_eq!(status, 401, "{v}");
    assert!(!remembered(&app, &officer), "a 401 forgets it");
    let officer = ended_after(&app, &qrs[1]).await;
    let (status, v) = verify_as(&app, &officer, json!({"qr": "IKD2:X"})).await;
    assert_eq!(status, 401, "{v}");
    // A valid QR: the batch reads the session with the nonce, and spends nothing.
    let officer = ended_after(&app, &qrs[2]).await;
    let (status, v) = verify_as(&app, &officer, json!({"qr": qrs[3]})).await;
    assert_eq!(status, 401, "{v}");
    let (status, v) = verify_as(&app, &app.officer_token().await, json!({"qr": qrs[3]})).await;
    assert_eq!((status, v["valid"].as_bool()), (200, Some(true)), "{v}");

    // A sign-out forgets the token on its instance at once.
    let officer = app.officer_token().await;
    let (status, _) = verify_as(&app, &officer, json!({"qr": "IKD2:X"})).await;
    assert!(status == 200 && remembered(&app, &officer));
    let (status, _) = app.post("/officer/logout", json!({}), Some(&officer)).await;
    assert_eq!(status, 204);
    assert!(!remembered(&app, &officer));
}

#[tokio::test]
async fn no_nik_name_email_or_phone_of_the_residents_used_appears_in_the_service_log() {
    let app = spawn_app(Backend::Sqlite).await;
    let used: Vec<_> = (0..3).map(|i| app.adult(i).clone()).collect();
    let mut secrets = Vec::new();
    for (i, r) in used.iter().enumerate() {
        let phone = Phone::new();
        let email = format!("pii.check.{i}@contoh.co.id");
        onboard(&app, r, &phone, &email, "135790").await;
        let (qr, _) = show_qr(&app, &phone, r.ktp.nik.as_str(), "135790", Profile::Full).await;
        assert_eq!(verify_at(&app, &app.base, &qr).await["valid"], true);
        let (_, _) = login(&app, &phone, r.ktp.nik.as_str(), "975310").await;
        secrets.extend([
            r.ktp.nik.as_str().to_owned(),
            r.ktp.nama.clone(),
            email,
            "6281234567890".into(),
            "0812-3456-7890".into(),
        ]);
    }
    let logs = String::from_utf8_lossy(&LOGS.lock().unwrap()).into_owned();
    assert!(
        logs.contains("registration approved"),
        "the log was captured"
    );
    for s in &secrets {
        assert!(!logs.contains(s.as_str()), "found {s:?} in the service log");
    }
}
