//! Registry photos are records: an imported resident without one goes through review,
//! credential and verification with "no photo on record" at every step, and nothing ever
//! draws one; a photo replaced after issuance is not shown for an older credential.

use ikd_core::wire::{Credential, Element, ElementValue, Profile};
use ikd_server::registry::{self, Provenance, ResidentRecord};
use ikd_server::seed::{Generator, Places};
use serde_json::json;

use crate::flow::*;
use crate::helpers::*;
use crate::verification::{show_qr, verify_at};

/// Loads one family the way `import --csv` does, without photos; returns an adult of it.
async fn imported_without_photo(app: &TestApp) -> ResidentRecord {
    let places = Places::load();
    let mut generator = Generator::new(4242, &places, time::OffsetDateTime::now_utc().date());
    let family = loop {
        let f = generator.family().unwrap();
        if f.members.iter().any(|m| m.has_ktp_el) {
            break f;
        }
    };
    let adult = family
        .members
        .iter()
        .find(|m| m.has_ktp_el)
        .unwrap()
        .clone();
    registry::insert_families(&app.running.state.db, &[family], Provenance::Imported(&[]))
        .await
        .unwrap();
    adult
}

async fn stored_photo(app: &TestApp, nik: &str) -> Option<Vec<u8>> {
    sqlx::query_scalar("SELECT photo FROM residents WHERE nik = $1")
        .bind(nik)
        .fetch_one(&app.running.state.db.pool)
        .await
        .unwrap()
}

async fn without_a_registry_photo(backend: Backend) {
    let app = spawn_app(backend).await;
    let r = imported_without_photo(&app).await;
    let nik = r.ktp.nik.as_str().to_owned();
    let phone = Phone::new();
    let email = "tanpa.foto@contoh.id";
    let reg = start_registration(&app, &r, &phone, email).await;
    let qr = selfie(&app, &reg).await;

    // The review says there is no registry photo, and approval needs the physical check.
    let officer = app.officer_token().await;
    let (s, review) = app
        .post("/officer/scan", json!({"qr": qr}), Some(&officer))
        .await;
    assert_eq!(s, 200, "{review}");
    assert!(review["registry_photo"].is_null(), "{review}");
    assert!(review["selfie"].as_str().unwrap().len() > 1000);
    let (s, v) = app
        .post(
            "/officer/decision",
            json!({"qr": qr, "approve": true}),
            Some(&officer),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (422, Some("PHYSICAL_KTP_NOT_CHECKED")),
        "{v}"
    );
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("KTP-el fisik")
    );
    assert_eq!(
        status(&app, &reg).await["state"],
        "awaiting_officer",
        "nothing decided"
    );
    assert!(
        !app.outbox().exists() || std::fs::read_dir(app.outbox()).unwrap().next().is_none(),
        "no mail sent"
    );
    let (s, v) = app
        .post(
            "/officer/decision",
            json!({"qr": qr, "approve": true, "physical_ktp_checked": true}),
            Some(&officer),
        )
        .await;
    assert_eq!(s, 204, "{v}");
    let audit: Vec<(String, String)> =
        sqlx::query_as("SELECT action, officer FROM audit_log WHERE subject = $1 ORDER BY id")
            .bind(&reg.id)
            .fetch_all(&app.running.state.db.pool)
            .await
            .unwrap();
    let actions: Vec<&str> = audit.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(actions, ["scan", "physical_ktp_checked", "approve"]);
    assert!(audit.iter().all(|(_, o)| o == OFFICER.0));

    // Activation and sign-in as usual; the credential says there is no photo.
    let session = activate_and_sign_in(&app, &reg, &phone, &nik, email, "246813").await;
    let bytes = ikd_server::security::from_b64u(session["credential"].as_str().unwrap()).unwrap();
    let cred = Credential::from_cbor(&bytes).unwrap();
    assert_eq!(
        cred.value(Element::PortraitSha256),
        Some(&ElementValue::NotOnRecord)
    );

    // The citizen's KTP-el has no photo, and the photo endpoint says why.
    let token = session["token"].as_str().unwrap();
    let (s, ktp) = app.get("/me/ktp", token).await;
    assert_eq!(s, 200);
    assert!(ktp["ktp"]["foto"].is_null(), "{ktp}");
    let (s, v) = app.get("/me/photo", token).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (404, Some("REGISTRY_PHOTO_NOT_ON_RECORD")),
        "{v}"
    );

    // The verifier is told there is no photo on record, and shown none.
    let (qr, _) = show_qr(&app, &phone, &nik, "246813", Profile::Minimal).await;
    let v = verify_at(&app, &app.base, &qr).await;
    assert_eq!(v["valid"], true, "{v}");
    assert_eq!(v["portrait"], "not_on_record");
    assert!(v["photo"].is_null());

    assert_eq!(
        stored_photo(&app, &nik).await,
        None,
        "no portrait was ever drawn or stored"
    );
}

