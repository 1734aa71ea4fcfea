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

/// A text input the page owns while the user types (an uncontrolled input): `value`
/// follows every keystroke but is not written back. On the desktop and browser renderers
/// the DOM is updated asynchronously, so writing back would let the echo of an older value
/// land after the next key and erase it (fast typing lost characters). A change made by the
/// screen itself (clearing a field) is still written into the page. Enter calls `on_enter`;
/// `focus` puts the cursor in the field when it appears (a form's first field).
#[component]
pub fn TextField(
    id: String,
    value: Signal<String>,
    on_enter: Option<EventHandler<()>>,
    #[props(default)] focus: bool,
    #[props(extends = input, extends = GlobalAttributes)] attributes: Vec<Attribute>,
) -> Element {
    let oninput = use_uncontrolled(&id, value);
    rsx! {
        input { id, initial_value: "{value.peek()}", oninput,
            onmounted: move |e| async move {
                if focus {
                    let _ = e.set_focus(true).await;
                }
            },
            onkeydown: move |e: KeyboardEvent| {
                if let Some(enter) = on_enter.filter(|_| e.key() == Key::Enter) {
                    enter.call(());
                }
            },
            ..attributes,
        }
    }
}

/// [`TextField`] for several lines.
#[component]
pub fn TextArea(
    id: String,
    value: Signal<String>,
    #[props(extends = textarea, extends = GlobalAttributes)] attributes: Vec<Attribute>,
) -> Element {
    let oninput = use_uncontrolled(&id, value);
    rsx! {
        textarea { id, initial_value: "{value.peek()}", oninput, ..attributes }
    }
}

/// Keeps `value` in step with the uncontrolled field `id`; returns its `oninput` handler.
fn use_uncontrolled(id: &str, mut value: Signal<String>) -> impl FnMut(FormEvent) + Copy + use<> {
    // What the page holds, as last reported by it.
    let mut typed = use_signal(|| value.peek().clone());
    let target = serde_json::Value::from(id).to_string();
    use_effect(move || {
        let wanted = value();
        if *typed.peek() != wanted {
            let js = format!(
                "document.getElementById({target}).value = {};",
                serde_json::Value::from(wanted.as_str())
            );
            typed.set(wanted);
            document::eval(&js);
        }
    });
    move |e: FormEvent| {
        let v = e.value();
        typed.set(v.clone());
        value.set(v);
    }
}

/// A QR code as inline SVG, black on white with its 4-module quiet zone whatever the
/// theme, as wide as the screen allows; "Perbesar" shows it filling the screen (a counter
/// camera or a verifier's phone reads larger modules from further away), a tap closes it.
#[component]
pub fn QrImage(text: String, id: String) -> Element {
    let l = use_lang()();
    let mut enlarged = use_signal(|| false);
    let svg = crate::qr::svg(&text, 300).unwrap_or_default();
    // The SVG carries an XML declaration; inline it without.
    let svg = match svg.find("<svg") {
        Some(i) => svg[i..].to_owned(),
        None => svg,
    };
    rsx! {
        div { class: "qr", id: "{id}", "data-qr": "{text}", dangerous_inner_html: "{svg}" }
        button { r#type: "button", class: "secondary", id: "{id}-enlarge",
            onclick: move |_| enlarged.set(true),
            {t(l, "Perbesar QR", "Enlarge QR")}
        }
        if enlarged() {
            div { class: "qr-full", id: "{id}-full", role: "dialog", aria_modal: "true",
                aria_label: t(l, "Kode QR layar penuh", "Full-screen QR code"),
                onclick: move |_| enlarged.set(false),
                div { class: "qr-full-code", dangerous_inner_html: "{svg}" }
                button { r#type: "button", class: "secondary", id: "{id}-close",
                    {t(l, "Tutup", "Close")}
                }
            }
        }
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
