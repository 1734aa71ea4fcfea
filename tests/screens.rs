//! Component tests of the app's screens, rendered on a VirtualDom to HTML.
#![allow(clippy::unwrap_used)] // test helpers: a failure is a test failure

use dioxus::prelude::*;

fn render(app: fn() -> Element) -> String {
    let mut dom = VirtualDom::new(app);
    dom.rebuild_in_place();
    dioxus_ssr::render(&dom)
}

#[test]
fn welcome_speaks_bahasa_indonesia_by_default() {
    let html = render(ikd::App);
    assert!(html.contains("Identitas Kependudukan Digital"), "{html}");
    assert!(html.contains("Periksa NIK"));
    assert!(html.contains("NIK tertera di KTP-el"));
    assert!(html.contains("English"));
}

#[test]
fn welcome_in_english_when_the_language_is_english() {
    fn app() -> Element {
        use_context_provider(|| Signal::new(ikd_core::Lang::En));
        rsx! { ikd::screens::Welcome {} }
    }
    let html = render(app);
    assert!(html.contains("Check a NIK"), "{html}");
    assert!(html.contains("Digital Population Identity"));
}
