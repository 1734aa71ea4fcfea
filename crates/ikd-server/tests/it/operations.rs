//! Operations: the OpenAPI document matches the routes the service answers.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::helpers::*;

/// What the service is meant to offer; a route added without documentation, or documented
/// without being served, fails one of the two tests below.
const OPERATIONS: &[(&str, &str)] = &[
    ("get", "/.well-known/ikd-keys"),
    ("get", "/api/openapi.json"),
    ("post", "/api/v1/activate"),
    ("post", "/api/v1/captcha"),
    ("post", "/api/v1/login"),
    ("post", "/api/v1/login/challenge"),
    ("post", "/api/v1/logout"),
    ("get", "/api/v1/me/activity"),
    ("get", "/api/v1/me/credential"),
    ("post", "/api/v1/me/device/release"),
    ("get", "/api/v1/me/documents"),
    ("get", "/api/v1/me/kk"),
    ("get", "/api/v1/me/ktp"),
    ("get", "/api/v1/me/photo"),
    ("post", "/api/v1/me/pin"),
    ("post", "/api/v1/officer/accounts/{nik}/release-device"),
    ("post", "/api/v1/officer/accounts/{nik}/reset-pin"),
    ("post", "/api/v1/officer/decision"),
    ("post", "/api/v1/officer/login"),
    ("post", "/api/v1/officer/logout"),
    ("post", "/api/v1/officer/scan"),
    ("post", "/api/v1/pin"),
    ("post", "/api/v1/pin/reset/start"),
    ("get", "/api/v1/me/device-change"),
    ("get", "/api/v1/me/contact"),
    ("get", "/api/v1/me/data"),
    ("post", "/api/v1/me/close"),
    ("post", "/api/v1/me/contact/start"),
    ("post", "/api/v1/me/contact/finish"),
    ("post", "/api/v1/me/device-change/cancel"),
    ("get", "/api/v1/officer/remote-reviews"),
    ("get", "/api/v1/officer/remote-reviews/{id}"),
    ("post", "/api/v1/officer/remote-reviews/{id}/decision"),
    ("post", "/api/v1/pin/reset/finish"),
    ("post", "/api/v1/pin/reset/cancel"),
    ("post", "/api/v1/registrations"),
    ("get", "/api/v1/registrations/{id}"),
    ("put", "/api/v1/registrations/{id}/selfie"),
    ("post", "/api/v1/verify"),
    ("get", "/healthz"),
    ("get", "/metrics"),
    ("get", "/readyz"),
];

async fn openapi(app: &TestApp) -> Value {
    let res = app
        .http
        .get(app.base.replace("/api/v1", "/api/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// Every `"$ref"` in the document, anywhere.
fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r),
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn the_openapi_document_lists_every_operation_with_resolvable_schemas() {
    let app = spawn_app(Backend::Sqlite).await;
    let doc = openapi(&app).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));

    let mut listed = BTreeSet::new();
    let mut ids = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            listed.insert((method.clone(), path.clone()));
            if let Some(id) = op["operationId"].as_str() {
                assert!(ids.insert(id.to_owned()), "operationId {id} is unique");
            }
            for (status, res) in op["responses"].as_object().unwrap() {
                let said = res["description"].as_str().unwrap_or("");
                assert!(!said.is_empty(), "{method} {path} {status} is described");
            }
        }
    }
    let expected: BTreeSet<_> = OPERATIONS
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(listed, expected);

    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(all.len() > 30, "request and response bodies are referenced");
    for r in all {
        let name = r.strip_prefix("#/components/schemas/").unwrap();
        assert!(schemas.contains_key(name), "{r} is defined");
    }
    assert_eq!(schemas["Nik"]["pattern"], "^[0-9]{16}$");
    assert!(
        schemas["StartRegistration"]["required"]
            .as_array()
            .unwrap()
            .contains(&Value::from("nik"))
    );
    for scheme in ["registration", "citizen", "officer"] {
        assert_eq!(
            doc["components"]["securitySchemes"][scheme]["scheme"],
            "bearer"
        );
    }
}

#[tokio::test]
async fn every_documented_operation_is_served() {
    let app = spawn_app(Backend::Sqlite).await;
    let root = app.base.trim_end_matches("/api/v1").to_owned();
    let nik = app.adult(0).ktp.nik.as_str().to_owned();
    for (method, path) in OPERATIONS {
        let url = format!(
            "{root}{}",
            path.replace("{id}", "0123456789abcdef0123456789abcdef")
                .replace("{nik}", &nik)
        );
        let req = match *method {
            "get" => app.http.get(&url),
            "post" => app.http.post(&url).json(&serde_json::json!({})),
            "put" => app.http.put(&url).body(vec![0u8; 4]),
            other => panic!("{other}"),
        };
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let body = res.bytes().await.unwrap();
        // The router's own "no such route" is an empty 404 or a 405; the service's refusals
        // (no session, unknown registration) carry a coded JSON body.
        assert_ne!(status, 405, "{method} {path}");
        assert!(
            !(status == 404 && body.is_empty()),
            "{method} {path} is not routed"
        );
    }
}

async fn sweep_keeps_live_rows_and_deletes_expired_ones(backend: Backend) {
    use ikd_server::sweep::{REGISTRATION_GRACE, Swept, sweep};
    let app = spawn_app(backend).await;
    let db = &app.running.state.db;
    let reg =
        crate::flow::start_registration(&app, app.adult(0), &Phone::new(), "s@contoh.id").await;
    let officer = app.officer_token().await;
    let (s, _) = app.post("/captcha", serde_json::json!({}), None).await;
    assert_eq!(s, 200);
    let (s, _) = app
        .post("/login/challenge", serde_json::json!({}), None)
        .await;
    assert_eq!(s, 200);

    let at = ikd_server::error::now();
    assert_eq!(sweep(db, at).await.unwrap(), Swept::default());
    let (s, _) = app
        .get(&format!("/registrations/{}", reg.id), &reg.secret)
        .await;
    assert_eq!(s, 200, "a live registration is kept");
    let (s, _) = app.get("/me/ktp", &officer).await;
    assert_eq!(s, 401, "(an officer token is not a citizen session)");

    let later = at + ikd_server::routes::REGISTRATION_TTL + REGISTRATION_GRACE + 1;
    let swept = sweep(db, later).await.unwrap();
    assert_eq!(
        (swept.captchas, swept.challenges, swept.registrations),
        (1, 1, 1)
    );
    assert!(swept.tokens >= 1 && swept.rate_limits >= 1, "{swept:?}");
    let (s, v) = app
        .get(&format!("/registrations/{}", reg.id), &reg.secret)
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (401, Some("REGISTRATION_NOT_FOUND"))
    );
    assert_eq!(
        sweep(db, later).await.unwrap(),
        Swept::default(),
        "idempotent"
    );
}

#[tokio::test]
async fn expired_rows_are_swept_and_live_ones_kept() {
    sweep_keeps_live_rows_and_deletes_expired_ones(Backend::Sqlite).await;
}

#[tokio::test]
async fn expired_rows_are_swept_and_live_ones_kept_on_postgres() {
    sweep_keeps_live_rows_and_deletes_expired_ones(Backend::Postgres).await;
}
