//! `ikd-server officer add|list|disable`.

use std::io::BufRead as _;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::Subcommand;
use sqlx::Row;

#[derive(Debug, clap::Args)]
pub struct OfficerArgs {
    #[command(subcommand)]
    command: OfficerCommand,
    #[command(flatten)]
    store: super::store::StoreArgs,
}

#[derive(Debug, Subcommand)]
enum OfficerCommand {
    /// Add an officer (or reset the password of one); the password is read from stdin.
    Add { username: String },
    /// List officers.
    List,
    /// Disable an officer; their sessions stop working at once.
    Disable { username: String },
}

pub async fn run(args: OfficerArgs) -> anyhow::Result<ExitCode> {
    let db = args.store.open().await?;
    match args.command {
        OfficerCommand::Add { username } => {
            if username.is_empty()
                || username.len() > 64
                || !username
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
            {
                bail!("a username is 1–64 letters, digits, '.', '_' or '-'");
            }
            let mut password = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut password)
                .context("reading the password from stdin")?;
            let password =
                zeroize::Zeroizing::new(password.trim_end_matches(['\r', '\n']).to_owned());
            if password.chars().count() < 10 {
                bail!("the password must have at least 10 characters");
            }
            ikd_server::routes::add_officer(&db, &username, &password).await?;
            println!("{{\"officer\": {username:?}, \"status\": \"active\"}}");
        }
        OfficerCommand::List => {
            let rows = sqlx::query(
                "SELECT username, disabled, created_at FROM officers ORDER BY username",
            )
            .fetch_all(&db.pool)
            .await?;
            let list: Vec<serde_json::Value> = rows
                .iter()
                .map(|r| serde_json::json!({"officer": r.get::<String, _>(0), "disabled": r.get::<i64, _>(1) != 0, "created_at": r.get::<i64, _>(2)}))
                .collect();
            println!("{}", serde_json::to_string_pretty(&list)?);
        }
        OfficerCommand::Disable { username } => {
            let done = sqlx::query("UPDATE officers SET disabled = 1 WHERE username = $1")
                .bind(&username)
                .execute(&db.pool)
                .await?;
            if done.rows_affected() == 0 {
                bail!("no officer named {username:?}");
            }
            println!("{{\"officer\": {username:?}, \"status\": \"disabled\"}}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
