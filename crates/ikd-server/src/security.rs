//! Secrets the service stores: Argon2id hashes for PINs and officer passwords, SHA-256 for
//! high-entropy tokens, random identifiers; constant-time comparisons throughout.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ikd_core::crypto::{random_bytes, sha256};

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

pub fn hash_secret(secret: &[u8]) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(secret, &salt)
        .map(|h| h.to_string())
        .map_err(Error::internal)
}

/// Constant-time inside argon2's verifier.
pub fn verify_secret(secret: &[u8], hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| argon2().verify_password(secret, &h).is_ok())
        .unwrap_or(false)
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
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_secret(b"135790", &h));
        assert!(!verify_secret(b"135791", &h));
        assert!(!verify_secret(b"135790", "not a hash"));
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
