//! The operator CLI as an operator runs it: a process, its stdout JSON and its exit code.

use std::process::Command;

use serde_json::{Value, json};

use crate::helpers;

fn ikd_server(args: &[&str]) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_ikd-server"))
        .args(args)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (out.status.code().unwrap(), json)
}

#[test]
fn nik_prints_region_names_birth_date_sex_and_serial() {
    let (code, v) = ikd_server(&["nik", "3273015703050042"]);
    assert_eq!(code, 0);
    assert_eq!(v["nik"], "3273015703050042");
    assert_eq!(v["province"]["code"], "32");
    assert_eq!(v["regency"]["code"], "32.73");
    assert_eq!(v["district"]["code"], "32.73.01");
    assert!(v["district"]["name"].as_str().unwrap().len() > 2);
    assert_eq!(v["birth_date"], "2005-03-17");
    assert_eq!(v["sex"], "PEREMPUAN");
    assert_eq!(v["serial"], "0042");
}

#[test]
fn nik_refuses_an_invalid_nik_with_code_message_and_exit_2() {
    let (code, v) = ikd_server(&["nik", "3171013002040001"]);
    assert_eq!(code, 2);
    assert_eq!(v["error"]["code"], "NIK_BIRTH_DATE");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("tanggal lahir")
    );
}

