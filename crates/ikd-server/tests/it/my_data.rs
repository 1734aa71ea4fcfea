//! Data saya: everything the service holds about a resident, signed by the issuer; and
//! Tutup akun IKD, which deletes the account's data and keeps the registry.

use serde_json::{Value, json};

use crate::flow::{login, onboard};
use crate::helpers::{Backend, Phone, TestApp, spawn_app};
use crate::verification::keyset;

const PIN: &str = "902417";

fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

async fn count(app: &TestApp, sql: &str, nik: &str) -> i64 {
    sqlx::query_scalar(sql)
        .bind(nik)
        .fetch_one(&app.running.state.db.pool)
        .await
        .unwrap()
}

async fn exported_and_signed(backend: Backend) {
    let app = spawn_app(backend).await;
    let r = app.adult(0).clone();
    let nik = r.ktp.nik.as_str().to_owned();
    let session = onboard(&app, &r, &Phone::new(), "data@contoh.id", PIN).await;
    let (s, v) = app.get("/me/data", &session).await;
    assert_eq!(s, 200, "{v}");
    let data = &v["data"];
    assert_eq!(data["ktp"]["nik"], nik.as_str());
    assert_eq!(data["account"]["email"], "data@contoh.id");
    assert_eq!(data["account"]["pin_set"], true);
    assert_eq!(
        data["account"]["device_key_sha256"].as_str().unwrap().len(),
        64
    );
    assert!(
        data["account"]["credentials_issued"].as_i64().unwrap() >= 1,
        "{data}"
    );
    let regs = data["registrations"].as_array().unwrap();
    assert_eq!(regs.len(), 1, "{data}");
    assert_eq!(regs[0]["consent_version"], "2026-01");
    assert_eq!(regs[0]["decided_by"], crate::helpers::OFFICER.0);
    let kinds: Vec<&str> = data["activity"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"login") && kinds.contains(&"activated"),
        "{kinds:?}"
    );
    assert_eq!(data["activity_total"], kinds.len(), "nothing was cut");
    let actions: Vec<&str> = data["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"approve") && actions.contains(&"scan"),
        "{actions:?}"
    );

    // The signature holds against the published keys, over exactly the data shown.
    let signed = ikd_server::security::from_b64u(v["cose_sign1"].as_str().unwrap()).unwrap();
    let payload = ikd_core::wire::verify_export(&signed, &keyset(&app).await)
        .expect("signed by a published issuer key");
    let signed_data: Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(&signed_data, data);
    // Changed by one byte, it no longer verifies.
    let mut changed = signed.clone();
    let at = changed
        .windows(nik.len())
        .position(|w| w == nik.as_bytes())
        .unwrap();
    changed[at] ^= 1;
    assert!(ikd_core::wire::verify_export(&changed, &keyset(&app).await).is_none());

    let (_, log) = app.get("/me/activity", &session).await;
    assert_eq!(log["entries"][0]["kind"], "data_exported", "{log}");
}

#[tokio::test]
async fn data_saya_holds_the_record_account_registrations_riwayat_and_audit_signed_by_the_issuer_on_sqlite()
 {
    exported_and_signed(Backend::Sqlite).await;
}

#[tokio::test]
async fn data_saya_holds_the_record_account_registrations_riwayat_and_audit_signed_by_the_issuer_on_postgres()
 {
    exported_and_signed(Backend::Postgres).await;
}

