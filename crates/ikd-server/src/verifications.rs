//! Group commit of verifications. After ikd-core's offline checks, an online verification
//! still needs the database four times: the officer's session, the revocation checks (the
//! credential on record, its device still bound, the account not locked), its nonce (the
//! replay cache shared by every instance) and, when valid, the citizen's access-log entry.
//! The nonce and the entry must be durable before the verifier is told "valid", and the
//! nonce must be new.
//!
//! Made one request at a time, those were two reads and two write transactions per
//! verification, each a hand-off to a database connection (on SQLite its own thread; on
//! PostgreSQL a round trip), and the profile put most of verify's cost beyond its crypto
//! there. One writer task per instance instead takes every verification waiting at that
//! moment (up to [`MAX_BATCH`]) and decides them together:
//! 1. one read of the sessions of the batch's officer tokens (outside the transaction: on
//!    SQLite a transaction that reads first cannot take the write lock once another
//!    connection has committed);
//! 2. in **one transaction**: one multi-row `INSERT … ON CONFLICT DO NOTHING RETURNING
//!    nonce` of the signed-in officers' nonces, one read of their credentials with the
//!    account's state and the registry photo, and one multi-row insert of the entries of
//!    the verifications that are valid.
//!
//! Each request is answered only after that commit. The revocation state is read after the
//! nonce's insert, in the same transaction: on SQLite the write lock is held from the
//! insert to the commit, so a device released or an account locked before the commit is
//! seen; on PostgreSQL (read committed) the read sees what was committed before it, which
//! narrows that gap to the few statements of the batch.
//!
//! Correctness does not depend on the batching: a nonce is new only if the database
//! inserted it (the primary key decides, across instances), a nonce twice in one batch is
//! new at most once, a request whose session is not an officer's writes nothing, and a
//! failed batch writes nothing and answers every request in it with the error (the verifier
//! shows the QR again; its nonce was not spent).
//!
//! The batching is ours: sqlx has no group commit. What is written here is only the queue
//! and the one transaction.

use std::collections::{HashMap, HashSet};

use ikd_core::wire::{AsyncReplayCache, Nonce, Profile};
use sqlx::Row;
use tokio::sync::{mpsc, oneshot};

use crate::db::Db;

/// Most verifications in one transaction (4 bound values each in the entries' insert:
/// 1 024, far below SQLite's 32 766 and PostgreSQL's 65 535).
pub const MAX_BATCH: usize = 256;
/// Verifications queued for the writer before a request waits for room.
const QUEUE: usize = 4 * MAX_BATCH;
/// Longest a batch may take to commit: one stuck transaction (a lost PostgreSQL
/// connection, a lock behind another instance) must not hold every verification of this
/// instance up to the 30 s request timeout. Rolled back, every request in it is told to
/// try again.
pub const COMMIT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// What the writer needs of one verification besides its nonce.
#[derive(Clone)]
pub struct Check {
    /// SHA-256 of the officer's bearer token ([`crate::security::token_hash`]).
    pub officer_token: Vec<u8>,
    /// The credential's opaque id, lower-case hex (`credentials.id`).
    pub credential_id: String,
    /// Unix seconds: when the request came (sessions and locks are judged at it).
    pub at: i64,
    /// The disclosure profile, for the access-log entry.
    pub profile: Profile,
}

impl std::fmt::Debug for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Check")
            .field("credential_id", &self.credential_id)
            .field("at", &self.at)
            .field("profile", &self.profile)
            .finish_non_exhaustive()
    }
}

/// Why a QR that passed the offline checks is refused online.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocation {
    /// No credential with this id was issued by this service.
    UnknownCredential,
    /// The credential's device is no longer the account's (Lepas perangkat, a new phone).
    DeviceReleased,
    /// The account is locked (PIN lockout, or until an officer unlocks it).
    AccountLocked,
}

