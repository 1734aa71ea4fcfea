//! Security notices (issue 17, item 4) as a transactional outbox: a change queues its notice
//! in its own transaction ([`queue`], [`queue_owner`]), and each instance's delivery task
//! ([`run`]) sends what is queued and deletes it. A notice is then sent if and only if its
//! change committed, also when the process is killed right after the commit: the next
//! start, or another instance, sends it. Sending in the background after the commit, as
//! before, lost the owner's only news of a change (and the link that undoes it) to a crash.
//!
//! Delivery is at least once: a process killed after the send and before the delete sends
//! it again once the claim lapses ([`CLAIM_SECS`]). A failed send is tried again with a
//! growing wait, up to [`MAX_ATTEMPTS`] times (over a day), then dropped with a warning.
//! The queue's bookkeeping runs on the system clock, not the test clock the flows read.

use std::sync::Arc;
use std::time::Duration;

use ikd_core::Email;
use ikd_core::region::TimeZone;
use sqlx::Row;

use crate::app::AppState;
use crate::error::{Error, Result, now};
use crate::mail::Notice;

/// How long an instance holds a notice it is sending (seconds); longer than the SMTP
/// timeout ([`crate::mail::SMTP_TIMEOUT`]), so a slow send is not sent twice.
pub const CLAIM_SECS: i64 = 30;
/// Sends of one notice before it is dropped.
pub const MAX_ATTEMPTS: i64 = 18;
/// How often the delivery task looks for notices queued by other instances or left by a
/// process that died; its own instance's commits wake it at once ([`Queue::kick`]).
const POLL: Duration = Duration::from_secs(2);

/// Wakes this instance's delivery task.
#[derive(Debug, Clone, Default)]
pub struct Queue {
    kicked: Arc<tokio::sync::Notify>,
}

impl Queue {
    /// Called after a commit that queued notices: they go out now, not at the next poll.
    pub fn kick(&self) {
        self.kicked.notify_one();
    }
}

/// Queues `notice` to `to` in the caller's transaction (rendered now: what happened at
/// `at`, in `zone`); returns its id.
///
/// # Errors
/// Database errors: the caller's transaction then rolls back with its change.
pub async fn queue(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    to: &Email,
    notice: &Notice,
    at: i64,
    zone: TimeZone,
) -> Result<i64> {
    let (subject, body) = notice.render(&to.masked(), at, zone);
    let id = sqlx::query(
        "INSERT INTO mail_queue (recipient, subject, body, kind, attempts, next_at, claimed_until)
         VALUES ($1, $2, $3, $4, 0, $5, 0) RETURNING id",
    )
    .bind(to.as_str())
    .bind(subject)
    .bind(body)
    .bind(notice.kind())
    .bind(now())
    .fetch_one(&mut **tx)
    .await?
    .get(0);
    Ok(id)
}

/// Queues `notice` to the registered email of `nik`'s account, as read in the same
/// transaction (so after the change's own writes); nothing when there is no account.
///
/// # Errors
/// Database errors; [`Error::Internal`] for a stored email or NIK that does not parse.
pub async fn queue_owner(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    nik: &str,
    notice: &Notice,
    at: i64,
) -> Result<Option<i64>> {
    let Some(email) = sqlx::query_scalar::<_, String>("SELECT email FROM accounts WHERE nik = $1")
        .bind(nik)
        .fetch_optional(&mut **tx)
        .await?
    else {
        return Ok(None);
    };
    let to = Email::parse(&email).map_err(|_| Error::internal("stored email does not parse"))?;
    let zone = ikd_core::Nik::parse(nik)
        .map_err(|_| Error::internal("stored NIK does not parse"))?
        .time_zone();
    queue(tx, &to, notice, at, zone).await.map(Some)
}

/// The delivery task of one instance: sends every notice due, then waits for a kick or
/// [`POLL`]. Runs until aborted.
pub async fn run(state: AppState) {
    loop {
        loop {
            match deliver_next(&state).await {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "mail queue not read");
                    break;
                }
            }
        }
        tokio::select! {
            () = state.notices.kicked.notified() => {}
            () = tokio::time::sleep(POLL) => {}
        }
    }
}

/// Claims one due notice and sends it; `false` when none is due.
async fn deliver_next(state: &AppState) -> Result<bool> {
    let at = now();
    // The inner pick may race another instance's; the outer condition, checked again on
    // the row it updates, lets one of them have it.
    let row = sqlx::query(
        "UPDATE mail_queue SET claimed_until = $1, attempts = attempts + 1
         WHERE id = (SELECT id FROM mail_queue WHERE next_at <= $2 AND claimed_until <= $2
                     ORDER BY id LIMIT 1)
             AND claimed_until <= $2
         RETURNING id, recipient, subject, body, kind, attempts",
    )
    .bind(at + CLAIM_SECS)
    .bind(at)
    .fetch_optional(&state.db.pool)
    .await?;
    match row {
        Some(row) => {
            send_claimed(state, &row).await;
            Ok(true)
        }
        // Another instance won the pick: there may be more.
        None => Ok(sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM mail_queue WHERE next_at <= $1 AND claimed_until <= $1",
        )
        .bind(at)
        .fetch_one(&state.db.pool)
        .await?
            > 0),
    }
}

