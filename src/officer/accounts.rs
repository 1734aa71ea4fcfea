//! Akun warga: after checking the person at the counter (physical KTP-el, fingerprint),
//! lift a PIN lock or release the device of a lost or broken phone. The service writes each
//! action to the audit log with the officer's name.

use dioxus::prelude::*;
use ikd_core::{Nik, UserError as _};

use super::use_console;
use crate::api::ClientError;
use crate::components::{ErrorNote, Progress, TextField};
use crate::i18n::t;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Action {
    ResetPin,
    ReleaseDevice,
}

#[component]
pub fn Accounts() -> Element {
    let mut c = use_console();
    let l = c.lang();
    let nik = use_signal(String::new);
    let mut checked = use_signal(|| false);
    let mut confirm_release = use_signal(|| false);
    let mut busy = use_signal(|| false);
    let mut error = use_signal(|| None::<ClientError>);
    let mut done = use_signal(|| None::<Action>);

    let parsed = use_memo(move || {
        let v = nik.read().trim().to_owned();
        (!v.is_empty()).then(|| Nik::parse(&v))
    });
    // Another NIK is another case: the last one's result no longer applies.
    use_effect(move || {
        nik.read();
        done.set(None);
    });
    let mut act = move |action: Action| {
        let Some(Ok(n)) = parsed() else { return };
        let Some(token) = c.token() else { return };
        busy.set(true);
        error.set(None);
        done.set(None);
        spawn(async move {
            let api = c.api();
            let r = match action {
                Action::ResetPin => api.reset_pin(&token, &n).await,
                Action::ReleaseDevice => api.officer_release_device(&token, &n).await,
            };
            busy.set(false);
            confirm_release.set(false);
            match r {
                Ok(()) => {
                    done.set(Some(action));
                    checked.set(false);
                }
                Err(e) => error.set(Some(c.check(e))),
            }
        });
    };
    let nik_error = match parsed() {
        Some(Err(e)) => Some(e.message(l)),
        _ => None,
    };
    let ready = matches!(parsed(), Some(Ok(_))) && checked() && !busy();

    rsx! {
        div { class: "console-page", id: "accounts",
            h2 { {t(l, "Akun warga", "Citizen accounts")} }
            section { class: "card",
                label { r#for: "akun-nik", "NIK" }
                TextField { id: "akun-nik", value: nik, inputmode: "numeric", maxlength: 16, autocomplete: "off" }
                if let Some(msg) = nik_error {
                    p { class: "error", id: "akun-nik-error", "{msg}" }
                }
                label { class: "check",
                    input { r#type: "checkbox", id: "identitas-dicek", checked: checked(),
                        onchange: move |e| checked.set(e.checked()) }
                    {t(l, " Saya sudah memeriksa identitas warga ini (KTP-el fisik atau sidik jari).",
                        " I have checked this citizen's identity (physical KTP-el or fingerprint).")}
                }
            }
            if let Some(e) = error() {
                ErrorNote { error: e }
            }
            match done() {
                Some(Action::ResetPin) => rsx! {
                    p { class: "card success", id: "akun-done", role: "status",
                        {t(l, "Kunci PIN dibuka. Warga dapat masuk lagi dengan PIN-nya.", "The PIN lock is lifted. The citizen can sign in with their PIN again.")} }
                },
                Some(Action::ReleaseDevice) => rsx! {
                    p { class: "card success", id: "akun-done", role: "status",
                        {t(l, "Perangkat dilepas. QR dari perangkat lama tidak berlaku lagi; warga dapat mendaftar di ponsel baru.",
                            "The device is released. QRs from the old device are no longer valid; the citizen can register a new phone.")} }
                },
                None => rsx! {},
            }
            if busy() {
                Progress { label: t(l, "Memproses…", "Working…") }
            } else if confirm_release() {
                section { class: "card rejected",
                    p { {t(l, "Lepas perangkat warga ini? Aplikasi di ponsel lamanya tidak dapat dipakai lagi.",
                        "Release this citizen's device? The app on their old phone can no longer be used.")} }
                    div { class: "row",
                        button { r#type: "button", class: "secondary", onclick: move |_| confirm_release.set(false), {t(l, "Batal", "Cancel")} }
                        button { r#type: "button", class: "danger", id: "lepas-perangkat-ya", disabled: !ready,
                            onclick: move |_| act(Action::ReleaseDevice), {t(l, "Ya, lepas", "Yes, release")} }
                    }
                }
            } else {
                div { class: "actions",
                    button { r#type: "button", class: "primary", id: "reset-pin", disabled: !ready,
                        onclick: move |_| act(Action::ResetPin), {t(l, "Buka kunci PIN", "Unlock the PIN")} }
                    button { r#type: "button", class: "danger", id: "lepas-perangkat", disabled: !ready,
                        onclick: move |_| confirm_release.set(true), {t(l, "Lepas perangkat", "Release the device")} }
                }
            }
        }
    }
}
