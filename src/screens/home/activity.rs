//! Riwayat aktivitas: sign-ins, checks of the identity QR, changes; filtered by kind, and
//! each entry opens its details (what, when in the resident's time zone, who, where, which
//! data).

use dioxus::prelude::*;
use ikd_core::api::{Activity, ActivityKind};
use ikd_core::region::TimeZone;
use ikd_core::{Lang, Nik};

use crate::i18n::t;
use crate::session::use_session;

/// Riwayat's filters (issue 17, item 6): everything, or one kind of entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Filter {
    All,
    SignIn,
    QrCheck,
    Change,
}

impl Filter {
    const ALL: [Filter; 4] = [Filter::All, Filter::SignIn, Filter::QrCheck, Filter::Change];

    fn id(self) -> &'static str {
        match self {
            Filter::All => "semua",
            Filter::SignIn => "masuk",
            Filter::QrCheck => "pemeriksaan",
            Filter::Change => "perubahan",
        }
    }

    fn label(self, l: Lang) -> &'static str {
        match self {
            Filter::All => t(l, "Semua", "All"),
            Filter::SignIn => t(l, "Masuk", "Sign-ins"),
            Filter::QrCheck => t(l, "Pemeriksaan QR", "QR checks"),
            Filter::Change => t(l, "Perubahan", "Changes"),
        }
    }

    fn admits(self, k: &ActivityKind) -> bool {
        use ActivityKind::*;
        match self {
            Filter::All => true,
            Filter::SignIn => matches!(k, Login | LoginFailed | Logout),
            Filter::QrCheck => matches!(k, Verified),
            Filter::Change => matches!(
                k,
                PinChanged
                    | PinReset
                    | PinResetCancelled
                    | DeviceReleased
                    | Activated
                    | DeviceChanged
                    | DeviceChangeCancelled
                    | ContactChanged
                    | ContactRestored
                    | DataExported
            ),
        }
    }
}

/// What an entry means, in a sentence.
fn what(k: &ActivityKind, l: Lang) -> &'static str {
    match k {
        ActivityKind::Login => t(
            l,
            "Masuk ke IKD dengan PIN dari ponsel terdaftar.",
            "Signed in to IKD with the PIN from the registered phone.",
        ),
        ActivityKind::LoginFailed => t(
            l,
            "PIN salah dimasukkan; dihitung untuk penguncian akun.",
            "A wrong PIN was entered; it counts toward the account lock.",
        ),
        ActivityKind::Logout => t(
            l,
            "Keluar dari IKD di ponsel terdaftar; sesinya diakhiri.",
            "Signed out of IKD on the registered phone; the session ended.",
        ),
        ActivityKind::PinChanged => t(
            l,
            "PIN dibuat atau diubah (oleh Anda, atau kuncinya dibuka petugas).",
            "The PIN was set or changed (by you, or its lock lifted by an officer).",
        ),
        ActivityKind::PinReset => t(
            l,
            "PIN baru dibuat lewat Lupa PIN dengan kode dari email.",
            "A new PIN was set through Lupa PIN with the emailed code.",
        ),
        ActivityKind::PinResetCancelled => t(
            l,
            "Reset PIN yang menunggu dibatalkan lewat tautan di email.",
            "A waiting PIN reset was cancelled from the email's link.",
        ),
        ActivityKind::DeviceReleased => t(
            l,
            "Ponsel dilepas dari akun; semua sesi diakhiri.",
            "The phone was released from the account; every session ended.",
        ),
        ActivityKind::Activated => t(
            l,
            "Akun IKD diaktifkan di ponsel ini.",
            "The IKD account was activated on this phone.",
        ),
        ActivityKind::Verified => t(
            l,
            "Petugas memeriksa QR KTP Digital Anda secara daring.",
            "An officer checked your Digital KTP QR online.",
        ),
        ActivityKind::DeviceChanged => t(
            l,
            "Akun IKD dipindah ke ponsel ini; ponsel sebelumnya tidak dapat masuk lagi.",
            "The IKD account moved to this phone; the previous phone no longer signs in.",
        ),
        ActivityKind::DeviceChangeCancelled => t(
            l,
            "Permintaan memindahkan akun ke ponsel lain dibatalkan.",
            "A request to move the account to another phone was cancelled.",
        ),
        ActivityKind::DataExported => t(
            l,
            "Semua data Anda diunduh dari Pengaturan, Data saya.",
            "All your data was downloaded from Pengaturan, Data saya.",
        ),
        ActivityKind::ContactRestored => t(
            l,
            "Email dan nomor ponsel dikembalikan ke yang lama lewat tautan di email; semua sesi diakhiri.",
            "The email and phone were restored to the previous ones from the email's link; every session ended.",
        ),
        ActivityKind::ContactChanged => t(
            l,
            "Email atau nomor ponsel terdaftar diubah dengan PIN dan kode dari email; alamat lama diberi tahu.",
            "The registered email or phone was changed with the PIN and an emailed code; the old address was told.",
        ),
    }
}

