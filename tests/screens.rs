//! Component tests of the app's screens, rendered on a VirtualDom to HTML: each screen in
//! its states (empty, error, success), with the app's real session over a memory store.
#![allow(clippy::unwrap_used)] // test helpers: a failure is a test failure

use std::rc::Rc;
use std::sync::Arc;

use dioxus::prelude::*;
use ikd::AppConfig;
use ikd::api::ApiClient;
use ikd::camera::Camera;
use ikd::store::MemoryStore;

/// A config whose service is unreachable (port 9 on loopback: discard, nothing listens).
fn offline() -> AppConfig {
    AppConfig {
        api: ApiClient::new("http://127.0.0.1:9"),
        store: Arc::new(MemoryStore::default()),
        camera: Camera::Webview,
    }
}

/// Renders the dom to HTML once its tasks have settled (no work for 100 ms).
async fn settle_and_render(mut dom: VirtualDom) -> String {
    dom.rebuild_in_place();
    for _ in 0..40 {
        tokio::select! {
            _ = dom.wait_for_work() => dom.render_immediate(&mut dioxus::core::NoOpMutations),
            _ = tokio::time::sleep(std::time::Duration::from_millis(100)) => break,
        }
    }
    dioxus_ssr::render(&dom)
}

/// Renders `path` of the app with `config`, after its tasks have settled.
async fn render_at(path: &str, config: AppConfig, lang: ikd_core::Lang) -> String {
    render_with(path, config, lang, false).await
}

/// [`render_at`], optionally unlocked offline (the PIN checked on the phone).
async fn render_with(path: &str, config: AppConfig, lang: ikd_core::Lang, offline: bool) -> String {
    #[derive(Props, Clone, PartialEq)]
    struct P {
        lang: ikd_core::Lang,
        offline: bool,
    }
    fn root(p: P) -> Element {
        let config = use_context::<AppConfig>();
        let s = use_hook(|| ikd::session::provide_session(config));
        let (mut lang, mut offline) = (s.lang, s.offline);
        use_hook(move || {
            lang.set(p.lang);
            offline.set(p.offline);
        });
        rsx! { Router::<ikd::Route> {} }
    }
    let dom = VirtualDom::new_with_props(root, P { lang, offline }).with_root_context(config);
    let history: Rc<dyn dioxus::history::History> =
        Rc::new(dioxus::history::MemoryHistory::with_initial_path(path));
    dom.provide_root_context(history);
    settle_and_render(dom).await
}

#[tokio::test]
async fn welcome_speaks_bahasa_indonesia_by_default_and_offers_daftar() {
    let html = render_at("/", offline(), ikd_core::Lang::Id).await;
    assert!(html.contains("Identitas Kependudukan Digital"), "{html}");
    assert!(html.contains(">Daftar<"));
    assert!(html.contains("Masuk tersedia setelah ponsel ini didaftarkan"));
    assert!(html.contains("English"));
}

#[tokio::test]
async fn welcome_in_english_when_the_language_is_english() {
    let html = render_at("/", offline(), ikd_core::Lang::En).await;
    assert!(html.contains("Digital Population Identity"), "{html}");
    assert!(html.contains("Sign-in is available once this phone is registered"));
}

#[tokio::test]
async fn consent_keeps_lanjut_disabled_until_the_toggle_is_on() {
    let html = render_at("/daftar/persetujuan", offline(), ikd_core::Lang::Id).await;
    assert!(html.contains("Syarat layanan IKD"), "{html}");
    let lanjut = html.split("id=\"lanjut\"").nth(1).unwrap();
    assert!(
        lanjut.split('>').next().unwrap().contains("disabled"),
        "{html}"
    );
}

#[tokio::test]
async fn data_entry_starts_empty_with_hints_and_isi_data_disabled() {
    let html = render_at("/daftar/data", offline(), ikd_core::Lang::Id).await;
    assert!(html.contains("NIK tertera di KTP-el"), "{html}");
    let button = html.split("id=\"isi-data\"").nth(1).unwrap();
    assert!(button.split('>').next().unwrap().contains("disabled"));
}

#[tokio::test]
async fn activation_shows_a_network_error_with_a_retry_when_the_service_is_unreachable() {
    let html = render_at("/aktivasi", offline(), ikd_core::Lang::Id).await;
    assert!(html.contains("data-code=\"NETWORK\""), "{html}");
    assert!(html.contains("Periksa koneksi internet"));
    assert!(html.contains("Coba lagi"));
}

