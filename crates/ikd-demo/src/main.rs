//! `cargo run --release -p ikd-demo`: the whole IKD system in one process on the embedded
//! defaults. The Dukcapil service on a SQLite file (a synthetic registry seeded on first
//! start), a demo officer, the mail outbox, the citizen app at `/` and the officer's console
//! at `/petugas` in the browser renderer. Ctrl-C stops it; the data stays for the next start.

mod outbox;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use clap::Parser;
use ikd_server::{AppState, Config};
use sqlx::Row as _;

#[derive(Debug, Parser)]
#[command(
    name = "ikd-demo",
    version,
    about = "IKD: the whole system in one process (demo)"
)]
struct Args {
    /// Address and port for everything (service, citizen app, officer console).
    #[arg(long, env = "IKD_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Data directory: the SQLite file, keys, the mail outbox and the browsers' devices.
    #[arg(long, env = "IKD_DATA_DIR", default_value = "./ikd-data")]
    data_dir: PathBuf,
    /// Residents in the synthetic registry made on the first start.
    #[arg(long, default_value_t = 10_000)]
    residents: u64,
}

/// The demo officer's name; the password is made on the first start and kept in the data
/// directory (0600), so nothing secret is in the source.
const OFFICER: &str = "petugas";
const OFFICER_FILE: &str = "demo-officer.txt";

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("IKD_LOG")
                .unwrap_or_else(|_| "warn,ikd_server=info,ikd_demo=info".into()),
        )
        .init();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run(args))
}

async fn run(args: Args) -> anyhow::Result<()> {
    let mut config = Config::local(args.data_dir.clone());
    config.listen = args.listen;
    // Before anything is made: the demo speaks plain HTTP, so on loopback only (a
    // deployment serves TLS: `ikd-server serve --tls-cert`, README).
    config
        .check_transport()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener.local_addr()?;
    // The app's screens call the service over HTTP like a phone would, on loopback.
    let loopback = if addr.ip().is_unspecified() {
        SocketAddr::from(([127, 0, 0, 1], addr.port()))
    } else {
        addr
    };
    // Links in emails (a Lupa PIN's cancel link) lead to where the demo really listens.
    config.public_url = Some(format!("http://{loopback}"));
    let mut state = AppState::new(config)
        .await
        .context("starting the service (is the data directory writable?)")?;
    if state.test_hooks_from_env() {
        tracing::warn!("test hooks on: captcha answers are readable; never in production");
    }
    if ikd_server::registry::count(&state.db).await? == 0 {
        println!(
            "First start: making a synthetic registry of {} residents…",
            args.residents
        );
        let made = ikd_server::seed::populate(&state.db, args.residents, 1).await?;
        println!(
            "  {} residents in {} families.",
            made.residents, made.families
        );
        match import_sample(&state, &args.data_dir).await {
            Ok(n) => println!("  {n} residents imported from the sample registry export."),
            // The demo runs without them; the synthetic registry is complete on its own.
            Err(e) => tracing::warn!("the sample registry export was not imported: {e:#}"),
        }
    }
    let password = officer_password(&args.data_dir)?;
    ikd_server::routes::add_officer(&state.db, OFFICER, &password).await?;

    let web = ikd::web::router(ikd::web::WebConfig {
        api: format!("http://{loopback}"),
        data_dir: args.data_dir.join("web"),
        camera: ikd::camera::Camera::from_env(),
        officer_camera: ikd::camera::Camera::from_var("IKD_OFFICER_CAMERA"),
        tls: false,
    });
    let app = ikd_server::app::router(state.clone())
        .merge(web)
        .merge(outbox::router(state.config.outbox()));
    let background = ikd_server::app::background(&state);

    print_welcome(&state, loopback, &args.data_dir, &password).await;

    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let serving = ikd_server::serve(listener, app, &state.config, async {
        let _ = stop_rx.await;
    })
    .await
    .context("starting to serve")?;
    let server = tokio::spawn(serving);
    ikd_server::shutdown_signal().await;
    println!("Stopping IKD…");
    let _ = stop_tx.send(());
    // Open app pages hold websockets; they get a moment to close, then the process ends.
    let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
    background.iter().for_each(tokio::task::JoinHandle::abort);
    state.db.pool.close().await;
    println!(
        "IKD stopped. The data is kept in {}.",
        args.data_dir.display()
    );
    Ok(())
}

/// The demo officer's password: read, or made and saved (0600) on the first start.
fn officer_password(dir: &Path) -> anyhow::Result<String> {
    let file = dir.join(OFFICER_FILE);
    if let Ok(p) = std::fs::read_to_string(&file) {
        let p = p.trim().to_owned();
        if p.len() >= 12 {
            return Ok(p);
        }
    }
    let bytes: [u8; 12] = ikd_core::crypto::random_bytes()
        .map_err(|_| anyhow::anyhow!("no randomness for the officer password"))?;
    // Easy to read aloud and type: lower-case letters and digits without look-alikes,
    // three groups of four (about 59 bits).
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let chars: String = bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    let password = format!("{}-{}-{}", &chars[0..4], &chars[4..8], &chars[8..12]);
    // A file too short to be ours is replaced, never written over in place.
    if file.exists() {
        std::fs::remove_file(&file).with_context(|| format!("replacing {}", file.display()))?;
    }
    ikd_server::keys::write_secret(&file, password.as_bytes())?;
    Ok(password)
}

