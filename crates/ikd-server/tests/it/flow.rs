//! The whole citizen flow over HTTP, on SQLite and on PostgreSQL: registration → selfie →
//! officer approval → code from the mail → captcha → activation → PIN → login → KTP-el,
//! KK, documents and activity.

use serde_json::{Value, json};

use crate::helpers::*;

pub async fn start_registration(
    app: &TestApp,
    r: &ikd_server::registry::ResidentRecord,
    phone: &Phone,
    email: &str,
) -> Registration {
    let (s, v) = app
        .post("/registrations", start_body(r, phone, email), None)
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["state"], "awaiting_selfie");
    Registration {
        id: v["registration_id"].as_str().unwrap().to_owned(),
        secret: v["secret"].as_str().unwrap().to_owned(),
    }
}

/// Uploads a one-face selfie; returns the registration QR text.
pub async fn selfie(app: &TestApp, reg: &Registration) -> String {
    let (s, v) = app.put_selfie(reg, face("one-face-astronaut.jpg")).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["accepted"], true, "{v}");
    let qr = v["registration_qr"].as_str().unwrap().to_owned();
    assert!(qr.starts_with("IKDREG1:"));
    qr
}

pub async fn status(app: &TestApp, reg: &Registration) -> Value {
    let (s, v) = app
        .get(&format!("/registrations/{}", reg.id), &reg.secret)
        .await;
    assert_eq!(s, 200, "{v}");
    v
}

