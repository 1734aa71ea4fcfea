//! Ganti perangkat: a new phone moves an active account, through an officer's remote review
//! and a 24 h wait (a moved test clock, not a sleep) that the old phone or the registered
//! email can cancel; or at the counter, at once. Then the old phone is refused everywhere.

use futures_util::future::join_all;
use ikd_core::crypto::KeySet;
use ikd_core::wire::{Credential, Profile, present};
use ikd_server::device_change::WAIT_SECS;
use serde_json::{Value, json};

use crate::flow::{activate, login, onboard, selfie, start_registration, status};
use crate::helpers::{Backend, Phone, Registration, TestApp, spawn_app};
use crate::verification::{keyset, verify_at};

const OLD_PIN: &str = "902417";
const NEW_PIN: &str = "913580";

fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

/// An account active on phone A, and phone B that registered the same NIK with a selfie.
struct Move {
    nik: String,
    old_phone: Phone,
    old_email: String,
    old_session: String,
    new_phone: Phone,
    new_email: String,
    reg: Registration,
    qr: String,
}

async fn requested(app: &TestApp, n: usize) -> Move {
    let r = app.adult(n).clone();
    let old_phone = Phone::new();
    let old_email = format!("lama{n}@contoh.id");
    let old_session = onboard(app, &r, &old_phone, &old_email, OLD_PIN).await;
    let new_phone = Phone::new();
    let new_email = format!("baru{n}@contoh.id");
    let (s, v) = app
        .post(
            "/registrations",
            crate::helpers::start_body(&r, &new_phone, &new_email),
            None,
        )
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["device_change"], true, "{v}");
    let reg = Registration {
        id: v["registration_id"].as_str().unwrap().to_owned(),
        secret: v["secret"].as_str().unwrap().to_owned(),
    };
    let qr = selfie(app, &reg).await;
    Move {
        nik: r.ktp.nik.as_str().to_owned(),
        old_phone,
        old_email,
        old_session,
        new_phone,
        new_email,
        reg,
        qr,
    }
}

async fn remote_decision(app: &TestApp, id: &str, body: Value) -> (u16, Value) {
    let officer = app.officer_token().await;
    app.post(
        &format!("/officer/remote-reviews/{id}/decision"),
        body,
        Some(&officer),
    )
    .await
}

async fn approve_remotely(app: &TestApp, m: &Move) {
    let (s, v) = remote_decision(app, &m.reg.id, json!({"approve": true})).await;
    assert_eq!(s, 204, "{v}");
}

/// The new phone's activation and first PIN.
async fn complete(app: &TestApp, m: &Move) {
    let code = app.code_from_outbox(&m.new_email);
    let (s, v) = activate(app, &m.reg, &code).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = app
        .post(
            "/pin",
            json!({"setup_token": v["setup_token"], "pin": NEW_PIN}),
            None,
        )
        .await;
    assert_eq!(s, 204, "{v}");
}

/// Signs in and builds an identity QR at the service's clock (which the tests move).
async fn qr_now(app: &TestApp, phone: &Phone, nik: &str, pin: &str) -> String {
    let (s, session) = login(app, phone, nik, pin).await;
    assert_eq!(s, 200, "{session}");
    let keys: KeySet = keyset(app).await;
    let bytes = ikd_server::security::from_b64u(session["credential"].as_str().unwrap()).unwrap();
    let cred = Credential::from_cbor(&bytes).unwrap();
    let now = app.running.state.now();
    present(&cred, &phone.key, Profile::Minimal, &keys.verifiers[0], now).unwrap()
}

async fn device_key(app: &TestApp, nik: &str) -> Vec<u8> {
    sqlx::query_scalar("SELECT device_key FROM accounts WHERE nik = $1")
        .bind(nik)
        .fetch_one(&app.running.state.db.pool)
        .await
        .unwrap()
}

async fn activity_kinds(app: &TestApp, session: &str) -> Vec<String> {
    let (s, v) = app.get("/me/activity", session).await;
    assert_eq!(s, 200, "{v}");
    v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect()
}

/// The link in the notice, `…/perangkat/batal/TOKEN`, on this test's service (its public
/// URL is the configured one, not the port the test bound).
fn cancel_link(app: &TestApp, mail: &str) -> String {
    let (_, rest) = mail.split_once("/perangkat/batal/").expect("a cancel link");
    let token: String = rest.chars().take_while(|c| !c.is_whitespace()).collect();
    format!(
        "{}/perangkat/batal/{token}",
        app.base.replace("/api/v1", "")
    )
}

