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
//!    unnoticed, with a link that undoes it for [`RESTORE_SECS`].
//! 3. [`restore`], from that link: the email and phone return to what they were, every
//!    session ends and an open change or Lupa PIN is dropped. Someone who held the phone
//!    and the PIN could otherwise move the account's email, where Lupa PIN codes and every
//!    notice go, beyond the owner's reach; after a restore, changes from the app wait
//!    [`RESTORE_SECS`] (the counter can still change them).
//!    - A second change within those days keeps the first one's old values and mails a new
//!      link (the earlier one dies) to that first address, which hears of every change in
//!      the chain and can undo it to its own values.
//!    - A link goes only to an address that came from the registration an officer approved,
//!      or was held [`TRUSTED_AFTER_SECS`]: an address a change set (perhaps an attacker's)
//!      gets no way to undo the owner's recovery.

use ikd_core::api::{
    CONTACT_CHANGE_SIGNING_CONTEXT, ContactChangeFinish, ContactChangeStart, ContactChangeStarted,
    ContactView,
};
use ikd_core::{ActivationCode, Email, Nik, PhoneNumber};
use sqlx::Row;

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::mail::Notice;
use crate::routes::{activity, audit, check_device_signature, take_challenge};
use crate::security::{hash_secret, verify_secret};

/// How long the emailed code is valid (seconds).
pub const CODE_SECS: i64 = 15 * 60;
/// Wrong codes before the change must start again.
pub const MAX_CODE_ATTEMPTS: i64 = 5;
/// How long the address a change moved away from can undo it (seconds): 7 days.
pub const RESTORE_SECS: i64 = 7 * 86_400;
/// How long an address a change set must be held before a link undoing a later change goes
/// to it (seconds): 30 days.
pub const TRUSTED_AFTER_SECS: i64 = 30 * 86_400;
/// The longest restore token read (a real one is 43 characters).
const MAX_TOKEN: usize = 64;

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
    // Restored from a link lately: whoever changed it may still hold the phone and PIN.
    let restored_at: Option<i64> = sqlx::query_scalar(
        "SELECT MAX(at) FROM audit_log WHERE action = 'contact_restored' AND subject = $1",
    )
    .bind(nik.as_str())
    .fetch_one(&state.db.pool)
    .await?;
    if let Some(restored_at) = restored_at.filter(|r| at - r < RESTORE_SECS) {
        return Err(Error::ContactChangeAfterRestore {
            until: restored_at + RESTORE_SECS,
            zone: nik.time_zone(),
        });
    }
    // Counted after the signature, so nobody but the phone can spend the NIK's budget.
    crate::limits::hit(state, crate::limits::CONTACT_CHANGE_PER_NIK, nik.as_str()).await?;
    let reserved = crate::routes::reserve_pin_attempt(state, nik, at).await?;
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
        return Err(crate::routes::wrong_pin(state, nik.as_str(), &reserved).await?);
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
            attempts_left: reserved.attempts_left(),
            locked_until: None,
        });
    }
    reserved.right(&mut tx).await?;
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
    // The values replaced, which the address told afterwards can restore: read before the
    // change (the claim below makes a second finish fail, so no other change comes between).
    let old = sqlx::query("SELECT email, phone, contact_set_at FROM accounts WHERE nik = $1")
        .bind(nik.as_str())
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(Error::NotActivated)?;
    let (old_email, old_phone): (String, String) = (old.get(0), old.get(1));
    let old_set_at: Option<i64> = old.get(2);
    let mut tx = state.db.pool.begin().await?;
    // The account's row first, as a closure writes it, so the two never wait on each other
    // in opposite orders (and on SQLite the first statement is a write).
    let applied = sqlx::query(
        "UPDATE accounts SET
             email = (SELECT new_email FROM contact_changes WHERE nik = $1 AND code_hash = $2),
             phone = (SELECT new_phone FROM contact_changes WHERE nik = $1 AND code_hash = $2),
             contact_set_at = $3
         WHERE nik = $1
             AND EXISTS (SELECT 1 FROM contact_changes WHERE nik = $1 AND code_hash = $2)",
    )
    .bind(nik.as_str())
    .bind(&hash)
    .bind(at)
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
    // The way back. An open one from an earlier change keeps its old values (the first
    // address) and takes a new token: its link now undoes this change too, and goes there
    // again, in case the first mail was lost. Otherwise a new one, for an address the
    // owner's own (from the approved registration, or held long enough).
    sqlx::query("DELETE FROM contact_restores WHERE nik = $1 AND expires_at <= $2")
        .bind(nik.as_str())
        .bind(at)
        .execute(&mut *tx)
        .await?;
    let (token, token_hash) = crate::security::new_token()?;
    let trusted = old_set_at.is_none_or(|set| at - set >= TRUSTED_AFTER_SECS);
    let link_to: Option<(String, i64)> = if trusted {
        sqlx::query(
            "INSERT INTO contact_restores (nik, token_hash, old_email, old_phone, old_set_at,
                 new_email, new_phone, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (nik) DO UPDATE SET token_hash = excluded.token_hash,
                 new_email = excluded.new_email, new_phone = excluded.new_phone
             RETURNING old_email, expires_at",
        )
        .bind(nik.as_str())
        .bind(&token_hash)
        .bind(&old_email)
        .bind(&old_phone)
        .bind(old_set_at)
        .bind(&new_email)
        .bind(&new_phone)
        .bind(at + RESTORE_SECS)
        .fetch_optional(&mut *tx)
        .await?
    } else {
        sqlx::query(
            "UPDATE contact_restores SET token_hash = $2, new_email = $3, new_phone = $4
             WHERE nik = $1 RETURNING old_email, expires_at",
        )
        .bind(nik.as_str())
        .bind(&token_hash)
        .bind(&new_email)
        .bind(&new_phone)
        .fetch_optional(&mut *tx)
        .await?
    }
    .map(|r| (r.get(0), r.get(1)));
    let link = format!("{}/kontak/kembalikan/{token}", state.config.public_url());
    activity(&mut *tx, nik.as_str(), "contact_changed", None).await?;
    // The audit log keeps that it happened, by the citizen, not the values.
    audit(&mut tx, "warga", "contact_changed", nik.as_str()).await?;
    // The notices go in the same transaction: a process killed after the commit still
    // sends the owner the link that undoes the change. The address moved from is told; the
    // one that can undo the chain gets the link.
    let zone = nik.time_zone();
    let restore_link = |to: &str| {
        link_to
            .as_ref()
            .filter(|(first, _)| first == to)
            .map(|(_, until)| (link.clone(), *until))
    };
    if let Ok(old) = Email::parse(&old_email) {
        let restore_link = restore_link(&old_email);
        let notice = Notice::ContactChanged { restore_link };
        crate::notices::queue(&mut tx, &old, &notice, at, zone).await?;
    }
    // The first address of a chain, when this change moved from another one.
    let first = link_to
        .as_ref()
        .map(|(first, _)| first.as_str())
        .filter(|first| *first != old_email && *first != new_email);
    if let Some((first, to)) = first.and_then(|f| Some((f, Email::parse(f).ok()?))) {
        let restore_link = restore_link(first);
        let notice = Notice::ContactChanged { restore_link };
        crate::notices::queue(&mut tx, &to, &notice, at, zone).await?;
    }
    if new_email != old_email {
        // The new address hears it too: it is where the next notices go.
        let notice = Notice::ContactChanged { restore_link: None };
        crate::notices::queue_owner(&mut tx, nik.as_str(), &notice, at).await?;
    }
    tx.commit().await?;
    state.notices.kick();
    tracing::info!("registered contact changed");
    Ok(masked(&new_email, &new_phone))
}

