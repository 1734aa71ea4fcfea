//! The running service: state shared by every request, the router, and `spawn`.

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::mail::Mailer;
use crate::registry::RegistryPhoto;
use crate::routes;

#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    pub mailer: Mailer,
    pub config: Arc<Config>,
    /// Signs credentials.
    pub issuer: Arc<ikd_core::crypto::IssuerKey>,
    /// What `/.well-known/ikd-keys` publishes.
    pub published: Arc<ikd_core::crypto::KeySet>,
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Trusted issuer keys and the decryption keys, for online verification.
    pub verifier: Arc<ikd_core::wire::Verifier>,
    /// Permits for CPU-bound work, one per core and one more ([`crate::cpu::permits`]).
    pub cpu: Arc<tokio::sync::Semaphore>,
    /// This instance's writer of verifications' nonces and access-log entries
    /// ([`crate::verifications`], group commit).
    pub verifications: crate::verifications::Recorder,
    /// Officer sessions confirmed lately: the gate in front of `/verify`'s crypto
    /// ([`crate::routes::OfficerBearer`]).
    pub officer_sessions: Arc<crate::routes::RecentSessions>,
    /// Wakes this instance's sender of queued security notices ([`crate::notices`]).
    pub notices: crate::notices::Queue,
    /// Unix seconds for the request paths ([`crate::clock`]): a test moves it forward.
    pub clock: crate::clock::Clock,
    #[cfg(feature = "test-hooks")]
    pub test_hooks: Option<crate::routes::test_hooks::Hooks>,
}

/// Most header fields a request may carry; a browser sends about 20, a proxy adds a few.
/// Below hyper's own bound (100, answered 431 without a body) so the answer has a code.
pub const MAX_HEADERS: usize = 64;
/// Largest sum of header names and values, bytes. hyper's own read buffer (about 400 KiB)
/// bounds what reaches this check.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

/// 431 `REQUEST_HEADERS_TOO_LARGE` beyond [`MAX_HEADERS`] or [`MAX_HEADER_BYTES`].
async fn limit_headers(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    let headers = req.headers();
    let bytes: usize = headers
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len())
        .sum();
    if headers.len() > MAX_HEADERS || bytes > MAX_HEADER_BYTES {
        return Error::HeadersTooLarge.into_response();
    }
    next.run(req).await
}

/// Largest request body accepted anywhere (a selfie plus headroom).
pub const MAX_BODY: usize = crate::selfie::MAX_BYTES + 64 * 1024;

impl AppState {
    pub async fn new(config: Config) -> Result<Self> {
        std::fs::create_dir_all(&config.data_dir)
            .map_err(|e| Error::internal(format!("data directory: {e}")))?;
        let db = Db::connect(config.database_url.as_deref(), &config.data_dir).await?;
        let mailer = Mailer::new(config.smtp_url.as_deref(), config.outbox())?;
        let ring = crate::keys::load_or_create(&config.data_dir)?;
        let published = ring.published();
        let verifier = ikd_core::wire::Verifier::new(ring.issuers, ring.decryption);
        Ok(AppState {
            db: db.clone(),
            mailer,
            config: Arc::new(config),
            metrics: crate::metrics::Metrics::new(),
            issuer: Arc::new(ring.issuer),
            published: Arc::new(published),
            verifier: Arc::new(verifier),
            cpu: crate::cpu::permits(),
            verifications: crate::verifications::Recorder::spawn(db.clone()),
            officer_sessions: Arc::default(),
            notices: crate::notices::Queue::default(),
            clock: crate::clock::Clock::default(),
            #[cfg(feature = "test-hooks")]
            test_hooks: None,
        })
    }
}

impl AppState {
    /// Unix seconds now, by this instance's [`crate::clock::Clock`].
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// The registry photo of `nik` ([`Error::NotFound`] for no such resident). Only a
    /// resident made by `seed` gets a drawn portrait, from the seeding side's generator.
    pub async fn registry_photo(&self, nik: &ikd_core::Nik) -> Result<RegistryPhoto> {
        crate::registry::photo(&self.db, nik, crate::seed::portrait::render).await
    }

    /// Turns the test hooks on when `IKD_TEST_HOOKS=1` **and** the build has them (only the
    /// test suite's build does); a release build ignores the variable.
    pub fn test_hooks_from_env(&mut self) -> bool {
        #[cfg(feature = "test-hooks")]
        if std::env::var("IKD_TEST_HOOKS").as_deref() == Ok("1") {
            self.test_hooks = Some(Default::default());
            return true;
        }
        false
    }
}

pub fn router(state: AppState) -> Router {
    use axum::http::{HeaderValue, header};
    use tower_http::set_header::SetResponseHeaderLayer;
    let hsts = state.config.tls().map(|_| {
        // Over TLS only (RFC 6797 §7.2): a year, as the browsers' preload lists ask.
        SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        )
    });
    routes::router()
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::metrics::track,
        ))
        // Answers hold personal data (KTP-el, photos, sessions): no cache keeps them. A route
        // that sets its own Cache-Control keeps it.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(tower::util::option_layer(hsts))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn(limit_headers))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            std::time::Duration::from_secs(30),
        ))
        .with_state(state)
}

/// A bound, running service.
#[derive(Debug)]
pub struct Running {
    pub addr: std::net::SocketAddr,
    pub state: AppState,
    pub handle: tokio::task::JoinHandle<()>,
}

/// Binds `config.listen` and serves until `shutdown` resolves.
pub async fn spawn(
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<Running> {
    let listener = TcpListener::bind(state.config.listen)
        .await
        .map_err(|e| Error::internal(format!("bind: {e}")))?;
    let addr = listener.local_addr().map_err(Error::internal)?;
    let serving = serve(listener, router(state.clone()), &state.config, shutdown).await?;
    let tasks = background(&state);
    let handle = tokio::spawn(async move {
        serving.await;
        tasks.iter().for_each(tokio::task::JoinHandle::abort);
    });
    Ok(Running {
        addr,
        state,
        handle,
    })
}

/// The tasks an instance runs beside its requests: the sweep ([`crate::sweep`]) and the
/// delivery of queued security notices ([`crate::notices`]). Abort them when serving ends.
pub fn background(state: &AppState) -> Vec<tokio::task::JoinHandle<()>> {
    vec![
        tokio::spawn(crate::sweep::run(state.db.clone())),
        tokio::spawn(crate::notices::run(state.clone())),
    ]
}

/// Serves `app` on `listener` until `shutdown` resolves, then finishes the requests in
/// flight: over TLS when `config` names the files (reloaded on SIGHUP), else plain HTTP,
/// which [`Config::check_transport`] allows only on loopback or behind declared proxies.
/// The returned future is the server; errors here are configuration errors.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    config: &Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>> {
    config.check_transport().map_err(Error::Internal)?;
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let Some(files) = config.tls() else {
        return Ok(Box::pin(async move {
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::error!(error = %e, "server stopped");
            }
        }));
    };
    let tls = crate::tls::load(&files).await?;
    let reloader = crate::tls::reload_on_sighup(tls.clone(), files);
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        stopper.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
    });
    let listener = listener.into_std().map_err(Error::internal)?;
    Ok(Box::pin(async move {
        let server = axum_server::from_tcp_rustls(listener, tls).handle(handle);
        if let Err(e) = server.serve(app).await {
            tracing::error!(error = %e, "server stopped");
        }
        reloader.abort();
    }))
}

/// Resolves on Ctrl-C or SIGTERM: when the service (or the demo) should stop.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
