//! The officer at the counter: sign in, scan the citizen's registration QR, review the
//! selfie beside the registry photo, approve or reject, and unlock a locked PIN. Every
//! action is written to the audit log with the officer's name.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use ikd_core::api::{
    ApiError, OfficerDecision, OfficerLogin, OfficerSession, RegistrationReview, RemoteDecision,
    RemoteReviews, ScanRegistration, SelfieCheck,
};
use ikd_core::records::Photo;
use ikd_core::wire::RegistrationQr;
use ikd_core::{ActivationCode, Email, Nik, PhoneNumber, UserError};
use sqlx::Row;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiJson, Officer, audit, bearer, unbind_device};
use crate::app::AppState;
use crate::error::{Error, Result, now};
use crate::mail::Notice;
use crate::registry;
use crate::security::{hash_secret, new_token, token_hash, verify_secret};

/// Officer sessions last one working day.
const SESSION_SECS: i64 = 8 * 3600;
/// The emailed code is valid this long after approval.
pub const CODE_TTL_SECS: i64 = 24 * 3600;
pub(crate) const MAX_REASON: usize = 500;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(scan))
        .routes(routes!(decide))
        .routes(routes!(reset_pin))
        .routes(routes!(release_device))
        .routes(routes!(remote_queue))
        .routes(routes!(remote_review))
        .routes(routes!(remote_decide))
}

/// Creates or re-enables an officer (CLI `officer add`).
pub async fn add_officer(db: &crate::db::Db, username: &str, password: &str) -> Result<()> {
    let hash = hash_secret(password.as_bytes())?;
    sqlx::query(
        "INSERT INTO officers (username, password_hash, disabled, created_at) VALUES ($1, $2, 0, $3)
         ON CONFLICT (username) DO UPDATE SET password_hash = $2, disabled = 0",
    )
    .bind(username)
    .bind(hash)
    .bind(now())
    .execute(&db.pool)
    .await?;
    Ok(())
}

#[utoipa::path(post, path = "/officer/login", tag = "officer", operation_id = "officer_login",
    request_body = OfficerLogin,
    responses(
        (status = 200, description = "Signed in", body = OfficerSession),
        (status = 401, description = "Wrong username or password, or the account is disabled", body = ApiError),
        (status = 429, description = "Too many attempts; wait", body = ApiError),
        (status = 503, description = "Busy (SERVICE_BUSY). With Retry-After: no CPU permit came free in time, before anything was used or counted; send the same request again after it. Without: no database connection came free, perhaps after part of the request was done", body = ApiError),
    ))]
async fn login(
    State(state): State<AppState>,
    ip: super::ClientIp,
    ApiJson(req): ApiJson<OfficerLogin>,
) -> Result<Json<OfficerSession>> {
    ip.limit(&state, crate::limits::OFFICER_LOGIN_PER_IP)
        .await?;
    if req.username.len() > 64 || req.password.len() > 256 {
        return Err(Error::OfficerLogin);
    }
    let row = sqlx::query("SELECT password_hash, disabled FROM officers WHERE username = $1")
        .bind(&req.username)
        .fetch_optional(&state.db.pool)
        .await?;
    // Hash even for an unknown name, so timing does not tell which names exist.
    let (hash, disabled) = match &row {
        Some(r) => (r.get::<String, _>(0), r.get::<i64, _>(1) != 0),
        None => (crate::security::UNKNOWN_USER_HASH.to_owned(), true),
    };
    let password = req.password;
    let ok = crate::cpu::run(&state.cpu, move || {
        verify_secret(password.as_bytes(), &hash)
    })
    .await?;
    if !ok || disabled {
        return Err(Error::OfficerLogin);
    }
    let (token, hash) = new_token()?;
    let expires_at = state.now() + SESSION_SECS;
    let mut tx = state.db.pool.begin().await?;
    sqlx::query(
        "INSERT INTO tokens (token_hash, kind, subject, expires_at) VALUES ($1, 'officer', $2, $3)",
    )
    .bind(hash)
    .bind(&req.username)
    .bind(expires_at)
    .execute(&mut *tx)
    .await?;
    audit(&mut tx, &req.username, "login", "-").await?;
    tx.commit().await?;
    Ok(Json(OfficerSession { token, expires_at }))
}