#[tokio::test]
async fn a_resident_without_a_registry_photo_is_reviewed_issued_and_verified_as_such_on_sqlite() {
    without_a_registry_photo(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_resident_without_a_registry_photo_is_reviewed_issued_and_verified_as_such_on_postgres() {
    without_a_registry_photo(Backend::Postgres).await;
}

#[tokio::test]
async fn the_service_never_draws_a_portrait_for_a_resident_that_is_not_synthetic() {
    let app = spawn_app(Backend::Sqlite).await;
    let real = imported_without_photo(&app).await;
    let synthetic = app.adult(0).clone();
    let state = &app.running.state;
    assert_eq!(
        state.registry_photo(&real.ktp.nik).await.unwrap(),
        registry::RegistryPhoto::NotOnRecord
    );
    // The registry's own rule, with a generator that must not be called.
    fn never(_: &ikd_core::Nik) -> ikd_server::error::Result<Vec<u8>> {
        panic!("a portrait was drawn for a resident that is not synthetic")
    }
    assert_eq!(
        registry::photo(&state.db, &real.ktp.nik, never)
            .await
            .unwrap(),
        registry::RegistryPhoto::NotOnRecord
    );
    assert_eq!(stored_photo(&app, real.ktp.nik.as_str()).await, None);
    // A synthetic resident gets the seeding side's portrait, stored at first use.
    assert_eq!(stored_photo(&app, synthetic.ktp.nik.as_str()).await, None);
    let drawn = state.registry_photo(&synthetic.ktp.nik).await.unwrap();
    assert!(matches!(&drawn, registry::RegistryPhoto::OnRecord(b) if b.starts_with(&[0xff, 0xd8])));
    assert_eq!(
        stored_photo(&app, synthetic.ktp.nik.as_str())
            .await
            .as_deref(),
        drawn.bytes()
    );
}

#[tokio::test]
async fn a_registry_photo_replaced_after_issuance_is_not_shown_for_the_older_credential() {
    let app = spawn_app(Backend::Sqlite).await;
    let r = app.adult(0).clone();
    let nik = r.ktp.nik.as_str().to_owned();
    let phone = Phone::new();
    onboard(&app, &r, &phone, "ganti.foto@contoh.id", "135790").await;
    let (old_qr, _) = show_qr(&app, &phone, &nik, "135790", Profile::Minimal).await;
    registry::set_photos(
        &app.running.state.db,
        &[(r.ktp.nik.clone(), face("one-face-camera.png"))],
    )
    .await
    .unwrap();
    let v = verify_at(&app, &app.base, &old_qr).await;
    assert_eq!(
        (v["valid"].as_bool(), v["portrait"].as_str()),
        (Some(true), Some("changed")),
        "{v}"
    );
    assert!(v["photo"].is_null(), "an unbound photo is never shown");
    // The next sign-in binds the new photo.
    let (new_qr, _) = show_qr(&app, &phone, &nik, "135790", Profile::Minimal).await;
    let v = verify_at(&app, &app.base, &new_qr).await;
    assert_eq!(v["portrait"], "matches", "{v}");
    let shown: ikd_core::records::Photo = serde_json::from_value(v["photo"].clone()).unwrap();
    assert_eq!(shown.bytes(), face("one-face-camera.png"));
}

/// A citizen holding the phone upright: the selfie arrives as turned pixels plus EXIF
/// `Orientation = 6` (or 3, 8). It passes the checks, and the officer sees it upright, as a
/// JPEG without the file's EXIF (no place or time from the phone is kept).
#[tokio::test]
async fn a_selfie_stored_turned_with_its_exif_orientation_reaches_the_officer_upright() {
    use base64::Engine as _;
    let app = spawn_app(Backend::Sqlite).await;
    let officer = app.officer_token().await;
    for (n, orientation) in [3u16, 6, 8].into_iter().enumerate() {
        let r = app.adult(n);
        let reg = start_registration(&app, r, &Phone::new(), &format!("putar{n}@contoh.id")).await;
        let turned = ikd_server::selfie::testing::as_phone_stores(
            &face("one-face-astronaut.jpg"),
            orientation,
        );
        let (s, v) = app.put_selfie(&reg, turned).await;
        assert_eq!(
            (s, v["accepted"].as_bool()),
            (200, Some(true)),
            "{orientation}: {v}"
        );
        let qr = v["registration_qr"].as_str().unwrap();
        let (s, review) = app
            .post("/officer/scan", json!({"qr": qr}), Some(&officer))
            .await;
        assert_eq!(s, 200, "{review}");
        let shown = base64::engine::general_purpose::STANDARD
            .decode(review["selfie"].as_str().unwrap())
            .unwrap();
        assert!(shown.starts_with(&[0xFF, 0xD8]), "a JPEG");
        let mut jpeg = image::codecs::jpeg::JpegDecoder::new(std::io::Cursor::new(&shown)).unwrap();
        assert_eq!(
            image::ImageDecoder::exif_metadata(&mut jpeg).unwrap(),
            None,
            "{orientation}: EXIF kept"
        );
        // Upright as pixels: close to the upright original, far from it turned.
        let upright = image::load_from_memory(&face("one-face-astronaut.jpg")).unwrap();
        let shown = image::load_from_memory(&shown).unwrap();
        let diff = ikd_server::selfie::testing::mean_abs_diff;
        assert!(diff(&shown, &upright) < 6.0, "orientation {orientation}");
        assert!(
            diff(&shown, &upright.rotate90()) > 20.0,
            "orientation {orientation}"
        );
    }
}