/// Undoes a contact change from the link mailed to the address it moved away from: the
/// email and phone it replaced return, every session ends (whoever changed it may hold one),
/// and an open change or Lupa PIN is dropped; changes from the app then wait
/// [`RESTORE_SECS`]. The link works once, for [`RESTORE_SECS`], and only while
/// the account still has the values it set.
///
/// # Errors
/// [`Error::ContactRestoreNotFound`] for an unknown, used or expired link, or an account
/// closed or changed otherwise since; database errors.
pub async fn restore(state: &AppState, token: &str) -> Result<()> {
    if token.len() > MAX_TOKEN {
        return Err(Error::ContactRestoreNotFound);
    }
    let hash = crate::security::token_hash(token);
    let at = state.now();
    let mut tx = state.db.pool.begin().await?;
    // The account's row first, as a change and a closure write it (one lock order). Only
    // while it holds what the change set: of two restores, or a restore and a newer change,
    // one wins.
    let restored = sqlx::query(
        "UPDATE accounts SET
             email = (SELECT old_email FROM contact_restores WHERE token_hash = $1),
             phone = (SELECT old_phone FROM contact_restores WHERE token_hash = $1),
             contact_set_at = (SELECT old_set_at FROM contact_restores WHERE token_hash = $1)
         WHERE nik = (SELECT nik FROM contact_restores WHERE token_hash = $1 AND expires_at > $2)
             AND email = (SELECT new_email FROM contact_restores WHERE token_hash = $1)
             AND phone = (SELECT new_phone FROM contact_restores WHERE token_hash = $1)
         RETURNING nik",
    )
    .bind(&hash)
    .bind(at)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(Error::ContactRestoreNotFound)?;
    let nik: String = restored.get(0);
    let claimed = sqlx::query(
        "DELETE FROM contact_restores WHERE token_hash = $1 RETURNING old_email, new_email",
    )
    .bind(&hash)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(Error::ContactRestoreNotFound)?;
    let (old_email, new_email): (String, String) = (claimed.get(0), claimed.get(1));
    // What the address being undone could still use: sessions, an open change, a Lupa PIN
    // whose code went there, and its link to cancel a waiting reset.
    for statement in [
        "DELETE FROM contact_changes WHERE nik = $1",
        "DELETE FROM pin_resets WHERE nik = $1",
        "DELETE FROM tokens WHERE subject = $1 AND kind IN ('session', 'pin_reset_cancel')",
    ] {
        sqlx::query(statement).bind(&nik).execute(&mut *tx).await?;
    }
    activity(&mut *tx, &nik, "contact_restored", None).await?;
    audit(&mut tx, "warga", "contact_restored", &nik).await?;
    let zone = Nik::parse(&nik)
        .map(|n| n.time_zone())
        .unwrap_or(ikd_core::region::TimeZone::Wib);
    // The address restored, and the one undone when it differs.
    let undone = Some(new_email.as_str()).filter(|e| *e != old_email);
    for to in std::iter::once(old_email.as_str()).chain(undone) {
        if let Ok(to) = Email::parse(to) {
            crate::notices::queue(&mut tx, &to, &Notice::ContactRestored, at, zone).await?;
        }
    }
    tx.commit().await?;
    state.notices.kick();
    tracing::info!("registered contact restored from the link");
    Ok(())
}
