//! Ubah email / nomor ponsel: the PIN and a device signature start it, a code to the new
//! address finishes it, the old address is told, and Riwayat and the audit log keep it.

use ikd_core::api::{CONTACT_CHANGE_SIGNING_CONTEXT, LOGIN_SIGNING_CONTEXT};
use serde_json::{Value, json};

use crate::flow::onboard;
use crate::helpers::{Backend, Phone, TestApp, spawn_app};

const PIN: &str = "902417";

fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

struct Citizen {
    phone: Phone,
    nik: String,
    email: String,
    session: String,
}

async fn citizen(app: &TestApp, n: usize) -> Citizen {
    let phone = Phone::new();
    let r = app.adult(n).clone();
    let email = format!("kontak{n}@contoh.id");
    let session = onboard(app, &r, &phone, &email, PIN).await;
    Citizen {
        phone,
        nik: r.ktp.nik.as_str().to_owned(),
        email,
        session,
    }
}

async fn start_with(
    app: &TestApp,
    c: &Citizen,
    context: &[u8],
    email: &str,
    phone: &str,
    pin: &str,
) -> (u16, Value) {
    let (s, ch) = app.post("/login/challenge", json!({}), None).await;
    assert_eq!(s, 200, "{ch}");
    let sig = c
        .phone
        .sign_with(context, ch["challenge"].as_str().unwrap());
    app.post(
        "/me/contact/start",
        json!({"email": email, "phone": phone, "pin": pin,
               "challenge_id": ch["challenge_id"], "device_signature": sig}),
        Some(&c.session),
    )
    .await
}

async fn finish(app: &TestApp, c: &Citizen, code: &str) -> (u16, Value) {
    app.post(
        "/me/contact/finish",
        json!({"code": code}),
        Some(&c.session),
    )
    .await
}

fn confirmation_code(app: &TestApp, email: &str) -> String {
    let mail = app
        .newest_mail(email, "Kode konfirmasi")
        .expect("a code mail");
    crate::helpers::code_after(&mail, "Kode konfirmasi: ")
}

fn wrong(right: &str) -> &'static str {
    if right == "111111" {
        "222222"
    } else {
        "111111"
    }
}

async fn failed_pins(app: &TestApp, nik: &str) -> i64 {
    sqlx::query_scalar("SELECT failed_pins FROM accounts WHERE nik = $1")
        .bind(nik)
        .fetch_one(&app.running.state.db.pool)
        .await
        .unwrap()
}

