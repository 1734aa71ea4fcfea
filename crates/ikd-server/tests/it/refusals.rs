//! Every refusal of this part of the service, each with its stable code, and nothing
//! half-written behind it.

use serde_json::json;

use crate::flow::*;
use crate::helpers::*;

fn code(v: &serde_json::Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("<none>")
}

#[tokio::test]
async fn registration_refuses_malformed_unknown_and_minor_niks_with_codes() {
    let app = spawn_app(Backend::Sqlite).await;
    let phone = Phone::new();
    let mut body = start_body(app.adult(0), &phone, "a@contoh.id");
    body["nik"] = json!("3171013002040001");
    let (s, v) = app.post("/registrations", body.clone(), None).await;
    assert_eq!((s, code(&v)), (422, "NIK_BIRTH_DATE"));
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("tanggal lahir")
    );
    assert!(
        v["error"]["message_en"]
            .as_str()
            .unwrap()
            .contains("birth date")
    );
    body["nik"] = json!("3171011708450001");
    let (s, v) = app.post("/registrations", body.clone(), None).await;
    assert_eq!((s, code(&v)), (404, "NIK_NOT_IN_REGISTRY"));
    if let Some(minor) = app.minor() {
        let (s, v) = app
            .post(
                "/registrations",
                start_body(minor, &phone, "a@contoh.id"),
                None,
            )
            .await;
        assert_eq!(
            (s, code(&v)),
            (404, "NIK_NOT_IN_REGISTRY"),
            "no KTP-el recorded yet"
        );
    }
    let mut bad = start_body(app.adult(0), &phone, "bukan-email");
    let (s, v) = app.post("/registrations", bad.clone(), None).await;
    assert_eq!((s, code(&v)), (422, "EMAIL_FORMAT"));
    bad["email"] = json!("a@contoh.id");
    bad["phone"] = json!("021 555 1234");
    let (s, v) = app.post("/registrations", bad, None).await;
    assert_eq!((s, code(&v)), (422, "PHONE_NOT_MOBILE"));
    let (s, v) = app.post("/registrations", json!({"nik": 5}), None).await;
    assert_eq!((s, code(&v)), (422, "REQUEST_INVALID"));
    let mut outdated = start_body(app.adult(0), &phone, "a@contoh.id");
    outdated["consent_version"] = json!("2019-01");
    let (s, v) = app.post("/registrations", outdated, None).await;
    assert_eq!((s, code(&v)), (409, "CONSENT_OUTDATED"));
}

#[tokio::test]
async fn selfies_without_exactly_one_face_or_unreadable_are_refused_and_no_qr_is_given() {
    let app = spawn_app(Backend::Sqlite).await;
    let reg = start_registration(&app, app.adult(0), &Phone::new(), "b@contoh.id").await;
    for (file, faces_ok) in [("no-face-coffee.png", false), ("two-faces.png", false)] {
        let (s, v) = app.put_selfie(&reg, face(file)).await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["accepted"], false, "{file}");
        assert!(v["registration_qr"].is_null());
        let one_face = v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["check"] == "one_face")
            .unwrap();
        assert_eq!(one_face["passed"], faces_ok);
        assert!(one_face["advice"].as_str().unwrap().len() > 10);
    }
    let (s, v) = app.put_selfie(&reg, b"GIF89a not a selfie".to_vec()).await;
    assert_eq!((s, code(&v)), (422, "SELFIE_UNDECODABLE"));
    let (s, _) = app.put_selfie(&reg, vec![0xFF; 3 * 1024 * 1024]).await;
    assert_eq!(s, 413);
    assert_eq!(
        status(&app, &reg).await["state"],
        "awaiting_selfie",
        "nothing changed"
    );
    let wrong = Registration {
        id: reg.id.clone(),
        secret: "not-the-secret".into(),
    };
    let (s, v) = app.put_selfie(&wrong, face("one-face-camera.png")).await;
    assert_eq!((s, code(&v)), (401, "REGISTRATION_NOT_FOUND"));
    // An unknown id gets the same answer as a wrong secret: ids cannot be probed.
    let unknown = Registration {
        id: "00112233445566778899aabbccddeeff".into(),
        secret: reg.secret.clone(),
    };
    let (s, v) = app.put_selfie(&unknown, face("one-face-camera.png")).await;
    assert_eq!((s, code(&v)), (401, "REGISTRATION_NOT_FOUND"));
}

