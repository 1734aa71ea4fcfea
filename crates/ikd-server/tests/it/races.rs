//! Races on one NIK (issue 16, first part): the same operation fired in parallel, exactly
//! one winner, a clear refusal for the others, on SQLite and on PostgreSQL.

use futures_util::future::join_all;
use serde_json::json;

use crate::flow::*;
use crate::helpers::*;

/// Parallel activations of one NIK.
const PARALLEL: usize = 50;

/// `PARALLEL` registrations of one resident from as many phones, each approved by an
/// officer: all that the activation race needs.
async fn approved_registrations(app: &TestApp) -> Vec<(Phone, Registration, String)> {
    let r = app.adult(0).clone();
    // One officer session for all (officer sign-ins are rate-limited per address).
    let officer = app.officer_token().await;
    let mut out = Vec::with_capacity(PARALLEL);
    for i in 0..PARALLEL {
        let phone = Phone::new();
        let email = format!("hp{i}@contoh.id");
        let reg = start_registration(app, &r, &phone, &email).await;
        let qr = selfie(app, &reg).await;
        approve_as(app, &officer, &qr).await;
        out.push((phone, reg, email));
    }
    out
}

async fn one_device_wins(backend: Backend) {
    let app = spawn_app(backend).await;
    let nik = app.adult(0).ktp.nik.as_str().to_owned();
    let regs = approved_registrations(&app).await;
    // Codes and captchas first, so the activations themselves start together.
    let mut bodies = Vec::with_capacity(PARALLEL);
    for (_, reg, email) in &regs {
        let (cid, answer) = app.captcha().await;
        bodies.push(
            json!({"registration_id": reg.id, "code": app.code_from_outbox(email),
                           "captcha_id": cid, "captcha_answer": answer}),
        );
    }
    let answers = join_all(bodies.into_iter().map(|b| app.post("/activate", b, None))).await;
    let winners: Vec<usize> = (0..PARALLEL).filter(|i| answers[*i].0 == 200).collect();
    let statuses: Vec<u16> = answers.iter().map(|(s, _)| *s).collect();
    assert_eq!(
        winners.len(),
        1,
        "exactly one activation binds a device: {statuses:?}"
    );
    for (s, v) in answers.iter().filter(|(s, _)| *s != 200) {
        assert_eq!(
            (*s, v["error"]["code"].as_str()),
            (409, Some("NIK_ACTIVE_ON_ANOTHER_DEVICE")),
            "{v}"
        );
    }
    // The bound device is the winner's, and stays so.
    let bound: Vec<u8> = sqlx::query_scalar("SELECT device_key FROM accounts WHERE nik = $1")
        .bind(&nik)
        .fetch_one(&app.running.state.db.pool)
        .await
        .unwrap();
    let (phone, reg, _) = &regs[winners[0]];
    assert_eq!(bound, phone.key.public().sec1().to_vec());
    assert_eq!(status(&app, reg).await["state"], "activated");
    let activated: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM registrations WHERE nik = $1 AND state = 'activated'",
    )
    .bind(&nik)
    .fetch_one(&app.running.state.db.pool)
    .await
    .unwrap();
    assert_eq!(
        activated, 1,
        "the losers' registrations are not marked activated"
    );
}

#[tokio::test]
async fn fifty_approved_registrations_of_one_nik_activated_at_once_bind_exactly_one_device_on_sqlite()
 {
    one_device_wins(Backend::Sqlite).await;
}

#[tokio::test]
async fn fifty_approved_registrations_of_one_nik_activated_at_once_bind_exactly_one_device_on_postgres()
 {
    one_device_wins(Backend::Postgres).await;
}

/// One registration waiting for the officer, and its QR.
async fn awaiting_officer(app: &TestApp) -> (Registration, String, String) {
    let r = app.adult(1).clone();
    let email = "sekali@contoh.id".to_owned();
    let reg = start_registration(app, &r, &Phone::new(), &email).await;
    let qr = selfie(app, &reg).await;
    (reg, qr, email)
}

async fn one_approval_wins(backend: Backend) {
    let app = spawn_app(backend).await;
    let (reg, qr, email) = awaiting_officer(&app).await;
    let officer = app.officer_token().await;
    let body = json!({"qr": qr, "approve": true});
    let answers = join_all(
        (0..PARALLEL).map(|_| app.post("/officer/decision", body.clone(), Some(&officer))),
    )
    .await;
    let statuses: Vec<u16> = answers.iter().map(|(s, _)| *s).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 204).count(),
        1,
        "{statuses:?}"
    );
    for (s, v) in answers.iter().filter(|(s, _)| *s != 204) {
        // Refused at the lookup (a decided registration's QR no longer matches) or at the
        // conditional update (decided meanwhile).
        assert!(
            matches!(
                (*s, v["error"]["code"].as_str()),
                (404, Some("REGISTRATION_NOT_FOUND")) | (409, Some("REGISTRATION_WRONG_STATE"))
            ),
            "{s} {v}"
        );
    }
    let mails = std::fs::read_dir(app.outbox())
        .unwrap()
        .filter(|e| {
            std::fs::read_to_string(e.as_ref().unwrap().path())
                .unwrap()
                .contains(&email)
        })
        .count();
    assert_eq!(mails, 1, "one approval, one code mailed");
    assert_eq!(status(&app, &reg).await["state"], "approved");
}

