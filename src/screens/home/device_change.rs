//! The banner on the phone that holds the account while a device change is under way (Ganti
//! perangkat): when the move completes, and Batalkan, which asks once more before cancelling.
//! A thief with a new phone and the citizen's face at hand still meets this banner and the
//! email to the registered address during the 24 h wait.

use dioxus::prelude::*;

use super::use_my;
use crate::api::ClientError;
use crate::components::{ErrorNote, Progress};
use crate::i18n::t;
use crate::session::use_session;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Shown,
    Confirming,
    Cancelling,
    Cancelled,
}

#[component]
pub fn DeviceChangeBanner() -> Element {
    let s = use_session();
    let l = s.lang();
    let mut status = use_my(|api, token| async move { api.device_change(&token).await });
    // Asked again now and then: a request can come while the app is open.
    use_future(move || async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(30)).await;
            status.restart();
        }
    });
    let mut step = use_signal(|| Step::Shown);
    let mut error = use_signal(|| None::<ClientError>);
    let zone = s
        .device
        .read()
        .as_ref()
        .and_then(|d| ikd_core::Nik::parse(&d.nik).ok())
        .map(|n| n.time_zone())
        .unwrap_or(ikd_core::region::TimeZone::Wib);

    if step() == Step::Cancelled {
        return rsx! {
            div { class: "card success device-change-banner", id: "device-change-cancelled-here", role: "status",
                strong { {t(l, "Pindah perangkat dibatalkan.", "Device change cancelled.")} }
                p { class: "hint", {t(l,
                    "Akun tetap di ponsel ini. Bila bukan Anda yang memintanya, ganti PIN dan datang ke kantor Dukcapil dengan KTP-el.",
                    "The account stays on this phone. If you did not ask for it, change your PIN and visit a Dukcapil office with your KTP-el.")} }
            }
        };
    }
    let pending = match &*status.read() {
        Some(Ok(st)) => st.pending.clone(),
        _ => None,
    };
    let Some(pending) = pending else {
        return rsx! {};
    };
    let cancel = move |_| {
        let token = (s.token)().unwrap_or_default();
        step.set(Step::Cancelling);
        error.set(None);
        spawn(async move {
            match s.api().cancel_device_change(&token).await {
                Ok(()) => step.set(Step::Cancelled),
                Err(e) => {
                    error.set(Some(e));
                    step.set(Step::Confirming);
                }
            }
        });
    };
    let when = match pending.completes_at {
        Some(at) => rsx! {
            p { {t(l, "Petugas menyetujui pemindahan akun IKD Anda ke ponsel lain. Ponsel ini tidak dapat masuk lagi mulai",
                "An officer approved moving your IKD account to another phone. This phone stops signing in from")} " "
                strong { id: "device-change-completes", {zone.format(at)} } "." }
        },
        None => rsx! {
            p { {t(l, "Ada permintaan memindahkan akun IKD Anda ke ponsel lain; petugas sedang meninjaunya.",
                "Someone asked to move your IKD account to another phone; an officer is reviewing it.")} }
        },
    };
    rsx! {
        div { class: "card warn device-change-banner", id: "device-change-banner", role: "alert",
            strong { {t(l, "Pindah perangkat", "Device change")} }
            {when}
            p { class: "hint", {t(l, "Bukan Anda? Batalkan sekarang.", "Not you? Cancel it now.")} }
            if let Some(e) = error() {
                ErrorNote { error: e }
            }
            match step() {
                Step::Shown => rsx! {
                    button { r#type: "button", class: "danger", id: "batalkan-pindah",
                        onclick: move |_| step.set(Step::Confirming), "Batalkan" }
                },
                Step::Confirming => rsx! {
                    p { {t(l, "Batalkan pemindahan? Akun tetap di ponsel ini, dan kode aktivasi ponsel baru tidak berlaku lagi.",
                        "Cancel the move? The account stays on this phone, and the new phone's activation code stops working.")} }
                    div { class: "row",
                        button { r#type: "button", class: "secondary", id: "jangan-batalkan",
                            onclick: move |_| step.set(Step::Shown), {t(l, "Kembali", "Back")} }
                        button { r#type: "button", class: "danger", id: "yakin-batalkan", onclick: cancel,
                            {t(l, "Ya, batalkan", "Yes, cancel")} }
                    }
                },
                _ => rsx! { Progress { label: t(l, "Membatalkan…", "Cancelling…") } },
            }
        }
    }
}