async fn moved_after_a_remote_review_and_the_wait(backend: Backend) {
    let app = spawn_app(backend).await;
    let m = requested(&app, 0).await;

    // The old phone sees the request while it waits for an officer.
    let (s, v) = app.get("/me/device-change", &m.old_session).await;
    assert_eq!(s, 200, "{v}");
    assert!(v["pending"]["requested_at"].is_i64(), "{v}");
    assert!(v["pending"]["completes_at"].is_null(), "{v}");

    // The officer finds it in the queue and reviews it without the QR.
    let officer = app.officer_token().await;
    let (s, queue) = app.get("/officer/remote-reviews", &officer).await;
    assert_eq!(s, 200, "{queue}");
    let items = queue["items"].as_array().unwrap();
    assert_eq!(
        (items.len(), queue["total"].as_i64()),
        (1, Some(1)),
        "{queue}"
    );
    assert_eq!(items[0]["registration_id"], m.reg.id.as_str());
    assert_eq!(items[0]["nama"], app.adult(0).ktp.nama.as_str());
    let (s, review) = app
        .get(&format!("/officer/remote-reviews/{}", m.reg.id), &officer)
        .await;
    assert_eq!(s, 200, "{review}");
    assert_eq!(review["device_change"], true);
    assert!(review["selfie"].as_str().unwrap().len() > 1000);
    assert!(review["registry_photo"].as_str().unwrap().len() > 1000);
    approve_remotely(&app, &m).await;
    let (_, queue) = app.get("/officer/remote-reviews", &officer).await;
    assert!(queue["items"].as_array().unwrap().is_empty(), "{queue}");

    // The wait: stated to both phones and in the email to the registered address.
    let approved_at = app.running.state.now();
    let st = status(&app, &m.reg).await;
    assert_eq!(
        (st["state"].as_str(), st["device_change"].as_bool()),
        (Some("approved"), Some(true)),
        "{st}"
    );
    let completes = st["completes_at"].as_i64().unwrap();
    assert!((completes - approved_at - WAIT_SECS).abs() <= 5, "{st}");
    let (_, v) = app.get("/me/device-change", &m.old_session).await;
    assert_eq!(
        v["pending"]["completes_at"].as_i64(),
        Some(completes),
        "{v}"
    );
    let notice = app.newest_mail(&m.old_email, "/perangkat/batal/").unwrap();
    assert!(notice.contains("Batalkan"), "{notice}");
    assert!(!notice.contains(&m.nik), "no NIK in a notice");

    // Asked early, the code is refused with the time, and not counted.
    let sent = app.code_from_outbox(&m.new_email);
    let (s, v) = activate(&app, &m.reg, &sent).await;
    assert_eq!((s, code(&v)), (423, "DEVICE_CHANGE_WAITING"), "{v}");
    let attempts: i64 =
        sqlx::query_scalar("SELECT attempts FROM activation_codes WHERE registration_id = $1")
            .bind(&m.reg.id)
            .fetch_one(&app.running.state.db.pool)
            .await
            .unwrap();
    assert_eq!(attempts, 0);

    // The old phone works all through the wait.
    app.running.state.clock.advance(WAIT_SECS - 60);
    let old_qr = qr_now(&app, &m.old_phone, &m.nik, OLD_PIN).await;
    app.running.state.clock.advance(61);
    complete(&app, &m).await;

    // Moved: the new phone signs in; the old key is refused at login, at Lupa PIN, and its
    // QR online.
    let (s, session) = login(&app, &m.new_phone, &m.nik, NEW_PIN).await;
    assert_eq!(s, 200, "{session}");
    let (s, v) = login(&app, &m.old_phone, &m.nik, OLD_PIN).await;
    assert_eq!((s, code(&v)), (401, "DEVICE_SIGNATURE_INVALID"), "{v}");
    let v = verify_at(&app, &app.base, &old_qr).await;
    assert_eq!(
        (v["valid"].as_bool(), v["error"]["code"].as_str()),
        (Some(false), Some("QR_DEVICE_RELEASED")),
        "{v}"
    );
    let (s, _) = app.get("/me/ktp", &m.old_session).await;
    assert_eq!(s, 401, "the old phone's sessions ended");
    let session = session["token"].as_str().unwrap();
    assert!(
        activity_kinds(&app, session)
            .await
            .contains(&"device_changed".to_owned())
    );
    let (_, v) = app.get("/me/device-change", session).await;
    assert!(v["pending"].is_null(), "{v}");
    // Each address is told: the old one that the account left, the new one that it came.
    app.wait_for_mail(&m.old_email, "Ponsel lama tidak dapat masuk lagi")
        .await;
    app.wait_for_mail(&m.new_email, "diaktifkan").await;
}

