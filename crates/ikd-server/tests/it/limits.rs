//! The limits the README's table states, one test each: what a request just past each one
//! gets, and the control just inside it.

use serde_json::{Value, json};

use crate::flow::*;
use crate::helpers::*;

fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("<none>")
}

/// `body` with spaces before its closing brace, `len` bytes long in all.
fn padded(body: &Value, len: usize) -> Vec<u8> {
    let mut text = body.to_string();
    let close = text.pop().unwrap();
    text.push_str(&" ".repeat(len - text.len() - 1));
    text.push(close);
    text.into_bytes()
}

async fn post_raw(app: &TestApp, path: &str, bytes: Vec<u8>) -> (u16, Value) {
    app.send_bytes(reqwest::Method::POST, path, "application/json", bytes, None)
        .await
}

#[tokio::test]
async fn a_json_body_over_16_kib_is_refused_as_too_large_and_one_at_the_limit_is_read() {
    let app = spawn_app(Backend::Sqlite).await;
    let max = ikd_server::routes::MAX_JSON_BODY;
    let body = start_body(app.adult(0), &Phone::new(), "batas@contoh.id");
    let (s, v) = post_raw(&app, "/registrations", padded(&body, max + 1)).await;
    assert_eq!((s, code(&v)), (413, "REQUEST_TOO_LARGE"), "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("terlalu besar")
    );
    // The control: the same registration at exactly the limit is started.
    let (s, v) = post_raw(&app, "/registrations", padded(&body, max)).await;
    assert_eq!(s, 201, "{v}");
}

#[tokio::test]
async fn a_selfie_over_2_mb_or_8192_px_a_side_gets_its_own_code_and_changes_nothing() {
    let app = spawn_app(Backend::Sqlite).await;
    let reg = start_registration(&app, app.adult(0), &Phone::new(), "px@contoh.id").await;
    let (s, v) = app
        .put_selfie(&reg, vec![0xFF; ikd_server::selfie::MAX_BYTES + 1])
        .await;
    assert_eq!((s, code(&v)), (413, "SELFIE_TOO_LARGE"), "{v}");
    // A few kilobytes of PNG that claim 8193 × 1 px.
    let mut png = std::io::Cursor::new(Vec::new());
    image::GrayImage::from_pixel(
        ikd_server::selfie::MAX_DECODE_SIDE + 1,
        1,
        image::Luma([90]),
    )
    .write_to(&mut png, image::ImageFormat::Png)
    .unwrap();
    let (s, v) = app.put_selfie(&reg, png.into_inner()).await;
    assert_eq!((s, code(&v)), (413, "SELFIE_TOO_MANY_PIXELS"), "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("8192"));
    assert!(v["error"]["message_en"].as_str().unwrap().contains("8192"));
    assert_eq!(status(&app, &reg).await["state"], "awaiting_selfie");
}

#[tokio::test]
async fn an_identity_qr_longer_than_a_version_40_code_is_refused_before_it_is_decoded() {
    let app = spawn_app(Backend::Sqlite).await;
    let officer = app.officer_token().await;
    let long = format!("IKD2:{}", "0".repeat(ikd_core::wire::MAX_QR_TEXT_LEN));
    let (s, v) = app
        .post("/verify", json!({"qr": long}), Some(&officer))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["valid"], false, "{v}");
    assert_eq!(v["error"]["code"], "QR_ENCODING", "{v}");
}

/// At most 64 header fields and 32 KiB of names and values: beyond, 431 with a code and a
/// message. hyper's own bounds (100 fields, about 400 KiB of head) stay behind them: 431
/// without a body.
#[tokio::test]
async fn a_request_head_beyond_64_fields_or_32_kib_gets_431_with_a_code() {
    let app = spawn_app(Backend::Sqlite).await;
    let url = app.base.replace("/api/v1", "/healthz");
    let with_fields = |n: usize| {
        let mut req = app.http.get(&url);
        for i in 0..n {
            req = req.header(format!("x-pad-{i}"), "1");
        }
        req
    };
    let res = with_fields(ikd_server::app::MAX_HEADERS + 1)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 431);
    let text = res.text().await.unwrap();
    let v: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("body {text:?}"));
    assert_eq!(code(&v), "REQUEST_HEADERS_TOO_LARGE");
    assert!(v["error"]["message"].as_str().unwrap().contains("64"));
    assert_eq!(
        with_fields(150).send().await.unwrap().status().as_u16(),
        431
    );
    let big = |n: usize| app.http.get(&url).header("x-pad", "a".repeat(n));
    let res = big(ikd_server::app::MAX_HEADER_BYTES).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 431);
    if let Ok(res) = big(600 * 1024).send().await {
        assert_eq!(res.status().as_u16(), 431);
    }
    // The controls: 60 fields, and a 16 KiB header, are served.
    assert_eq!(with_fields(60).send().await.unwrap().status().as_u16(), 200);
    assert_eq!(big(16 * 1024).send().await.unwrap().status().as_u16(), 200);
}

#[tokio::test]
async fn a_rejection_reason_over_500_characters_is_refused_and_the_registration_still_waits() {
    let app = spawn_app(Backend::Sqlite).await;
    let phone = Phone::new();
    let reg = start_registration(&app, app.adult(0), &phone, "alasan@contoh.id").await;
    let qr = selfie(&app, &reg).await;
    let officer = app.officer_token().await;
    let decide = |reason: String| {
        app.post(
            "/officer/decision",
            json!({"qr": qr, "approve": false, "reason": reason}),
            Some(&officer),
        )
    };
    let (s, v) = decide("é".repeat(501)).await;
    assert_eq!((s, code(&v)), (422, "REQUEST_INVALID"), "{v}");
    assert_eq!(status(&app, &reg).await["state"], "awaiting_officer");
    // The control: 500 characters (1 000 bytes) are a reason.
    let (s, v) = decide("é".repeat(500)).await;
    assert_eq!(s, 204, "{v}");
    assert_eq!(status(&app, &reg).await["state"], "rejected");
}
