//! The operator CLI as an operator runs it: a process, its stdout JSON and its exit code.

use std::process::Command;

use serde_json::Value;

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
