//! The OS keystore through keyring-core: the Android Keystore, the Apple keychain, the
//! Secret Service of a Linux desktop. One keystore entry per name, under one service name.
//!
//! Values are kept as Base64 text: some Secret Service back ends (KDE Wallet) hold only
//! UTF-8, and the Android store writes text anyway.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use keyring_core::{CredentialStore, Entry, Error};
use zeroize::Zeroizing;

use super::{SecureStore, StoreError};

/// The keystore service name of this app's entries.
pub const SERVICE: &str = "id.go.dukcapil.ikd";

/// A [`SecureStore`] over one keyring-core credential store.
pub struct KeystoreStore {
    store: Arc<CredentialStore>,
    service: String,
}

impl std::fmt::Debug for KeystoreStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeystoreStore")
            .field("keystore", &self.store.vendor())
            .field("service", &self.service)
            .finish()
    }
}

impl KeystoreStore {
    /// Entries of `service` in `store`, checked to answer (unlocked, reachable) before use.
    pub fn new(store: Arc<CredentialStore>, service: &str) -> Result<Self, StoreError> {
        let s = KeystoreStore {
            store,
            service: service.to_owned(),
        };
        s.get("probe")?;
        Ok(s)
    }

    /// The platform's own keystore, where this build has one.
    pub fn platform() -> Result<Self, StoreError> {
        Self::new(platform_keystore().map_err(keystore_error)?, SERVICE)
    }

    fn entry(&self, name: &str) -> Result<Entry, StoreError> {
        self.store
            .build(&self.service, name, None)
            .map_err(keystore_error)
    }
}

impl SecureStore for KeystoreStore {
    fn get(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        match self.entry(name)?.get_secret() {
            Ok(text) => {
                let text = Zeroizing::new(text);
                let value = STANDARD
                    .decode(text.as_slice())
                    .map_err(|_| StoreError::Corrupt)?;
                Ok(Some(Zeroizing::new(value)))
            }
            Err(Error::NoEntry) => Ok(None),
            // Android: the Keystore key that sealed it is gone (e.g. a restored backup).
            Err(Error::BadDataFormat(..)) => Err(StoreError::Corrupt),
            Err(e) => Err(keystore_error(e)),
        }
    }

    fn put(&self, name: &str, value: &[u8]) -> Result<(), StoreError> {
        let text = Zeroizing::new(STANDARD.encode(value));
        self.entry(name)?
            .set_secret(text.as_bytes())
            .map_err(keystore_error)
    }

    fn delete(&self, name: &str) -> Result<(), StoreError> {
        match self.entry(name)?.delete_credential() {
            Ok(()) | Err(Error::NoEntry) => Ok(()),
            Err(e) => Err(keystore_error(e)),
        }
    }
}

/// keyring-core's errors carry names and platform messages, never a secret's bytes.
fn keystore_error(e: Error) -> StoreError {
    StoreError::Keystore(e.to_string())
}

#[cfg(target_os = "android")]
fn platform_keystore() -> keyring_core::Result<Arc<CredentialStore>> {
    // tao registers the Activity with ndk-context before the app's main runs.
    Ok(android_native_keyring_store::Store::new()?)
}

#[cfg(target_os = "ios")]
fn platform_keystore() -> keyring_core::Result<Arc<CredentialStore>> {
    Ok(apple_native_keyring_store::protected::Store::new()?)
}

#[cfg(target_os = "macos")]
fn platform_keystore() -> keyring_core::Result<Arc<CredentialStore>> {
    Ok(apple_native_keyring_store::keychain::Store::new()?)
}

#[cfg(all(target_os = "linux", feature = "desktop"))]
fn platform_keystore() -> keyring_core::Result<Arc<CredentialStore>> {
    // Connects to the session bus now: fails at once on a headless machine.
    Ok(zbus_secret_service_keyring_store::Store::new()?)
}

#[cfg(not(any(
    target_os = "android",
    target_os = "ios",
    target_os = "macos",
    all(target_os = "linux", feature = "desktop")
)))]
fn platform_keystore() -> keyring_core::Result<Arc<CredentialStore>> {
    Err(Error::NotSupportedByStore(
        "no OS keystore in this build".into(),
    ))
}
