//! Lupa PIN (issue 17, item 1): the rules of the flow, in functions the routes call.
//!
//! 1. [`start`]: the phone that holds the account's device key signs a server challenge
//!    (`POST /login/challenge`, prefixed with [`PIN_RESET_SIGNING_CONTEXT`]); a 6-digit
//!    code goes to the registered email: single use, [`CODE_SECS`], [`MAX_CODE_ATTEMPTS`].
//!    At most 5 codes a day per NIK and per device key ([`crate::limits`]).
//! 2. [`finish`]: the code with a captcha, and the new PIN (the first PIN's rules). Every
//!    session ends. After a hard lock (10 wrong PINs), or while an earlier reset still
//!    waits, the new PIN signs in only after [`WAIT_AFTER_HARD_LOCK_SECS`], and the email
//!    carries a link that cancels it: someone holding the phone and the mailbox must not
//!    undo the hard lock at once, and the owner gets a day to notice.
//! 3. [`cancel`]: the link's token puts the PIN from before the reset and the hard lock back.
//!
//! Each check-then-act is one conditional statement or one transaction: the attempt count,
//! the single use of a reset, the device still bound, the wait still running.

use ikd_core::Email;
use ikd_core::api::{
    PIN_RESET_SIGNING_CONTEXT, PinResetDone, PinResetFinish, PinResetStart, PinResetStarted,
};
use ikd_core::secret::ActivationCode;
use sqlx::Row;

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::mail::Notice;
use crate::routes::{HARD_LOCK_AFTER, activity, check_device_signature, take_challenge};
use crate::security::{b64u, hash_secret, new_token, token_hash, verify_secret};

/// How long the emailed code is valid, seconds.
pub const CODE_SECS: i64 = 15 * 60;
/// Wrong codes before the reset is used up.
pub const MAX_CODE_ATTEMPTS: i64 = 5;
/// How long a PIN set after a hard lock waits before it signs in, seconds (24 h).
pub const WAIT_AFTER_HARD_LOCK_SECS: i64 = 24 * 3600;
/// Longest reset or cancel token read (ours are 43 characters).
const MAX_TOKEN: usize = 64;

/// Step 1: checks the device signature and mails a code.
///
/// # Errors
/// [`Error::Challenge`] for an unknown or expired challenge; [`Error::NotActivated`] when
/// the NIK has no bound device or no PIN yet; [`Error::DeviceSignature`];
/// [`Error::RateLimited`] beyond the daily codes; mail and database errors.
pub async fn start(state: &AppState, req: &PinResetStart) -> Result<PinResetStarted> {
    // The CPU permit first: a busy answer has used neither the challenge nor the day's
    // budget, so the app can send the same request again.
    let permit = crate::cpu::permit(&state.cpu).await?;
    let at = state.now();
    let challenge = take_challenge(state, &req.challenge_id, at).await?;
    let nik = req.nik.as_str();
    let account = sqlx::query("SELECT device_key, email, pin_hash FROM accounts WHERE nik = $1")
        .bind(nik)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(Error::NotActivated)?;
    let device: Vec<u8> = account
        .get::<Option<Vec<u8>>, _>(0)
        .ok_or(Error::NotActivated)?;
    // No PIN yet: the activation's own step sets the first one.
    account
        .get::<Option<String>, _>(2)
        .ok_or(Error::NotActivated)?;
    check_device_signature(
        &device,
        PIN_RESET_SIGNING_CONTEXT,
        &challenge,
        &req.device_signature,
    )?;
    // Counted after the signature, so nobody but the phone can spend the NIK's budget.
    crate::limits::hit(state, crate::limits::PIN_RESET_PER_NIK, nik).await?;
    crate::limits::hit(
        state,
        crate::limits::PIN_RESET_PER_DEVICE,
        &b64u(&token_hash(&b64u(&device))),
    )
    .await?;
    let email = Email::parse(&account.get::<String, _>(1))
        .map_err(|_| Error::internal("stored email does not parse"))?;
    let code = ActivationCode::generate();
    let hashed = code.clone();
    let code_hash =
        crate::cpu::run_with(permit, move || hash_secret(hashed.expose().as_bytes())).await??;
    let (token, token_digest) = new_token()?;
    // One open reset per account: a new one replaces the earlier (only the newest code
    // works, as the email says).
    sqlx::query(
        "INSERT INTO pin_resets (nik, token_hash, device_key, code_hash, attempts, expires_at)
         VALUES ($1, $2, $3, $4, 0, $5)
         ON CONFLICT (nik) DO UPDATE SET token_hash = excluded.token_hash,
             device_key = excluded.device_key, code_hash = excluded.code_hash, attempts = 0,
             expires_at = excluded.expires_at",
    )
    .bind(nik)
    .bind(token_digest)
    .bind(device)
    .bind(code_hash)
    .bind(at + CODE_SECS)
    .execute(&state.db.pool)
    .await?;
    // After the commit: a mail that fails leaves a code nobody has, which the next start
    // replaces; a mail before the commit could carry a code that was never stored.
    state.mailer.send_pin_reset_code(&email, &code).await?;
    Ok(PinResetStarted {
        reset_token: token,
        email_masked: email.masked(),
        expires_at: at + CODE_SECS,
    })
}

