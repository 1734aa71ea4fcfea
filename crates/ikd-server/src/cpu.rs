//! Admission for CPU-bound work: the selfie checks and every Argon2id hash or verification.
//!
//! Each runs on the blocking pool, which grows to 512 threads: without a bound, 1 000
//! selfies sent at once ran side by side on 2 cores, every one took 30 s, and 985 were
//! answered 408 while their checks went on burning the CPU (`scripts/load.sh`); 512
//! Argon2id verifications at once would hold 512 × 19 MiB. So at most
//! [`AppState::cpu`](crate::AppState) permits ([`permits`]: one per core, and one) run at
//! a time; a request waits up to [`MAX_WAIT`] for one, and is then answered
//! `SERVICE_BUSY` (503 with `Retry-After`), which the app retries, before any of its work
//! is done: the routes that consume something (a login challenge, a captcha, an attempt)
//! take the permit first.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::{Error, Result};

/// Longest wait for a permit before `SERVICE_BUSY`: well inside the 30 s request timeout.
pub const MAX_WAIT: Duration = Duration::from_secs(10);
/// Seconds the client is told to wait before it tries again (`Retry-After`).
pub const RETRY_AFTER_SECS: u64 = 2;

/// One permit per core this process may use, and one more: a login or an activation takes
/// its permit before its database steps (see the module's doc), so with one per core a core
/// would idle while its holder waits on the database.
pub fn permits() -> Arc<Semaphore> {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    Arc::new(Semaphore::new(cores + 1))
}

/// Waits up to [`MAX_WAIT`] for a permit. Take it before counting an attempt (a PIN, an
/// activation code), so a busy service never spends a citizen's attempt unchecked.
///
/// # Errors
/// [`Error::Busy`] after [`MAX_WAIT`].
pub async fn permit(permits: &Arc<Semaphore>) -> Result<OwnedSemaphorePermit> {
    tokio::time::timeout(MAX_WAIT, permits.clone().acquire_owned())
        .await
        .map_err(|_| Error::Busy)?
        .map_err(Error::internal)
}

/// Runs `work` on the blocking pool with `permit`. The permit goes with the work, so a
/// request that is dropped meanwhile (client gone, timeout) still holds it until the work
/// ends: the bound is on work running, not on requests waiting.
///
/// # Errors
/// [`Error::Internal`] if the work panicked.
pub async fn run_with<T: Send + 'static>(
    permit: OwnedSemaphorePermit,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work()
    })
    .await
    .map_err(Error::internal)
}

/// [`permit`], then [`run_with`].
///
/// # Errors
/// As theirs.
pub async fn run<T: Send + 'static>(
    permits: &Arc<Semaphore>,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T> {
    run_with(permit(permits).await?, work).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn work_waits_for_a_permit_and_is_refused_as_busy_after_the_longest_wait() {
        let permits = Arc::new(Semaphore::new(1));
        let held = permits.clone().acquire_owned().await.unwrap();
        let started = tokio::time::Instant::now();
        let refused = run(&permits, || 1).await;
        assert!(matches!(refused, Err(Error::Busy)), "{refused:?}");
        assert_eq!(started.elapsed(), MAX_WAIT);
        drop(held);
        assert_eq!(run(&permits, || 2).await.unwrap(), 2);
    }

    #[tokio::test]
    async fn a_permit_is_held_until_the_work_ends_even_when_the_request_is_dropped() {
        let permits = Arc::new(Semaphore::new(1));
        let (go, wait) = std::sync::mpsc::channel::<()>();
        let request = tokio::spawn({
            let permits = permits.clone();
            async move { run(&permits, move || wait.recv().is_ok()).await }
        });
        while permits.available_permits() == 1 {
            tokio::task::yield_now().await;
        }
        request.abort();
        let _ = request.await;
        assert_eq!(permits.available_permits(), 0, "the work still runs");
        go.send(()).unwrap();
        while permits.available_permits() == 0 {
            tokio::task::yield_now().await;
        }
    }
}
