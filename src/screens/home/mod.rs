//! Home: the signed-in citizen's screens under a bottom navigation. Without a session (the
//! PIN is asked at every launch) it leads to Masuk.

mod activity;
mod contact;
mod device_change;
mod documents;
mod kk;
mod ktp_card;
mod ktp_qr;
mod my_data;
mod settings;

pub use activity::Riwayat;
pub use contact::UbahKontak;
pub use documents::Dokumen;
pub use kk::KkDigital;
pub use ktp_card::KtpCard;
pub use ktp_qr::KtpDigital;
pub use my_data::DataSaya;
pub use settings::Pengaturan;

use std::future::Future;

use dioxus::prelude::*;

use crate::Route;
use crate::api::{ApiClient, ApiResult};
use crate::components::{ErrorNote, Progress};
use crate::i18n::t;
use crate::session::use_session;

#[component]
pub fn HomeLayout() -> Element {
    let s = use_session();
    let l = s.lang();
    let nav = use_navigator();
    let route = use_route::<Route>();
    let offline = (s.offline)();
    if s.token.read().is_none() && !offline {
        return rsx! {
            main { class: "screen",
                p { class: "hint", {t(l, "Masukkan PIN untuk membuka IKD.", "Enter your PIN to open IKD.")} }
                button { r#type: "button", class: "primary", onclick: move |_| { nav.replace(Route::Login {}); }, "Masuk" }
            }
        };
    }
    let tabs = [
        (
            Route::KtpDigital {},
            "▦",
            t(l, "KTP Digital", "Digital KTP"),
        ),
        (Route::KtpCard {}, "▭", "KTP-el"),
        (Route::KkDigital {}, "⌂", t(l, "KK Digital", "Family card")),
        (Route::Dokumen {}, "❏", t(l, "Dokumen", "Documents")),
        (Route::Riwayat {}, "↺", t(l, "Riwayat", "Activity")),
        (Route::Pengaturan {}, "⚙", t(l, "Pengaturan", "Settings")),
    ];
    // Unlocked offline: the identity QR works from the cached credential; the rest needs
    // the service.
    let needs_service = offline && route != (Route::KtpDigital {});
    rsx! {
        div { class: "home",
            if offline {
                div { class: "offline-banner", id: "offline-banner", role: "status",
                    span { {t(l, "Tanpa internet: hanya KTP Digital.", "Offline: KTP Digital only.")} }
                    button { r#type: "button", class: "secondary small", id: "masuk-online",
                        onclick: move |_| { nav.replace(Route::Login {}); },
                        {t(l, "Masuk online", "Sign in online")} }
                }
            }
            div { class: "home-body",
                if !offline {
                    device_change::DeviceChangeBanner {}
                }
                if needs_service {
                    main { class: "screen tab-screen",
                        p { class: "hint", id: "needs-internet", {t(l,
                            "Bagian ini memerlukan internet. Sambungkan ponsel ke internet, lalu masuk lagi dengan PIN.",
                            "This part needs the internet. Connect the phone, then sign in again with your PIN.")} }
                    }
                } else {
                    Outlet::<Route> {}
                }
            }
            nav { class: "bottom-nav",
                for (to, icon, label) in tabs {
                    Link { key: "{label}", to: to.clone(),
                        // A screen under Pengaturan keeps its tab lit.
                        class: if route == to || (to == (Route::Pengaturan {})
                            && matches!(route, Route::UbahKontak {} | Route::DataSaya {})) { "tab active" } else { "tab" },
                        span { class: "icon", aria_hidden: "true", "{icon}" }
                        span { class: "label", "{label}" }
                    }
                }
            }
        }
    }
}

/// The signed-in citizen's data, fetched with the session token (again on `restart`).
pub fn use_my<T: 'static, F: Future<Output = ApiResult<T>> + 'static>(
    fetch: impl Fn(ApiClient, String) -> F + 'static,
) -> Resource<ApiResult<T>> {
    let s = use_session();
    use_resource(move || fetch(s.api(), (s.token)().unwrap_or_default()))
}

/// While `data` loads, a progress line saying what; when it failed, the error with a retry.
pub fn waiting<T: 'static>(mut data: Resource<ApiResult<T>>, what: &str) -> Option<Element> {
    match &*data.read() {
        None => Some(rsx! { Progress { label: what.to_owned() } }),
        Some(Err(e)) => {
            let error = e.clone();
            Some(rsx! { ErrorNote { error, on_retry: move |_| data.restart() } })
        }
        Some(Ok(_)) => None,
    }
}

// The card's printed forms, shared with the Data saya PDF.
pub use ikd_core::records::{card_date as date, printed};