#[utoipa::path(post, path = "/officer/logout", tag = "officer", operation_id = "officer_logout",
    security(("officer" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "No valid session", body = ApiError),
    ))]
async fn logout(
    State(state): State<AppState>,
    officer: Officer,
    headers: axum::http::HeaderMap,
) -> Result<StatusCode> {
    let token = bearer(&headers).ok_or(Error::Unauthorized)?;
    let hash = token_hash(token);
    let mut tx = state.db.pool.begin().await?;
    sqlx::query("DELETE FROM tokens WHERE token_hash = $1")
        .bind(&hash)
        .execute(&mut *tx)
        .await?;
    audit(&mut tx, &officer.0, "logout", "-").await?;
    tx.commit().await?;
    state.officer_sessions.forget(&hash);
    Ok(StatusCode::NO_CONTENT)
}

/// A pending registration matched by its QR (id and one-time token).
struct Pending {
    id: String,
    nik: Nik,
    email: String,
    phone: String,
    selfie: Vec<u8>,
    checks: String,
    created_at: i64,
    /// The NIK is active on another phone: approving moves the account.
    device_change: bool,
}

/// How the officer reached the registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Channel {
    /// Scanned its QR at the counter, with the person there.
    Counter,
    /// From the remote review queue (device changes only), without the person.
    Remote,
}

/// The registration behind a scanned QR, checked against the QR's one-time token.
async fn pending(state: &AppState, qr_text: &str) -> Result<Pending> {
    let qr = RegistrationQr::parse(qr_text).map_err(|e| Error::invalid(&e))?;
    let presented = ikd_core::crypto::sha256(qr.token.as_bytes());
    pending_by_id(state, &qr.id.to_string(), Some(&presented)).await
}

/// A device change in the remote review queue, by its id.
async fn remote_pending(state: &AppState, id: &str) -> Result<Pending> {
    let id = ikd_core::wire::RegistrationId::parse(id)
        .ok_or(Error::RegistrationNotFound)?
        .to_string();
    let p = pending_by_id(state, &id, None).await?;
    if !p.device_change {
        // A first registration is decided at the counter only, with the person there.
        return Err(Error::RegistrationNotFound);
    }
    Ok(p)
}

/// A registration waiting for the officer; `presented`, when scanned, is the SHA-256 of the
/// QR's token, compared in constant time with the stored one.
async fn pending_by_id(
    state: &AppState,
    id: &str,
    presented: Option<&[u8; 32]>,
) -> Result<Pending> {
    let id = id.to_owned();
    let row = sqlx::query("SELECT nik, email, phone, selfie, selfie_checks, created_at, qr_token_hash, state, expires_at, device_change FROM registrations WHERE id = $1")
        .bind(&id)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(Error::RegistrationNotFound)?;
    if let Some(presented) = presented {
        let stored: Option<Vec<u8>> = row.get(6);
        if !stored.is_some_and(|s| {
            bool::from(subtle::ConstantTimeEq::ct_eq(
                s.as_slice(),
                presented.as_slice(),
            ))
        }) {
            return Err(Error::RegistrationNotFound);
        }
    }
    match row.get::<String, _>(7).as_str() {
        "awaiting_officer" => {}
        "superseded" => return Err(Error::RegistrationSuperseded),
        "cancelled" => return Err(Error::DeviceChangeCancelled),
        // The QR's hash is kept after the decision, so an officer who scans again (say, the
        // answer to the decision was lost) is told it is decided, not that it is unknown.
        "approved" | "rejected" | "activated" => return Err(Error::RegistrationDecided),
        _ => return Err(Error::RegistrationState),
    }
    if row.get::<i64, _>(8) < state.now() {
        return Err(Error::RegistrationExpired);
    }
    Ok(Pending {
        id,
        nik: Nik::parse(&row.get::<String, _>(0)).map_err(Error::internal)?,
        email: row.get(1),
        phone: row.get(2),
        selfie: row
            .get::<Option<Vec<u8>>, _>(3)
            .ok_or(Error::RegistrationState)?,
        checks: row.get::<Option<String>, _>(4).unwrap_or_default(),
        created_at: row.get(5),
        device_change: row.get::<i64, _>(9) != 0,
    })
}

