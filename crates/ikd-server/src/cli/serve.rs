//! `ikd-server serve`: runs until Ctrl-C or SIGTERM, then finishes requests in flight.

use std::process::ExitCode;

use anyhow::Context as _;
use ikd_server::{AppState, Config, shutdown_signal, spawn};

pub async fn run(config: Config) -> anyhow::Result<ExitCode> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("IKD_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .init();
    // Mail that leaves this machine carries links (a Lupa PIN's cancel link): they must
    // name the address citizens reach, not the listening socket.
    if config.smtp_url.is_some() && config.public_url.is_none() {
        anyhow::bail!(
            "--smtp-url is set but --public-url is not: give the address citizens reach the \
             service at (e.g. --public-url https://ikd.example.go.id), for the links in emails"
        );
    }
    let mut state = AppState::new(config)
        .await
        .context("starting the service")?;
    if state.test_hooks_from_env() {
        tracing::warn!("test hooks on: captcha answers are readable; never in production");
    }
    let scheme = if state.config.tls().is_some() {
        "https"
    } else {
        "http"
    };
    let running = spawn(state, shutdown_signal())
        .await
        .context("starting to listen")?;
    tracing::info!(addr = %running.addr, scheme, "IKD service listening");
    println!("IKD service listening on {scheme}://{}", running.addr);
    running.handle.await.context("server task")?;
    tracing::info!("IKD service stopped");
    Ok(ExitCode::SUCCESS)
}
