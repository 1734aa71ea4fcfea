//! Ubah email / nomor ponsel (issue 17, item 3): the rules for changing the registered email
//! or phone. The routes are thin adapters over these functions.
//!
//! 1. [`start`], signed in: the phone's device key signs a fresh challenge under its own
//!    context, and the PIN is checked. A wrong PIN counts toward the same lockout as
//!    login. A 6-digit code goes to the new email, or to the registered one when only the
//!    phone changes, since the service sends no SMS. The code is Argon2id-hashed, single
//!    use, valid [`CODE_SECS`], with [`MAX_CODE_ATTEMPTS`] attempts.
//! 2. [`finish`]: the code applies the change, in Riwayat and the audit log. The address
//!    that was registered is told, so a change the owner did not make does not go
//!    unnoticed.

use ikd_core::api::{
    CONTACT_CHANGE_SIGNING_CONTEXT, ContactChangeFinish, ContactChangeStart, ContactChangeStarted,
    ContactView,
};
use ikd_core::{ActivationCode, Email, Nik, PhoneNumber};
use sqlx::Row;

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::mail::Notice;
use crate::routes::{activity, audit, check_device_signature, notify_owner, take_challenge};
use crate::security::{hash_secret, verify_secret};

/// How long the emailed code is valid (seconds).
pub const CODE_SECS: i64 = 15 * 60;
/// Wrong codes before the change must start again.
pub const MAX_CODE_ATTEMPTS: i64 = 5;

/// The registered email and phone, masked.
///
/// # Errors
/// [`Error::NotActivated`] when the NIK has no account; database errors.
pub async fn view(state: &AppState, nik: &Nik) -> Result<ContactView> {
    let row = sqlx::query("SELECT email, phone FROM accounts WHERE nik = $1")
        .bind(nik.as_str())
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(Error::NotActivated)?;
    Ok(masked(&row.get::<String, _>(0), &row.get::<String, _>(1)))
}

fn masked(email: &str, phone: &str) -> ContactView {
    ContactView {
        email_masked: Email::parse(email).map(|e| e.masked()).unwrap_or_default(),
        phone_masked: PhoneNumber::parse(phone)
            .map(|p| p.masked())
            .unwrap_or_default(),
    }
}

/// Step 1: checks the device signature and the PIN, stores the change and mails the code.
///
/// # Errors
/// [`Error::Challenge`]; [`Error::DeviceSignature`]; [`Error::ContactUnchanged`] when both
/// values are the registered ones or left out; the login's PIN errors ([`Error::PinWrong`],
/// [`Error::Locked`], [`Error::LockedHard`]); [`Error::RateLimited`] beyond five a day;
/// busy, mail and database errors.
pub async fn start(
    state: &AppState,
    nik: &Nik,
    req: &ContactChangeStart,
) -> Result<ContactChangeStarted> {
    // The CPU permit first: a busy answer has used neither the challenge nor a PIN attempt.
    let permit = crate::cpu::permit(&state.cpu).await?;
    let at = state.now();
    let challenge = take_challenge(state, &req.challenge_id, at).await?;
    let account =
        sqlx::query("SELECT device_key, email, phone, pin_hash FROM accounts WHERE nik = $1")
            .bind(nik.as_str())
            .fetch_optional(&state.db.pool)
            .await?
            .ok_or(Error::NotActivated)?;
    let device: Vec<u8> = account
        .get::<Option<Vec<u8>>, _>(0)
        .ok_or(Error::NotActivated)?;
    let pin_hash: String = account
        .get::<Option<String>, _>(3)
        .ok_or(Error::NotActivated)?;
    check_device_signature(
        &device,
        CONTACT_CHANGE_SIGNING_CONTEXT,
        &challenge,
        &req.device_signature,
    )?;
    let (old_email, old_phone): (String, String) = (account.get(1), account.get(2));
    // A value left out keeps the registered one.
    let new_email = req
        .email
        .as_ref()
        .map_or(old_email.as_str(), |e| e.as_str());
    let new_phone = req
        .phone
        .as_ref()
        .map_or(old_phone.as_str(), |p| p.as_str());
    let email_changes = new_email != old_email;
    if !email_changes && new_phone == old_phone {
        return Err(Error::ContactUnchanged);
    }
    // Counted after the signature, so nobody but the phone can spend the NIK's budget.
    crate::limits::hit(state, crate::limits::CONTACT_CHANGE_PER_NIK, nik.as_str()).await?;
    let (failed, lock) = crate::routes::reserve_pin_attempt(state, nik, at).await?;
    let code = ActivationCode::generate();
    let (pin, checked, hashed) = (req.pin.clone(), pin_hash.clone(), code.clone());
    let code_hash = crate::cpu::run_with(permit, move || {
        if verify_secret(pin.expose(), &checked) {
            hash_secret(hashed.expose().as_bytes()).map(Some)
        } else {
            Ok(None)
        }
    })
    .await??;
    let Some(code_hash) = code_hash else {
        return Err(crate::routes::wrong_pin(state, nik.as_str(), failed, lock).await?);
    };
    let mut tx = state.db.pool.begin().await?;
    // The right PIN clears the count and the lock this attempt may have set, as at login,
    // only over the PIN that was checked (a PIN changed meanwhile makes this one wrong).
    let cleared = sqlx::query(
        "UPDATE accounts SET failed_pins = 0, locked_until = NULL, locked_hard = 0
         WHERE nik = $1 AND pin_hash = $2",
    )
    .bind(nik.as_str())
    .bind(&pin_hash)
    .execute(&mut *tx)
    .await?;
    if cleared.rows_affected() != 1 {
        return Err(Error::PinWrong {
            attempts_left: (crate::routes::HARD_LOCK_AFTER - failed).max(0) as u32,
            locked_until: None,
        });
    }
    // One open change per account: a new one replaces the earlier.
    sqlx::query(
        "INSERT INTO contact_changes (nik, new_email, new_phone, code_hash, attempts, expires_at)
         VALUES ($1, $2, $3, $4, 0, $5)
         ON CONFLICT (nik) DO UPDATE SET new_email = excluded.new_email,
             new_phone = excluded.new_phone, code_hash = excluded.code_hash, attempts = 0,
             expires_at = excluded.expires_at",
    )
    .bind(nik.as_str())
    .bind(new_email)
    .bind(new_phone)
    .bind(code_hash)
    .bind(at + CODE_SECS)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    // The new email when it changes, else the registered one.
    let to = Email::parse(new_email).map_err(|_| Error::internal("stored email does not parse"))?;
    // After the commit: a mail that fails leaves a code nobody has, which the next start
    // replaces; a mail before the commit could carry a code that was never stored.
    state.mailer.send_contact_change_code(&to, &code).await?;
    Ok(ContactChangeStarted {
        sent_to_masked: to.masked(),
        expires_at: at + CODE_SECS,
    })
}

