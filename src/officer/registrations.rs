//! Pendaftaran: scan the citizen's registration QR, then review it ([`ReviewPanel`]): Setujui
//! (the service emails the activation code) or Tolak with a reason the citizen sees. The
//! citizen's app polls its status, so it moves on without a reload.

use dioxus::prelude::*;
use ikd_core::api::{OfficerDecision, RegistrationReview};
use ikd_core::wire::RegistrationQr;

use super::review::{ReviewPanel, Verdict};
use super::{QrScanner, use_console};
use crate::api::ClientError;
use crate::components::{ErrorNote, Progress};
use crate::i18n::t;

#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Approved,
    Rejected,
}

#[component]
pub fn Registrations() -> Element {
    let mut c = use_console();
    let l = c.lang();
    let mut review = use_signal(|| None::<(String, RegistrationReview)>);
    let mut busy = use_signal(|| false);
    let mut error = use_signal(|| None::<ClientError>);
    let mut not_registration = use_signal(|| false);
    let mut outcome = use_signal(|| None::<Outcome>);

    let scanned = move |text: String| {
        error.set(None);
        outcome.set(None);
        let text = text.trim().to_owned();
        // Checked here first: an identity QR or a shop's QR gets a clear word at once.
        if RegistrationQr::parse(&text).is_err() {
            not_registration.set(true);
            return;
        }
        not_registration.set(false);
        let Some(token) = c.token() else { return };
        busy.set(true);
        spawn(async move {
            let r = c.api().scan_registration(&token, &text).await;
            busy.set(false);
            match r {
                Ok(r) => {
                    review.set(Some((text, r)));
                }
                Err(e) => error.set(Some(c.check(e))),
            }
        });
    };
    let decide = move |verdict: Verdict| {
        let Some((qr, _)) = review.peek().clone() else {
            return;
        };
        let Some(token) = c.token() else { return };
        busy.set(true);
        error.set(None);
        spawn(async move {
            let approve = verdict.approve;
            let body = OfficerDecision {
                qr,
                approve,
                reason: verdict.reason,
                physical_ktp_checked: verdict.physical_ktp_checked,
            };
            let r = c.api().decide(&token, &body).await;
            busy.set(false);
            match r {
                Ok(()) => {
                    review.set(None);
                    outcome.set(Some(if approve {
                        Outcome::Approved
                    } else {
                        Outcome::Rejected
                    }));
                }
                Err(e) => error.set(Some(c.check(e))),
            }
        });
    };

    let body = match review() {
        None => rsx! {
            h2 { {t(l, "Pindai QR pendaftaran", "Scan the registration QR")} }
            p { class: "hint", {t(l,
                "Minta warga menunjukkan QR pendaftaran di aplikasi IKD, lalu pindai, unggah tangkapan layarnya, atau tempel teksnya.",
                "Ask the citizen to show the registration QR in the IKD app, then scan it, upload a screenshot of it, or paste its text.")} }
            match outcome() {
                Some(Outcome::Approved) => rsx! {
                    div { class: "card success", id: "decision-done", "data-outcome": "approved", role: "status",
                        strong { {t(l, "Pendaftaran disetujui.", "Registration approved.")} }
                        p { class: "hint", {t(l, "Kode aktivasi sudah dikirim ke email warga. Aplikasi warga berpindah ke langkah aktivasi.",
                            "The activation code has been emailed to the citizen. Their app moves on to activation.")} }
                    }
                },
                Some(Outcome::Rejected) => rsx! {
                    div { class: "card rejected", id: "decision-done", "data-outcome": "rejected", role: "status",
                        strong { {t(l, "Pendaftaran ditolak.", "Registration rejected.")} }
                        p { class: "hint", {t(l, "Warga melihat alasan penolakan di aplikasinya dan dapat mendaftar ulang.",
                            "The citizen sees the reason in their app and can register again.")} }
                    }
                },
                None => rsx! {},
            }
            QrScanner { id: "reg", on_text: scanned, busy: busy() }
            if not_registration() {
                div { class: "error-box", role: "alert", "data-code": "NOT_REGISTRATION_QR",
                    p { class: "error", {t(l,
                        "Ini bukan QR pendaftaran IKD. Minta warga membuka layar \u{201c}QR untuk petugas\u{201d} di aplikasi IKD.",
                        "This is not an IKD registration QR. Ask the citizen to open the \u{201c}QR for the officer\u{201d} screen in the IKD app.")} }
                }
            }
        },
        Some((_, r)) => rsx! {
            ReviewPanel {
                key: "{r.registration_id}",
                review: r,
                remote: false,
                busy: busy(),
                error: error(),
                on_decide: decide,
                on_back: move |_| { review.set(None); error.set(None); },
            }
        },
    };

    rsx! {
        div { class: "console-page", id: "registrations",
            {body}
            if review.read().is_none() {
                if let Some(e) = error() {
                    ErrorNote { error: e }
                }
                if busy() {
                    Progress { label: t(l, "Mencari pendaftaran…", "Looking up the registration…") }
                }
            }
        }
    }
}
