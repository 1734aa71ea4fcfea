//! Component tests of the app's screens, rendered on a VirtualDom to HTML: each screen in
//! its states (loading, empty, error, success), with the app's real session over a memory
//! store, against the real service in-process or an address where nothing listens.
#![allow(clippy::unwrap_used)] // test helpers: a failure is a test failure

#[path = "support/service.rs"]
mod service;

use std::rc::Rc;
use std::sync::Arc;

use dioxus::prelude::*;
use ikd::AppConfig;
use ikd::api::ApiClient;
use ikd::camera::Camera;
use ikd::session::Device;
use ikd::store::MemoryStore;

/// A config whose service is unreachable (port 9 on loopback: discard, nothing listens).
fn offline() -> AppConfig {
    AppConfig {
        api: ApiClient::new("http://127.0.0.1:9"),
        store: Arc::new(MemoryStore::default()),
        camera: Camera::Webview,
    }
}

/// The app against the service at `base`.
fn online(base: &str) -> AppConfig {
    AppConfig {
        api: ApiClient::new(base),
        ..offline()
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
    settle_and_render(app_dom(path, config, lang, offline, None)).await
}

/// [`render_at`] on this phone's `device`, signed in with `token` when there is one.
async fn render_as(path: &str, config: AppConfig, device: Device, token: Option<String>) -> String {
    settle_and_render(app_dom(
        path,
        config,
        ikd_core::Lang::Id,
        false,
        Some((device, token)),
    ))
    .await
}

/// [`render_as`] with `kept` as the credential kept on the phone (JSON of a
/// `CachedCredential`).
async fn render_kept(
    path: &str,
    config: AppConfig,
    device: Device,
    token: Option<String>,
    kept: String,
) -> String {
    let dom = app_dom(
        path,
        config,
        ikd_core::Lang::Id,
        false,
        Some((device, token)),
    );
    dom.provide_root_context(KeptCredential(kept));
    settle_and_render(dom).await
}

/// The credential a test puts on the phone (JSON of a `CachedCredential`).
#[derive(Clone)]
struct KeptCredential(String);

/// The app at `path`, with the session in the given state.
fn app_dom(
    path: &str,
    config: AppConfig,
    lang: ikd_core::Lang,
    offline: bool,
    device: Option<(Device, Option<String>)>,
) -> VirtualDom {
    #[derive(Props, Clone, PartialEq)]
    struct P {
        lang: ikd_core::Lang,
        offline: bool,
        device: Option<(Device, Option<String>)>,
    }
    fn root(p: P) -> Element {
        let config = use_context::<AppConfig>();
        let mut s = use_hook(|| ikd::session::provide_session(config));
        use_hook(move || {
            s.lang.set(p.lang);
            s.offline.set(p.offline);
            if let Some((device, token)) = p.device {
                s.set_device(Some(device)).unwrap();
                s.token.set(token);
            }
            if let Some(KeptCredential(json)) = try_consume_context::<KeptCredential>() {
                s.credential.set(Some(serde_json::from_str(&json).unwrap()));
            }
        });
        rsx! { Router::<ikd::Route> {} }
    }
    let props = P {
        lang,
        offline,
        device,
    };
    let dom = VirtualDom::new_with_props(root, props).with_root_context(config);
    let history: Rc<dyn dioxus::history::History> =
        Rc::new(dioxus::history::MemoryHistory::with_initial_path(path));
    dom.provide_root_context(history);
    dom
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

// With the real service: a citizen signed in, a registration waiting for the officer.

/// The Home tabs that load the citizen's data, with what each shows once loaded.
const DATA_TABS: [(&str, &str, &str); 4] = [
    ("/beranda/ktp", "Memuat KTP-el…", "id=\"ktp-card\""),
    ("/beranda/kk", "Memuat Kartu Keluarga…", "id=\"kk-head\""),
    ("/beranda/dokumen", "Memuat dokumen…", "class=\"doc-list\""),
    ("/beranda/riwayat", "Memuat riwayat…", "id=\"activity\""),
];

#[tokio::test(flavor = "multi_thread")]
async fn home_tabs_show_the_citizens_own_data_from_the_service() {
    let svc = service::spawn_service().await;
    let citizen = svc
        .with_ktp_el()
        .find(|r| !r.documents.is_empty())
        .expect("a resident with linked documents");
    let (device, token) = svc
        .onboard(citizen, "482916", service::face("one-face-astronaut.jpg"))
        .await;
    for (path, _, loaded) in DATA_TABS {
        let html = render_as(path, online(&svc.base), device.clone(), Some(token.clone())).await;
        assert!(html.contains(loaded), "{path}: {html}");
        assert!(!html.contains("error-box"), "{path}: {html}");
    }
    let html = render_as(
        "/beranda/ktp",
        online(&svc.base),
        device.clone(),
        Some(token.clone()),
    )
    .await;
    assert!(html.contains(&citizen.ktp.nama), "{html}");
    let html = render_as(
        "/beranda/riwayat",
        online(&svc.base),
        device.clone(),
        Some(token.clone()),
    )
    .await;
    assert!(
        html.contains("data-kind=\"Signed in\""),
        "the sign-in is in the activity log: {html}"
    );
    assert!(
        html.contains("id=\"filter-pemeriksaan\"") && !html.contains("id=\"activity-detail\""),
        "the filters, and every entry closed: {html}"
    );
    let html = render_as(
        "/beranda/pengaturan",
        online(&svc.base),
        device.clone(),
        Some(token.clone()),
    )
    .await;
    assert!(
        html.contains("Ubah PIN") && html.contains("Lepas perangkat"),
        "{html}"
    );
    assert!(html.contains("id=\"ubah-kontak-buka\""), "{html}");
    // Ubah email / nomor ponsel: the registered contact, masked, and nothing sent before
    // the form is filled.
    let html = render_as(
        "/beranda/pengaturan/kontak",
        online(&svc.base),
        device,
        Some(token),
    )
    .await;
    assert!(
        html.contains("Terdaftar sekarang") && html.contains("•••@"),
        "{html}"
    );
    assert!(
        html.contains("id=\"kirim-kode-kontak\"") && html.contains("disabled"),
        "{html}"
    );
    assert!(!html.contains("error-box"), "{html}");
}

#[tokio::test(flavor = "multi_thread")]
async fn offline_the_ktp_el_is_drawn_from_the_kept_credential_and_says_the_photo_needs_the_internet()
 {
    let svc = service::spawn_service().await;
    let citizen = svc.with_ktp_el().next().unwrap();
    let (device, token) = svc
        .onboard(citizen, "482916", service::face("one-face-astronaut.jpg"))
        .await;
    // What the app keeps after a sign-in: a credential bound to this phone's key.
    let key = device.key().expect("the device key");
    let issuer = ikd_core::crypto::IssuerKey::generate().unwrap();
    let claims = ikd_core::wire::claims_from_ktp(
        &citizen.ktp,
        Some(&[1; 32]),
        time::OffsetDateTime::now_utc().date(),
    );
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let credential =
        ikd_core::wire::Credential::issue(&issuer, key.public(), &claims, now, 86_400).unwrap();
    let kept_one = |credential: &ikd_core::wire::Credential,
                    issuers: Vec<ikd_core::crypto::IssuerPublicKey>| {
        let keys = ikd_core::crypto::KeySet {
            issuers,
            verifiers: vec![],
        };
        serde_json::json!({ "cbor": ikd::session::b64u(&credential.to_cbor()), "keys": keys })
            .to_string()
    };
    let kept = |issuers| kept_one(&credential, issuers);
    // A credential whose issuer is not among the kept keys is not drawn: the error stays.
    let html = render_kept(
        "/beranda/ktp",
        offline(),
        device.clone(),
        Some(token.clone()),
        kept(vec![]),
    )
    .await;
    assert!(!html.contains("id=\"ktp-card\""), "{html}");
    assert!(html.contains("error-box"), "{html}");
    // The service cannot be reached; the credential is the issuer's.
    let trusted = ikd_core::crypto::IssuerPublicKey {
        key: issuer.public().clone(),
        not_after: None,
    };
    let html = render_kept(
        "/beranda/ktp",
        offline(),
        device.clone(),
        Some(token.clone()),
        kept(vec![trusted.clone()]),
    )
    .await;
    assert!(html.contains("data-source=\"credential\""), "{html}");
    assert!(html.contains("id=\"ktp-offline\""), "{html}");
    assert!(html.contains(&citizen.ktp.nama), "{html}");
    assert!(html.contains(&citizen.ktp.nik.masked()), "{html}");
    assert!(
        !html.contains(citizen.ktp.nik.as_str()),
        "the NIK stays masked: {html}"
    );
    assert!(
        html.contains("Foto tidak tersedia tanpa internet"),
        "{html}"
    );
    // A resident with no registry photo: the credential says so, and so does the card.
    let claims =
        ikd_core::wire::claims_from_ktp(&citizen.ktp, None, time::OffsetDateTime::now_utc().date());
    let no_photo =
        ikd_core::wire::Credential::issue(&issuer, key.public(), &claims, now, 86_400).unwrap();
    let html = render_kept(
        "/beranda/ktp",
        offline(),
        device,
        Some(token),
        kept_one(&no_photo, vec![trusted]),
    )
    .await;
    assert!(html.contains("id=\"ktp-no-photo\""), "{html}");
    assert!(html.contains("Foto registri tidak tersedia"), "{html}");
    assert!(!html.contains("tanpa internet"), "{html}");
    assert!(
        !html.contains("Foto tampil lagi"),
        "no photo will show online either: {html}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn dokumen_says_so_when_no_document_is_linked_to_the_nik() {
    // The synthetic registry links a KK to everyone: one resident loses theirs.
    let svc = service::spawn_service_with(|families| {
        let first = families
            .iter_mut()
            .flat_map(|f| &mut f.members)
            .find(|r| r.has_ktp_el);
        first.unwrap().documents.clear();
    })
    .await;
    let citizen = svc.with_ktp_el().next().unwrap();
    assert!(citizen.documents.is_empty());
    let (device, token) = svc
        .onboard(citizen, "482916", service::face("one-face-astronaut.jpg"))
        .await;
    let html = render_as("/beranda/dokumen", online(&svc.base), device, Some(token)).await;
    assert!(html.contains("id=\"no-documents\""), "{html}");
}

#[tokio::test]
async fn home_tabs_show_progress_while_loading_then_a_network_error_with_a_retry() {
    let device = unregistered_device();
    for (path, loading, loaded) in DATA_TABS {
        let mut dom = app_dom(
            path,
            offline(),
            ikd_core::Lang::Id,
            false,
            Some((device.clone(), Some("token".into()))),
        );
        dom.rebuild_in_place();
        let html = dioxus_ssr::render(&dom);
        assert!(
            html.contains(loading) && html.contains("role=\"status\""),
            "{path}: {html}"
        );
        let html = settle_and_render(dom).await;
        assert!(html.contains("data-code=\"NETWORK\""), "{path}: {html}");
        assert!(
            html.contains("Coba lagi") && !html.contains(loaded),
            "{path}: {html}"
        );
    }
}

/// A device as the data-entry screen makes it, for screens that only need one to exist.
fn unregistered_device() -> Device {
    let key = ikd_core::crypto::DeviceKey::generate().unwrap();
    let pending = ikd::session::Pending {
        id: "r".into(),
        secret: "s".into(),
        qr: None,
    };
    Device::new("3316102212580001", &key, pending)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_registration_qr_waits_for_the_officer_then_says_cek_email_once_approved() {
    let svc = service::spawn_service().await;
    let citizen = svc.with_ktp_el().next().unwrap();
    let device = svc
        .registered(
            citizen,
            "warga@contoh.id",
            service::face("one-face-astronaut.jpg"),
        )
        .await;
    let html = render_as("/daftar/qr", online(&svc.base), device.clone(), None).await;
    assert!(
        html.contains("Menunggu verifikasi petugas") && html.contains("data-qr=\"IKDREG1:"),
        "{html}"
    );
    let officer = svc.officer_token().await;
    let qr = device.registration.clone().unwrap().qr.unwrap();
    let approve = ikd_core::api::OfficerDecision {
        qr,
        approve: true,
        reason: None,
        physical_ktp_checked: false,
    };
    svc.api.decide(&officer, &approve).await.unwrap();
    let html = render_as("/daftar/qr", online(&svc.base), device, None).await;
    assert!(
        html.contains("id=\"ke-aktivasi\"") && html.contains("w•••@contoh.id"),
        "{html}"
    );
}

#[tokio::test]
async fn the_registration_qr_keeps_waiting_and_says_why_when_the_network_is_down() {
    let mut device = unregistered_device();
    device.registration.as_mut().unwrap().qr = Some("IKDREG1:test".into());
    let html = render_as("/daftar/qr", offline(), device, None).await;
    assert!(html.contains("data-code=\"NETWORK\""), "{html}");
    assert!(html.contains("Menunggu verifikasi petugas"), "{html}");
}

#[tokio::test(flavor = "multi_thread")]
async fn activation_shows_the_services_captcha_with_a_new_picture_button() {
    let svc = service::spawn_service().await;
    let html = render_at("/aktivasi", online(&svc.base), ikd_core::Lang::Id).await;
    assert!(
        html.contains("id=\"captcha-image\"") && html.contains("data:image/png;base64,"),
        "{html}"
    );
    assert!(html.contains("Gambar baru"));
}

#[tokio::test]
async fn ambil_foto_shows_the_cameras_picture_and_the_capture_button() {
    let face = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/faces/one-face-astronaut.jpg");
    let config = AppConfig {
        camera: Camera::parse(&format!("virtual:{}", face.display())).unwrap(),
        ..offline()
    };
    let html = render_as("/daftar/foto", config, unregistered_device(), None).await;
    assert!(
        html.contains("id=\"camera-live\"") && html.contains("src=\"data:image/jpeg;base64,"),
        "{html}"
    );
    assert!(
        html.contains("id=\"ambil-foto\"") && !html.contains("error-box"),
        "{html}"
    );
}

#[tokio::test]
async fn masuk_shows_the_pin_pad_for_this_phones_nik_masked() {
    let mut device = unregistered_device();
    device.registration = None;
    device.activated = true;
    let html = render_as("/masuk", offline(), device, None).await;
    assert!(html.contains("Masukkan PIN"), "{html}");
    assert!(
        !html.contains("3316102212580001"),
        "the NIK is masked: {html}"
    );
    assert!(
        html.contains("data-key=\"0\"") && html.contains("id=\"pin-back\""),
        "{html}"
    );
}

#[tokio::test]
async fn lupa_pin_in_english_says_what_happens_before_anything_is_sent() {
    let mut device = unregistered_device();
    device.registration = None;
    device.activated = true;
    let html = settle_and_render(app_dom(
        "/masuk/lupa-pin",
        offline(),
        ikd_core::Lang::En,
        false,
        Some((device, None)),
    ))
    .await;
    assert!(html.contains("Forgot PIN"), "{html}");
    assert!(
        html.contains("id=\"kirim-kode\"") && html.contains("Email me a code"),
        "{html}"
    );
    assert!(html.contains("works after 24 hours"), "{html}");
    assert!(
        !html.contains("error-box") && !html.contains("captcha-image"),
        "nothing is asked of the service before the citizen taps: {html}"
    );
}

#[tokio::test]
async fn masuk_links_to_lupa_pin_under_the_pad() {
    let mut device = unregistered_device();
    device.registration = None;
    device.activated = true;
    let html = render_as("/masuk", offline(), device, None).await;
    assert!(
        html.contains("id=\"lupa-pin\"") && html.contains("Lupa PIN?"),
        "{html}"
    );
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
async fn a_signed_in_officer_gets_the_remote_review_queue_with_a_refresh() {
    let html = console_at("/petugas/tinjauan", in_an_hour()).await;
    assert!(
        html.contains("Tinjauan jarak jauh: ganti perangkat"),
        "{html}"
    );
    assert!(html.contains("id=\"remote-refresh\""), "{html}");
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