/// Sends a claimed notice; deletes it when sent, or schedules the next try.
async fn send_claimed(state: &AppState, row: &sqlx::any::AnyRow) {
    let (id, to, subject, body, kind, attempts): (i64, String, String, String, String, i64) = (
        row.get(0),
        row.get(1),
        row.get(2),
        row.get(3),
        row.get(4),
        row.get(5),
    );
    let sent = match Email::parse(&to) {
        Ok(to) => state.mailer.deliver(&to, &subject, body).await,
        Err(_) => Err(Error::internal("queued recipient does not parse")),
    };
    let done = match sent {
        Ok(()) => delete(&state.db.pool, id).await,
        Err(e) if attempts >= MAX_ATTEMPTS => {
            tracing::warn!(error = %e, kind, attempts, "security notice dropped after its last try");
            delete(&state.db.pool, id).await
        }
        Err(e) => {
            tracing::warn!(error = %e, kind, attempts, "security notice not sent, tried again later");
            sqlx::query("UPDATE mail_queue SET claimed_until = 0, next_at = $1 WHERE id = $2")
                .bind(now() + backoff(attempts))
                .bind(id)
                .execute(&state.db.pool)
                .await
                .map(|_| ())
                .map_err(Error::from)
        }
    };
    // Not recorded: the claim lapses and it is sent again (at least once).
    if let Err(e) = done {
        tracing::warn!(error = %e, kind, "mail queue not updated after a send");
    }
}

/// Seconds before try `attempts + 1`: 15 s after the first, doubling, at most 4 h.
fn backoff(attempts: i64) -> i64 {
    (15_i64 << (attempts - 1).clamp(0, 20)).min(4 * 3600)
}

/// Holds the notice `id`, queued in the same transaction, for the caller to send with
/// [`deliver_now`]: the delivery task leaves it alone for [`CLAIM_SECS`], and then sends it
/// if the caller died before it could.
///
/// # Errors
/// Database errors.
pub async fn hold(tx: &mut sqlx::Transaction<'_, sqlx::Any>, id: i64) -> Result<()> {
    claim_until(&mut **tx, id, now() + CLAIM_SECS).await
}

/// Hands a held notice to the delivery task now (the caller decided it goes out).
///
/// # Errors
/// Database errors.
pub async fn release(tx: &mut sqlx::Transaction<'_, sqlx::Any>, id: i64) -> Result<()> {
    claim_until(&mut **tx, id, 0).await
}

async fn claim_until<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    id: i64,
    until: i64,
) -> Result<()> {
    sqlx::query("UPDATE mail_queue SET claimed_until = $1 WHERE id = $2")
        .bind(until)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

async fn delete<'e>(db: impl sqlx::Executor<'e, Database = sqlx::Any>, id: i64) -> Result<()> {
    sqlx::query("DELETE FROM mail_queue WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Sends the notice `id`, [`hold`] by the caller, now, before the caller answers (a Lupa
/// PIN that waits must not start unless its cancel link went out), and deletes it.
///
/// # Errors
/// The mail's error when the send failed, or [`Error::Internal`] when the notice is gone;
/// the notice stays held, so the caller can delete it with what it undoes (or the
/// delivery task tries again once the hold lapses, if the caller dies first).
pub async fn deliver_now(state: &AppState, id: i64) -> Result<()> {
    let row = sqlx::query("SELECT recipient, subject, body FROM mail_queue WHERE id = $1")
        .bind(id)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or_else(|| Error::internal("held notice gone"))?;
    let to = Email::parse(&row.get::<String, _>(0))
        .map_err(|_| Error::internal("queued recipient does not parse"))?;
    state
        .mailer
        .deliver(&to, &row.get::<String, _>(1), row.get(2))
        .await?;
    delete(&state.db.pool, id).await
}

/// Removes a queued notice in the transaction that undoes the change it reports.
///
/// # Errors
/// Database errors.
pub async fn drop_queued(tx: &mut sqlx::Transaction<'_, sqlx::Any>, id: i64) -> Result<()> {
    delete(&mut **tx, id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_notice_waits_longer_each_time_and_its_tries_span_over_a_day() {
        assert_eq!(backoff(1), 15);
        assert_eq!(backoff(2), 30);
        assert!(backoff(5) > backoff(4));
        assert_eq!(backoff(40), 4 * 3600);
        let span: i64 = (1..MAX_ATTEMPTS).map(backoff).sum();
        assert!((24 * 3600..48 * 3600).contains(&span), "{span}");
    }
}
