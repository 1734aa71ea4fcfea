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
use crate::db::{Db, Dialect};
use crate::error::{Error, Result};
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
        "superseded" => RegistrationState::Superseded,
        "cancelled" => RegistrationState::Cancelled,
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
        (status = 409, description = "The NIK has an approved registration awaiting activation (REGISTRATION_AWAITING_ACTIVATION), or the consent was to outdated terms (CONSENT_OUTDATED). An unapproved registration of the NIK is superseded by this one; a NIK active on another phone starts a device change (`device_change` true)", body = ApiError),
        (status = 404, description = "The NIK is not in the registry", body = ApiError),
        (status = 422, description = "A field is invalid; the code names which", body = ApiError),
        (status = 429, description = "Too many registrations from this address, or more than 3 device changes a day for the NIK", body = ApiError),
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
    // Active on another phone: this registration moves the account (Ganti perangkat).
    let device_change = device_bound(&state, req.nik.as_str()).await?;
    if device_change {
        crate::limits::hit(
            &state,
            crate::limits::DEVICE_CHANGE_PER_NIK,
            req.nik.as_str(),
        )
        .await?;
    }
    let id = RegistrationId::generate()
        .map_err(Error::internal)?
        .to_string();
    let (secret, secret_hash) = new_token()?;
    let at = state.now();
    open(
        &state.db,
        &NewRegistration {
            id: &id,
            req: &req,
            device_key: key.sec1().to_vec(),
            secret_hash,
            at,
            device_change,
        },
    )
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
            device_change,
        }),
    ))
}

/// What [`open`] stores.
struct NewRegistration<'a> {
    id: &'a str,
    req: &'a StartRegistration,
    device_key: Vec<u8>,
    secret_hash: Vec<u8>,
    at: i64,
    device_change: bool,
}

/// The registration states that hold a NIK: at most one row per NIK is in one of them
/// (partial unique index `registrations_one_open_per_nik`, migration 0005).
const OPEN: &str = "('awaiting_selfie', 'awaiting_officer', 'approved')";

/// Opens a registration as the NIK's only open one, in one transaction: open ones past
/// their time (or whose code was guessed wrong too often) are closed as expired; an
/// approved one with a live code refuses the start ([`Error::AwaitingActivation`]: an
/// officer has matched that face, and a stranger who knows a NIK must not undo it); an
/// unapproved one is superseded (so a stranger's start cannot block the citizen's, and a
/// citizen who starts again on a new install continues with the new one).
///
/// # Errors
/// [`Error::AwaitingActivation`]; [`Error::RegistrationSuperseded`] if the unique index
/// still refuses (a start that lost a race it could not see); database errors.
async fn open(db: &Db, new: &NewRegistration<'_>) -> Result<()> {
    let nik = new.req.nik.as_str();
    let mut tx = db.pool.begin().await?;
    if db.dialect == Dialect::Postgres {
        // Starts of one NIK queue here until the previous one commits, so the supersede
        // below sees its row (READ COMMITTED does not see uncommitted rows). SQLite needs
        // nothing: its writers take turns, and the first statement below is a write.
        sqlx::query("SELECT 1 FROM residents WHERE nik = $1 FOR UPDATE")
            .bind(nik)
            .fetch_optional(&mut *tx)
            .await?;
    }
    sqlx::query(&format!(
        "UPDATE registrations SET state = 'expired', selfie = NULL
         WHERE nik = $1 AND state IN {OPEN} AND (expires_at < $2
             OR id IN (SELECT registration_id FROM activation_codes WHERE attempts >= $3))"
    ))
    .bind(nik)
    .bind(new.at)
    .bind(super::activation::MAX_CODE_ATTEMPTS)
    .execute(&mut *tx)
    .await?;
    if let Some(until) = sqlx::query_scalar::<_, i64>(
        "SELECT expires_at FROM registrations WHERE nik = $1 AND state = 'approved'",
    )
    .bind(nik)
    .fetch_optional(&mut *tx)
    .await?
    {
        return Err(Error::AwaitingActivation { until });
    }
    sqlx::query(
        "UPDATE registrations SET state = 'superseded', selfie = NULL
         WHERE nik = $1 AND state IN ('awaiting_selfie', 'awaiting_officer')",
    )
    .bind(nik)
    .execute(&mut *tx)
    .await?;
    let inserted = sqlx::query(
        "INSERT INTO registrations (id, nik, email, phone, consent_version, device_key, token_hash, state, created_at, expires_at, device_change)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'awaiting_selfie', $8, $9, $10)",
    )
    .bind(new.id)
    .bind(nik)
    .bind(new.req.email.as_str())
    .bind(new.req.phone.as_str())
    .bind(&new.req.consent_version)
    .bind(new.device_key.clone())
    .bind(new.secret_hash.clone())
    .bind(new.at)
    .bind(new.at + TTL_SECS)
    .bind(i64::from(new.device_change))
    .execute(&mut *tx)
    .await;
    match inserted {
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            Err(Error::RegistrationSuperseded)
        }
        other => {
            other?;
            tx.commit().await?;
            Ok(())
        }
    }
}

