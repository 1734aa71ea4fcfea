//! Citizen sign-in: a server challenge signed by the device key plus the PIN; escalating
//! lockout kept in the database (3 wrong → 30 s, doubling with each further miss; 10 →
//! locked until an officer resets it, or a Lupa PIN's wait ends: [`crate::pin_reset`]);
//! change PIN; release the device; sign out.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use ikd_core::api::{ApiError, ChangePin, LOGIN_SIGNING_CONTEXT, Login, LoginChallenge, Session};
use ikd_core::crypto::{EcdsaPublicKey, random_bytes};
use sqlx::Row;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiJson, Citizen, activity, bearer, unbind_device};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::mail::Notice;
use crate::security::{b64u, from_b64u, hash_secret, new_id, new_token, token_hash, verify_secret};

const CHALLENGE_SECS: i64 = 120;
const SESSION_SECS: i64 = 3600;

/// Wrong PINs before the first temporary lock, and before the lock only an officer lifts.
pub const FIRST_LOCK_AFTER: i64 = 3;
pub const HARD_LOCK_AFTER: i64 = 10;

/// What a wrong PIN leads to, given the failures so far (this one included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    None { attempts_left: u32 },
    Until(i64),
    Hard,
}

pub fn lock_after(failed: i64, at: i64) -> Lock {
    if failed >= HARD_LOCK_AFTER {
        Lock::Hard
    } else if failed >= FIRST_LOCK_AFTER {
        Lock::Until(at + (30 << (failed - FIRST_LOCK_AFTER)))
    } else {
        Lock::None {
            attempts_left: (FIRST_LOCK_AFTER - failed) as u32,
        }
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(challenge))
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(change_pin))
        .routes(routes!(release_device))
}

#[utoipa::path(post, path = "/login/challenge", tag = "auth",
    responses(
        (status = 200, description = "Sign it with the device key", body = LoginChallenge),
        (status = 429, description = "Too many attempts; wait", body = ApiError),
    ))]
async fn challenge(
    State(state): State<AppState>,
    ip: super::ClientIp,
) -> Result<Json<LoginChallenge>> {
    ip.limit(&state, crate::limits::CHALLENGE_PER_IP).await?;
    let id = new_id()?;
    let bytes: [u8; 32] = random_bytes().map_err(Error::internal)?;
    let expires_at = state.now() + CHALLENGE_SECS;
    sqlx::query("INSERT INTO challenges (id, challenge, expires_at) VALUES ($1, $2, $3)")
        .bind(&id)
        .bind(bytes.to_vec())
        .bind(expires_at)
        .execute(&state.db.pool)
        .await?;
    Ok(Json(LoginChallenge {
        challenge_id: id,
        challenge: b64u(&bytes),
        expires_at,
    }))
}

/// Takes a login challenge out (single use: whether what it was for succeeds or not);
/// its bytes, if it exists and has not expired at `at`.
///
/// # Errors
/// [`Error::Challenge`] for an unknown or expired id; database errors.
pub(crate) async fn take_challenge(state: &AppState, id: &str, at: i64) -> Result<Vec<u8>> {
    Ok(
        sqlx::query(
            "DELETE FROM challenges WHERE id = $1 AND expires_at >= $2 RETURNING challenge",
        )
        .bind(id)
        .bind(at)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(Error::Challenge)?
        .get(0),
    )
}

/// Checks an ES256 signature (raw r||s, base64url) by the account's device key (SEC1) over
/// `context || challenge`; the key, parsed, when it holds.
///
/// # Errors
/// [`Error::DeviceSignature`] for a signature that does not verify or does not parse.
pub(crate) fn check_device_signature(
    device: &[u8],
    context: &[u8],
    challenge: &[u8],
    signature_b64u: &str,
) -> Result<EcdsaPublicKey> {
    let mut signed = context.to_vec();
    signed.extend_from_slice(challenge);
    let sig = from_b64u(signature_b64u).ok_or(Error::DeviceSignature)?;
    let key = EcdsaPublicKey::from_sec1(device).map_err(Error::internal)?;
    if key.verify(&signed, &sig) {
        Ok(key)
    } else {
        Err(Error::DeviceSignature)
    }
}

