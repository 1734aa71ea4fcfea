//! Pieces shared by the screens: progress, errors with what to do next, the language
//! switch, QR images, the top bar.

use dioxus::prelude::*;
use ikd_core::Lang;

use crate::api::ClientError;
use crate::i18n::{t, use_lang};

/// A wait the citizen can see: a spinner and what is happening.
#[component]
pub fn Progress(label: String) -> Element {
    rsx! {
        div { class: "progress", role: "status", aria_live: "polite",
            span { class: "spinner" }
            span { "{label}" }
        }
    }
}

/// An error in the citizen's language, with a retry button when trying again can help.
#[component]
pub fn ErrorNote(error: ClientError, on_retry: Option<EventHandler<()>>) -> Element {
    let l = use_lang()();
    let retry = on_retry.filter(|_| error.retryable());
    rsx! {
        div { class: "error-box", role: "alert", "data-code": "{error.code()}",
            p { class: "error", "{error.message(l)}" }
            if let Some(retry) = retry {
                button { r#type: "button", class: "secondary", onclick: move |_| retry.call(()),
                    {t(l, "Coba lagi", "Try again")}
                }
            }
        }
    }
}

#[component]
pub fn LangSwitch() -> Element {
    let mut lang = use_lang();
    let l = lang();
    rsx! {
        div { class: "lang",
            button { r#type: "button", id: "lang-id",
                class: if l == Lang::Id { "chip active" } else { "chip" },
                onclick: move |_| lang.set(Lang::Id),
                "Bahasa Indonesia"
            }
            button { r#type: "button", id: "lang-en",
                class: if l == Lang::En { "chip active" } else { "chip" },
                onclick: move |_| lang.set(Lang::En),
                "English"
            }
        }
    }
}

/// A QR code as inline SVG, large enough to scan from a phone screen.
#[component]
pub fn QrImage(text: String, id: String) -> Element {
    let svg = crate::qr::svg(&text, 300).unwrap_or_default();
    // The SVG carries an XML declaration; inline it without.
    let svg = match svg.find("<svg") {
        Some(i) => svg[i..].to_owned(),
        None => svg,
    };
    rsx! {
        div { class: "qr", id: "{id}", "data-qr": "{text}", dangerous_inner_html: "{svg}" }
    }
}

/// The title bar of a flow step, with a way back.
#[component]
pub fn TopBar(title: String, back: Option<EventHandler<()>>) -> Element {
    let l = use_lang()();
    rsx! {
        header { class: "topbar",
            if let Some(back) = back {
                button { r#type: "button", class: "back", aria_label: t(l, "Kembali", "Back"),
                    onclick: move |_| back.call(()), "‹"
                }
            }
            h2 { "{title}" }
        }
    }
}

/// Step n of the registration flow, as a thin bar.
#[component]
pub fn Steps(current: u8, total: u8) -> Element {
    rsx! {
        div { class: "steps", aria_hidden: "true",
            for i in 1..=total {
                span { key: "{i}", class: if i <= current { "step done" } else { "step" } }
            }
        }
    }
}
