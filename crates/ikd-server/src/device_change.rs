//! Ganti perangkat (issue 17, item 2): the rules for moving an active account to a new
//! phone. The routes are thin adapters over these functions.
//!
//! 1. The new phone registers as for a first activation. Because the NIK is active on
//!    another phone, the registration is marked a device change (`registrations.device_change`).
//! 2. An officer decides in one of two ways:
//!    - at the counter, by scanning the QR: the move completes when the new phone activates;
//!    - remotely, from the [`queue`], comparing the selfie with the registry photo: the code
//!      then activates only from `switch_at`, [`WAIT_SECS`] later. The registered address
//!      gets a notice with a cancel link, sent before the approval commits, so the wait never
//!      runs without its link.
//! 3. Until the new phone activates, the old phone ([`cancel_by_owner`]) or the link
//!    ([`cancel_by_link`]) can cancel. Activation and cancel each change the registration's
//!    state only from 'approved', in one statement, so exactly one of them wins.
//!
//! After the move, the old device key is refused everywhere: login and Lupa PIN check the
//! account's key, and credentials bound to the old key fail online verification
//! (`QR_DEVICE_RELEASED`).

use ikd_core::Nik;
use ikd_core::api::{DeviceChangePending, DeviceChangeStatus, RemoteReviewItem, RemoteReviews};
use sqlx::Row;

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::mail::Notice;
use crate::routes::activity;
use crate::security::{new_token, token_hash};

/// The wait after a remote approval (seconds).
pub const WAIT_SECS: i64 = ikd_core::api::DEVICE_CHANGE_WAIT_SECS;
/// The queue shows at most this many, oldest first.
pub const QUEUE_LIMIT: i64 = 50;
/// A cancel token is 43 base64url characters; anything much longer is refused unread.
const MAX_TOKEN: usize = 64;
/// A device change that can still be cancelled: not yet approved, or approved with its wait
/// still running (`$2` is now). A move approved at the counter, or whose wait is over, is
/// the owner's to finish, so the old phone cannot block it.
const CANCELLABLE: &str = "device_change = 1 AND (state IN ('awaiting_selfie', 'awaiting_officer')
     OR (state = 'approved' AND switch_at > $2))";

/// Device changes with a selfie, waiting for an officer, oldest first, with the resident's
/// name from the registry.
///
/// # Errors
/// Database errors.
pub async fn queue(state: &AppState) -> Result<RemoteReviews> {
    let rows = sqlx::query(
        "SELECT id, nik, created_at FROM registrations
         WHERE state = 'awaiting_officer' AND device_change = 1 AND expires_at > $1
         ORDER BY created_at, id LIMIT $2",
    )
    .bind(state.now())
    .bind(QUEUE_LIMIT)
    .fetch_all(&state.db.pool)
    .await?;
    let total: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM registrations
         WHERE state = 'awaiting_officer' AND device_change = 1 AND expires_at > $1",
    )
    .bind(state.now())
    .fetch_one(&state.db.pool)
    .await?;
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        let nik = Nik::parse(&r.get::<String, _>(1)).map_err(Error::internal)?;
        let nama = crate::registry::find(&state.db, &nik)
            .await?
            .map(|r| r.ktp.nama.clone())
            .unwrap_or_default();
        items.push(RemoteReviewItem {
            registration_id: r.get(0),
            nama,
            created_at: r.get(2),
        });
    }
    Ok(RemoteReviews { items, total })
}

/// A device change under way for `nik`, as the phone holding the account sees it, while it
/// can still cancel it: one with a selfie waiting for an officer, or approved remotely and
/// still in its wait.
///
/// # Errors
/// Database errors.
pub async fn status(state: &AppState, nik: &Nik) -> Result<DeviceChangeStatus> {
    let row = sqlx::query(&format!(
        "SELECT created_at, state, switch_at FROM registrations
         WHERE nik = $1 AND state <> 'awaiting_selfie' AND {CANCELLABLE} AND expires_at > $2
         ORDER BY created_at DESC LIMIT 1"
    ))
    .bind(nik.as_str())
    .bind(state.now())
    .fetch_optional(&state.db.pool)
    .await?;
    Ok(DeviceChangeStatus {
        pending: row.map(|r| DeviceChangePending {
            requested_at: r.get(0),
            completes_at: (r.get::<String, _>(1) == "approved")
                .then(|| r.get::<Option<i64>, _>(2))
                .flatten(),
        }),
    })
}

