//! The signed-in console: a header with the officer and the session's end, the four tasks,
//! and sign-out. Without a session (or once it has run out) it leads back to the sign-in.

use std::time::Duration;

use dioxus::prelude::*;

use super::{OfficerRoute, SignedOut, use_console};
use crate::components::LangSwitch;
use crate::i18n::t;
use crate::unix_now;

#[component]
pub fn ConsoleLayout() -> Element {
    let mut c = use_console();
    let l = c.lang();
    let nav = use_navigator();
    let route = use_route::<OfficerRoute>();

    use_effect(move || {
        if c.signed_in.read().is_none() {
            nav.replace(OfficerRoute::OfficerLogin {});
        }
    });
    // The session ends on time even when the officer does nothing.
    use_future(move || async move {
        let mut every = tokio::time::interval(Duration::from_secs(5));
        loop {
            every.tick().await;
            let _ = c.token();
        }
    });

    let Some(me) = c.signed_in.read().clone() else {
        return rsx! {};
    };
    let minutes_left = ((me.expires_at - unix_now()).max(0) + 59) / 60;
    let logout = move |_| {
        let token = c.token();
        spawn(async move {
            if let Some(token) = token {
                // Signing out locally must not wait on the network; the token expires anyway.
                let _ = c.api().officer_logout(&token).await;
            }
            c.end(SignedOut::LoggedOut);
            nav.replace(OfficerRoute::OfficerLogin {});
        });
    };
    let tab = |to: OfficerRoute, id: &'static str, label: &'static str| {
        let active = route == to;
        rsx! {
            Link { to, id, class: if active { "console-tab active" } else { "console-tab" }, "{label}" }
        }
    };

    rsx! {
        div { class: "console",
            header { class: "console-bar",
                div { class: "console-brand", span { class: "garuda small-logo", "IKD" } strong { {t(l, "Petugas", "Officer")} } }
                div { class: "console-me",
                    span { id: "officer-name", "{me.username}" }
                    span { class: "hint", id: "session-left",
                        {t(l, "sesi", "session")} " {minutes_left} " {t(l, "menit", "min")}
                    }
                    button { r#type: "button", id: "officer-keluar", class: "secondary small", onclick: logout, {t(l, "Keluar", "Sign out")} }
                }
            }
            nav { class: "console-tabs",
                {tab(OfficerRoute::Registrations {}, "tab-pendaftaran", t(l, "Pendaftaran", "Registrations"))}
                {tab(OfficerRoute::RemoteQueue {}, "tab-tinjauan", t(l, "Tinjauan jarak jauh", "Remote review"))}
                {tab(OfficerRoute::VerifyIdentity {}, "tab-verifikasi", t(l, "Verifikasi KTP digital", "Verify a digital KTP"))}
                {tab(OfficerRoute::Accounts {}, "tab-akun", t(l, "Akun warga", "Citizen accounts"))}
            }
            main { class: "console-body", Outlet::<OfficerRoute> {} }
            LangSwitch {}
        }
    }
}