/// Step 2: checks the code and the captcha, then sets the new PIN.
///
/// # Errors
/// [`Error::Captcha`]; [`Error::PinResetCodeWrong`] with the attempts left;
/// [`Error::PinResetExpired`] for a reset unknown, expired, used or out of attempts;
/// [`Error::NotActivated`] when the phone was released since; busy and database errors.
pub async fn finish(state: &AppState, req: PinResetFinish) -> Result<PinResetDone> {
    // The CPU permit first: a busy answer has used neither the captcha nor an attempt.
    let permit = crate::cpu::permit(&state.cpu).await?;
    if !crate::captcha::solve(state, &req.captcha_id, &req.captcha_answer).await? {
        return Err(Error::Captcha);
    }
    if req.reset_token.len() > MAX_TOKEN {
        return Err(Error::PinResetExpired);
    }
    let digest = token_hash(&req.reset_token);
    let at = state.now();
    // The attempt is counted before the code is checked, in one conditional update, so
    // parallel guesses cannot pass the limit.
    let counted = sqlx::query(
        "UPDATE pin_resets SET attempts = attempts + 1
         WHERE token_hash = $1 AND attempts < $2 AND expires_at >= $3
         RETURNING attempts, code_hash, nik, device_key",
    )
    .bind(&digest)
    .bind(MAX_CODE_ATTEMPTS)
    .bind(at)
    .fetch_optional(&state.db.pool)
    .await?
    .ok_or(Error::PinResetExpired)?;
    let attempts: i64 = counted.get(0);
    let code_hash: String = counted.get(1);
    let nik: String = counted.get(2);
    let device: Vec<u8> = counted.get(3);
    let (code, pin) = (req.code, req.new_pin);
    let new_hash = crate::cpu::run_with(permit, move || {
        if verify_secret(code.expose().as_bytes(), &code_hash) {
            hash_secret(pin.expose()).map(Some)
        } else {
            Ok(None)
        }
    })
    .await??;
    let Some(new_hash) = new_hash else {
        let left = (MAX_CODE_ATTEMPTS - attempts).max(0) as u32;
        return Err(if left == 0 {
            Error::PinResetExpired
        } else {
            Error::PinResetCodeWrong {
                attempts_left: left,
            }
        });
    };
    let mut tx = state.db.pool.begin().await?;
    // The account's row first, as in `cancel` and the officer's reset, so these never take
    // each other's locks in opposite orders (and on SQLite the first statement is a write).
    // Only on the phone that asked, if it is still the account's. The wait starts (again)
    // when the account is hard-locked or an earlier reset still waits; a cancel then puts
    // back the PIN in force before the first of those resets.
    let set = sqlx::query(
        "UPDATE accounts SET
             pin_before_reset = CASE WHEN pin_usable_at > $3 THEN COALESCE(pin_before_reset, pin_hash)
                 WHEN locked_hard = 1 THEN pin_hash ELSE NULL END,
             pin_usable_at = CASE WHEN locked_hard = 1 OR pin_usable_at > $3 THEN $4 ELSE NULL END,
             pin_hash = $1, failed_pins = 0, locked_until = NULL, locked_hard = 0
         WHERE nik = $2 AND device_key = $5 AND pin_hash IS NOT NULL
         RETURNING pin_usable_at",
    )
    .bind(new_hash)
    .bind(&nik)
    .bind(at)
    .bind(at + WAIT_AFTER_HARD_LOCK_SECS)
    .bind(device)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(Error::NotActivated)?;
    // Single use: of two finishes at once, one takes the reset; the other rolls back.
    let taken = sqlx::query("DELETE FROM pin_resets WHERE token_hash = $1")
        .bind(&digest)
        .execute(&mut *tx)
        .await?;
    if taken.rows_affected() != 1 {
        return Err(Error::PinResetExpired);
    }
    let waiting_until: Option<i64> = set.get(0);
    sqlx::query("DELETE FROM tokens WHERE subject = $1 AND kind = 'session'")
        .bind(&nik)
        .execute(&mut *tx)
        .await?;
    let cancel = match waiting_until {
        Some(until) => {
            let (token, digest) = new_token()?;
            sqlx::query(
                "INSERT INTO tokens (token_hash, kind, subject, expires_at)
                 VALUES ($1, 'pin_reset_cancel', $2, $3)",
            )
            .bind(digest)
            .bind(&nik)
            .bind(until)
            .execute(&mut *tx)
            .await?;
            Some(token)
        }
        None => None,
    };
    activity(&mut *tx, &nik, "pin_reset", None).await?;
    // The notice goes in the same transaction: it goes out if and only if this commits,
    // also when the process dies right after.
    let notice = Notice::PinReset {
        waiting_until,
        cancel_link: cancel
            .as_ref()
            .map(|token| format!("{}/pin/batal/{token}", state.config.public_url())),
    };
    let queued = crate::notices::queue_owner(&mut tx, &nik, &notice, at).await?;
    if let (Some(_), Some(id)) = (waiting_until, queued) {
        // Sent below, before the answer; the delivery task only if this process dies.
        crate::notices::hold(&mut tx, id).await?;
    }
    tx.commit().await?;
    let (Some(until), Some(token), Some(queued)) = (waiting_until, cancel, queued) else {
        state.notices.kick();
        return Ok(PinResetDone {
            usable_from: at,
            waiting: false,
        });
    };
    // A wait must not start without the owner holding its cancel link: the notice is sent
    // now, before the answer, and if it cannot be, the reset is undone (through its own
    // link) and the citizen is told to try again. No lock is held while the mail goes out.
    // A process killed before this send leaves the notice queued: the delivery task sends
    // it once the hold lapses. The undo deletes the notice in its own transaction, so a
    // cancel link never goes out for a reset that was undone, nor is a wait left without one.
    if let Err(e) = crate::notices::deliver_now(state, queued).await {
        undo(state, &token, Undo::Unsent(queued)).await?;
        return Err(e);
    }
    Ok(PinResetDone {
        usable_from: until,
        waiting: true,
    })
}

