//! KTP-el: the card as printed, on the blue card, with the registry photo; the NIK masked
//! until the citizen reveals it. Without a network it is drawn from the credential kept
//! on the phone (every printed field is signed in it), without the photo, and says so.
//! A resident whose registry holds no photo sees that said in the photo's place, online
//! and offline (the credential signs that there is none).

use dioxus::prelude::*;

use super::{date, printed};
use crate::i18n::t;
use crate::session::use_session;

#[component]
pub fn KtpCard() -> Element {
    let s = use_session();
    let l = s.lang();
    let reveal = use_signal(|| false);
    // The KTP-el view carries the registry photo, or none when the registry has none.
    let mut data = super::use_my(|api, token| async move { Ok(api.ktp(&token).await?.ktp) });
    // Decoded and checked once per credential, not at every render: drawn only when every
    // signature is the issuer's (the keys kept with it) and it is still valid.
    let kept = use_memo(move || {
        let cached = s.credential.read();
        let cached = cached.as_ref()?;
        let credential = cached.credential()?;
        credential
            .verify_issuer(&cached.keys, crate::unix_now())
            .ok()
            .map(|()| credential)
    });
    let body = match &*data.read() {
        Some(Err(e @ crate::api::ClientError::Network(_))) if kept.read().is_some() => {
            let error = e.clone();
            let cred = kept.read().clone().expect("checked above");
            let on_record = photo_on_record(&cred);
            rsx! {
                OfflineCard { credential: cred, reveal: reveal() }
                RevealNik { reveal }
                div { class: "error-box", role: "status", id: "ktp-offline", "data-code": "{error.code()}",
                    p { class: "error",
                        {t(l,
                            "Tanpa internet: KTP-el ditampilkan dari KTP digital tersimpan di ponsel ini (ditandatangani Dukcapil).",
                            "Offline: the KTP-el is shown from the digital KTP kept on this phone (signed by Dukcapil).")}
                        if on_record {
                            {t(l, " Foto tampil lagi saat tersambung.", " The photo shows again once online.")}
                        }
                    }
                    button { r#type: "button", class: "secondary", onclick: move |_| data.restart(),
                        {t(l, "Coba lagi", "Try again")} }
                }
            }
        }
        None | Some(Err(_)) => super::waiting(data, t(l, "Memuat KTP-el…", "Loading the KTP-el…"))
            .unwrap_or_else(|| rsx! {}),
        Some(Ok(k)) => {
            let nik = if reveal() {
                k.nik.as_str().to_owned()
            } else {
                k.nik.masked()
            };
            let photo = k.foto.as_ref().map(|p| crate::camera::data_url(p.bytes()));
            let rows = [
                ("Nama", k.nama.clone()),
                (
                    "Tempat/Tgl Lahir",
                    format!("{}, {}", k.tempat_lahir, date(k.tanggal_lahir)),
                ),
                ("Jenis Kelamin", k.jenis_kelamin.label(l).to_owned()),
                ("Gol. Darah", printed(&k.golongan_darah)),
                ("Alamat", k.alamat.clone()),
                ("RT/RW", format!("{:03}/{:03}", k.rt_rw.rt, k.rt_rw.rw)),
                ("Kel/Desa", k.kelurahan_desa.clone()),
                ("Kecamatan", k.kecamatan.clone()),
                ("Agama", printed(&k.agama)),
                ("Status Perkawinan", printed(&k.status_perkawinan)),
                ("Pekerjaan", k.pekerjaan.clone()),
                ("Kewarganegaraan", printed(&k.kewarganegaraan)),
                ("Berlaku Hingga", k.berlaku_hingga.label(l)),
            ];
            rsx! {
                CardFace { provinsi: k.provinsi.clone(), kabupaten_kota: k.kabupaten_kota.clone(), nik, rows: rows.to_vec(), source: "registry",
                    if let Some(src) = photo {
                        img { class: "ktp-photo", alt: "foto", src: "{src}" }
                    } else {
                        NoRegistryPhoto {}
                    }
                    div { class: "ktp-issued", "{k.tempat_terbit}" br {} "{date(k.tanggal_terbit)}" }
                }
                RevealNik { reveal }
            }
        }
    };
    rsx! {
        main { class: "screen tab-screen",
            h2 { "KTP-el" }
            {body}
        }
    }
}