#[utoipa::path(post, path = "/officer/scan", tag = "officer", security(("officer" = [])),
    request_body = ScanRegistration,
    responses(
        (status = 200, description = "Selfie, registry photo, checks and data", body = RegistrationReview),
        (status = 422, description = "Not an IKD registration QR", body = ApiError),
        (status = 404, description = "No such registration, or the QR does not match it", body = ApiError),
        (status = 409, description = "The registration is not waiting for an officer: decided already (REGISTRATION_ALREADY_DECIDED), superseded, or no selfie yet", body = ApiError),
        (status = 401, description = "No valid session", body = ApiError),
    ))]
async fn scan(
    State(state): State<AppState>,
    officer: Officer,
    ApiJson(req): ApiJson<ScanRegistration>,
) -> Result<Json<RegistrationReview>> {
    let p = pending(&state, &req.qr).await?;
    Ok(Json(review(&state, &officer, p, "scan").await?))
}

/// What the officer sees of a pending registration; the look is in the audit log.
async fn review(
    state: &AppState,
    officer: &Officer,
    p: Pending,
    action: &str,
) -> Result<RegistrationReview> {
    let resident = registry::find(&state.db, &p.nik)
        .await?
        .ok_or(Error::NotInRegistry)?;
    let registry_photo = state.registry_photo(&p.nik).await?;
    let checks: Vec<SelfieCheck> = serde_json::from_str(&p.checks).unwrap_or_default();
    let mut tx = state.db.pool.begin().await?;
    audit(&mut tx, &officer.0, action, &p.id).await?;
    tx.commit().await?;
    Ok(RegistrationReview {
        registration_id: p.id,
        ktp: resident.ktp,
        email_masked: Email::parse(&p.email)
            .map(|e| e.masked())
            .unwrap_or_default(),
        phone_masked: PhoneNumber::parse(&p.phone)
            .map(|e| e.masked())
            .unwrap_or_default(),
        selfie: Photo::new(p.selfie).map_err(Error::internal)?,
        registry_photo: registry_photo
            .into_bytes()
            .map(Photo::new)
            .transpose()
            .map_err(Error::internal)?,
        checks,
        created_at: p.created_at,
        device_change: p.device_change,
    })
}

#[utoipa::path(post, path = "/officer/decision", tag = "officer", security(("officer" = [])),
    request_body = OfficerDecision,
    responses(
        (status = 204, description = "Approved (the activation code is emailed) or rejected"),
        (status = 404, description = "No registration behind this QR (unknown, or the selfie was retaken)", body = ApiError),
        (status = 422, description = "Rejecting needs a reason (at most 500 characters); `PHYSICAL_KTP_NOT_CHECKED`: the resident has no registry photo and `physical_ktp_checked` is not true", body = ApiError),
        (status = 409, description = "Already decided (REGISTRATION_ALREADY_DECIDED), or superseded by a newer registration of the NIK", body = ApiError),
        (status = 401, description = "No valid session", body = ApiError),
    ))]
async fn decide(
    State(state): State<AppState>,
    officer: Officer,
    ApiJson(req): ApiJson<OfficerDecision>,
) -> Result<StatusCode> {
    let p = pending(&state, &req.qr).await?;
    let decision = Decision {
        approve: req.approve,
        reason: req.reason.as_deref(),
        physical_ktp_checked: req.physical_ktp_checked,
        channel: Channel::Counter,
    };
    record_decision(&state, &officer, p, decision).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An officer's decision on a pending registration.
struct Decision<'a> {
    approve: bool,
    reason: Option<&'a str>,
    physical_ktp_checked: bool,
    channel: Channel,
}

