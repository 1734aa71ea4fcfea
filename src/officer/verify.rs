//! Verifikasi: an identity QR (`IKD2:`) checked by the service (every offline check, the
//! replay cache, and whether the device was released or the account locked). A large green
//! or red answer; when valid, the registry photo and only the fields of the profile the
//! citizen chose; when refused, the reason in words. No photo is shown unless it is the one
//! the credential binds: for a resident with no registry photo, or a photo replaced since
//! issuance, the answer says so and what to check instead.

use dioxus::prelude::*;
use ikd_core::api::{PortraitCheck, VerifyResult};
use ikd_core::wire::Element as Field;

use super::{QrScanner, photo_src, use_console};
use crate::api::ClientError;
use crate::components::{ErrorNote, Progress};
use crate::i18n::t;

/// A disclosed field as the verifier reads it: label and value (yes/no for attestations).
fn shown(id: &str, value: &str, l: ikd_core::Lang) -> Option<(&'static str, String)> {
    let element = Field::ALL.into_iter().find(|e| e.id() == id)?;
    // The photo itself is shown; its digest means nothing to a person.
    if element == Field::PortraitSha256 {
        return None;
    }
    let value = match value {
        // Attestations arrive in both languages (`YA / YES`); the officer reads one.
        "true" | "YA / YES" => t(l, "Ya", "Yes").to_owned(),
        "false" | "TIDAK / NO" => t(l, "Tidak", "No").to_owned(),
        v => v.to_owned(),
    };
    Some((element.label(l), value))
}

/// Where the photo would be, when none is shown: why, and what to check instead.
fn portrait_note(portrait: PortraitCheck, l: ikd_core::Lang) -> Element {
    let (title, what) = match portrait {
        PortraitCheck::NotOnRecord => (
            t(l, "Tidak ada foto di registri", "No photo on record"),
            t(
                l,
                "Database kependudukan tidak menyimpan foto orang ini. Cocokkan wajahnya dengan KTP-el fisik atau dokumen berfoto lain.",
                "The population registry holds no photo of this person. Compare their face with the physical KTP-el or another photo ID.",
            ),
        ),
        PortraitCheck::Changed => (
            t(
                l,
                "Foto registri sudah diperbarui",
                "The registry photo has changed",
            ),
            t(
                l,
                "Foto di registri berbeda dari saat KTP digital ini diterbitkan. Minta pemilik membuka aplikasi IKD saat tersambung internet, lalu tampilkan QR baru.",
                "The registry photo differs from the one when this digital KTP was issued. Ask the holder to open the IKD app online, then show a new QR.",
            ),
        ),
        PortraitCheck::Matches | PortraitCheck::NotChecked => (
            t(l, "Foto tidak tersedia", "No photo"),
            t(
                l,
                "Cocokkan wajah dengan KTP-el fisik.",
                "Compare the face with the physical KTP-el.",
            ),
        ),
    };
    let code = serde_json::to_value(portrait)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    rsx! {
        div { class: "photo no-photo", id: "verify-no-photo", role: "note", "data-portrait": "{code}",
            strong { "{title}" }
            span { "{what}" }
        }
    }
}

#[component]
pub fn VerifyIdentity() -> Element {
    let mut c = use_console();
    let l = c.lang();
    let mut result = use_signal(|| None::<VerifyResult>);
    let mut busy = use_signal(|| false);
    let mut error = use_signal(|| None::<ClientError>);
    let mut not_identity = use_signal(|| false);

    let scanned = move |text: String| {
        error.set(None);
        result.set(None);
        let text = text.trim().to_owned();
        if !text.starts_with(ikd_core::wire::IDENTITY_QR_PREFIX) {
            not_identity.set(true);
            return;
        }
        not_identity.set(false);
        let Some(token) = c.token() else { return };
        busy.set(true);
        spawn(async move {
            let r = c.api().verify(&token, &text).await;
            busy.set(false);
            match r {
                Ok(v) => result.set(Some(v)),
                Err(e) => error.set(Some(c.check(e))),
            }
        });
    };

    let answer = result().map(|v| {
        if v.valid {
            let profile = v.profile.map(|p| p.label(l)).unwrap_or_default();
            let rows: Vec<(&str, String)> = v
                .fields
                .iter()
                .filter_map(|(id, value)| shown(id, value, l))
                .collect();
            rsx! {
                section { class: "verdict valid", id: "verify-result", "data-valid": "true", role: "status",
                    div { class: "verdict-mark", "✓" }
                    div {
                        h2 { {t(l, "Identitas sah", "Identity valid")} }
                        p { id: "verify-profile", {t(l, "Profil yang dibagikan: ", "Profile shared: ")} "{profile}" }
                    }
                }
                div { class: "card verified",
                    if let Some(photo) = &v.photo {
                        img { id: "verify-photo", class: "photo", alt: "foto", src: "{photo_src(photo)}" }
                    } else {
                        {portrait_note(v.portrait, l)}
                    }
                    div { class: "verified-text",
                        dl { class: "facts", id: "verify-fields",
                            for (label, value) in rows {
                                dt { key: "{label}", "{label}" }
                                dd { "{value}" }
                            }
                        }
                        if v.photo.is_some() {
                            p { class: "hint", {t(l,
                                "Cocokkan foto dengan wajah orang di depan Anda.",
                                "Compare the photo with the face of the person in front of you.")} }
                        }
                    }
                }
            }
        } else {
            let (code, why) = v
                .error
                .as_ref()
                .map(|e| (e.code.clone(), e.message(l).to_owned()))
                .unwrap_or_default();
            rsx! {
                section { class: "verdict invalid", id: "verify-result", "data-valid": "false", "data-code": "{code}", role: "alert",
                    div { class: "verdict-mark", "✗" }
                    div {
                        h2 { {t(l, "Jangan terima identitas ini", "Do not accept this identity")} }
                        p { id: "verify-reason", "{why}" }
                        p { class: "hint", "{code}" }
                    }
                }
            }
        }
    });

    rsx! {
        div { class: "console-page", id: "verify",
            h2 { {t(l, "Verifikasi KTP digital", "Verify a digital KTP")} }
            p { class: "hint", {t(l,
                "Minta warga menampilkan QR KTP Digital di aplikasi IKD, lalu pindai atau unggah gambarnya. QR berlaku 90 detik dan hanya sekali.",
                "Ask the citizen to show the KTP Digital QR in the IKD app, then scan or upload a picture of it. A QR is valid for 90 seconds, once.")} }
            if busy() {
                Progress { label: t(l, "Memeriksa QR…", "Checking the QR…") }
            }
            {answer}
            if let Some(e) = error() {
                ErrorNote { error: e }
            }
            if not_identity() {
                div { class: "error-box", role: "alert", "data-code": "NOT_IDENTITY_QR",
                    p { class: "error", {t(l,
                        "Ini bukan QR KTP Digital IKD. Minta warga membuka menu \u{201c}KTP Digital\u{201d} di aplikasi IKD.",
                        "This is not an IKD digital KTP QR. Ask the citizen to open \u{201c}KTP Digital\u{201d} in the IKD app.")} }
                }
            }
            QrScanner { id: "verify", on_text: scanned, busy: busy() }
        }
    }
}
