//! The replay cache: a nonce accepted once is refused until the freshness window has
//! closed on it. A trait, so the service can keep it in its database and share it between
//! instances; the in-memory one here serves offline verifiers and tests.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;

use super::presentation::Nonce;

pub trait ReplayCache {
    type Error: std::fmt::Display;
    /// Records `nonce` until `forget_after`; `Ok(false)` when it was already recorded.
    fn insert_if_new(
        &self,
        nonce: &Nonce,
        now: i64,
        forget_after: i64,
    ) -> Result<bool, Self::Error>;
}

/// The same contract for caches behind I/O (the service's database).
pub trait AsyncReplayCache {
    type Error: std::fmt::Display;
    fn insert_if_new(
        &self,
        nonce: &Nonce,
        now: i64,
        forget_after: i64,
    ) -> impl Future<Output = Result<bool, Self::Error>> + Send;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the replay cache is full")]
pub struct ReplayCacheFull;

/// In-memory cache with a hard size bound; when full of live nonces it refuses (fails
/// closed) rather than forget one that could still be replayed.
#[derive(Debug)]
pub struct MemoryReplayCache {
    seen: Mutex<HashMap<Nonce, i64>>,
    capacity: usize,
}

impl MemoryReplayCache {
    pub fn new(capacity: usize) -> Self {
        MemoryReplayCache {
            seen: Mutex::new(HashMap::new()),
            capacity,
        }
    }

    pub fn len(&self) -> usize {
        self.seen.lock().map(|m| m.len()).unwrap_or_default()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for MemoryReplayCache {
    fn default() -> Self {
        Self::new(1_000_000)
    }
}

impl ReplayCache for MemoryReplayCache {
    type Error = ReplayCacheFull;

    fn insert_if_new(
        &self,
        nonce: &Nonce,
        now: i64,
        forget_after: i64,
    ) -> Result<bool, ReplayCacheFull> {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.contains_key(nonce) {
            return Ok(false);
        }
        if seen.len() >= self.capacity {
            seen.retain(|_, until| *until >= now);
            if seen.len() >= self.capacity {
                return Err(ReplayCacheFull);
            }
        }
        seen.insert(*nonce, forget_after);
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nonce_is_accepted_once_and_the_full_cache_fails_closed() {
        let c = MemoryReplayCache::new(2);
        assert_eq!(c.insert_if_new(&[1; 16], 0, 100), Ok(true));
        assert_eq!(c.insert_if_new(&[1; 16], 0, 100), Ok(false));
        assert_eq!(c.insert_if_new(&[2; 16], 0, 100), Ok(true));
        assert_eq!(c.insert_if_new(&[3; 16], 50, 150), Err(ReplayCacheFull));
        // Once the first two are past their window they make room.
        assert_eq!(c.insert_if_new(&[3; 16], 101, 200), Ok(true));
        assert_eq!(c.len(), 1);
    }
}