pub async fn approve(app: &TestApp, qr: &str) {
    let officer = app.officer_token().await;
    let (s, review) = app
        .post("/officer/scan", json!({"qr": qr}), Some(&officer))
        .await;
    assert_eq!(s, 200, "{review}");
    assert!(
        review["selfie"].as_str().unwrap().len() > 1000,
        "selfie shown"
    );
    assert!(
        review["registry_photo"].as_str().unwrap().len() > 1000,
        "registry photo shown"
    );
    assert!(
        review["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["passed"] == true)
    );
    approve_as(app, &officer, qr).await;
}

/// The officer's Setujui for the registration behind `qr`, with an existing session.
pub async fn approve_as(app: &TestApp, officer: &str, qr: &str) {
    let (s, v) = app
        .post(
            "/officer/decision",
            json!({"qr": qr, "approve": true}),
            Some(officer),
        )
        .await;
    assert_eq!(s, 204, "{v}");
}

pub async fn activate(app: &TestApp, reg: &Registration, code: &str) -> (u16, Value) {
    let (cid, answer) = app.captcha().await;
    app.post(
        "/activate",
        json!({"registration_id": reg.id, "code": code, "captcha_id": cid, "captcha_answer": answer}),
        None,
    )
    .await
}

pub async fn login(app: &TestApp, phone: &Phone, nik: &str, pin: &str) -> (u16, Value) {
    let (s, ch) = app.post("/login/challenge", json!({}), None).await;
    assert_eq!(s, 200, "{ch}");
    let sig = phone.sign_challenge(ch["challenge"].as_str().unwrap());
    app.post(
        "/login",
        json!({"nik": nik, "pin": pin, "challenge_id": ch["challenge_id"], "device_signature": sig}),
        None,
    )
    .await
}

/// Registration through PIN; returns the session token.
pub async fn onboard(
    app: &TestApp,
    r: &ikd_server::registry::ResidentRecord,
    phone: &Phone,
    email: &str,
    pin: &str,
) -> String {
    let reg = start_registration(app, r, phone, email).await;
    let qr = selfie(app, &reg).await;
    approve(app, &qr).await;
    let session = activate_and_sign_in(app, &reg, phone, r.ktp.nik.as_str(), email, pin).await;
    session["token"].as_str().unwrap().to_owned()
}

/// After approval: the code from the mail → activation → the first PIN → login; returns
/// the session (token and credential).
pub async fn activate_and_sign_in(
    app: &TestApp,
    reg: &Registration,
    phone: &Phone,
    nik: &str,
    email: &str,
    pin: &str,
) -> Value {
    let code = app.code_from_outbox(email);
    let (s, v) = activate(app, reg, &code).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = app
        .post(
            "/pin",
            json!({"setup_token": v["setup_token"], "pin": pin}),
            None,
        )
        .await;
    assert_eq!(s, 204, "{v}");
    let (s, session) = login(app, phone, nik, pin).await;
    assert_eq!(s, 200, "{session}");
    session
}

async fn whole_flow(backend: Backend) {
    let app = spawn_app(backend).await;
    let citizen = app.adult(0).clone();
    let phone = Phone::new();
    let email = "warga.satu@contoh.co.id";

    let reg = start_registration(&app, &citizen, &phone, email).await;
    assert_eq!(status(&app, &reg).await["state"], "awaiting_selfie");
    let qr = selfie(&app, &reg).await;
    assert_eq!(status(&app, &reg).await["state"], "awaiting_officer");
    approve(&app, &qr).await;
    let st = status(&app, &reg).await;
    assert_eq!(st["state"], "approved");
    let selfie: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT selfie FROM registrations WHERE id = $1")
            .bind(&reg.id)
            .fetch_one(&app.running.state.db.pool)
            .await
            .unwrap();
    assert!(
        selfie.is_none(),
        "the selfie is deleted once the officer has decided"
    );
    assert_eq!(st["email_masked"], "w•••@contoh.co.id");

    let session = activate_and_sign_in(
        &app,
        &reg,
        &phone,
        citizen.ktp.nik.as_str(),
        email,
        "246810",
    )
    .await;
    let token = session["token"].as_str().unwrap();

    let (s, ktp) = app.get("/me/ktp", token).await;
    assert_eq!(s, 200, "{ktp}");
    assert_eq!(ktp["ktp"]["nik"], citizen.ktp.nik.as_str());
    assert_eq!(ktp["ktp"]["nama"], citizen.ktp.nama.as_str());
    assert!(ktp["ktp"]["foto"].as_str().unwrap().len() > 1000);
    let (s, kk) = app.get("/me/kk", token).await;
    assert_eq!(s, 200, "{kk}");
    let members = kk["kk"]["anggota"].as_array().unwrap();
    assert!(members.iter().any(|m| m["nik"] == citizen.ktp.nik.as_str()));
    assert_eq!(members[0]["hubungan"], "KEPALA KELUARGA");
    let (s, docs) = app.get("/me/documents", token).await;
    assert_eq!(s, 200);
    assert!(
        docs["documents"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["kind"] == "ktp_el")
    );
    let (s, log) = app.get("/me/activity", token).await;
    assert_eq!(s, 200);
    let kinds: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.first(), Some(&"login"));
    assert!(kinds.contains(&"activated"));

    let (s, _) = app.post("/logout", json!({}), Some(token)).await;
    assert_eq!(s, 204);
    let (s, _) = app.get("/me/ktp", token).await;
    assert_eq!(s, 401, "the session ended");
    // The next session's Riwayat shows the sign-out under the sign-in.
    let (s, again) = login(&app, &phone, citizen.ktp.nik.as_str(), "246810").await;
    assert_eq!(s, 200, "{again}");
    let (_, log) = app
        .get("/me/activity", again["token"].as_str().unwrap())
        .await;
    assert_eq!(
        (&log["entries"][0]["kind"], &log["entries"][1]["kind"]),
        (&json!("login"), &json!("logout")),
        "{log}"
    );

    // A second registration for the same NIK, while the device is bound, is a device
    // change (tests/it/device_change.rs follows it through).
    let (s, v) = app
        .post(
            "/registrations",
            start_body(&citizen, &Phone::new(), email),
            None,
        )
        .await;
    assert_eq!((s, v["device_change"].as_bool()), (201, Some(true)), "{v}");
}

#[tokio::test]
async fn the_whole_flow_works_on_sqlite() {
    whole_flow(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_whole_flow_works_on_postgres() {
    whole_flow(Backend::Postgres).await;
}
