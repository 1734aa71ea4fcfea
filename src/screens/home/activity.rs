//! Riwayat aktivitas: sign-ins, checks of the identity QR (who, when, which profile),
//! changes.

use dioxus::prelude::*;
use ikd_core::Lang;
use ikd_core::api::ActivityKind;

use crate::i18n::t;
use crate::session::use_session;

fn kind_label(k: &ActivityKind, l: Lang) -> &'static str {
    match k {
        ActivityKind::Login => t(l, "Masuk", "Signed in"),
        ActivityKind::LoginFailed => t(l, "PIN salah", "Wrong PIN"),
        ActivityKind::PinChanged => t(l, "PIN diubah", "PIN changed"),
        ActivityKind::PinReset => t(l, "PIN baru lewat Lupa PIN", "New PIN through Lupa PIN"),
        ActivityKind::PinResetCancelled => t(l, "Reset PIN dibatalkan", "PIN reset cancelled"),
        ActivityKind::DeviceReleased => t(l, "Perangkat dilepas", "Device released"),
        ActivityKind::Activated => t(l, "Aktivasi", "Activated"),
        ActivityKind::Verified => t(l, "KTP Digital diperiksa", "Digital KTP checked"),
    }
}

fn when(at: i64) -> String {
    // Shown in WIB (UTC+7), the time zone of most citizens and of Dukcapil's records.
    let wib = time::UtcOffset::from_hms(7, 0, 0).unwrap_or(time::UtcOffset::UTC);
    match time::OffsetDateTime::from_unix_timestamp(at) {
        Ok(t) => {
            let t = t.to_offset(wib);
            format!(
                "{:02}-{:02}-{} {:02}:{:02} WIB",
                t.day(),
                u8::from(t.month()),
                t.year(),
                t.hour(),
                t.minute()
            )
        }
        Err(_) => String::new(),
    }
}

#[component]
pub fn Riwayat() -> Element {
    let s = use_session();
    let l = s.lang();
    let mut data =
        super::use_my(|api, token| async move { api.activity(&token).await.map(|v| v.entries) });
    let body = match &*data.read() {
        None | Some(Err(_)) => {
            super::waiting(data, t(l, "Memuat riwayat…", "Loading the activity…"))
                .unwrap_or_else(|| rsx! {})
        }
        Some(Ok(entries)) if entries.is_empty() => {
            rsx! { p { class: "hint", {t(l, "Belum ada aktivitas.", "No activity yet.")} } }
        }
        Some(Ok(entries)) => rsx! {
            ul { class: "activity", id: "activity",
                for (i, a) in entries.iter().enumerate() {
                    li { key: "{i}", class: "card", "data-kind": "{kind_label(&a.kind, Lang::En)}",
                        div { class: "activity-kind", "{kind_label(&a.kind, l)}" }
                        div { class: "hint", "{when(a.at)}" }
                        if let Some(actor) = &a.actor {
                            div { class: "hint", {t(l, "Oleh", "By")} " {actor}" }
                        }
                        if let Some(p) = a.profile {
                            div { class: "hint", {t(l, "Data", "Data")} ": {p.label(l)}" }
                        }
                    }
                }
            }
        },
    };
    rsx! {
        main { class: "screen tab-screen",
            h2 { {t(l, "Riwayat aktivitas", "Activity log")} }
            button { r#type: "button", class: "secondary small", onclick: move |_| data.restart(), {t(l, "Muat ulang", "Refresh")} }
            {body}
        }
    }
}
