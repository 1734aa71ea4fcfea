//! Writes the JSON test vectors in `vectors/` (run: `cargo run -p ikd-core --example
//! gen_vectors`). The vectors are committed; `tests/vectors.rs` checks this implementation
//! against them, and a second implementation can use them the same way.
//!
//! Signatures and HPKE are randomised, so re-running makes different (equally valid) QR
//! texts; the expectations stay the same.
#![allow(clippy::unwrap_used)] // a failure here should stop the build or the run, loudly

use std::collections::BTreeMap;
use std::path::Path;

use ciborium::Value;
use ikd_core::crypto::{DeviceKey, IssuerKey, IssuerPublicKey, VerifierKeyFile, VerifierSecretKey};
use ikd_core::nik::Sex;
use ikd_core::records::*;
use ikd_core::wire::{Credential, Profile, Verifier, claims_from_ktp, present};
use ikd_core::{Email, Nik, PhoneNumber, Pin, UserError};
use serde_json::{Value as Json, json};
use time::macros::date;

/// 2026-11-19T13:20:00Z: the vectors' "now".
const AT: i64 = 1_795_180_800;

fn ktp() -> Ktp {
    Ktp::new(KtpFields {
        provinsi: "JAWA BARAT".into(),
        kabupaten_kota: "KOTA BANDUNG".into(),
        nik: Nik::parse("3273015703050042").unwrap(),
        nama: "DEWI LESTARI".into(),
        tempat_lahir: "BANDUNG".into(),
        tanggal_lahir: date!(2005 - 03 - 17),
        jenis_kelamin: Sex::Perempuan,
        golongan_darah: GolonganDarah::AB,
        alamat: "JL. ASIA AFRIKA NO. 8".into(),
        rt_rw: RtRw { rt: 3, rw: 7 },
        kelurahan_desa: "BRAGA".into(),
        kecamatan: "SUMUR BANDUNG".into(),
        agama: Agama::Islam,
        status_perkawinan: StatusPerkawinan::BelumKawin,
        pekerjaan: "PELAJAR/MAHASISWA".into(),
        kewarganegaraan: Kewarganegaraan::WNI,
        berlaku_hingga: BerlakuHingga::SeumurHidup,
        tempat_terbit: "KOTA BANDUNG".into(),
        tanggal_terbit: date!(2022 - 04 - 01),
        foto: None,
    })
    .unwrap()
}

fn b45(qr: &str) -> Vec<u8> {
    let body = qr.strip_prefix("IKD2:").unwrap();
    // The `base45` crate is a second implementation beside ikd-core's own decoder.
    base45::decode(body).unwrap()
}

fn to_qr(envelope: &Value) -> String {
    let mut b = Vec::new();
    ciborium::into_writer(envelope, &mut b).unwrap();
    format!("IKD2:{}", base45::encode(&b))
}

/// Opens a QR with the verifier key (HPKE info and AAD as the README's wire-format section
/// says), lets `f` edit the presentation array `[version, issuerAuth, deviceSignature, ts,
/// nonce]`, seals it again.
fn tamper(qr: &str, key: &VerifierSecretKey, f: impl FnOnce(&mut Vec<Value>)) -> String {
    let env: Value = ciborium::from_reader(&b45(qr)[..]).unwrap();
    let arr = env.as_array().unwrap().clone();
    let kid = arr[1].as_bytes().unwrap().clone();
    let mut aad = b"IKD2:".to_vec();
    aad.extend_from_slice(&kid);
    let plain = key
        .open(arr[2].as_bytes().unwrap(), arr[3].as_bytes().unwrap(), &aad)
        .unwrap();
    let mut presentation = ciborium::from_reader::<Value, _>(&plain[..])
        .unwrap()
        .into_array()
        .unwrap();
    f(&mut presentation);
    let mut out = Vec::new();
    ciborium::into_writer(&Value::Array(presentation), &mut out).unwrap();
    let (enc, ct) = key.public().seal(&out, &aad).unwrap();
    to_qr(&Value::Array(vec![
        arr[0].clone(),
        Value::Bytes(kid),
        Value::Bytes(enc),
        Value::Bytes(ct),
    ]))
}

/// Edits the payload array `[profile, credentialId, deviceKey, validFrom, validUntil,
/// values]` inside the issuer's COSE_Sign1 `[protected, unprotected, payload, signature]`,
/// keeping the signature.
fn edit_payload(presentation: &mut [Value], f: impl FnOnce(&mut Vec<Value>)) {
    let Value::Bytes(issuer_auth) = &mut presentation[1] else {
        panic!("issuerAuth is a byte string")
    };
    let mut sign1 = ciborium::from_reader::<Value, _>(&issuer_auth[..])
        .unwrap()
        .into_array()
        .unwrap();
    let mut payload = ciborium::from_reader::<Value, _>(&sign1[2].as_bytes().unwrap()[..])
        .unwrap()
        .into_array()
        .unwrap();
    f(&mut payload);
    let mut bytes = Vec::new();
    ciborium::into_writer(&Value::Array(payload), &mut bytes).unwrap();
    sign1[2] = Value::Bytes(bytes);
    issuer_auth.clear();
    ciborium::into_writer(&Value::Array(sign1), &mut *issuer_auth).unwrap();
}

