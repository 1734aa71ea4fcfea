//! Identity-QR costs, measured side by side in one run (`cargo bench -p ikd-core`):
//! building a presentation (device sign + HPKE seal + CBOR/Base45 + QR matrix), verifying
//! one (every check, replay included), and the raw crypto a verify cannot avoid
//! (2 ES256 verifies + 1 X25519). The summary prints verify as a share of that raw limit.
//!
//! The QR matrix is built with `fast_qr`; the `qrcode` crate is measured beside it because
//! its mask selection alone takes longer than the whole 5 ms budget.
#![allow(clippy::unwrap_used)] // a failure here should stop the build or the run, loudly

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{BatchSize, Criterion};
use ikd_core::Nik;
use ikd_core::crypto::{DeviceKey, IssuerKey, IssuerPublicKey, VerifierSecretKey};
use ikd_core::nik::Sex;
use ikd_core::records::*;
use ikd_core::wire::{Credential, MemoryReplayCache, Profile, Verifier, claims_from_ktp, present};
use ring::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};
use time::macros::date;

const NOW: i64 = 1_795_180_800;
const GROUP: &str = "ikd2";

fn ktp() -> Ktp {
    Ktp::new(KtpFields {
        provinsi: "DKI JAKARTA".into(),
        kabupaten_kota: "KOTA ADM. JAKARTA SELATAN".into(),
        nik: Nik::parse("3174051708900001").unwrap(),
        nama: "BUDI SANTOSO WIBOWO".into(),
        tempat_lahir: "JAKARTA".into(),
        tanggal_lahir: date!(1990 - 08 - 17),
        jenis_kelamin: Sex::LakiLaki,
        golongan_darah: GolonganDarah::B,
        alamat: "JL. KEMANG RAYA NO. 12 BLOK C".into(),
        rt_rw: RtRw { rt: 5, rw: 3 },
        kelurahan_desa: "BANGKA".into(),
        kecamatan: "MAMPANG PRAPATAN".into(),
        agama: Agama::Islam,
        status_perkawinan: StatusPerkawinan::Kawin,
        pekerjaan: "KARYAWAN SWASTA".into(),
        kewarganegaraan: Kewarganegaraan::WNI,
        berlaku_hingga: BerlakuHingga::SeumurHidup,
        tempat_terbit: "JAKARTA SELATAN".into(),
        tanggal_terbit: date!(2016 - 02 - 10),
        foto: None,
    })
    .unwrap()
}

fn out_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("criterion")
}

fn mean_ns(id: &str) -> Option<f64> {
    let path = out_dir()
        .join(GROUP)
        .join(id)
        .join("new")
        .join("estimates.json");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    v["mean"]["point_estimate"].as_f64()
}