/// A registration row, after checking the citizen's bearer secret.
struct Owned {
    email: String,
    state: RegistrationState,
    reason: Option<String>,
    expires_at: i64,
    device_change: bool,
    switch_at: Option<i64>,
}

async fn owned(state: &AppState, id: &str, headers: &HeaderMap) -> Result<Owned> {
    let id = RegistrationId::parse(id)
        .ok_or(Error::RegistrationNotFound)?
        .to_string();
    let secret = super::bearer(headers).ok_or(Error::Unauthorized)?;
    let row = sqlx::query(
        "SELECT email, state, reason, expires_at, token_hash, device_change, switch_at FROM registrations WHERE id = $1",
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
        device_change: row.get::<i64, _>(5) != 0,
        switch_at: row.get(6),
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
        (status = 409, description = "Not waiting for a selfie (REGISTRATION_WRONG_STATE), or replaced by a newer registration of the same NIK (REGISTRATION_SUPERSEDED)", body = ApiError),
        (status = 410, description = "The registration expired", body = ApiError),
        (status = 413, description = "The image is too large", body = ApiError),
        (status = 503, description = "Busy (SERVICE_BUSY). With Retry-After: no CPU permit came free in time, before anything was used or counted; send the same request again after it. Without: no database connection came free, perhaps after part of the request was done", body = ApiError),
    ))]
async fn upload_selfie(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<SelfieResult>> {
    let reg = owned(&state, &id, &headers).await?;
    if reg.expires_at < state.now() {
        return Err(Error::RegistrationExpired);
    }
    match reg.state {
        RegistrationState::AwaitingSelfie | RegistrationState::AwaitingOfficer => {}
        RegistrationState::Superseded => return Err(Error::RegistrationSuperseded),
        _ => return Err(Error::RegistrationState),
    }
    let bytes = body.to_vec();
    let lang = lang_of(&headers);
    let (outcome, kept) =
        crate::cpu::run(&state.cpu, move || selfie::check_and_keep(&bytes, lang)).await??;
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
    let mut tx = state.db.pool.begin().await?;
    // Conditional on the state, first as a first selfie then as a retaken one, so a
    // registration cancelled or decided meanwhile is not put back in the officers' queue,
    // and of two first selfies at once only one counts as the first.
    let mut first = true;
    let mut updated = None;
    for from in ["awaiting_selfie", "awaiting_officer"] {
        updated = sqlx::query("UPDATE registrations SET selfie = $1, selfie_checks = $2, state = 'awaiting_officer', reason = NULL, qr_token_hash = $3 WHERE id = $4 AND state = $5 RETURNING nik")
            .bind(&bytes)
            .bind(&checks)
            .bind(ikd_core::crypto::sha256(qr.token.as_bytes()).to_vec())
            .bind(rid.to_string())
            .bind(from)
            .fetch_optional(&mut *tx)
            .await?;
        if updated.is_some() {
            break;
        }
        first = false;
    }
    let updated = updated.ok_or(Error::RegistrationState)?;
    // A device change entering review: the owner hears of it now, not only on approval, and
    // can cancel from the old phone (once per registration, not per retaken selfie).
    if first && reg.device_change {
        use sqlx::Row as _;
        let nik: String = updated.get(0);
        let notice = crate::mail::Notice::DeviceChangeUnderReview;
        crate::notices::queue_owner(&mut tx, &nik, &notice, state.now()).await?;
    }
    tx.commit().await?;
    state.notices.kick();
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
    let expired = reg.expires_at < state.now()
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
        device_change: reg.device_change,
        completes_at: (reg.device_change && st == RegistrationState::Approved)
            .then_some(reg.switch_at)
            .flatten(),
        state: st,
    }))
}
