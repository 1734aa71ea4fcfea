//! `ikd-server seed --residents N [--seed S]`: deterministic synthetic registry.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;
use ikd_server::seed;

#[derive(Debug, clap::Args)]
pub struct SeedArgs {
    /// How many residents to create (families are generated until this many exist).
    #[arg(long)]
    residents: u64,
    /// The generator's seed: the same seed gives the same population.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[command(flatten)]
    store: super::store::StoreArgs,
}

pub async fn run(args: SeedArgs) -> anyhow::Result<ExitCode> {
    let db = args.store.open().await?;
    let started = Instant::now();
    // `populate` refuses a registry that is not empty.
    let made = seed::populate(&db, args.residents, args.seed)
        .await
        .context("seeding the registry")?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{{\"residents\": {}, \"families\": {}, \"seconds\": {secs:.1}, \"residents_per_second\": {:.0}}}",
        made.residents,
        made.families,
        made.residents as f64 / secs.max(1e-9)
    );
    Ok(ExitCode::SUCCESS)
}
