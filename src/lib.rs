//! The IKD citizen app: one set of Dioxus components for every renderer.
//!
//! This first version is the window and the welcome screen with a live NIK check (the
//! ikd-core rules, as the data-entry screen will use them); the registration flow, home
//! menu and officer console build on it.

pub mod i18n;
pub mod screens;

use dioxus::prelude::*;

/// The app's stylesheet, inlined so every renderer gets it without an asset pipeline.
pub const STYLE: &str = include_str!("../assets/main.css");

/// The root component.
#[component]
pub fn App() -> Element {
    let lang = use_signal(ikd_core::Lang::default);
    use_context_provider(|| lang);
    rsx! {
        screens::Welcome {}
    }
}