/// The card drawn from the kept credential's signed values (the full profile's), as
/// printed; the photo is only bound there by its digest, so its place says so.
#[component]
fn OfflineCard(credential: ikd_core::wire::Credential, reveal: bool) -> Element {
    use ikd_core::wire::Element as E;
    let l = use_session().lang();
    let v = |e: E| {
        credential
            .value(e)
            .map(|v| v.to_string())
            .unwrap_or_default()
    };
    let nik = if reveal { v(E::Nik) } else { v(E::NikMasked) };
    // Signed as YYYY-MM-DD; printed as dd-mm-yyyy.
    let born = v(E::TanggalLahir);
    let born = match born.split('-').collect::<Vec<_>>()[..] {
        [y, m, d] => format!("{d}-{m}-{y}"),
        _ => born,
    };
    let rows = [
        ("Nama", v(E::Nama)),
        ("Tempat/Tgl Lahir", format!("{}, {born}", v(E::TempatLahir))),
        ("Jenis Kelamin", v(E::JenisKelamin).replace('_', "-")),
        ("Gol. Darah", v(E::GolonganDarah).replace('_', " ")),
        ("Alamat", v(E::Alamat)),
        ("RT/RW", v(E::RtRw)),
        ("Kel/Desa", v(E::KelurahanDesa)),
        ("Kecamatan", v(E::Kecamatan)),
        ("Agama", v(E::Agama).replace('_', " ")),
        (
            "Status Perkawinan",
            v(E::StatusPerkawinan).replace('_', " "),
        ),
        ("Pekerjaan", v(E::Pekerjaan)),
        ("Kewarganegaraan", v(E::Kewarganegaraan)),
        ("Berlaku Hingga", v(E::BerlakuHingga)),
    ];
    let on_record = photo_on_record(&credential);
    rsx! {
        CardFace { provinsi: v(E::Provinsi), kabupaten_kota: v(E::KabupatenKota), nik, rows: rows.to_vec(), source: "credential",
            if on_record {
                div { class: "ktp-photo ktp-photo-offline", {t(l, "Foto tidak tersedia tanpa internet", "No photo offline")} }
            } else {
                NoRegistryPhoto {}
            }
        }
    }
}

/// Whether the credential binds a registry photo (it says so when there is none).
fn photo_on_record(credential: &ikd_core::wire::Credential) -> bool {
    credential.value(ikd_core::wire::Element::PortraitSha256)
        != Some(&ikd_core::wire::ElementValue::NotOnRecord)
}

/// The photo's place on the card of a resident whose registry holds no photo.
#[component]
fn NoRegistryPhoto() -> Element {
    let l = use_session().lang();
    rsx! {
        div { class: "ktp-photo no-photo", id: "ktp-no-photo", role: "note",
            strong { {t(l, "Foto registri tidak tersedia", "No registry photo")} }
            span { {t(l, "Bawa KTP-el fisik", "Carry the physical KTP-el")} }
        }
    }
}

/// The blue card as printed: province and regency on top, the NIK, the printed rows, and
/// `children` beside them (the photo and where it was issued). `source` says where the
/// values come from (`registry`, or `credential` when drawn offline).
#[component]
fn CardFace(
    provinsi: String,
    kabupaten_kota: String,
    nik: String,
    rows: Vec<(&'static str, String)>,
    source: &'static str,
    children: Element,
) -> Element {
    rsx! {
        article { class: "ktp-card", id: "ktp-card", "data-source": "{source}",
            header {
                div { "PROVINSI {provinsi}" }
                div { "{kabupaten_kota}" }
            }
            div { class: "ktp-nik", "NIK : " span { id: "ktp-nik", "{nik}" } }
            div { class: "ktp-body",
                dl {
                    for (label, value) in rows {
                        dt { key: "{label}", "{label}" }
                        dd { ": {value}" }
                    }
                }
                div { class: "ktp-side", {children} }
            }
        }
    }
}

/// Shows or hides the whole NIK on the card.
#[component]
fn RevealNik(reveal: Signal<bool>) -> Element {
    let l = use_session().lang();
    rsx! {
        button { r#type: "button", id: "reveal-nik", class: "secondary", onclick: move |_| reveal.toggle(),
            if reveal() { {t(l, "Sembunyikan NIK", "Hide NIK")} } else { {t(l, "Tampilkan NIK", "Show NIK")} } }
    }
}