/// Records a decision, the same way at the counter and from the remote queue.
///
/// An approval emails the activation code before it commits: if the mail cannot go out,
/// nothing is recorded and the officer can try again. A device change approved remotely
/// activates only after [`crate::device_change::WAIT_SECS`]. Its notice, with the cancel
/// link, goes to the registered address before the commit too.
async fn record_decision(
    state: &AppState,
    officer: &Officer,
    p: Pending,
    d: Decision<'_>,
) -> Result<()> {
    let reason = d.reason.map(str::trim).filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > MAX_REASON) {
        return Err(Error::BadRequest);
    }
    let at = state.now();
    let remote = d.channel == Channel::Remote;
    // At the counter the move completes with the activation; remotely it waits.
    let switch_at = if remote {
        at + crate::device_change::WAIT_SECS
    } else {
        at
    };
    // Argon2id before the transaction: nothing is held while it runs.
    let code = d.approve.then(ActivationCode::generate);
    let code_hash = code
        .as_ref()
        .map(|c| hash_secret(c.expose().as_bytes()))
        .transpose()?;
    let mut tx = state.db.pool.begin().await?;
    if let (Some(code), Some(code_hash)) = (code, code_hash) {
        // Written first, so this transaction holds the write lock from its first statement
        // (a SQLite read first would make a later write fail when another one came between).
        // The selfie is deleted once the officer has decided.
        let done = sqlx::query("UPDATE registrations SET state = 'approved', selfie = NULL, decided_by = $1, decided_at = $2, expires_at = $3, switch_at = $4 WHERE id = $5 AND state = 'awaiting_officer'")
            .bind(&officer.0)
            .bind(at)
            .bind(switch_at + CODE_TTL_SECS)
            .bind(switch_at)
            .bind(&p.id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err(Error::RegistrationState);
        }
        // With no photo to compare, the officer must have checked the physical KTP-el. A
        // photo is never removed, only added: one imported since the scan needs no tick.
        let has_photo = sqlx::query(
            "SELECT CAST(CASE WHEN photo IS NOT NULL OR synthetic = 1 THEN 1 ELSE 0 END AS BIGINT) FROM residents WHERE nik = $1",
        )
        .bind(p.nik.as_str())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(Error::NotInRegistry)?
        .get::<i64, _>(0)
            == 1;
        if !has_photo && remote {
            // Nobody is there to show the physical card.
            return Err(Error::RemoteReviewNeedsPhoto);
        }
        if !has_photo && !d.physical_ktp_checked {
            return Err(Error::PhysicalKtpNotChecked);
        }
        // Whenever the officer says so, the audit log keeps it.
        if d.physical_ktp_checked && !remote {
            audit(&mut tx, &officer.0, "physical_ktp_checked", &p.id).await?;
        }
        sqlx::query("INSERT INTO activation_codes (registration_id, code_hash, attempts, expires_at, used) VALUES ($1, $2, 0, $3, 0)
                     ON CONFLICT (registration_id) DO UPDATE SET code_hash = $2, attempts = 0, expires_at = $3, used = 0")
            .bind(&p.id)
            .bind(code_hash)
            .bind(switch_at + CODE_TTL_SECS)
            .execute(&mut *tx)
            .await?;
        audit(
            &mut tx,
            &officer.0,
            if remote { "approve_remote" } else { "approve" },
            &p.id,
        )
        .await?;
        // The registered address of the account being moved, told before the wait starts
        // (also when its phone was released meanwhile: the address is still the owner's).
        let owner = if remote {
            sqlx::query("SELECT email FROM accounts WHERE nik = $1")
                .bind(p.nik.as_str())
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| r.get::<String, _>(0))
        } else {
            None
        };
        let notice = match owner {
            Some(owner) => {
                let link = crate::device_change::issue_cancel_link(
                    state,
                    &mut tx,
                    &p.id,
                    switch_at + CODE_TTL_SECS,
                )
                .await?;
                let owner = Email::parse(&owner).map_err(|e| Error::internal(e.code()))?;
                Some((
                    owner,
                    Notice::DeviceChangeRequested {
                        until: switch_at,
                        cancel_link: link,
                    },
                ))
            }
            None => None,
        };
        // Send before committing: if a mail cannot go out, the approval is not recorded and
        // the officer can try again; nothing is left half-done. The owner's notice first: if
        // it fails, the applicant holds no code that would never work.
        if let Some((owner, notice)) = notice {
            state
                .mailer
                .send_notice(&owner, &notice, at, p.nik.time_zone())
                .await?;
        }
        let email = Email::parse(&p.email).map_err(|e| Error::internal(e.code()))?;
        state.mailer.send_activation_code(&email, &code).await?;
        tx.commit().await?;
        tracing::info!(registration = %p.id, remote, "registration approved, activation code sent");
    } else {
        let reason = reason.ok_or(Error::BadRequest)?;
        let done = sqlx::query("UPDATE registrations SET state = 'rejected', reason = $1, selfie = NULL, decided_by = $2, decided_at = $3 WHERE id = $4 AND state = 'awaiting_officer'")
            .bind(reason)
            .bind(&officer.0)
            .bind(at)
            .bind(&p.id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err(Error::RegistrationState);
        }
        audit(
            &mut tx,
            &officer.0,
            if remote { "reject_remote" } else { "reject" },
            &p.id,
        )
        .await?;
        tx.commit().await?;
        tracing::info!(registration = %p.id, remote, "registration rejected");
    }
    Ok(())
}