/// Who did it: the officer when one is named, else you.
fn who(a: &Activity, l: Lang) -> String {
    match (&a.actor, &a.kind) {
        (Some(actor), _) => format!("{} {actor}", t(l, "Petugas", "Officer")),
        (None, ActivityKind::PinResetCancelled) => t(
            l,
            "Pemegang tautan di email terdaftar",
            "The holder of the registered email's link",
        )
        .to_owned(),
        (None, ActivityKind::DeviceChangeCancelled) => t(
            l,
            "Anda dari ponsel terdaftar, atau pemegang tautan di email terdaftar",
            "You from the registered phone, or the holder of the registered email's link",
        )
        .to_owned(),
        (None, _) => t(
            l,
            "Anda, dari ponsel terdaftar",
            "You, from the registered phone",
        )
        .to_owned(),
    }
}

/// Where: the service records no place, only the channel, and says so.
fn place(k: &ActivityKind, l: Lang) -> &'static str {
    match k {
        ActivityKind::Verified => t(
            l,
            "Layanan verifikasi IKD (daring); lokasi tidak dicatat",
            "The IKD verification service (online); no location is recorded",
        ),
        ActivityKind::PinResetCancelled => t(
            l,
            "Halaman pembatalan dari email",
            "The cancel page from the email",
        ),
        _ => t(
            l,
            "Aplikasi IKD (daring); lokasi tidak dicatat",
            "The IKD app (online); no location is recorded",
        ),
    }
}

#[component]
pub fn Riwayat() -> Element {
    let s = use_session();
    let l = s.lang();
    let mut filter = use_signal(|| Filter::All);
    let mut open = use_signal(|| None::<usize>);
    // Times in the zone of the resident's province (WIB, WITA or WIT).
    let zone = s
        .device
        .read()
        .as_ref()
        .and_then(|d| Nik::parse(&d.nik).ok())
        .map(|n| n.time_zone())
        .unwrap_or(TimeZone::Wib);
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
        Some(Ok(entries)) => {
            let shown: Vec<(usize, &Activity)> = entries
                .iter()
                .enumerate()
                .filter(|(_, a)| filter().admits(&a.kind))
                .collect();
            rsx! {
                if shown.is_empty() {
                    p { class: "hint", id: "activity-none", {t(l, "Tidak ada aktivitas jenis ini.", "No activity of this kind.")} }
                }
                ul { class: "activity", id: "activity",
                    for (i, a) in shown {
                        li { key: "{i}", class: "card", "data-kind": "{a.kind.label(Lang::En)}",
                            button { r#type: "button", class: "activity-head", id: "activity-{i}",
                                aria_expanded: if open() == Some(i) { "true" } else { "false" },
                                onclick: move |_| open.set(if open() == Some(i) { None } else { Some(i) }),
                                div { class: "activity-kind", "{a.kind.label(l)}" }
                                div { class: "hint", "{zone.format(a.at)}" }
                                if let Some(p) = a.profile {
                                    div { class: "hint", {t(l, "Data", "Data")} ": {p.label(l)}" }
                                }
                            }
                            if open() == Some(i) {
                                dl { class: "activity-detail", id: "activity-detail",
                                    dt { {t(l, "Apa", "What")} }
                                    dd { {what(&a.kind, l)} }
                                    dt { {t(l, "Kapan", "When")} }
                                    dd { "{zone.format(a.at)}" }
                                    dt { {t(l, "Siapa", "Who")} }
                                    dd { "{who(a, l)}" }
                                    dt { {t(l, "Di mana", "Where")} }
                                    dd { {place(&a.kind, l)} }
                                    if let Some(p) = a.profile {
                                        dt { {t(l, "Data yang dibuka", "Data disclosed")} }
                                        dd { {p.elements().iter().map(|e| e.label(l)).collect::<Vec<_>>().join(", ")} }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    rsx! {
        main { class: "screen tab-screen",
            h2 { {t(l, "Riwayat aktivitas", "Activity log")} }
            div { class: "chips", role: "group", aria_label: t(l, "Saring", "Filter"),
                for f in Filter::ALL {
                    button { key: "{f.id()}", r#type: "button", id: "filter-{f.id()}",
                        class: if filter() == f { "chip active" } else { "chip" },
                        aria_pressed: if filter() == f { "true" } else { "false" },
                        onclick: move |_| { filter.set(f); open.set(None); },
                        {f.label(l)} }
                }
            }
            button { r#type: "button", class: "secondary small", onclick: move |_| data.restart(), {t(l, "Muat ulang", "Refresh")} }
            {body}
        }
    }
}
