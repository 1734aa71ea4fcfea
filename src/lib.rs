//! The IKD citizen app: one set of Dioxus components for every renderer (desktop, mobile,
//! and the browser renderer in [`web`]).
#![forbid(unsafe_code)]

pub mod api;
pub mod camera;
pub mod components;
pub mod i18n;
pub mod network;
pub mod officer;
pub mod qr;
pub mod screens;
pub mod session;
pub mod store;
#[cfg(feature = "web")]
pub mod web;

use dioxus::prelude::*;

use screens::*;
pub use session::AppConfig;

/// Unix seconds now (QR timestamps, session ends).
pub(crate) fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// The app's stylesheet, inlined so every renderer gets it without an asset pipeline.
pub const STYLE: &str = include_str!("../assets/main.css");

#[derive(Routable, Clone, PartialEq, Debug)]
#[rustfmt::skip]
pub enum Route {
    #[route("/")]
    Welcome {},
    #[route("/daftar")]
    Notice {},
    #[route("/daftar/persetujuan")]
    Consent {},
    #[route("/daftar/data")]
    DataEntry {},
    #[route("/daftar/foto")]
    Selfie {},
    #[route("/daftar/qr")]
    OfficerQr {},
    #[route("/aktivasi")]
    Activation {},
    #[route("/aktivasi/pin")]
    SetPin {},
    #[route("/masuk")]
    Login {},
    #[route("/masuk/lupa-pin")]
    LupaPin {},
    #[layout(HomeLayout)]
        #[route("/beranda")]
        KtpDigital {},
        #[route("/beranda/ktp")]
        KtpCard {},
        #[route("/beranda/kk")]
        KkDigital {},
        #[route("/beranda/dokumen")]
        Dokumen {},
        #[route("/beranda/riwayat")]
        Riwayat {},
        #[route("/beranda/pengaturan")]
        Pengaturan {},
        #[route("/beranda/pengaturan/kontak")]
        UbahKontak {},
        #[route("/beranda/pengaturan/data")]
        DataSaya {},
    #[end_layout]
    #[route("/:..segments")]
    NotFound { segments: Vec<String> },
}

/// Any unknown address leads back to the start.
#[component]
fn NotFound(segments: Vec<String>) -> Element {
    let nav = use_navigator();
    let _ = segments;
    use_effect(move || {
        nav.replace(Route::Welcome {});
    });
    rsx! {}
}

/// The root component; the renderer provides an [`AppConfig`] as context.
#[component]
pub fn App() -> Element {
    let config = use_context::<AppConfig>();
    use_hook(|| session::provide_session(config));
    rsx! {
        Router::<Route> {}
    }
}
