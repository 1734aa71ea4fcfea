//! `ikd-server seed --residents N [--seed S]`: deterministic synthetic registry.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context as _, bail};
use ikd_server::{registry, seed};

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

/// Families per transaction: large enough to amortise the commit, small enough to bound memory.
const BATCH: usize = 4_000;

pub async fn run(args: SeedArgs) -> anyhow::Result<ExitCode> {
    let db = args.store.open().await?;
    if registry::count(&db).await? > 0 {
        bail!("the registry is not empty; seed only into a new data directory or database");
    }
    let started = Instant::now();
    let places = seed::Places::load();
    let mut generator =
        seed::Generator::new(args.seed, &places, time::OffsetDateTime::now_utc().date());
    let (mut made, mut families) = (0u64, 0u64);
    let mut batch = Vec::with_capacity(BATCH);
    while made < args.residents {
        let Some(mut family) = generator.family() else {
            continue;
        };
        let room = (args.residents - made) as usize;
        if family.members.len() > room {
            family.members.truncate(room);
        }
        made += family.members.len() as u64;
        families += 1;
        batch.push(family);
        if batch.len() == BATCH || made >= args.residents {
            registry::insert_families(&db, &batch)
                .await
                .context("writing residents")?;
            batch.clear();
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{{\"residents\": {made}, \"families\": {families}, \"seconds\": {secs:.1}, \"residents_per_second\": {:.0}}}",
        made as f64 / secs.max(1e-9)
    );
    Ok(ExitCode::SUCCESS)
}
