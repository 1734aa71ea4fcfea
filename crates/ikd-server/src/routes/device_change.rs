//! Ganti perangkat, the side of the phone that holds the account: whether a device change is
//! under way, and cancelling it, signed in or from the email's link (a plain HTML page, so it
//! works in any browser, without the app). Thin adapters over [`crate::device_change`].

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use ikd_core::api::{ApiError, DeviceChangeStatus};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Citizen;
use super::link_page::{LinkPage, link_submit, page};
use crate::app::AppState;
use crate::error::Result;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(device_change_status))
        .routes(routes!(device_change_cancel))
}

/// `GET /perangkat/batal/{token}` says what cancelling does and shows a button; `POST` does
/// it. A GET changes nothing, since mail scanners open links.
pub fn cancel_page() -> Router<AppState> {
    Router::new().route(
        "/perangkat/batal/{token}",
        get(cancel_form).post(cancel_submit),
    )
}

#[utoipa::path(get, path = "/me/device-change", tag = "citizen", security(("citizen" = [])),
    responses(
        (status = 200, description = "A device change under way for this account, if any: waiting for an officer, or approved and completing at `completes_at`", body = DeviceChangeStatus),
        (status = 401, description = "No valid session", body = ApiError),
    ))]
async fn device_change_status(
    State(state): State<AppState>,
    Citizen(nik): Citizen,
) -> Result<Json<DeviceChangeStatus>> {
    Ok(Json(crate::device_change::status(&state, &nik).await?))
}

#[utoipa::path(post, path = "/me/device-change/cancel", tag = "citizen", security(("citizen" = [])),
    responses(
        (status = 204, description = "Cancelled: the account stays on this phone; the new phone's code no longer activates"),
        (status = 404, description = "No device change to cancel (DEVICE_CHANGE_NOT_FOUND): it completed or was cancelled", body = ApiError),
        (status = 401, description = "No valid session", body = ApiError),
    ))]
async fn device_change_cancel(
    State(state): State<AppState>,
    Citizen(nik): Citizen,
) -> Result<StatusCode> {
    crate::device_change::cancel_by_owner(&state, &nik).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn cancel_form() -> Response {
    page(
        StatusCode::OK,
        "Batalkan pindah perangkat / Cancel the device change",
        "Seseorang meminta memindahkan akun IKD Anda ke ponsel baru, dan petugas menyetujuinya. \
         Bila bukan Anda, batalkan: akun tetap di ponsel lama, dan kode aktivasi ponsel baru tidak \
         berlaku lagi. Lalu datang ke kantor Dukcapil dengan KTP-el.",
        "Someone asked to move your IKD account to a new phone, and an officer approved it. If \
         it was not you, cancel: the account stays on the old phone, and the new phone's \
         activation code stops working. Then visit a Dukcapil office with your KTP-el.",
        Some("Batalkan pindah perangkat / Cancel the device change"),
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
        crate::device_change::cancel_by_link(&state, &token),
        LinkPage {
            title: "Pindah perangkat dibatalkan / Device change cancelled",
            id: "Pindah perangkat dibatalkan. Akun IKD Anda tetap di ponsel lama. Bila bukan Anda \
                 yang memintanya, datang ke kantor Dukcapil dengan KTP-el.",
            en: "The device change is cancelled. Your IKD account stays on the old phone. If you \
                 did not ask for it, visit a Dukcapil office with your KTP-el.",
        },
        "Pembatalan gagal / Could not cancel",
    )
    .await
}
