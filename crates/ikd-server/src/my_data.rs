//! Data saya (UU PDP No. 27/2022, issue 17, item 5): the rules for a resident's own data.
//! The routes are thin adapters over these functions.
//!
//! - [`export`]: everything the service holds about the signed-in resident, as JSON, and
//!   the same bytes signed by the issuer (COSE_Sign1, `ikd_core::wire::sign_export`).
//! - [`close`]: Tutup akun IKD, with the PIN and a confirmation.
//!   - It deletes the account, its devices, sessions and credentials, any selfie still
//!     held, the registrations (with the consents and contact data they carry), open Lupa
//!     PIN and contact changes, and Riwayat.
//!   - It also deletes the resident's own audit entries (which name the NIK) and the
//!     rate-limit counters keyed by it.
//!   - It keeps the registry (the state's record of the resident) and the officers' audit
//!     log (who did what, their accountability). The log gains one entry saying that an
//!     account was closed, without the NIK.
//!   - Credentials already on the phone cannot be called back: their QRs are refused
//!     online at once (the credential rows are gone) and expire within a day offline.

use base64::Engine as _;
use ikd_core::Nik;
use ikd_core::api::{CloseAccount, DataExport, MyAccount, MyAuditEntry, MyData, MyRegistration};
use sqlx::Row;

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::mail::Notice;
use crate::routes::audit;
use crate::security::verify_secret;

/// Riwayat entries in an export at most (newest first).
pub const MAX_ACTIVITY: i64 = 5_000;

/// Everything about `nik`, and its signature.
///
/// # Errors
/// [`Error::NotActivated`] without an account; signing and database errors.
pub async fn export(state: &AppState, nik: &Nik) -> Result<DataExport> {
    let resident = crate::registry::find(&state.db, nik)
        .await?
        .ok_or(Error::NotFound)?;
    let kk = crate::registry::family(&state.db, nik).await.ok();
    let photo = state.registry_photo(nik).await?.into_bytes().is_some();
    let a = sqlx::query(
        "SELECT email, phone, activated_at, device_key, pin_hash, locked_until, locked_hard
         FROM accounts WHERE nik = $1",
    )
    .bind(nik.as_str())
    .fetch_optional(&state.db.pool)
    .await?
    .ok_or(Error::NotActivated)?;
    let credentials =
        sqlx::query("SELECT COUNT(*), MAX(issued_at) FROM credentials WHERE nik = $1")
            .bind(nik.as_str())
            .fetch_one(&state.db.pool)
            .await?;
    let account = MyAccount {
        email: a.get(0),
        phone: a.get(1),
        activated_at: a.get(2),
        device_key_sha256: a
            .get::<Option<Vec<u8>>, _>(3)
            .map(|k| ikd_core::crypto::hex(&ikd_core::crypto::sha256(&k))),
        pin_set: a.get::<Option<String>, _>(4).is_some(),
        locked_until: a.get::<Option<i64>, _>(5).filter(|u| *u > state.now()),
        locked_hard: a.get::<i64, _>(6) != 0,
        credentials_issued: credentials.get(0),
        last_credential_at: credentials.get(1),
    };
    let registrations = sqlx::query(
        "SELECT id, state, email, phone, consent_version, created_at, device_change, decided_by,
             decided_at, reason FROM registrations WHERE nik = $1 ORDER BY created_at, id",
    )
    .bind(nik.as_str())
    .fetch_all(&state.db.pool)
    .await?
    .into_iter()
    .map(|r| MyRegistration {
        registration_id: r.get(0),
        state: crate::routes::parse_registration_state(&r.get::<String, _>(1)),
        email: r.get(2),
        phone: r.get(3),
        consent_version: r.get(4),
        created_at: r.get(5),
        device_change: r.get::<i64, _>(6) != 0,
        decided_by: r.get(7),
        decided_at: r.get(8),
        reason: r.get(9),
    })
    .collect();
    let audit_entries = sqlx::query(
        "SELECT at, officer, action FROM audit_log WHERE subject = $1
             OR subject IN (SELECT id FROM registrations WHERE nik = $1)
         ORDER BY at, id",
    )
    .bind(nik.as_str())
    .fetch_all(&state.db.pool)
    .await?
    .into_iter()
    .map(|r| MyAuditEntry {
        at: r.get(0),
        actor: r.get(1),
        action: r.get(2),
    })
    .collect();
    let activity_total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM access_log WHERE nik = $1")
        .bind(nik.as_str())
        .fetch_one(&state.db.pool)
        .await?;
    let data = MyData {
        generated_at: state.now(),
        ktp: resident.ktp,
        kk,
        documents: resident.documents,
        registry_photo_on_record: photo,
        account,
        registrations,
        activity: crate::routes::activity_entries(state, nik, MAX_ACTIVITY).await?,
        activity_total,
        audit: audit_entries,
    };
    let json = serde_json::to_vec(&data).map_err(Error::internal)?;
    let signed = ikd_core::wire::sign_export(&state.issuer, &json).map_err(Error::internal)?;
    // In Riwayat only while the account stands: an export racing a closure leaves nothing.
    sqlx::query(
        "INSERT INTO access_log (nik, at, kind, actor)
         SELECT $1, $2, 'data_exported', NULL WHERE EXISTS (SELECT 1 FROM accounts WHERE nik = $1)",
    )
    .bind(nik.as_str())
    .bind(crate::error::now())
    .execute(&state.db.pool)
    .await?;
    Ok(DataExport {
        data,
        cose_sign1: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(signed),
    })
}

