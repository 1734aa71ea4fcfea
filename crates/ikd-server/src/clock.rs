//! The service's clock: unix seconds, UTC. Waiting periods (Lupa PIN after a hard lock)
//! and every expiry on the request paths read it, so a test can move it forward instead
//! of sleeping. Only a build with the `test-hooks` feature can move it; a release build has
//! no such code, and its clock is the system's.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

#[derive(Debug, Clone, Default)]
pub struct Clock {
    /// Seconds added to the system time; always 0 outside tests.
    offset: Arc<AtomicI64>,
}

impl Clock {
    /// Unix seconds now.
    pub fn now(&self) -> i64 {
        crate::error::now() + self.offset.load(Ordering::Relaxed)
    }

    /// Moves this instance's clock forward by `secs` (test builds only).
    #[cfg(feature = "test-hooks")]
    pub fn advance(&self, secs: i64) {
        self.offset.fetch_add(secs, Ordering::Relaxed);
    }
}
