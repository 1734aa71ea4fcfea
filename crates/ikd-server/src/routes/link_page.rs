//! The pages an emailed link opens (cancel a Lupa PIN or a device change, restore a
//! contact): plain HTML in both languages, so they work in any browser without the app. A
//! GET shows what the button does and changes nothing, since mail scanners open links; the
//! button POSTs.

use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use ikd_core::{Lang, UserError};

use crate::app::AppState;
use crate::error::Result;

/// What a link's page says once its button worked, in both languages.
pub(super) struct LinkPage {
    pub title: &'static str,
    pub id: &'static str,
    pub en: &'static str,
}

/// The POST behind an emailed link's button (cancel a reset or a device change, restore a
/// contact): the per-address limit shared by every such link, then `act`; its outcome as a
/// page, `done` or the error with `failed_title`. `act` runs only if the limit allows.
pub(super) async fn link_submit(
    state: &AppState,
    ip: super::ClientIp,
    act: impl std::future::Future<Output = Result<()>>,
    done: LinkPage,
    failed_title: &str,
) -> Response {
    let outcome = match ip.limit(state, crate::limits::CANCEL_LINK_PER_IP).await {
        Ok(()) => act.await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(()) => page(StatusCode::OK, done.title, done.id, done.en, None),
        Err(e) => failed_page(&e, failed_title),
    }
}

/// The page for a cancel that failed: the error's message in both languages, and its
/// stable code in a header, as the API gives it, for support.
pub(super) fn failed_page(e: &crate::error::Error, title: &str) -> Response {
    let (id, en) = (e.message(Lang::Id), e.message(Lang::En));
    let mut r = page(e.status(), title, &id, &en, None);
    if let Ok(v) = header::HeaderValue::from_str(e.code()) {
        r.headers_mut().insert("x-ikd-error-code", v);
    }
    r
}

/// A small page in both languages; `button` adds a button with that label that posts to
/// the same address. No script, no outside resource, and the address (which holds the
/// token) is neither cached nor sent on as a referrer.
pub(super) fn page(
    status: StatusCode,
    title: &str,
    id: &str,
    en: &str,
    button: Option<&str>,
) -> Response {
    let button = button
        .map(|label| {
            format!("<form method=\"post\"><button type=\"submit\">{label}</button></form>")
        })
        .unwrap_or_default();
    let html = format!(
        "<!doctype html><html lang=\"id\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>body{{font-family:sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;line-height:1.5}}\
         button{{font-size:1.1rem;padding:.7rem 1.2rem;background:#b3261e;color:#fff;border:0;border-radius:.4rem}}\
         p[lang=en]{{color:#555}}</style></head><body><h1>IKD</h1><h2>{title}</h2>\
         <p>{id}</p>{button}<p lang=\"en\">{en}</p></body></html>"
    );
    (
        status,
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
            ),
        ],
        Html(html),
    )
        .into_response()
}
