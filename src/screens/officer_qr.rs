//! The registration QR for the officer, and the wait for the decision: the status is asked
//! every 2 s; approval leads to "cek email", rejection shows the officer's reason.

use std::time::Duration;

use dioxus::prelude::*;
use ikd_core::api::{RegistrationState, RegistrationStatus};

use crate::Route;
use crate::api::ClientError;
use crate::components::{ErrorNote, Progress, QrImage, Steps, TopBar};
use crate::i18n::t;
use crate::session::use_session;

#[component]
pub fn OfficerQr() -> Element {
    let mut s = use_session();
    let l = s.lang();
    let nav = use_navigator();
    let mut status = use_signal(|| None::<RegistrationStatus>);
    let mut error = use_signal(|| None::<ClientError>);
    let pending = s
        .device
        .read()
        .as_ref()
        .and_then(|d| d.registration.clone());

    let poll_for = pending.clone();
    use_future(move || {
        let pending = poll_for.clone();
        async move {
            let Some(p) = pending else { return };
            loop {
                match s.api().registration_status(&p.id, &p.secret).await {
                    Ok(st) => {
                        // A device change approved remotely can still be cancelled from the
                        // old phone during its wait: asked on, so this phone learns it.
                        let moving = st.state == RegistrationState::Approved
                            && st.completes_at.is_some_and(|at| at > crate::unix_now());
                        let done = st.state != RegistrationState::AwaitingOfficer
                            && st.state != RegistrationState::AwaitingSelfie
                            && !moving;
                        error.set(None);
                        status.set(Some(st));
                        if done {
                            return;
                        }
                    }
                    // Shown, and asked again: the wait goes on while the network comes back.
                    Err(e) => error.set(Some(e)),
                }
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        }
    });

    let Some(pending) = pending else {
        return rsx! {
            main { class: "screen",
                p { class: "hint", {t(l, "Belum ada pendaftaran di ponsel ini.", "No registration on this phone yet.")} }
                button { r#type: "button", class: "primary", onclick: move |_| { nav.push(Route::Notice {}); }, "Daftar" }
            }
        };
    };
    let mut restart = move || {
        if s.forget_device().is_ok() {
            nav.push(Route::DataEntry {});
        }
    };
    let state = status().map(|st| st.state);
    let device_change = status().is_some_and(|st| st.device_change);
    // Times in the resident's zone (WIB/WITA/WIT), from the NIK's province.
    let zone = s
        .device
        .read()
        .as_ref()
        .and_then(|d| ikd_core::Nik::parse(&d.nik).ok())
        .map(|n| n.time_zone())
        .unwrap_or(ikd_core::region::TimeZone::Wib);
    let waits_until = status()
        .and_then(|st| st.completes_at)
        .filter(|at| *at > crate::unix_now());
    let body = match (state, status()) {
        (Some(RegistrationState::Approved), Some(st)) if waits_until.is_some() => rsx! {
            section { class: "card success", id: "device-change-waiting",
                h3 { {t(l, "Pindah perangkat disetujui", "Device change approved")} }
                p { {t(l, "Akun IKD Anda pindah ke ponsel ini mulai", "Your IKD account moves to this phone from")} " "
                    strong { id: "device-change-from", {zone.format(waits_until.unwrap_or_default())} } "." }
                p { {t(l, "Kode aktivasi 6 digit sudah dikirim ke", "A 6-digit activation code was sent to")} " "
                    strong { {st.email_masked.clone().unwrap_or_default()} }
                    {t(l, ". Masukkan setelah waktu itu.", ". Enter it after that time.")} }
                p { class: "hint", {t(l,
                    "Masa tunggu ini melindungi Anda: sampai saat itu, ponsel lama dan email terdaftar dapat membatalkan pemindahan bila bukan Anda yang meminta. Ponsel lama tetap bisa dipakai sampai pindah selesai.",
                    "This wait protects you: until then, the old phone and the registered email can cancel the move if you did not ask for it. The old phone keeps working until the move completes.")} }
            }
            button { r#type: "button", id: "ke-aktivasi", class: "primary", onclick: move |_| { nav.push(Route::Activation {}); }, "Aktifkan" }
        },
        (Some(RegistrationState::Approved), Some(st)) => rsx! {
            section { class: "card success", id: "email-sent",
                h3 { {t(l, "Disetujui petugas — cek email", "Approved by the officer — check your email")} }
                p { {t(l, "Kode aktivasi 6 digit telah dikirim ke", "A 6-digit activation code was sent to")} " "
                    strong { {st.email_masked.clone().unwrap_or_default()} } "." }
                p { class: "hint", {t(l, "Kode berlaku 24 jam. Periksa juga folder spam.", "The code is valid for 24 hours. Check the spam folder too.")} }
            }
            button { r#type: "button", id: "ke-aktivasi", class: "primary", onclick: move |_| { nav.push(Route::Activation {}); }, "Aktifkan" }
        },
        (Some(RegistrationState::Activated), _) => rsx! {
            section { class: "card success",
                p { {t(l, "Pendaftaran sudah diaktifkan.", "The registration is already activated.")} }
            }
            button { r#type: "button", class: "primary", onclick: move |_| { nav.push(Route::Login {}); }, "Masuk" }
        },
        (Some(RegistrationState::Rejected), Some(st)) => rsx! {
            section { class: "card rejected", id: "rejected", role: "alert",
                h3 { {t(l, "Pendaftaran ditolak petugas", "The officer rejected the registration")} }
                p { {t(l, "Alasan:", "Reason:")} " " strong { id: "reject-reason", {st.reason.clone().unwrap_or_default()} } }
                p { class: "hint", {t(l, "Perbaiki hal tersebut lalu daftar ulang.", "Fix this, then register again.")} }
            }
            button { r#type: "button", id: "daftar-ulang", class: "primary", onclick: move |_| restart(), {t(l, "Daftar ulang", "Register again")} }
        },
        (Some(RegistrationState::Expired), _) => rsx! {
            section { class: "card rejected", role: "alert",
                p { {t(l, "Pendaftaran kedaluwarsa. Silakan daftar ulang.", "The registration expired. Please register again.")} }
            }
            button { r#type: "button", class: "primary", onclick: move |_| restart(), {t(l, "Daftar ulang", "Register again")} }
        },
        (Some(RegistrationState::Superseded), _) => rsx! {
            section { class: "card rejected", id: "superseded", role: "alert",
                p { {t(l, "Pendaftaran ini digantikan oleh pendaftaran yang lebih baru untuk NIK yang sama (mungkin dari ponsel lain). Lanjutkan di ponsel itu, atau daftar ulang di sini.", "A newer registration of the same NIK (perhaps from another phone) replaced this one. Continue on that phone, or register again here.")} }
            }
            button { r#type: "button", class: "primary", onclick: move |_| restart(), {t(l, "Daftar ulang", "Register again")} }
        },
        (Some(RegistrationState::Cancelled), _) => rsx! {
            section { class: "card rejected", id: "device-change-cancelled", role: "alert",
                h3 { {t(l, "Pindah perangkat dibatalkan", "Device change cancelled")} }
                p { {t(l,
                    "Pemindahan akun ke ponsel ini dibatalkan dari ponsel lama atau lewat email terdaftar. Bila akun ini milik Anda, datang ke kantor Dukcapil dengan KTP-el: petugas dapat memindahkannya di loket.",
                    "Moving the account to this phone was cancelled from the old phone or the registered email. If the account is yours, visit a Dukcapil office with your KTP-el: an officer can move it at the counter.")} }
            }
            button { r#type: "button", class: "primary", onclick: move |_| restart(), {t(l, "Daftar ulang", "Register again")} }
        },
        (Some(RegistrationState::AwaitingSelfie), _) => rsx! {
            button { r#type: "button", class: "primary", onclick: move |_| { nav.push(Route::Selfie {}); }, "Ambil foto" }
        },
        _ => rsx! {
            if let Some(qr) = pending.qr.clone() {
                QrImage { text: qr, id: "registration-qr" }
            }
            if device_change {
                section { class: "card", id: "device-change-note",
                    h3 { {t(l, "Ganti perangkat", "A new phone")} }
                    p { {t(l,
                        "NIK ini aktif di ponsel lain. Petugas meninjau swafoto Anda dari jauh, dibandingkan dengan foto di database kependudukan, jadi biasanya Anda tidak perlu ke kantor. Setelah disetujui, akun pindah ke ponsel ini 24 jam kemudian; ponsel lama dan email terdaftar diberi tahu dan dapat membatalkannya sampai saat itu.",
                        "This NIK is active on another phone. An officer reviews your selfie remotely against the photo in the population registry, so usually you need not visit an office. Once approved, the account moves to this phone 24 hours later; the old phone and the registered email are told and can cancel until then.")} }
                    p { class: "hint", {t(l,
                        "Di loket Dukcapil, tunjukkan QR ini kepada petugas untuk pindah saat itu juga.",
                        "At a Dukcapil counter, show this QR to the officer to move at once.")} }
                }
                Progress { label: t(l, "Menunggu tinjauan petugas", "Waiting for an officer's review") }
            } else {
                p { class: "hint center", {t(l, "Tunjukkan kode QR ini kepada petugas Dukcapil.", "Show this QR code to the Dukcapil officer.")} }
                Progress { label: t(l, "Menunggu verifikasi petugas", "Waiting for the officer's verification") }
            }
        },
    };
    rsx! {
        main { class: "screen",
            TopBar { title: t(l, "Verifikasi petugas", "Officer verification"), back: move |_| { nav.push(Route::Welcome {}); } }
            Steps { current: 5, total: 6 }
            {body}
            if let Some(e) = error() {
                ErrorNote { error: e }
            }
        }
    }
}
