//! Dokumen: the documents linked to the NIK, and a detail view of each.

use dioxus::prelude::*;

use super::date;
use crate::i18n::t;
use crate::session::use_session;

#[component]
pub fn Dokumen() -> Element {
    let s = use_session();
    let l = s.lang();
    let mut open = use_signal(|| None::<usize>);
    let data =
        super::use_my(|api, token| async move { api.documents(&token).await.map(|v| v.documents) });
    let body = match &*data.read() {
        None | Some(Err(_)) => super::waiting(data, t(l, "Memuat dokumen…", "Loading documents…"))
            .unwrap_or_else(|| rsx! {}),
        Some(Ok(docs)) if docs.is_empty() => rsx! {
            p { class: "hint", id: "no-documents", {t(l, "Belum ada dokumen yang terhubung dengan NIK Anda.", "No documents are linked to your NIK yet.")} }
        },
        Some(Ok(docs)) => match open().and_then(|i| docs.get(i)) {
            Some(d) => rsx! {
                section { class: "card", id: "document-detail",
                    h3 { "{d.kind.label(l)}" }
                    dl { class: "ok",
                        dt { {t(l, "Nomor", "Number")} } dd { "{d.number}" }
                        dt { {t(l, "Penerbit", "Issuer")} } dd { "{d.issuer}" }
                        dt { {t(l, "Terbit", "Issued")} } dd { "{date(d.issued_on)}" }
                        if let Some(v) = d.valid_until {
                            dt { {t(l, "Berlaku hingga", "Valid until")} } dd { "{date(v)}" }
                        }
                        for (k, v) in d.details.iter() {
                            dt { key: "{k}", "{k}" } dd { "{v}" }
                        }
                    }
                }
                button { r#type: "button", class: "secondary", onclick: move |_| open.set(None), {t(l, "Kembali ke daftar", "Back to the list")} }
            },
            None => rsx! {
                ul { class: "doc-list",
                    for (i, d) in docs.iter().enumerate() {
                        li { key: "{i}",
                            button { r#type: "button", class: "card doc", "data-kind": "{d.kind.label(ikd_core::Lang::En)}", onclick: move |_| open.set(Some(i)),
                                span { class: "doc-kind", "{d.kind.label(l)}" }
                                span { class: "hint", "{d.number}" }
                            }
                        }
                    }
                }
            },
        },
    };
    rsx! {
        main { class: "screen tab-screen",
            h2 { {t(l, "Dokumen", "Documents")} }
            {body}
        }
    }
}