/// Counts a PIN attempt on `nik` and sets the lock it would earn, before the PIN is
/// checked: one conditional update, so parallel guesses each see the lock the ones before
/// them earned (three at most before the first lock, not as many as arrive at once). A
/// right PIN then clears it in the caller's transaction. Login and PIN change share the
/// count: an old PIN is a PIN guess too.
///
/// # Errors
/// [`Error::Locked`] or [`Error::LockedHard`] if the account is locked; database errors.
pub(crate) async fn reserve_pin_attempt(
    state: &AppState,
    nik: &ikd_core::Nik,
    at: i64,
) -> Result<Reserved> {
    let zone = nik.time_zone();
    let nik = nik.as_str();
    let mut tx = state.db.pool.begin().await?;
    let reserved = sqlx::query(
        "UPDATE accounts SET failed_pins = failed_pins + 1 WHERE nik = $1 AND locked_hard = 0
         AND (locked_until IS NULL OR locked_until <= $2)
         AND (pin_usable_at IS NULL OR pin_usable_at <= $2) RETURNING failed_pins",
    )
    .bind(nik)
    .bind(at)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(reserved) = reserved else {
        drop(tx);
        let row = sqlx::query(
            "SELECT locked_until, locked_hard, pin_usable_at FROM accounts WHERE nik = $1",
        )
        .bind(nik)
        .fetch_optional(&state.db.pool)
        .await?
        // Closed (or never activated) since the caller looked.
        .ok_or(Error::NotActivated)?;
        return Err(match row.get::<Option<i64>, _>(0) {
            _ if row.get::<i64, _>(1) != 0 => Error::LockedHard,
            _ if row.get::<Option<i64>, _>(2).is_some_and(|u| u > at) => Error::PinWaiting {
                until: row.get::<Option<i64>, _>(2).unwrap_or(at),
                zone,
            },
            Some(until) => Error::Locked { until },
            None => Error::LockedHard,
        });
    };
    let failed: i64 = reserved.get(0);
    let lock = lock_after(failed, at);
    let mut notice = None;
    match lock {
        Lock::Hard => {
            sqlx::query("UPDATE accounts SET locked_hard = 1 WHERE nik = $1")
                .bind(nik)
                .execute(&mut *tx)
                .await?;
            // The owner's notice commits with the lock, held until the PIN is checked: a
            // wrong PIN releases it, a right one (which lifts the lock) drops it, and a
            // process killed in between leaves the lock and, once the hold lapses, its notice.
            notice = crate::notices::queue_owner(&mut tx, nik, &Notice::AccountLocked, at).await?;
            if let Some(id) = notice {
                crate::notices::hold(&mut tx, id).await?;
            }
        }
        Lock::Until(until) => {
            sqlx::query("UPDATE accounts SET locked_until = $1 WHERE nik = $2")
                .bind(until)
                .bind(nik)
                .execute(&mut *tx)
                .await?;
        }
        Lock::None { .. } => {}
    }
    tx.commit().await?;
    Ok(Reserved {
        failed,
        lock,
        notice,
    })
}

/// A PIN attempt counted before the PIN is checked ([`reserve_pin_attempt`]).
#[derive(Debug)]
pub(crate) struct Reserved {
    /// Wrong PINs in a row, this attempt included.
    pub failed: i64,
    /// The lock this attempt set if its PIN is wrong.
    pub lock: Lock,
    /// The held AccountLocked notice queued with a hard lock.
    notice: Option<i64>,
}

impl Reserved {
    /// The PIN was right: called in the caller's transaction that clears the count and the
    /// lock, so the lock's notice goes with them.
    ///
    /// # Errors
    /// Database errors.
    pub(crate) async fn right(&self, tx: &mut sqlx::Transaction<'_, sqlx::Any>) -> Result<()> {
        match self.notice {
            Some(id) => crate::notices::drop_queued(tx, id).await,
            None => Ok(()),
        }
    }

    /// Wrong PINs left before the hard lock, for an answer that the PIN was not right.
    pub(crate) fn attempts_left(&self) -> u32 {
        (HARD_LOCK_AFTER - self.failed).max(0) as u32
    }
}

/// After a wrong PIN (counted by [`reserve_pin_attempt`], in the database, so the lockout
/// survives restarts and spans instances): Riwayat gets it, and the answer says what is
/// left.
pub(crate) async fn wrong_pin(state: &AppState, nik: &str, reserved: &Reserved) -> Result<Error> {
    let (failed, lock) = (reserved.failed, reserved.lock);
    if !matches!(lock, Lock::None { .. }) {
        state.metrics.lockouts.inc();
    }
    // Riwayat's entry, and a hard lock's notice released to the delivery task, together.
    // The count and the lock committed before the PIN was checked (reserve_pin_attempt); a
    // process killed between the two leaves them without this entry.
    let mut tx = state.db.pool.begin().await?;
    activity(&mut *tx, nik, "login_failed", None).await?;
    if let Some(id) = reserved.notice {
        crate::notices::release(&mut tx, id).await?;
    }
    tx.commit().await?;
    state.notices.kick();
    Ok(match lock {
        Lock::Hard => Error::LockedHard,
        Lock::Until(until) => Error::PinWrong {
            attempts_left: (HARD_LOCK_AFTER - failed) as u32,
            locked_until: Some(until),
        },
        Lock::None { attempts_left } => Error::PinWrong {
            attempts_left,
            locked_until: None,
        },
    })
}

