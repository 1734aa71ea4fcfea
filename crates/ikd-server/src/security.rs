//! Secrets the service stores: Argon2id hashes for PINs and officer passwords, SHA-256 for
//! high-entropy tokens, random identifiers; constant-time comparisons throughout.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{self, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ikd_core::crypto::{random_bytes, sha256};
use subtle::ConstantTimeEq as _;

use crate::error::{Error, Result};

/// Argon2id at OWASP's second recommended setting (19 MiB, 2 passes, 1 lane): the PIN is
/// only 6 digits, so the lockout, not the hash, is what stops guessing online.
pub fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Verified against when a username does not exist, so a wrong name costs the same time as a
/// wrong password (same algorithm and cost as [`argon2`]); nothing verifies against it.
pub const UNKNOWN_USER_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0000000000000000000000000000000000000000000";

/// An Argon2id PHC string of `secret` at [`argon2`]'s cost with a fresh 16-byte salt: what
/// argon2's `PasswordHasher` makes, computed in memory from [`memory`], so the blocks of a
/// new PIN are cleared afterwards like those of a checked one.
///
/// # Errors
/// [`Error::Internal`] if the platform gives no randomness or argon2 refuses the input.
pub fn hash_secret(secret: &[u8]) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    let argon2 = argon2();
    let output = password_hash::Output::init_with(Params::DEFAULT_OUTPUT_LEN, |out| {
        hash_into(&argon2, secret, salt.as_salt(), out)
            .then_some(())
            .ok_or(password_hash::Error::Password)
    });
    let hash = PasswordHash {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(Version::V0x13.into()),
        params: password_hash::ParamsString::try_from(argon2.params()).map_err(Error::internal)?,
        salt: Some(salt.as_salt()),
        hash: Some(output.map_err(Error::internal)?),
    };
    Ok(hash.to_string())
}

/// Whether `secret` is the one `hash` (a PHC string, Argon2 of any variant and cost) was
/// made from. The outputs are compared in constant time. `false` for a string that is not
/// such a hash.
///
/// The same computation as argon2's `PasswordVerifier`, with the working memory (19 MiB at
/// [`argon2`]'s cost) taken from [`memory`] rather than allocated: the kernel faulting a
/// fresh allocation's pages in was 4 % of a login's CPU under load (`perf`, README "The
/// service over HTTP").
pub fn verify_secret(secret: &[u8], hash: &str) -> bool {
    let Ok(h) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (h.salt, h.hash) else {
        return false;
    };
    let (Ok(params), Ok(algorithm)) = (Params::try_from(&h), Algorithm::try_from(h.algorithm))
    else {
        return false;
    };
    let Ok(version) = h.version.map(Version::try_from).transpose() else {
        return false;
    };
    let argon2 = Argon2::new(algorithm, version.unwrap_or_default(), params);
    let mut out = zeroize::Zeroizing::new(vec![0u8; expected.len()]);
    hash_into(&argon2, secret, salt, &mut out) && bool::from(out.ct_eq(expected.as_bytes()))
}

/// `argon2` of `secret` with `salt` (Base64 as in a PHC string) into `out`, in working
/// memory from [`memory`], which is cleared afterwards. `false` if the salt does not
/// decode or argon2 refuses an input (lengths).
fn hash_into(
    argon2: &Argon2<'_>,
    secret: &[u8],
    salt: password_hash::Salt<'_>,
    out: &mut [u8],
) -> bool {
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut blocks = memory::take(argon2.params().block_count());
    let hashed = argon2.hash_password_into_with_memory(secret, salt, out, &mut blocks[..]);
    memory::give_back(blocks);
    hashed.is_ok()
}

/// Argon2's working memory at the service's cost ([`argon2`]), kept between verifications
/// ([`verify_secret`]); a hash of another cost gets memory of its own, not kept.
///
/// Every buffer is cleared when its hash ends, kept or freed: the blocks a hash leaves,
/// with the salt, let a guess of that secret be checked with a few dozen compressions
/// instead of the whole hash, and a wrong PIN or an unknown officer's password has no
/// stored hash to guess against at all. (argon2's `zeroize` feature clears its initial and
/// final hashes too; what it leaves on the worker's stack, the first blocks' seed and
/// Blake2b's state, is not cleared.) Clearing costs what zeroing a fresh allocation does;
/// what keeping saves is the kernel faulting 19 MiB of new pages in at every PIN. At most
/// one buffer per CPU permit and one more is kept, which is what the permits
/// ([`crate::cpu`]) let run at once anyway.
mod memory {
    use std::sync::{Mutex, OnceLock};

    use argon2::Block;

