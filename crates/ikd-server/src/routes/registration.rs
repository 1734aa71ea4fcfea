//! Registration, the citizen's side: start with NIK, email, phone, consent and device key;
//! upload the selfie (checked automatically); poll the status while the officer decides.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use ikd_core::api::{
    ApiError, RegistrationStarted, RegistrationState, RegistrationStatus, SelfieResult,
    StartRegistration,
};
use ikd_core::crypto::EcdsaPublicKey;
use ikd_core::wire::{RegistrationId, RegistrationQr, RegistrationToken};
use ikd_core::{Email, Lang};
use sqlx::Row;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiJson;
use crate::app::AppState;
use crate::error::{Error, Result, now};
use crate::security::{from_b64u, new_token, token_hash};
use crate::{registry, selfie};

/// A registration must reach the officer's decision within this time.
pub const TTL_SECS: i64 = 24 * 3600;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(start))
        .routes(routes!(status))
        .routes(routes!(upload_selfie))
}

pub fn parse_state(s: &str) -> RegistrationState {
    match s {
        "awaiting_selfie" => RegistrationState::AwaitingSelfie,
        "awaiting_officer" => RegistrationState::AwaitingOfficer,
        "approved" => RegistrationState::Approved,
        "rejected" => RegistrationState::Rejected,
        "activated" => RegistrationState::Activated,
        _ => RegistrationState::Expired,
    }
}

/// Whether this NIK is bound to a device now (active on another phone).
pub async fn device_bound(state: &AppState, nik: &str) -> Result<bool> {
    Ok(
        sqlx::query("SELECT 1 FROM accounts WHERE nik = $1 AND device_key IS NOT NULL")
            .bind(nik)
            .fetch_optional(&state.db.pool)
            .await?
            .is_some(),
    )
}

/// Starts a registration for a resident in the registry (data entry, "Isi data").
#[utoipa::path(post, path = "/registrations", tag = "registration",
    request_body = StartRegistration,
    responses(
        (status = 201, description = "Started: send the selfie next", body = RegistrationStarted),
        (status = 409, description = "The NIK already has an active device, or the consent was to outdated terms", body = ApiError),
        (status = 404, description = "The NIK is not in the registry", body = ApiError),
        (status = 422, description = "A field is invalid; the code names which", body = ApiError),
        (status = 429, description = "Too many registrations from this address", body = ApiError),
    ))]
async fn start(
    State(state): State<AppState>,
    ip: super::ClientIp,
    ApiJson(req): ApiJson<StartRegistration>,
) -> Result<(StatusCode, Json<RegistrationStarted>)> {
    ip.limit(&state, crate::limits::REGISTRATION_PER_IP).await?;
    if req.consent_version != state.config.consent_version {
        return Err(Error::ConsentOutdated);
    }
    let key = from_b64u(&req.device_public_key)
        .and_then(|b| EcdsaPublicKey::from_sec1(&b).ok())
        .ok_or(Error::BadRequest)?;
    let resident = registry::find(&state.db, &req.nik).await?;
    if !resident.is_some_and(|r| r.has_ktp_el) {
        return Err(Error::NotInRegistry);
    }
    if device_bound(&state, req.nik.as_str()).await? {
        return Err(Error::AlreadyActive);
    }
    let id = RegistrationId::generate()
        .map_err(Error::internal)?
        .to_string();
    let (secret, secret_hash) = new_token()?;
    let at = now();
    sqlx::query(
        "INSERT INTO registrations (id, nik, email, phone, consent_version, device_key, token_hash, state, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'awaiting_selfie', $8, $9)",
    )
    .bind(&id)
    .bind(req.nik.as_str())
    .bind(req.email.as_str())
    .bind(req.phone.as_str())
    .bind(&req.consent_version)
    .bind(key.sec1().to_vec())
    .bind(secret_hash)
    .bind(at)
    .bind(at + TTL_SECS)
    .execute(&state.db.pool)
    .await?;
    tracing::info!(registration = %id, "registration started");
    state.metrics.registrations.inc();
    Ok((
        StatusCode::CREATED,
        Json(RegistrationStarted {
            registration_id: id,
            secret,
            state: RegistrationState::AwaitingSelfie,
            expires_at: at + TTL_SECS,
        }),
    ))
}

/// A registration row, after checking the citizen's bearer secret.
struct Owned {
    email: String,
    state: RegistrationState,
    reason: Option<String>,
    expires_at: i64,
}

