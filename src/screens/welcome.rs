//! Welcome: the product's name, the language switch and a NIK check as the citizen types.

use dioxus::prelude::*;
use ikd_core::{Lang, Nik, UserError};

use crate::i18n::{t, use_lang};

#[component]
pub fn Welcome() -> Element {
    let mut lang = use_lang();
    let l = lang();
    rsx! {
        main { class: "screen welcome",
            header { class: "brand",
                div { class: "garuda", "IKD" }
                h1 { {t(l, "Identitas Kependudukan Digital", "Digital Population Identity")} }
                p { class: "lead",
                    {t(l, "KTP-el Anda di ponsel: aman, terenkripsi, dapat diperiksa petugas bahkan tanpa internet.",
                        "Your KTP-el on your phone: secure, encrypted, checkable by officers even offline.")}
                }
            }
            NikCheck {}
            footer { class: "lang",
                button {
                    class: if l == Lang::Id { "chip active" } else { "chip" },
                    onclick: move |_| lang.set(Lang::Id),
                    "Bahasa Indonesia"
                }
                button {
                    class: if l == Lang::En { "chip active" } else { "chip" },
                    onclick: move |_| lang.set(Lang::En),
                    "English"
                }
            }
        }
    }
}

/// Checks a NIK with the same rules the service applies, and explains what is wrong.
#[component]
fn NikCheck() -> Element {
    let l = use_lang()();
    let mut input = use_signal(String::new);
    let today = time::OffsetDateTime::now_utc().date();
    let result = if input().trim().is_empty() {
        None
    } else {
        Some(Nik::parse(&input()))
    };
    rsx! {
        section { class: "card",
            label { r#for: "nik", {t(l, "Periksa NIK", "Check a NIK")} }
            input {
                id: "nik",
                inputmode: "numeric",
                maxlength: "20",
                placeholder: "16 digit",
                value: "{input}",
                oninput: move |e| input.set(e.value()),
            }
            match result {
                None => rsx! { p { class: "hint", {t(l, "NIK tertera di KTP-el dan Kartu Keluarga.", "The NIK is printed on the KTP-el and the family card.")} } },
                Some(Err(e)) => rsx! { p { class: "error", role: "alert", "{e.message(l)}" } },
                Some(Ok(nik)) => {
                    let born = nik.birth_date(today);
                    let region = nik.region();
                    rsx! {
                        dl { class: "ok",
                            dt { {t(l, "Kecamatan", "District")} }
                            dd { {region.map(|r| format!("{}, {}, {}", r.district.name, r.regency.name, r.province.name)).unwrap_or_default()} }
                            dt { {t(l, "Tanggal lahir", "Date of birth")} }
                            dd { "{born.day():02}-{u8::from(born.month()):02}-{born.year()}" }
                            dt { {t(l, "Jenis kelamin", "Sex")} }
                            dd { {nik.sex().label(l)} }
                        }
                    }
                }
            }
        }
    }
}
