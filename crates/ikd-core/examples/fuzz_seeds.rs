//! Writes the seed corpora of the fuzz targets in `fuzz/` (run by `scripts/fuzz.sh`):
//! valid inputs, so that mutation starts from what the decoders accept.
//!
//! `cargo run -p ikd-core --example fuzz_seeds --features fuzzing,scan -- DIR`

use std::path::Path;

use ikd_core::crypto::{DeviceKey, IssuerKey, VerifierKeyFile};
use ikd_core::wire::{
    Credential, MemoryReplayCache, RegistrationId, RegistrationQr, RegistrationToken, Verifier,
};
use serde_json::Value;

fn write(dir: &Path, target: &str, name: &str, bytes: &[u8]) {
    let d = dir.join(target);
    std::fs::create_dir_all(&d).expect("corpus directory");
    std::fs::write(d.join(name), bytes).expect("seed written");
}

fn main() {
    let out = std::env::args().nth(1).expect("usage: fuzz_seeds DIR");
    let out = Path::new(&out);
    let vectors: Value = serde_json::from_str(include_str!("../vectors/qr.json")).expect("qr.json");
    let keys: VerifierKeyFile =
        serde_json::from_value(vectors["keys"].clone()).expect("the vectors' key file");
    let verifier = Verifier::from_key_file(keys);
    let mut claims = std::collections::BTreeMap::new();
    for case in vectors["cases"].as_array().expect("cases") {
        let name = case["name"].as_str().expect("name");
        let qr = case["qr"].as_str().expect("qr");
        write(out, "identity_qr", name, qr.as_bytes());
        if let Some(body) = qr.strip_prefix("IKD2:") {
            write(out, "base45", name, body.as_bytes());
        }
        let Some(envelope) = ikd_core::fuzzing::envelope_bytes(qr) else {
            continue;
        };
        write(out, "envelope", name, &envelope);
        if let Ok((_, plaintext)) = ikd_core::fuzzing::open_envelope(&verifier, &envelope) {
            write(out, "presentation", name, &plaintext);
        }
        // Every element of every profile, gathered from the valid cases (one resident).
        if name.starts_with("valid_") && !name.ends_with("no_registry_photo") {
            let at = case["at"].as_i64().expect("at");
            let cache = MemoryReplayCache::default();
            let seen = verifier
                .verify_once(qr, at, &cache)
                .expect("a valid case verifies");
            claims.extend(seen.disclosed);
        }
    }
    // A credential of the full profile's values, as the service issues one.
    let claims: Vec<_> = claims.into_iter().collect();
    let issuer = IssuerKey::generate().expect("issuer key");
    let device = DeviceKey::generate().expect("device key");
    let credential = Credential::issue(&issuer, device.public(), &claims, 1_795_000_000, 86_400)
        .expect("credential");
    write(out, "credential", "issued", &credential.to_cbor());
    for i in 0..3u8 {
        let qr = RegistrationQr {
            id: RegistrationId::generate().expect("id"),
            token: RegistrationToken::from_bytes([i; 16]),
        };
        write(
            out,
            "registration_qr",
            &format!("qr{i}"),
            qr.to_text().as_bytes(),
        );
    }
    // QR pictures as a screenshot would have them: dark modules, a quiet zone of 4; small, as
    // the decoder's time grows with the pixels and mutation keeps a seed's size.
    let identity = vectors["cases"][0]["qr"].as_str().expect("qr");
    let registration = "IKDREG1:00112233445566778899aabbccddeeff.00112233445566778899aabbccddeeff";
    for (name, text, px, format) in [
        ("identity.png", identity, 4, image::ImageFormat::Png),
        (
            "registration.jpg",
            registration,
            3,
            image::ImageFormat::Jpeg,
        ),
    ] {
        let mut bytes = Vec::new();
        image::DynamicImage::ImageLuma8(qr_picture(text, px))
            .write_to(&mut std::io::Cursor::new(&mut bytes), format)
            .expect("encoded");
        write(out, "qr_picture", name, &bytes);
    }
    println!("seeds written to {}", out.display());
}

fn qr_picture(text: &str, px: u32) -> image::GrayImage {
    let code = qrcode::QrCode::new(text.as_bytes()).expect("fits a QR");
    let width = u32::try_from(code.width()).expect("width");
    let colors = code.to_colors();
    let side = (width + 8) * px;
    image::GrayImage::from_fn(side, side, |x, y| {
        let (mx, my) = ((x / px).wrapping_sub(4), (y / px).wrapping_sub(4));
        let dark =
            mx < width && my < width && colors[(my * width + mx) as usize] == qrcode::Color::Dark;
        image::Luma([if dark { 0 } else { 255 }])
    })
}
