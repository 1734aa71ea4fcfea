//! The app's state: what the renderer provides ([`AppConfig`]: service client, secure store,
//! camera), what this device remembers across launches ([`Device`], sealed in the store),
//! and what lives only while the app runs (the session token: the PIN is asked at every
//! launch). Screens reach all of it through [`use_session`].

use dioxus::prelude::*;
use ikd_core::Lang;
use ikd_core::crypto::{DeviceKey, KeySet};
use ikd_core::wire::{Credential, Profile};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::api::ApiClient;
use crate::camera::Camera;
use crate::store::{Store, StoreError};

/// Version of the terms shown on the consent screen; the service refuses others.
pub const CONSENT_VERSION: &str = "2026-01";

const DEVICE: &str = "device";
const CREDENTIAL: &str = "credential";

/// What the renderer gives the app (desktop: from the environment; browser renderer: per
/// browser). Cheap to clone; `Send + Sync` for the renderers' launch contexts.
#[derive(Debug, Clone)]
pub struct AppConfig {
    pub api: ApiClient,
    pub store: Store,
    pub camera: Camera,
}

/// This phone's registration and key, sealed in the secure store.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Device {
    pub nik: String,
    /// The ES256 device key (PKCS#8, base64url), made at registration.
    key_pkcs8: String,
    pub registration: Option<Pending>,
    pub activated: bool,
}

impl std::fmt::Debug for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Device")
            .field("activated", &self.activated)
            .finish_non_exhaustive()
    }
}

/// A registration in progress on this phone.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    pub id: String,
    pub secret: String,
    /// The `IKDREG1:` text once the selfie was accepted.
    pub qr: Option<String>,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for CachedCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedCredential").finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").finish_non_exhaustive()
    }
}

impl Device {
    pub fn new(nik: &str, key: &DeviceKey, registration: Pending) -> Self {
        Device {
            nik: nik.to_owned(),
            key_pkcs8: b64u(key.pkcs8()),
            registration: Some(registration),
            activated: false,
        }
    }

    pub fn key(&self) -> Option<DeviceKey> {
        let bytes = Zeroizing::new(from_b64u(&self.key_pkcs8)?);
        DeviceKey::from_pkcs8(&bytes).ok()
    }
}

/// The last credential with the keys it is presented to: enough for the identity QR with
/// no network.
#[derive(Clone, Serialize, Deserialize)]
pub struct CachedCredential {
    pub cbor: String,
    pub keys: KeySet,
}

impl CachedCredential {
    pub fn credential(&self) -> Option<Credential> {
        Credential::from_cbor(&from_b64u(&self.cbor)?).ok()
    }
}

pub fn b64u(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn from_b64u(s: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .ok()
}

fn load<T: for<'de> Deserialize<'de>>(store: &Store, name: &str) -> Option<T> {
    let bytes = store.get(name).ok()??;
    serde_json::from_slice(&bytes).ok()
}

fn save<T: Serialize>(store: &Store, name: &str, value: Option<&T>) -> Result<(), StoreError> {
    match value {
        Some(v) => {
            let json = Zeroizing::new(serde_json::to_vec(v).map_err(|_| StoreError::Corrupt)?);
            store.put(name, &json)
        }
        None => store.delete(name),
    }
}

/// Everything a screen needs, all `Copy`: closures and tasks take it freely.
#[derive(Clone, Copy)]
pub struct Session {
    /// What the renderer provided (read with `.peek()`: it never changes).
    pub config: CopyValue<AppConfig>,
    pub lang: Signal<Lang>,
    pub device: Signal<Option<Device>>,
    /// Bearer token of the signed-in session (memory only).
    pub token: Signal<Option<String>>,
    /// The one-use token after activation, for setting the first PIN.
    pub setup_token: Signal<Option<String>>,
    pub credential: Signal<Option<CachedCredential>>,
    /// The disclosure profile chosen for the identity QR.
    pub profile: Signal<Profile>,
}

impl Session {
    /// The service client, answering in the citizen's language.
    pub fn api(&self) -> ApiClient {
        self.config.peek().api.with_lang(*self.lang.peek())
    }

    pub fn lang(&self) -> Lang {
        (self.lang)()
    }

    /// Saves (or with `None` forgets) this device's record.
    pub fn set_device(&mut self, device: Option<Device>) -> Result<(), StoreError> {
        save(&self.config.peek().store, DEVICE, device.as_ref())?;
        self.device.set(device);
        Ok(())
    }

    pub fn set_credential(&mut self, cred: Option<CachedCredential>) -> Result<(), StoreError> {
        save(&self.config.peek().store, CREDENTIAL, cred.as_ref())?;
        self.credential.set(cred);
        Ok(())
    }

    /// Forgets everything on this device (after "Lepas perangkat" or a rejected device).
    pub fn forget_device(&mut self) -> Result<(), StoreError> {
        self.set_credential(None)?;
        self.set_device(None)?;
        self.token.set(None);
        Ok(())
    }
}

/// Provides the session at the root: call once, in `App`.
pub fn provide_session(config: AppConfig) -> Session {
    let device = load::<Device>(&config.store, DEVICE);
    let credential = load::<CachedCredential>(&config.store, CREDENTIAL);
    let session = Session {
        lang: Signal::new(Lang::Id),
        device: Signal::new(device),
        token: Signal::new(None),
        setup_token: Signal::new(None),
        credential: Signal::new(credential),
        profile: Signal::new(Profile::Minimal),
        config: CopyValue::new(config),
    };
    provide_context(session);
    // The language alone, for components that need nothing else (and the tests).
    provide_context(session.lang);
    session
}

pub fn use_session() -> Session {
    use_context::<Session>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_device_record_round_trips_its_key_and_hides_it_from_debug() {
        let key = DeviceKey::generate().unwrap();
        let d = Device::new(
            "3171011708450001",
            &key,
            Pending {
                id: "r".into(),
                secret: "s".into(),
                qr: None,
            },
        );
        assert_eq!(d.key().unwrap().public(), key.public());
        let dbg = format!("{d:?}");
        assert!(!dbg.contains("3171011708450001") && !dbg.contains(&d.key_pkcs8[..10]));
        let store: Store = std::sync::Arc::new(crate::store::MemoryStore::default());
        save(&store, DEVICE, Some(&d)).unwrap();
        assert_eq!(load::<Device>(&store, DEVICE), Some(d));
        save::<Device>(&store, DEVICE, None).unwrap();
        assert_eq!(load::<Device>(&store, DEVICE), None);
    }
}