/// The sample registry export (`crates/ikd-demo/sample`), written to the data directory and
/// loaded through the import's own checks, as `ikd-server import --csv … --photos …` does.
const SAMPLE_CSV: &str = include_str!("../sample/residents.csv");
const SAMPLE_PHOTO: (&str, &[u8]) = (
    "3171011708850003.png",
    include_bytes!("../sample/photos/3171011708850003.png"),
);

async fn import_sample(state: &AppState, data_dir: &Path) -> anyhow::Result<usize> {
    use ikd_server::import;
    let photos = data_dir.join("sample-import").join("photos");
    std::fs::create_dir_all(&photos)?;
    std::fs::write(photos.join(SAMPLE_PHOTO.0), SAMPLE_PHOTO.1)?;
    let report = |errors: Vec<import::RowError>| {
        anyhow::anyhow!(
            "{}",
            serde_json::to_string(&errors).unwrap_or_else(|e| e.to_string())
        )
    };
    let (families, lines) = import::parse_with_lines(SAMPLE_CSV.as_bytes()).map_err(report)?;
    let found: Vec<_> = import::photos::read_dir(&photos, Some(&lines))
        .map_err(report)?
        .into_iter()
        .map(|p| (p.nik, p.jpeg))
        .collect();
    ikd_server::registry::insert_families(
        &state.db,
        &families,
        ikd_server::registry::Provenance::Imported(&found),
    )
    .await?;
    Ok(lines.len())
}

/// The sample's residents (NIK, name) with whether the registry holds a photo of each.
async fn imported_residents(state: &AppState) -> Vec<(String, String, bool)> {
    named(
        state,
        "SELECT nik, CAST(CASE WHEN photo IS NULL THEN 0 ELSE 1 END AS BIGINT) FROM residents
         WHERE synthetic = 0 ORDER BY nik LIMIT 5",
    )
    .await
    .into_iter()
    .map(|(nik, name, photo)| (nik, name, photo == 1))
    .collect()
}

/// Runs `sql` (a NIK and a number per row) and adds each resident's name.
async fn named(state: &AppState, sql: &str) -> Vec<(String, String, i64)> {
    let rows = sqlx::query(sql)
        .fetch_all(&state.db.pool)
        .await
        .unwrap_or_default();
    let mut out = Vec::new();
    for row in rows {
        let Ok(nik) = ikd_core::Nik::parse(&row.get::<String, _>(0)) else {
            continue;
        };
        if let Ok(Some(r)) = ikd_server::registry::find(&state.db, &nik).await {
            out.push((nik.as_str().to_owned(), r.ktp.nama.clone(), row.get(1)));
        }
    }
    out
}

/// A few synthetic residents who can register (a KTP-el, no active device yet), with an
/// email to type.
async fn demo_residents(state: &AppState) -> Vec<(String, String, String)> {
    named(
        state,
        "SELECT r.nik, CAST(0 AS BIGINT) FROM residents r WHERE r.synthetic = 1
         AND json_extract(r.record, '$.has_ktp_el') = 1
         AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.nik = r.nik AND a.device_key IS NOT NULL)
         ORDER BY r.rowid LIMIT 5",
    )
    .await
    .into_iter()
    .map(|(nik, name, _)| {
        let email = email_for(&name);
        (nik, name, email)
    })
    .collect()
}

/// `NAMA LENGKAP` → `nama.lengkap@contoh.id` (contoh.id: an example domain).
fn email_for(name: &str) -> String {
    format!(
        "{}@contoh.id",
        name.to_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(".")
    )
}

async fn print_welcome(state: &AppState, addr: SocketAddr, data_dir: &Path, password: &str) {
    let residents = demo_residents(state).await;
    let outbox = state.config.outbox();
    println!();
    println!("IKD is running (demo: synthetic data, SQLite, emails to a folder).");
    println!();
    println!("  Citizen app (open it as a phone):  http://{addr}/");
    println!("  Officer console:                    http://{addr}/petugas");
    println!("      username {OFFICER}   password {password}");
    println!("  Activation emails:                  http://{addr}/demo/outbox");
    println!("      (the .eml files in {})", outbox.display());
    println!(
        "  Service API:                        http://{addr}/api/v1  (OpenAPI: /api/openapi.json)"
    );
    println!();
    println!("  Residents to register with (NIK, name, an email to type; any phone 08…):");
    for (nik, name, email) in residents {
        println!("      {nik}  {name:<28} {email}");
    }
    let imported = imported_residents(state).await;
    if !imported.is_empty() {
        println!();
        println!("  Imported from the sample registry export (crates/ikd-demo/sample):");
        for (nik, name, photo) in imported {
            let email = email_for(&name);
            let photo = if photo {
                "registry photo"
            } else {
                "tanpa foto registri (no registry photo on record)"
            };
            println!("      {nik}  {name:<28} {email}  {photo}");
        }
    }
    println!();
    println!(
        "  Data: {} (kept between starts). Stop with Ctrl-C.",
        data_dir.display()
    );
    println!();
}
