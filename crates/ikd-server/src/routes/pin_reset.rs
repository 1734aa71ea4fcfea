//! Lupa PIN over HTTP: thin adapters over [`crate::pin_reset`], plus the page the email's
//! cancel link opens (a plain HTML form, so it works in any browser, without the app).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use ikd_core::api::{
    ApiError, PinResetCancel, PinResetDone, PinResetFinish, PinResetStart, PinResetStarted,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiJson;
use super::link_page::{LinkPage, link_submit, page};
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
