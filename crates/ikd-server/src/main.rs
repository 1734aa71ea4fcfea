//! `ikd-server`: the Dukcapil service of IKD and the operator's command line.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(e) => {
            // Operator-facing: the chain says what failed (never key material or PII).
            eprintln!("ikd-server: {e:#}");
            ExitCode::from(1)
        }
    }
}