#[tokio::test]
async fn a_rejected_registration_shows_the_officers_reason_and_a_reject_needs_one() {
    let app = spawn_app(Backend::Sqlite).await;
    let reg = start_registration(&app, app.adult(1), &Phone::new(), "c@contoh.id").await;
    let qr = selfie(&app, &reg).await;
    let officer = app.officer_token().await;
    let (s, v) = app
        .post(
            "/officer/decision",
            json!({"qr": qr, "approve": false}),
            Some(&officer),
        )
        .await;
    assert_eq!((s, code(&v)), (422, "REQUEST_INVALID"));
    let reason = "Foto tidak sesuai dengan data kependudukan";
    let (s, _) = app
        .post(
            "/officer/decision",
            json!({"qr": qr, "approve": false, "reason": reason}),
            Some(&officer),
        )
        .await;
    assert_eq!(s, 204);
    let st = status(&app, &reg).await;
    assert_eq!(
        (st["state"].as_str(), st["reason"].as_str()),
        (Some("rejected"), Some(reason))
    );
    // The QR cannot be used again: the officer is told it is decided.
    let (s, v) = app
        .post("/officer/scan", json!({"qr": qr}), Some(&officer))
        .await;
    assert_eq!((s, code(&v)), (409, "REGISTRATION_ALREADY_DECIDED"));
}

#[tokio::test]
async fn officers_need_valid_credentials_a_registration_qr_and_an_active_account() {
    let app = spawn_app(Backend::Sqlite).await;
    let (s, v) = app
        .post(
            "/officer/login",
            json!({"username": OFFICER.0, "password": "salah"}),
            None,
        )
        .await;
    assert_eq!((s, code(&v)), (401, "OFFICER_LOGIN_FAILED"));
    let (s, v) = app
        .post("/officer/scan", json!({"qr": "IKDREG1:00"}), None)
        .await;
    assert_eq!((s, code(&v)), (401, "UNAUTHORIZED"));
    let token = app.officer_token().await;
    let (s, v) = app
        .post("/officer/scan", json!({"qr": "IKD1:NOTAREG"}), Some(&token))
        .await;
    assert_eq!((s, code(&v)), (422, "REGISTRATION_QR_FORMAT"));
    sqlx::query("UPDATE officers SET disabled = 1")
        .execute(&app.running.state.db.pool)
        .await
        .unwrap();
    let (s, v) = app
        .post("/officer/scan", json!({"qr": "IKDREG1:00"}), Some(&token))
        .await;
    assert_eq!(
        (s, code(&v)),
        (401, "UNAUTHORIZED"),
        "a disabled officer's session stops at once"
    );
}

#[tokio::test]
async fn activation_fails_after_five_wrong_codes_and_a_wrong_captcha_costs_nothing() {
    let app = spawn_app(Backend::Sqlite).await;
    let email = "d@contoh.id";
    let reg = start_registration(&app, app.adult(2), &Phone::new(), email).await;
    approve(&app, &selfie(&app, &reg).await).await;
    let right = app.code_from_outbox(email);
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };

    let (cid, _) = app.captcha().await;
    let (s, v) = app.post("/activate", json!({"registration_id": reg.id, "code": right, "captcha_id": cid, "captcha_answer": "00000x"}), None).await;
    assert_eq!((s, code(&v)), (401, "CAPTCHA_WRONG"));
    let (cid, answer) = app.captcha().await;
    let (s, v) = app.post("/activate", json!({"registration_id": reg.id, "code": "12345", "captcha_id": cid, "captcha_answer": answer}), None).await;
    assert_eq!((s, code(&v)), (422, "ACTIVATION_CODE_FORMAT"));

    for left in (1..=4).rev() {
        let (s, v) = activate(&app, &reg, wrong).await;
        assert_eq!((s, code(&v)), (401, "ACTIVATION_CODE_WRONG"));
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .contains(&format!("Sisa percobaan: {left}")),
            "{v}"
        );
    }
    let (s, v) = activate(&app, &reg, wrong).await;
    assert_eq!(
        (s, code(&v)),
        (410, "ACTIVATION_CODE_EXPIRED"),
        "the fifth wrong code uses it up"
    );
    let (s, v) = activate(&app, &reg, &right).await;
    assert_eq!(
        (s, code(&v)),
        (410, "ACTIVATION_CODE_EXPIRED"),
        "even the right code is refused now"
    );
}

