//! The browser renderer on its own: `ikd-web --api http://127.0.0.1:8080 --listen
//! 127.0.0.1:8081`: the citizen app at `/`, the officer's console at `/petugas`. (The demo
//! serves it together with the service.) `IKD_CAMERA` / `IKD_OFFICER_CAMERA` choose virtual
//! cameras (`virtual:FILE[,FILE…]`).

use clap::Parser;

#[derive(Parser)]
struct Args {
    /// The Dukcapil service.
    #[arg(long, env = "IKD_API", default_value = "http://127.0.0.1:8080")]
    api: String,
    #[arg(long, env = "IKD_WEB_LISTEN", default_value = "127.0.0.1:8081")]
    listen: std::net::SocketAddr,
    /// Where each browser's sealed store is kept.
    #[arg(long, env = "IKD_WEB_DATA", default_value = "./ikd-web-data")]
    data_dir: std::path::PathBuf,
    /// Browsers reach these pages over TLS (a reverse proxy in front terminates it): the
    /// device cookie is `Secure`.
    #[arg(long, env = "IKD_WEB_TLS")]
    tls: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let router = ikd::web::router(ikd::web::WebConfig {
        api: args.api,
        data_dir: args.data_dir,
        camera: ikd::camera::Camera::from_env(),
        officer_camera: ikd::camera::Camera::from_var("IKD_OFFICER_CAMERA"),
        tls: args.tls,
    });
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    println!("IKD in the browser: http://{}/", listener.local_addr()?);
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