#[utoipa::path(get, path = "/officer/remote-reviews", tag = "officer", security(("officer" = [])),
    responses(
        (status = 200, description = "Device changes waiting for a remote review, oldest first (at most 50)", body = RemoteReviews),
        (status = 401, description = "No valid session", body = ApiError),
    ))]
async fn remote_queue(
    State(state): State<AppState>,
    _officer: Officer,
) -> Result<Json<RemoteReviews>> {
    Ok(Json(crate::device_change::queue(&state).await?))
}

#[utoipa::path(get, path = "/officer/remote-reviews/{id}", tag = "officer", security(("officer" = [])),
    params(("id" = String, Path, description = "registration_id")),
    responses(
        (status = 200, description = "Selfie, registry photo, checks and data of a device change (`device_change` true)", body = RegistrationReview),
        (status = 404, description = "No device change waiting under this id (a first registration is decided at the counter only)", body = ApiError),
        (status = 409, description = "Decided already, superseded, or cancelled from the old phone (DEVICE_CHANGE_CANCELLED)", body = ApiError),
        (status = 410, description = "The registration expired", body = ApiError),
        (status = 401, description = "No valid session", body = ApiError),
    ))]
async fn remote_review(
    State(state): State<AppState>,
    officer: Officer,
    Path(id): Path<String>,
) -> Result<Json<RegistrationReview>> {
    let p = remote_pending(&state, &id).await?;
    Ok(Json(review(&state, &officer, p, "remote_review").await?))
}

#[utoipa::path(post, path = "/officer/remote-reviews/{id}/decision", tag = "officer", security(("officer" = [])),
    params(("id" = String, Path, description = "registration_id")),
    request_body = RemoteDecision,
    responses(
        (status = 204, description = "Approved (the code is emailed; it activates after the waiting period, and the registered address is told with a cancel link) or rejected"),
        (status = 404, description = "No device change waiting under this id", body = ApiError),
        (status = 409, description = "Decided already, superseded, cancelled (DEVICE_CHANGE_CANCELLED), or no registry photo to compare (REMOTE_REVIEW_NEEDS_REGISTRY_PHOTO: reject, asking the citizen to come to the counter)", body = ApiError),
        (status = 410, description = "The registration expired", body = ApiError),
        (status = 422, description = "Rejecting needs a reason (at most 500 characters)", body = ApiError),
        (status = 401, description = "No valid session", body = ApiError),
    ))]
