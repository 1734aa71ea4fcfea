//! Subcommands. Each prints JSON on stdout; exit 0 on success, 2 on a refusal of the input,
//! 1 on an operational failure (unreadable file…).

mod import;
mod keys;
mod nik;
mod officer;
mod qr;
mod seed;
mod serve;
mod store;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "ikd-server",
    version,
    about = "IKD: the Dukcapil service and operator tools"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a NIK and print its region, birth date, sex and serial as JSON.
    Nik {
        /// The 16-digit NIK.
        nik: String,
    },
    /// Identity QR tools.
    Qr {
        #[command(subcommand)]
        command: qr::QrCommand,
    },
    /// Run the service.
    Serve(ikd_server::Config),
    /// Fill an empty registry with a deterministic synthetic population.
    Seed(seed::SeedArgs),
    /// Load residents from a CSV export (all rows or none).
    Import(import::ImportArgs),
    /// Manage officer accounts.
    Officer(officer::OfficerArgs),
    /// Issuer and verifier keys.
    Keys(keys::KeysArgs),
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Nik { nik } => Ok(nik::run(&nik)),
        Command::Qr { command } => qr::run(command),
        Command::Serve(config) => runtime()?.block_on(serve::run(config)),
        Command::Seed(args) => runtime()?.block_on(seed::run(args)),
        Command::Import(args) => runtime()?.block_on(import::run(args)),
        Command::Officer(args) => runtime()?.block_on(officer::run(args)),
        Command::Keys(args) => keys::run(args),
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// Prints one JSON document and returns the exit code for it.
fn print_json(value: &serde_json::Value, ok: bool) -> ExitCode {
    use std::io::Write as _;
    // A closed pipe (`| head`) is not an error worth a panic.
    let _ = writeln!(
        std::io::stdout(),
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    }
}

fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