#[tokio::test]
async fn a_new_phone_moves_the_account_after_a_remote_review_and_the_wait_on_sqlite() {
    moved_after_a_remote_review_and_the_wait(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_new_phone_moves_the_account_after_a_remote_review_and_the_wait_on_postgres() {
    moved_after_a_remote_review_and_the_wait(Backend::Postgres).await;
}

#[tokio::test]
async fn the_old_phone_cancels_a_device_change_and_the_new_phones_code_stops_working() {
    let app = spawn_app(Backend::Sqlite).await;
    let m = requested(&app, 1).await;
    approve_remotely(&app, &m).await;
    let (s, v) = app
        .post("/me/device-change/cancel", json!({}), Some(&m.old_session))
        .await;
    assert_eq!(s, 204, "{v}");
    let (s, v) = app
        .post("/me/device-change/cancel", json!({}), Some(&m.old_session))
        .await;
    assert_eq!((s, code(&v)), (404, "DEVICE_CHANGE_NOT_FOUND"), "{v}");
    let (_, v) = app.get("/me/device-change", &m.old_session).await;
    assert!(v["pending"].is_null(), "{v}");
    assert_eq!(status(&app, &m.reg).await["state"], "cancelled");

    app.running.state.clock.advance(WAIT_SECS + 1);
    let code_sent = app.code_from_outbox(&m.new_email);
    let (s, v) = activate(&app, &m.reg, &code_sent).await;
    assert_eq!((s, code(&v)), (409, "DEVICE_CHANGE_CANCELLED"), "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("KTP-el"),
        "says the way out: {v}"
    );
    // The account never left the old phone.
    assert_eq!(
        device_key(&app, &m.nik).await,
        m.old_phone.key.public().sec1().to_vec()
    );
    let (s, session) = login(&app, &m.old_phone, &m.nik, OLD_PIN).await;
    assert_eq!(s, 200, "{session}");
    let kinds = activity_kinds(&app, session["token"].as_str().unwrap()).await;
    assert!(
        kinds.contains(&"device_change_cancelled".to_owned()),
        "{kinds:?}"
    );
    app.wait_for_mail(&m.old_email, "dibatalkan").await;
}

#[tokio::test]
async fn the_emailed_link_cancels_a_device_change_and_opening_it_changes_nothing() {
    let app = spawn_app(Backend::Sqlite).await;
    let m = requested(&app, 2).await;
    approve_remotely(&app, &m).await;
    let link = cancel_link(
        &app,
        &app.newest_mail(&m.old_email, "/perangkat/batal/").unwrap(),
    );
    let page = app.http.get(&link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "no-store");
    let html = page.text().await.unwrap();
    assert!(html.contains("<form method=\"post\">"), "{html}");
    assert_eq!(
        status(&app, &m.reg).await["state"],
        "approved",
        "a GET changed nothing"
    );

    let done = app.http.post(&link).send().await.unwrap();
    assert_eq!(done.status(), 200);
    assert!(done.text().await.unwrap().contains("dibatalkan"));
    assert_eq!(status(&app, &m.reg).await["state"], "cancelled");
    let again = app.http.post(&link).send().await.unwrap();
    assert_eq!(again.status(), 404);
    assert_eq!(
        again.headers()["x-ikd-error-code"],
        "DEVICE_CHANGE_NOT_FOUND"
    );
    // A link far longer than a token is refused before any lookup.
    let long = format!(
        "{}/perangkat/batal/{}",
        app.base.replace("/api/v1", ""),
        "a".repeat(65)
    );
    let res = app.http.post(&long).send().await.unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn at_the_counter_a_device_change_completes_at_once_and_the_old_qr_is_refused() {
    let app = spawn_app(Backend::Sqlite).await;
    let m = requested(&app, 3).await;
    let old_qr = qr_now(&app, &m.old_phone, &m.nik, OLD_PIN).await;
    crate::flow::approve(&app, &m.qr).await;
    let st = status(&app, &m.reg).await;
    assert!(
        st["completes_at"].as_i64().unwrap() <= app.running.state.now(),
        "{st}"
    );
    complete(&app, &m).await;
    let v = verify_at(&app, &app.base, &old_qr).await;
    assert_eq!(
        v["error"]["code"].as_str(),
        Some("QR_DEVICE_RELEASED"),
        "{v}"
    );
    let (s, _) = login(&app, &m.new_phone, &m.nik, NEW_PIN).await;
    assert_eq!(s, 200);
    // No cancel link: nothing waited.
    assert!(app.newest_mail(&m.old_email, "/perangkat/batal/").is_none());
    app.wait_for_mail(&m.old_email, "Ponsel lama tidak dapat masuk lagi")
        .await;
}

#[tokio::test]
async fn the_remote_queue_holds_only_device_changes_and_needs_a_registry_photo() {
    let app = spawn_app(Backend::Sqlite).await;
    let officer = app.officer_token().await;
    // A first registration is decided at the counter only.
    let first = start_registration(&app, &app.adult(4).clone(), &Phone::new(), "f@contoh.id").await;
    selfie(&app, &first).await;
    let (s, v) = app
        .get(&format!("/officer/remote-reviews/{}", first.id), &officer)
        .await;
    assert_eq!((s, code(&v)), (404, "REGISTRATION_NOT_FOUND"), "{v}");
    let (s, v) = remote_decision(&app, &first.id, json!({"approve": true})).await;
    assert_eq!(s, 404, "{v}");
    let (_, queue) = app.get("/officer/remote-reviews", &officer).await;
    assert!(queue["items"].as_array().unwrap().is_empty(), "{queue}");
    assert_eq!(queue["total"], 0);

    // No registry photo: nothing to compare remotely, and nobody to show the card.
    let m = requested(&app, 5).await;
    sqlx::query("UPDATE residents SET photo = NULL, synthetic = 0 WHERE nik = $1")
        .bind(&m.nik)
        .execute(&app.running.state.db.pool)
        .await
        .unwrap();
    let (s, v) = remote_decision(&app, &m.reg.id, json!({"approve": true})).await;
    assert_eq!(
        (s, code(&v)),
        (409, "REMOTE_REVIEW_NEEDS_REGISTRY_PHOTO"),
        "{v}"
    );
    assert!(
        app.newest_mail(&m.new_email, "Kode aktivasi").is_none(),
        "no code was sent"
    );
    let (s, v) = remote_decision(
        &app,
        &m.reg.id,
        json!({"approve": false, "reason": "Datang ke loket dengan KTP-el."}),
    )
    .await;
    assert_eq!(s, 204, "{v}");
    let st = status(&app, &m.reg).await;
    assert_eq!(st["state"], "rejected");
    assert_eq!(st["reason"], "Datang ke loket dengan KTP-el.");
    let (s, v) = remote_decision(&app, &m.reg.id, json!({"approve": true})).await;
    assert_eq!((s, code(&v)), (409, "REGISTRATION_ALREADY_DECIDED"), "{v}");
}

/// The new phone's activations on one instance whose clock is past the wait, and the old
/// phone's cancels on another whose clock is not (the skew two instances may have), all at
/// once: exactly one side wins, and the account's device says which.
async fn activation_and_cancel_race(backend: Backend) {
    let app = spawn_app(backend).await;
    let (other, _running) = app.second_instance().await;
    let m = requested(&app, 6).await;
    approve_remotely(&app, &m).await;
    app.running.state.clock.advance(WAIT_SECS + 1);
    let code_sent = app.code_from_outbox(&m.new_email);
    let mut bodies = Vec::new();
    for _ in 0..ikd_server::routes::MAX_CODE_ATTEMPTS {
        let (cid, answer) = app.captcha().await;
        bodies.push(json!({"registration_id": m.reg.id, "code": code_sent,
                           "captcha_id": cid, "captcha_answer": answer}));
    }
    let activations = bodies.into_iter().map(|b| app.post("/activate", b, None));
    let cancels = (0..45).map(|_| async {
        let res = app
            .http
            .post(format!("{other}/me/device-change/cancel"))
            .bearer_auth(&m.old_session)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        (status, res.json::<Value>().await.unwrap_or(Value::Null))
    });
    let (activated, cancelled) = tokio::join!(join_all(activations), join_all(cancels));
    let won_cancels = cancelled.iter().filter(|(s, _)| *s == 204).count();
    let won_activations = activated.iter().filter(|(s, _)| *s == 200).count();
    for (s, v) in &cancelled {
        assert!(
            *s == 204 || (*s, code(v)) == (404, "DEVICE_CHANGE_NOT_FOUND") || *s == 401,
            "{s} {v}"
        );
    }
    let device = device_key(&app, &m.nik).await;
    if won_cancels == 1 {
        assert_eq!(won_activations, 0, "{activated:?}");
        assert_eq!(device, m.old_phone.key.public().sec1().to_vec());
        assert_eq!(status(&app, &m.reg).await["state"], "cancelled");
        for (s, v) in &activated {
            assert!(matches!(code(v), "DEVICE_CHANGE_CANCELLED"), "{s} {v}");
        }
    } else {
        assert_eq!(won_cancels, 0);
        assert!(won_activations >= 1, "{activated:?}");
        assert_eq!(device, m.new_phone.key.public().sec1().to_vec());
        assert_eq!(status(&app, &m.reg).await["state"], "activated");
    }
}

#[tokio::test]
async fn an_activation_racing_cancels_on_another_instance_leaves_exactly_one_outcome_on_sqlite() {
    activation_and_cancel_race(Backend::Sqlite).await;
}

#[tokio::test]
async fn an_activation_racing_cancels_on_another_instance_leaves_exactly_one_outcome_on_postgres() {
    activation_and_cancel_race(Backend::Postgres).await;
}

#[tokio::test]
async fn once_approved_at_the_counter_or_past_its_wait_a_move_cannot_be_cancelled_by_the_old_phone()
{
    let app = spawn_app(Backend::Sqlite).await;
    let m = requested(&app, 7).await;
    // The owner heard of the request when it entered review, before any approval.
    app.wait_for_mail(&m.old_email, "akan meninjaunya").await;
    crate::flow::approve(&app, &m.qr).await;
    let (_, v) = app.get("/me/device-change", &m.old_session).await;
    assert!(
        v["pending"].is_null(),
        "nothing for the old phone to cancel: {v}"
    );
    let (s, v) = app
        .post("/me/device-change/cancel", json!({}), Some(&m.old_session))
        .await;
    assert_eq!((s, code(&v)), (404, "DEVICE_CHANGE_NOT_FOUND"), "{v}");
    complete(&app, &m).await;
}

#[tokio::test]
async fn an_officer_releasing_the_device_ends_a_device_change_under_way() {
    let app = spawn_app(Backend::Sqlite).await;
    let m = requested(&app, 8).await;
    approve_remotely(&app, &m).await;
    let officer = app.officer_token().await;
    let (s, v) = app
        .post(
            &format!("/officer/accounts/{}/release-device", m.nik),
            json!({}),
            Some(&officer),
        )
        .await;
    assert_eq!(s, 204, "{v}");
    assert_eq!(status(&app, &m.reg).await["state"], "cancelled");
    app.running.state.clock.advance(WAIT_SECS + 1);
    let (s, v) = activate(&app, &m.reg, &app.code_from_outbox(&m.new_email)).await;
    assert_eq!((s, code(&v)), (409, "DEVICE_CHANGE_CANCELLED"), "{v}");
    // The owner, at the counter, registers afresh.
    let (s, v) = app
        .post(
            "/registrations",
            crate::helpers::start_body(app.adult(8), &Phone::new(), &m.old_email),
            None,
        )
        .await;
    assert_eq!((s, v["device_change"].as_bool()), (201, Some(false)), "{v}");
}

#[tokio::test]
async fn a_fourth_device_change_of_a_nik_in_a_day_waits() {
    let app = spawn_app(Backend::Sqlite).await;
    let r = app.adult(9).clone();
    onboard(&app, &r, &Phone::new(), "batas@contoh.id", OLD_PIN).await;
    for _ in 0..ikd_server::limits::DEVICE_CHANGE_PER_NIK.max {
        let (s, v) = app
            .post(
                "/registrations",
                crate::helpers::start_body(&r, &Phone::new(), "x@contoh.id"),
                None,
            )
            .await;
        assert_eq!((s, v["device_change"].as_bool()), (201, Some(true)), "{v}");
    }
    let (s, v) = app
        .post(
            "/registrations",
            crate::helpers::start_body(&r, &Phone::new(), "x@contoh.id"),
            None,
        )
        .await;
    assert_eq!((s, code(&v)), (429, "RATE_LIMITED"), "{v}");
}
