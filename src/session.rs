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
const PIN_VERIFIER: &str = "pin-verifier";

/// Wrong PINs the phone accepts offline before it needs the service again (which then
/// applies its own lockout).
pub const OFFLINE_TRIES: u32 = 5;

/// An Argon2id hash of the PIN the service last accepted, so the phone can be unlocked
/// without a network to show the KTP Digital QR (the QR is built offline anyway).
#[derive(Clone, Serialize, Deserialize)]
struct PinVerifier {
    phc: String,
    failed: u32,
}

/// What an offline unlock gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfflineUnlock {
    Unlocked,
    Wrong {
        left: u32,
    },
    /// No verifier on this phone, or too many wrong PINs: only the service can help.
    Unavailable,
}

/// The app's Argon2id: the service's cost (19 MiB, t=2), a phone's budget for one check.
fn argon2() -> argon2::Argon2<'static> {
    argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(19 * 1024, 2, 1, None).unwrap_or_default(),
    )
}

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
    /// Unlocked with the PIN on the phone, without the service: only KTP Digital works.
    pub offline: Signal<bool>,
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
        self.forget_keys()?;
        self.token.set(None);
        self.offline.set(false);
        Ok(())
    }

    /// Removes the device key, the credential and the offline PIN verifier from the store,
    /// and keeps the screen's session (a closed account's last screen still shows).
    pub fn forget_keys(&mut self) -> Result<(), StoreError> {
        self.set_credential(None)?;
        self.set_device(None)?;
        save::<PinVerifier>(&self.config.peek().store, PIN_VERIFIER, None)
    }

    /// Keeps an Argon2id hash of a PIN the service has just accepted (login, change).
    pub fn remember_pin(&self, pin: &str) -> Result<(), StoreError> {
        use argon2::password_hash::{PasswordHasher as _, SaltString};
        // The salt from ring's generator: the app has no other source of randomness.
        let salt: [u8; 16] = ikd_core::crypto::random_bytes().map_err(|_| StoreError::Corrupt)?;
        let salt = SaltString::encode_b64(&salt).map_err(|_| StoreError::Corrupt)?;
        let phc = argon2()
            .hash_password(pin.as_bytes(), &salt)
            .map_err(|_| StoreError::Corrupt)?
            .to_string();
        let v = PinVerifier { phc, failed: 0 };
        save(&self.config.peek().store, PIN_VERIFIER, Some(&v))
    }

    /// Forgets the offline PIN verifier: after a Lupa PIN whose new PIN still waits, neither
    /// the old PIN nor the new one opens the phone offline.
    pub fn forget_pin(&self) -> Result<(), StoreError> {
        save::<PinVerifier>(&self.config.peek().store, PIN_VERIFIER, None)
    }

    /// Unlocks the phone with `pin` when the service cannot be reached; counts wrong PINs
    /// and, after [`OFFLINE_TRIES`], forgets the verifier so only the service can unlock.
    pub fn unlock_offline(&mut self, pin: &str) -> OfflineUnlock {
        use argon2::password_hash::{PasswordHash, PasswordVerifier as _};
        let store = self.config.peek().store.clone();
        let has_credential = self.credential.peek().is_some();
        let Some(mut v) = load::<PinVerifier>(&store, PIN_VERIFIER) else {
            return OfflineUnlock::Unavailable;
        };
        if !has_credential || v.failed >= OFFLINE_TRIES {
            return OfflineUnlock::Unavailable;
        }
        let ok = PasswordHash::new(&v.phc)
            .is_ok_and(|h| argon2().verify_password(pin.as_bytes(), &h).is_ok());
        if ok {
            v.failed = 0;
            let _ = save(&store, PIN_VERIFIER, Some(&v));
            self.offline.set(true);
            return OfflineUnlock::Unlocked;
        }
        v.failed += 1;
        let left = OFFLINE_TRIES - v.failed;
        let saved = if left == 0 {
            save::<PinVerifier>(&store, PIN_VERIFIER, None)
        } else {
            save(&store, PIN_VERIFIER, Some(&v))
        };
        match saved {
            Ok(()) if left > 0 => OfflineUnlock::Wrong { left },
            _ => OfflineUnlock::Unavailable,
        }
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
        offline: Signal::new(false),
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

    #[test]
    fn the_phone_unlocks_offline_with_the_pin_the_service_accepted_and_gives_up_after_five_misses()
    {
        let store: Store = std::sync::Arc::new(crate::store::MemoryStore::default());
        let config = AppConfig {
            api: ApiClient::new("http://127.0.0.1:9"),
            store: store.clone(),
            camera: Camera::Webview,
        };
        let mut dom = VirtualDom::new(|| rsx! {});
        dom.rebuild_in_place();
        dom.in_scope(ScopeId::ROOT, || {
            {
                let mut s = provide_session(config);
                // Nothing to unlock before a login remembered the PIN and a credential exists.
                assert_eq!(s.unlock_offline("902417"), OfflineUnlock::Unavailable);
                s.remember_pin("902417").unwrap();
                assert_eq!(s.unlock_offline("902417"), OfflineUnlock::Unavailable);
                s.credential.set(Some(CachedCredential {
                    cbor: String::new(),
                    keys: KeySet {
                        issuers: Vec::new(),
                        verifiers: Vec::new(),
                    },
                }));
                let stored = store.get(PIN_VERIFIER).unwrap().unwrap();
                assert!(!String::from_utf8_lossy(&stored).contains("902417"));
                assert_eq!(s.unlock_offline("902417"), OfflineUnlock::Unlocked);
                assert!(*s.offline.peek());
                for left in (1..OFFLINE_TRIES).rev() {
                    assert_eq!(s.unlock_offline("905513"), OfflineUnlock::Wrong { left });
                }
                assert_eq!(s.unlock_offline("905513"), OfflineUnlock::Unavailable);
                // The right PIN no longer helps: the verifier is gone.
                assert_eq!(s.unlock_offline("902417"), OfflineUnlock::Unavailable);
            }
        });
    }
}