async fn remote_decide(
    State(state): State<AppState>,
    officer: Officer,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<RemoteDecision>,
) -> Result<StatusCode> {
    let p = remote_pending(&state, &id).await?;
    let decision = Decision {
        approve: req.approve,
        reason: req.reason.as_deref(),
        physical_ktp_checked: false,
        channel: Channel::Remote,
    };
    record_decision(&state, &officer, p, decision).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/officer/accounts/{nik}/reset-pin", tag = "officer",
    security(("officer" = [])), params(("nik" = ikd_core::Nik, Path, description = "The citizen's NIK")),
    responses(
        (status = 422, description = "Not a valid NIK; the code says why", body = ApiError),
        (status = 204, description = "The PIN lock is lifted; a PIN set through Lupa PIN that still waits is undone (the PIN from before it is back)"),
        (status = 401, description = "No valid session, or the NIK has no active account", body = ApiError),
    ))]
async fn reset_pin(
    State(state): State<AppState>,
    officer: Officer,
    Path(nik): Path<String>,
) -> Result<StatusCode> {
    let nik = Nik::parse(&nik).map_err(|e| Error::invalid(&e))?;
    let mut tx = state.db.pool.begin().await?;
    // A Lupa PIN still waiting is undone: the PIN from before it comes back. The officer
    // cannot tell whether the owner or a thief set it; the owner, unlocked, can set a new
    // one from the phone at once (no hard lock, so no wait).
    let done = sqlx::query(
        "UPDATE accounts SET failed_pins = 0, locked_until = NULL, locked_hard = 0,
             pin_hash = CASE WHEN pin_usable_at > $2 AND pin_before_reset IS NOT NULL
                 THEN pin_before_reset ELSE pin_hash END,
             pin_usable_at = NULL, pin_before_reset = NULL WHERE nik = $1",
    )
    .bind(nik.as_str())
    .bind(state.now())
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(Error::NotActivated);
    }
    for statement in [
        "DELETE FROM tokens WHERE subject = $1 AND kind = 'pin_reset_cancel'",
        "DELETE FROM pin_resets WHERE nik = $1",
    ] {
        sqlx::query(statement)
            .bind(nik.as_str())
            .execute(&mut *tx)
            .await?;
    }
    audit(&mut tx, &officer.0, "reset_pin", nik.as_str()).await?;
    super::activity(
        &mut *tx,
        nik.as_str(),
        "pin_reset_by_officer",
        Some(&officer.0),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Releases a citizen's device at the counter (a lost or broken phone), after the officer
/// has checked the person's identity; the citizen can then register a new phone.
#[utoipa::path(post, path = "/officer/accounts/{nik}/release-device", tag = "officer",
    operation_id = "officer_release_device", security(("officer" = [])), params(("nik" = ikd_core::Nik, Path, description = "The citizen's NIK")),
    responses(
        (status = 422, description = "Not a valid NIK; the code says why", body = ApiError),
        (status = 204, description = "The device is released; a device change under way for the NIK is cancelled (the owner, at the counter, registers there)"),
        (status = 401, description = "No valid session, or the NIK has no active account", body = ApiError),
    ))]
async fn release_device(
    State(state): State<AppState>,
    officer: Officer,
    Path(nik): Path<String>,
) -> Result<StatusCode> {
    let nik = Nik::parse(&nik).map_err(|e| Error::invalid(&e))?;
    let mut tx = state.db.pool.begin().await?;
    if !unbind_device(&mut tx, nik.as_str(), Some(&officer.0)).await? {
        return Err(Error::NotActivated);
    }
    crate::device_change::end_on_release(&mut tx, nik.as_str()).await?;
    audit(&mut tx, &officer.0, "release_device", nik.as_str()).await?;
    let notice = crate::mail::Notice::DeviceReleased;
    crate::notices::queue_owner(&mut tx, nik.as_str(), &notice, state.now()).await?;
    tx.commit().await?;
    state.notices.kick();
    Ok(StatusCode::NO_CONTENT)
}