/// Step 2: the code applies the change; the address registered before it is told.
///
/// # Errors
/// [`Error::ContactChangeCodeWrong`] with the attempts left; [`Error::ContactChangeExpired`]
/// for a change unknown, expired, used or out of attempts; busy and database errors.
pub async fn finish(state: &AppState, nik: &Nik, req: &ContactChangeFinish) -> Result<ContactView> {
    let permit = crate::cpu::permit(&state.cpu).await?;
    let at = state.now();
    let row = sqlx::query(
        "SELECT code_hash, attempts FROM contact_changes WHERE nik = $1 AND expires_at > $2",
    )
    .bind(nik.as_str())
    .bind(at)
    .fetch_optional(&state.db.pool)
    .await?
    .ok_or(Error::ContactChangeExpired)?;
    let (hash, attempts): (String, i64) = (row.get(0), row.get(1));
    // Counted first, in one conditional update, so parallel guesses cannot exceed the limit.
    let counted = sqlx::query(
        "UPDATE contact_changes SET attempts = attempts + 1
         WHERE nik = $1 AND code_hash = $2 AND attempts < $3 AND expires_at > $4",
    )
    .bind(nik.as_str())
    .bind(&hash)
    .bind(MAX_CODE_ATTEMPTS)
    .bind(at)
    .execute(&state.db.pool)
    .await?;
    if counted.rows_affected() != 1 {
        return Err(Error::ContactChangeExpired);
    }
    let (code, checked) = (req.code.clone(), hash.clone());
    let ok = crate::cpu::run_with(permit, move || {
        verify_secret(code.expose().as_bytes(), &checked)
    })
    .await?;
    if !ok {
        let left = (MAX_CODE_ATTEMPTS - attempts - 1).max(0) as u32;
        return Err(if left == 0 {
            Error::ContactChangeExpired
        } else {
            Error::ContactChangeCodeWrong {
                attempts_left: left,
            }
        });
    }
    // The address told afterwards: read before the change (the claim below makes a second
    // finish fail, so no other change comes between).
    let old_email: String = sqlx::query("SELECT email FROM accounts WHERE nik = $1")
        .bind(nik.as_str())
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(Error::NotActivated)?
        .get(0);
    let mut tx = state.db.pool.begin().await?;
    // The account's row first, as a closure writes it, so the two never wait on each other
    // in opposite orders (and on SQLite the first statement is a write).
    let applied = sqlx::query(
        "UPDATE accounts SET
             email = (SELECT new_email FROM contact_changes WHERE nik = $1 AND code_hash = $2),
             phone = (SELECT new_phone FROM contact_changes WHERE nik = $1 AND code_hash = $2)
         WHERE nik = $1
             AND EXISTS (SELECT 1 FROM contact_changes WHERE nik = $1 AND code_hash = $2)",
    )
    .bind(nik.as_str())
    .bind(&hash)
    .execute(&mut *tx)
    .await?;
    if applied.rows_affected() != 1 {
        return Err(Error::ContactChangeExpired);
    }
    // Claimed once: of two finishes with the right code, one commits.
    let claimed = sqlx::query(
        "DELETE FROM contact_changes WHERE nik = $1 AND code_hash = $2 RETURNING new_email, new_phone",
    )
    .bind(nik.as_str())
    .bind(&hash)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(Error::ContactChangeExpired)?;
    let (new_email, new_phone): (String, String) = (claimed.get(0), claimed.get(1));
    activity(&mut *tx, nik.as_str(), "contact_changed", None).await?;
    // The audit log keeps that it happened, by the citizen, not the values.
    audit(&mut tx, "warga", "contact_changed", nik.as_str()).await?;
    tx.commit().await?;
    tracing::info!("registered contact changed");
    if let Ok(old) = Email::parse(&old_email) {
        state
            .mailer
            .notify(old, Notice::ContactChanged, at, nik.time_zone());
    }
    if new_email != old_email {
        // The new address hears it too: it is where the next notices go.
        notify_owner(state, nik.as_str(), Notice::ContactChanged).await;
    }
    Ok(masked(&new_email, &new_phone))
}
