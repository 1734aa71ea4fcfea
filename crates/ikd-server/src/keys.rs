//! The service's keys: the issuer's ES256 key (signs credentials) and the verifier's HPKE
//! X25519 key (opens identity QRs), made on first start in `DATA_DIR/keys` (files readable
//! by the service's user only). `ikd-server keys rotate` makes new active keys and keeps the
//! old ones, the issuer's public key until every credential it signed has expired.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use ikd_core::crypto::{IssuerKey, IssuerPublicKey, KeyId, KeySet, VerifierSecretKey};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::{Error, Result, now};

/// How long an issued credential is valid: short, so a change of data or a released
/// device reaches offline verifiers within a day.
pub const CREDENTIAL_SECS: i64 = 24 * 3600;
/// Old verifier keys still open QRs sealed by apps that have not refreshed the key set.
pub const VERIFIER_GRACE_SECS: i64 = 7 * 24 * 3600;

#[derive(Debug, Default, Serialize, Deserialize)]
struct Manifest {
    active_issuer: String,
    active_verifier: String,
    /// Retired key id → unix time after which it is dropped.
    #[serde(default)]
    retired: std::collections::BTreeMap<String, i64>,
}

/// The keys loaded at start.
#[derive(Debug)]
pub struct KeyRing {
    pub issuer: IssuerKey,
    pub issuers: Vec<IssuerPublicKey>,
    pub verifier_kid: KeyId,
    pub decryption: Vec<VerifierSecretKey>,
}

/// Writes a new secret file (never over an existing one), readable by its owner only.
pub fn write_secret(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts
        .open(path)
        .map_err(|e| Error::internal(format!("writing {}: {e}", path.display())))?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .map_err(|e| Error::internal(format!("writing {}: {e}", path.display())))
}

fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("keys")
}

fn new_pair(keys: &Path) -> Result<(String, String)> {
    let issuer = IssuerKey::generate().map_err(Error::internal)?;
    let verifier = VerifierSecretKey::generate();
    write_secret(
        &keys.join(format!("issuer-{}.p8", issuer.kid())),
        issuer.pkcs8(),
    )?;
    write_secret(
        &keys.join(format!("verifier-{}.key", verifier.kid())),
        &*verifier.to_bytes(),
    )?;
    Ok((issuer.kid().to_string(), verifier.kid().to_string()))
}

fn save(keys: &Path, m: &Manifest) -> Result<()> {
    let tmp = keys.join("manifest.json.tmp");
    fs::write(&tmp, serde_json::to_vec_pretty(m).map_err(Error::internal)?)
        .map_err(Error::internal)?;
    // Rename is atomic: a crash leaves the old or the new manifest, never half of one.
    fs::rename(&tmp, keys.join("manifest.json")).map_err(Error::internal)
}

