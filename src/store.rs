//! Where the app keeps its secrets: the device key, the session and the cached credential.
//!
//! [`EncryptedFileStore`] serves where no OS keystore exists (a headless Linux desktop, each
//! browser of the browser renderer): every value is sealed with ChaCha20-Poly1305 under a
//! 256-bit key held apart from the files (a 0600 key file on desktop; the browser's own
//! cookie in the browser renderer, so the server alone cannot open a device's store).
//! [`MemoryStore`] is for unit tests. [`KeystoreStore`] is the OS keystore (Android
//! Keystore, Apple keychain, Secret Service), and [`open_device_store`] picks between it and
//! the sealed files for an installed app.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};
use zeroize::Zeroizing;

mod keystore;
pub use keystore::{KeystoreStore, SERVICE};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store i/o: {0}")]
    Io(#[from] std::io::Error),
    /// A file that does not open with this store's key: tampered, or another device's.
    #[error("stored value could not be opened")]
    Corrupt,
    #[error("random generator failed")]
    Random,
    /// The OS keystore refused or did not answer (locked, no session bus, no permission).
    #[error("OS keystore: {0}")]
    Keystore(String),
    /// Files were asked for (`IKD_STORE=file`), but this device's secrets are in the OS
    /// keystore: opening files would make a new, empty device instead.
    #[error(
        "this device's secrets are in the OS keystore: start without IKD_STORE=file (or remove the app folder to start as a new device)"
    )]
    InKeystore,
}

/// A small key-value store for secrets. Values are zeroised when dropped.
pub trait SecureStore: Send + Sync + std::fmt::Debug {
    fn get(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError>;
    fn put(&self, name: &str, value: &[u8]) -> Result<(), StoreError>;
    fn delete(&self, name: &str) -> Result<(), StoreError>;
}

pub type Store = Arc<dyn SecureStore>;

#[derive(Debug, Default)]
pub struct MemoryStore(Mutex<HashMap<String, Zeroizing<Vec<u8>>>>);

impl SecureStore for MemoryStore {
    fn get(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        Ok(self.0.lock().ok().and_then(|m| m.get(name).cloned()))
    }
    fn put(&self, name: &str, value: &[u8]) -> Result<(), StoreError> {
        if let Ok(mut m) = self.0.lock() {
            m.insert(name.to_owned(), Zeroizing::new(value.to_vec()));
        }
        Ok(())
    }
    fn delete(&self, name: &str) -> Result<(), StoreError> {
        if let Ok(mut m) = self.0.lock() {
            m.remove(name);
        }
        Ok(())
    }
}

/// Sealed files in one directory, one per name.
pub struct EncryptedFileStore {
    dir: PathBuf,
    key: LessSafeKey,
}

impl std::fmt::Debug for EncryptedFileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EncryptedFileStore")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

const NONCE_LEN: usize = 12;

impl EncryptedFileStore {
    /// A store in `dir` sealed with `key` (which the caller keeps apart from `dir`).
    pub fn new(dir: &Path, key: &[u8; 32]) -> Result<Self, StoreError> {
        create_private_dir(dir)?;
        let key = UnboundKey::new(&CHACHA20_POLY1305, key).map_err(|_| StoreError::Corrupt)?;
        Ok(EncryptedFileStore {
            dir: dir.to_owned(),
            key: LessSafeKey::new(key),
        })
    }

    /// A store in `dir/values` whose key lives in `dir/store.key` (made on first use,
    /// mode 0600): for a desktop without an OS keystore.
    pub fn open_with_key_file(dir: &Path) -> Result<Self, StoreError> {
        create_private_dir(dir)?;
        let key_path = dir.join("store.key");
        let key: Zeroizing<[u8; 32]> = match std::fs::read(&key_path) {
            Ok(bytes) if bytes.len() == 32 => {
                let bytes = Zeroizing::new(bytes);
                let mut k = Zeroizing::new([0u8; 32]);
                k.copy_from_slice(&bytes);
                k
            }
            Ok(_) => return Err(StoreError::Corrupt),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let k = Zeroizing::new(random::<32>()?);
                write_atomic(&key_path, k.as_slice())?;
                k
            }
            Err(e) => return Err(e.into()),
        };
        Self::new(&dir.join("values"), &key)
    }

