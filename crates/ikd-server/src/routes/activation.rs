//! Activation: the emailed 6-digit code with a captcha (single use, 24 h, 5 attempts) binds
//! the device key of the registration; then the citizen sets the first PIN.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine as _;
use ikd_core::api::{Activate, Activated, ApiError, Captcha, SetPin};
use ikd_core::wire::RegistrationId;
use sqlx::Row;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiJson, activity};
use crate::app::AppState;
use crate::captcha;
use crate::error::{Error, Result};
use crate::security::{hash_secret, new_id, new_token, token_hash, verify_secret};

pub const MAX_CODE_ATTEMPTS: i64 = 5;
/// The setup token allows one thing, setting the first PIN, for this long.
const SETUP_SECS: i64 = 15 * 60;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(new_captcha))
        .routes(routes!(activate))
        .routes(routes!(set_pin))
}

#[utoipa::path(post, path = "/captcha", tag = "activation",
    responses(
        (status = 200, description = "A new captcha image", body = Captcha),
        (status = 429, description = "Too many attempts; wait", body = ApiError),
    ))]
async fn new_captcha(State(state): State<AppState>, ip: super::ClientIp) -> Result<Json<Captcha>> {
    ip.limit(&state, crate::limits::CAPTCHA_PER_IP).await?;
    let (answer, png) = captcha::generate()?;
    let id = new_id()?;
    let expires_at = state.now() + captcha::TTL_SECS;
    sqlx::query("INSERT INTO captchas (id, answer_hash, expires_at) VALUES ($1, $2, $3)")
        .bind(&id)
        .bind(captcha::answer_hash(&id, &answer))
        .bind(expires_at)
        .execute(&state.db.pool)
        .await?;
    #[cfg(feature = "test-hooks")]
    if let Some(h) = &state.test_hooks {
        h.remember_captcha(&id, &answer);
    }
    Ok(Json(Captcha {
        captcha_id: id,
        image_png: base64::engine::general_purpose::STANDARD.encode(png),
        expires_at,
    }))
}

#[utoipa::path(post, path = "/activate", tag = "activation", request_body = Activate,
    responses(
        (status = 200, description = "Activated: set the PIN with the setup token. The same code again, before the PIN is set, gives a new setup token (an answer lost in transit)", body = Activated),
        (status = 401, description = "Wrong code or captcha; the message says how many tries are left", body = ApiError),
        (status = 410, description = "The code expired or was used up", body = ApiError),
        (status = 409, description = "Not approved, or activated with the PIN already set (sign in), or a device change cancelled from the old phone or the email's link (DEVICE_CHANGE_CANCELLED)", body = ApiError),
        (status = 423, description = "A device change approved remotely, before its 24 h wait ends (DEVICE_CHANGE_WAITING, with the time); the code attempt is not counted", body = ApiError),
        (status = 422, description = "The code is not six digits", body = ApiError),
        (status = 503, description = "Busy (SERVICE_BUSY). With Retry-After: no CPU permit came free in time, before anything was used or counted; send the same request again after it. Without: no database connection came free, perhaps after part of the request was done", body = ApiError),
    ))]
