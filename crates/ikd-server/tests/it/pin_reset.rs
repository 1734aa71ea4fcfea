//! Lupa PIN: a new PIN from the phone that holds the device key and the emailed code; after
//! a hard lock the new PIN waits 24 h (a moved test clock, not a sleep) and the email's link
//! cancels it.

use futures_util::future::join_all;
use ikd_core::api::{LOGIN_SIGNING_CONTEXT, PIN_RESET_SIGNING_CONTEXT};
use ikd_server::pin_reset::WAIT_AFTER_HARD_LOCK_SECS;
use serde_json::{Value, json};

use crate::flow::{login, onboard};
use crate::helpers::{Backend, Phone, TestApp, free_port, spawn_app};

const OLD_PIN: &str = "902417";
const NEW_PIN: &str = "913580";

fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

/// Step 1 with a challenge signed under `context` by `phone`.
async fn start_signed(app: &TestApp, phone: &Phone, context: &[u8], nik: &str) -> (u16, Value) {
    let (s, ch) = app.post("/login/challenge", json!({}), None).await;
    assert_eq!(s, 200, "{ch}");
    let sig = phone.sign_with(context, ch["challenge"].as_str().unwrap());
    app.post(
        "/pin/reset/start",
        json!({"nik": nik, "challenge_id": ch["challenge_id"], "device_signature": sig}),
        None,
    )
    .await
}

async fn start(app: &TestApp, phone: &Phone, nik: &str) -> String {
    let (s, v) = start_signed(app, phone, PIN_RESET_SIGNING_CONTEXT, nik).await;
    assert_eq!(s, 200, "{v}");
    assert!(v["email_masked"].as_str().unwrap().contains("•••@"), "{v}");
    v["reset_token"].as_str().unwrap().to_owned()
}

async fn finish(app: &TestApp, token: &str, code: &str, pin: &str) -> (u16, Value) {
    let (cid, answer) = app.captcha().await;
    app.post(
        "/pin/reset/finish",
        json!({"reset_token": token, "code": code, "captcha_id": cid, "captcha_answer": answer, "new_pin": pin}),
        None,
    )
    .await
}

fn wrong_code(right: &str) -> &'static str {
    if right == "111111" {
        "222222"
    } else {
        "111111"
    }
}

async fn citizen(app: &TestApp, n: usize) -> (Phone, String, String, String) {
    let phone = Phone::new();
    let r = app.adult(n).clone();
    let email = format!("lupa{n}@contoh.id");
    let token = onboard(app, &r, &phone, &email, OLD_PIN).await;
    (phone, r.ktp.nik.as_str().to_owned(), email, token)
}

