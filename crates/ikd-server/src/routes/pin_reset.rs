//! Lupa PIN over HTTP: thin adapters over [`crate::pin_reset`], plus the page the email's
//! cancel link opens (a plain HTML form, so it works in any browser, without the app).

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use ikd_core::api::{
    ApiError, PinResetCancel, PinResetDone, PinResetFinish, PinResetStart, PinResetStarted,
};
use ikd_core::{Lang, UserError};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiJson;
use crate::app::AppState;
use crate::error::Result;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(pin_reset_start))
        .routes(routes!(pin_reset_finish))
        .routes(routes!(pin_reset_cancel))
}

/// `GET /pin/batal/{token}` shows what cancelling does and a button; `POST` does it. A GET
/// changes nothing, since mail scanners open links.
pub fn cancel_page() -> Router<AppState> {
    Router::new().route("/pin/batal/{token}", get(cancel_form).post(cancel_submit))
}

#[utoipa::path(post, path = "/pin/reset/start", tag = "auth", request_body = PinResetStart,
    responses(
        (status = 200, description = "A 6-digit code went to the registered email (15 minutes, single use)", body = PinResetStarted),
        (status = 401, description = "Unknown or expired challenge, a signature that is not the account's device, or a NIK with no device or no PIN yet", body = ApiError),
        (status = 422, description = "The NIK is not valid", body = ApiError),
        (status = 429, description = "Five codes a day per NIK and per device; wait", body = ApiError),
        (status = 503, description = "Busy (SERVICE_BUSY). With Retry-After: no CPU permit came free in time, before anything was used or counted; send the same request again after it. Without: no database connection came free, perhaps after part of the request was done", body = ApiError),
    ))]
async fn pin_reset_start(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<PinResetStart>,
) -> Result<Json<PinResetStarted>> {
    Ok(Json(crate::pin_reset::start(&state, &req).await?))
}

#[utoipa::path(post, path = "/pin/reset/finish", tag = "auth", request_body = PinResetFinish,
    responses(
        (status = 200, description = "The new PIN is set and every session ended; after a hard lock it signs in only from `usable_from`", body = PinResetDone),
        (status = 401, description = "Wrong captcha, or a wrong code (attempts left in the message), or the phone was released since", body = ApiError),
        (status = 410, description = "The reset is unknown, expired, used, or out of attempts: start again", body = ApiError),
        (status = 422, description = "The code is not six digits, or the PIN is too easy to guess", body = ApiError),
        (status = 503, description = "Busy (SERVICE_BUSY). With Retry-After: no CPU permit came free in time, before anything was used or counted; send the same request again after it. Without: no database connection came free, perhaps after part of the request was done", body = ApiError),
    ))]
async fn pin_reset_finish(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<PinResetFinish>,
) -> Result<Json<PinResetDone>> {
    Ok(Json(crate::pin_reset::finish(&state, req).await?))
}

#[utoipa::path(post, path = "/pin/reset/cancel", tag = "auth", request_body = PinResetCancel,
    responses(
        (status = 204, description = "Cancelled: the PIN from before the reset and the hard lock are back, every session ended"),
        (status = 404, description = "The link names no waiting reset: unknown, the wait is over, or cancelled already", body = ApiError),
        (status = 422, description = "The body is not valid", body = ApiError),
        (status = 429, description = "Too many links tried from this address; wait", body = ApiError),
        (status = 503, description = "Busy (SERVICE_BUSY, without Retry-After): no database connection came free", body = ApiError),
    ))]
async fn pin_reset_cancel(
    State(state): State<AppState>,
    ip: super::ClientIp,
    ApiJson(req): ApiJson<PinResetCancel>,
) -> Result<StatusCode> {
    ip.limit(&state, crate::limits::CANCEL_LINK_PER_IP).await?;
    crate::pin_reset::cancel(&state, &req.cancel_token).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn cancel_form() -> Response {
    page(
        StatusCode::OK,
        "Batalkan reset PIN / Cancel the PIN reset",
        "Seseorang membuat PIN baru untuk akun IKD Anda lewat Lupa PIN setelah akun dikunci. \
         Bila bukan Anda, batalkan: PIN lama kembali, akun tetap terkunci, dan semua sesi diakhiri. \
         Lalu datang ke kantor Dukcapil dengan KTP-el.",
        "Someone set a new PIN for your IKD account through Lupa PIN after it was locked. If it \
         was not you, cancel: the old PIN returns, the account stays locked and every session ends. \
         Then visit a Dukcapil office with your KTP-el.",
        Some("Batalkan reset PIN / Cancel the PIN reset"),
    )
}

async fn cancel_submit(
    State(state): State<AppState>,
    ip: super::ClientIp,
    Path(token): Path<String>,
) -> Response {
    link_submit(
        &state,
        ip,
        crate::pin_reset::cancel(&state, &token),
        LinkPage {
            title: "Reset PIN dibatalkan / PIN reset cancelled",
            id: "Reset PIN dibatalkan. Akun IKD Anda tetap terkunci dan semua sesi diakhiri. \
                 Datang ke kantor Dukcapil dengan KTP-el agar petugas membukanya.",
            en: "The PIN reset is cancelled. Your IKD account stays locked and every session \
                 has ended. Visit a Dukcapil office with your KTP-el to have an officer unlock it.",
        },
        "Pembatalan gagal / Could not cancel",
    )
    .await
}

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
