//! The browser renderer: the same components served over HTTP with Dioxus liveview on
//! axum. Each browser is its own device: a cookie holds its id and the key of its sealed
//! store (the server keeps only ciphertext), so a reload keeps the device and the server
//! alone cannot open it.

use std::path::PathBuf;

use axum::Router;
use axum::extract::WebSocketUpgrade;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use dioxus::prelude::*;
use dioxus_liveview::{LiveViewPool, axum_socket, interpreter_glue};
use zeroize::Zeroizing;

use crate::api::ApiClient;
use crate::camera::Camera;
use crate::officer::OfficerConfig;
use crate::session::{AppConfig, b64u, from_b64u};
use crate::store::EncryptedFileStore;

const COOKIE: &str = "ikd_device";

/// What the browser renderer serves against.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The service, e.g. `http://127.0.0.1:8080`.
    pub api: String,
    /// Where each browser's sealed store lives (`DIR/devices/<id>/`).
    pub data_dir: PathBuf,
    /// The camera the citizen's screens use (the browser's own, or a virtual one).
    pub camera: Camera,
    /// The camera of the officer's scanner (the browser's own, or a virtual one).
    pub officer_camera: Camera,
}

/// A browser's device: 16 bytes of id and 32 bytes of store key, in one cookie.
struct DeviceCookie(Zeroizing<Vec<u8>>);

impl DeviceCookie {
    fn new() -> Option<Self> {
        let id: [u8; 16] = ikd_core::crypto::random_bytes().ok()?;
        let key: [u8; 32] = ikd_core::crypto::random_bytes().ok()?;
        let mut v = Zeroizing::new(id.to_vec());
        v.extend_from_slice(&key);
        Some(DeviceCookie(v))
    }

    fn from_headers(h: &HeaderMap) -> Option<Self> {
        let value = h
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .find_map(|kv| kv.trim().strip_prefix("ikd_device="))?;
        let bytes = Zeroizing::new(from_b64u(value)?);
        (bytes.len() == 48).then_some(DeviceCookie(bytes))
    }

    fn id_hex(&self) -> String {
        self.0[..16].iter().map(|b| format!("{b:02x}")).collect()
    }

    fn key(&self) -> Zeroizing<[u8; 32]> {
        let mut k = Zeroizing::new([0u8; 32]);
        k.copy_from_slice(&self.0[16..]);
        k
    }

    fn set_cookie(&self) -> String {
        format!(
            "{COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age=31536000",
            b64u(&self.0)
        )
    }
}

fn page(title: &str, ws_path: &str) -> String {
    format!(
        r#"<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{css}</style></head>
<body><div id="main"></div>{glue}</body></html>"#,
        css = crate::STYLE,
        glue = interpreter_glue(ws_path),
    )
}

/// The citizen's page; gives a new browser its device cookie.
async fn index(headers: HeaderMap) -> Response {
    let page = Html(page("IKD — Identitas Kependudukan Digital", "/ws"));
    if DeviceCookie::from_headers(&headers).is_some() {
        return page.into_response();
    }
    match DeviceCookie::new() {
        Some(c) => ([(header::SET_COOKIE, c.set_cookie())], page).into_response(),
        None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// A websocket from another site's page must not drive a citizen's session.
fn same_origin(h: &HeaderMap) -> bool {
    let host = h.get(header::HOST).and_then(|v| v.to_str().ok());
    match (h.get(header::ORIGIN).and_then(|v| v.to_str().ok()), host) {
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .is_some_and(|(_, rest)| rest.trim_end_matches('/') == host),
        (None, _) => true, // not a browser
        _ => false,
    }
}

/// The officer's console page (no device cookie: an officer's session is memory only).
async fn console_index() -> Html<String> {
    Html(page("IKD — Konsol Petugas", "/petugas/ws"))
}

/// The routes of the browser renderer: the citizen app at `/` and the officer's console at
/// `/petugas` (every app path serves its page, so a reload on `/beranda` works).
pub fn router(config: WebConfig) -> Router {
    let pool = LiveViewPool::new();
    let api = ApiClient::new(&config.api);
    let console = OfficerConfig {
        api: api.clone(),
        camera: config.officer_camera.clone(),
    };
    let console_pool = pool.clone();
    Router::new()
        .route("/petugas", get(console_index))
        .route("/petugas/{*rest}", get(console_index))
        .route(
            "/petugas/ws",
            get(move |ws: WebSocketUpgrade, headers: HeaderMap| {
                let (pool, console) = (console_pool.clone(), console.clone());
                async move {
                    if !same_origin(&headers) {
                        return StatusCode::FORBIDDEN.into_response();
                    }
                    ws.on_upgrade(move |socket| async move {
                        let _ = pool
                            .launch_virtualdom(axum_socket(socket), move || {
                                VirtualDom::new(crate::officer::OfficerApp)
                                    .with_root_context(console)
                            })
                            .await;
                    })
                }
            }),
        )
        .route("/", get(index))
        .route("/daftar", get(index))
        .route("/daftar/{*rest}", get(index))
        .route("/aktivasi", get(index))
        .route("/aktivasi/{*rest}", get(index))
        .route("/masuk", get(index))
        .route("/beranda", get(index))
        .route("/beranda/{*rest}", get(index))
        .route(
            "/ws",
            get(move |ws: WebSocketUpgrade, headers: HeaderMap| {
                let (pool, api, config) = (pool.clone(), api.clone(), config.clone());
                async move {
                    if !same_origin(&headers) {
                        return StatusCode::FORBIDDEN.into_response();
                    }
                    let Some(cookie) = DeviceCookie::from_headers(&headers) else {
                        return StatusCode::BAD_REQUEST.into_response();
                    };
                    let dir = config.data_dir.join("devices").join(cookie.id_hex());
                    let store = match EncryptedFileStore::new(&dir, &cookie.key()) {
                        Ok(s) => std::sync::Arc::new(s),
                        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
                    };
                    let app = AppConfig {
                        api,
                        store,
                        camera: config.camera.clone(),
                    };
                    ws.on_upgrade(move |socket| async move {
                        let _ = pool
                            .launch_virtualdom(axum_socket(socket), move || {
                                VirtualDom::new(crate::App).with_root_context(app)
                            })
                            .await;
                    })
                }
            }),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_device_cookie_round_trips_and_refuses_other_lengths() {
        let c = DeviceCookie::new().unwrap();
        let mut h = HeaderMap::new();
        let set = c.set_cookie();
        let pair = set.split(';').next().unwrap();
        h.insert(header::COOKIE, format!("a=1; {pair}").parse().unwrap());
        let back = DeviceCookie::from_headers(&h).unwrap();
        assert_eq!(back.id_hex(), c.id_hex());
        assert_eq!(*back.key(), *c.key());
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict"));
        h.insert(header::COOKIE, "ikd_device=AAAA".parse().unwrap());
        assert!(DeviceCookie::from_headers(&h).is_none());
    }

    #[test]
    fn a_websocket_from_another_site_is_refused() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, "127.0.0.1:8080".parse().unwrap());
        h.insert(header::ORIGIN, "http://127.0.0.1:8080".parse().unwrap());
        assert!(same_origin(&h));
        h.insert(header::ORIGIN, "https://evil.example".parse().unwrap());
        assert!(!same_origin(&h));
    }
}