fn main() {
    let issuer = IssuerKey::generate().unwrap();
    let device = DeviceKey::generate().unwrap();
    let verifier_key = VerifierSecretKey::generate();
    let claims = claims_from_ktp(&ktp(), Some(&[9; 32]), date!(2026 - 11 - 19));
    let cred = Credential::issue(&issuer, device.public(), &claims, NOW - 60, 86_400).unwrap();
    let verifier = Verifier::new(
        vec![IssuerPublicKey {
            key: issuer.public().clone(),
            not_after: None,
        }],
        vec![VerifierSecretKey::from_bytes(&*verifier_key.to_bytes()).unwrap()],
    );
    let profile = Profile::Full;

    let mut c = Criterion::default()
        .output_directory(&out_dir())
        .configure_from_args();
    let mut g = c.benchmark_group(GROUP);
    g.bench_function("present_full", |b| {
        b.iter(|| {
            let text = present(&cred, &device, profile, verifier_key.public(), NOW).unwrap();
            let code = fast_qr::QRBuilder::new(text.as_str())
                .ecl(fast_qr::ECL::L)
                .build()
                .unwrap();
            black_box(code.size)
        })
    });
    let sample = present(&cred, &device, profile, verifier_key.public(), NOW).unwrap();
    g.bench_function("qr_matrix_fast_qr", |b| {
        b.iter(|| {
            black_box(
                fast_qr::QRBuilder::new(sample.as_str())
                    .ecl(fast_qr::ECL::L)
                    .build()
                    .unwrap()
                    .size,
            )
        })
    });
    g.bench_function("qr_matrix_qrcode", |b| {
        b.iter(|| {
            black_box(
                qrcode::QrCode::with_error_correction_level(sample.as_bytes(), qrcode::EcLevel::L)
                    .unwrap()
                    .width(),
            )
        })
    });
    // Characters and QR version (ECC L, the level the app draws) of every profile's QR.
    let sizes: Vec<String> = Profile::ALL
        .iter()
        .map(|p| {
            let text = present(&cred, &device, *p, verifier_key.public(), NOW).unwrap();
            let code = fast_qr::QRBuilder::new(text.as_str())
                .ecl(fast_qr::ECL::L)
                .build()
                .unwrap();
            format!(
                "{} {} characters, version {}",
                p.id(),
                text.len(),
                (code.size - 17) / 4
            )
        })
        .collect();
    let cache = MemoryReplayCache::new(10_000_000);
    g.bench_function("verify_full", |b| {
        b.iter_batched(
            || present(&cred, &device, profile, verifier_key.public(), NOW).unwrap(),
            |qr| black_box(verifier.verify_once(&qr, NOW + 1, &cache).unwrap()),
            BatchSize::SmallInput,
        )
    });

    // The raw limit: two ES256 verifies (issuer, device) and one X25519 agreement.
    // About the size of the full profile's COSE Sig_structure (its payload is ~330 bytes).
    let msg_a = vec![7u8; 400];
    let msg_b = vec![8u8; 120];
    let sig_a = issuer.sign(&msg_a).unwrap();
    let sig_b = device.sign(&msg_b).unwrap();
    let pk_a = issuer.public().sec1().to_vec();
    let pk_b = device.public().sec1().to_vec();
    let secret = x25519_dalek::StaticSecret::from(*verifier_key.to_bytes());
    let peer = x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from([3u8; 32]));
    g.bench_function("raw_2es256_1x25519", |b| {
        b.iter(|| {
            UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &pk_a)
                .verify(&msg_a, &sig_a)
                .unwrap();
            UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &pk_b)
                .verify(&msg_b, &sig_b)
                .unwrap();
            black_box(secret.diffie_hellman(&peer));
        })
    });
    // What HPKE base-mode open costs beyond the DH: the KEM's HKDF, the key schedule and
    // the AEAD (pk(skR) is computed once per key, see crypto/hpke_receiver.rs).
    let (enc, ct) = verifier_key.public().seal(&[0u8; 2400], b"aad").unwrap();
    g.bench_function("hpke_open", |b| {
        b.iter(|| black_box(verifier_key.open(&enc, &ct, b"aad").unwrap()))
    });
    g.bench_function("x25519_dh", |b| {
        b.iter(|| black_box(secret.diffie_hellman(&peer)))
    });
    g.finish();
    c.final_summary();

    if let (Some(present_ns), Some(verify_ns), Some(raw_ns), Some(fq_ns), Some(qc_ns)) = (
        mean_ns("present_full"),
        mean_ns("verify_full"),
        mean_ns("raw_2es256_1x25519"),
        mean_ns("qr_matrix_fast_qr"),
        mean_ns("qr_matrix_qrcode"),
    ) {
        println!(
            "\nsummary (means of this run, full profile, {} QR characters):",
            sample.len()
        );
        println!(
            "  presentation build : {:8.1} µs  (goal ≤ 5 000 µs), of which QR matrix {:.1} µs",
            present_ns / 1e3,
            fq_ns / 1e3
        );
        println!(
            "  QR matrix, qrcode  : {:8.1} µs  ({:.1}× fast_qr)",
            qc_ns / 1e3,
            qc_ns / fq_ns
        );
        println!(
            "  presentation verify: {:8.1} µs  = {:6.0} verifies/s per core",
            verify_ns / 1e3,
            1e9 / verify_ns
        );
        println!(
            "  raw crypto limit   : {:8.1} µs  = {:6.0} /s per core",
            raw_ns / 1e3,
            1e9 / raw_ns
        );
        println!(
            "  verify reaches {:.1} % of the raw crypto limit (goal ≥ 85 %)",
            100.0 * raw_ns / verify_ns
        );
        println!("  QR per profile     : {}", sizes.join("; "));
        if let (Some(open_ns), Some(dh_ns)) = (mean_ns("hpke_open"), mean_ns("x25519_dh")) {
            println!(
                "  of the {:.1} µs above raw, {:.1} µs is HPKE open beyond its DH (KEM HKDF + key schedule + AEAD)",
                (verify_ns - raw_ns) / 1e3,
                (open_ns - dh_ns) / 1e3
            );
        }
    }
}
