//! KTP Digital: the identity QR for the profile the citizen picks, signed again every 30 s
//! (a countdown shows when), built on the phone from the cached credential: no network.

use std::time::Duration;

use dioxus::prelude::*;
use ikd_core::wire::{Profile, present};

use crate::components::QrImage;
use crate::i18n::t;
use crate::session::use_session;
use crate::unix_now;

const ROTATE_SECS: i64 = 30;

#[component]
pub fn KtpDigital() -> Element {
    let s = use_session();
    let l = s.lang();
    let mut profile = s.profile;
    let mut shown = use_signal(|| false);
    let mut now = use_signal(unix_now);
    use_future(move || async move {
        loop {
            tokio::time::sleep(Duration::from_millis(500)).await;
            now.set(unix_now());
        }
    });
    let epoch = use_memo(move || now() / ROTATE_SECS);
    let device = s.device;
    let credential = s.credential;
    let qr = use_memo(move || {
        epoch(); // re-signed when the 30 s period changes
        let cached = credential.read().clone()?;
        let cred = cached.credential()?;
        let key = device.read().as_ref()?.key()?;
        let verifier = cached.keys.verifiers.first()?;
        present(&cred, &key, profile(), verifier, unix_now()).ok()
    });
    let left = ROTATE_SECS - now() % ROTATE_SECS;
    // Decoded once per credential, not at every tick of the clock.
    let valid_until = use_memo(move || {
        credential
            .read()
            .as_ref()
            .and_then(|c| c.credential())
            .map(|c| c.valid_until())
    });
    let expired = valid_until().is_none_or(|until| until < now());

    rsx! {
        main { class: "screen tab-screen",
            h2 { {t(l, "KTP Digital", "Digital KTP")} }
            section { class: "card",
                p { class: "hint", {t(l, "Pilih data yang ditunjukkan kepada pemeriksa:", "Choose what the checker sees:")} }
                div { class: "chips", role: "radiogroup",
                    for p in Profile::ALL {
                        button { key: "{p.id()}", r#type: "button", role: "radio", id: "profile-{p.id()}",
                            aria_checked: "{profile() == p}",
                            class: if profile() == p { "chip active" } else { "chip" },
                            onclick: move |_| profile.set(p), "{p.label(l)}" }
                    }
                }
            }
            if expired {
                div { class: "error-box", role: "alert", "data-code": "CREDENTIAL_EXPIRED",
                    p { class: "error", {t(l, "Kredensial di ponsel ini sudah kedaluwarsa. Masuk kembali saat tersambung internet untuk memperbaruinya.",
                        "The credential on this phone has expired. Sign in again while online to renew it.")} }
                }
            } else if shown() {
                match qr() {
                    Some(text) => rsx! {
                        QrImage { text, id: "identity-qr" }
                        p { class: "countdown", id: "qr-countdown", role: "timer",
                            {t(l, "QR diperbarui dalam", "New QR in")} " {left} " {t(l, "detik", "seconds")} }
                        div { class: "bar", div { class: "bar-fill", style: "width: {left * 100 / ROTATE_SECS}%" } }
                        p { class: "hint center", {t(l, "Hanya petugas berwenang yang dapat membaca QR ini. Berfungsi tanpa internet.",
                            "Only authorised checkers can read this QR. Works without internet.")} }
                    },
                    None => rsx! { p { class: "error", role: "alert", {t(l, "QR tidak dapat dibuat. Masuk kembali untuk memperbarui kredensial.", "The QR could not be made. Sign in again to renew the credential.")} } },
                }
                button { r#type: "button", class: "secondary", onclick: move |_| shown.set(false), {t(l, "Sembunyikan", "Hide")} }
            } else {
                button { r#type: "button", id: "tampilkan-qr", class: "primary", onclick: move |_| shown.set(true),
                    {t(l, "Tampilkan QR", "Show QR")} }
            }
        }
    }
}