async fn activate(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<Activate>,
) -> Result<Json<Activated>> {
    // The CPU permit first: a busy answer has used neither the captcha nor a code attempt,
    // so the app can send the same request again.
    let permit = crate::cpu::permit(&state.cpu).await?;
    if !captcha::solve(&state, &req.captcha_id, &req.captcha_answer).await? {
        return Err(Error::Captcha);
    }
    let id = RegistrationId::parse(&req.registration_id)
        .ok_or(Error::RegistrationNotFound)?
        .to_string();
    let row = sqlx::query(
        "SELECT r.nik, r.email, r.phone, r.device_key, r.state, c.code_hash, c.attempts, c.expires_at, c.used,
             r.device_change, r.switch_at
         FROM registrations r JOIN activation_codes c ON c.registration_id = r.id WHERE r.id = $1",
    )
    .bind(&id)
    .fetch_optional(&state.db.pool)
    .await?
    .ok_or(Error::RegistrationNotFound)?;
    let nik: String = row.get(0);
    // An activation already done: its answer (the setup token) may have been lost to a
    // dropped connection or a crash; the same code may ask again until the PIN is set.
    let again = match row.get::<String, _>(4).as_str() {
        "approved" => false,
        "activated" => true,
        "cancelled" => return Err(Error::DeviceChangeCancelled),
        _ => return Err(Error::RegistrationState),
    };
    let device_change = row.get::<i64, _>(9) != 0;
    let new_email: String = row.get(1);
    // A device change approved remotely activates only after its wait, during which the
    // old phone and the registered email can cancel it. Refused before the code is
    // counted (the captcha is used, as for any answer).
    if let Some(until) = row.get::<Option<i64>, _>(10).filter(|u| *u > state.now())
        && !again
    {
        let zone = ikd_core::Nik::parse(&nik)
            .map_err(Error::internal)?
            .time_zone();
        return Err(Error::DeviceChangeWaiting { until, zone });
    }
    let attempts: i64 = row.get(6);
    let used = i64::from(again);
    if row.get::<i64, _>(8) != used
        || row.get::<i64, _>(7) < state.now()
        || attempts >= MAX_CODE_ATTEMPTS
    {
        return Err(Error::CodeExpired);
    }
    // Count the attempt first, atomically, so parallel guesses cannot exceed the limit.
    let counted = sqlx::query("UPDATE activation_codes SET attempts = attempts + 1 WHERE registration_id = $1 AND attempts < $2 AND used = $3")
        .bind(&id)
        .bind(MAX_CODE_ATTEMPTS)
        .bind(used)
        .execute(&state.db.pool)
        .await?;
    if counted.rows_affected() != 1 {
        return Err(Error::CodeExpired);
    }
    let hash: String = row.get(5);
    let code = req.code.clone();
    let ok = crate::cpu::run_with(permit, move || {
        verify_secret(code.expose().as_bytes(), &hash)
    })
    .await?;
    if !ok {
        let left = (MAX_CODE_ATTEMPTS - attempts - 1).max(0) as u32;
        return Err(if left == 0 {
            Error::CodeExpired
        } else {
            Error::CodeWrong {
                attempts_left: left,
            }
        });
    }
    if again {
        return setup_again(&state, &nik, row.get::<Vec<u8>, _>(3)).await;
    }
    // A quick refusal before the write; the write below decides (an account released
    // meanwhile is taken over, one bound meanwhile is not, unless this is a device change).
    if !device_change && super::registration::device_bound(&state, &nik).await? {
        return Err(Error::AlreadyActive);
    }
    let (setup, setup_hash) = new_token()?;
    let at = state.now();
    let mut tx = state.db.pool.begin().await?;
    let used =
        sqlx::query("UPDATE activation_codes SET used = 1 WHERE registration_id = $1 AND used = 0")
            .bind(&id)
            .execute(&mut *tx)
            .await?;
    if used.rows_affected() != 1 {
        return Err(Error::CodeExpired);
    }
    // Conditional on 'approved': a device change cancelled meanwhile (from the old phone or
    // the email's link) leaves this state, and exactly one of the two wins.
    let moved = sqlx::query(
        "UPDATE registrations SET state = 'activated' WHERE id = $1 AND state = 'approved'",
    )
    .bind(&id)
    .execute(&mut *tx)
    .await?;
    if moved.rows_affected() != 1 {
        drop(tx);
        // Say what happened meanwhile: a cancel, or a newer start that closed this one.
        let now: Option<String> =
            sqlx::query_scalar("SELECT state FROM registrations WHERE id = $1")
                .bind(&id)
                .fetch_optional(&state.db.pool)
                .await?;
        return Err(match now.as_deref() {
            Some("cancelled") => Error::DeviceChangeCancelled,
            Some("expired") => Error::CodeExpired,
            _ => Error::RegistrationState,
        });
    }
    // The address of the account being moved, told of the move (it may differ from the
    // new registration's).
    let previous: Option<String> = if device_change {
        sqlx::query("SELECT email FROM accounts WHERE nik = $1 AND device_key IS NOT NULL")
            .bind(&nik)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.get(0))
    } else {
        None
    };
    // The device is bound only where none is, or by a device change an officer approved:
    // an account whose device was released is taken over, one with a device is not (the
    // conditional upsert is the check and the act in one statement; zero rows means
    // another activation won).
    let bound = sqlx::query(
        "INSERT INTO accounts (nik, device_key, email, phone, pin_hash, failed_pins, locked_until, locked_hard, activated_at)
         VALUES ($1, $2, $3, $4, NULL, 0, NULL, 0, $5)
         ON CONFLICT (nik) DO UPDATE SET device_key = $2, email = $3, phone = $4, pin_hash = NULL, failed_pins = 0,
             locked_until = NULL, locked_hard = 0, activated_at = $5, pin_usable_at = NULL,
             pin_before_reset = NULL, contact_set_at = NULL
         WHERE accounts.device_key IS NULL OR $6 = 1",
    )
    .bind(&nik)
    .bind(row.get::<Vec<u8>, _>(3))
    .bind(&new_email)
    .bind(row.get::<String, _>(2))
    .bind(at)
    .bind(i64::from(device_change))
    .execute(&mut *tx)
    .await?;
    if bound.rows_affected() != 1 {
        // Dropping the transaction rolls back the code's use and the state change.
        return Err(Error::AlreadyActive);
    }
    // Whatever the previous phone had open ends with it: sessions, a Lupa PIN, the link
    // that could cancel this move.
    for statement in [
        "DELETE FROM tokens WHERE subject = $1 AND kind IN ('session', 'setup', 'pin_reset_cancel')",
        "DELETE FROM tokens WHERE kind = 'device_change_cancel' AND subject IN
             (SELECT id FROM registrations WHERE nik = $1)",
        "DELETE FROM pin_resets WHERE nik = $1",
        "DELETE FROM contact_changes WHERE nik = $1",
        // The contact now is the approved registration's: no link undoes it.
        "DELETE FROM contact_restores WHERE nik = $1",
    ] {
        sqlx::query(statement).bind(&nik).execute(&mut *tx).await?;
    }
    sqlx::query(
        "INSERT INTO tokens (token_hash, kind, subject, expires_at) VALUES ($1, 'setup', $2, $3)
         ON CONFLICT (subject) WHERE kind = 'setup'
         DO UPDATE SET token_hash = excluded.token_hash, expires_at = excluded.expires_at",
    )
    .bind(setup_hash)
    .bind(&nik)
    .bind(at + SETUP_SECS)
    .execute(&mut *tx)
    .await?;
    let kind = if device_change {
        "device_changed"
    } else {
        "activated"
    };
    activity(&mut *tx, &nik, kind, None).await?;
    // A move tells the address it moved from; a new address is also told it was activated.
    // Queued in this transaction, so a process killed after the commit still sends them.
    let previous = previous.and_then(|p| ikd_core::Email::parse(&p).ok());
    if previous.as_ref().is_none_or(|p| p.as_str() != new_email) {
        let notice = crate::mail::Notice::DeviceActivated;
        crate::notices::queue_owner(&mut tx, &nik, &notice, at).await?;
    }
    if let (Some(previous), Ok(n)) = (previous, ikd_core::Nik::parse(&nik)) {
        let notice = crate::mail::Notice::DeviceChangeCompleted;
        crate::notices::queue(&mut tx, &previous, &notice, at, n.time_zone()).await?;
    }
    tx.commit().await?;
    state.notices.kick();
    tracing::info!(registration = %id, "account activated");
    state.metrics.activations.inc();
    Ok(Json(Activated { setup_token: setup }))
}