fn ok(name: &str, qr: String, at: i64, v: &Verifier) -> Json {
    let got = v.verify(&qr, at).unwrap();
    let (_, _) = got.nonce();
    let got = got
        .check_replay(&ikd_core::wire::MemoryReplayCache::default(), at)
        .unwrap();
    let fields: BTreeMap<&str, Json> = got
        .disclosed
        .iter()
        .map(|(k, v)| (k.id(), json!(v)))
        .collect();
    json!({ "name": name, "qr": qr, "at": at, "expect": { "valid": true, "profile": got.profile, "fields": fields } })
}

fn bad(name: &str, qr: String, at: i64, v: &Verifier, seen_before: bool) -> Json {
    let cache = ikd_core::wire::MemoryReplayCache::default();
    if seen_before {
        v.verify_once(&qr, at, &cache).unwrap();
    }
    let e = v.verify_once(&qr, at, &cache).unwrap_err();
    json!({ "name": name, "qr": qr, "at": at, "seen_before": seen_before,
            "expect": { "valid": false, "code": e.code(), "stage": e.stage() } })
}

fn qr_vectors() -> Json {
    let issuer = IssuerKey::generate().unwrap();
    let device = DeviceKey::generate().unwrap();
    let verifier = VerifierSecretKey::generate();
    let claims = claims_from_ktp(&ktp(), Some(&[0x5a; 32]), date!(2026 - 11 - 19));
    let cred = Credential::issue(&issuer, device.public(), &claims, AT - 3600, 7 * 86_400).unwrap();
    let keys = VerifierKeyFile {
        issuers: vec![IssuerPublicKey {
            key: issuer.public().clone(),
            not_after: None,
        }],
        decryption_keys: vec![VerifierSecretKey::from_bytes(&*verifier.to_bytes()).unwrap()],
    };
    let keys_json = serde_json::to_value(&keys).unwrap();
    let v = Verifier::from_key_file(keys);
    let show = |p: Profile, at: i64| present(&cred, &device, p, verifier.public(), at).unwrap();

    let mut cases: Vec<Json> = Profile::ALL
        .iter()
        .map(|p| ok(&format!("valid_{}", p.id()), show(*p, AT), AT + 5, &v))
        .collect();
    // A resident with no registry photo: the issuer signs a null portrait.
    let no_photo = claims_from_ktp(&ktp(), None, date!(2026 - 11 - 19));
    let no_photo =
        Credential::issue(&issuer, device.public(), &no_photo, AT - 3600, 7 * 86_400).unwrap();
    cases.push(ok(
        "valid_minimal_no_registry_photo",
        present(&no_photo, &device, Profile::Minimal, verifier.public(), AT).unwrap(),
        AT + 5,
        &v,
    ));
    cases.push(bad(
        "encoding_not_ikd",
        "HC1:6BFOXN%TS3DH0YOJ58S".into(),
        AT,
        &v,
        false,
    ));
    cases.push(bad(
        "encoding_bad_base45",
        "IKD2:%%%%".into(),
        AT,
        &v,
        false,
    ));
    let other = VerifierSecretKey::generate();
    cases.push(bad(
        "wrong_verifier",
        present(&cred, &device, Profile::Minimal, other.public(), AT).unwrap(),
        AT,
        &v,
        false,
    ));
    let mut env: Value = ciborium::from_reader(&b45(&show(Profile::Minimal, AT))[..]).unwrap();
    if let Value::Array(a) = &mut env
        && let Value::Bytes(ct) = &mut a[3]
    {
        ct[10] ^= 0x01;
    }
    cases.push(bad(
        "decryption_ciphertext_flipped",
        to_qr(&env),
        AT,
        &v,
        false,
    ));
    cases.push(bad(
        "structure_value_missing",
        tamper(&show(Profile::Minimal, AT), &verifier, |p| {
            edit_payload(p, |payload| {
                payload[5].as_array_mut().unwrap().pop();
            })
        }),
        AT,
        &v,
        false,
    ));
    cases.push(bad(
        "tampered_profile_age_17_to_21",
        tamper(&show(Profile::AgeOver17, AT), &verifier, |p| {
            edit_payload(p, |payload| payload[0] = Value::Integer(3.into()))
        }),
        AT,
        &v,
        false,
    ));
    let stranger = IssuerKey::generate().unwrap();
    let foreign =
        Credential::issue(&stranger, device.public(), &claims, AT - 3600, 86_400).unwrap();
    cases.push(bad(
        "unknown_issuer",
        present(&foreign, &device, Profile::Full, verifier.public(), AT).unwrap(),
        AT,
        &v,
        false,
    ));
    cases.push(bad(
        "issuer_signature_flipped",
        tamper(&show(Profile::Full, AT), &verifier, |p| {
            if let Value::Bytes(b) = &mut p[1] {
                let n = b.len();
                b[n - 1] ^= 0x01;
            }
        }),
        AT,
        &v,
        false,
    ));
    let late = AT + 8 * 86_400;
    cases.push(bad(
        "credential_expired",
        show(Profile::Full, late),
        late,
        &v,
        false,
    ));
    cases.push(bad(
        "tampered_name_changed",
        tamper(&show(Profile::Minimal, AT), &verifier, |p| {
            // Minimal discloses [nik_masked, nama, portrait_sha256].
            edit_payload(p, |payload| {
                payload[5].as_array_mut().unwrap()[1] = Value::Text("BUDI SANTOSO".into())
            })
        }),
        AT,
        &v,
        false,
    ));
    let thief = DeviceKey::generate().unwrap();
    cases.push(bad(
        "device_signature_other_device",
        present(&cred, &thief, Profile::Full, verifier.public(), AT).unwrap(),
        AT,
        &v,
        false,
    ));
    cases.push(bad(
        "expired_91_seconds",
        show(Profile::AgeOver17, AT),
        AT + 91,
        &v,
        false,
    ));
    cases.push(bad(
        "from_the_future",
        show(Profile::AgeOver17, AT + 60),
        AT,
        &v,
        false,
    ));
    cases.push(bad("replayed", show(Profile::Minimal, AT), AT, &v, true));

    json!({
        "description": "IKD2 identity QR vectors: `IKD2:` + Base45 (RFC 9285) of the CBOR envelope `[2, kid, enc, ct]`, opened with HPKE base mode (RFC 9180: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20Poly1305), info `IKD2 presentation`, aad `IKD2:` then the 8 kid bytes. `keys` is a verifier key file (trusted issuer JWKs, HPKE X25519 decryption keys). For each case verify `qr` at unix time `at`; when `seen_before` is true, verify it once first with the same replay cache (that must succeed). Expect either valid with exactly these disclosed fields, or this error code at this stage.",
        "hpke_suite": ikd_core::crypto::HPKE_SUITE,
        "max_age_secs": ikd_core::wire::MAX_AGE_SECS,
        "clock_skew_secs": ikd_core::wire::CLOCK_SKEW_SECS,
        "keys": keys_json,
        "cases": cases,
    })
}

