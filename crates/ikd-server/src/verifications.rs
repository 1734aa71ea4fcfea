//! Group commit of verifications. A valid online verification writes two rows: its nonce
//! (the replay cache shared by every instance) and the citizen's access-log entry. Both
//! must be durable before the verifier is told "valid", and the nonce must be new.
//!
//! Written one request at a time, these were two write transactions per verification. On
//! SQLite writers serialise on one lock (a waiting connection sleeps in the busy handler);
//! on PostgreSQL each commit waits for its WAL flush. One writer task per instance instead
//! takes every verification waiting at that moment (up to [`MAX_BATCH`]) and writes their
//! nonces and entries in **one transaction**: one multi-row `INSERT … ON CONFLICT DO
//! NOTHING RETURNING nonce` and one multi-row insert of the entries of the nonces that were
//! new. Each request is answered only after that commit.
//!
//! Correctness does not depend on the batching: a nonce is new only if the database
//! inserted it (the primary key decides, across instances), a nonce twice in one batch is
//! new at most once, and a failed batch writes nothing and answers every request in it
//! with the error (the verifier shows the QR again; its nonce was not spent).
//!
//! The batching is ours: sqlx has no group commit. What is written here is only the queue
//! and the one transaction.

use std::collections::HashSet;

use ikd_core::wire::{AsyncReplayCache, Nonce, Profile};
use sqlx::Row;
use tokio::sync::{mpsc, oneshot};

use crate::db::Db;

/// Most verifications in one transaction (4 bound values each in the larger insert:
/// 1 024, far below SQLite's 32 766 and PostgreSQL's 65 535).
pub const MAX_BATCH: usize = 256;
/// Verifications queued for the writer before a request waits for room.
const QUEUE: usize = 4 * MAX_BATCH;
/// Longest a batch may take to commit: one stuck transaction (a lost PostgreSQL
/// connection, a lock behind another instance) must not hold every verification of this
/// instance up to the 30 s request timeout. Rolled back, every request in it is told to
/// try again.
pub const COMMIT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The access-log entry of one valid verification (`access_log`, kind `verified`).
#[derive(Debug, Clone)]
pub struct Entry {
    pub nik: String,
    /// Unix seconds.
    pub at: i64,
    /// The officer who verified.
    pub actor: String,
    pub profile: Profile,
}

/// Why a verification could not be recorded; nothing of it was written.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RecordError {
    #[error("database: {0}")]
    Db(String),
    #[error("the verification writer has stopped")]
    Stopped,
    /// The batch did not commit within [`COMMIT_TIMEOUT`]; it was rolled back.
    #[error("the verification batch timed out")]
    TimedOut,
}

struct Job {
    nonce: Nonce,
    forget_after: i64,
    /// `None`: a QR refused after the offline checks (revoked), whose nonce is spent all
    /// the same, so it cannot be shown again once the refusal is lifted (a lock ends).
    entry: Option<Entry>,
    done: oneshot::Sender<Result<bool, RecordError>>,
}

/// The handle to this instance's writer task; cheap to clone. The task ends when every
/// handle is dropped.
#[derive(Debug, Clone)]
pub struct Recorder {
    queue: mpsc::Sender<Job>,
}

impl Recorder {
    /// Starts the writer task on the current tokio runtime.
    pub fn spawn(db: Db) -> Recorder {
        let (queue, jobs) = mpsc::channel(QUEUE);
        tokio::spawn(write_batches(db, jobs));
        Recorder { queue }
    }

    /// Records `nonce` until `forget_after` (unix seconds) and, if it was new, `entry`,
    /// both committed before this returns. `Ok(false)`: the nonce was recorded already
    /// (a replay) and nothing was written. `entry` `None` spends the nonce alone.
    pub async fn record(
        &self,
        nonce: &Nonce,
        forget_after: i64,
        entry: Option<Entry>,
    ) -> Result<bool, RecordError> {
        let (done, answer) = oneshot::channel();
        let job = Job {
            nonce: *nonce,
            forget_after,
            entry,
            done,
        };
        if self.queue.send(job).await.is_err() {
            tracing::error!("the verification writer has stopped: verifications are refused");
            return Err(RecordError::Stopped);
        }
        // A dropped answer: the batch's task panicked (logged by the writer).
        answer.await.map_err(|_| RecordError::Stopped)?
    }