#[utoipa::path(post, path = "/login", tag = "auth", request_body = Login,
    responses(
        (status = 200, description = "Signed in; a fresh credential is included", body = Session),
        (status = 401, description = "Wrong PIN (attempts left in the message), bad device signature or unknown challenge", body = ApiError),
        (status = 423, description = "Locked: for a while (ACCOUNT_LOCKED), after 10 wrong PINs (ACCOUNT_LOCKED_OFFICER_RESET: Lupa PIN or an officer), or a PIN set through Lupa PIN after that still waits (PIN_RESET_WAITING, with the time)", body = ApiError),
        (status = 429, description = "Too many attempts; wait", body = ApiError),
        (status = 503, description = "Busy (SERVICE_BUSY). With Retry-After: no CPU permit came free in time, before anything was used or counted; send the same request again after it. Without: no database connection came free, perhaps after part of the request was done", body = ApiError),
    ))]
async fn login(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<Login>,
) -> Result<Json<Session>> {
    // The CPU permit first: a busy answer has used neither the challenge, the per-NIK
    // budget nor a PIN attempt, so the app can send the same request again.
    let permit = crate::cpu::permit(&state.cpu).await?;
    crate::limits::hit(&state, crate::limits::LOGIN_PER_NIK, req.nik.as_str()).await?;
    let at = state.now();
    let challenge = take_challenge(&state, &req.challenge_id, at).await?;
    let nik = req.nik.as_str().to_owned();
    let account = sqlx::query("SELECT device_key, pin_hash, failed_pins, locked_until, locked_hard, pin_usable_at FROM accounts WHERE nik = $1")
        .bind(&nik)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(Error::NotActivated)?;
    let device: Vec<u8> = account
        .get::<Option<Vec<u8>>, _>(0)
        .ok_or(Error::NotActivated)?;
    let pin_hash: String = account
        .get::<Option<String>, _>(1)
        .ok_or(Error::NotActivated)?;
    if account.get::<i64, _>(4) != 0 {
        return Err(Error::LockedHard);
    }
    if let Some(until) = account.get::<Option<i64>, _>(3)
        && until > at
    {
        return Err(Error::Locked { until });
    }
    if let Some(until) = account.get::<Option<i64>, _>(5)
        && until > at
    {
        return Err(Error::PinWaiting {
            until,
            zone: req.nik.time_zone(),
        });
    }
    // The device signature comes first: PINs can only be tried from the bound phone.
    let key = check_device_signature(
        &device,
        LOGIN_SIGNING_CONTEXT,
        &challenge,
        &req.device_signature,
    )?;
    let reserved = reserve_pin_attempt(&state, &req.nik, at).await?;
    let pin = req.pin.clone();
    let checked = pin_hash.clone();
    let ok = crate::cpu::run_with(permit, move || verify_secret(pin.expose(), &checked)).await?;
    if !ok {
        return Err(wrong_pin(&state, &nik, &reserved).await?);
    }
    let mut tx = state.db.pool.begin().await?;
    // The right PIN: the attempt reserved above (and any lock it set) is cleared, and so is
    // a Lupa PIN's wait that is over (its cancel link no longer applies). Only over the PIN
    // that was checked and outside a wait: a Lupa PIN that landed meanwhile wins.
    let cleared = sqlx::query(
        "UPDATE accounts SET failed_pins = 0, locked_until = NULL, locked_hard = 0,
             pin_usable_at = NULL, pin_before_reset = NULL
         WHERE nik = $1 AND pin_hash = $2 AND (pin_usable_at IS NULL OR pin_usable_at <= $3)",
    )
    .bind(&nik)
    .bind(&pin_hash)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    if cleared.rows_affected() != 1 {
        return Err(Error::PinWrong {
            attempts_left: reserved.attempts_left(),
            locked_until: None,
        });
    }
    reserved.right(&mut tx).await?;
    let (token, hash) = new_token()?;
    let expires_at = at + SESSION_SECS;
    sqlx::query(
        "INSERT INTO tokens (token_hash, kind, subject, expires_at) VALUES ($1, 'session', $2, $3)",
    )
    .bind(hash)
    .bind(&nik)
    .bind(expires_at)
    .execute(&mut *tx)
    .await?;
    activity(&mut *tx, &nik, "login", None).await?;
    tx.commit().await?;
    // A fresh credential at every login: the app presents QRs offline from it. The device
    // key was read and checked above; no second read.
    let credential = super::verify::issue_for(&state, &req.nik, &key).await?;
    Ok(Json(Session {
        token,
        expires_at,
        credential: Some(credential),
    }))
}

#[utoipa::path(post, path = "/logout", tag = "auth", security(("citizen" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "No valid session", body = ApiError),
    ))]