async fn forgot_pin_from_a_temporary_lock(backend: Backend) {
    let app = spawn_app(backend).await;
    let (phone, nik, email, session) = citizen(&app, 0).await;
    for _ in 0..3 {
        login(&app, &phone, &nik, "905513").await;
    }
    let (s, v) = login(&app, &phone, &nik, OLD_PIN).await;
    assert_eq!((s, code(&v)), (423, "ACCOUNT_LOCKED"), "{v}");

    let token = start(&app, &phone, &nik).await;
    let right = app.reset_code_from_outbox(&email);
    let (s, v) = finish(&app, &token, wrong_code(&right), NEW_PIN).await;
    assert_eq!((s, code(&v)), (401, "PIN_RESET_CODE_WRONG"), "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains('4'), "{v}");
    let (s, v) = finish(&app, &token, &right, "123456").await;
    assert_eq!(s, 422, "the first PIN's rules hold: {v}");
    let (s, v) = finish(&app, &token, &right, NEW_PIN).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["waiting"], false, "{v}");

    // Single use; every session ended; only the new PIN signs in.
    let (s, v) = finish(&app, &token, &right, NEW_PIN).await;
    assert_eq!((s, code(&v)), (410, "PIN_RESET_EXPIRED"), "{v}");
    let (s, _) = app.get("/me/ktp", &session).await;
    assert_eq!(s, 401, "the session from before the reset ended");
    let (s, v) = login(&app, &phone, &nik, OLD_PIN).await;
    assert_eq!((s, code(&v)), (401, "PIN_WRONG"), "{v}");
    let (s, v) = login(&app, &phone, &nik, NEW_PIN).await;
    assert_eq!(s, 200, "{v}");
    let (_, log) = app.get("/me/activity", v["token"].as_str().unwrap()).await;
    assert!(
        log["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "pin_reset"),
        "{log}"
    );
    let notice = app.wait_for_mail(&email, "PIN IKD direset").await;
    assert!(notice.contains("Jika bukan Anda") && notice.contains("If this was not you"));
    assert!(!notice.contains(&nik), "a notice never names the NIK");
}

#[tokio::test]
async fn a_citizen_who_forgot_the_pin_sets_a_new_one_from_the_phone_and_the_old_one_stops_working_on_sqlite()
 {
    forgot_pin_from_a_temporary_lock(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_citizen_who_forgot_the_pin_sets_a_new_one_from_the_phone_and_the_old_one_stops_working_on_postgres()
 {
    forgot_pin_from_a_temporary_lock(Backend::Postgres).await;
}

#[tokio::test]
async fn only_the_bound_phone_signing_for_a_reset_can_start_one() {
    let app = spawn_app(Backend::Sqlite).await;
    let (phone, nik, _, _) = citizen(&app, 0).await;
    let (s, v) = start_signed(&app, &phone, LOGIN_SIGNING_CONTEXT, &nik).await;
    assert_eq!(
        (s, code(&v)),
        (401, "DEVICE_SIGNATURE_INVALID"),
        "a login signature does not start a reset: {v}"
    );
    let (s, v) = start_signed(&app, &Phone::new(), PIN_RESET_SIGNING_CONTEXT, &nik).await;
    assert_eq!((s, code(&v)), (401, "DEVICE_SIGNATURE_INVALID"), "{v}");
    let never = app.adult(1).ktp.nik.as_str().to_owned();
    let (s, v) = start_signed(&app, &phone, PIN_RESET_SIGNING_CONTEXT, &never).await;
    assert_eq!((s, code(&v)), (401, "NIK_NOT_ACTIVATED"), "{v}");
    // A challenge is single use.
    let (s, ch) = app.post("/login/challenge", json!({}), None).await;
    assert_eq!(s, 200);
    let sig = phone.sign_with(PIN_RESET_SIGNING_CONTEXT, ch["challenge"].as_str().unwrap());
    let body = json!({"nik": nik, "challenge_id": ch["challenge_id"], "device_signature": sig});
    let (s, _) = app.post("/pin/reset/start", body.clone(), None).await;
    assert_eq!(s, 200);
    let (s, v) = app.post("/pin/reset/start", body, None).await;
    assert_eq!((s, code(&v)), (401, "LOGIN_CHALLENGE_INVALID"), "{v}");
}

#[tokio::test]
async fn five_wrong_codes_use_a_reset_up_and_five_codes_a_day_are_the_most() {
    let app = spawn_app(Backend::Sqlite).await;
    let (phone, nik, email, _) = citizen(&app, 0).await;
    let token = start(&app, &phone, &nik).await;
    let right = app.reset_code_from_outbox(&email);
    for left in (1..5).rev() {
        let (s, v) = finish(&app, &token, wrong_code(&right), NEW_PIN).await;
        assert_eq!((s, code(&v)), (401, "PIN_RESET_CODE_WRONG"), "{v}");
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .ends_with(&format!("{left}.")),
            "{v}"
        );
    }
    let (s, v) = finish(&app, &token, wrong_code(&right), NEW_PIN).await;
    assert_eq!(
        (s, code(&v)),
        (410, "PIN_RESET_EXPIRED"),
        "the fifth miss: {v}"
    );
    let (s, v) = finish(&app, &token, &right, NEW_PIN).await;
    assert_eq!(
        (s, code(&v)),
        (410, "PIN_RESET_EXPIRED"),
        "the right code after: {v}"
    );
    // An older reset's code stops working when a new one starts.
    let first = start(&app, &phone, &nik).await;
    let first_code = app.reset_code_from_outbox(&email);
    let _second = start(&app, &phone, &nik).await;
    let (s, v) = finish(&app, &first, &first_code, NEW_PIN).await;
    assert_eq!((s, code(&v)), (410, "PIN_RESET_EXPIRED"), "{v}");
    for _ in 0..2 {
        start(&app, &phone, &nik).await;
    }
    let (s, v) = start_signed(&app, &phone, PIN_RESET_SIGNING_CONTEXT, &nik).await;
    assert_eq!(
        (s, code(&v)),
        (429, "RATE_LIMITED"),
        "the sixth code of the day: {v}"
    );
    // The code expires after 15 minutes.
    app.running.state.clock.advance(24 * 3600);
    let token = start(&app, &phone, &nik).await;
    let right = app.reset_code_from_outbox(&email);
    app.running.state.clock.advance(15 * 60 + 1);
    let (s, v) = finish(&app, &token, &right, NEW_PIN).await;
    assert_eq!((s, code(&v)), (410, "PIN_RESET_EXPIRED"), "{v}");
    let (s, v) = login(&app, &phone, &nik, OLD_PIN).await;
    assert_eq!(s, 200, "the PIN is unchanged: {v}");
}

#[tokio::test]
async fn a_reset_or_cancel_token_beyond_64_characters_is_refused_before_any_lookup() {
    let app = spawn_app(Backend::Sqlite).await;
    let long = "A".repeat(65);
    let (s, v) = finish(&app, &long, "135790", NEW_PIN).await;
    assert_eq!((s, code(&v)), (410, "PIN_RESET_EXPIRED"), "{v}");
    let (s, v) = app
        .post("/pin/reset/cancel", json!({"cancel_token": long}), None)
        .await;
    assert_eq!((s, code(&v)), (404, "PIN_RESET_CANCEL_INVALID"), "{v}");
    // Cancels are counted per address: the 31st in ten minutes waits. (The clock moved to
    // the start of a fixed window first, so the count cannot straddle two.)
    let now = app.running.state.now();
    app.running
        .state
        .clock
        .advance(600 - now.rem_euclid(600) + 1);
    let (s, _) = app
        .post("/pin/reset/cancel", json!({"cancel_token": "x"}), None)
        .await;
    assert_eq!(s, 404);
    for _ in 0..29 {
        app.post("/pin/reset/cancel", json!({"cancel_token": "x"}), None)
            .await;
    }
    let (s, v) = app
        .post("/pin/reset/cancel", json!({"cancel_token": "x"}), None)
        .await;
    assert_eq!((s, code(&v)), (429, "RATE_LIMITED"), "{v}");
}

/// The link in the waiting notice: `…/pin/batal/TOKEN`.
fn cancel_link(mail: &str) -> String {
    // The mail as decoded by `newest_mail`; the link is on a line of its own.
    let at = mail.find("/pin/batal/").expect("a cancel link");
    let start = mail[..at].rfind("http").unwrap();
    mail[start..].split_whitespace().next().unwrap().to_owned()
}

/// Ten wrong PINs, the temporary locks between them moved past with the clock.
async fn hard_lock(app: &TestApp, phone: &Phone, nik: &str) {
    for _ in 0..10 {
        app.running.state.clock.advance(3600);
        login(app, phone, nik, "905513").await;
    }
}

/// Lupa PIN to `pin` after a hard lock: it waits; the cancel token of its notice.
async fn reset_waiting(app: &TestApp, phone: &Phone, nik: &str, email: &str, pin: &str) -> String {
    let before = app.newest_mail(email, "masa tunggu");
    let token = start(app, phone, nik).await;
    let right = app.reset_code_from_outbox(email);
    let (s, v) = finish(app, &token, &right, pin).await;
    assert_eq!((s, v["waiting"].as_bool()), (200, Some(true)), "{v}");
    // Sent before the answer: already in the outbox, and new.
    let mail = app.newest_mail(email, "masa tunggu").unwrap();
    assert_ne!(Some(&mail), before.as_ref());
    cancel_link(&mail)
        .split_once("/pin/batal/")
        .unwrap()
        .1
        .to_owned()
}

async fn officer_unlock(app: &TestApp, nik: &str) {
    let officer = app.officer_token().await;
    let (s, v) = app
        .post(
            &format!("/officer/accounts/{nik}/reset-pin"),
            json!({}),
            Some(&officer),
        )
        .await;
    assert_eq!(s, 204, "{v}");
}

async fn hard_lock_then_wait(backend: Backend) {
    let app = spawn_app(backend).await;
    let (phone, nik, email, _) = citizen(&app, 0).await;
    hard_lock(&app, &phone, &nik).await;
    let (s, v) = login(&app, &phone, &nik, OLD_PIN).await;
    assert_eq!((s, code(&v)), (423, "ACCOUNT_LOCKED_OFFICER_RESET"), "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("Lupa PIN"),
        "{v}"
    );
    app.wait_for_mail(&email, "Akun IKD dikunci").await;

    // Lupa PIN still works, but the new PIN waits.
    let token = start(&app, &phone, &nik).await;
    let right = app.reset_code_from_outbox(&email);
    let (s, v) = finish(&app, &token, &right, NEW_PIN).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["waiting"], true, "{v}");
    let from = v["usable_from"].as_i64().unwrap();
    let wait = from - app.running.state.now();
    assert!(
        (WAIT_AFTER_HARD_LOCK_SECS - 1..=WAIT_AFTER_HARD_LOCK_SECS).contains(&wait),
        "{wait}"
    );
    let (s, v) = login(&app, &phone, &nik, NEW_PIN).await;
    assert_eq!((s, code(&v)), (423, "PIN_RESET_WAITING"), "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("WIB")
            || v["error"]["message"].as_str().unwrap().contains("WIT"),
        "{v}"
    );

    // The owner cancels from the email: a GET only shows the form; the POST cancels.
    let mail = app.wait_for_mail(&email, "masa tunggu").await;
    let link = cancel_link(&mail);
    let path = link.split_once("/pin/batal/").unwrap().1;
    let root = app.base.trim_end_matches("/api/v1");
    let page = app
        .http
        .get(format!("{root}/pin/batal/{path}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("<form method=\"post\">")
    );
    let (s, v) = login(&app, &phone, &nik, NEW_PIN).await;
    assert_eq!(
        code(&v),
        "PIN_RESET_WAITING",
        "a GET changed nothing: {s} {v}"
    );
    let done = app
        .http
        .post(format!("{root}/pin/batal/{path}"))
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 200);
    assert!(done.text().await.unwrap().contains("dibatalkan"));
    let (s, v) = login(&app, &phone, &nik, OLD_PIN).await;
    assert_eq!(
        (s, code(&v)),
        (423, "ACCOUNT_LOCKED_OFFICER_RESET"),
        "locked again: {v}"
    );
    let (s, v) = app
        .post("/pin/reset/cancel", json!({"cancel_token": path}), None)
        .await;
    assert_eq!(
        (s, code(&v)),
        (404, "PIN_RESET_CANCEL_INVALID"),
        "once: {v}"
    );
    app.wait_for_mail(&email, "Reset PIN IKD dibatalkan").await;
    // The PIN that came back is the one from before the reset.
    officer_unlock(&app, &nik).await;
    let (s, v) = login(&app, &phone, &nik, NEW_PIN).await;
    assert_eq!((s, code(&v)), (401, "PIN_WRONG"), "{v}");
    let (s, v) = login(&app, &phone, &nik, OLD_PIN).await;
    assert_eq!(s, 200, "{v}");
    hard_lock(&app, &phone, &nik).await;

    // Again, not cancelled: after 24 h the new PIN signs in, and the link no longer works.
    let token = start(&app, &phone, &nik).await;
    let right = app.reset_code_from_outbox(&email);
    let (s, v) = finish(&app, &token, &right, NEW_PIN).await;
    assert_eq!((s, v["waiting"].as_bool()), (200, Some(true)), "{v}");
    // The second notice, with its own link (sent in the background: wait for it).
    let mut second = link.clone();
    for _ in 0..200 {
        second = cancel_link(&app.wait_for_mail(&email, "masa tunggu").await);
        if second != link {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_ne!(second, link, "a new link for the new wait");
    app.running
        .state
        .clock
        .advance(WAIT_AFTER_HARD_LOCK_SECS - 60);
    let (s, v) = login(&app, &phone, &nik, NEW_PIN).await;
    assert_eq!(
        (s, code(&v)),
        (423, "PIN_RESET_WAITING"),
        "a minute early: {v}"
    );
    app.running.state.clock.advance(61);
    let (s, v) = login(&app, &phone, &nik, NEW_PIN).await;
    assert_eq!(s, 200, "{v}");
    let token = second.split_once("/pin/batal/").unwrap().1;
    let (s, v) = app
        .post("/pin/reset/cancel", json!({"cancel_token": token}), None)
        .await;
    assert_eq!((s, code(&v)), (404, "PIN_RESET_CANCEL_INVALID"), "{v}");
    let (s, v) = login(&app, &phone, &nik, NEW_PIN).await;
    assert_eq!(s, 200, "{v}");
}

#[tokio::test]
async fn after_a_hard_lock_the_new_pin_waits_a_day_and_the_emailed_link_cancels_it_on_sqlite() {
    hard_lock_then_wait(Backend::Sqlite).await;
}

#[tokio::test]
async fn after_a_hard_lock_the_new_pin_waits_a_day_and_the_emailed_link_cancels_it_on_postgres() {
    hard_lock_then_wait(Backend::Postgres).await;
}

#[tokio::test]
async fn the_right_pin_as_the_tenth_try_locks_nothing_and_its_held_lock_notice_never_goes_out() {
    let app = spawn_app(Backend::Sqlite).await;
    let (phone, nik, email, _) = citizen(&app, 0).await;
    for _ in 0..9 {
        app.running.state.clock.advance(3600);
        let (s, v) = login(&app, &phone, &nik, "905513").await;
        assert_eq!((s, code(&v)), (401, "PIN_WRONG"), "{v}");
    }
    app.running.state.clock.advance(3600);
    // The tenth try sets the hard lock and queues its notice before the PIN is checked.
    let (s, v) = login(&app, &phone, &nik, OLD_PIN).await;
    assert_eq!(s, 200, "{v}");
    let queued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM mail_queue")
        .fetch_one(&app.running.state.db.pool)
        .await
        .unwrap();
    assert_eq!(queued, 0, "the lock's notice went with the lock");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.newest_mail(&email, "Akun IKD dikunci"), None);
    // And the tenth wrong one still locks, with its notice.
    for _ in 0..10 {
        app.running.state.clock.advance(3600);
        login(&app, &phone, &nik, "905513").await;
    }
    app.wait_for_mail(&email, "Akun IKD dikunci").await;
}

#[tokio::test]
async fn a_waiting_pin_whose_cancel_link_cannot_be_mailed_is_undone_and_the_citizen_told_to_try_again()
 {
    let mut app = spawn_app(Backend::Sqlite).await;
    let (phone, nik, email, _) = citizen(&app, 0).await;
    hard_lock(&app, &phone, &nik).await;
    let token = start(&app, &phone, &nik).await;
    let right = app.reset_code_from_outbox(&email);
    // The relay goes down between the code and the finish: nothing listens on its port.
    app.config.smtp_url = Some(format!("smtp://127.0.0.1:{}", free_port()));
    let app = app.restart().await;
    let (s, v) = finish(&app, &token, &right, NEW_PIN).await;
    assert_eq!((s, code(&v)), (500, "INTERNAL"), "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Coba lagi"),
        "{v}"
    );
    let db = &app.running.state.db.pool;
    for (what, sql) in [
        ("the notice", "SELECT COUNT(*) FROM mail_queue"),
        (
            "the cancel link",
            "SELECT COUNT(*) FROM tokens WHERE kind = 'pin_reset_cancel'",
        ),
        ("the reset", "SELECT COUNT(*) FROM pin_resets"),
        (
            "the new PIN",
            "SELECT COUNT(*) FROM accounts WHERE pin_before_reset IS NOT NULL OR locked_hard = 0",
        ),
    ] {
        let left: i64 = sqlx::query_scalar(sql).fetch_one(db).await.unwrap();
        assert_eq!(left, 0, "{what} is undone");
    }
    let (s, v) = login(&app, &phone, &nik, NEW_PIN).await;
    assert_eq!(
        (s, code(&v)),
        (423, "ACCOUNT_LOCKED_OFFICER_RESET"),
        "still locked as before: {v}"
    );
}

