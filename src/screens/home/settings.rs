//! Pengaturan: change the PIN, the ways to Ubah email / nomor ponsel and Data saya, release
//! this device (after a confirmation), language, sign
//! out.

use dioxus::prelude::*;
use ikd_core::UserError;
use ikd_core::secret::PinError;

use crate::Route;
use crate::api::{ChangePinBody, ClientError};
use crate::components::{ErrorNote, LangSwitch, Progress, TextField};
use crate::i18n::t;
use crate::screens::set_pin::check_new_pin;
use crate::session::use_session;

#[component]
pub fn Pengaturan() -> Element {
    let mut s = use_session();
    let l = s.lang();
    let nav = use_navigator();
    let mut old_pin = use_signal(String::new);
    let mut new_pin = use_signal(String::new);
    let mut confirm_release = use_signal(|| false);
    let mut busy = use_signal(|| false);
    let mut done = use_signal(|| None::<&'static str>);
    let mut error = use_signal(|| None::<ClientError>);
    let token = (s.token)().unwrap_or_default();

    let new_check = check_new_pin(&new_pin(), l);
    let old_digits = old_pin().bytes().all(|b| b.is_ascii_digit());
    let can_change = old_pin().len() == 6 && old_digits && matches!(new_check, Some(Ok(_)));

    let token_c = token.clone();
    let change = move |_| {
        let token = token_c.clone();
        busy.set(true);
        error.set(None);
        done.set(None);
        spawn(async move {
            let r = s
                .api()
                .change_pin(
                    &token,
                    &ChangePinBody {
                        old_pin: &old_pin(),
                        new_pin: &new_pin(),
                    },
                )
                .await;
            busy.set(false);
            match r {
                Ok(()) => {
                    let _ = s.remember_pin(&new_pin.peek());
                    old_pin.set(String::new());
                    new_pin.set(String::new());
                    done.set(Some(t(
                        s.lang(),
                        "PIN telah diubah.",
                        "The PIN has been changed.",
                    )));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let token_r = token.clone();
    let release = move |_| {
        let token = token_r.clone();
        busy.set(true);
        error.set(None);
        spawn(async move {
            let r = s.api().release_device(&token).await;
            busy.set(false);
            match r {
                Ok(()) => {
                    if s.forget_device().is_ok() {
                        nav.replace(Route::Welcome {});
                    }
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let logout = move |_| {
        let token = token.clone();
        spawn(async move {
            // Signing out locally does not wait for the network.
            let _ = s.api().logout(&token).await;
        });
        s.token.set(None);
        s.offline.set(false);
        nav.replace(Route::Login {});
    };

    rsx! {
        main { class: "screen tab-screen",
            h2 { {t(l, "Pengaturan", "Settings")} }
            section { class: "card",
                h3 { {t(l, "Ubah PIN", "Change PIN")} }
                label { r#for: "old-pin", {t(l, "PIN lama", "Current PIN")} }
                TextField { id: "old-pin", value: old_pin, r#type: "password", inputmode: "numeric", maxlength: "6" }
                if !old_digits {
                    p { class: "error", role: "alert", {PinError::Format.message(l)} }
                }
                label { r#for: "new-pin", {t(l, "PIN baru", "New PIN")} }
                TextField { id: "new-pin", value: new_pin, r#type: "password", inputmode: "numeric", maxlength: "6" }
                if let Some(Err(m)) = &new_check {
                    p { class: "error", role: "alert", "{m}" }
                }
                button { r#type: "button", id: "ubah-pin", class: "primary", disabled: !can_change || busy(), onclick: change, {t(l, "Ubah PIN", "Change PIN")} }
            }
            if let Some(msg) = done() {
                p { class: "ok", role: "status", "{msg}" }
            }
            if let Some(e) = error() {
                ErrorNote { error: e }
            }
            if busy() {
                Progress { label: t(l, "Mengirim…", "Sending…") }
            }
            section { class: "card",
                h3 { {t(l, "Email dan nomor ponsel", "Email and phone")} }
                p { class: "hint", {t(l, "Tempat kode dan pemberitahuan keamanan dikirim.", "Where codes and security notices are sent.")} }
                button { r#type: "button", id: "ubah-kontak-buka", class: "secondary",
                    onclick: move |_| { nav.push(Route::UbahKontak {}); }, {t(l, "Ubah email / nomor ponsel", "Change email / phone")} }
            }
            section { class: "card",
                h3 { {t(l, "Data saya", "My data")} }
                p { class: "hint", {t(l, "Unduh semua data Anda (ditandatangani Dukcapil), atau tutup akun IKD.",
                    "Download all your data (signed by Dukcapil), or close your IKD account.")} }
                button { r#type: "button", id: "data-saya-buka", class: "secondary",
                    onclick: move |_| { nav.push(Route::DataSaya {}); }, {t(l, "Data saya", "My data")} }
            }
            section { class: "card",
                h3 { {t(l, "Bahasa", "Language")} }
                LangSwitch {}
            }
            section { class: "card",
                h3 { {t(l, "Lepas perangkat", "Release this device")} }
                p { class: "hint", {t(l, "IKD di ponsel ini dihapus dan semua sesi diakhiri. Anda dapat mendaftar lagi di ponsel baru.",
                    "IKD is removed from this phone and every session ends. You can register again on a new phone.")} }
                if confirm_release() {
                    p { class: "error", role: "alert", {t(l, "Yakin? Tindakan ini tidak dapat dibatalkan.", "Are you sure? This cannot be undone.")} }
                    div { class: "row",
                        button { r#type: "button", class: "secondary", onclick: move |_| confirm_release.set(false), {t(l, "Batal", "Cancel")} }
                        button { r#type: "button", id: "lepas-ya", class: "danger", disabled: busy(), onclick: release, {t(l, "Ya, lepas", "Yes, release")} }
                    }
                } else {
                    button { r#type: "button", id: "lepas", class: "danger", onclick: move |_| confirm_release.set(true), {t(l, "Lepas perangkat", "Release device")} }
                }
            }
            button { r#type: "button", id: "keluar", class: "secondary", onclick: logout, {t(l, "Keluar", "Sign out")} }
        }
    }
}
