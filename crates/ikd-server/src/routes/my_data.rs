//! Data saya over HTTP: thin adapters over [`crate::my_data`].

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use ikd_core::api::{ApiError, CloseAccount, DataExport};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiJson, Citizen};
use crate::app::AppState;
use crate::error::Result;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(my_data))
        .routes(routes!(close_account))
}

#[utoipa::path(get, path = "/me/data", tag = "citizen", security(("citizen" = [])),
    responses(
        (status = 200, description = "Everything the service holds about the resident (registry record, account, registrations with their consents, Riwayat, audit entries), and the same JSON signed by the issuer (COSE_Sign1)", body = DataExport),
        (status = 401, description = "No valid session", body = ApiError),
        (status = 404, description = "The NIK is no longer in the registry", body = ApiError),
        (status = 503, description = "Busy (SERVICE_BUSY, without Retry-After): no database connection came free", body = ApiError),
    ))]
async fn my_data(State(state): State<AppState>, Citizen(nik): Citizen) -> Result<Json<DataExport>> {
    Ok(Json(crate::my_data::export(&state, &nik).await?))
}

#[utoipa::path(post, path = "/me/close", tag = "citizen", security(("citizen" = [])),
    request_body = CloseAccount,
    responses(
        (status = 204, description = "Closed: the account, devices, sessions, credentials, registrations and Riwayat are deleted; the registry and the officers' audit log are kept"),
        (status = 401, description = "No valid session, or a wrong PIN (PIN_WRONG, counted toward the lockout; also when the PIN changed since it was checked)", body = ApiError),
        (status = 422, description = "Not confirmed (CLOSE_NOT_CONFIRMED), or the PIN is not valid", body = ApiError),
        (status = 423, description = "The account is locked by wrong PINs", body = ApiError),
        (status = 503, description = "Busy (SERVICE_BUSY). With Retry-After: no CPU permit came free in time, before anything was used or counted; send the same request again after it. Without: no database connection came free, perhaps after part of the request was done", body = ApiError),
    ))]
async fn close_account(
    State(state): State<AppState>,
    Citizen(nik): Citizen,
    ApiJson(req): ApiJson<CloseAccount>,
) -> Result<StatusCode> {
    crate::my_data::close(&state, &nik, &req).await?;
    Ok(StatusCode::NO_CONTENT)
}
