//! Masuk: the PIN on a keypad, signed in with the device key. Wrong PINs say how many tries
//! are left, and a lock says for how long (the service's words, in the citizen's language);
//! Lupa PIN is one tap away, under the pad and beside a lockout.

use dioxus::prelude::*;
use ikd_core::api::LOGIN_SIGNING_CONTEXT;

use crate::Route;
use crate::api::{ClientError, LoginBody};
use crate::components::{ErrorNote, LangSwitch, Progress};
use crate::i18n::t;
use crate::session::{CachedCredential, OfflineUnlock, use_session};

/// A wrong PIN checked on the phone (offline), in the service's words and code style.
fn offline_wrong(left: u32) -> ClientError {
    ClientError::Refused(ikd_core::ErrorBody {
        code: "PIN_WRONG_OFFLINE".into(),
        message: format!(
            "PIN salah. Tanpa internet, sisa percobaan di ponsel ini: {left}. Setelah itu, sambungkan ke internet untuk masuk."
        ),
        message_en: format!(
            "Wrong PIN. Without internet, attempts left on this phone: {left}. After that, connect to the internet to sign in."
        ),
    })
}

#[component]
pub fn Login() -> Element {
    let mut s = use_session();
    let l = s.lang();
    let nav = use_navigator();
    let mut pin = use_signal(String::new);
    let mut busy = use_signal(|| false);
    let mut error = use_signal(|| None::<ClientError>);

    let mut sign_in = move || {
        let Some(device) = s.device.peek().clone() else {
            nav.push(Route::Welcome {});
            return;
        };
        let Some(key) = device.key() else { return };
        busy.set(true);
        error.set(None);
        let typed = zeroize::Zeroizing::new(pin.peek().clone());
        spawn(async move {
            let api = s.api();
            let r = async {
                let (challenge_id, sig) = api.signed_challenge(&key, LOGIN_SIGNING_CONTEXT).await?;
                let session = api
                    .login(&LoginBody {
                        nik: &device.nik,
                        pin: &typed,
                        challenge_id: &challenge_id,
                        device_signature: &sig,
                    })
                    .await?;
                // The keys the identity QR is sealed to, cached with the credential for offline use.
                if let Some(cbor) = session.credential.clone() {
                    let keys = api.keys().await?;
                    let _ = s.set_credential(Some(CachedCredential { cbor, keys }));
                }
                Ok::<_, ClientError>(session.token)
            }
            .await;
            busy.set(false);
            pin.set(String::new());
            match r {
                Ok(token) => {
                    // For the next launch without a network.
                    let _ = s.remember_pin(&typed);
                    s.offline.set(false);
                    s.token.set(Some(token));
                    nav.replace(Route::KtpDigital {});
                }
                // No network: the phone itself can open KTP Digital with the same PIN.
                Err(e @ ClientError::Network(_)) => match s.unlock_offline(&typed) {
                    OfflineUnlock::Unlocked => {
                        nav.replace(Route::KtpDigital {});
                    }
                    OfflineUnlock::Wrong { left } => error.set(Some(offline_wrong(left))),
                    OfflineUnlock::Unavailable => error.set(Some(e)),
                },
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let mut press = move |d: char| {
        if busy() || pin.peek().len() >= 6 {
            return;
        }
        pin.write().push(d);
        if pin.peek().len() == 6 {
            sign_in();
        }
    };
    let nik_masked = s
        .device
        .read()
        .as_ref()
        .and_then(|d| ikd_core::Nik::parse(&d.nik).ok())
        .map(|n| n.masked())
        .unwrap_or_default();
    let filled = pin.read().len();

    rsx! {
        // A computer's keyboard works like the keypad: digits, and Backspace to delete.
        main { class: "screen login", tabindex: "-1",
            onmounted: move |e| async move {
                let _ = e.set_focus(true).await;
            },
            onkeydown: move |e| match e.key() {
                Key::Character(c) => {
                    if let [d @ b'0'..=b'9'] = c.as_bytes() {
                        press(char::from(*d));
                    }
                }
                Key::Backspace if !busy() => {
                    pin.write().pop();
                }
                _ => {}
            },
            header { class: "brand",
                div { class: "garuda", "IKD" }
                h2 { {t(l, "Masukkan PIN", "Enter your PIN")} }
                p { class: "hint", "NIK {nik_masked}" }
            }
            div { class: "pin-dots", aria_label: "PIN",
                for i in 0..6 {
                    span { key: "{i}", class: if i < filled { "dot on" } else { "dot" } }
                }
            }
            if let Some(e) = error() {
                ErrorNote { error: e.clone() }
                // A lockout (or a wrong PIN) leads straight to Lupa PIN.
                if matches!(e.code(), "ACCOUNT_LOCKED" | "ACCOUNT_LOCKED_OFFICER_RESET" | "PIN_WRONG") {
                    button { r#type: "button", id: "lupa-pin-terkunci", class: "secondary",
                        onclick: move |_| { nav.push(Route::LupaPin {}); },
                        {t(l, "Lupa PIN? Buat PIN baru", "Forgot the PIN? Set a new one")} }
                }
            }
            if busy() {
                Progress { label: t(l, "Memeriksa PIN…", "Checking the PIN…") }
            }
            div { class: "pinpad",
                for d in ['1', '2', '3', '4', '5', '6', '7', '8', '9'] {
                    button { key: "{d}", r#type: "button", class: "key", "data-key": "{d}", disabled: busy(), onclick: move |_| press(d), "{d}" }
                }
                button { r#type: "button", class: "key muted", disabled: busy(),
                    onclick: move |_| { nav.push(Route::Welcome {}); }, {t(l, "Batal", "Cancel")} }
                button { r#type: "button", class: "key", "data-key": "0", disabled: busy(), onclick: move |_| press('0'), "0" }
                button { r#type: "button", class: "key muted", id: "pin-back", aria_label: t(l, "Hapus", "Delete"), disabled: busy(),
                    onclick: move |_| { pin.write().pop(); }, "⌫" }
            }
            button { r#type: "button", id: "lupa-pin", class: "secondary small", disabled: busy(),
                onclick: move |_| { nav.push(Route::LupaPin {}); }, {t(l, "Lupa PIN?", "Forgot PIN?")} }
            LangSwitch {}
        }
    }
}