    /// The replay cache of one verification whose access-log entry is `entry`.
    pub fn replay_cache(&self, entry: Entry) -> RecordOnce<'_> {
        RecordOnce {
            recorder: self,
            entry,
        }
    }
}

/// [`AsyncReplayCache`] over the [`Recorder`]: the nonce and the entry in one commit, so
/// ikd-core's typestate (`Fresh` → `VerifiedPresentation`) still decides validity.
#[derive(Debug)]
pub struct RecordOnce<'a> {
    recorder: &'a Recorder,
    entry: Entry,
}

impl AsyncReplayCache for RecordOnce<'_> {
    type Error = RecordError;
    async fn insert_if_new(
        &self,
        nonce: &Nonce,
        _now: i64,
        forget_after: i64,
    ) -> Result<bool, RecordError> {
        self.recorder
            .record(nonce, forget_after, Some(self.entry.clone()))
            .await
    }
}

async fn write_batches(db: Db, mut jobs: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while jobs.recv_many(&mut batch, MAX_BATCH).await > 0 {
        // A request already gone (timed out, client left) is not written: its officer was
        // never told "valid", so neither its nonce nor its log entry may be recorded.
        batch.retain(|j: &Job| !j.done.is_closed());
        if batch.is_empty() {
            continue;
        }
        // Each batch in its own task: a panic there drops its jobs' answers (each request
        // is refused with "try again") and the writer goes on with the next batch.
        let (db, jobs_now) = (db.clone(), std::mem::take(&mut batch));
        if let Err(e) = tokio::spawn(write_batch(db, jobs_now)).await {
            tracing::error!(error = %e, "verification batch task failed");
        }
    }
}

/// Commits `batch` within [`COMMIT_TIMEOUT`] and answers each of its requests.
async fn write_batch(db: Db, batch: Vec<Job>) {
    let answers = match tokio::time::timeout(COMMIT_TIMEOUT, commit(&db, &batch)).await {
        Ok(Ok(new)) => Ok(new),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, size = batch.len(), "verification batch not written");
            Err(RecordError::Db(e.to_string()))
        }
        // The dropped transaction rolls back.
        Err(_) => {
            tracing::warn!(size = batch.len(), "verification batch timed out");
            Err(RecordError::TimedOut)
        }
    };
    match answers {
        Ok(new) => {
            for (job, new) in batch.into_iter().zip(new) {
                let _ = job.done.send(Ok(new));
            }
        }
        Err(e) => {
            for job in batch {
                let _ = job.done.send(Err(e.clone()));
            }
        }
    }
}

