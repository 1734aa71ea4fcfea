//! Identity QR text → every check of the verifier, replay included, at a fixed time.
#![no_main]
use ikd_core::wire::MemoryReplayCache;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let cache = MemoryReplayCache::default();
    if ikd_fuzz::VERIFIER.verify_once(text, *ikd_fuzz::AT, &cache).is_ok() {
        // Accepted once, then the same nonce is a replay.
        assert!(ikd_fuzz::VERIFIER.verify_once(text, *ikd_fuzz::AT, &cache).is_err());
    }
});