/// Runs a poppler tool; poppler-utils is installed by scripts/install-deps.sh.
fn poppler(tool: &str, args: &[&std::ffi::OsStr]) -> String {
    let out = std::process::Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{tool} (poppler-utils, scripts/install-deps.sh): {e}"));
    assert!(
        out.status.success(),
        "{tool}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The readable PDF as the app draws it, judged by another reader (poppler): its text says
/// who and what, and the attachment it carries is the signed export, which verifies.
#[tokio::test]
async fn data_saya_as_pdf_reads_in_poppler_and_carries_the_signed_export_that_verifies() {
    let app = spawn_app(Backend::Sqlite).await;
    let r = app.adult(2).clone();
    let nik = r.ktp.nik.as_str().to_owned();
    let session = onboard(&app, &r, &Phone::new(), "pdf@contoh.id", PIN).await;
    let (s, v) = app.get("/me/data", &session).await;
    assert_eq!(s, 200, "{v}");
    let signed = ikd_server::security::from_b64u(v["cose_sign1"].as_str().unwrap()).unwrap();
    let pdf = ikd_core::export_pdf::render_export_pdf(&signed).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ikd-data-saya.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let info = poppler("pdfinfo", &[file.as_os_str()]);
    assert!(info.contains("Title:           Data saya (IKD)"), "{info}");
    assert!(info.contains("Producer:        ikd-core "), "{info}");
    assert!(
        info.contains("Page size:       595 x 842 pts (A4)"),
        "{info}"
    );
    let text = poppler(
        "pdftotext",
        &["-layout".as_ref(), file.as_os_str(), "-".as_ref()],
    );
    for expected in [
        nik.as_str(),
        r.ktp.nama.as_str(),
        "pdf@contoh.id",
        "KTP-el (data kependudukan / population record)",
        "Kartu Keluarga / Family card",
        "Dokumen / Documents",
        "Akun IKD / IKD account",
        "Pendaftaran dan persetujuan / Registrations and consents",
        "Riwayat / Activity log",
        "Aktivasi",
        "Catatan audit / Audit log",
        "Tanda tangan / Signature",
        "Halaman 1 dari",
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
    // Every word stays inside the right margin (50 pt of 595) as poppler lays it out.
    let boxes = poppler(
        "pdftotext",
        &["-bbox".as_ref(), file.as_os_str(), "-".as_ref()],
    );
    let right: Vec<f64> = boxes
        .split("xMax=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().parse().unwrap())
        .collect();
    assert!(right.len() > 100, "{boxes}");
    let widest = right.iter().copied().fold(0.0, f64::max);
    assert!(
        widest <= 546.0,
        "a word ends at {widest} pt, past the margin at 545"
    );
    let list = poppler("pdfdetach", &["-list".as_ref(), file.as_os_str()]);
    assert!(
        list.contains("1 embedded files") && list.contains("ikd-data-saya.cose"),
        "{list}"
    );
    let out = dir.path().join("attached.cose");
    poppler(
        "pdfdetach",
        &[
            "-save".as_ref(),
            "1".as_ref(),
            "-o".as_ref(),
            out.as_os_str(),
            file.as_os_str(),
        ],
    );
    let attached = std::fs::read(&out).unwrap();
    assert_eq!(attached, signed);
    let payload = ikd_core::wire::verify_export(&attached, &keyset(&app).await)
        .expect("the attachment is signed by a published issuer key");
    let data: Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(data["ktp"]["nik"], nik.as_str());
    // The pages are drawn from the signed payload alone: rendering it again gives the file.
    assert_eq!(
        ikd_core::export_pdf::render_export_pdf(&attached).unwrap(),
        pdf
    );
}

async fn closed(backend: Backend) {
    let app = spawn_app(backend).await;
    let r = app.adult(1).clone();
    let nik = r.ktp.nik.as_str().to_owned();
    let phone = Phone::new();
    let session = onboard(&app, &r, &phone, "tutup@contoh.id", PIN).await;

    let (s, v) = app
        .post(
            "/me/close",
            json!({"pin": PIN, "confirm": false}),
            Some(&session),
        )
        .await;
    assert_eq!((s, code(&v)), (422, "CLOSE_NOT_CONFIRMED"), "{v}");
    let (s, v) = app
        .post(
            "/me/close",
            json!({"pin": "905513", "confirm": true}),
            Some(&session),
        )
        .await;
    assert_eq!((s, code(&v)), (401, "PIN_WRONG"), "{v}");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM accounts WHERE nik = $1", &nik).await,
        1
    );

    let (s, v) = app
        .post(
            "/me/close",
            json!({"pin": PIN, "confirm": true}),
            Some(&session),
        )
        .await;
    assert_eq!(s, 204, "{v}");
    let (s, _) = app.get("/me/ktp", &session).await;
    assert_eq!(s, 401, "the session ended");
    let (s, v) = login(&app, &phone, &nik, PIN).await;
    assert_eq!((s, code(&v)), (401, "NIK_NOT_ACTIVATED"), "{v}");
    for table in [
        "accounts",
        "registrations",
        "access_log",
        "credentials",
        "pin_resets",
        "contact_changes",
        "contact_restores",
    ] {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE nik = $1");
        assert_eq!(
            count(&app, &sql, &nik).await,
            0,
            "{table} still holds the NIK"
        );
    }
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM tokens WHERE subject = $1", &nik).await,
        0
    );
    // Kept: the registry, and that a closure happened, without the NIK.
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM residents WHERE nik = $1", &nik).await,
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'account_closed' AND subject = '-' AND officer <> $1",
            &nik
        )
        .await,
        1
    );
    let notice = app.wait_for_mail("tutup@contoh.id", "ditutup pada").await;
    assert!(!notice.contains(&nik), "{notice}");
    // The resident can register again, as a first registration.
    let (s, v) = app
        .post(
            "/registrations",
            crate::helpers::start_body(&r, &Phone::new(), "tutup@contoh.id"),
            None,
        )
        .await;
    assert_eq!((s, v["device_change"].as_bool()), (201, Some(false)), "{v}");
}