#[tokio::test]
async fn fifty_approvals_of_one_registration_at_once_approve_it_once_and_mail_one_code_on_sqlite() {
    one_approval_wins(Backend::Sqlite).await;
}

#[tokio::test]
async fn fifty_approvals_of_one_registration_at_once_approve_it_once_and_mail_one_code_on_postgres()
{
    one_approval_wins(Backend::Postgres).await;
}

async fn one_code_use_wins(backend: Backend) {
    let app = spawn_app(backend).await;
    let (reg, qr, email) = awaiting_officer(&app).await;
    approve(&app, &qr).await;
    let code = app.code_from_outbox(&email);
    let mut bodies = Vec::with_capacity(PARALLEL);
    for _ in 0..PARALLEL {
        let (cid, answer) = app.captcha().await;
        bodies.push(json!({"registration_id": reg.id, "code": code,
                           "captcha_id": cid, "captcha_answer": answer}));
    }
    let answers = join_all(bodies.into_iter().map(|b| app.post("/activate", b, None))).await;
    let statuses: Vec<u16> = answers.iter().map(|(s, _)| *s).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    for (s, v) in answers.iter().filter(|(s, _)| *s != 200) {
        let code = v["error"]["code"].as_str();
        assert!(
            matches!(
                (*s, code),
                (410, Some("ACTIVATION_CODE_EXPIRED"))
                    | (
                        409,
                        Some("REGISTRATION_WRONG_STATE" | "NIK_ACTIVE_ON_ANOTHER_DEVICE")
                    )
            ),
            "{s} {v}"
        );
    }
    let setup_tokens: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tokens WHERE kind = 'setup'")
        .fetch_one(&app.running.state.db.pool)
        .await
        .unwrap();
    assert_eq!(setup_tokens, 1, "one code use, one PIN setup");
}

#[tokio::test]
async fn one_activation_code_sent_fifty_times_at_once_activates_once_on_sqlite() {
    one_code_use_wins(Backend::Sqlite).await;
}

#[tokio::test]
async fn one_activation_code_sent_fifty_times_at_once_activates_once_on_postgres() {
    one_code_use_wins(Backend::Postgres).await;
}

async fn wrong_pins_in_parallel_are_each_counted(backend: Backend) {
    let app = spawn_app(backend).await;
    let r = app.adult(2).clone();
    let nik = r.ktp.nik.as_str().to_owned();
    let phone = Phone::new();
    onboard(&app, &r, &phone, "tebak@contoh.id", "246813").await;
    // The bound phone itself (the device signature is checked first): challenges signed
    // first, then every wrong guess at once.
    let mut bodies = Vec::with_capacity(PARALLEL);
    for _ in 0..PARALLEL {
        let (s, ch) = app.post("/login/challenge", json!({}), None).await;
        assert_eq!(s, 200, "{ch}");
        let sig = phone.sign_challenge(ch["challenge"].as_str().unwrap());
        bodies.push(
            json!({"nik": nik, "pin": "975310", "challenge_id": ch["challenge_id"],
                           "device_signature": sig}),
        );
    }
    let answers = join_all(bodies.into_iter().map(|b| app.post("/login", b, None))).await;
    let mut guessed = 0;
    for (s, v) in &answers {
        match (*s, v["error"]["code"].as_str()) {
            (401, Some("PIN_WRONG")) => guessed += 1,
            (423, Some("ACCOUNT_LOCKED" | "ACCOUNT_LOCKED_OFFICER_RESET"))
            | (429, Some("RATE_LIMITED")) => {}
            other => panic!("{other:?}: {v}"),
        }
    }
    // Three guesses earn the first lock; no burst gets more before it.
    assert_eq!(guessed, 3, "{answers:?}");
    let (failed, locked_until): (i64, Option<i64>) =
        sqlx::query_as("SELECT failed_pins, locked_until FROM accounts WHERE nik = $1")
            .bind(&nik)
            .fetch_one(&app.running.state.db.pool)
            .await
            .unwrap();
    assert_eq!(failed, 3, "each guess counted once");
    assert!(locked_until.is_some(), "and the lock is on");
}

#[tokio::test]
async fn fifty_wrong_pins_at_once_from_many_connections_get_three_guesses_then_the_lock_on_sqlite()
{
    wrong_pins_in_parallel_are_each_counted(Backend::Sqlite).await;
}

#[tokio::test]
async fn fifty_wrong_pins_at_once_from_many_connections_get_three_guesses_then_the_lock_on_postgres()
 {
    wrong_pins_in_parallel_are_each_counted(Backend::Postgres).await;
}