async fn owned(state: &AppState, id: &str, headers: &HeaderMap) -> Result<Owned> {
    let id = RegistrationId::parse(id)
        .ok_or(Error::RegistrationNotFound)?
        .to_string();
    let secret = super::bearer(headers).ok_or(Error::Unauthorized)?;
    let row = sqlx::query(
        "SELECT email, state, reason, expires_at, token_hash FROM registrations WHERE id = $1",
    )
    .bind(&id)
    .fetch_optional(&state.db.pool)
    .await?
    .ok_or(Error::RegistrationSecret)?;
    let stored: Vec<u8> = row.get(4);
    if !bool::from(subtle::ConstantTimeEq::ct_eq(
        stored.as_slice(),
        token_hash(secret).as_slice(),
    )) {
        return Err(Error::RegistrationSecret);
    }
    Ok(Owned {
        email: row.get(0),
        state: parse_state(&row.get::<String, _>(1)),
        reason: row.get(2),
        expires_at: row.get(3),
    })
}

fn lang_of(headers: &HeaderMap) -> Lang {
    headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Lang::from_tag)
        .unwrap_or_default()
}

/// Uploads the selfie; answered with each automatic check and, when accepted, the
/// registration QR for the officer.
#[utoipa::path(put, path = "/registrations/{id}/selfie", tag = "registration",
    params(("id" = String, Path, description = "registration_id")),
    request_body(content = crate::openapi::Image, content_type = "image/jpeg"),
    security(("registration" = [])),
    responses(
        (status = 200, description = "The checks; the registration QR when accepted", body = SelfieResult),
        (status = 401, description = "No secret, or not this registration's (REGISTRATION_NOT_FOUND: an unknown id gets the same answer)", body = ApiError),
        (status = 404, description = "Not a registration id", body = ApiError),
        (status = 409, description = "Not waiting for a selfie", body = ApiError),
        (status = 410, description = "The registration expired", body = ApiError),
        (status = 413, description = "The image is too large", body = ApiError),
    ))]
async fn upload_selfie(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<SelfieResult>> {
    let reg = owned(&state, &id, &headers).await?;
    if reg.expires_at < now() {
        return Err(Error::RegistrationExpired);
    }
    if !matches!(
        reg.state,
        RegistrationState::AwaitingSelfie | RegistrationState::AwaitingOfficer
    ) {
        return Err(Error::RegistrationState);
    }
    let bytes = body.to_vec();
    let lang = lang_of(&headers);
    let (outcome, kept) = tokio::task::spawn_blocking(move || selfie::check_and_keep(&bytes, lang))
        .await
        .map_err(Error::internal)??;
    let Some(bytes) = kept.filter(|_| outcome.accepted) else {
        return Ok(Json(SelfieResult {
            accepted: false,
            checks: outcome.checks,
            registration_qr: None,
        }));
    };
    // A new one-time token for the officer's QR: a retaken selfie invalidates the old QR.
    let token = RegistrationToken::generate().map_err(Error::internal)?;
    let rid = RegistrationId::parse(&id).ok_or(Error::RegistrationNotFound)?;
    let qr = RegistrationQr { id: rid, token };
    let checks = serde_json::to_string(&outcome.checks).map_err(Error::internal)?;
    sqlx::query("UPDATE registrations SET selfie = $1, selfie_checks = $2, state = 'awaiting_officer', reason = NULL, qr_token_hash = $3 WHERE id = $4")
        .bind(bytes)
        .bind(checks)
        .bind(ikd_core::crypto::sha256(qr.token.as_bytes()).to_vec())
        .bind(rid.to_string())
        .execute(&state.db.pool)
        .await?;
    Ok(Json(SelfieResult {
        accepted: true,
        checks: outcome.checks,
        registration_qr: Some(qr.to_text()),
    }))
}

/// Where the registration stands (the app polls this while the officer decides).
#[utoipa::path(get, path = "/registrations/{id}", tag = "registration",
    params(("id" = String, Path, description = "registration_id")),
    security(("registration" = [])),
    responses(
        (status = 200, description = "The state, and the reason when rejected", body = RegistrationStatus),
        (status = 401, description = "No secret, or not this registration's (REGISTRATION_NOT_FOUND: an unknown id gets the same answer)", body = ApiError),
        (status = 404, description = "Not a registration id", body = ApiError),
    ))]
async fn status(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<RegistrationStatus>> {
    let reg = owned(&state, &id, &headers).await?;
    let expired = reg.expires_at < now()
        && matches!(
            reg.state,
            RegistrationState::AwaitingSelfie | RegistrationState::AwaitingOfficer
        );
    let st = if expired {
        RegistrationState::Expired
    } else {
        reg.state
    };
    let email_masked = matches!(
        st,
        RegistrationState::Approved | RegistrationState::Activated
    )
    .then(|| {
        Email::parse(&reg.email)
            .map(|e| e.masked())
            .unwrap_or_default()
    });
    Ok(Json(RegistrationStatus {
        reason: reg.reason,
        email_masked,
        state: st,
    }))
}
