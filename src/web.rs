//! The browser renderer: the same components served over HTTP with Dioxus liveview on
//! axum. Each browser is its own device: a cookie holds its id and the key of its sealed
//! store (the server keeps only ciphertext), so a reload keeps the device and the server
//! alone cannot open it.

use std::path::PathBuf;

use base64::Engine as _;

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
    /// Served over TLS (by the service itself or a proxy in front): the device cookie is
    /// `Secure`.
    pub tls: bool,
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

    fn set_cookie(&self, tls: bool) -> String {
        format!(
            "{COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age=31536000{}",
            b64u(&self.0),
            if tls { "; Secure" } else { "" }
        )
    }
}

/// How the liveview glue runs the JavaScript the server sends (camera, scrolling): with
/// `Function(…)`, which a CSP without `'unsafe-eval'` blocks. [`glue`] replaces it with a
/// `<script>` element carrying the page's nonce, which the CSP allows (CSP3 §6.7.3.1).
const LIVEVIEW_EVAL: &str = r#"Function("Eval", `"use strict";${event.data};`)();"#;

/// The liveview glue (one inline script) with the page's `nonce`, its eval by nonce'd
/// script elements. `None` when the glue no longer has the expected shape (a Dioxus update):
/// a test catches that before a page ships without its camera.
fn glue(ws_path: &str, nonce: &str) -> Option<String> {
    let glue = interpreter_glue(ws_path);
    if glue.matches("<script>").count() != 1 || !glue.contains(LIVEVIEW_EVAL) {
        return None;
    }
    let run = r#"var __ikdNonce = document.currentScript.nonce;
function __ikdEval(code) {
  var s = document.createElement("script");
  s.nonce = __ikdNonce;
  s.textContent = '"use strict";(function(){' + code + '\n})();';
  document.head.appendChild(s);
  s.remove();
}
"#;
    Some(
        glue.replace(LIVEVIEW_EVAL, "__ikdEval(event.data);")
            .replace("<script>", &format!("<script nonce=\"{nonce}\">\n{run}")),
    )
}

/// The inline `onclick` that dioxus-router 0.7's `Link` puts on every link in liveview (so
/// a plain click routes in the app instead of loading the page). A CSP allows an inline
/// handler only by its hash with `'unsafe-hashes'` (CSP3 §8.3): this one and no other. If
/// a Dioxus update changes the text, the UI suite's CSP-violation check fails.
const ROUTER_LINK_ONCLICK: &str = "if (event.button === 0 && !event.ctrlKey && !event.metaKey && !event.shiftKey && !event.altKey) { event.preventDefault() }";

fn csp_hash(source: &str) -> String {
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD
            .encode(ikd_core::crypto::sha256(source.as_bytes()))
    )
}

/// A page of the browser renderer with its security headers (OWASP ASVS v4 V14.4): a CSP
/// that runs only this response's script (by nonce, no `'unsafe-eval'`) and connects only
/// to this origin and its websocket, no framing by any other page, no MIME sniffing, no
/// referrer, the camera for this origin only, and nothing cached.
fn secure_page(title: &str, ws_path: &str, headers: &HeaderMap) -> Response {
    let Some(nonce) = ikd_core::crypto::random_bytes::<16>()
        .ok()
        .map(|b| b64u(&b))
    else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let Some(glue) = glue(ws_path, &nonce) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let page = format!(
        r#"<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{css}</style></head>
<body><div id="main"></div>{glue}</body></html>"#,
        css = crate::STYLE,
    );
    // The websocket by name too: `'self'` covers ws: and wss: only in CSP3 browsers.
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        });
    let sockets = host
        .map(|h| format!(" ws://{h} wss://{h}"))
        .unwrap_or_default();
    let csp = format!(
        "default-src 'none'; script-src 'nonce-{nonce}' 'unsafe-hashes' {link}; \
         style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob:; media-src 'self' blob: mediastream:; \
         connect-src 'self'{sockets}; font-src 'self'; base-uri 'none'; form-action 'none'; \
         frame-ancestors 'none'",
        link = csp_hash(ROUTER_LINK_ONCLICK),
    );
    (
        [
            (header::CONTENT_SECURITY_POLICY, csp),
            (header::X_FRAME_OPTIONS, "DENY".to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::REFERRER_POLICY, "no-referrer".to_owned()),
            (
                header::HeaderName::from_static("permissions-policy"),
                "camera=(self), microphone=(), geolocation=(), payment=(), usb=()".to_owned(),
            ),
            (
                header::HeaderName::from_static("cross-origin-opener-policy"),
                "same-origin".to_owned(),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        Html(page),
    )
        .into_response()
}

/// The citizen's page; gives a new browser its device cookie.
async fn index(headers: HeaderMap, tls: bool) -> Response {
    let mut page = secure_page("IKD — Identitas Kependudukan Digital", "/ws", &headers);
    if DeviceCookie::from_headers(&headers).is_some() || !page.status().is_success() {
        return page;
    }
    match DeviceCookie::new().and_then(|c| c.set_cookie(tls).parse().ok()) {
        Some(cookie) => {
            page.headers_mut().insert(header::SET_COOKIE, cookie);
            page
        }
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
async fn console_index(headers: HeaderMap) -> Response {
    secure_page("IKD — Konsol Petugas", "/petugas/ws", &headers)
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
    let tls = config.tls;
    let index = move |headers: HeaderMap| index(headers, tls);
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
    fn the_liveview_glue_runs_under_the_csp_nonce_without_eval() {
        let g = glue("/ws", "Tk9OQ0U").expect("the glue has the shape this relies on");
        assert!(g.contains(r#"<script nonce="Tk9OQ0U">"#));
        assert!(!g.contains("Function("), "no eval left: {g}");
        assert!(g.contains("__ikdEval(event.data);"));
    }

    #[test]
    fn the_device_cookie_is_secure_over_tls() {
        let c = DeviceCookie::new().unwrap();
        assert!(c.set_cookie(true).ends_with("; Secure"));
        assert!(!c.set_cookie(false).contains("Secure"));
    }

    #[test]
    fn the_device_cookie_round_trips_and_refuses_other_lengths() {
        let c = DeviceCookie::new().unwrap();
        let mut h = HeaderMap::new();
        let set = c.set_cookie(false);
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