async fn logout(
    State(state): State<AppState>,
    Citizen(nik): Citizen,
    headers: HeaderMap,
) -> Result<StatusCode> {
    let token = bearer(&headers).ok_or(Error::Unauthorized)?;
    let mut tx = state.db.pool.begin().await?;
    sqlx::query("DELETE FROM tokens WHERE token_hash = $1")
        .bind(token_hash(token))
        .execute(&mut *tx)
        .await?;
    activity(&mut *tx, nik.as_str(), "logout", None).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/me/pin", tag = "auth", security(("citizen" = [])), request_body = ChangePin,
    responses(
        (status = 204, description = "The PIN is changed"),
        (status = 401, description = "No valid session, or the old PIN is wrong (counted with the sign-in attempts: the same lockout)", body = ApiError),
        (status = 422, description = "The new PIN is too easy to guess", body = ApiError),
        (status = 423, description = "Locked after too many wrong PINs (ACCOUNT_LOCKED, ACCOUNT_LOCKED_OFFICER_RESET), or a Lupa PIN still waits (PIN_RESET_WAITING)", body = ApiError),
        (status = 503, description = "Busy (SERVICE_BUSY). With Retry-After: no CPU permit came free in time, before anything was used or counted; send the same request again after it. Without: no database connection came free, perhaps after part of the request was done", body = ApiError),
    ))]
async fn change_pin(
    State(state): State<AppState>,
    Citizen(nik): Citizen,
    ApiJson(req): ApiJson<ChangePin>,
) -> Result<StatusCode> {
    let row = sqlx::query("SELECT pin_hash FROM accounts WHERE nik = $1")
        .bind(nik.as_str())
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(Error::NotActivated)?;
    let hash: String = row.get::<Option<String>, _>(0).ok_or(Error::NotActivated)?;
    let permit = crate::cpu::permit(&state.cpu).await?;
    let reserved = reserve_pin_attempt(&state, &nik, state.now()).await?;
    let (old, new, checked) = (req.old_pin.clone(), req.new_pin.clone(), hash.clone());
    let new_hash = crate::cpu::run_with(permit, move || {
        if verify_secret(old.expose(), &checked) {
            hash_secret(new.expose()).map(Some)
        } else {
            Ok(None)
        }
    })
    .await??;
    let Some(new_hash) = new_hash else {
        return Err(wrong_pin(&state, nik.as_str(), &reserved).await?);
    };
    let mut tx = state.db.pool.begin().await?;
    // Only over the PIN that was checked: of two changes at once, one wins and the other
    // is told its old PIN is no longer right.
    let changed = sqlx::query(
        "UPDATE accounts SET pin_hash = $1, failed_pins = 0, locked_until = NULL, locked_hard = 0
         WHERE nik = $2 AND pin_hash = $3",
    )
    .bind(new_hash)
    .bind(nik.as_str())
    .bind(hash)
    .execute(&mut *tx)
    .await?;
    if changed.rows_affected() != 1 {
        return Err(Error::PinWrong {
            attempts_left: reserved.attempts_left(),
            locked_until: None,
        });
    }
    reserved.right(&mut tx).await?;
    activity(&mut *tx, nik.as_str(), "pin_changed", None).await?;
    crate::notices::queue_owner(&mut tx, nik.as_str(), &Notice::PinChanged, state.now()).await?;
    tx.commit().await?;
    state.notices.kick();
    Ok(StatusCode::NO_CONTENT)
}

/// Lepas perangkat: unbinds this phone and ends every session; registering again on a new
/// phone is then possible without an office visit.
#[utoipa::path(post, path = "/me/device/release", tag = "auth", security(("citizen" = [])),
    responses(
        (status = 204, description = "This phone is released and every session ended"),
        (status = 401, description = "No valid session", body = ApiError),
    ))]
async fn release_device(
    State(state): State<AppState>,
    Citizen(nik): Citizen,
) -> Result<StatusCode> {
    let mut tx = state.db.pool.begin().await?;
    unbind_device(&mut tx, nik.as_str(), None).await?;
    let notice = Notice::DeviceReleased;
    crate::notices::queue_owner(&mut tx, nik.as_str(), &notice, state.now()).await?;
    tx.commit().await?;
    state.notices.kick();
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_escalates_from_thirty_seconds_and_ends_in_an_officer_lock() {
        assert_eq!(lock_after(1, 0), Lock::None { attempts_left: 2 });
        assert_eq!(lock_after(2, 0), Lock::None { attempts_left: 1 });
        assert_eq!(lock_after(3, 100), Lock::Until(130));
        assert_eq!(lock_after(4, 100), Lock::Until(160));
        assert_eq!(lock_after(9, 0), Lock::Until(30 * 64));
        assert_eq!(lock_after(10, 0), Lock::Hard);
    }
}
