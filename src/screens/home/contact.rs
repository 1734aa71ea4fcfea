//! Ubah email / nomor ponsel (Pengaturan): the new email and phone, checked as typed with
//! ikd-core's rules, and the PIN; the phone signs a challenge; a 6-digit code goes to the new
//! email (to the registered one when only the phone changes), and the code applies the
//! change. The address registered before is told by the service.

use dioxus::prelude::*;
use ikd_core::api::{CONTACT_CHANGE_SIGNING_CONTEXT, ContactChangeStarted, ContactView};
use ikd_core::{ActivationCode, Email, PhoneNumber, UserError};

use super::{use_my, waiting};
use crate::Route;
use crate::api::{ClientError, ContactChangeBody};
use crate::components::{ErrorNote, Progress, TextField};
use crate::i18n::t;
use crate::session::use_session;

#[component]
pub fn UbahKontak() -> Element {
    let s = use_session();
    let l = s.lang();
    let nav = use_navigator();
    let current = use_my(|api, token| async move { api.contact(&token).await });
    let email = use_signal(String::new);
    let phone = use_signal(String::new);
    let mut pin = use_signal(String::new);
    let mut code = use_signal(String::new);
    let mut started = use_signal(|| None::<ContactChangeStarted>);
    let mut done = use_signal(|| None::<ContactView>);
    let mut busy = use_signal(|| false);
    let mut error = use_signal(|| None::<ClientError>);

    let email_check = (!email().trim().is_empty())
        .then(|| Email::parse(email().trim()).map_err(|e| e.message(l).to_owned()));
    let phone_check = (!phone().trim().is_empty())
        .then(|| PhoneNumber::parse(phone().trim()).map_err(|e| e.message(l).to_owned()));
    let pin_ok = pin().len() == 6 && pin().bytes().all(|b| b.is_ascii_digit());
    // A field left blank keeps the registered value; at least one must be given.
    let ready = !matches!(email_check, Some(Err(_)))
        && !matches!(phone_check, Some(Err(_)))
        && (email_check.is_some() || phone_check.is_some())
        && pin_ok;
    let code_check = (!code().is_empty())
        .then(|| ActivationCode::parse(code().trim()).map_err(|e| e.message(l).to_owned()));

    let mut send = move || {
        let Some(key) = s.device.peek().as_ref().and_then(|d| d.key()) else {
            nav.replace(Route::Welcome {});
            return;
        };
        let token = (s.token)().unwrap_or_default();
        busy.set(true);
        error.set(None);
        spawn(async move {
            let api = s.api();
            let r = async {
                let (challenge_id, device_signature) = api
                    .signed_challenge(&key, CONTACT_CHANGE_SIGNING_CONTEXT)
                    .await?;
                let (e, p, n) = (email(), phone(), pin());
                api.contact_change_start(
                    &token,
                    &ContactChangeBody {
                        email: Some(e.trim()).filter(|v| !v.is_empty()),
                        phone: Some(p.trim()).filter(|v| !v.is_empty()),
                        pin: &n,
                        challenge_id,
                        device_signature,
                    },
                )
                .await
            }
            .await;
            busy.set(false);
            pin.set(String::new());
            match r {
                Ok(st) => {
                    code.set(String::new());
                    started.set(Some(st));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let mut save = move || {
        let token = (s.token)().unwrap_or_default();
        busy.set(true);
        error.set(None);
        spawn(async move {
            let r = s.api().contact_change_finish(&token, code().trim()).await;
            busy.set(false);
            match r {
                Ok(v) => done.set(Some(v)),
                Err(e) => {
                    // Used up or expired: the form again, for a new code.
                    if e.code() == "CONTACT_CHANGE_EXPIRED" {
                        started.set(None);
                    }
                    error.set(Some(e));
                }
            }
        });
    };

    let body = if let Some(v) = done() {
        rsx! {
            section { class: "card success", id: "kontak-diubah", role: "status",
                h3 { {t(l, "Email dan nomor ponsel diubah", "Email and phone changed")} }
                dl { class: "facts",
                    dt { "Email" } dd { "{v.email_masked}" }
                    dt { {t(l, "Nomor ponsel", "Mobile number")} } dd { "{v.phone_masked}" }
                }
                p { class: "hint", {t(l,
                    "Alamat lama diberi tahu. Pemberitahuan keamanan berikutnya dikirim ke email yang baru.",
                    "The old address has been told. Further security notices go to the new email.")} }
            }
            button { r#type: "button", class: "primary", id: "kembali-pengaturan",
                onclick: move |_| { nav.replace(Route::Pengaturan {}); }, {t(l, "Kembali ke Pengaturan", "Back to Settings")} }
        }
    } else if let Some(st) = started() {
        rsx! {
            section { class: "card", id: "kode-kontak-terkirim",
                p { {t(l, "Kode 6 digit dikirim ke", "A 6-digit code was sent to")} " " strong { "{st.sent_to_masked}" } "." }
                p { class: "hint", {t(l, "Kode berlaku 15 menit. Periksa juga folder spam.", "The code is valid for 15 minutes. Check the spam folder too.")} }
                label { r#for: "kode-kontak", {t(l, "Kode dari email", "Code from the email")} }
                TextField { id: "kode-kontak", value: code, focus: true, inputmode: "numeric", maxlength: "6", autocomplete: "one-time-code", placeholder: "••••••",
                    on_enter: move |_| if ActivationCode::parse(code().trim()).is_ok() && !busy() { save() } }
                if let Some(Err(m)) = &code_check {
                    p { class: "error", role: "alert", "{m}" }
                }
            }
            if let Some(e) = error() {
                ErrorNote { error: e }
            }
            if busy() {
                Progress { label: t(l, "Menyimpan…", "Saving…") }
            } else {
                button { r#type: "button", class: "primary", id: "simpan-kontak",
                    disabled: !matches!(code_check, Some(Ok(_))), onclick: move |_| save(), {t(l, "Simpan", "Save")} }
                button { r#type: "button", class: "secondary", id: "ulang-kontak",
                    onclick: move |_| { started.set(None); error.set(None); }, {t(l, "Ubah isian atau kirim kode baru", "Edit, or send a new code")} }
            }
        }
    } else {
        let now = match &*current.read() {
            Some(Ok(v)) => Some(v.clone()),
            _ => None,
        };
        rsx! {
            if let Some(w) = waiting(current, t(l, "Memuat data kontak…", "Loading your contact…")) {
                {w}
            }
            if let Some(v) = now {
                section { class: "card", id: "kontak-sekarang",
                    h3 { {t(l, "Terdaftar sekarang", "Registered now")} }
                    dl { class: "facts",
                        dt { "Email" } dd { "{v.email_masked}" }
                        dt { {t(l, "Nomor ponsel", "Mobile number")} } dd { "{v.phone_masked}" }
                    }
                }
            }
            section { class: "card",
                p { class: "hint", {t(l,
                    "Isi email dan/atau nomor ponsel yang baru; yang dikosongkan tetap seperti sekarang. Kode konfirmasi dikirim ke email baru; bila hanya nomor ponsel yang berubah, ke email terdaftar.",
                    "Enter the new email and/or phone; a field left blank stays as it is. A confirmation code goes to the new email; if only the phone changes, to the registered email.")} }
                label { r#for: "kontak-email", {t(l, "Email baru", "New email")} }
                TextField { id: "kontak-email", value: email, r#type: "email", inputmode: "email", autocomplete: "email", placeholder: "nama@contoh.co.id" }
                if let Some(Err(m)) = &email_check {
                    p { class: "error", role: "alert", "{m}" }
                }
                label { r#for: "kontak-phone", {t(l, "Nomor ponsel baru", "New mobile number")} }
                TextField { id: "kontak-phone", value: phone, r#type: "tel", inputmode: "tel", autocomplete: "tel", placeholder: "08xx xxxx xxxx" }
                if let Some(Err(m)) = &phone_check {
                    p { class: "error", role: "alert", "{m}" }
                }
                label { r#for: "kontak-pin", "PIN" }
                TextField { id: "kontak-pin", value: pin, r#type: "password", inputmode: "numeric", maxlength: "6",
                    on_enter: move |_| if ready && !busy() { send() } }
                p { class: "hint", {t(l, "PIN yang salah dihitung seperti saat masuk.", "A wrong PIN counts as it does at sign-in.")} }
            }
            if let Some(e) = error() {
                ErrorNote { error: e }
            }
            if busy() {
                Progress { label: t(l, "Mengirim kode…", "Sending the code…") }
            } else {
                button { r#type: "button", class: "primary", id: "kirim-kode-kontak", disabled: !ready,
                    onclick: move |_| send(), {t(l, "Kirim kode", "Send the code")} }
            }
        }
    };
    rsx! {
        main { class: "screen tab-screen", id: "ubah-kontak",
            h2 { {t(l, "Ubah email / nomor ponsel", "Change email / phone")} }
            {body}
        }
    }
}