/// Loads the keys, making them on first start.
pub fn load_or_create(data_dir: &Path) -> Result<KeyRing> {
    let keys = dir(data_dir);
    fs::create_dir_all(&keys).map_err(|e| Error::internal(format!("key directory: {e}")))?;
    #[cfg(unix)]
    fs::set_permissions(&keys, std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .map_err(Error::internal)?;
    let manifest_path = keys.join("manifest.json");
    if !manifest_path.exists() {
        let (active_issuer, active_verifier) = new_pair(&keys)?;
        save(
            &keys,
            &Manifest {
                active_issuer,
                active_verifier,
                retired: Default::default(),
            },
        )?;
        tracing::info!("generated issuer and verifier keys");
    }
    let m: Manifest = serde_json::from_slice(&fs::read(&manifest_path).map_err(Error::internal)?)
        .map_err(|e| Error::internal(format!("key manifest: {e}")))?;
    let at = now();
    let read = |name: String| -> Result<Zeroizing<Vec<u8>>> {
        fs::read(keys.join(&name))
            .map(Zeroizing::new)
            .map_err(|e| Error::internal(format!("reading key {name}: {e}")))
    };
    let issuer = IssuerKey::from_pkcs8(&read(format!("issuer-{}.p8", m.active_issuer))?)
        .map_err(Error::internal)?;
    let mut issuers = vec![IssuerPublicKey {
        key: issuer.public().clone(),
        not_after: None,
    }];
    let verifier =
        VerifierSecretKey::from_bytes(&read(format!("verifier-{}.key", m.active_verifier))?)
            .map_err(Error::internal)?;
    let verifier_kid = verifier.kid();
    let mut decryption = vec![verifier];
    for (kid, until) in &m.retired {
        if *until < at {
            continue;
        }
        if let Ok(bytes) = read(format!("issuer-{kid}.p8")) {
            let old = IssuerKey::from_pkcs8(&bytes).map_err(Error::internal)?;
            issuers.push(IssuerPublicKey {
                key: old.public().clone(),
                not_after: Some(*until),
            });
        } else if let Ok(bytes) = read(format!("verifier-{kid}.key")) {
            decryption.push(VerifierSecretKey::from_bytes(&bytes).map_err(Error::internal)?);
        }
    }
    Ok(KeyRing {
        issuer,
        issuers,
        verifier_kid,
        decryption,
    })
}

/// Makes new active keys; the old issuer key verifies until its last credential expires,
/// the old verifier key opens QRs for a grace period. Takes effect at the next start.
pub fn rotate(data_dir: &Path) -> Result<(String, String)> {
    load_or_create(data_dir)?;
    let keys = dir(data_dir);
    let mut m: Manifest =
        serde_json::from_slice(&fs::read(keys.join("manifest.json")).map_err(Error::internal)?)
            .map_err(Error::internal)?;
    let at = now();
    let (issuer, verifier) = new_pair(&keys)?;
    m.retired.insert(
        std::mem::replace(&mut m.active_issuer, issuer.clone()),
        at + CREDENTIAL_SECS,
    );
    m.retired.insert(
        std::mem::replace(&mut m.active_verifier, verifier.clone()),
        at + VERIFIER_GRACE_SECS,
    );
    m.retired.retain(|_, until| *until >= at);
    save(&keys, &m)?;
    Ok((issuer, verifier))
}

impl KeyRing {
    /// What `/.well-known/ikd-keys` publishes: issuer keys and the active verifier key.
    pub fn published(&self) -> KeySet {
        KeySet {
            issuers: self.issuers.clone(),
            verifiers: self
                .decryption
                .iter()
                .filter(|k| k.kid() == self.verifier_kid)
                .map(|k| k.public().clone())
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_made_once_kept_private_and_rotation_keeps_the_old_public_key() {
        let dir = tempfile_dir();
        let a = load_or_create(&dir).unwrap();
        let b = load_or_create(&dir).unwrap();
        assert_eq!(
            a.issuer.kid(),
            b.issuer.kid(),
            "same keys on the next start"
        );
        #[cfg(unix)]
        for entry in fs::read_dir(dir.join("keys")).unwrap() {
            let p = entry.unwrap().path();
            if p.extension().is_some_and(|e| e == "p8" || e == "key") {
                let mode = std::os::unix::fs::PermissionsExt::mode(
                    &fs::metadata(&p).unwrap().permissions(),
                );
                assert_eq!(mode & 0o077, 0, "{} is private", p.display());
            }
        }
        rotate(&dir).unwrap();
        let c = load_or_create(&dir).unwrap();
        assert_ne!(c.issuer.kid(), a.issuer.kid());
        let old = c
            .issuers
            .iter()
            .find(|k| k.key.kid() == a.issuer.kid())
            .expect("old issuer still published");
        assert!(old.not_after.is_some());
        assert_eq!(c.decryption.len(), 2, "old verifier key still opens QRs");
        assert_eq!(
            c.published().verifiers.len(),
            1,
            "only the new verifier key is advertised"
        );
        fs::remove_dir_all(dir).ok();
    }

    fn tempfile_dir() -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("ikd-keys-{}", crate::security::new_id().unwrap()));
        fs::create_dir_all(&d).unwrap();
        d
    }
}
