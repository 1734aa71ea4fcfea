//! The first PIN, typed twice, checked with the ikd-core rules (no 111111, no 123456).

use dioxus::prelude::*;
use ikd_core::{Lang, Pin, UserError};

use crate::Route;
use crate::api::ClientError;
use crate::components::{ErrorNote, Progress, TextField, TopBar};
use crate::i18n::t;
use crate::session::use_session;

/// The verdict on a new PIN as typed: none while it is still being typed, an explanation
/// once it has six characters or anything but digits, as the rules apply.
pub(crate) fn check_new_pin(typed: &str, l: Lang) -> Option<Result<(), String>> {
    let done = typed.len() >= 6 || !typed.bytes().all(|b| b.is_ascii_digit());
    done.then(|| {
        Pin::parse(typed)
            .map(drop)
            .map_err(|e| e.message(l).to_owned())
    })
}

#[component]
pub fn SetPin() -> Element {
    let mut s = use_session();
    let l = s.lang();
    let nav = use_navigator();
    let pin = use_signal(String::new);
    let again = use_signal(String::new);
    let mut busy = use_signal(|| false);
    let mut error = use_signal(|| None::<ClientError>);

    let pin_check = check_new_pin(&pin(), l);
    let mismatch = again().len() == 6 && again() != pin();
    let ready = matches!(pin_check, Some(Ok(_))) && again() == pin();

    let mut submit = move || {
        let Some(token) = s.setup_token.peek().clone() else {
            nav.push(Route::Activation {});
            return;
        };
        busy.set(true);
        error.set(None);
        spawn(async move {
            let r = s.api().set_pin(&token, &pin()).await;
            busy.set(false);
            match r {
                Ok(()) => {
                    let mut device = s.device.peek().clone();
                    if let Some(d) = device.as_mut() {
                        d.activated = true;
                        d.registration = None;
                    }
                    s.setup_token.set(None);
                    if s.set_device(device).is_ok() {
                        nav.push(Route::Login {});
                    }
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };

    rsx! {
        main { class: "screen",
            TopBar { title: t(l, "Buat PIN", "Create a PIN") }
            section { class: "card",
                p { class: "hint", {t(l, "PIN 6 digit dipakai setiap kali Anda membuka IKD. Jangan pakai tanggal lahir atau angka berurutan.",
                    "The 6-digit PIN is asked every time you open IKD. Do not use your birth date or a sequence.")} }
                label { r#for: "pin", "PIN" }
                TextField { id: "pin", value: pin, focus: true, r#type: "password", inputmode: "numeric", maxlength: "6", autocomplete: "new-password" }
                if let Some(Err(m)) = &pin_check {
                    p { class: "error", role: "alert", "{m}" }
                }
                label { r#for: "pin-again", {t(l, "Ulangi PIN", "Repeat the PIN")} }
                TextField { id: "pin-again", value: again, on_enter: move |_| if ready && !busy() { submit() }, r#type: "password", inputmode: "numeric", maxlength: "6", autocomplete: "new-password" }
                if mismatch {
                    p { class: "error", role: "alert", {t(l, "PIN tidak sama. Ketik ulang.", "The PINs differ. Type it again.")} }
                }
            }
            if let Some(e) = error() {
                ErrorNote { error: e, on_retry: move |_| submit() }
            }
            if busy() {
                Progress { label: t(l, "Menyimpan PIN…", "Saving the PIN…") }
            } else {
                button { r#type: "button", id: "simpan-pin", class: "primary", disabled: !ready, onclick: move |_| submit(),
                    {t(l, "Simpan PIN", "Save PIN")} }
            }
        }
    }
}