#[tokio::test]
async fn home_without_a_session_asks_for_the_pin() {
    let html = render_at("/beranda", offline(), ikd_core::Lang::Id).await;
    assert!(html.contains("Masukkan PIN untuk membuka IKD"), "{html}");
}

#[tokio::test]
async fn the_registration_qr_screen_without_a_registration_offers_daftar() {
    let html = render_at("/daftar/qr", offline(), ikd_core::Lang::En).await;
    assert!(html.contains("No registration on this phone yet"), "{html}");
}

#[tokio::test]
async fn unlocked_offline_home_offers_ktp_digital_and_says_the_rest_needs_the_internet() {
    let html = render_with("/beranda/kk", offline(), ikd_core::Lang::Id, true).await;
    assert!(html.contains("id=\"offline-banner\""), "{html}");
    assert!(html.contains("id=\"needs-internet\""), "{html}");
    assert!(!html.contains("Masukkan PIN untuk membuka IKD"));
    let html = render_with("/beranda", offline(), ikd_core::Lang::Id, true).await;
    assert!(!html.contains("id=\"needs-internet\""), "{html}");
    assert!(html.contains("KTP Digital"));
}

// The officer's console.

/// Renders `path` of the console; `session` signs an officer in first (token, expiry).
async fn console_at(path: &str, session: Option<i64>) -> String {
    #[derive(Props, Clone, PartialEq)]
    struct P {
        session: Option<i64>,
    }
    fn root(p: P) -> Element {
        let config = use_context::<ikd::officer::OfficerConfig>();
        let mut c = use_hook(|| ikd::officer::provide_console(config));
        use_hook(move || {
            if let Some(expires_at) = p.session {
                c.begin("petugas1".into(), "token".into(), expires_at);
            }
        });
        rsx! { Router::<ikd::officer::OfficerRoute> {} }
    }
    let config = ikd::officer::OfficerConfig {
        api: ApiClient::new("http://127.0.0.1:9"),
        camera: Camera::Webview,
    };
    let dom = VirtualDom::new_with_props(root, P { session }).with_root_context(config);
    let history: Rc<dyn dioxus::history::History> =
        Rc::new(dioxus::history::MemoryHistory::with_initial_path(path));
    dom.provide_root_context(history);
    settle_and_render(dom).await
}

fn in_an_hour() -> Option<i64> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    Some(now + 3600)
}

#[tokio::test]
async fn the_console_starts_at_the_sign_in_with_masuk_disabled_until_both_fields_are_filled() {
    let html = console_at("/petugas", None).await;
    assert!(html.contains("Konsol Petugas Dukcapil"), "{html}");
    let masuk = html.split("id=\"officer-masuk\"").nth(1).unwrap();
    assert!(
        masuk.split('>').next().unwrap().contains("disabled"),
        "{html}"
    );
}

#[tokio::test]
async fn the_console_pages_lead_to_the_sign_in_without_a_session() {
    let html = console_at("/petugas/verifikasi", None).await;
    assert!(html.contains("officer-username"), "{html}");
    assert!(!html.contains("verify-upload"));
}

#[tokio::test]
async fn a_signed_in_officer_gets_the_scanner_with_camera_upload_and_paste() {
    let html = console_at("/petugas/pendaftaran", in_an_hour()).await;
    assert!(html.contains("Pindai QR pendaftaran"), "{html}");
    assert!(html.contains("id=\"reg-camera-start\""));
    assert!(html.contains("id=\"reg-upload\""));
    assert!(html.contains("id=\"reg-text\""));
    assert!(html.contains("petugas1"));
    let html = console_at("/petugas/verifikasi", in_an_hour()).await;
    assert!(html.contains("id=\"verify-upload\""), "{html}");
}

#[tokio::test]
async fn an_expired_officer_session_signs_out_and_says_so() {
    let html = console_at("/petugas/akun", Some(1)).await;
    assert!(html.contains("id=\"session-expired\""), "{html}");
    assert!(html.contains("Sesi Anda berakhir"));
}

#[tokio::test]
async fn the_accounts_page_keeps_its_actions_disabled_until_a_valid_nik_and_the_identity_check() {
    let html = console_at("/petugas/akun", in_an_hour()).await;
    assert!(html.contains("id=\"akun-nik\""), "{html}");
    for id in ["reset-pin", "lepas-perangkat"] {
        let button = html.split(&format!("id=\"{id}\"")).nth(1).unwrap();
        assert!(
            button.split('>').next().unwrap().contains("disabled"),
            "{html}"
        );
    }
}