#[tokio::test]
async fn an_officer_unlocking_during_the_wait_puts_back_the_pin_from_before_and_kills_the_link() {
    let app = spawn_app(Backend::Sqlite).await;
    let (phone, nik, email, _) = citizen(&app, 0).await;
    hard_lock(&app, &phone, &nik).await;
    let link = reset_waiting(&app, &phone, &nik, &email, NEW_PIN).await;
    officer_unlock(&app, &nik).await;
    let (s, v) = login(&app, &phone, &nik, NEW_PIN).await;
    assert_eq!(
        (s, code(&v)),
        (401, "PIN_WRONG"),
        "the waiting PIN is undone: {v}"
    );
    let (s, v) = login(&app, &phone, &nik, OLD_PIN).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = app
        .post("/pin/reset/cancel", json!({"cancel_token": link}), None)
        .await;
    assert_eq!((s, code(&v)), (404, "PIN_RESET_CANCEL_INVALID"), "{v}");
}

#[tokio::test]
async fn a_cancel_puts_back_the_pin_in_force_before_this_wait_not_one_from_an_older_reset() {
    let app = spawn_app(Backend::Sqlite).await;
    let (phone, nik, email, _) = citizen(&app, 0).await;
    hard_lock(&app, &phone, &nik).await;
    reset_waiting(&app, &phone, &nik, &email, NEW_PIN).await;
    // The wait ends with no sign-in; then ten wrong PINs and another reset.
    app.running
        .state
        .clock
        .advance(WAIT_AFTER_HARD_LOCK_SECS + 1);
    hard_lock(&app, &phone, &nik).await;
    let link = reset_waiting(&app, &phone, &nik, &email, "824613").await;
    let (s, v) = app
        .post("/pin/reset/cancel", json!({"cancel_token": link}), None)
        .await;
    assert_eq!(s, 204, "{v}");
    officer_unlock(&app, &nik).await;
    let (s, v) = login(&app, &phone, &nik, OLD_PIN).await;
    assert_eq!(
        (s, code(&v)),
        (401, "PIN_WRONG"),
        "not the PIN of two resets ago: {v}"
    );
    let (s, v) = login(&app, &phone, &nik, NEW_PIN).await;
    assert_eq!(s, 200, "{v}");
}