/// Tutup akun IKD: checks the PIN (counted toward the lockout), then deletes everything of
/// the account in one transaction; the registered address is told.
///
/// # Errors
/// [`Error::CloseNotConfirmed`]; the PIN's errors as at login; busy and database errors.
pub async fn close(state: &AppState, nik: &Nik, req: &CloseAccount) -> Result<()> {
    if !req.confirm {
        return Err(Error::CloseNotConfirmed);
    }
    // An account gone meanwhile was closed by another request of this session: its
    // session has ended with it.
    close_account(state, nik, req).await.map_err(|e| match e {
        Error::NotActivated => Error::Unauthorized,
        e => e,
    })
}

async fn close_account(state: &AppState, nik: &Nik, req: &CloseAccount) -> Result<()> {
    let permit = crate::cpu::permit(&state.cpu).await?;
    let row = sqlx::query("SELECT pin_hash FROM accounts WHERE nik = $1")
        .bind(nik.as_str())
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(Error::NotActivated)?;
    let hash: String = row.get::<Option<String>, _>(0).ok_or(Error::NotActivated)?;
    let reserved = crate::routes::reserve_pin_attempt(state, nik, state.now()).await?;
    let (pin, checked) = (req.pin.clone(), hash.clone());
    let ok = crate::cpu::run_with(permit, move || verify_secret(pin.expose(), &checked)).await?;
    if !ok {
        return Err(crate::routes::wrong_pin(state, nik.as_str(), &reserved).await?);
    }
    let n = nik.as_str();
    let mut tx = state.db.pool.begin().await?;
    // Only over the PIN that was checked, and only once: of two closures, one deletes.
    let Some(email) = sqlx::query_scalar::<_, String>(
        "DELETE FROM accounts WHERE nik = $1 AND pin_hash = $2 RETURNING email",
    )
    .bind(n)
    .bind(&hash)
    .fetch_optional(&mut *tx)
    .await?
    else {
        let gone = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM accounts WHERE nik = $1")
            .bind(n)
            .fetch_one(&mut *tx)
            .await?
            == 0;
        if gone {
            return Err(Error::NotActivated);
        }
        // The PIN changed since it was checked.
        return Err(Error::PinWrong {
            attempts_left: reserved.attempts_left(),
            locked_until: None,
        });
    };
    reserved.right(&mut tx).await?;
    // An address a contact change moved away from within the restore window is told too: a
    // change then a closure by whoever holds the phone must not reach only their address.
    let restorer: Option<String> = sqlx::query_scalar(
        "SELECT old_email FROM contact_restores WHERE nik = $1 AND expires_at > $2",
    )
    .bind(n)
    .bind(state.now())
    .fetch_optional(&mut *tx)
    .await?;
    for statement in [
        "DELETE FROM tokens WHERE subject = $1",
        "DELETE FROM tokens WHERE kind = 'device_change_cancel'
             AND subject IN (SELECT id FROM registrations WHERE nik = $1)",
        "DELETE FROM activation_codes
             WHERE registration_id IN (SELECT id FROM registrations WHERE nik = $1)",
        "DELETE FROM registrations WHERE nik = $1",
        "DELETE FROM pin_resets WHERE nik = $1",
        "DELETE FROM contact_changes WHERE nik = $1",
        "DELETE FROM contact_restores WHERE nik = $1",
        "DELETE FROM credentials WHERE nik = $1",
        "DELETE FROM access_log WHERE nik = $1",
        // The resident's own entries name the NIK; officers' entries stay (accountability).
        "DELETE FROM audit_log WHERE officer = 'warga' AND subject = $1",
    ] {
        sqlx::query(statement).bind(n).execute(&mut *tx).await?;
    }
    // Rate-limit counters keyed by the NIK (`name:NIK`; they would expire within two days).
    sqlx::query("DELETE FROM rate_limits WHERE key LIKE $1")
        .bind(format!("%:{n}"))
        .execute(&mut *tx)
        .await?;
    // That a closure happened, without the NIK or anything else personal.
    audit(&mut tx, "warga", "account_closed", "-").await?;
    // The notices in the same transaction: a closure never goes unreported.
    let at = state.now();
    for to in std::iter::once(email.as_str()).chain(restorer.as_deref().filter(|r| *r != email)) {
        if let Ok(to) = ikd_core::Email::parse(to) {
            crate::notices::queue(&mut tx, &to, &Notice::AccountClosed, at, nik.time_zone())
                .await?;
        }
    }
    tx.commit().await?;
    state.notices.kick();
    tracing::info!("IKD account closed");
    Ok(())
}
