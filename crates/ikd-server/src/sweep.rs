//! Deletes what has outlived its use, so tables stay the size of the live population and
//! abandoned registrations do not keep a selfie, email and phone forever. Runs every few
//! minutes in each instance (the deletes are idempotent, so instances need not agree on
//! who sweeps), instead of on the request paths.

use std::time::Duration;

use crate::db::Db;
use crate::error::{Result, now};

/// How often each instance sweeps.
pub const INTERVAL: Duration = Duration::from_secs(300);
/// Credentials are kept this long past expiry (clock skew of offline verifiers).
const CREDENTIAL_GRACE: i64 = 3600;
/// Rate-limit windows are at most this long (the daily Lupa PIN limits).
const LONGEST_WINDOW: i64 = 86_400;
/// An expired, never-activated registration is kept this long for the citizen's questions
/// at the counter, then deleted with its selfie and contact details.
pub const REGISTRATION_GRACE: i64 = 7 * 24 * 3600;

/// Rows deleted by one sweep, by table.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Swept {
    pub captchas: u64,
    pub challenges: u64,
    pub tokens: u64,
    pub nonces: u64,
    pub credentials: u64,
    pub rate_limits: u64,
    pub pin_resets: u64,
    pub contact_changes: u64,
    pub contact_restores: u64,
    pub registrations: u64,
}

/// One sweep as of `at` (unix seconds).
pub async fn sweep(db: &Db, at: i64) -> Result<Swept> {
    let delete = |sql: &'static str, before: i64| async move {
        Ok::<u64, crate::error::Error>(
            sqlx::query(sql)
                .bind(before)
                .execute(&db.pool)
                .await?
                .rows_affected(),
        )
    };
    let mut swept = Swept {
        captchas: delete("DELETE FROM captchas WHERE expires_at < $1", at).await?,
        challenges: delete("DELETE FROM challenges WHERE expires_at < $1", at).await?,
        tokens: delete("DELETE FROM tokens WHERE expires_at < $1", at).await?,
        nonces: delete("DELETE FROM nonces WHERE forget_after < $1", at).await?,
        credentials: delete(
            "DELETE FROM credentials WHERE expires_at < $1",
            at - CREDENTIAL_GRACE,
        )
        .await?,
        rate_limits: delete(
            "DELETE FROM rate_limits WHERE window_start < $1",
            at - LONGEST_WINDOW,
        )
        .await?,
        pin_resets: delete("DELETE FROM pin_resets WHERE expires_at < $1", at).await?,
        contact_changes: delete("DELETE FROM contact_changes WHERE expires_at < $1", at).await?,
        contact_restores: delete("DELETE FROM contact_restores WHERE expires_at < $1", at).await?,
        registrations: 0,
    };
    // The code row references the registration: both go in one transaction.
    const STALE: &str = "state <> 'activated' AND expires_at < $1";
    let mut tx = db.pool.begin().await?;
    sqlx::query(&format!(
        "DELETE FROM activation_codes WHERE registration_id IN (SELECT id FROM registrations WHERE {STALE})"
    ))
    .bind(at - REGISTRATION_GRACE)
    .execute(&mut *tx)
    .await?;
    swept.registrations = sqlx::query(&format!("DELETE FROM registrations WHERE {STALE}"))
        .bind(at - REGISTRATION_GRACE)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    Ok(swept)
}

/// Sweeps every [`INTERVAL`] until the task is dropped; a failed sweep is logged and
/// retried at the next tick.
pub async fn run(db: Db) {
    let mut tick = tokio::time::interval(INTERVAL);
    loop {
        tick.tick().await;
        match sweep(&db, now()).await {
            Ok(s) => tracing::debug!(?s, "swept"),
            Err(e) => tracing::warn!(error = %e, "sweep failed"),
        }
    }
}
