//! KK Digital: the family card's header and its members, each NIK masked.

use dioxus::prelude::*;

use super::{date, printed};
use crate::i18n::t;
use crate::session::use_session;

#[component]
pub fn KkDigital() -> Element {
    let s = use_session();
    let l = s.lang();
    let data = super::use_my(|api, token| async move { api.kk(&token).await.map(|v| v.kk) });
    let body = match &*data.read() {
        None | Some(Err(_)) => super::waiting(
            data,
            t(l, "Memuat Kartu Keluarga…", "Loading the family card…"),
        )
        .unwrap_or_else(|| rsx! {}),
        Some(Ok(kk)) => rsx! {
            section { class: "card kk-head", id: "kk-head",
                h3 { "KARTU KELUARGA" }
                p { "No. " strong { "{kk.nomor_kk.as_str()}" } }
                dl { class: "ok",
                    dt { {t(l, "Kepala keluarga", "Head of family")} } dd { "{kk.kepala_keluarga}" }
                    dt { {t(l, "Alamat", "Address")} } dd { "{kk.alamat}, RT {kk.rt_rw.rt:03}/RW {kk.rt_rw.rw:03}" }
                    dt { {t(l, "Desa/Kelurahan", "Village")} } dd { "{kk.kelurahan_desa}, {kk.kecamatan}" }
                    dt { {t(l, "Kabupaten/Kota", "Regency/City")} } dd { "{kk.kabupaten_kota}, {kk.provinsi} {kk.kode_pos}" }
                    dt { {t(l, "Dikeluarkan", "Issued")} } dd { "{date(kk.tanggal_dikeluarkan)}" }
                }
            }
            ul { class: "members",
                for m in kk.anggota.iter() {
                    li { key: "{m.nik.masked()}", class: "card member",
                        div { class: "member-name", "{m.nama}" }
                        div { class: "member-rel", "{m.hubungan.label(l)}" }
                        div { class: "hint", "NIK {m.nik.masked()} · {m.jenis_kelamin.label(l)} · {m.tempat_lahir}, {date(m.tanggal_lahir)}" }
                        div { class: "hint", "{printed(&m.agama)} · {m.pendidikan} · {m.pekerjaan}" }
                    }
                }
            }
        },
    };
    rsx! {
        main { class: "screen tab-screen",
            h2 { {t(l, "KK Digital", "Family card")} }
            {body}
        }
    }
}