fn domain_vectors() -> Json {
    let nik = |s: &str| match Nik::parse(s) {
        Ok(n) => {
            let b = n.birth_date(date!(2026 - 11 - 19));
            json!({ "input": s, "valid": true, "district": n.region().unwrap().district.code,
                    "birth_date": format!("{:04}-{:02}-{:02}", b.year(), u8::from(b.month()), b.day()),
                    "sex": n.sex(), "serial": n.serial() })
        }
        Err(e) => json!({ "input": s, "valid": false, "code": e.code() }),
    };
    let email = |s: &str| match Email::parse(s) {
        Ok(e) => json!({ "input": s, "valid": true, "normalised": e.as_str() }),
        Err(e) => json!({ "input": s, "valid": false, "code": e.code() }),
    };
    let phone = |s: &str| match PhoneNumber::parse(s) {
        Ok(p) => json!({ "input": s, "valid": true, "normalised": p.as_str() }),
        Err(e) => json!({ "input": s, "valid": false, "code": e.code() }),
    };
    let pin = |s: &str| match Pin::parse(s) {
        Ok(_) => json!({ "input": s, "valid": true }),
        Err(e) => json!({ "input": s, "valid": false, "code": e.code() }),
    };
    let niks = [
        "3171011708450001",
        "3273015703050042",
        "3171010101300001",
        "9101011203800003",
        "3171012902000001",
        "3171012902030001",
        "3171013002040001",
        "",
        "317101170845000",
        "3171O11708450001",
        "9999991708450001",
        "3171013208450001",
        "3171014008450001",
        "3171011713450001",
        "3171011708450000",
    ]
    .map(nik);
    let emails = [
        "budi@contoh.co.id",
        " Siti.Aminah@Contoh.CO.ID ",
        "",
        "budi",
        "budi@contoh",
        "budi..s@contoh.id",
    ]
    .map(email);
    let phones = [
        "081234567890",
        "+62 812-3456-7890",
        "6281234567890",
        "",
        "0215551234",
        "0812345",
        "0812abc",
    ]
    .map(phone);
    let pins = [
        "135790", "112233", "000000", "123456", "987654", "12345", "12a456",
    ]
    .map(pin);
    json!({
        "description": "Domain value vectors; birth dates are resolved as of 2026-11-19.",
        "nik": niks, "email": emails, "phone": phones, "pin": pins,
    })
}

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, v) in [("qr.json", qr_vectors()), ("domain.json", domain_vectors())] {
        std::fs::write(
            dir.join(name),
            serde_json::to_string_pretty(&v).unwrap() + "\n",
        )
        .unwrap();
        println!("wrote vectors/{name}");
    }
}
