//! `ikd-server keys rotate | export-verifier`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use ikd_core::crypto::VerifierKeyFile;
use ikd_server::keys;

#[derive(Debug, clap::Args)]
pub struct KeysArgs {
    #[command(subcommand)]
    command: KeysCommand,
    #[arg(
        long,
        env = "IKD_DATA_DIR",
        default_value = "./ikd-data",
        global = true
    )]
    data_dir: PathBuf,
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Make new issuer and verifier keys; old public keys keep verifying until their
    /// credentials expire. Restart the service to use the new keys.
    Rotate,
    /// Print an offline verifier's key file (trusted issuer keys and the verifier's private
    /// keys) for `ikd-server qr verify --keys`. It holds secrets: store it like a key.
    ExportVerifier,
}

pub fn run(args: KeysArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        KeysCommand::Rotate => {
            let (issuer, verifier) = keys::rotate(&args.data_dir)?;
            println!(
                "{}",
                serde_json::json!({"issuer_kid": issuer, "verifier_kid": verifier, "note": "restart the service to use the new keys"})
            );
        }
        KeysCommand::ExportVerifier => {
            let ring = keys::load_or_create(&args.data_dir)?;
            let file = VerifierKeyFile {
                issuers: ring.issuers,
                decryption_keys: ring.decryption,
            };
            println!("{}", serde_json::to_string_pretty(&file)?);
        }
    }
    Ok(ExitCode::SUCCESS)
}