/// Stores the cancel token of the device change `registration` (its subject, so the link
/// cancels that one and no later one), valid until `until`, inside the approval's
/// transaction; returns the link for the email.
///
/// # Errors
/// Database errors, or no randomness.
pub async fn issue_cancel_link(
    state: &AppState,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    registration: &str,
    until: i64,
) -> Result<String> {
    let (token, hash) = new_token()?;
    sqlx::query(
        "INSERT INTO tokens (token_hash, kind, subject, expires_at) VALUES ($1, 'device_change_cancel', $2, $3)",
    )
    .bind(hash)
    .bind(registration)
    .bind(until)
    .execute(&mut **tx)
    .await?;
    Ok(format!(
        "{}/perangkat/batal/{token}",
        state.config.public_url()
    ))
}

/// Cancels `nik`'s device change from the phone that holds the account (signed in).
///
/// # Errors
/// [`Error::DeviceChangeNotFound`] when none can be cancelled; database errors.
pub async fn cancel_by_owner(state: &AppState, nik: &Nik) -> Result<()> {
    cancel(state, Which::OfNik(nik.as_str()), "phone").await
}

/// Cancels the device change named by the token in the email's link.
///
/// # Errors
/// [`Error::DeviceChangeNotFound`] when the link names none that can be cancelled;
/// database errors.
pub async fn cancel_by_link(state: &AppState, token: &str) -> Result<()> {
    if token.len() > MAX_TOKEN {
        return Err(Error::DeviceChangeNotFound);
    }
    let registration: String = sqlx::query(
        "SELECT subject FROM tokens WHERE token_hash = $1 AND kind = 'device_change_cancel' AND expires_at > $2",
    )
    .bind(token_hash(token))
    .bind(state.now())
    .fetch_optional(&state.db.pool)
    .await?
    .ok_or(Error::DeviceChangeNotFound)?
    .get(0);
    cancel(state, Which::Registration(&registration), "email").await
}

/// Which device changes a cancel ends.
enum Which<'a> {
    /// Every one of the NIK's that can still be cancelled.
    OfNik(&'a str),
    /// The one a link names.
    Registration(&'a str),
}

/// The cancel itself: the registration leaves the states an activation needs in one
/// conditional statement (the activation's own update wants 'approved', so one wins), its
/// link dies, and Riwayat and the registered address are told.
async fn cancel(state: &AppState, which: Which<'_>, channel: &str) -> Result<()> {
    let (column, value) = match which {
        Which::OfNik(nik) => ("nik", nik),
        Which::Registration(id) => ("id", id),
    };
    let mut tx = state.db.pool.begin().await?;
    let cancelled = sqlx::query(&format!(
        "UPDATE registrations SET state = 'cancelled', selfie = NULL
         WHERE {column} = $1 AND {CANCELLABLE} RETURNING id, nik"
    ))
    .bind(value)
    .bind(state.now())
    .fetch_all(&mut *tx)
    .await?;
    let Some(first) = cancelled.first() else {
        return Err(Error::DeviceChangeNotFound);
    };
    let nik: String = first.get(1);
    for row in &cancelled {
        sqlx::query("DELETE FROM tokens WHERE subject = $1 AND kind = 'device_change_cancel'")
            .bind(row.get::<String, _>(0))
            .execute(&mut *tx)
            .await?;
    }
    // No actor: Riwayat names an actor only for an officer.
    activity(&mut *tx, &nik, "device_change_cancelled", None).await?;
    crate::notices::queue_owner(&mut tx, &nik, &Notice::DeviceChangeCancelled, state.now()).await?;
    tx.commit().await?;
    state.notices.kick();
    tracing::info!(channel, "device change cancelled");
    Ok(())
}

/// Ends the device changes of `nik` in an officer's release of its device, inside that
/// transaction: the officer has the owner at the counter, who registers there if a new phone
/// is wanted. A change nobody could then be told about must not run on.
pub async fn end_on_release(tx: &mut sqlx::Transaction<'_, sqlx::Any>, nik: &str) -> Result<()> {
    sqlx::query(
        "DELETE FROM tokens WHERE kind = 'device_change_cancel' AND subject IN
             (SELECT id FROM registrations WHERE nik = $1 AND device_change = 1)",
    )
    .bind(nik)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE registrations SET state = 'cancelled', selfie = NULL
         WHERE nik = $1 AND device_change = 1
             AND state IN ('awaiting_selfie', 'awaiting_officer', 'approved')",
    )
    .bind(nik)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