/// One transaction for `batch`; answers, per job, whether its nonce was new.
async fn commit(db: &Db, batch: &[Job]) -> Result<Vec<bool>, sqlx::Error> {
    // The first job of each nonce competes for it; a later one in the same batch is a replay.
    let mut seen = HashSet::with_capacity(batch.len());
    let first: Vec<bool> = batch.iter().map(|j| seen.insert(j.nonce)).collect();
    let mut contenders: Vec<&Job> = batch
        .iter()
        .zip(&first)
        .filter_map(|(j, f)| f.then_some(j))
        .collect();
    // One order for every instance's inserts, so two PostgreSQL transactions that share
    // nonces wait for each other instead of deadlocking.
    contenders.sort_unstable_by_key(|j| j.nonce);

    let mut tx = db.pool.begin().await?;
    let sql = format!(
        "INSERT INTO nonces (nonce, forget_after) VALUES {} ON CONFLICT (nonce) DO NOTHING RETURNING nonce",
        placeholders(contenders.len(), 2, "")
    );
    // Not prepared for reuse: each batch size is its own text, which would churn every
    // connection's statement cache.
    let mut insert = sqlx::query(&sql).persistent(false);
    for j in &contenders {
        insert = insert.bind(j.nonce.to_vec()).bind(j.forget_after);
    }
    let inserted: HashSet<Vec<u8>> = insert
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;

    let new: Vec<bool> = batch
        .iter()
        .zip(&first)
        .map(|(j, f)| *f && inserted.contains(j.nonce.as_slice()))
        .collect();
    let logged: Vec<&Entry> = batch
        .iter()
        .zip(&new)
        .filter(|(_, n)| **n)
        .filter_map(|(j, _)| j.entry.as_ref())
        .collect();
    if !logged.is_empty() {
        let sql = format!(
            "INSERT INTO access_log (nik, at, actor, profile, kind) VALUES {}",
            placeholders(logged.len(), 4, ", 'verified'")
        );
        let mut insert = sqlx::query(&sql).persistent(false);
        for e in logged {
            insert = insert
                .bind(e.nik.as_str())
                .bind(e.at)
                .bind(e.actor.as_str())
                .bind(e.profile.id());
        }
        insert.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(new)
}

/// `($1, $2[, suffix]), ($3, $4[, suffix]), …` for `rows` rows of `width` bound values.
fn placeholders(rows: usize, width: usize, suffix: &str) -> String {
    (0..rows)
        .map(|r| {
            let values: Vec<String> = (1..=width).map(|c| format!("${}", r * width + c)).collect();
            format!("({}{suffix})", values.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_every_value_once_in_row_order() {
        assert_eq!(placeholders(1, 2, ""), "($1, $2)");
        assert_eq!(
            placeholders(2, 4, ", 'v'"),
            "($1, $2, $3, $4, 'v'), ($5, $6, $7, $8, 'v')"
        );
    }

    fn entry(n: usize) -> Entry {
        Entry {
            nik: format!("3171011708{n:06}"),
            at: 1_800_000_000,
            actor: "petugas1".into(),
            profile: Profile::Minimal,
        }
    }

    /// A fresh SQLite database with its writer (keep the directory alive).
    async fn writer() -> (tempfile::TempDir, Db, Recorder) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(None, dir.path()).await.unwrap();
        let recorder = Recorder::spawn(db.clone());
        (dir, db, recorder)
    }

    async fn count(db: &Db, sql: &str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(&db.pool).await.unwrap()
    }

    #[tokio::test]
    async fn a_nonce_sent_fifty_times_at_once_is_new_once_and_logged_once() {
        let (_dir, db, recorder) = writer().await;
        // 50 copies of one nonce among 50 distinct ones, all queued at once, so most share
        // a batch (the duplicate check inside a batch) and some do not (the primary key).
        let jobs = (0..100).map(|i| {
            let recorder = recorder.clone();
            let nonce: Nonce = if i % 2 == 0 {
                [7; 16]
            } else {
                [100 + i as u8; 16]
            };
            async move { recorder.record(&nonce, 2_000_000_000, Some(entry(i))).await }
        });
        let answers = futures_util::future::join_all(jobs).await;
        let new = answers.iter().filter(|a| *a.as_ref().unwrap()).count();
        assert_eq!(new, 51);
        assert_eq!(count(&db, "SELECT COUNT(*) FROM nonces").await, 51);
        assert_eq!(
            count(
                &db,
                "SELECT COUNT(*) FROM access_log WHERE kind = 'verified'"
            )
            .await,
            51
        );
        // Recorded before: refused, nothing more written.
        assert!(
            !recorder
                .record(&[7; 16], 2_000_000_000, Some(entry(0)))
                .await
                .unwrap()
        );
        assert_eq!(count(&db, "SELECT COUNT(*) FROM access_log").await, 51);
    }

    #[tokio::test]
    async fn a_batch_that_fails_writes_nothing_and_answers_every_request_with_the_error() {
        let (_dir, db, recorder) = writer().await;
        // The entries cannot be written: the nonces inserted before them must not stay.
        sqlx::query("DROP TABLE access_log")
            .execute(&db.pool)
            .await
            .unwrap();
        let jobs = (0..20usize).map(|i| {
            let recorder = recorder.clone();
            async move {
                recorder
                    .record(&[i as u8; 16], 2_000_000_000, Some(entry(i)))
                    .await
            }
        });
        let answers = futures_util::future::join_all(jobs).await;
        assert!(answers.iter().all(|a| matches!(a, Err(RecordError::Db(_)))));
        assert_eq!(count(&db, "SELECT COUNT(*) FROM nonces").await, 0);
    }

    #[tokio::test]
    async fn a_nonce_spent_without_an_entry_is_refused_later_and_logs_nothing() {
        let (_dir, db, recorder) = writer().await;
        assert!(
            recorder
                .record(&[9; 16], 2_000_000_000, None)
                .await
                .unwrap()
        );
        assert!(
            !recorder
                .record(&[9; 16], 2_000_000_000, Some(entry(1)))
                .await
                .unwrap()
        );
        assert_eq!(count(&db, "SELECT COUNT(*) FROM access_log").await, 0);
    }
}
