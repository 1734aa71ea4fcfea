//! Checks this implementation against the committed JSON vectors in `vectors/`.
#![allow(clippy::unwrap_used)] // test helpers: a failure is a test failure

use ikd_core::crypto::VerifierKeyFile;
use ikd_core::wire::{MemoryReplayCache, Verifier};
use ikd_core::{Email, Nik, PhoneNumber, Pin, UserError};
use serde_json::{Value, json};

fn load(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("vectors")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn every_qr_vector_gives_its_expected_result() {
    let v = load("qr.json");
    let keys: VerifierKeyFile = serde_json::from_value(v["keys"].clone()).unwrap();
    let verifier = Verifier::from_key_file(keys);
    let cases = v["cases"].as_array().unwrap();
    assert!(cases.len() >= 17);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let qr = case["qr"].as_str().unwrap();
        let at = case["at"].as_i64().unwrap();
        let cache = MemoryReplayCache::default();
        if case["seen_before"].as_bool() == Some(true) {
            verifier
                .verify_once(qr, at, &cache)
                .unwrap_or_else(|e| panic!("{name}: first showing refused: {e}"));
        }
        let expect = &case["expect"];
        match verifier.verify_once(qr, at, &cache) {
            Ok(got) => {
                assert_eq!(
                    expect["valid"],
                    json!(true),
                    "{name}: accepted but expected {expect}"
                );
                assert_eq!(json!(got.profile), expect["profile"], "{name}");
                let fields: serde_json::Map<String, Value> = got
                    .disclosed
                    .iter()
                    .map(|(k, v)| (k.id().to_owned(), json!(v)))
                    .collect();
                assert_eq!(Value::Object(fields), expect["fields"], "{name}");
            }
            Err(e) => {
                assert_eq!(expect["valid"], json!(false), "{name}: refused with {e}");
                assert_eq!(e.code(), expect["code"], "{name}");
                assert_eq!(json!(e.stage()), expect["stage"], "{name}");
            }
        }
    }
}

fn check<T, E: UserError>(
    group: &Value,
    parse: impl Fn(&str) -> Result<T, E>,
    extra: impl Fn(&T, &Value),
) {
    for case in group.as_array().unwrap() {
        let input = case["input"].as_str().unwrap();
        match parse(input) {
            Ok(v) => {
                assert_eq!(case["valid"], json!(true), "{input:?} accepted");
                extra(&v, case);
            }
            Err(e) => {
                assert_eq!(case["valid"], json!(false), "{input:?} refused: {e}");
                assert_eq!(case["code"], json!(e.code()), "{input:?}");
            }
        }
    }
}

#[test]
fn every_domain_vector_gives_its_expected_result() {
    let v = load("domain.json");
    let today = time::macros::date!(2026 - 11 - 19);
    check(&v["nik"], Nik::parse, |n, c| {
        assert_eq!(json!(n.region().unwrap().district.code), c["district"]);
        let b = n.birth_date(today);
        let s = format!("{:04}-{:02}-{:02}", b.year(), u8::from(b.month()), b.day());
        assert_eq!(json!(s), c["birth_date"]);
        assert_eq!(json!(n.sex()), c["sex"]);
        assert_eq!(json!(n.serial()), c["serial"]);
    });
    check(&v["email"], Email::parse, |e, c| {
        assert_eq!(json!(e.as_str()), c["normalised"])
    });
    check(&v["phone"], PhoneNumber::parse, |p, c| {
        assert_eq!(json!(p.as_str()), c["normalised"])
    });
    check(&v["pin"], Pin::parse, |_, _| {});
}