#[tokio::test]
async fn wrong_pins_lock_for_thirty_seconds_then_longer_then_until_an_officer_resets_and_it_survives_a_restart()
 {
    pin_lockout(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_pin_lockout_survives_a_restart_on_postgres_too() {
    pin_lockout(Backend::Postgres).await;
}

/// Seconds until the account's temporary lock ends.
async fn seconds_locked(app: &TestApp, nik: &str) -> i64 {
    let until: i64 = sqlx::query_scalar("SELECT locked_until FROM accounts WHERE nik = $1")
        .bind(nik)
        .fetch_one(&app.running.state.db.pool)
        .await
        .unwrap();
    until - time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Moves the temporary lock into the past, as if its time had passed.
async fn let_lock_pass(app: &TestApp, nik: &str) {
    sqlx::query("UPDATE accounts SET locked_until = 0 WHERE nik = $1")
        .bind(nik)
        .execute(&app.running.state.db.pool)
        .await
        .unwrap();
}

async fn pin_lockout(backend: Backend) {
    let app = spawn_app(backend).await;
    let r = app.adult(3).clone();
    let nik = r.ktp.nik.as_str().to_owned();
    let phone = Phone::new();
    onboard(&app, &r, &phone, "e@contoh.id", "135790").await;

    for left in [2, 1] {
        let (s, v) = login(&app, &phone, &nik, "975310").await;
        assert_eq!((s, code(&v)), (401, "PIN_WRONG"));
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .contains(&left.to_string()),
            "{v}"
        );
    }
    let (s, v) = login(&app, &phone, &nik, "975310").await;
    assert_eq!(
        (s, code(&v)),
        (401, "PIN_WRONG"),
        "third wrong PIN: locked from now on"
    );
    let (s, v) = login(&app, &phone, &nik, "135790").await;
    assert_eq!(
        (s, code(&v)),
        (423, "ACCOUNT_LOCKED"),
        "even the right PIN waits out the lock"
    );
    assert!(
        v["error"]["message"].as_str().unwrap().contains("detik"),
        "{v}"
    );

    // The lock is in the database: a restarted service still enforces it.
    let app = app.restart().await;
    let (s, v) = login(&app, &phone, &nik, "135790").await;
    assert_eq!((s, code(&v)), (423, "ACCOUNT_LOCKED"));
    let left = seconds_locked(&app, &nik).await;
    assert!((25..=30).contains(&left), "first lock is 30 s");

    // Let each lock pass (moving it into the past) and keep failing up to ten.
    for n in 4..=10 {
        let_lock_pass(&app, &nik).await;
        let (s, v) = login(&app, &phone, &nik, "975310").await;
        if n < 10 {
            assert_eq!((s, code(&v)), (401, "PIN_WRONG"));
            let left = seconds_locked(&app, &nik).await;
            assert!(left > 30 << (n - 4), "lock {n} is longer than the last");
        } else {
            assert_eq!((s, code(&v)), (423, "ACCOUNT_LOCKED_OFFICER_RESET"));
        }
    }
    let_lock_pass(&app, &nik).await;
    let (s, v) = login(&app, &phone, &nik, "135790").await;
    assert_eq!((s, code(&v)), (423, "ACCOUNT_LOCKED_OFFICER_RESET"));

    let officer = app.officer_token().await;
    let (s, _) = app
        .post(
            &format!("/officer/accounts/{nik}/reset-pin"),
            json!({}),
            Some(&officer),
        )
        .await;
    assert_eq!(s, 204);
    let (s, v) = login(&app, &phone, &nik, "135790").await;
    assert_eq!(s, 200, "{v}");
    let audit: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'reset_pin' AND officer = $1",
    )
    .bind(OFFICER.0)
    .fetch_one(&app.running.state.db.pool)
    .await
    .unwrap();
    assert_eq!(audit, 1);
}

#[tokio::test]
async fn login_from_another_device_is_refused_before_the_pin_is_tried() {
    let app = spawn_app(Backend::Sqlite).await;
    let r = app.adult(4).clone();
    let phone = Phone::new();
    onboard(&app, &r, &phone, "f@contoh.id", "135790").await;
    let thief = Phone::new();
    let (s, v) = login(&app, &thief, r.ktp.nik.as_str(), "135790").await;
    assert_eq!((s, code(&v)), (401, "DEVICE_SIGNATURE_INVALID"));
    let failed: i64 = sqlx::query_scalar("SELECT failed_pins FROM accounts WHERE nik = $1")
        .bind(r.ktp.nik.as_str())
        .fetch_one(&app.running.state.db.pool)
        .await
        .unwrap();
    assert_eq!(failed, 0, "no PIN attempt was counted");
    let (s, v) = app.post("/login", json!({"nik": r.ktp.nik.as_str(), "pin": "135790", "challenge_id": "nope", "device_signature": "AA"}), None).await;
    assert_eq!((s, code(&v)), (401, "LOGIN_CHALLENGE_INVALID"));
    let (s, v) = login(&app, &phone, r.ktp.nik.as_str(), "123456").await;
    assert_eq!((s, code(&v)), (422, "PIN_TRIVIAL"));
}

#[tokio::test]
async fn releasing_the_device_ends_sessions_and_allows_a_new_registration() {
    let app = spawn_app(Backend::Sqlite).await;
    let r = app.adult(5).clone();
    let phone = Phone::new();
    let token = onboard(&app, &r, &phone, "g@contoh.id", "135790").await;
    let (s, _) = app
        .post(
            "/me/pin",
            json!({"old_pin": "135790", "new_pin": "246813"}),
            Some(&token),
        )
        .await;
    assert_eq!(s, 204);
    let (s, _) = app
        .post("/me/device/release", json!({}), Some(&token))
        .await;
    assert_eq!(s, 204);
    let (s, v) = app.get("/me/ktp", &token).await;
    assert_eq!((s, code(&v)), (401, "UNAUTHORIZED"));
    let (s, v) = login(&app, &phone, r.ktp.nik.as_str(), "246813").await;
    assert_eq!((s, code(&v)), (401, "NIK_NOT_ACTIVATED"));
    let (s, _) = app
        .post(
            "/registrations",
            start_body(&r, &Phone::new(), "g@contoh.id"),
            None,
        )
        .await;
    assert_eq!(s, 201, "a new phone can register");
}

#[tokio::test]
async fn the_captcha_test_hook_is_off_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let state = ikd_server::AppState::new(ikd_server::Config::local(dir.path().to_path_buf()))
        .await
        .unwrap();
    assert!(
        state.test_hooks.is_none(),
        "a normally started service has no hooks"
    );
    let running = ikd_server::spawn(state, std::future::pending())
        .await
        .unwrap();
    let base = format!("http://{}/api/v1", running.addr);
    let http = reqwest::Client::new();
    let v: serde_json::Value = http
        .post(format!("{base}/captcha"))
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = v["captcha_id"].as_str().unwrap();
    let res = http
        .get(format!("{base}/test-hooks/captcha/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 404);
}

#[tokio::test]
async fn a_released_device_lets_a_new_phone_register_as_a_first_activation() {
    let app = spawn_app(Backend::Sqlite).await;
    let r = app.adult(6).clone();
    let token = onboard(&app, &r, &Phone::new(), "h@contoh.id", "135790").await;
    let officer = app.officer_token().await;
    let (s, _) = app
        .post(
            &format!("/officer/accounts/{}/release-device", r.ktp.nik.as_str()),
            json!({}),
            Some(&officer),
        )
        .await;
    assert_eq!(s, 204);
    let (s, _) = app.get("/me/ktp", &token).await;
    assert_eq!(s, 401, "the old phone's session ended");
    let (s, v) = app
        .post(
            "/registrations",
            start_body(&r, &Phone::new(), "h@contoh.id"),
            None,
        )
        .await;
    assert_eq!((s, v["device_change"].as_bool()), (201, Some(false)), "{v}");
}

#[tokio::test]
async fn a_client_asking_for_too_many_captchas_is_rate_limited_with_a_code() {
    let app = spawn_app(Backend::Sqlite).await;
    for _ in 0..ikd_server::limits::CAPTCHA_PER_IP.max {
        let (s, _) = app.post("/captcha", json!({}), None).await;
        assert_eq!(s, 200);
    }
    let res = app
        .http
        .post(format!("{}/captcha", app.base))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    // Until the window ends: at most its length, at least a second.
    let retry: i64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let window = ikd_server::limits::CAPTCHA_PER_IP.window_secs;
    assert!((1..=window).contains(&retry), "Retry-After {retry}");
    let v: serde_json::Value = res.json().await.unwrap();
    assert_eq!(code(&v), "RATE_LIMITED");
    // The message names the same wait, in the unit a person reads.
    let (id, en) = if retry < 60 {
        (format!("Tunggu {retry} detik"), "second")
    } else {
        (format!("Tunggu {} menit", (retry + 59) / 60), "minute")
    };
    let message = v["error"]["message"].as_str().unwrap();
    assert!(message.contains(&id), "{message} / Retry-After {retry}");
    assert!(v["error"]["message_en"].as_str().unwrap().contains(en));
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit() {
    let app = spawn_with(Backend::Sqlite, |c| {
        c.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
    })
    .await;
    let captcha = |client: &'static str| {
        app.http
            .post(format!("{}/captcha", app.base))
            .header("x-forwarded-for", format!("6.6.6.6, {client}"))
            .send()
    };
    for _ in 0..ikd_server::limits::CAPTCHA_PER_IP.max {
        assert_eq!(captcha("198.51.100.1").await.unwrap().status(), 200);
    }
    assert_eq!(captcha("198.51.100.1").await.unwrap().status(), 429);
    assert_eq!(
        captcha("198.51.100.2").await.unwrap().status(),
        200,
        "another citizen behind the same load balancer is not held back"
    );
}

#[tokio::test]
async fn wrong_old_pins_in_a_pin_change_count_toward_the_same_lockout_as_sign_ins() {
    let app = spawn_app(Backend::Sqlite).await;
    let r = app.adult(3).clone();
    let nik = r.ktp.nik.as_str().to_owned();
    let phone = Phone::new();
    let token = onboard(&app, &r, &phone, "ganti@contoh.id", "135790").await;
    let change = |old: &'static str| {
        app.post(
            "/me/pin",
            json!({"old_pin": old, "new_pin": "246813"}),
            Some(&token),
        )
    };
    for left in [2, 1] {
        let (s, v) = change("975310").await;
        assert_eq!((s, v["error"]["code"].as_str()), (401, Some("PIN_WRONG")));
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .contains(&left.to_string()),
            "{v}"
        );
    }
    let (s, v) = change("975310").await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (401, Some("PIN_WRONG")),
        "{v}"
    );
    // The third wrong PIN earned the first lock: even the right old PIN waits now, and so
    // does signing in.
    let (s, v) = change("135790").await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (423, Some("ACCOUNT_LOCKED")),
        "{v}"
    );
    let (s, v) = login(&app, &phone, &nik, "135790").await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (423, Some("ACCOUNT_LOCKED")),
        "{v}"
    );
}

