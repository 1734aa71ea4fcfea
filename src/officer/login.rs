//! The officer signs in with username and password.

use dioxus::prelude::*;
use ikd_core::api::OfficerLogin as LoginBody;
use zeroize::Zeroize as _;

use super::{OfficerRoute, SignedOut, use_console};
use crate::api::ClientError;
use crate::components::{ErrorNote, LangSwitch, Progress, TextField};
use crate::i18n::t;

#[component]
pub fn OfficerLogin() -> Element {
    let mut c = use_console();
    let l = c.lang();
    let nav = use_navigator();
    let username = use_signal(String::new);
    let mut password = use_signal(String::new);
    let mut busy = use_signal(|| false);
    let mut error = use_signal(|| None::<ClientError>);

    // Already signed in (e.g. the address bar was used): straight to the work.
    use_effect(move || {
        if c.signed_in.read().is_some() {
            nav.replace(OfficerRoute::Registrations {});
        }
    });

    let mut submit = move || {
        let body = LoginBody {
            username: username.peek().trim().to_owned(),
            password: password.peek().clone(),
        };
        if body.username.is_empty() || body.password.is_empty() || busy() {
            return;
        }
        busy.set(true);
        error.set(None);
        spawn(async move {
            let mut body = body;
            let r = c.api().officer_login(&body).await;
            body.password.zeroize();
            password.write().zeroize();
            busy.set(false);
            match r {
                Ok(s) => {
                    c.begin(body.username, s.token, s.expires_at);
                    nav.replace(OfficerRoute::Registrations {});
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let ready = !username.read().trim().is_empty() && !password.read().is_empty();

    rsx! {
        main { class: "screen console-login",
            header { class: "brand",
                div { class: "garuda", "IKD" }
                h1 { {t(l, "Konsol Petugas Dukcapil", "Dukcapil Officer Console")} }
                p { class: "lead", {t(l, "Masuk dengan akun petugas Anda.", "Sign in with your officer account.")} }
            }
            match c.signed_out.read().as_ref() {
                Some(SignedOut::Expired) => rsx! {
                    p { class: "card notice", id: "session-expired", role: "status",
                        {t(l, "Sesi Anda berakhir. Silakan masuk lagi.", "Your session has ended. Please sign in again.")}
                    }
                },
                Some(SignedOut::LoggedOut) => rsx! {
                    p { class: "card notice", id: "signed-out", role: "status", {t(l, "Anda sudah keluar.", "You have signed out.")} }
                },
                None => rsx! {},
            }
            div { class: "card",
                label { r#for: "officer-username", {t(l, "Nama pengguna", "Username")} }
                TextField { id: "officer-username", value: username, focus: true, r#type: "text", autocomplete: "username", maxlength: 64 }
                label { r#for: "officer-password", {t(l, "Kata sandi", "Password")} }
                TextField { id: "officer-password", value: password, on_enter: move |_| submit(),
                    r#type: "password", autocomplete: "current-password", maxlength: 256 }
                if let Some(e) = error() {
                    ErrorNote { error: e, on_retry: move |_| submit() }
                }
                if busy() {
                    Progress { label: t(l, "Memeriksa akun…", "Checking the account…") }
                } else {
                    button { r#type: "button", id: "officer-masuk", class: "primary", disabled: !ready, onclick: move |_| submit(), "Masuk" }
                }
            }
            LangSwitch {}
        }
    }
}
