//! `ikd-server`: the Dukcapil service of IKD and the operator's command line.

mod cli;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc rather than glibc's allocator: under load, malloc and free were about 9 % of a
/// verification's CPU (perf, README "Benchmarks"); the service allocates small, short-lived
/// buffers from many threads, mimalloc's case.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
