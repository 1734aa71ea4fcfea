//! The review of one registration, the same at the counter (after a scan) and in the remote
//! queue (a device change): the selfie beside the registry photo, the automatic checks, the
//! registry data, then Setujui or Tolak with a reason the citizen sees. A device change says
//! so, and what approving does. Without a registry photo, Setujui waits at the counter until
//! the officer ticks that the physical KTP-el was checked. Remotely nobody can show the card,
//! so the panel says to reject and ask the citizen to come to the counter.

use dioxus::prelude::*;
use ikd_core::api::RegistrationReview;

use super::photo_src;
use crate::api::ClientError;
use crate::components::{ErrorNote, Progress, TextArea};
use crate::i18n::t;

const MAX_REASON: usize = 500;

/// Reasons officers give most often, one tap each (the field stays editable).
const REASONS: [(&str, &str); 4] = [
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
    (
        "Pindah perangkat perlu diperiksa di loket. Datang ke kantor Dukcapil dengan KTP-el.",
        "This device change needs a check at the counter. Visit a Dukcapil office with your KTP-el.",
    ),
];

/// What the officer decided: approve, the reason when rejecting, and the physical KTP-el
/// tick.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub approve: bool,
    pub reason: Option<String>,
    pub physical_ktp_checked: bool,
}

#[component]
pub fn ReviewPanel(
    review: RegistrationReview,
    /// Reached from the remote queue, not by a scan at the counter.
    remote: bool,
    busy: bool,
    error: Option<ClientError>,
    on_decide: EventHandler<Verdict>,
    on_back: EventHandler<()>,
) -> Element {
    let l = use_context::<Signal<ikd_core::Lang>>()();
    let mut rejecting = use_signal(|| false);
    let mut reason = use_signal(String::new);
    let mut physical_checked = use_signal(|| false);
    let r = &review;
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
    let can_approve = !no_photo || (!remote && physical_checked());
    let back_label = if remote {
        t(l, "Kembali ke antrean", "Back to the queue")
    } else {
        t(l, "Kembali ke pemindai", "Back to the scanner")
    };
    rsx! {
        h2 { {t(l, "Tinjau pendaftaran", "Review the registration")} }
        if r.device_change {
            section { class: "card warn", id: "review-device-change",
                strong { {t(l, "Ganti perangkat", "Device change")} }
                p { if remote {
                    {t(l,
                        "NIK ini aktif di ponsel lain. Bila disetujui, akun pindah ke ponsel baru 24 jam kemudian; ponsel lama dan email terdaftar diberi tahu dan dapat membatalkannya sampai saat itu.",
                        "This NIK is active on another phone. If approved, the account moves to the new phone 24 hours later; the old phone and the registered email are told and can cancel until then.")}
                } else {
                    {t(l,
                        "NIK ini aktif di ponsel lain. Bila disetujui di loket, akun pindah ke ponsel baru begitu diaktifkan, dan ponsel lama tidak dapat masuk lagi.",
                        "This NIK is active on another phone. Approved at the counter, the account moves to the new phone once it is activated, and the old phone no longer signs in.")}
                } }
            }
        }
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
        if no_photo && remote {
            section { class: "card warn", id: "review-remote-no-photo",
                p { {t(l,
                    "Tanpa foto registri, wajah tidak dapat dicocokkan dari jauh. Tolak dengan alasan agar warga datang ke loket membawa KTP-el.",
                    "Without a registry photo the face cannot be compared remotely. Reject, asking the citizen to come to the counter with the KTP-el.")} }
            }
        } else if no_photo {
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
        if let Some(e) = error {
            ErrorNote { error: e }
        }
        if busy {
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
                        onclick: move |_| on_decide.call(Verdict {
                            approve: false,
                            reason: Some(reason.peek().trim().to_owned()),
                            physical_ktp_checked: false,
                        }),
                        {t(l, "Tolak pendaftaran", "Reject the registration")} }
                }
            }
        } else {
            div { class: "row",
                button { r#type: "button", class: "danger", id: "tolak", onclick: move |_| rejecting.set(true), "Tolak" }
                button { r#type: "button", class: "primary", id: "setujui",
                    disabled: !can_approve,
                    onclick: move |_| on_decide.call(Verdict {
                        approve: true,
                        reason: None,
                        physical_ktp_checked: physical_checked(),
                    }),
                    "Setujui" }
            }
            button { r#type: "button", class: "secondary small", id: "review-cancel",
                onclick: move |_| on_back.call(()), "{back_label}" }
        }
    }
}
