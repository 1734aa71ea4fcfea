//! `ikd-server qr verify --keys FILE QR-TEXT`: offline verification with a verifier key file.
//! `ikd-server qr decode-image PICTURE...`: the QR text in each picture, read with the
//! decoder the officer console uses (`ikd_core::scan`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;
use ikd_core::UserError;
use ikd_core::crypto::VerifierKeyFile;
use ikd_core::wire::{Element, ElementValue, MemoryReplayCache, Verifier};
use serde_json::json;

use super::{now_unix, print_json};

#[derive(Debug, Subcommand)]
pub enum QrCommand {
    /// Verify an identity QR (`IKD2:…`) offline and print the disclosed fields.
    Verify {
        /// Verifier key file: trusted issuer keys and this verifier's HPKE private keys (JSON).
        #[arg(long)]
        keys: PathBuf,
        /// Verify as of this unix time instead of now (for test vectors and investigations).
        #[arg(long)]
        at: Option<i64>,
        /// The QR text, `IKD2:…`.
        qr: String,
    },
    /// Read the QR code in each picture (JPEG or PNG) with the console's decoder. Prints a
    /// line per picture: its path, a TAB, and the text (nothing after the TAB when none is
    /// read). Exits 1 when a picture gave no text.
    DecodeImage {
        /// The pictures.
        #[arg(required = true)]
        pictures: Vec<PathBuf>,
    },
}

/// What an offline verifier can say of the photo: the digest to compare with a registry
/// photo it holds, or that the registry holds none (so identity is checked another way).
fn portrait(disclosed: Option<&ElementValue>) -> serde_json::Value {
    match disclosed {
        Some(ElementValue::NotOnRecord) => json!({
            "on_record": false,
            "message": "Tidak ada foto di registri. Cocokkan wajah dengan KTP-el fisik.",
            "message_en": "No photo on record. Compare the face with the physical KTP-el.",
        }),
        Some(ElementValue::Text(sha256)) => json!({"on_record": true, "sha256": sha256}),
        _ => serde_json::Value::Null,
    }
}

pub fn run(cmd: QrCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        QrCommand::DecodeImage { pictures } => {
            let mut all_read = true;
            for path in pictures {
                let text = std::fs::read(&path)
                    .ok()
                    .and_then(|bytes| ikd_core::scan::decode_image(&bytes).ok());
                // A text with a line break would break the one-line-per-picture output.
                let text = text.filter(|t| !t.contains(['\n', '\r', '\t']));
                all_read &= text.is_some();
                println!("{}\t{}", path.display(), text.unwrap_or_default());
            }
            Ok(if all_read {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        QrCommand::Verify { keys, at, qr } => {
            let text = std::fs::read_to_string(&keys)
                .with_context(|| format!("reading the key file {}", keys.display()))?;
            let file: VerifierKeyFile = serde_json::from_str(&text).with_context(|| {
                format!(
                    "the key file {} is not a valid verifier key file",
                    keys.display()
                )
            })?;
            let verifier = Verifier::from_key_file(file);
            let now = at.unwrap_or_else(now_unix);
            Ok(
                match verifier.verify_once(&qr, now, &MemoryReplayCache::new(16)) {
                    Ok(v) => print_json(
                        &json!({
                            "valid": true,
                            "profile": v.profile,
                            "fields": v.disclosed.iter().map(|(k, val)| (k.id().to_owned(), json!(val))).collect::<serde_json::Map<_, _>>(),
                            "portrait": portrait(v.disclosed.get(&Element::PortraitSha256)),
                            "issuer_kid": v.issuer_kid.to_string(),
                            "signed_at": v.signed_at,
                            "credential_valid_until": v.credential_valid_until,
                        }),
                        true,
                    ),
                    Err(e) => print_json(
                        &json!({ "valid": false, "failed_stage": e.stage(), "error": e.body() }),
                        false,
                    ),
                },
            )
        }
    }
}