/// Step 3, from the email's link: while the new PIN still waits, the PIN from before the
/// reset comes back with the hard lock, every session ends and open resets are dropped.
///
/// # Errors
/// [`Error::PinResetCancelInvalid`] when the link names no waiting reset (unknown, the wait
/// over, or cancelled already); database errors.
pub async fn cancel(state: &AppState, token: &str) -> Result<()> {
    undo(state, token, Undo::Cancel).await?;
    state.notices.kick();
    Ok(())
}

/// Why a waiting reset is undone.
enum Undo {
    /// From the email's link: recorded in Riwayat, with a notice.
    Cancel,
    /// Its notice (this queued id) could not be sent: the notice is deleted with the reset.
    Unsent(i64),
}

/// Puts back what a waiting reset replaced; returns the NIK.
async fn undo(state: &AppState, token: &str, why: Undo) -> Result<String> {
    if token.len() > MAX_TOKEN {
        return Err(Error::PinResetCancelInvalid);
    }
    let at = state.now();
    // Read without a lock; the account's row is the first thing written (see `finish`).
    let nik: String = sqlx::query(
        "SELECT subject FROM tokens WHERE token_hash = $1 AND kind = 'pin_reset_cancel' AND expires_at > $2",
    )
    .bind(token_hash(token))
    .bind(at)
    .fetch_optional(&state.db.pool)
    .await?
    .ok_or(Error::PinResetCancelInvalid)?
    .get(0);
    let mut tx = state.db.pool.begin().await?;
    let restored = sqlx::query(
        "UPDATE accounts SET pin_hash = pin_before_reset, pin_before_reset = NULL,
             pin_usable_at = NULL, failed_pins = $3, locked_until = NULL, locked_hard = 1
         WHERE nik = $1 AND pin_usable_at > $2 AND pin_before_reset IS NOT NULL",
    )
    .bind(&nik)
    .bind(at)
    .bind(HARD_LOCK_AFTER)
    .execute(&mut *tx)
    .await?;
    if restored.rows_affected() != 1 {
        return Err(Error::PinResetCancelInvalid);
    }
    for statement in [
        "DELETE FROM tokens WHERE subject = $1 AND kind IN ('session', 'pin_reset_cancel')",
        "DELETE FROM pin_resets WHERE nik = $1",
    ] {
        sqlx::query(statement).bind(&nik).execute(&mut *tx).await?;
    }
    match why {
        Undo::Cancel => {
            activity(&mut *tx, &nik, "pin_reset_cancelled", None).await?;
            crate::notices::queue_owner(&mut tx, &nik, &Notice::PinResetCancelled, at).await?;
        }
        Undo::Unsent(id) => crate::notices::drop_queued(&mut tx, id).await?,
    }
    tx.commit().await?;
    Ok(nik)
}
