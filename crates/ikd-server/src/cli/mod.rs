//! Subcommands. Each prints JSON on stdout; exit 0 on success, 2 on a refusal of the input,
//! 1 on an operational failure (unreadable file…).

mod nik;
mod qr;

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
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Nik { nik } => Ok(nik::run(&nik)),
        Command::Qr { command } => qr::run(command),
    }
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