/// The writer's answer for one verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The bearer token is not a signed-in, enabled officer's session: nothing written.
    Unauthorized,
    /// Refused by a revocation check. Its nonce is spent all the same (without an entry),
    /// so a QR refused while the account is locked cannot be accepted once the lock ends.
    Revoked(Revocation),
    /// The nonce was recorded before: nothing written.
    Replayed,
    /// Valid: the nonce and the access-log entry (`verified`, by this officer) committed.
    Valid {
        nik: String,
        /// The registry photo; `None` when none is stored (not on record, the resident no
        /// longer in the registry, or a synthetic resident's portrait not drawn yet).
        photo: Option<Vec<u8>>,
        /// A resident made by `seed`, whose portrait is drawn at first use.
        synthetic: bool,
    },
}

/// Why a verification could not be decided; nothing of it was written.
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
    check: Check,
    done: oneshot::Sender<Result<Outcome, RecordError>>,
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

    /// Decides one verification whose nonce is `nonce` (kept until `forget_after`, unix
    /// seconds), and commits what the [`Outcome`] says before this returns.
    pub async fn decide(
        &self,
        nonce: &Nonce,
        forget_after: i64,
        check: Check,
    ) -> Result<Outcome, RecordError> {
        let (done, answer) = oneshot::channel();
        let job = Job {
            nonce: *nonce,
            forget_after,
            check,
            done,
        };
        if self.queue.send(job).await.is_err() {
            tracing::error!("the verification writer has stopped: verifications are refused");
            return Err(RecordError::Stopped);
        }
        // A dropped answer: the batch's task panicked (logged by the writer).
        answer.await.map_err(|_| RecordError::Stopped)?
    }

    /// The replay cache of one verification: see [`Decided`].
    pub fn replay_cache(&self, check: Check) -> Decided<'_> {
        Decided {
            recorder: self,
            check,
            outcome: std::sync::OnceLock::new(),
        }
    }
}

/// [`AsyncReplayCache`] over the writer, so that ikd-core's typestate (`Fresh` →
/// `VerifiedPresentation`) still decides validity: a nonce counts as new only when the
/// writer answered [`Outcome::Valid`]. The outcome is kept for the route, which tells a
/// replay from a revocation or a session that is not an officer's.
#[derive(Debug)]
pub struct Decided<'a> {
    recorder: &'a Recorder,
    check: Check,
    outcome: std::sync::OnceLock<Outcome>,
}

impl Decided<'_> {
    /// The writer's outcome, once `insert_if_new` has answered `Ok`.
    pub fn into_outcome(self) -> Option<Outcome> {
        self.outcome.into_inner()
    }
}

impl AsyncReplayCache for Decided<'_> {
    type Error = RecordError;
    async fn insert_if_new(
        &self,
        nonce: &Nonce,
        _now: i64,
        forget_after: i64,
    ) -> Result<bool, RecordError> {
        let outcome = self
            .recorder
            .decide(nonce, forget_after, self.check.clone())
            .await?;
        let valid = matches!(outcome, Outcome::Valid { .. });
        let _ = self.outcome.set(outcome);
        Ok(valid)
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

/// Decides and commits `batch` within [`COMMIT_TIMEOUT`] and answers each of its requests.
async fn write_batch(db: Db, batch: Vec<Job>) {
    let answers = match tokio::time::timeout(COMMIT_TIMEOUT, commit(&db, &batch)).await {
        Ok(Ok(outcomes)) => Ok(outcomes),
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
        Ok(outcomes) => {
            for (job, outcome) in batch.into_iter().zip(outcomes) {
                let _ = job.done.send(Ok(outcome));
            }
        }
        Err(e) => {
            for job in batch {
                let _ = job.done.send(Err(e.clone()));
            }
        }
    }
}

/// A credential as the revocation checks read it, with its account and registry photo.
struct OnRecord {
    nik: String,
    device_key: Vec<u8>,
    bound_key: Option<Vec<u8>>,
    locked_hard: bool,
    locked_until: Option<i64>,
    photo: Option<Vec<u8>>,
    synthetic: bool,
}

/// The signed-in officers among `batch`'s tokens: token hash → (username, the session's
/// end in unix seconds). One read, before the transaction.
async fn sessions(db: &Db, batch: &[Job]) -> Result<HashMap<Vec<u8>, (String, i64)>, sqlx::Error> {
    let tokens: HashSet<&[u8]> = batch
        .iter()
        .map(|j| j.check.officer_token.as_slice())
        .collect();
    let sql = format!(
        concat!(
            "SELECT t.token_hash, o.username, t.expires_at FROM ",
            crate::routes::officer_sessions!(),
            " AND t.token_hash IN ({})"
        ),
        list(tokens.len())
    );
    let mut read = sqlx::query(&sql).persistent(false);
    for t in &tokens {
        read = read.bind(t.to_vec());
    }
    read.fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, (r.try_get(1)?, r.try_get(2)?))))
        .collect()
}

