//! Data saya (UU PDP, Pengaturan): download everything the service holds about me, signed by
//! Dukcapil, and Tutup akun IKD, which says exactly what is deleted and what is kept, and
//! asks for the PIN, a tick and one more tap.

use base64::Engine as _;
use dioxus::prelude::*;
use ikd_core::api::DataExport;

use crate::Route;
use crate::api::ClientError;
use crate::components::{ErrorNote, Progress, TextField};
use crate::i18n::t;
use crate::session::use_session;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Closing {
    Form,
    Confirm,
    Busy,
    Done,
}

#[component]
pub fn DataSaya() -> Element {
    let mut s = use_session();
    let l = s.lang();
    let nav = use_navigator();
    // The export, and the files to save: the JSON and, if it could be drawn, the PDF.
    let mut export = use_signal(|| None::<(DataExport, String, Option<String>)>);
    let mut loading = use_signal(|| false);
    let mut error = use_signal(|| None::<ClientError>);
    let mut pin = use_signal(String::new);
    let mut understood = use_signal(|| false);
    let mut closing = use_signal(|| Closing::Form);
    // Whether this phone forgot its device key after the closure.
    let mut forgot = use_signal(|| true);
    let mut close_error = use_signal(|| None::<ClientError>);

    let download = move |_| {
        let token = (s.token)().unwrap_or_default();
        loading.set(true);
        error.set(None);
        spawn(async move {
            let r = s.api().my_data(&token).await;
            loading.set(false);
            match r {
                Ok(x) => {
                    // The file as the service gave it: the data and its signature.
                    let b64 = base64::engine::general_purpose::STANDARD;
                    let json = serde_json::to_vec_pretty(&x).unwrap_or_default();
                    let href = format!("data:application/json;base64,{}", b64.encode(json));
                    // The readable copy, drawn from the signed payload with the signature
                    // attached; the JSON stays the file to check.
                    let pdf = base64::engine::general_purpose::URL_SAFE_NO_PAD
                        .decode(&x.cose_sign1)
                        .ok()
                        .and_then(|cose| ikd_core::export_pdf::render_export_pdf(&cose).ok())
                        .map(|pdf| format!("data:application/pdf;base64,{}", b64.encode(pdf)));
                    export.set(Some((x, href, pdf)));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let close = move |_| {
        let token = (s.token)().unwrap_or_default();
        closing.set(Closing::Busy);
        close_error.set(None);
        spawn(async move {
            let r = s.api().close_account(&token, &pin()).await;
            pin.set(String::new());
            match r {
                Ok(()) => {
                    // The key goes at once, not at the last tap.
                    forgot.set(s.forget_keys().is_ok());
                    closing.set(Closing::Done);
                }
                Err(e) => {
                    close_error.set(Some(e));
                    closing.set(Closing::Form);
                }
            }
        });
    };
    let pin_ok = pin().len() == 6 && pin().bytes().all(|b| b.is_ascii_digit());

    if closing() == Closing::Done {
        return rsx! {
            main { class: "screen tab-screen", id: "data-saya",
                section { class: "card success", id: "akun-ditutup", role: "status",
                    // The page was scrolled down to the form: the outcome comes into sight.
                    onmounted: move |e| async move {
                        let _ = e.scroll_to(ScrollBehavior::Instant).await;
                    },
                    h3 { {t(l, "Akun IKD ditutup", "Your IKD account is closed")} }
                    p { {t(l,
                        "Akun, perangkat, sesi, kredensial, data pendaftaran dan Riwayat sudah dihapus. QR KTP digital yang sudah dibuat ditolak saat diperiksa daring dan kedaluwarsa dalam sehari. Data kependudukan Anda tetap di Dukcapil. Email pemberitahuan dikirim ke alamat terdaftar.",
                        "The account, device, sessions, credentials, registration data and activity log are deleted. Digital KTP QRs already made are refused when checked online and expire within a day. Your population record stays at Dukcapil. A notice was sent to the registered email.")} }
                    if !forgot() {
                        p { class: "error", role: "alert", {t(l,
                            "Kunci perangkat tidak dapat dihapus dari penyimpanan ponsel ini. Hapus aplikasi IKD dari pengaturan ponsel.",
                            "The device key could not be removed from this phone's storage. Remove the IKD app in the phone's settings.")} }
                    }
                }
                button { r#type: "button", class: "primary", id: "ke-awal",
                    onclick: move |_| {
                        s.token.set(None);
                        s.offline.set(false);
                        nav.replace(Route::Welcome {});
                    },
                    {t(l, "Selesai", "Done")} }
            }
        };
    }

    rsx! {
        main { class: "screen tab-screen", id: "data-saya",
            h2 { {t(l, "Data saya", "My data")} }
            section { class: "card",
                h3 { {t(l, "Unduh data saya", "Download my data")} }
                p { class: "hint", {t(l,
                    "Semua yang disimpan layanan IKD tentang Anda: data kependudukan, akun, pendaftaran beserta persetujuannya, Riwayat, dan catatan audit. Ada dua berkas: PDF untuk dibaca dan JSON untuk mesin. Keduanya memuat tanda tangan Dukcapil, sehingga dapat ditunjukkan di tempat lain dan diperiksa keasliannya.",
                    "Everything the IKD service holds about you: the population record, the account, registrations with their consents, the activity log and audit entries. There are two files: a PDF to read and JSON for machines. Both carry Dukcapil's signature, so they can be shown elsewhere and checked.")} }
                if let Some((x, href, pdf)) = export() {
                    div { id: "data-siap", role: "status",
                        dl { class: "facts",
                            dt { {t(l, "Pendaftaran", "Registrations")} } dd { "{x.data.registrations.len()}" }
                            dt { "Riwayat" }
                            dd {
                                if x.data.activity_total > x.data.activity.len() as i64 {
                                    {format!("{} {} {}", x.data.activity.len(), t(l, "terbaru dari", "newest of"), x.data.activity_total)}
                                } else {
                                    "{x.data.activity.len()}"
                                }
                            }
                            dt { {t(l, "Catatan audit", "Audit entries")} } dd { "{x.data.audit.len()}" }
                            dt { {t(l, "Tanda tangan", "Signature")} } dd { "COSE_Sign1, ES256" }
                        }
                        if let Some(pdf) = pdf {
                            a { class: "button primary", id: "simpan-pdf", href: "{pdf}", download: "ikd-data-saya.pdf",
                                {t(l, "Simpan untuk dibaca (PDF)", "Save to read (PDF)")} }
                        } else {
                            p { class: "error", role: "alert", id: "pdf-gagal", {t(l,
                                "PDF tidak dapat dibuat dari data ini. Simpan berkas JSON; isinya sama dan bertanda tangan.",
                                "The PDF could not be made from this data. Save the JSON file; it holds the same data, signed.")} }
                        }
                        a { class: "button secondary", id: "simpan-data", href: "{href}", download: "ikd-data-saya.json",
                            {t(l, "Simpan berkas bertanda tangan (JSON)", "Save the signed file (JSON)")} }
                    }
                } else if loading() {
                    Progress { label: t(l, "Menyiapkan data…", "Preparing your data…") }
                } else {
                    button { r#type: "button", class: "secondary", id: "unduh-data", onclick: download,
                        {t(l, "Unduh data saya", "Download my data")} }
                }
                if let Some(e) = error() {
                    ErrorNote { error: e }
                }
            }
            section { class: "card", id: "tutup-akun-bagian",
                h3 { {t(l, "Tutup akun IKD", "Close my IKD account")} }
                p { strong { {t(l, "Dihapus: ", "Deleted: ")} }
                    {t(l,
                        "akun IKD, perangkat dan sesi, kredensial KTP digital (QR yang sudah dibuat ditolak saat diperiksa daring dan kedaluwarsa dalam sehari), data pendaftaran (email, nomor ponsel, persetujuan, swafoto bila masih ada), catatan audit tindakan Anda sendiri, dan Riwayat.",
                        "the IKD account, the device and sessions, the digital KTP credentials (QRs already made are refused when checked online and expire within a day), the registration data (email, phone, consents, the selfie if still held), the audit entries of your own actions, and the activity log.")} }
                p { strong { {t(l, "Disimpan: ", "Kept: ")} }
                    {t(l,
                        "data kependudukan Anda (KTP-el, KK, dokumen), karena itu catatan negara yang dikelola Dukcapil; dan catatan audit tindakan petugas, untuk pertanggungjawaban. Audit mencatat bahwa sebuah akun ditutup, tanpa NIK.",
                        "your population record (KTP-el, KK, documents), as it is the state's record kept by Dukcapil; and the audit log of officers' actions, for accountability. The audit records that an account was closed, without the NIK.")} }
                p { class: "hint", {t(l, "Unduh data Anda lebih dulu bila ingin menyimpannya. Untuk memakai IKD lagi, daftar ulang.",
                    "Download your data first if you want to keep it. To use IKD again, register again.")} }
                label { r#for: "tutup-pin", "PIN" }
                TextField { id: "tutup-pin", value: pin, r#type: "password", inputmode: "numeric", maxlength: "6" }
                label { class: "check",
                    input { r#type: "checkbox", id: "tutup-mengerti", checked: understood(),
                        onchange: move |e| understood.set(e.checked()) }
                    {t(l, " Saya sudah membaca apa yang dihapus dan apa yang disimpan.", " I have read what is deleted and what is kept.")}
                }
                if let Some(e) = close_error() {
                    ErrorNote { error: e }
                }
                match closing() {
                    Closing::Busy => rsx! { Progress { label: t(l, "Menutup akun…", "Closing the account…") } },
                    Closing::Confirm => rsx! {
                        p { class: "error", role: "alert", {t(l, "Yakin? Tindakan ini tidak dapat dibatalkan.", "Are you sure? This cannot be undone.")} }
                        div { class: "row",
                            button { r#type: "button", class: "secondary", id: "tutup-batal", onclick: move |_| closing.set(Closing::Form),
                                {t(l, "Batal", "Cancel")} }
                            button { r#type: "button", class: "danger", id: "tutup-yakin", disabled: !pin_ok || !understood(), onclick: close,
                                {t(l, "Ya, tutup akun", "Yes, close the account")} }
                        }
                    },
                    _ => rsx! {
                        button { r#type: "button", class: "danger", id: "tutup-akun", disabled: !pin_ok || !understood(),
                            onclick: move |_| closing.set(Closing::Confirm), {t(l, "Tutup akun IKD", "Close my IKD account")} }
                    },
                }
            }
        }
    }
}
