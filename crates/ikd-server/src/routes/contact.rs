//! Ubah email / nomor ponsel over HTTP: thin adapters over [`crate::contact_change`].

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use ikd_core::api::{
    ApiError, ContactChangeFinish, ContactChangeStart, ContactChangeStarted, ContactView,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::link_page::{LinkPage, link_submit, page};
use super::{ApiJson, Citizen};
use crate::app::AppState;
use crate::error::Result;

/// `GET /kontak/kembalikan/{token}` says what restoring does and shows a button; `POST`
/// does it. A GET changes nothing, since mail scanners open links.
pub fn restore_page() -> Router<AppState> {
    Router::new().route(
        "/kontak/kembalikan/{token}",
        get(restore_form).post(restore_submit),
    )
}

async fn restore_form() -> Response {
    page(
        StatusCode::OK,
        "Kembalikan email dan nomor ponsel / Restore the email and phone",
        "Email atau nomor ponsel akun IKD Anda baru saja diubah. Bila bukan Anda, kembalikan: \
         email dan nomor ponsel yang lama berlaku lagi, dan semua sesi diakhiri.",
        "The email or phone of your IKD account was just changed. If it was not you, restore \
         them: the previous email and phone apply again, and every session ends.",
        Some("Kembalikan / Restore"),
    )
}

async fn restore_submit(
    State(state): State<AppState>,
    ip: super::ClientIp,
    Path(token): Path<String>,
) -> Response {
    link_submit(
        &state,
        ip,
        crate::contact_change::restore(&state, &token),
        LinkPage {
            title: "Email dan nomor ponsel dikembalikan / Email and phone restored",
            id: "Email dan nomor ponsel yang lama berlaku lagi, dan semua sesi diakhiri. Bila \
                 ponsel atau PIN Anda dipegang orang lain, ubah PIN, atau datang ke kantor \
                 Dukcapil dengan KTP-el agar petugas melepas perangkat.",
            en: "The previous email and phone apply again, and every session has ended. If \
                 someone else holds your phone or knows your PIN, change the PIN, or visit a \
                 Dukcapil office with your KTP-el to have an officer release the device.",
        },
        "Tidak dapat dikembalikan / Could not restore",
    )
    .await
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(contact_view))
        .routes(routes!(contact_change_start))
        .routes(routes!(contact_change_finish))
}

#[utoipa::path(get, path = "/me/contact", tag = "citizen", security(("citizen" = [])),
    responses(
        (status = 200, description = "The registered email and phone, masked", body = ContactView),
        (status = 401, description = "No valid session", body = ApiError),
    ))]
async fn contact_view(
    State(state): State<AppState>,
    Citizen(nik): Citizen,
) -> Result<Json<ContactView>> {
    Ok(Json(crate::contact_change::view(&state, &nik).await?))
}

#[utoipa::path(post, path = "/me/contact/start", tag = "citizen", security(("citizen" = [])),
    request_body = ContactChangeStart,
    responses(
        (status = 200, description = "A 6-digit code went to the new email (or to the registered one when only the phone changes); 15 minutes, single use", body = ContactChangeStarted),
        (status = 401, description = "No valid session, an unknown or expired challenge, a signature that is not the account's device, or a wrong PIN (PIN_WRONG, attempts left in the message; counted toward the login lockout)", body = ApiError),
        (status = 409, description = "Both are the registered ones (CONTACT_UNCHANGED)", body = ApiError),
        (status = 422, description = "A field is invalid; the code names which", body = ApiError),
        (status = 423, description = "The account is locked by wrong PINs, or a PIN set through Lupa PIN still waits (PIN_RESET_WAITING), or the contact was restored from the emailed link in the last 7 days (CONTACT_CHANGE_AFTER_RESTORE, until when in the message)", body = ApiError),
        (status = 429, description = "Five changes a day per NIK; wait", body = ApiError),
        (status = 503, description = "Busy (SERVICE_BUSY). With Retry-After: no CPU permit came free in time, before anything was used or counted; send the same request again after it. Without: no database connection came free, perhaps after part of the request was done", body = ApiError),
    ))]
async fn contact_change_start(
    State(state): State<AppState>,
    Citizen(nik): Citizen,
    ApiJson(req): ApiJson<ContactChangeStart>,
) -> Result<Json<ContactChangeStarted>> {
    Ok(Json(
        crate::contact_change::start(&state, &nik, &req).await?,
    ))
}

#[utoipa::path(post, path = "/me/contact/finish", tag = "citizen", security(("citizen" = [])),
    request_body = ContactChangeFinish,
    responses(
        (status = 200, description = "Changed; the address registered before is told", body = ContactView),
        (status = 401, description = "No valid session, or a wrong code (CONTACT_CHANGE_CODE_WRONG, attempts left in the message)", body = ApiError),
        (status = 410, description = "No change waiting: unknown, expired, used, or out of attempts; start again", body = ApiError),
        (status = 422, description = "The code is not six digits", body = ApiError),
        (status = 503, description = "Busy (SERVICE_BUSY). With Retry-After: no CPU permit came free in time, before anything was used or counted; send the same request again after it. Without: no database connection came free, perhaps after part of the request was done", body = ApiError),
    ))]
async fn contact_change_finish(
    State(state): State<AppState>,
    Citizen(nik): Citizen,
    ApiJson(req): ApiJson<ContactChangeFinish>,
) -> Result<Json<ContactView>> {
    Ok(Json(
        crate::contact_change::finish(&state, &nik, &req).await?,
    ))
}
