//! The app's texts. Bahasa Indonesia is the default; English is selectable.

use dioxus::prelude::*;
use ikd_core::Lang;

/// The current language, provided at the root.
pub fn use_lang() -> Signal<Lang> {
    use_context::<Signal<Lang>>()
}

/// One text in both languages.
pub fn t(lang: Lang, id: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Id => id,
        Lang::En => en,
    }
}