#[tokio::test]
async fn closing_the_account_deletes_its_data_and_keeps_the_registry_on_sqlite() {
    closed(Backend::Sqlite).await;
}

#[tokio::test]
async fn closing_the_account_deletes_its_data_and_keeps_the_registry_on_postgres() {
    closed(Backend::Postgres).await;
}

async fn one_closure_wins(backend: Backend) {
    let app = spawn_app(backend).await;
    let r = app.adult(4).clone();
    let nik = r.ktp.nik.as_str().to_owned();
    let email = "tutup.bersamaan@contoh.id";
    let session = onboard(&app, &r, &Phone::new(), email, PIN).await;
    let answers = futures_util::future::join_all((0..50).map(|_| {
        app.post(
            "/me/close",
            json!({"pin": PIN, "confirm": true}),
            Some(&session),
        )
    }))
    .await;
    let statuses: Vec<(u16, &str)> = answers.iter().map(|(s, v)| (*s, code(v))).collect();
    assert_eq!(
        statuses.iter().filter(|(s, _)| *s == 204).count(),
        1,
        "exactly one closure: {statuses:?}"
    );
    // A PIN attempt is counted before the PIN is checked (so parallel guesses cannot pass
    // the lockout), so a few right PINs at once can lock for a moment the account that
    // another of them is closing: also a clear refusal.
    assert!(
        statuses
            .iter()
            .all(|a| a.0 == 204 || *a == (401, "UNAUTHORIZED") || *a == (423, "ACCOUNT_LOCKED")),
        "the others are told the session has ended: {statuses:?}"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM accounts WHERE nik = $1", &nik).await,
        0
    );
    assert_eq!(
        app.audited("account_closed", "-").await,
        1,
        "one closure in the audit log"
    );
    app.wait_for_mail(email, "ditutup").await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        app.mails_to(email, "ditutup").len(),
        1,
        "one notice of the closure"
    );
}

#[tokio::test]
async fn fifty_closures_of_one_account_at_once_close_it_once_and_send_one_notice_on_sqlite() {
    one_closure_wins(Backend::Sqlite).await;
}

#[tokio::test]
async fn fifty_closures_of_one_account_at_once_close_it_once_and_send_one_notice_on_postgres() {
    one_closure_wins(Backend::Postgres).await;
}