#[tokio::test]
async fn an_activation_whose_answer_was_lost_can_be_asked_again_with_the_same_code_until_the_pin_is_set()
 {
    let app = spawn_app(Backend::Sqlite).await;
    let r = app.adult(4).clone();
    let email = "hilang@contoh.id";
    let reg = start_registration(&app, &r, &Phone::new(), email).await;
    let qr = selfie(&app, &reg).await;
    approve(&app, &qr).await;
    let code = app.code_from_outbox(email);
    let (s, first) = activate(&app, &reg, &code).await;
    assert_eq!(s, 200, "{first}");
    // The answer is lost; the app sends the same code again.
    let (s, again) = activate(&app, &reg, &code).await;
    assert_eq!(s, 200, "{again}");
    assert_ne!(first["setup_token"], again["setup_token"]);
    let (s, v) = app
        .post(
            "/pin",
            json!({"setup_token": first["setup_token"], "pin": "135790"}),
            None,
        )
        .await;
    assert_eq!(s, 401, "the first setup token is revoked: {v}");
    let (s, v) = app
        .post(
            "/pin",
            json!({"setup_token": again["setup_token"], "pin": "135790"}),
            None,
        )
        .await;
    assert_eq!(s, 204, "{v}");
    // Once the PIN is set, the code gives nothing more.
    let (s, v) = activate(&app, &reg, &code).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (409, Some("REGISTRATION_WRONG_STATE")),
        "{v}"
    );
    let (s, v) = activate(&app, &reg, "000001").await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (401, Some("ACTIVATION_CODE_WRONG")),
        "{v}"
    );
}
