//! Welcome: Daftar (register this phone) or Masuk (sign in with the PIN).

use dioxus::prelude::*;

use crate::Route;
use crate::components::LangSwitch;
use crate::i18n::t;
use crate::session::use_session;

#[component]
pub fn Welcome() -> Element {
    let s = use_session();
    let l = s.lang();
    let nav = use_navigator();
    let device = (s.device)();
    let activated = device.as_ref().is_some_and(|d| d.activated);
    let pending = device.as_ref().is_some_and(|d| !d.activated);
    rsx! {
        main { class: "screen welcome",
            header { class: "brand",
                div { class: "garuda", "IKD" }
                h1 { {t(l, "Identitas Kependudukan Digital", "Digital Population Identity")} }
                p { class: "lead",
                    {t(l, "KTP-el Anda di ponsel: aman, terenkripsi, dapat diperiksa petugas bahkan tanpa internet.",
                        "Your KTP-el on your phone: secure, encrypted, checkable by officers even offline.")}
                }
            }
            div { class: "actions",
                if pending {
                    button { r#type: "button", id: "resume", class: "primary",
                        onclick: move |_| { nav.push(Route::OfficerQr {}); },
                        {t(l, "Lanjutkan pendaftaran", "Continue registration")}
                    }
                }
                button { r#type: "button", id: "daftar", class: if pending || activated { "secondary" } else { "primary" },
                    onclick: move |_| { nav.push(Route::Notice {}); },
                    "Daftar"
                }
                button { r#type: "button", id: "masuk", class: if activated { "primary" } else { "secondary" },
                    disabled: !activated,
                    onclick: move |_| { nav.push(Route::Login {}); },
                    "Masuk"
                }
                if !activated {
                    p { class: "hint",
                        {t(l, "Masuk tersedia setelah ponsel ini didaftarkan dan diaktifkan.",
                            "Sign-in is available once this phone is registered and activated.")}
                    }
                }
            }
            LangSwitch {}
        }
    }
}
