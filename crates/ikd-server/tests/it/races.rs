//! Races on one NIK (issue 16, second part): the same operation fired in parallel, exactly
//! one winner, a clear refusal for the others, on SQLite and on PostgreSQL.

use futures_util::future::join_all;
use serde_json::json;

use crate::flow::*;
use crate::helpers::*;

/// Parallel requests in each race.
const PARALLEL: usize = 50;

/// Open registrations (selfie, officer or activation still to come) of `nik`.
async fn open_registrations(app: &TestApp, nik: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT id FROM registrations WHERE nik = $1 AND state IN ('awaiting_selfie', 'awaiting_officer', 'approved')",
    )
    .bind(nik)
    .fetch_all(&app.running.state.db.pool)
    .await
    .unwrap()
}

async fn one_open_registration_wins(backend: Backend) {
    let app = spawn_app(backend).await;
    let r = app.adult(0).clone();
    let nik = r.ktp.nik.as_str().to_owned();
    let phones: Vec<Phone> = (0..PARALLEL).map(|_| Phone::new()).collect();
    let answers = join_all(phones.iter().enumerate().map(|(i, phone)| {
        app.post(
            "/registrations",
            start_body(&r, phone, &format!("hp{i}@contoh.id")),
            None,
        )
    }))
    .await;
    let statuses: Vec<u16> = answers.iter().map(|(s, _)| *s).collect();
    assert!(
        answers.iter().all(|(s, v)| *s == 201
            || (*s, v["error"]["code"].as_str()) == (409, Some("REGISTRATION_SUPERSEDED"))),
        "every start is taken or clearly refused: {statuses:?}"
    );
    let open = open_registrations(&app, &nik).await;
    assert_eq!(
        open.len(),
        1,
        "exactly one registration of the NIK stays open"
    );
    let mut winner = None;
    let mut losers = 0;
    for (_, v) in answers.iter().filter(|(s, _)| *s == 201) {
        let reg = Registration {
            id: v["registration_id"].as_str().unwrap().to_owned(),
            secret: v["secret"].as_str().unwrap().to_owned(),
        };
        if reg.id == open[0] {
            assert_eq!(status(&app, &reg).await["state"], "awaiting_selfie");
            winner = Some(reg);
        } else {
            assert_eq!(status(&app, &reg).await["state"], "superseded");
            losers += 1;
            if losers == 1 {
                let (s, v) = app.put_selfie(&reg, face("one-face-astronaut.jpg")).await;
                assert_eq!(
                    (s, v["error"]["code"].as_str()),
                    (409, Some("REGISTRATION_SUPERSEDED")),
                    "{v}"
                );
                assert!(
                    v["error"]["message"]
                        .as_str()
                        .unwrap()
                        .contains("daftar ulang"),
                    "says what to do next: {v}"
                );
            }
        }
    }
    assert!(losers >= 1, "{statuses:?}");
    let winner = winner.expect("the open registration was answered 201");
    // The one left open goes on to the officer as usual.
    let qr = selfie(&app, &winner).await;
    approve(&app, &qr).await;
    assert_eq!(status(&app, &winner).await["state"], "approved");
}

#[tokio::test]
async fn fifty_registrations_of_one_nik_started_at_once_leave_exactly_one_open_on_sqlite() {
    one_open_registration_wins(Backend::Sqlite).await;
}

#[tokio::test]
async fn fifty_registrations_of_one_nik_started_at_once_leave_exactly_one_open_on_postgres() {
    one_open_registration_wins(Backend::Postgres).await;
}

/// Two approved registrations of one NIK (the activation race) cannot exist: a start
/// supersedes an unapproved one, an approved one refuses new starts, and the database
/// refuses a second open row whatever the code does.
async fn approved_registration_holds_its_nik(backend: Backend) {
    let app = spawn_app(backend).await;
    let r = app.adult(0).clone();
    let nik = r.ktp.nik.as_str().to_owned();
    let first = start_registration(&app, &r, &Phone::new(), "satu@contoh.id").await;
    let first_qr = selfie(&app, &first).await;
    let phone = Phone::new();
    let second = start_registration(&app, &r, &phone, "dua@contoh.id").await;
    assert_eq!(status(&app, &first).await["state"], "superseded");
    let officer = app.officer_token().await;
    for (path, body) in [
        ("/officer/scan", json!({"qr": first_qr})),
        (
            "/officer/decision",
            json!({"qr": first_qr, "approve": true}),
        ),
    ] {
        let (s, v) = app.post(path, body, Some(&officer)).await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (409, Some("REGISTRATION_SUPERSEDED")),
            "{path}: {v}"
        );
    }
    let qr = selfie(&app, &second).await;
    approve_as(&app, &officer, &qr).await;
    let (s, v) = app
        .post(
            "/registrations",
            start_body(&r, &Phone::new(), "tiga@contoh.id"),
            None,
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (409, Some("REGISTRATION_AWAITING_ACTIVATION")),
        "{v}"
    );
    assert!(
        v["error"]["message"].as_str().unwrap().contains("jam"),
        "says when a new start is possible: {v}"
    );
    // The constraint itself: a second open row of the NIK is refused by the database.
    let dup = sqlx::query(
        "INSERT INTO registrations (id, nik, email, phone, consent_version, device_key, token_hash, state, created_at, expires_at)
         VALUES ('dup', $1, 'e', 'p', 'v', $2, $2, 'approved', 0, 0)",
    )
    .bind(&nik)
    .bind(vec![0u8; 4])
    .execute(&app.running.state.db.pool)
    .await
    .expect_err("a second open registration of one NIK");
    assert!(
        dup.as_database_error()
            .is_some_and(|e| e.is_unique_violation()),
        "{dup}"
    );
    activate_and_sign_in(&app, &second, &phone, &nik, "dua@contoh.id", "135790").await;
    assert!(open_registrations(&app, &nik).await.is_empty());
}

