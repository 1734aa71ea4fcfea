//! Terms and privacy policy, with a consent toggle: Lanjut stays disabled until it is on.

use dioxus::prelude::*;

use crate::Route;
use crate::components::{Steps, TopBar};
use crate::i18n::t;
use crate::session::{CONSENT_VERSION, use_session};

#[component]
pub fn Consent() -> Element {
    let l = use_session().lang();
    let nav = use_navigator();
    let mut agreed = use_signal(|| false);
    rsx! {
        main { class: "screen",
            TopBar { title: t(l, "Syarat & kebijakan privasi", "Terms & privacy policy"), back: move |_| { nav.push(Route::Notice {}); } }
            Steps { current: 2, total: 6 }
            section { class: "card terms", tabindex: "0",
                h3 { {t(l, "Syarat layanan IKD", "IKD terms of service")} " ({CONSENT_VERSION})" }
                p { {t(l, "Data yang Anda isi (NIK, email, nomor ponsel) dan swafoto dipakai hanya untuk memastikan bahwa Anda pemilik NIK tersebut dan untuk mengirim kode aktivasi.",
                    "The data you enter (NIK, email, mobile number) and your selfie are used only to confirm you own the NIK and to send the activation code.")} }
                p { {t(l, "Kunci perangkat dibuat di ponsel ini dan tidak pernah dikirim. Kode QR identitas terenkripsi untuk petugas yang berwenang dan berlaku 90 detik.",
                    "A device key is made on this phone and never sent. The identity QR is encrypted for authorised officers and valid for 90 seconds.")} }
                p { {t(l, "Setiap pemeriksaan KTP Digital Anda tercatat di Riwayat aktivitas. Anda dapat melepas perangkat kapan saja di Pengaturan.",
                    "Every check of your Digital KTP is listed in the activity log. You can release this device at any time in Settings.")} }
                p { {t(l, "Dasar hukum: UU No. 24 Tahun 2013 tentang Administrasi Kependudukan dan UU No. 27 Tahun 2022 tentang Pelindungan Data Pribadi.",
                    "Legal basis: Law 24/2013 on Population Administration and Law 27/2022 on Personal Data Protection.")} }
            }
            label { class: "switch",
                input { r#type: "checkbox", id: "consent", role: "switch", checked: agreed(),
                    onchange: move |e| agreed.set(e.checked()),
                }
                span { class: "slider" }
                span { {t(l, "Saya telah membaca dan menyetujui syarat layanan dan kebijakan privasi.",
                    "I have read and agree to the terms of service and the privacy policy.")} }
            }
            button { r#type: "button", id: "lanjut", class: "primary", disabled: !agreed(),
                onclick: move |_| { nav.push(Route::DataEntry {}); },
                "Lanjut"
            }
        }
    }
}
