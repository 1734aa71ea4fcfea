//! The raw limits that load figures are compared with, measured on every core of the
//! machine they run on: the same run, the same noise (`cargo bench -p ikd-server`, and the
//! external load generator in `load/`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ikd_core::crypto::DeviceKey;

/// Runs `op` on every core for `secs` seconds; returns operations per second.
pub fn rate(secs: f64, op: impl Fn() + Sync) -> f64 {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(secs);
    let count = AtomicU64::new(0);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                while Instant::now() < deadline {
                    op();
                    count.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    // Over the time taken: the last operation of each thread ends after the deadline.
    count.into_inner() as f64 / started.elapsed().as_secs_f64()
}

/// The crypto of one online verification: two ES256 verifications (issuer, device) and
/// one X25519 (the HPKE open), per second on all cores.
///
/// # Panics
/// If the platform has no randomness for a key.
pub fn verify_crypto(secs: f64) -> f64 {
    #[allow(clippy::expect_used)] // a measurement that cannot make a key stops loudly
    let issuer = DeviceKey::generate().expect("a P-256 key");
    let msg = [1u8; 900];
    #[allow(clippy::expect_used)]
    let sig = issuer.sign(&msg).expect("a signature");
    let secret = x25519_dalek::StaticSecret::from([7u8; 32]);
    let peer = x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from([3u8; 32]));
    rate(secs, || {
        assert!(issuer.public().verify(&msg, &sig));
        assert!(issuer.public().verify(&msg, &sig));
        std::hint::black_box(secret.diffie_hellman(&peer));
    })
}

/// Argon2id verifications of a PIN at the service's cost ([`crate::security::argon2`]),
/// per second on all cores, through the service's own [`crate::security::verify_secret`]
/// (its kept working memory included), so that a login's ratio to it is the cost of
/// everything around the hash.
///
/// # Panics
/// If hashing fails (it does not, for a 6-digit PIN).
pub fn argon2_pin(secs: f64) -> f64 {
    #[allow(clippy::expect_used)]
    let stored = crate::security::hash_secret(b"135790").expect("an Argon2id hash");
    rate(secs, || {
        assert!(crate::security::verify_secret(b"135790", &stored));
    })
}