/// A new setup token for an activation already done, if the account is still bound to
/// that registration's device and has no PIN yet; it replaces the earlier one. The check
/// and the act are one statement, an upsert on the one-setup-token-per-account index
/// (migration 0006), so re-issues at once leave exactly one.
async fn setup_again(state: &AppState, nik: &str, device_key: Vec<u8>) -> Result<Json<Activated>> {
    let (setup, setup_hash) = new_token()?;
    let issued = sqlx::query(
        "INSERT INTO tokens (token_hash, kind, subject, expires_at)
         SELECT $1, 'setup', $2, $3 WHERE EXISTS
             (SELECT 1 FROM accounts WHERE nik = $2 AND device_key = $4 AND pin_hash IS NULL)
         ON CONFLICT (subject) WHERE kind = 'setup'
         DO UPDATE SET token_hash = excluded.token_hash, expires_at = excluded.expires_at",
    )
    .bind(setup_hash)
    .bind(nik)
    .bind(state.now() + SETUP_SECS)
    .bind(device_key)
    .execute(&state.db.pool)
    .await?;
    if issued.rows_affected() != 1 {
        // The PIN is set (sign in), or the device was released or replaced.
        return Err(Error::RegistrationState);
    }
    Ok(Json(Activated { setup_token: setup }))
}

#[utoipa::path(post, path = "/pin", tag = "activation", request_body = SetPin,
    responses(
        (status = 204, description = "The PIN is set; sign in next"),
        (status = 401, description = "The setup token is invalid or expired", body = ApiError),
        (status = 422, description = "The PIN is too easy to guess", body = ApiError),
        (status = 503, description = "Busy (SERVICE_BUSY). With Retry-After: no CPU permit came free in time, before anything was used or counted; send the same request again after it. Without: no database connection came free, perhaps after part of the request was done", body = ApiError),
    ))]
async fn set_pin(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<SetPin>,
) -> Result<StatusCode> {
    let pin = req.pin;
    let hash = crate::cpu::run(&state.cpu, move || hash_secret(pin.expose())).await??;
    let mut tx = state.db.pool.begin().await?;
    let row = sqlx::query("DELETE FROM tokens WHERE token_hash = $1 AND kind = 'setup' AND expires_at > $2 RETURNING subject")
        .bind(token_hash(&req.setup_token))
        .bind(state.now())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(Error::Unauthorized)?;
    let nik: String = row.get(0);
    sqlx::query(
        "UPDATE accounts SET pin_hash = $1, failed_pins = 0, locked_until = NULL, locked_hard = 0,
             pin_usable_at = NULL, pin_before_reset = NULL WHERE nik = $2",
    )
    .bind(hash)
    .bind(&nik)
    .execute(&mut *tx)
    .await?;
    activity(&mut *tx, &nik, "pin_set", None).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
