//! Registration is assisted: the citizen learns they will show a QR to an officer.

use dioxus::prelude::*;

use crate::Route;
use crate::components::{Steps, TopBar};
use crate::i18n::t;
use crate::session::use_session;

#[component]
pub fn Notice() -> Element {
    let l = use_session().lang();
    let nav = use_navigator();
    rsx! {
        main { class: "screen",
            TopBar { title: t(l, "Pendaftaran IKD", "IKD registration"), back: move |_| { nav.push(Route::Welcome {}); } }
            Steps { current: 1, total: 6 }
            section { class: "card",
                h3 { {t(l, "Pendaftaran dibantu petugas", "An officer assists registration")} }
                ol { class: "plain",
                    li { {t(l, "Isi NIK, email, dan nomor ponsel Anda.", "Enter your NIK, email and mobile number.")} }
                    li { {t(l, "Ambil foto wajah (swafoto).", "Take a photo of your face (selfie).")} }
                    li { {t(l, "Tunjukkan kode QR kepada petugas Dukcapil; petugas mencocokkan foto Anda dengan data kependudukan.",
                        "Show the QR code to a Dukcapil officer, who matches your photo with the population record.")} }
                    li { {t(l, "Kode aktivasi dikirim ke email Anda.", "An activation code is sent to your email.")} }
                }
                p { class: "hint", {t(l, "Siapkan KTP-el Anda dan datang ke kantor Dinas Dukcapil atau petugas keliling.",
                    "Have your KTP-el ready and visit a Dukcapil office or mobile officer.")} }
            }
            button { r#type: "button", id: "lanjutkan", class: "primary",
                onclick: move |_| { nav.push(Route::Consent {}); },
                "Lanjutkan"
            }
        }
    }
}