/// One transaction for `batch`; answers each job's outcome, in order.
async fn commit(db: &Db, batch: &[Job]) -> Result<Vec<Outcome>, sqlx::Error> {
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    let sessions = sessions(db, batch).await?;
    let signed_in: Vec<bool> = batch
        .iter()
        .map(|j| {
            sessions
                .get(&j.check.officer_token)
                .is_some_and(|(_, until)| *until > j.check.at)
        })
        .collect();
    if !signed_in.contains(&true) {
        return Ok(vec![Outcome::Unauthorized; batch.len()]);
    }
    // The first signed-in job of each nonce competes for it; a later one in the same batch
    // is a replay.
    let mut seen = HashSet::with_capacity(batch.len());
    let first: Vec<bool> = batch
        .iter()
        .zip(&signed_in)
        .map(|(j, s)| *s && seen.insert(j.nonce))
        .collect();
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

    // The revocation state, read after the nonces' insert in the same transaction.
    let ids: HashSet<&str> = batch
        .iter()
        .zip(&signed_in)
        .filter_map(|(j, s)| s.then_some(j.check.credential_id.as_str()))
        .collect();
    let sql = format!(
        "SELECT c.id, c.nik, c.device_key, a.device_key, a.locked_hard, a.locked_until, r.photo,
                r.synthetic
         FROM credentials c LEFT JOIN accounts a ON a.nik = c.nik
         LEFT JOIN residents r ON r.nik = c.nik WHERE c.id IN ({})",
        list(ids.len())
    );
    let mut read = sqlx::query(&sql).persistent(false);
    for id in &ids {
        read = read.bind(*id);
    }
    let mut on_record = HashMap::with_capacity(ids.len());
    for r in read.fetch_all(&mut *tx).await? {
        let id: String = r.try_get(0)?;
        on_record.insert(
            id,
            OnRecord {
                nik: r.try_get(1)?,
                device_key: r.try_get(2)?,
                bound_key: r.try_get(3)?,
                locked_hard: r.try_get::<Option<i64>, _>(4)?.unwrap_or(0) != 0,
                locked_until: r.try_get(5)?,
                photo: r.try_get(6)?,
                synthetic: r.try_get::<Option<i64>, _>(7)?.unwrap_or(0) != 0,
            },
        );
    }

    let outcomes: Vec<Outcome> = batch
        .iter()
        .zip(signed_in.iter().zip(&first))
        .map(|(j, (signed_in, first))| {
            if !signed_in {
                return Outcome::Unauthorized;
            }
            let Some(c) = on_record.get(&j.check.credential_id) else {
                return Outcome::Revoked(Revocation::UnknownCredential);
            };
            if c.bound_key.as_deref() != Some(c.device_key.as_slice()) {
                return Outcome::Revoked(Revocation::DeviceReleased);
            }
            if c.locked_hard || c.locked_until.is_some_and(|u| u > j.check.at) {
                return Outcome::Revoked(Revocation::AccountLocked);
            }
            if *first && inserted.contains(j.nonce.as_slice()) {
                Outcome::Valid {
                    nik: c.nik.clone(),
                    photo: c.photo.clone(),
                    synthetic: c.synthetic,
                }
            } else {
                Outcome::Replayed
            }
        })
        .collect();

    let mut logged: Vec<(&Job, &str, &str)> = Vec::new();
    for (j, o) in batch.iter().zip(&outcomes) {
        if let Outcome::Valid { nik, .. } = o {
            // Valid only when signed in: the session was read above.
            let (officer, _) = sessions.get(&j.check.officer_token).ok_or_else(|| {
                sqlx::Error::Protocol("a valid verification without its session".into())
            })?;
            logged.push((j, nik.as_str(), officer.as_str()));
        }
    }
    if !logged.is_empty() {
        let sql = format!(
            "INSERT INTO access_log (nik, at, actor, profile, kind) VALUES {}",
            placeholders(logged.len(), 4, ", 'verified'")
        );
        let mut insert = sqlx::query(&sql).persistent(false);
        for (j, nik, officer) in logged {
            insert = insert
                .bind(nik)
                .bind(j.check.at)
                .bind(officer)
                .bind(j.check.profile.id());
        }
        insert.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(outcomes)
}

/// `$1, $2, …, $n`: an `IN` list of `n` bound values (`n` ≥ 1).
fn list(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
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

    const AT: i64 = 1_800_000_000;
    const UNTIL: i64 = 2_000_000_000;
    const NIK: &str = "3171011708850003";

    /// A check by officer token `token` of credential `c1`.
    fn check(token: &str) -> Check {
        Check {
            officer_token: crate::security::token_hash(token),
            credential_id: "c1".into(),
            at: AT,
            profile: Profile::Minimal,
        }
    }

    async fn run(db: &Db, sql: &str) {
        sqlx::query(sql).execute(&db.pool).await.unwrap();
    }

    /// A fresh SQLite database with its writer (keep the directory alive): officer
    /// `petugas1` signed in with token `tok`, and credential `c1` of NIK's account, whose
    /// device it is bound to.
    async fn writer() -> (tempfile::TempDir, Db, Recorder) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(None, dir.path()).await.unwrap();
        run(&db, "INSERT INTO officers (username, password_hash, created_at) VALUES ('petugas1', 'x', 0)").await;
        sqlx::query("INSERT INTO tokens (token_hash, kind, subject, expires_at) VALUES ($1, 'officer', 'petugas1', $2)")
            .bind(crate::security::token_hash("tok"))
            .bind(AT + 3600)
            .execute(&db.pool)
            .await
            .unwrap();
        run(&db, &format!("INSERT INTO accounts (nik, device_key, email, phone, activated_at) VALUES ('{NIK}', x'01', 'b@contoh.id', '+6281234567890', 0)")).await;
        run(&db, &format!("INSERT INTO credentials (id, nik, device_key, issued_at, expires_at) VALUES ('c1', '{NIK}', x'01', 0, {UNTIL})")).await;
        let recorder = Recorder::spawn(db.clone());
        (dir, db, recorder)
    }

    async fn count(db: &Db, sql: &str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(&db.pool).await.unwrap()
    }

    /// The signed-in officer's verification of credential `c1` with nonce `[nonce; 16]`.
    async fn officer_decides(recorder: &Recorder, nonce: u8) -> Outcome {
        recorder
            .decide(&[nonce; 16], UNTIL, check("tok"))
            .await
            .unwrap()
    }

    fn valid() -> Outcome {
        Outcome::Valid {
            nik: NIK.into(),
            photo: None,
            synthetic: false,
        }
    }

    /// A job as the writer takes it (its answer is not awaited).
    fn job(token: &str, nonce: u8, credential: &str, profile: Profile) -> Job {
        let mut check = check(token);
        check.credential_id = credential.into();
        check.profile = profile;
        Job {
            nonce: [nonce; 16],
            forget_after: UNTIL,
            check,
            done: oneshot::channel().0,
        }
    }

    #[tokio::test]
    async fn one_batch_decides_each_job_by_its_own_session_credential_and_nonce() {
        let (_dir, db, _recorder) = writer().await;
        run(&db, "INSERT INTO officers (username, password_hash, created_at) VALUES ('petugas2', 'x', 0)").await;
        for (token, kind, subject) in [("tok2", "officer", "petugas2"), ("citizen", "session", NIK)]
        {
            sqlx::query("INSERT INTO tokens (token_hash, kind, subject, expires_at) VALUES ($1, $2, $3, $4)")
                .bind(crate::security::token_hash(token))
                .bind(kind)
                .bind(subject)
                .bind(AT + 3600)
                .execute(&db.pool)
                .await
                .unwrap();
        }
        // c3: another resident's credential, whose account is locked until an officer unlocks it.
        run(&db, "INSERT INTO accounts (nik, device_key, email, phone, activated_at, locked_hard) VALUES ('3171011708850011', x'03', 'c@contoh.id', '+6281234567891', 0, 1)").await;
        run(&db, &format!("INSERT INTO credentials (id, nik, device_key, issued_at, expires_at) VALUES ('c3', '3171011708850011', x'03', 0, {UNTIL})")).await;
        run(&db, &format!("INSERT INTO residents (nik, nomor_kk, record, photo, synthetic) VALUES ('{NIK}', '3171010101010001', '{{}}', x'FFD8FF', 0)")).await;
        let batch = [
            job("nobody", 1, "c1", Profile::Minimal),
            // Not a replay: the job before with the same nonce is no officer's.
            job("tok", 1, "c1", Profile::Minimal),
            job("tok2", 1, "c1", Profile::Minimal),
            job("tok2", 2, "c3", Profile::Minimal),
            // A citizen's session is not an officer's.
            job("citizen", 3, "c1", Profile::Minimal),
            job("tok2", 4, "c1", Profile::AgeOver17),
            // Revoked comes before replayed.
            job("tok", 2, "c3", Profile::Minimal),
        ];
        let outcomes = commit(&db, &batch).await.unwrap();
        let valid = Outcome::Valid {
            nik: NIK.into(),
            photo: Some(vec![0xFF, 0xD8, 0xFF]),
            synthetic: false,
        };
        let locked = Outcome::Revoked(Revocation::AccountLocked);
        assert_eq!(
            outcomes,
            [
                Outcome::Unauthorized,
                valid.clone(),
                Outcome::Replayed,
                locked.clone(),
                Outcome::Unauthorized,
                valid,
                locked,
            ]
        );
        let nonces: Vec<Vec<u8>> = sqlx::query_scalar("SELECT nonce FROM nonces ORDER BY nonce")
            .fetch_all(&db.pool)
            .await
            .unwrap();
        assert_eq!(nonces, [[1; 16], [2; 16], [4; 16]]);
        let entries: Vec<(String, String, String)> =
            sqlx::query("SELECT nik, actor, profile FROM access_log ORDER BY actor")
                .fetch_all(&db.pool)
                .await
                .unwrap()
                .iter()
                .map(|r| (r.get(0), r.get(1), r.get(2)))
                .collect();
        let entry = |actor: &str, p: Profile| (NIK.to_owned(), actor.to_owned(), p.id().to_owned());
        assert_eq!(
            entries,
            [
                entry("petugas1", Profile::Minimal),
                entry("petugas2", Profile::AgeOver17)
            ]
        );
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
            async move { recorder.decide(&nonce, UNTIL, check("tok")).await }
        });
        let answers = futures_util::future::join_all(jobs).await;
        let new = answers
            .iter()
            .filter(|a| *a.as_ref().unwrap() == valid())
            .count();
        let replayed = answers
            .iter()
            .filter(|a| *a.as_ref().unwrap() == Outcome::Replayed);
        assert_eq!((new, replayed.count()), (51, 49));
        assert_eq!(count(&db, "SELECT COUNT(*) FROM nonces").await, 51);
        assert_eq!(
            count(
                &db,
                "SELECT COUNT(*) FROM access_log WHERE kind = 'verified' AND actor = 'petugas1'"
            )
            .await,
            51
        );
        // Recorded before: refused, nothing more written.
        assert_eq!(officer_decides(&recorder, 7).await, Outcome::Replayed);
        assert_eq!(count(&db, "SELECT COUNT(*) FROM access_log").await, 51);
    }

    #[tokio::test]
    async fn a_batch_that_fails_writes_nothing_and_answers_every_request_with_the_error() {
        let (_dir, db, recorder) = writer().await;
        // The entries cannot be written: the nonces inserted before them must not stay.
        run(&db, "DROP TABLE access_log").await;
        let jobs = (0..20usize).map(|i| {
            let recorder = recorder.clone();
            async move { recorder.decide(&[i as u8; 16], UNTIL, check("tok")).await }
        });
        let answers = futures_util::future::join_all(jobs).await;
        assert!(answers.iter().all(|a| matches!(a, Err(RecordError::Db(_)))));
        assert_eq!(count(&db, "SELECT COUNT(*) FROM nonces").await, 0);
    }

    #[tokio::test]
    async fn a_session_that_is_not_an_officers_spends_no_nonce_and_logs_nothing() {
        let (_dir, db, recorder) = writer().await;
        // Unknown, then expired at the request's time, then of a disabled officer.
        let unknown = recorder.decide(&[1; 16], UNTIL, check("other")).await;
        let mut late = check("tok");
        late.at = AT + 3600;
        let expired = recorder.decide(&[1; 16], UNTIL, late).await;
        run(&db, "UPDATE officers SET disabled = 1").await;
        let disabled = recorder.decide(&[1; 16], UNTIL, check("tok")).await;
        for answer in [unknown, expired, disabled] {
            assert_eq!(answer.unwrap(), Outcome::Unauthorized);
        }
        assert_eq!(count(&db, "SELECT COUNT(*) FROM nonces").await, 0);
        // Signed in, the same QR is still valid.
        run(&db, "UPDATE officers SET disabled = 0").await;
        assert_eq!(officer_decides(&recorder, 1).await, valid());
    }

    #[tokio::test]
    async fn a_qr_refused_by_a_revocation_check_spends_its_nonce_and_logs_nothing() {
        let (_dir, db, recorder) = writer().await;
        let mut unknown = check("tok");
        unknown.credential_id = "c2".into();
        assert_eq!(
            recorder.decide(&[2; 16], UNTIL, unknown).await.unwrap(),
            Outcome::Revoked(Revocation::UnknownCredential)
        );
        run(
            &db,
            &format!(
                "UPDATE accounts SET locked_until = {} WHERE nik = '{NIK}'",
                AT + 1
            ),
        )
        .await;
        assert_eq!(
            officer_decides(&recorder, 3).await,
            Outcome::Revoked(Revocation::AccountLocked)
        );
        run(&db, "UPDATE accounts SET device_key = x'02'").await;
        assert_eq!(
            officer_decides(&recorder, 4).await,
            Outcome::Revoked(Revocation::DeviceReleased)
        );
        assert_eq!(count(&db, "SELECT COUNT(*) FROM nonces").await, 3);
        assert_eq!(count(&db, "SELECT COUNT(*) FROM access_log").await, 0);
        // The lock ended and the device bound again: the QR refused while locked stays spent.
        run(
            &db,
            "UPDATE accounts SET device_key = x'01', locked_until = NULL",
        )
        .await;
        assert_eq!(officer_decides(&recorder, 3).await, Outcome::Replayed);
        assert_eq!(officer_decides(&recorder, 5).await, valid());
    }
}
