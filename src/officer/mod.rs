//! The officer's console at the counter (`/petugas`): sign in, scan a citizen's registration
//! QR and review it (selfie beside the registry photo) to approve or reject, review device
//! changes remotely from a queue (Tinjauan jarak jauh), verify an
//! identity QR, and unlock a PIN or release a device after checking the person. The same
//! components run in the browser renderer and in a desktop window (`IKD_CONSOLE=petugas`).
//!
//! The session lives in memory only: a reload or a closed window signs the officer out.

mod accounts;
mod layout;
mod login;
mod registrations;
mod remote;
mod review;
mod scanner;
mod verify;

use dioxus::prelude::*;
use ikd_core::Lang;

use crate::api::{ApiClient, ClientError};
use crate::camera::Camera;
use crate::unix_now;

pub use accounts::Accounts;
pub use layout::ConsoleLayout;
pub use login::OfficerLogin;
pub use registrations::Registrations;
pub use remote::RemoteQueue;
pub use scanner::QrScanner;
pub use verify::VerifyIdentity;

/// What the renderer gives the console.
#[derive(Debug, Clone)]
pub struct OfficerConfig {
    pub api: ApiClient,
    /// The counter's camera (the browser's or the webview's, or a virtual one).
    pub camera: Camera,
}

/// A signed-in officer.
#[derive(Clone, PartialEq)]
pub struct SignedIn {
    pub username: String,
    token: String,
    /// Unix seconds; the console signs out by itself then.
    pub expires_at: i64,
}

impl std::fmt::Debug for SignedIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedIn")
            .field("username", &self.username)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// Why the officer is on the sign-in screen again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignedOut {
    Expired,
    LoggedOut,
}

/// The console's state; `Copy`, so closures and tasks take it freely.
#[derive(Clone, Copy)]
pub struct Console {
    pub config: CopyValue<OfficerConfig>,
    pub lang: Signal<Lang>,
    pub signed_in: Signal<Option<SignedIn>>,
    pub signed_out: Signal<Option<SignedOut>>,
}

impl std::fmt::Debug for Console {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Console").finish_non_exhaustive()
    }
}

impl Console {
    /// The service client, answering in the officer's language.
    pub fn api(&self) -> ApiClient {
        self.config.peek().api.with_lang(*self.lang.peek())
    }

    pub fn lang(&self) -> Lang {
        (self.lang)()
    }

    /// The bearer token, unless the session has run out.
    pub fn token(&mut self) -> Option<String> {
        let s = self.signed_in.peek().clone()?;
        if s.expires_at <= unix_now() {
            self.end(SignedOut::Expired);
            return None;
        }
        Some(s.token)
    }

    pub fn begin(&mut self, username: String, token: String, expires_at: i64) {
        self.signed_out.set(None);
        self.signed_in.set(Some(SignedIn {
            username,
            token,
            expires_at,
        }));
    }

    pub fn end(&mut self, why: SignedOut) {
        self.signed_in.set(None);
        self.signed_out.set(Some(why));
    }

    /// Passes an error on, signing out first when the service says the session is over.
    pub fn check(&mut self, e: ClientError) -> ClientError {
        if e.code() == "UNAUTHORIZED" {
            self.end(SignedOut::Expired);
        }
        e
    }
}

/// Provides the console's state at the root: call once, in [`OfficerApp`].
pub fn provide_console(config: OfficerConfig) -> Console {
    let console = Console {
        config: CopyValue::new(config),
        lang: Signal::new(Lang::Id),
        signed_in: Signal::new(None),
        signed_out: Signal::new(None),
    };
    provide_context(console);
    // The language alone, for the shared components.
    provide_context(console.lang);
    console
}

pub fn use_console() -> Console {
    use_context::<Console>()
}

/// The console's routes. Full paths under `/petugas`; `/` is the sign-in too, because the
/// browser renderer's history starts there.
#[derive(Routable, Clone, PartialEq, Debug)]
#[rustfmt::skip]
pub enum OfficerRoute {
    #[route("/", OfficerLogin)]
    Root {},
    #[route("/petugas")]
    OfficerLogin {},
    #[layout(ConsoleLayout)]
        #[route("/petugas/pendaftaran")]
        Registrations {},
        #[route("/petugas/tinjauan")]
        RemoteQueue {},
        #[route("/petugas/verifikasi")]
        VerifyIdentity {},
        #[route("/petugas/akun")]
        Accounts {},
    #[end_layout]
    #[route("/:..segments")]
    Elsewhere { segments: Vec<String> },
}

/// Any other address leads to the sign-in.
#[component]
fn Elsewhere(segments: Vec<String>) -> Element {
    let nav = use_navigator();
    let _ = segments;
    use_effect(move || {
        nav.replace(OfficerRoute::OfficerLogin {});
    });
    rsx! {}
}

/// The console's root; the renderer provides an [`OfficerConfig`] as context.
#[component]
pub fn OfficerApp() -> Element {
    let config = use_context::<OfficerConfig>();
    use_hook(|| provide_console(config));
    rsx! {
        Router::<OfficerRoute> {}
    }
}

/// A photo from the service as an `<img>` source.
fn photo_src(photo: &ikd_core::records::Photo) -> String {
    crate::camera::data_url(photo.bytes())
}
