//! The real Dukcapil service in-process for the app's tests: SQLite in a temporary folder,
//! mail to its outbox, the test hooks on (the captcha's answer), a few seeded families and
//! an officer. `onboard` takes a resident through registration, the officer's approval,
//! activation, the PIN and sign-in with the app's own `ApiClient`, as the screens do.
#![allow(dead_code)] // each test binary uses its part
#![allow(clippy::unwrap_used)] // test helpers: a failure is a test failure

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ikd::api::{ApiClient, LoginBody};
use ikd::session::{Device, Pending, b64u, from_b64u};
use ikd_core::ActivationCode;
use ikd_core::api::{
    Activate, LOGIN_SIGNING_CONTEXT, OfficerDecision, OfficerLogin, StartRegistration,
};
use ikd_core::crypto::DeviceKey;
use ikd_server::registry::{FamilyBatch, ResidentRecord};
use ikd_server::routes::test_hooks::Hooks;

pub const OFFICER: (&str, &str) = ("petugas-uji", "kata-sandi-uji-panjang");

pub struct Service {
    /// `http://127.0.0.1:port`, the base the app is given.
    pub base: String,
    pub api: ApiClient,
    pub hooks: Hooks,
    pub outbox: PathBuf,
    pub residents: Vec<ResidentRecord>,
    _running: ikd_server::Running,
    _dir: tempfile::TempDir,
}

pub async fn spawn_service() -> Service {
    spawn_service_with(|_| {}).await
}

/// [`spawn_service`] with the seeded families changed by `tweak` before they are stored.
pub async fn spawn_service_with(tweak: impl FnOnce(&mut [FamilyBatch])) -> Service {
    let dir = tempfile::tempdir().unwrap();
    let mut config = ikd_server::Config::local(dir.path().join("service"));
    config.listen = "127.0.0.1:0".parse().unwrap();
    let mut state = ikd_server::AppState::new(config).await.unwrap();
    let hooks = Hooks::default();
    state.test_hooks = Some(hooks.clone());
    let outbox = state.config.outbox();
    let places = ikd_server::seed::Places::load();
    let today = time::OffsetDateTime::now_utc().date();
    let mut generator = ikd_server::seed::Generator::new(7, &places, today);
    let mut families: Vec<_> = (0..4).filter_map(|_| generator.family()).collect();
    tweak(&mut families);
    ikd_server::registry::insert_families(
        &state.db,
        &families,
        ikd_server::registry::Provenance::Synthetic,
    )
    .await
    .unwrap();
    ikd_server::routes::add_officer(&state.db, OFFICER.0, OFFICER.1)
        .await
        .unwrap();
    let running = ikd_server::spawn(state, std::future::pending())
        .await
        .unwrap();
    let base = format!("http://{}", running.addr);
    Service {
        api: ApiClient::new(&base),
        base,
        hooks,
        outbox,
        residents: families.into_iter().flat_map(|f| f.members).collect(),
        _running: running,
        _dir: dir,
    }
}

impl Service {
    /// The residents who can register (they hold a KTP-el).
    pub fn with_ktp_el(&self) -> impl Iterator<Item = &ResidentRecord> {
        self.residents.iter().filter(|r| r.has_ktp_el)
    }

    /// Waits (10 s at most) for the activation code mailed to `email`.
    pub fn activation_code(&self, email: &str) -> String {
        let started = Instant::now();
        loop {
            if let Some(code) = code_in_outbox(&self.outbox, email) {
                return code;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "no activation email to {email}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub async fn officer_token(&self) -> String {
        let login = OfficerLogin {
            username: OFFICER.0.into(),
            password: OFFICER.1.into(),
        };
        self.api.officer_login(&login).await.unwrap().token
    }

    /// A resident registered (with `face` as the selfie) but not yet approved: the device as
    /// the app keeps it, with the registration QR.
    pub async fn registered(&self, r: &ResidentRecord, email: &str, face: Vec<u8>) -> Device {
        let key = DeviceKey::generate().unwrap();
        let started = self
            .api
            .start_registration(&StartRegistration {
                nik: r.ktp.nik.clone(),
                email: ikd_core::Email::parse(email).unwrap(),
                phone: ikd_core::PhoneNumber::parse("081234567890").unwrap(),
                consent_version: ikd::session::CONSENT_VERSION.to_owned(),
                device_public_key: b64u(key.public().sec1()),
            })
            .await
            .unwrap();
        let selfie = self
            .api
            .upload_selfie(&started.registration_id, &started.secret, face)
            .await
            .unwrap();
        Device::new(
            r.ktp.nik.as_str(),
            &key,
            Pending {
                id: started.registration_id,
                secret: started.secret,
                qr: selfie.registration_qr,
            },
        )
    }

    /// `r` through the whole flow; returns the device and a session token.
    pub async fn onboard(&self, r: &ResidentRecord, pin: &str, face: Vec<u8>) -> (Device, String) {
        let email = format!("warga.{}@contoh.id", r.ktp.nik.as_str());
        let mut device = self.registered(r, &email, face).await;
        let pending = device.registration.take().unwrap();
        let officer = self.officer_token().await;
        let qr = pending
            .qr
            .clone()
            .expect("a registration QR after the selfie");
        self.api.scan_registration(&officer, &qr).await.unwrap();
        let decision = OfficerDecision {
            qr,
            approve: true,
            reason: None,
            physical_ktp_checked: false,
        };
        self.api.decide(&officer, &decision).await.unwrap();
        let captcha = self.api.captcha().await.unwrap();
        let code = self.activation_code(&email);
        let activated = self
            .api
            .activate(&Activate {
                registration_id: pending.id,
                code: ActivationCode::parse(&code).unwrap(),
                captcha_answer: self.hooks.captcha_answer(&captcha.captcha_id).unwrap(),
                captcha_id: captcha.captcha_id,
            })
            .await
            .unwrap();
        self.api.set_pin(&activated.setup_token, pin).await.unwrap();
        device.activated = true;
        let challenge = self.api.challenge().await.unwrap();
        let mut signed = LOGIN_SIGNING_CONTEXT.to_vec();
        signed.extend(from_b64u(&challenge.challenge).unwrap());
        let signature = device.key().unwrap().sign(&signed).unwrap();
        let session = self
            .api
            .login(&LoginBody {
                nik: &device.nik,
                pin,
                challenge_id: &challenge.challenge_id,
                device_signature: &b64u(&signature),
            })
            .await
            .unwrap();
        (device, session.token)
    }
}

/// The 6 digits after "Kode aktivasi: " in the outbox mail to `email`.
pub fn code_in_outbox(outbox: &Path, email: &str) -> Option<String> {
    std::fs::read_dir(outbox).ok()?.find_map(|entry| {
        let text = std::fs::read_to_string(entry.ok()?.path()).ok()?;
        let at = text
            .contains(email)
            .then(|| text.find("Kode aktivasi: "))??;
        text.get(at + 15..at + 21).map(str::to_owned)
    })
}

/// A test face from ../shared/data/faces.
pub fn face(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/faces")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