#[tokio::test]
async fn an_approved_registration_holds_its_nik_and_a_superseded_one_cannot_be_approved_on_sqlite()
{
    approved_registration_holds_its_nik(Backend::Sqlite).await;
}

#[tokio::test]
async fn an_approved_registration_holds_its_nik_and_a_superseded_one_cannot_be_approved_on_postgres()
 {
    approved_registration_holds_its_nik(Backend::Postgres).await;
}

/// One QR sent `PARALLEL` times at once, to `bases` in turn: one answer valid, every other
/// `QR_REPLAYED`, one access-log entry.
async fn one_verification_wins(app: &TestApp, bases: &[String], adult: usize) {
    let r = app.adult(adult).clone();
    let phone = Phone::new();
    onboard(app, &r, &phone, "qr@contoh.id", "135790").await;
    let (qr, _) = crate::verification::show_qr(
        app,
        &phone,
        r.ktp.nik.as_str(),
        "135790",
        ikd_core::wire::Profile::Minimal,
    )
    .await;
    let officer = app.officer_token().await;
    let answers = join_all((0..PARALLEL).map(|i| {
        app.http
            .post(format!("{}/verify", bases[i % bases.len()]))
            .bearer_auth(&officer)
            .json(&json!({"qr": qr}))
            .send()
    }))
    .await;
    let mut valid = 0;
    for a in answers {
        let a = a.unwrap();
        assert_eq!(a.status().as_u16(), 200);
        let v: serde_json::Value = a.json().await.unwrap();
        if v["valid"] == true {
            valid += 1;
        } else {
            assert_eq!(v["error"]["code"], "QR_REPLAYED", "{v}");
        }
    }
    assert_eq!(valid, 1, "one verification accepted");
    let logged: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM access_log WHERE nik = $1 AND kind = 'verified'")
            .bind(r.ktp.nik.as_str())
            .fetch_one(&app.running.state.db.pool)
            .await
            .unwrap();
    assert_eq!(logged, 1, "one entry in the citizen's Riwayat");
}

#[tokio::test]
async fn one_qr_verified_fifty_times_at_once_is_valid_once_on_sqlite() {
    let app = spawn_app(Backend::Sqlite).await;
    one_verification_wins(&app, std::slice::from_ref(&app.base), 3).await;
}

#[tokio::test]
async fn one_qr_verified_fifty_times_at_once_is_valid_once_on_postgres() {
    let app = spawn_app(Backend::Postgres).await;
    one_verification_wins(&app, std::slice::from_ref(&app.base), 3).await;
}

#[tokio::test]
async fn one_qr_verified_fifty_times_at_once_on_two_instances_of_one_postgres_is_valid_once() {
    let app = spawn_app(Backend::Postgres).await;
    let (second, _running) = app.second_instance().await;
    one_verification_wins(&app, &[app.base.clone(), second], 3).await;
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
        // Refused at the lookup (decided already) or at the conditional update (decided
        // meanwhile).
        assert!(
            matches!(
                (*s, v["error"]["code"].as_str()),
                (
                    409,
                    Some("REGISTRATION_ALREADY_DECIDED" | "REGISTRATION_WRONG_STATE")
                )
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
    // One activation. A later answer of 200 is the same code before the PIN is set, giving
    // a new setup token in place of the last (an answer lost in transit), within the code's
    // attempts; which interleaving happens depends on the CPU permits (cpu.rs).
    let answered = statuses.iter().filter(|s| **s == 200).count();
    assert!(
        (1..=ikd_server::routes::MAX_CODE_ATTEMPTS as usize).contains(&answered),
        "{statuses:?}"
    );
    let activations: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
        .fetch_one(&app.running.state.db.pool)
        .await
        .unwrap();
    assert_eq!(activations, 1);
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
    assert_eq!(
        setup_tokens, 1,
        "one setup token stands: each re-issue replaced the last"
    );
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