    fn path(&self, name: &str) -> PathBuf {
        // Names are the app's own constants; keep them to a safe file-name alphabet anyway.
        let safe: String = name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        self.dir.join(format!("{safe}.sealed"))
    }
}

impl SecureStore for EncryptedFileStore {
    fn get(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        let bytes = match std::fs::read(self.path(name)) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        if bytes.len() < NONCE_LEN {
            return Err(StoreError::Corrupt);
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| StoreError::Corrupt)?;
        let mut buf = Zeroizing::new(sealed.to_vec());
        // The name is bound in, so one sealed file cannot be renamed into another's place.
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(name.as_bytes()), &mut buf)
            .map_err(|_| StoreError::Corrupt)?
            .to_vec();
        Ok(Some(Zeroizing::new(plain)))
    }

    fn put(&self, name: &str, value: &[u8]) -> Result<(), StoreError> {
        let nonce_bytes = random::<NONCE_LEN>()?;
        let nonce = Nonce::assume_unique_for_key(nonce_bytes);
        let mut buf = Zeroizing::new(value.to_vec());
        self.key
            .seal_in_place_append_tag(nonce, Aad::from(name.as_bytes()), &mut *buf)
            .map_err(|_| StoreError::Corrupt)?;
        let mut file = nonce_bytes.to_vec();
        file.extend_from_slice(&buf);
        Ok(write_atomic(&self.path(name), &file)?)
    }

    fn delete(&self, name: &str) -> Result<(), StoreError> {
        match std::fs::remove_file(self.path(name)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

/// Where an installed app keeps its secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    /// The OS keystore ([`KeystoreStore`]).
    Keystore,
    /// Sealed files with a key file beside them ([`EncryptedFileStore::open_with_key_file`]).
    EncryptedFile,
}

/// The device's store: the OS keystore when the platform has one that answers, else
/// sealed files in `dir`.
///
/// The choice is made at the first launch and kept: files once made stay in use, and a
/// keystore once used is required, so a keystore that stops answering is an error
/// instead of a silently empty new device. `use_keystore = false` picks the files (a
/// kiosk without a keyring, the desktop tests) on a new install or one already on files.
pub fn open_device_store(dir: &Path, use_keystore: bool) -> Result<(Store, StoreKind), StoreError> {
    open_device_store_with(dir, use_keystore, || {
        KeystoreStore::platform().map(|k| Arc::new(k) as Store)
    })
}

fn open_device_store_with(
    dir: &Path,
    use_keystore: bool,
    keystore: impl FnOnce() -> Result<Store, StoreError>,
) -> Result<(Store, StoreKind), StoreError> {
    create_private_dir(dir)?;
    let marker = dir.join("keystore");
    let files = || -> Result<(Store, StoreKind), StoreError> {
        let store = EncryptedFileStore::open_with_key_file(dir)?;
        Ok((Arc::new(store), StoreKind::EncryptedFile))
    };
    if dir.join("store.key").exists() {
        return files();
    }
    if !use_keystore {
        return if marker.exists() {
            Err(StoreError::InKeystore)
        } else {
            files()
        };
    }
    match keystore() {
        Ok(store) => {
            if !marker.exists() {
                write_atomic(&marker, b"secrets are in the OS keystore\n")?;
            }
            Ok((store, StoreKind::Keystore))
        }
        Err(e) if marker.exists() => Err(e),
        Err(_) => files(),
    }
}

fn random<const N: usize>() -> Result<[u8; N], StoreError> {
    ikd_core::crypto::random_bytes::<N>().map_err(|_| StoreError::Random)
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Written whole or not at all: a crash mid-write leaves the old value.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let store = EncryptedFileStore::open_with_key_file(dir.path()).unwrap();
        assert!(store.get("device").unwrap().is_none());
        store.put("device", b"secret key bytes").unwrap();
        let again = EncryptedFileStore::open_with_key_file(dir.path()).unwrap();
        assert_eq!(
            again.get("device").unwrap().unwrap().as_slice(),
            b"secret key bytes"
        );
        again.delete("device").unwrap();
        assert!(again.get("device").unwrap().is_none());
    }

    #[test]
    fn files_hold_no_plaintext_and_refuse_another_key_or_name_or_a_flipped_byte() {
        let dir = tempfile::tempdir().unwrap();
        let store = EncryptedFileStore::new(dir.path(), &[1; 32]).unwrap();
        store.put("session", b"token-abcdef").unwrap();
        let file = dir.path().join("session.sealed");
        let bytes = std::fs::read(&file).unwrap();
        assert!(!bytes.windows(6).any(|w| w == b"token-"));
        let other = EncryptedFileStore::new(dir.path(), &[2; 32]).unwrap();
        assert!(matches!(other.get("session"), Err(StoreError::Corrupt)));
        std::fs::copy(&file, dir.path().join("device.sealed")).unwrap();
        assert!(matches!(store.get("device"), Err(StoreError::Corrupt)));
        let mut flipped = bytes.clone();
        flipped[20] ^= 1;
        std::fs::write(&file, flipped).unwrap();
        assert!(matches!(store.get("session"), Err(StoreError::Corrupt)));
    }

    fn keystore_ok() -> Result<Store, StoreError> {
        Ok(Arc::new(MemoryStore::default()))
    }

    fn keystore_down() -> Result<Store, StoreError> {
        Err(StoreError::Keystore("no session bus".into()))
    }

    #[test]
    fn the_keystore_is_chosen_when_it_answers_and_then_required() {
        let dir = tempfile::tempdir().unwrap();
        let (_, kind) = open_device_store_with(dir.path(), true, keystore_ok).unwrap();
        assert_eq!(kind, StoreKind::Keystore);
        assert!(!dir.path().join("store.key").exists());
        let (_, kind) = open_device_store_with(dir.path(), true, keystore_ok).unwrap();
        assert_eq!(kind, StoreKind::Keystore);
        // Not a new empty device behind the user's back, nor on request.
        assert!(matches!(
            open_device_store_with(dir.path(), true, keystore_down),
            Err(StoreError::Keystore(_))
        ));
        assert!(matches!(
            open_device_store_with(dir.path(), false, keystore_ok),
            Err(StoreError::InKeystore)
        ));
    }

    #[test]
    fn sealed_files_serve_without_a_keystore_and_stay_in_use_once_made() {
        let dir = tempfile::tempdir().unwrap();
        let (store, kind) = open_device_store_with(dir.path(), true, keystore_down).unwrap();
        assert_eq!(kind, StoreKind::EncryptedFile);
        store.put("device", b"k").unwrap();
        let (store, kind) = open_device_store_with(dir.path(), true, keystore_ok).unwrap();
        assert_eq!(kind, StoreKind::EncryptedFile);
        assert_eq!(store.get("device").unwrap().unwrap().as_slice(), b"k");
        let other = tempfile::tempdir().unwrap();
        let (_, kind) = open_device_store_with(other.path(), false, keystore_ok).unwrap();
        assert_eq!(kind, StoreKind::EncryptedFile);
    }

    #[cfg(unix)]
    #[test]
    fn the_key_file_and_values_are_private_to_the_user() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let store = EncryptedFileStore::open_with_key_file(dir.path()).unwrap();
        store.put("x", b"1").unwrap();
        for f in [
            dir.path().join("store.key"),
            dir.path().join("values/x.sealed"),
        ] {
            let mode = std::fs::metadata(&f).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{f:?}");
        }
    }
}