#[test]
fn qr_verify_agrees_with_every_vector() {
    let vectors: Value =
        serde_json::from_str(include_str!("../../../ikd-core/vectors/qr.json")).unwrap();
    let dir = std::env::temp_dir().join(format!("ikd-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let keys = dir.join("keys.json");
    std::fs::write(&keys, vectors["keys"].to_string()).unwrap();
    for case in vectors["cases"].as_array().unwrap() {
        if case["seen_before"] == Value::Bool(true) {
            continue; // one process, one replay cache: replay needs the service's database
        }
        let at = case["at"].to_string();
        let (code, v) = ikd_server(&[
            "qr",
            "verify",
            "--keys",
            keys.to_str().unwrap(),
            "--at",
            &at,
            case["qr"].as_str().unwrap(),
        ]);
        let name = &case["name"];
        if case["expect"]["valid"] == Value::Bool(true) {
            assert_eq!(
                (code, &v["fields"]),
                (0, &case["expect"]["fields"]),
                "{name}"
            );
            // The offline verifier says when the registry holds no photo.
            let no_photo = name == "valid_minimal_no_registry_photo";
            assert_eq!(v["portrait"]["on_record"], !no_photo, "{name}: {v}");
            if no_photo {
                assert!(
                    v["portrait"]["message_en"]
                        .as_str()
                        .unwrap()
                        .contains("No photo on record")
                );
            }
        } else {
            assert_eq!(code, 2, "{name}");
            assert_eq!(v["error"]["code"], case["expect"]["code"], "{name}");
            assert_eq!(v["failed_stage"], case["expect"]["stage"], "{name}");
        }
    }
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn qr_verify_with_an_unreadable_key_file_is_an_operational_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_ikd-server"))
        .args(["qr", "verify", "--keys", "/nonexistent/keys.json", "IKD2:X"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("reading the key file"));
}

const CSV_HEAD: &str = "nik,nomor_kk,hubungan,nama,tempat_lahir,tanggal_lahir,jenis_kelamin,golongan_darah,agama,status_perkawinan,pekerjaan,pendidikan,kewarganegaraan,nama_ayah,nama_ibu,alamat,rt,rw,kelurahan_desa,kecamatan,kabupaten_kota,provinsi,kode_pos,kk_tanggal_dikeluarkan,ktp_tempat_terbit,ktp_tanggal_terbit,memiliki_ktp_el\n";
const CSV_BUDI: &str = "3171011708850003,3171011203150007,KEPALA KELUARGA,Budi Santoso,Jakarta,1985-08-17,LAKI-LAKI,O,ISLAM,KAWIN,KARYAWAN SWASTA,SLTA/SEDERAJAT,WNI,Ahmad,Siti,Jl. Merdeka No. 10,1,2,Gambir,Gambir,Kota Adm. Jakarta Pusat,DKI Jakarta,10110,2015-03-12,Jakarta Pusat,2012-05-02,ya\n";

fn residents_in(dir: &std::path::Path) -> i64 {
    if !dir.exists() {
        return 0; // a refused import does not even create the data directory
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let db = ikd_server::db::Db::connect(None, dir).await.unwrap();
        ikd_server::registry::count(&db).await.unwrap()
    })
}

#[test]
fn import_loads_a_valid_csv_and_a_bad_one_loads_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let bad = dir.path().join("bad.csv");
    let second = CSV_BUDI
        .replace("3171011708850003", "3171011708850004")
        .replace("KEPALA KELUARGA", "ANAK")
        .replace("1985-08-17", "1985-13-17");
    std::fs::write(&bad, format!("{CSV_HEAD}{CSV_BUDI}{second}")).unwrap();
    let (code, v) = ikd_server(&[
        "import",
        "--csv",
        bad.to_str().unwrap(),
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{v}");
    assert_eq!(v["imported"], 0);
    assert_eq!(v["errors"][0]["line"], 3);
    assert_eq!(v["errors"][0]["code"], "CSV_DATE");
    assert_eq!(residents_in(&data), 0, "nothing half-loaded");

    let good = dir.path().join("good.csv");
    std::fs::write(&good, format!("{CSV_HEAD}{CSV_BUDI}")).unwrap();
    let (code, v) = ikd_server(&[
        "import",
        "--csv",
        good.to_str().unwrap(),
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    assert_eq!((code, &v["imported"]), (0, &serde_json::json!(1)), "{v}");
    let (code, v) = ikd_server(&[
        "import",
        "--csv",
        good.to_str().unwrap(),
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    assert_eq!(
        (code, v["errors"][0]["code"].as_str()),
        (2, Some("CSV_ALREADY_IN_REGISTRY"))
    );
    assert_eq!(residents_in(&data), 1);
}

/// The registry photo column of `nik`, and whether the row is synthetic.
fn photo_in(dir: &std::path::Path, nik: &str) -> (Option<Vec<u8>>, i64) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let db = ikd_server::db::Db::connect(None, dir).await.unwrap();
        let row: (Option<Vec<u8>>, i64) =
            sqlx::query_as("SELECT photo, synthetic FROM residents WHERE nik = $1")
                .bind(nik)
                .fetch_one(&db.pool)
                .await
                .unwrap();
        row
    })
}

#[test]
fn import_with_photos_loads_each_resident_with_its_own_photo_or_none() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let photos = dir.path().join("photos");
    std::fs::create_dir(&photos).unwrap();
    let siti = CSV_BUDI
        .replace("3171011708850003", "3171015503880004")
        .replace("KEPALA KELUARGA", "ISTRI")
        .replace("Budi Santoso", "Siti Aminah")
        .replace("LAKI-LAKI", "PEREMPUAN")
        .replace("1985-08-17", "1988-03-15");
    let csv = dir.path().join("residents.csv");
    std::fs::write(&csv, format!("{CSV_HEAD}{CSV_BUDI}{siti}")).unwrap();
    std::fs::write(
        photos.join("3171011708850003.jpg"),
        helpers::face("one-face-astronaut.jpg"),
    )
    .unwrap();
    let import = |extra: &[&str]| {
        let mut args = vec!["import", "--data-dir", data.to_str().unwrap()];
        args.extend_from_slice(extra);
        ikd_server(&args)
    };
    let (code, v) = import(&[
        "--csv",
        csv.to_str().unwrap(),
        "--photos",
        photos.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(
        (&v["imported"], &v["photos"], &v["without_photo"]),
        (&json!(2), &json!(1), &json!(1)),
        "{v}"
    );
    let (budi, synthetic) = photo_in(&data, "3171011708850003");
    let budi = budi.expect("Budi's photo is stored");
    assert_eq!(synthetic, 0, "imported residents are not synthetic");
    assert_eq!(&budi[..2], [0xff, 0xd8], "kept as JPEG");
    assert_eq!(
        photo_in(&data, "3171015503880004").0,
        None,
        "Siti has none, and none is made"
    );

    // A later photo for Siti.
    let update = dir.path().join("update");
    std::fs::create_dir(&update).unwrap();
    std::fs::write(
        update.join("3171015503880004.png"),
        helpers::face("one-face-camera.png"),
    )
    .unwrap();
    let (code, v) = import(&["--photos", update.to_str().unwrap(), "--update"]);
    assert_eq!((code, &v["updated"]), (0, &json!(1)), "{v}");
    assert!(photo_in(&data, "3171015503880004").0.is_some());

    // An update naming a NIK the registry does not hold changes nothing.
    std::fs::write(
        update.join("3171011708850004.jpg"),
        helpers::face("one-face-astronaut.jpg"),
    )
    .unwrap();
    std::fs::write(
        update.join("3171011708850003.jpg"),
        helpers::face("one-face-camera.png"),
    )
    .unwrap();
    let (code, v) = import(&["--photos", update.to_str().unwrap(), "--update"]);
    assert_eq!(code, 2, "{v}");
    assert_eq!(v["errors"][0]["code"], "PHOTO_UNKNOWN_NIK");
    assert_eq!(v["errors"][0]["file"], "3171011708850004.jpg");
    assert_eq!(
        photo_in(&data, "3171011708850003").0.unwrap(),
        budi,
        "unchanged"
    );
}

#[test]
fn import_refuses_photos_without_a_face_undecodable_or_oversized_and_loads_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let csv = dir.path().join("residents.csv");
    std::fs::write(&csv, format!("{CSV_HEAD}{CSV_BUDI}")).unwrap();
    for (file, bytes, code) in [
        (
            "3171011708850003.png",
            helpers::face("no-face-cat.png"),
            "PHOTO_CHECK_FAILED",
        ),
        (
            "3171011708850003.jpg",
            b"\xff\xd8 not a JPEG".to_vec(),
            "PHOTO_UNDECODABLE",
        ),
        (
            "3171011708850003.jpg",
            vec![0u8; 2 * 1024 * 1024 + 1],
            "PHOTO_TOO_LARGE",
        ),
        (
            "3171011708850003.png",
            helpers::face("two-faces.png"),
            "PHOTO_CHECK_FAILED",
        ),
    ] {
        let photos = tempfile::tempdir().unwrap();
        std::fs::write(photos.path().join(file), bytes).unwrap();
        let (exit, v) = ikd_server(&[
            "import",
            "--csv",
            csv.to_str().unwrap(),
            "--photos",
            photos.path().to_str().unwrap(),
            "--data-dir",
            data.to_str().unwrap(),
        ]);
        assert_eq!(exit, 2, "{file}: {v}");
        let e = &v["errors"][0];
        assert_eq!(
            (e["line"].as_u64(), e["field"].as_str()),
            (Some(2), Some("photo")),
            "{v}"
        );
        assert_eq!(
            (e["file"].as_str(), e["code"].as_str()),
            (Some(file), Some(code)),
            "{v}"
        );
        assert!(
            !e["message"].as_str().unwrap().is_empty()
                && !e["message_en"].as_str().unwrap().is_empty()
        );
        assert_eq!(residents_in(&data), 0, "{file}: nothing loaded");
    }
}

#[test]
fn qr_decode_image_prints_each_pictures_text_or_nothing_after_a_tab() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    // A screenshot of the desktop app showing its registration QR, and a face: no QR.
    let shot = format!("{root}/docs/screenshots/desktop/05-officer-qr.png");
    let face = format!("{root}/../shared/data/faces/one-face-astronaut.jpg");
    let out = Command::new(env!("CARGO_BIN_EXE_ikd-server"))
        .args(["qr", "decode-image", &shot, &face])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<(&str, &str)> = stdout
        .lines()
        .map(|l| l.split_once('\t').unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert_eq!(lines[0].0, shot);
    assert!(lines[0].1.starts_with("IKDREG1:"), "{stdout}");
    assert_eq!(lines[1], (face.as_str(), ""));
    assert_eq!(out.status.code(), Some(1), "a picture without a QR exits 1");
}
