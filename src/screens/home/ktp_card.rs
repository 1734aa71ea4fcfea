//! KTP-el: the card as printed, on the blue card, with the registry photo; the NIK masked
//! until the citizen reveals it.

use base64::Engine as _;
use dioxus::prelude::*;

use super::{date, printed};
use crate::i18n::t;
use crate::session::use_session;

#[component]
pub fn KtpCard() -> Element {
    let s = use_session();
    let l = s.lang();
    let mut reveal = use_signal(|| false);
    let data = super::use_my(|api, token| async move {
        let ktp = api.ktp(&token).await?.ktp;
        let photo = api.photo(&token).await.ok();
        Ok::<_, crate::api::ClientError>((ktp, photo))
    });
    let body = match &*data.read() {
        None | Some(Err(_)) => super::waiting(data, t(l, "Memuat KTP-el…", "Loading the KTP-el…"))
            .unwrap_or_else(|| rsx! {}),
        Some(Ok((k, photo))) => {
            let nik = if reveal() {
                k.nik.as_str().to_owned()
            } else {
                k.nik.masked()
            };
            let photo = photo.as_ref().map(|p| {
                format!(
                    "data:image/jpeg;base64,{}",
                    base64::engine::general_purpose::STANDARD.encode(p)
                )
            });
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
                article { class: "ktp-card", id: "ktp-card",
                    header {
                        div { "PROVINSI {k.provinsi}" }
                        div { "{k.kabupaten_kota}" }
                    }
                    div { class: "ktp-nik", "NIK : " span { id: "ktp-nik", "{nik}" } }
                    div { class: "ktp-body",
                        dl {
                            for (label, value) in rows {
                                dt { key: "{label}", "{label}" }
                                dd { ": {value}" }
                            }
                        }
                        div { class: "ktp-side",
                            if let Some(src) = photo {
                                img { class: "ktp-photo", alt: "foto", src: "{src}" }
                            }
                            div { class: "ktp-issued", "{k.tempat_terbit}" br {} "{date(k.tanggal_terbit)}" }
                        }
                    }
                }
                button { r#type: "button", id: "reveal-nik", class: "secondary", onclick: move |_| reveal.toggle(),
                    if reveal() { {t(l, "Sembunyikan NIK", "Hide NIK")} } else { {t(l, "Tampilkan NIK", "Show NIK")} } }
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
