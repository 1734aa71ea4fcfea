//! Lupa PIN: this phone proves it holds the account's device key, a 6-digit code goes to
//! the registered email, and the code with a captcha sets a new PIN (the first PIN's
//! rules). After a hard lock the service makes the new PIN wait; the screen says until when.

use dioxus::prelude::*;
use ikd_core::api::{
    Captcha, PIN_RESET_SIGNING_CONTEXT, PinResetDone, PinResetStart, PinResetStarted,
};
use ikd_core::{ActivationCode, Nik, UserError};

use crate::Route;
use crate::api::{ClientError, PinResetFinishBody};
use crate::components::{ErrorNote, Progress, TextField, TopBar};
use crate::i18n::t;
use crate::screens::set_pin::check_new_pin;
use crate::session::use_session;

#[component]
pub fn LupaPin() -> Element {
    let s = use_session();
    let l = s.lang();
    let nav = use_navigator();
    let mut busy = use_signal(|| false);
    let mut error = use_signal(|| None::<ClientError>);
    let mut started = use_signal(|| None::<PinResetStarted>);
    let mut done = use_signal(|| None::<PinResetDone>);
    let mut code = use_signal(String::new);
    // Coba lagi repeats what failed: sending the code. A refused new PIN is not repeated as
    // is (its captcha is spent); the citizen corrects and saves again.
    let mut retry_send = use_signal(|| false);
    let mut answer = use_signal(String::new);
    let mut pin = use_signal(String::new);
    let mut again = use_signal(String::new);
    // A captcha only once the code is on its way (it expires in minutes).
    let mut captcha = use_resource(move || async move {
        if started().is_some() {
            Some(s.api().captcha().await)
        } else {
            None
        }
    });
    let device = s.device.read().clone();
    let nik = device.as_ref().and_then(|d| Nik::parse(&d.nik).ok());

    let mut send_code = move || {
        let Some(device) = s.device.peek().clone() else {
            nav.push(Route::Welcome {});
            return;
        };
        let (Some(key), Ok(nik)) = (device.key(), Nik::parse(&device.nik)) else {
            return;
        };
        busy.set(true);
        error.set(None);
        spawn(async move {
            let api = s.api();
            let r = async {
                let (challenge_id, device_signature) = api
                    .signed_challenge(&key, PIN_RESET_SIGNING_CONTEXT)
                    .await?;
                api.pin_reset_start(&PinResetStart {
                    nik,
                    challenge_id,
                    device_signature,
                })
                .await
            }
            .await;
            busy.set(false);
            match r {
                Ok(st) => {
                    // Only the newest code works: the field starts empty for it.
                    code.set(String::new());
                    started.set(Some(st));
                }
                Err(e) => {
                    retry_send.set(true);
                    error.set(Some(e));
                }
            }
        });
    };

    let code_check = (!code().is_empty())
        .then(|| ActivationCode::parse(code().trim()).map_err(|e| e.message(l).to_owned()));
    let pin_check = check_new_pin(&pin(), l);
    let mismatch = again().len() == 6 && again() != pin();
    let captcha_now: Option<Captcha> = captcha
        .read()
        .as_ref()
        .and_then(|r| r.as_ref())
        .and_then(|r| r.as_ref().ok().cloned());
    let ready = matches!(code_check, Some(Ok(_)))
        && answer().trim().len() == 5
        && captcha_now.is_some()
        && matches!(pin_check, Some(Ok(_)))
        && again() == pin();

    let mut submit = move || {
        let current = captcha
            .peek()
            .as_ref()
            .and_then(|r| r.as_ref())
            .and_then(|r| r.as_ref().ok().cloned());
        let (Some(c), Some(st)) = (current, started.peek().clone()) else {
            return;
        };
        busy.set(true);
        error.set(None);
        spawn(async move {
            let new_pin = zeroize::Zeroizing::new(pin.peek().clone());
            let r = s
                .api()
                .pin_reset_finish(&PinResetFinishBody {
                    reset_token: &st.reset_token,
                    code: code.peek().trim(),
                    captcha_id: &c.captcha_id,
                    captcha_answer: answer.peek().trim(),
                    new_pin: &new_pin,
                })
                .await;
            busy.set(false);
            match r {
                Ok(d) => {
                    // The phone's offline verifier follows the PIN the service holds: the new
                    // one when it works now; none while it waits (neither PIN opens offline).
                    let _ = if d.waiting {
                        s.forget_pin()
                    } else {
                        s.remember_pin(&new_pin)
                    };
                    pin.set(String::new());
                    again.set(String::new());
                    done.set(Some(d));
                }
                Err(e) => {
                    retry_send.set(false);
                    // A used-up or expired reset starts over with a new code.
                    if e.code() == "PIN_RESET_EXPIRED" {
                        started.set(None);
                    }
                    error.set(Some(e));
                    answer.set(String::new());
                    captcha.restart();
                }
            }
        });
    };

    // The error sits right above the buttons that act on it, as on the other screens.
    let note = rsx! {
        if let Some(e) = error() {
            if retry_send() {
                ErrorNote { error: e, on_retry: move |_| send_code() }
            } else {
                ErrorNote { error: e }
            }
        }
    };
    let body = if let Some(d) = done() {
        let from = nik
            .as_ref()
            .map(|n| n.time_zone().format(d.usable_from))
            .unwrap_or_default();
        rsx! {
            section { class: "card", id: "pin-baru-selesai",
                if d.waiting {
                    h3 { {t(l, "PIN baru tersimpan, berlaku setelah masa tunggu", "New PIN saved; it works after a wait")} }
                    p { id: "pin-baru-menunggu",
                        {t(l, "Akun Anda dikunci karena 10 kali PIN salah. Demi keamanan, PIN baru baru bisa dipakai mulai",
                            "Your account was locked after 10 wrong PINs. For your safety the new PIN works only from")}
                        " {from}."
                    }
                    p { class: "hint", {t(l, "Email ke alamat terdaftar berisi tautan untuk membatalkannya bila bukan Anda. Butuh lebih cepat? Datang ke kantor Dukcapil dengan KTP-el.",
                        "The email to the registered address has a link to cancel it if this was not you. Need it sooner? Visit a Dukcapil office with your KTP-el.")} }
                } else {
                    h3 { {t(l, "PIN baru aktif", "Your new PIN is active")} }
                    p { {t(l, "Semua sesi lain diakhiri. Masuk dengan PIN baru.", "Every other session has ended. Sign in with the new PIN.")} }
                }
            }
            button { r#type: "button", id: "ke-masuk", class: "primary", onclick: move |_| { nav.replace(Route::Login {}); },
                {t(l, "Masuk", "Sign in")} }
        }
    } else if let Some(st) = started() {
        rsx! {
            section { class: "card",
                p { id: "kode-terkirim",
                    {t(l, "Kode 6 digit dikirim ke", "A 6-digit code was sent to")}
                    " {st.email_masked}. "
                    {t(l, "Berlaku 15 menit.", "It is valid for 15 minutes.")}
                }
                label { r#for: "code", {t(l, "Kode reset PIN dari email", "PIN reset code from the email")} }
                TextField { id: "code", value: code, focus: true, inputmode: "numeric", maxlength: "6", autocomplete: "one-time-code", placeholder: "••••••" }
                if let Some(Err(m)) = &code_check {
                    p { class: "error", role: "alert", "{m}" }
                }
                label { r#for: "captcha", {t(l, "Ketik angka pada gambar", "Type the digits in the picture")} }
                div { class: "captcha",
                    match &*captcha.read() {
                        Some(Some(Ok(c))) => rsx! { img { id: "captcha-image", alt: "captcha", "data-captcha-id": "{c.captcha_id}", src: "data:image/png;base64,{c.image_png}" } },
                        Some(Some(Err(e))) => rsx! { ErrorNote { error: e.clone(), on_retry: move |_| captcha.restart() } },
                        _ => rsx! { Progress { label: t(l, "Memuat captcha…", "Loading the captcha…") } },
                    }
                    button { r#type: "button", id: "captcha-refresh", class: "secondary small", onclick: move |_| captcha.restart(),
                        {t(l, "Gambar baru", "New picture")} }
                }
                TextField { id: "captcha", value: answer, inputmode: "numeric", maxlength: "5", autocomplete: "off" }
                label { r#for: "pin", {t(l, "PIN baru", "New PIN")} }
                TextField { id: "pin", value: pin, r#type: "password", inputmode: "numeric", maxlength: "6", autocomplete: "new-password" }
                if let Some(Err(m)) = &pin_check {
                    p { class: "error", role: "alert", "{m}" }
                }
                label { r#for: "pin-again", {t(l, "Ulangi PIN baru", "Repeat the new PIN")} }
                TextField { id: "pin-again", value: again, on_enter: move |_| if ready && !busy() { submit() }, r#type: "password", inputmode: "numeric", maxlength: "6", autocomplete: "new-password" }
                if mismatch {
                    p { class: "error", role: "alert", {t(l, "PIN tidak sama. Ketik ulang.", "The PINs differ. Type it again.")} }
                }
            }
            {note}
            if busy() {
                Progress { label: t(l, "Menyimpan PIN baru…", "Saving the new PIN…") }
            } else {
                button { r#type: "button", id: "simpan-pin-baru", class: "primary", disabled: !ready, onclick: move |_| submit(),
                    {t(l, "Simpan PIN baru", "Save the new PIN")} }
                button { r#type: "button", id: "kirim-ulang", class: "secondary", onclick: move |_| send_code(),
                    {t(l, "Kirim kode baru", "Send a new code")} }
            }
        }
    } else {
        rsx! {
            section { class: "card",
                p { {t(l, "Buat PIN baru tanpa datang ke kantor Dukcapil. Ponsel ini membuktikan bahwa ini perangkat Anda, lalu kami mengirim kode 6 digit ke email yang terdaftar.",
                    "Set a new PIN without visiting a Dukcapil office. This phone proves it is your device, then we send a 6-digit code to the registered email.")} }
                p { class: "hint", {t(l, "Bila akun dikunci karena 10 kali PIN salah, PIN baru berlaku setelah 24 jam.",
                    "If the account was locked after 10 wrong PINs, the new PIN works after 24 hours.")} }
            }
            {note}
            if busy() {
                Progress { label: t(l, "Mengirim kode…", "Sending the code…") }
            } else {
                button { r#type: "button", id: "kirim-kode", class: "primary", onclick: move |_| send_code(),
                    {t(l, "Kirim kode ke email", "Email me a code")} }
            }
        }
    };

    rsx! {
        main { class: "screen",
            TopBar { title: t(l, "Lupa PIN", "Forgot PIN"), back: move |_| { nav.replace(Route::Login {}); } }
            {body}
        }
    }
}
