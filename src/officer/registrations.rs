//! Pendaftaran: scan the citizen's registration QR, compare the selfie with the registry
//! photo, read the automatic checks and the registry data, then Setujui (the service emails
//! the activation code) or Tolak with a reason the citizen sees. The citizen's app polls its
//! status, so it moves on without a reload. When the registry holds no photo of the
//! resident, the review says so ("Foto registri tidak tersedia") and Setujui waits until
//! the officer ticks that the physical KTP-el was checked (the service records it).

use dioxus::prelude::*;
use ikd_core::api::{OfficerDecision, RegistrationReview};
use ikd_core::wire::RegistrationQr;

use super::{QrScanner, photo_src, use_console};
use crate::api::ClientError;
use crate::components::{ErrorNote, Progress, TextArea};
use crate::i18n::t;

const MAX_REASON: usize = 500;

/// Reasons officers give most often, one tap each (the field stays editable).
const REASONS: [(&str, &str); 3] = [
    (
        "Wajah pada swafoto tidak sesuai dengan foto di database kependudukan.",
        "The face in the selfie does not match the registry photo.",
    ),
    (
        "Swafoto kurang jelas. Ambil ulang di tempat yang terang, tanpa kacamata dan masker.",
        "The selfie is not clear. Retake it in good light, without glasses or mask.",
    ),
    (
        "Pemohon tidak hadir sendiri di loket.",
        "The applicant was not present at the counter in person.",
    ),
];

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
    let mut rejecting = use_signal(|| false);
    let mut reason = use_signal(String::new);
    let mut outcome = use_signal(|| None::<Outcome>);
    let mut physical_checked = use_signal(|| false);

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
                    rejecting.set(false);
                    reason.set(String::new());
                    physical_checked.set(false);
                    review.set(Some((text, r)));
                }
                Err(e) => error.set(Some(c.check(e))),
            }
        });
    };
    let mut decide = move |approve: bool| {
        let Some((qr, _)) = review.peek().clone() else {
            return;
        };
        let why = reason.peek().trim().to_owned();
        if !approve && why.is_empty() {
            return;
        }
        let Some(token) = c.token() else { return };
        busy.set(true);
        error.set(None);
        spawn(async move {
            let body = OfficerDecision {
                qr,
                approve,
                reason: (!approve).then_some(why),
                physical_ktp_checked: approve && physical_checked(),
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
        Some((_, r)) => {
            let k = &r.ktp;
            let born = format!(
                "{}, {:02}-{:02}-{}",
                k.tempat_lahir,
                k.tanggal_lahir.day(),
                u8::from(k.tanggal_lahir.month()),
                k.tanggal_lahir.year()
            );
            let why_len = reason.read().chars().count();
            let no_photo = r.registry_photo.is_none();
            rsx! {
                h2 { {t(l, "Tinjau pendaftaran", "Review the registration")} }
                div { class: "compare",
                    figure { class: "card",
                        img { id: "review-selfie", class: "photo", alt: "swafoto", src: "{photo_src(&r.selfie)}" }
                        figcaption { {t(l, "Swafoto di aplikasi", "Selfie in the app")} }
                    }
                    figure { class: "card",
                        if let Some(photo) = &r.registry_photo {
                            img { id: "review-registry-photo", class: "photo", alt: "foto database", src: "{photo_src(photo)}" }
                        } else {
                            div { class: "photo no-photo", id: "review-no-registry-photo", role: "note",
                                strong { {t(l, "Foto registri tidak tersedia", "No registry photo on record")} }
                                span { {t(l, "Database kependudukan tidak menyimpan foto warga ini.",
                                    "The population registry holds no photo of this resident.")} }
                            }
                        }
                        figcaption { {t(l, "Foto di database kependudukan", "Photo in the population registry")} }
                    }
                }
                if no_photo {
                    section { class: "card warn", id: "review-physical-ktp",
                        p { {t(l,
                            "Tanpa foto registri, cocokkan wajah warga dengan foto pada KTP-el fisiknya, dan periksa NIK serta nama pada kartu dengan data di bawah. Setujui dapat ditekan setelah kotak ini dicentang.",
                            "Without a registry photo, compare the citizen's face with the photo on their physical KTP-el, and check the NIK and name on the card against the data below. Setujui can be pressed once this box is ticked.")} }
                        // As the Akun tab's identity check: a plain box an officer ticks.
                        label { class: "check",
                            input { r#type: "checkbox", id: "physical-ktp-checked", checked: physical_checked(),
                                onchange: move |e| physical_checked.set(e.checked()) }
                            {t(l, " KTP-el fisik sudah saya periksa dan sesuai dengan orang di loket.",
                                " I have checked the physical KTP-el and it matches the person at the counter.")}
                        }
                    }
                }
                section { class: "card", id: "review-checks",
                    h3 { {t(l, "Pemeriksaan otomatis", "Automatic checks")} }
                    ul { class: "plain",
                        for ch in r.checks.iter() {
                            li { key: "{ch.check}", class: if ch.passed { "ok" } else { "error" },
                                if ch.passed { "✓ " } else { "✗ " }
                                {ch.label(l)}
                                if let Some(a) = &ch.advice { " — {a}" }
                            }
                        }
                    }
                }
                section { class: "card", id: "review-data",
                    h3 { {t(l, "Data kependudukan", "Registry data")} }
                    dl { class: "facts",
                        dt { "NIK" } dd { id: "review-nik", "{k.nik.as_str()}" }
                        dt { {t(l, "Nama", "Name")} } dd { id: "review-nama", "{k.nama}" }
                        dt { {t(l, "Tempat/Tgl Lahir", "Place/date of birth")} } dd { "{born}" }
                        dt { {t(l, "Alamat", "Address")} } dd { "{k.alamat}, {k.kelurahan_desa}, {k.kecamatan}, {k.kabupaten_kota}" }
                        dt { "Email" } dd { "{r.email_masked}" }
                        dt { {t(l, "Telepon", "Phone")} } dd { "{r.phone_masked}" }
                    }
                }
                if let Some(e) = error() {
                    ErrorNote { error: e }
                }
                if busy() {
                    Progress { label: t(l, "Menyimpan keputusan…", "Saving the decision…") }
                } else if rejecting() {
                    section { class: "card",
                        label { r#for: "reject-reason-input", {t(l, "Alasan penolakan (dilihat warga)", "Reason for rejecting (the citizen sees it)")} }
                        div { class: "chips",
                            for (i, (id_text, en_text)) in REASONS.iter().enumerate() {
                                button { key: "{i}", r#type: "button", class: "chip", id: "reason-{i}",
                                    onclick: move |_| reason.set(t(l, id_text, en_text).to_owned()),
                                    {t(l, id_text, en_text)} }
                            }
                        }
                        TextArea { id: "reject-reason-input", value: reason, rows: 3, maxlength: MAX_REASON as i64 }
                        p { class: "hint", "{why_len}/{MAX_REASON}" }
                        div { class: "row",
                            button { r#type: "button", class: "secondary", id: "batal-tolak", onclick: move |_| rejecting.set(false),
                                {t(l, "Batal", "Cancel")} }
                            button { r#type: "button", class: "danger", id: "kirim-tolak",
                                disabled: reason.read().trim().is_empty() || why_len > MAX_REASON,
                                onclick: move |_| decide(false), {t(l, "Tolak pendaftaran", "Reject the registration")} }
                        }
                    }
                } else {
                    div { class: "row",
                        button { r#type: "button", class: "danger", id: "tolak", onclick: move |_| rejecting.set(true), "Tolak" }
                        button { r#type: "button", class: "primary", id: "setujui",
                            disabled: no_photo && !physical_checked(),
                            onclick: move |_| decide(true), "Setujui" }
                    }
                    button { r#type: "button", class: "secondary small", id: "review-cancel",
                        onclick: move |_| { review.set(None); error.set(None); }, {t(l, "Kembali ke pemindai", "Back to the scanner")} }
                }
            }
        }
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