async fn email_and_phone_changed(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = citizen(&app, 0).await;
    let (s, v) = app.get("/me/contact", &c.session).await;
    assert_eq!(s, 200, "{v}");
    assert!(
        v["email_masked"]
            .as_str()
            .unwrap()
            .contains("•••@contoh.id"),
        "{v}"
    );
    let new_email = "kontak.baru@contoh.id";
    let new_phone = "0813-1111-2222";

    // A login signature is not a contact change's; a wrong PIN counts toward the lockout.
    let (s, v) = start_with(&app, &c, LOGIN_SIGNING_CONTEXT, new_email, new_phone, PIN).await;
    assert_eq!((s, code(&v)), (401, "DEVICE_SIGNATURE_INVALID"), "{v}");
    let (s, v) = start_with(
        &app,
        &c,
        CONTACT_CHANGE_SIGNING_CONTEXT,
        new_email,
        new_phone,
        "905513",
    )
    .await;
    assert_eq!((s, code(&v)), (401, "PIN_WRONG"), "{v}");
    assert_eq!(failed_pins(&app, &c.nik).await, 1);

    let (s, v) = start_with(
        &app,
        &c,
        CONTACT_CHANGE_SIGNING_CONTEXT,
        new_email,
        new_phone,
        PIN,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["sent_to_masked"], "k•••@contoh.id", "{v}");
    assert_eq!(
        failed_pins(&app, &c.nik).await,
        0,
        "the right PIN clears the count"
    );
    let right = confirmation_code(&app, new_email);
    let (s, v) = finish(&app, &c, wrong(&right)).await;
    assert_eq!((s, code(&v)), (401, "CONTACT_CHANGE_CODE_WRONG"), "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains('4'), "{v}");
    let (s, v) = finish(&app, &c, &right).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["email_masked"], "k•••@contoh.id");
    let (s, v) = finish(&app, &c, &right).await;
    assert_eq!(
        (s, code(&v)),
        (410, "CONTACT_CHANGE_EXPIRED"),
        "used once: {v}"
    );

    let (email, phone) = stored_contact(&app, &c).await;
    assert_eq!(
        (email.as_str(), phone.as_str()),
        (new_email, "+6281311112222")
    );
    // The old address is told, without the NIK; the new one too.
    let notice = app.wait_for_mail(&c.email, "diubah pada").await;
    assert!(!notice.contains(&c.nik), "{notice}");
    app.wait_for_mail(new_email, "diubah pada").await;
    let (_, log) = app.get("/me/activity", &c.session).await;
    assert!(
        log["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "contact_changed"),
        "{log}"
    );
    assert_eq!(app.audited("contact_changed", &c.nik).await, 1);
}

#[tokio::test]
async fn a_citizen_changes_email_and_phone_with_the_pin_a_signature_and_a_code_to_the_new_address_on_sqlite()
 {
    email_and_phone_changed(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_citizen_changes_email_and_phone_with_the_pin_a_signature_and_a_code_to_the_new_address_on_postgres()
 {
    email_and_phone_changed(Backend::Postgres).await;
}

#[tokio::test]
async fn a_phone_alone_is_confirmed_through_the_registered_email_and_nothing_changed_is_refused() {
    let app = spawn_app(Backend::Sqlite).await;
    let c = citizen(&app, 1).await;
    let stored: String = sqlx::query_scalar("SELECT phone FROM accounts WHERE nik = $1")
        .bind(&c.nik)
        .fetch_one(&app.running.state.db.pool)
        .await
        .unwrap();
    let (s, v) = start_with(
        &app,
        &c,
        CONTACT_CHANGE_SIGNING_CONTEXT,
        &c.email,
        &stored,
        PIN,
    )
    .await;
    assert_eq!((s, code(&v)), (409, "CONTACT_UNCHANGED"), "{v}");
    let (s, v) = start_with(
        &app,
        &c,
        CONTACT_CHANGE_SIGNING_CONTEXT,
        &c.email,
        "0857-0000-1234",
        PIN,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let right = confirmation_code(&app, &c.email);
    let (s, v) = finish(&app, &c, &right).await;
    assert_eq!(s, 200, "{v}");
    assert!(v["phone_masked"].as_str().unwrap().ends_with("34"), "{v}");
}

/// Starts a change with `fields` (any of email and phone) beside the PIN and a signature.
async fn start_leaving_out(app: &TestApp, c: &Citizen, fields: Value) -> (u16, Value) {
    let (s, ch) = app.post("/login/challenge", json!({}), None).await;
    assert_eq!(s, 200, "{ch}");
    let sig = c.phone.sign_with(
        CONTACT_CHANGE_SIGNING_CONTEXT,
        ch["challenge"].as_str().unwrap(),
    );
    let mut body = json!({"pin": PIN, "challenge_id": ch["challenge_id"], "device_signature": sig});
    body.as_object_mut()
        .unwrap()
        .extend(fields.as_object().unwrap().clone());
    app.post("/me/contact/start", body, Some(&c.session)).await
}

async fn stored_contact(app: &TestApp, c: &Citizen) -> (String, String) {
    sqlx::query_as("SELECT email, phone FROM accounts WHERE nik = $1")
        .bind(&c.nik)
        .fetch_one(&app.running.state.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_field_left_out_keeps_the_registered_value_and_leaving_out_both_changes_nothing() {
    let app = spawn_app(Backend::Sqlite).await;
    let c = citizen(&app, 2).await;
    let (s, v) = start_leaving_out(&app, &c, json!({})).await;
    assert_eq!((s, code(&v)), (409, "CONTACT_UNCHANGED"), "{v}");

    // The phone alone: the code goes to the registered email, which stays.
    let (s, v) = start_leaving_out(&app, &c, json!({"phone": "0857-0000-5678"})).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = finish(&app, &c, &confirmation_code(&app, &c.email)).await;
    assert_eq!(s, 200, "{v}");
    let (email, phone) = stored_contact(&app, &c).await;
    assert_eq!(email, c.email);
    assert!(phone.ends_with("5678"), "{phone}");

    // The email alone: the phone just set stays.
    let (s, v) = start_leaving_out(&app, &c, json!({"email": "baru.saja@contoh.id"})).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = finish(&app, &c, &confirmation_code(&app, "baru.saja@contoh.id")).await;
    assert_eq!(s, 200, "{v}");
    let (email, kept) = stored_contact(&app, &c).await;
    assert_eq!((email.as_str(), kept), ("baru.saja@contoh.id", phone));
}

/// Changes the contact through both steps, with the code from the mail to `code_to`.
async fn changed(app: &TestApp, c: &Citizen, email: &str, phone: &str, code_to: &str) {
    let (s, v) = start_with(app, c, CONTACT_CHANGE_SIGNING_CONTEXT, email, phone, PIN).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = finish(app, c, &confirmation_code(app, code_to)).await;
    assert_eq!(s, 200, "{v}");
}

/// The token of each restore link in `mails`.
fn tokens_in(mails: &[String]) -> Vec<String> {
    mails
        .iter()
        .filter_map(|m| m.split_once("/kontak/kembalikan/"))
        .map(|(_, rest)| rest.chars().take_while(|c| !c.is_whitespace()).collect())
        .collect()
}

/// Waits up to 10 s for `n` mails to `email` containing `needle`.
async fn wait_for_mails(app: &TestApp, email: &str, needle: &str, n: usize) -> Vec<String> {
    for _ in 0..200 {
        let mails = app.mails_to(email, needle);
        if mails.len() >= n {
            return mails;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("fewer than {n} mails to {email} with {needle:?}");
}

fn link_of(app: &TestApp, token: &str) -> String {
    format!(
        "{}/kontak/kembalikan/{token}",
        app.base.replace("/api/v1", "")
    )
}

async fn restored_from_the_link(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = citizen(&app, 3).await;
    let (first_email, first_phone) = stored_contact(&app, &c).await;

    // Someone with the phone and the PIN moves the email away, then away again.
    changed(
        &app,
        &c,
        "pencuri.a@contoh.id",
        "0857-1111-0001",
        "pencuri.a@contoh.id",
    )
    .await;
    let first = tokens_in(&wait_for_mails(&app, &c.email, "/kontak/kembalikan/", 1).await);
    let to_new = app
        .wait_for_mail("pencuri.a@contoh.id", "diubah pada")
        .await;
    assert!(!to_new.contains("/kontak/kembalikan/"), "{to_new}");
    changed(
        &app,
        &c,
        "pencuri.b@contoh.id",
        "0857-1111-0002",
        "pencuri.b@contoh.id",
    )
    .await;
    // The owner's address hears of the second change too, with a new link for the chain;
    // pencuri.a, moved from by it, gets none.
    let links = tokens_in(&wait_for_mails(&app, &c.email, "/kontak/kembalikan/", 2).await);
    let newest: Vec<&String> = links.iter().filter(|t| !first.contains(t)).collect();
    assert_eq!(newest.len(), 1, "{links:?}");
    let (old_link, link) = (link_of(&app, &first[0]), link_of(&app, newest[0]));
    let notices = wait_for_mails(&app, "pencuri.a@contoh.id", "diubah pada", 2).await;
    assert!(notices.iter().all(|m| !m.contains("/kontak/kembalikan/")));
    // An open change, which the restore drops.
    let (s, v) = start_with(
        &app,
        &c,
        CONTACT_CHANGE_SIGNING_CONTEXT,
        "pencuri.c@contoh.id",
        "0857-1111-0003",
        PIN,
    )
    .await;
    assert_eq!(s, 200, "{v}");

    // Opening the link changes nothing; its button restores the owner's values. The
    // earlier link died with the new one.
    let page = app.http.get(&link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("<form method=\"post\">")
    );
    assert_eq!(stored_contact(&app, &c).await.0, "pencuri.b@contoh.id");
    let stale = app.http.post(&old_link).send().await.unwrap();
    assert_eq!(stale.status(), 404);
    let done = app.http.post(&link).send().await.unwrap();
    assert_eq!(done.status(), 200);
    assert!(done.text().await.unwrap().contains("dikembalikan"));
    assert_eq!(
        stored_contact(&app, &c).await,
        (first_email.clone(), first_phone)
    );
    // Every session ended, the open change too; the owner's address and the last are told.
    let (s, _) = app.get("/me/contact", &c.session).await;
    assert_eq!(s, 401, "the session ended");
    let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM contact_changes WHERE nik = $1")
        .bind(&c.nik)
        .fetch_one(&app.running.state.db.pool)
        .await
        .unwrap();
    assert_eq!(open, 0);
    app.wait_for_mail(&first_email, "dikembalikan ke yang lama")
        .await;
    app.wait_for_mail("pencuri.b@contoh.id", "dikembalikan ke yang lama")
        .await;
    let again = app.http.post(&link).send().await.unwrap();
    assert_eq!(again.status(), 404);
    assert_eq!(
        again.headers()["x-ikd-error-code"],
        "CONTACT_RESTORE_NOT_FOUND"
    );

    // Whoever holds the phone and PIN cannot change it back from the app for 7 days.
    let (s, session) = crate::flow::login(&app, &c.phone, &c.nik, PIN).await;
    assert_eq!(s, 200, "{session}");
    let c = Citizen {
        session: session["token"].as_str().unwrap().to_owned(),
        ..c
    };
    let (s, v) = start_with(
        &app,
        &c,
        CONTACT_CHANGE_SIGNING_CONTEXT,
        "pencuri.d@contoh.id",
        "0857-1111-0004",
        PIN,
    )
    .await;
    assert_eq!((s, code(&v)), (423, "CONTACT_CHANGE_AFTER_RESTORE"), "{v}");
    let (_, log) = app.get("/me/activity", &c.session).await;
    assert_eq!(log["entries"][1]["kind"], "contact_restored", "{log}");
    assert_eq!(app.audited("contact_restored", &c.nik).await, 1);
}

#[tokio::test]
async fn the_old_address_restores_a_chain_of_changes_from_its_link_and_every_session_ends_on_sqlite()
 {
    restored_from_the_link(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_old_address_restores_a_chain_of_changes_from_its_link_and_every_session_ends_on_postgres()
 {
    restored_from_the_link(Backend::Postgres).await;
}

/// Signs `c` in again (sessions end over the days the clock moves), with `email` now.
async fn again(app: &TestApp, c: Citizen, email: &str) -> Citizen {
    let (s, session) = crate::flow::login(app, &c.phone, &c.nik, PIN).await;
    assert_eq!(s, 200, "{session}");
    Citizen {
        session: session["token"].as_str().unwrap().to_owned(),
        email: email.to_owned(),
        ..c
    }
}

async fn links_end_and_go_only_to_an_owned_address(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = citizen(&app, 4).await;
    let owner = c.email.clone();
    changed(
        &app,
        &c,
        "baru.4@contoh.id",
        "0857-2222-0004",
        "baru.4@contoh.id",
    )
    .await;
    let first = tokens_in(&wait_for_mails(&app, &owner, "/kontak/kembalikan/", 1).await);
    let link = link_of(&app, &first[0]);
    let clock = &app.running.state.clock;
    clock.advance(ikd_server::contact_change::RESTORE_SECS + 1);
    let late = app.http.post(&link).send().await.unwrap();
    assert_eq!(late.status(), 404);
    assert_eq!(stored_contact(&app, &c).await.0, "baru.4@contoh.id");

    // The owner takes the email back after the link's days. baru.4 was set by a change 7
    // days ago, so it gets no link that could undo the owner's recovery.
    let c = again(&app, c, "baru.4@contoh.id").await;
    changed(&app, &c, &owner, "0857-2222-0005", &owner).await;
    let told = wait_for_mails(&app, "baru.4@contoh.id", "Further notices go to", 2).await;
    assert!(
        told.iter().all(|m| !m.contains("/kontak/kembalikan/")),
        "{told:?}"
    );
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM contact_restores WHERE nik = $1")
        .bind(&c.nik)
        .fetch_one(&app.running.state.db.pool)
        .await
        .unwrap();
    assert_eq!(rows, 0);

    // Held 30 days, the address is the owner's again and gets the link of the next change,
    // which dies once the account holds other values.
    clock.advance(ikd_server::contact_change::TRUSTED_AFTER_SECS);
    let c = again(&app, c, &owner).await;
    changed(
        &app,
        &c,
        "baru.6@contoh.id",
        "0857-2222-0006",
        "baru.6@contoh.id",
    )
    .await;
    let links = tokens_in(&wait_for_mails(&app, &owner, "/kontak/kembalikan/", 2).await);
    let link = link_of(&app, links.iter().find(|t| !first.contains(t)).unwrap());
    sqlx::query("UPDATE accounts SET email = 'lain@contoh.id' WHERE nik = $1")
        .bind(&c.nik)
        .execute(&app.running.state.db.pool)
        .await
        .unwrap();
    let res = app.http.post(&link).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(stored_contact(&app, &c).await.0, "lain@contoh.id");
}

#[tokio::test]
async fn a_restore_link_ends_after_seven_days_and_goes_only_to_an_address_the_owner_held_on_sqlite()
{
    links_end_and_go_only_to_an_owned_address(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_restore_link_ends_after_seven_days_and_goes_only_to_an_address_the_owner_held_on_postgres()
 {
    links_end_and_go_only_to_an_owned_address(Backend::Postgres).await;
}

#[tokio::test]
async fn five_wrong_codes_or_fifteen_minutes_end_a_change() {
    let app = spawn_app(Backend::Sqlite).await;
    let c = citizen(&app, 2).await;
    let (s, v) = start_with(
        &app,
        &c,
        CONTACT_CHANGE_SIGNING_CONTEXT,
        "lima@contoh.id",
        "0813-1111-3333",
        PIN,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let right = confirmation_code(&app, "lima@contoh.id");
    for left in (1..=4).rev() {
        let (s, v) = finish(&app, &c, wrong(&right)).await;
        assert_eq!((s, code(&v)), (401, "CONTACT_CHANGE_CODE_WRONG"), "{v}");
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .contains(&left.to_string())
        );
    }
    let (s, v) = finish(&app, &c, wrong(&right)).await;
    assert_eq!((s, code(&v)), (410, "CONTACT_CHANGE_EXPIRED"), "{v}");
    let (s, v) = finish(&app, &c, &right).await;
    assert_eq!(
        (s, code(&v)),
        (410, "CONTACT_CHANGE_EXPIRED"),
        "used up: {v}"
    );

    let (s, v) = start_with(
        &app,
        &c,
        CONTACT_CHANGE_SIGNING_CONTEXT,
        "lima@contoh.id",
        "0813-1111-3333",
        PIN,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let right = confirmation_code(&app, "lima@contoh.id");
    app.running
        .state
        .clock
        .advance(ikd_server::contact_change::CODE_SECS + 1);
    let (s, v) = finish(&app, &c, &right).await;
    assert_eq!(
        (s, code(&v)),
        (410, "CONTACT_CHANGE_EXPIRED"),
        "expired: {v}"
    );
}

#[tokio::test]
async fn a_sixth_contact_change_in_a_day_waits() {
    let app = spawn_app(Backend::Sqlite).await;
    let c = citizen(&app, 3).await;
    for n in 0..ikd_server::limits::CONTACT_CHANGE_PER_NIK.max {
        let email = format!("ganti{n}@contoh.id");
        let (s, v) = start_with(
            &app,
            &c,
            CONTACT_CHANGE_SIGNING_CONTEXT,
            &email,
            "0813-1111-4444",
            PIN,
        )
        .await;
        assert_eq!(s, 200, "{v}");
    }
    let (s, v) = start_with(
        &app,
        &c,
        CONTACT_CHANGE_SIGNING_CONTEXT,
        "ganti9@contoh.id",
        "0813-1111-4444",
        PIN,
    )
    .await;
    assert_eq!((s, code(&v)), (429, "RATE_LIMITED"), "{v}");
}

#[tokio::test]
async fn the_right_pin_on_a_contact_change_lifts_the_lock_its_own_count_set() {
    let app = spawn_app(Backend::Sqlite).await;
    let c = citizen(&app, 4).await;
    for _ in 0..3 {
        crate::flow::login(&app, &c.phone, &c.nik, "905513").await;
    }
    app.running.state.clock.advance(31);
    let (s, v) = start_with(
        &app,
        &c,
        CONTACT_CHANGE_SIGNING_CONTEXT,
        "kunci@contoh.id",
        "0813-1111-5555",
        PIN,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    // Counted as the 4th attempt, which would lock for a minute; the right PIN lifts it.
    let (s, v) = crate::flow::login(&app, &c.phone, &c.nik, PIN).await;
    assert_eq!(s, 200, "{v}");
}

async fn one_finish_and_one_restore_win(backend: Backend) {
    // Each restore below comes from its own address, as 50 people's would, so the per-address
    // limit on emailed links does not decide the race.
    let app = crate::helpers::spawn_with(backend, |c| {
        c.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
    })
    .await;
    let c = citizen(&app, 5).await;
    let (first_email, first_phone) = stored_contact(&app, &c).await;
    let (s, v) = start_with(
        &app,
        &c,
        CONTACT_CHANGE_SIGNING_CONTEXT,
        "pindah.bersamaan@contoh.id",
        "0857-1111-2222",
        PIN,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let right = confirmation_code(&app, "pindah.bersamaan@contoh.id");
    let answers = futures_util::future::join_all((0..50).map(|_| finish(&app, &c, &right))).await;
    let statuses: Vec<(u16, &str)> = answers.iter().map(|(s, v)| (*s, code(v))).collect();
    assert_eq!(
        statuses.iter().filter(|(s, _)| *s == 200).count(),
        1,
        "one finish applies the change: {statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|a| a.0 == 200 || *a == (410, "CONTACT_CHANGE_EXPIRED")),
        "the others are told the change is no longer open: {statuses:?}"
    );
    assert_eq!(app.audited("contact_changed", &c.nik).await, 1);
    let links = wait_for_mails(&app, &first_email, "/kontak/kembalikan/", 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        app.mails_to(&first_email, "/kontak/kembalikan/").len(),
        1,
        "one link to the address moved from"
    );
    let link = link_of(&app, &tokens_in(&links)[0]);

    let http = reqwest::Client::new();
    let restores = futures_util::future::join_all((0..50).map(|i| {
        http.post(&link)
            .header("x-forwarded-for", format!("10.77.{i}.1"))
            .send()
    }))
    .await;
    let outcomes: Vec<(u16, String)> = restores
        .into_iter()
        .map(|r| {
            let r = r.unwrap();
            let code = r
                .headers()
                .get("x-ikd-error-code")
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            (r.status().as_u16(), code)
        })
        .collect();
    assert_eq!(
        outcomes.iter().filter(|(s, _)| *s == 200).count(),
        1,
        "one restore: {outcomes:?}"
    );
    assert!(
        outcomes
            .iter()
            .all(|(s, code)| *s == 200 || (*s, code.as_str()) == (404, "CONTACT_RESTORE_NOT_FOUND")),
        "the others are told the link is used: {outcomes:?}"
    );
    assert_eq!(app.audited("contact_restored", &c.nik).await, 1);
    assert_eq!(
        stored_contact(&app, &c).await,
        (first_email.clone(), first_phone)
    );
    wait_for_mails(&app, &first_email, "dikembalikan", 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        app.mails_to(&first_email, "dikembalikan").len(),
        1,
        "one notice of the restore"
    );
}

#[tokio::test]
async fn fifty_finishes_then_fifty_restores_of_one_contact_change_at_once_each_win_once_on_sqlite()
{
    one_finish_and_one_restore_win(Backend::Sqlite).await;
}

#[tokio::test]
async fn fifty_finishes_then_fifty_restores_of_one_contact_change_at_once_each_win_once_on_postgres()
 {
    one_finish_and_one_restore_win(Backend::Postgres).await;
}