#[tokio::test]
async fn a_device_released_during_the_wait_takes_the_wait_and_the_link_with_it() {
    let app = spawn_app(Backend::Sqlite).await;
    let (phone, nik, email, _) = citizen(&app, 0).await;
    hard_lock(&app, &phone, &nik).await;
    let link = reset_waiting(&app, &phone, &nik, &email, NEW_PIN).await;
    let officer = app.officer_token().await;
    let (s, v) = app
        .post(
            &format!("/officer/accounts/{nik}/release-device"),
            json!({}),
            Some(&officer),
        )
        .await;
    assert_eq!(s, 204, "{v}");
    app.wait_for_mail(&email, "Perangkat IKD dilepas").await;
    // A new phone, registered and activated: its PIN signs in at once.
    let r = app.adult(0).clone();
    let new_phone = Phone::new();
    onboard(&app, &r, &new_phone, &email, "736184").await;
    let (s, v) = app
        .post("/pin/reset/cancel", json!({"cancel_token": link}), None)
        .await;
    assert_eq!((s, code(&v)), (404, "PIN_RESET_CANCEL_INVALID"), "{v}");
    let (s, v) = login(&app, &new_phone, &nik, "736184").await;
    assert_eq!(s, 200, "{v}");
}

async fn one_finish_wins(backend: Backend) {
    let app = spawn_app(backend).await;
    let (phone, nik, email, _) = citizen(&app, 0).await;
    let token = start(&app, &phone, &nik).await;
    let right = app.reset_code_from_outbox(&email);
    let mut bodies = Vec::new();
    for i in 0..50 {
        let (cid, answer) = app.captcha().await;
        // The right code with two PINs, and one in ten wrong: attempts are counted.
        let (c, pin) = match i % 10 {
            0 => (wrong_code(&right), NEW_PIN),
            1..5 => (right.as_str(), NEW_PIN),
            _ => (right.as_str(), "824613"),
        };
        bodies.push(json!({"reset_token": token, "code": c, "captcha_id": cid,
            "captcha_answer": answer, "new_pin": pin}));
    }
    let answers = join_all(
        bodies
            .into_iter()
            .map(|b| app.post("/pin/reset/finish", b, None)),
    )
    .await;
    let ok = answers.iter().filter(|(s, _)| *s == 200).count();
    // Not 0 unless all five counted attempts were wrong codes (1 in 100 000 here).
    assert_eq!(ok, 1, "one reset sets one PIN: {answers:?}");
    assert!(
        answers.iter().all(|(s, v)| *s == 200
            || ["PIN_RESET_EXPIRED", "PIN_RESET_CODE_WRONG", "SERVICE_BUSY"].contains(&code(v))),
        "{answers:?}"
    );
    let wrong = answers
        .iter()
        .filter(|(_, v)| code(v) == "PIN_RESET_CODE_WRONG")
        .count();
    assert!(
        ok + wrong <= 5,
        "at most five attempts in all: {ok} set, {wrong} wrong"
    );
    let a = login(&app, &phone, &nik, NEW_PIN).await.0;
    let b = login(&app, &phone, &nik, "824613").await.0;
    assert!(
        (a == 200) != (b == 200),
        "the winner's PIN signs in, the other not: {a} {b}"
    );
}

#[tokio::test]
async fn fifty_finishes_of_one_reset_at_once_set_one_pin_within_five_attempts_on_sqlite() {
    one_finish_wins(Backend::Sqlite).await;
}

#[tokio::test]
async fn fifty_finishes_of_one_reset_at_once_set_one_pin_within_five_attempts_on_postgres() {
    one_finish_wins(Backend::Postgres).await;
}
