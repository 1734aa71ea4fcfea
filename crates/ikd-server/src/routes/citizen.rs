//! What a signed-in citizen sees: the KTP-el, the family card, linked documents, the
//! registry photo and the activity log (Riwayat aktivitas).

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use ikd_core::api::{Activity, ActivityKind, ActivityLog, ApiError, Documents, KkView, KtpView};
use ikd_core::records::Photo;
use sqlx::Row;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Citizen;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::registry;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(ktp))
        .routes(routes!(photo))
        .routes(routes!(kk))
        .routes(routes!(documents))
        .routes(routes!(activity_log))
}

#[utoipa::path(get, path = "/me/ktp", tag = "citizen", security(("citizen" = [])),
    responses(
        (status = 200, description = "The KTP-el, every printed field", body = KtpView),
        (status = 401, description = "No valid session", body = ApiError),
    ))]
async fn ktp(State(state): State<AppState>, Citizen(nik): Citizen) -> Result<Json<KtpView>> {
    let r = registry::find(&state.db, &nik)
        .await?
        .ok_or(Error::NotFound)?;
    let mut fields: ikd_core::records::KtpFields = r.ktp.into();
    // No photo on record stays none: the app says so instead of showing one.
    fields.foto = state
        .registry_photo(&nik)
        .await?
        .into_bytes()
        .map(Photo::new)
        .transpose()
        .map_err(Error::internal)?;
    Ok(Json(KtpView {
        ktp: ikd_core::records::Ktp::new(fields).map_err(Error::internal)?,
    }))
}

#[utoipa::path(get, path = "/me/photo", tag = "citizen", security(("citizen" = [])),
    responses(
        (status = 200, description = "The registry photo", body = crate::openapi::Image, content_type = "image/jpeg"),
        (status = 404, description = "`REGISTRY_PHOTO_NOT_ON_RECORD`: the registry holds no photo of this resident", body = ApiError),
        (status = 401, description = "No valid session", body = ApiError),
    ))]
async fn photo(State(state): State<AppState>, Citizen(nik): Citizen) -> Result<impl IntoResponse> {
    let bytes = state
        .registry_photo(&nik)
        .await?
        .into_bytes()
        .ok_or(Error::NoRegistryPhoto)?;
    let media = Photo::new(bytes.clone())
        .map_err(Error::internal)?
        .media_type();
    Ok((
        [
            (header::CONTENT_TYPE, media),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        bytes,
    ))
}

#[utoipa::path(get, path = "/me/kk", tag = "citizen", security(("citizen" = [])),
    responses(
        (status = 200, description = "The family card", body = KkView),
        (status = 401, description = "No valid session", body = ApiError),
    ))]
async fn kk(State(state): State<AppState>, Citizen(nik): Citizen) -> Result<Json<KkView>> {
    Ok(Json(KkView {
        kk: registry::family(&state.db, &nik).await?,
    }))
}

#[utoipa::path(get, path = "/me/documents", tag = "citizen", security(("citizen" = [])),
    responses(
        (status = 200, description = "Documents linked to the NIK", body = Documents),
        (status = 401, description = "No valid session", body = ApiError),
    ))]
async fn documents(
    State(state): State<AppState>,
    Citizen(nik): Citizen,
) -> Result<Json<Documents>> {
    let r = registry::find(&state.db, &nik)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(Json(Documents {
        documents: r.documents,
    }))
}

/// Riwayat, newest first, at most `limit` entries.
pub(crate) async fn activity_entries(
    state: &AppState,
    nik: &ikd_core::Nik,
    limit: i64,
) -> Result<Vec<Activity>> {
    let rows = sqlx::query(
        "SELECT at, kind, actor, profile FROM access_log WHERE nik = $1 ORDER BY at DESC, id DESC LIMIT $2",
    )
    .bind(nik.as_str())
    .bind(limit)
    .fetch_all(&state.db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let profile = r
                .get::<Option<String>, _>(3)
                .and_then(|p| serde_json::from_value(serde_json::Value::String(p)).ok());
            Some(Activity {
                at: r.get(0),
                kind: kind(&r.get::<String, _>(1))?,
                actor: r.get(2),
                profile,
            })
        })
        .collect())
}

fn kind(s: &str) -> Option<ActivityKind> {
    Some(match s {
        "login" => ActivityKind::Login,
        "login_failed" => ActivityKind::LoginFailed,
        "logout" => ActivityKind::Logout,
        "pin_changed" | "pin_set" | "pin_reset_by_officer" => ActivityKind::PinChanged,
        "pin_reset" => ActivityKind::PinReset,
        "pin_reset_cancelled" => ActivityKind::PinResetCancelled,
        "device_released" => ActivityKind::DeviceReleased,
        "activated" => ActivityKind::Activated,
        "verified" => ActivityKind::Verified,
        "device_changed" => ActivityKind::DeviceChanged,
        "device_change_cancelled" => ActivityKind::DeviceChangeCancelled,
        "contact_changed" => ActivityKind::ContactChanged,
        "contact_restored" => ActivityKind::ContactRestored,
        "data_exported" => ActivityKind::DataExported,
        _ => return None,
    })
}

#[utoipa::path(get, path = "/me/activity", tag = "citizen", security(("citizen" = [])),
    responses(
        (status = 200, description = "Riwayat aktivitas, newest first", body = ActivityLog),
        (status = 401, description = "No valid session", body = ApiError),
    ))]
async fn activity_log(
    State(state): State<AppState>,
    Citizen(nik): Citizen,
) -> Result<Json<ActivityLog>> {
    let entries = activity_entries(&state, &nik, 200).await?;
    Ok(Json(ActivityLog { entries }))
}