    static KEPT: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());

    /// (blocks at the service's cost, buffers kept at most)
    fn kept_shape() -> (usize, usize) {
        static SHAPE: OnceLock<(usize, usize)> = OnceLock::new();
        *SHAPE.get_or_init(|| {
            let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
            (super::argon2().params().block_count(), cores + 2)
        })
    }

    /// A buffer of `blocks` blocks: a kept one if that is the service's cost, or a new one.
    pub fn take(blocks: usize) -> Vec<Block> {
        let found = if blocks == kept_shape().0 {
            KEPT.lock().unwrap_or_else(|e| e.into_inner()).pop()
        } else {
            None
        };
        found.unwrap_or_else(|| vec![Block::default(); blocks])
    }

    /// Clears `buffer`, then keeps it for the next [`take`] if it is of the service's cost,
    /// up to the bound, and frees it otherwise.
    pub fn give_back(mut buffer: Vec<Block>) {
        let (blocks, most) = kept_shape();
        if buffer.len() != blocks {
            // About to be freed and never read again: zeroize's writes are not elided, as a
            // plain fill's could be.
            buffer.iter_mut().for_each(zeroize::Zeroize::zeroize);
            return;
        }
        // Read again by the next verification that takes it, so the fill stays (a plain
        // memset, several times faster than zeroize's volatile writes on 19 MiB).
        buffer.fill(Block::default());
        let mut kept = KEPT.lock().unwrap_or_else(|e| e.into_inner());
        if kept.len() < most {
            kept.push(buffer);
        } else {
            drop(kept);
            // The fill above must not be dropped as dead stores to memory about to be freed.
            std::hint::black_box(&buffer[..]);
            drop(buffer); // freed outside the lock
        }
    }
}

/// A 256-bit bearer token and the SHA-256 the database keeps instead of it.
pub fn new_token() -> Result<(String, Vec<u8>)> {
    let raw: [u8; 32] = random_bytes().map_err(Error::internal)?;
    let token = URL_SAFE_NO_PAD.encode(raw);
    let hash = token_hash(&token);
    Ok((token, hash))
}

pub fn token_hash(token: &str) -> Vec<u8> {
    sha256(token.as_bytes()).to_vec()
}

/// 128-bit random id, hex.
pub fn new_id() -> Result<String> {
    let raw: [u8; 16] = random_bytes().map_err(Error::internal)?;
    Ok(raw.iter().map(|b| format!("{b:02x}")).collect())
}

pub fn b64u(b: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(b)
}

pub fn from_b64u(s: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(s.trim_end_matches('=')).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_verifies_only_against_its_own_hash() {
        let h = hash_secret(b"135790").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_secret(b"135790", &h));
        // The library's own verifier agrees with the string made here.
        use argon2::password_hash::PasswordVerifier as _;
        let parsed = PasswordHash::new(&h).unwrap();
        assert!(argon2().verify_password(b"135790", &parsed).is_ok());
        assert!(argon2().verify_password(b"135791", &parsed).is_err());
        assert!(!verify_secret(b"135791", &h));
        assert!(!verify_secret(b"135790", "not a hash"));
    }

    /// The reference implementation's vectors (phc-winner-argon2, `src/test.c`: password
    /// "password", salt "somesalt", version 0x13): Argon2id with one lane and with two, and
    /// Argon2i, each twice with a wrong password between; then the service's own cost, whose
    /// memory is kept, so its later checks run in a buffer an earlier one used.
    #[test]
    fn the_reference_vectors_verify_in_kept_memory_and_a_wrong_password_does_not() {
        let vectors = [
            "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
            "$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc",
            "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA",
        ];
        for _ in 0..2 {
            for v in vectors {
                assert!(verify_secret(b"password", v), "{v}");
                assert!(!verify_secret(b"passwore", v), "{v}");
            }
        }
        let ours = hash_secret(b"135790").unwrap();
        for _ in 0..2 {
            assert!(verify_secret(b"135790", &ours));
            assert!(!verify_secret(b"135791", &ours));
        }
    }

    #[test]
    fn the_memory_a_verification_leaves_is_cleared_before_it_is_kept() {
        let h = hash_secret(b"135790").unwrap();
        assert!(!verify_secret(b"246801", &h));
        let blocks = argon2().params().block_count();
        // The buffer just given back (or, if another test took it meanwhile, a fresh one).
        let buffer = memory::take(blocks);
        assert_eq!(buffer.len(), blocks);
        assert!(
            buffer
                .iter()
                .all(|b| b.as_ref().iter().all(|word| *word == 0))
        );
        memory::give_back(buffer);
    }

    #[test]
    fn the_unknown_user_hash_parses_and_costs_what_a_real_one_does() {
        let dummy = PasswordHash::new(UNKNOWN_USER_HASH)
            .expect("a real PHC string, so verifying it does the work");
        let real_hash = hash_secret(b"x").unwrap();
        let real = PasswordHash::new(&real_hash).unwrap();
        assert_eq!(dummy.algorithm, real.algorithm);
        assert_eq!(dummy.params, real.params);
        assert!(!verify_secret(b"", UNKNOWN_USER_HASH));
    }
}
