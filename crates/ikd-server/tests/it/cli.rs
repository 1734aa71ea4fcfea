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
        .args(["qr", "verify", "--keys", "/nonexistent/keys.json", "IKD1:X"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("reading the key file"));
}
