//! Aktifkan: the 6-digit code from the email and a captcha (refreshable). A wrong code
//! says how many tries are left; each try gets a new captcha.

use dioxus::prelude::*;
use ikd_core::api::{Activate, Captcha};
use ikd_core::{ActivationCode, UserError};

use crate::Route;
use crate::api::ClientError;
use crate::components::{ErrorNote, Progress, Steps, TextField, TopBar};
use crate::i18n::t;
use crate::session::use_session;

#[component]
pub fn Activation() -> Element {
    let mut s = use_session();
    let l = s.lang();
    let nav = use_navigator();
    let code = use_signal(String::new);
    let mut answer = use_signal(String::new);
    let mut busy = use_signal(|| false);
    let mut error = use_signal(|| None::<ClientError>);
    let mut captcha = use_resource(move || async move { s.api().captcha().await });

    let code_check = (!code().is_empty())
        .then(|| ActivationCode::parse(code().trim()).map_err(|e| e.message(l).to_owned()));
    let captcha_now: Option<Captcha> = captcha
        .read()
        .as_ref()
        .and_then(|r| r.as_ref().ok().cloned());
    let ready =
        matches!(code_check, Some(Ok(_))) && answer().trim().len() == 5 && captcha_now.is_some();

    let mut submit = move || {
        let current = captcha
            .peek()
            .as_ref()
            .and_then(|r| r.as_ref().ok().cloned());
        let (Some(c), Ok(parsed)) = (current, ActivationCode::parse(code().trim())) else {
            return;
        };
        let Some(reg) = s
            .device
            .peek()
            .as_ref()
            .and_then(|d| d.registration.clone())
        else {
            return;
        };
        busy.set(true);
        error.set(None);
        spawn(async move {
            let req = Activate {
                registration_id: reg.id,
                code: parsed,
                captcha_id: c.captcha_id,
                captcha_answer: answer().trim().to_owned(),
            };
            let r = s.api().activate(&req).await;
            busy.set(false);
            match r {
                Ok(done) => {
                    s.setup_token.set(Some(done.setup_token));
                    nav.push(Route::SetPin {});
                }
                Err(e) => {
                    error.set(Some(e));
                    answer.set(String::new());
                    captcha.restart();
                }
            }
        });
    };

    rsx! {
        main { class: "screen",
            TopBar { title: t(l, "Aktivasi", "Activation"), back: move |_| { nav.push(Route::OfficerQr {}); } }
            Steps { current: 6, total: 6 }
            section { class: "card",
                label { r#for: "code", {t(l, "Kode aktivasi dari email", "Activation code from the email")} }
                TextField { id: "code", value: code, focus: true, inputmode: "numeric", maxlength: "6", autocomplete: "one-time-code", placeholder: "••••••" }
                if let Some(Err(m)) = &code_check {
                    p { class: "error", role: "alert", "{m}" }
                }
                label { r#for: "captcha", {t(l, "Ketik angka pada gambar", "Type the digits in the picture")} }
                div { class: "captcha",
                    match &*captcha.read() {
                        Some(Ok(c)) => rsx! { img { id: "captcha-image", alt: "captcha", "data-captcha-id": "{c.captcha_id}", src: "data:image/png;base64,{c.image_png}" } },
                        Some(Err(e)) => rsx! { ErrorNote { error: e.clone(), on_retry: move |_| captcha.restart() } },
                        None => rsx! { Progress { label: t(l, "Memuat captcha…", "Loading the captcha…") } },
                    }
                    button { r#type: "button", id: "captcha-refresh", class: "secondary small", onclick: move |_| captcha.restart(),
                        {t(l, "Gambar baru", "New picture")} }
                }
                TextField { id: "captcha", value: answer, on_enter: move |_| if ready && !busy() { submit() }, inputmode: "numeric", maxlength: "5", autocomplete: "off" }
            }
            if let Some(e) = error() {
                ErrorNote { error: e, on_retry: move |_| submit() }
            }
            if busy() {
                Progress { label: t(l, "Mengaktifkan…", "Activating…") }
            } else {
                button { r#type: "button", id: "aktifkan", class: "primary", disabled: !ready, onclick: move |_| submit(), "Aktifkan" }
            }
        }
    }
}
