//! Pantau's web layer: server-rendered pages in Indonesian (English on
//! request) and the `/api/v1` JSON API. Every handler checks the role on the
//! server; every figure comes from `pantau_domain::evaluate`.

mod access;
mod api;
mod budget_chart;
mod budget_import;
mod chart;
mod client;
mod error;
pub mod evaluation;
mod i18n;
mod limits;
mod pages;
pub mod reads;
mod service;
mod session;
mod throttle;
mod thumbnail;
mod visitor;

// The budget import and the evidence check are private: fuzzed from inside.
#[cfg(test)]
mod fuzz_tests;

use std::sync::Arc;

use axum::Router;
use pantau_store::Store;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::{Expiry, SessionManagerLayer};

pub use api::openapi_document;
pub use client::{TrustedProxy, TrustedProxyError};
pub use error::PageError;
pub use limits::{ImportTimedOut, run_import};
pub use service::feedback::{feedback_upkeep, published_thread};

/// Settings of a running server.
#[derive(Debug, Clone)]
pub struct Config {
    /// Set the Secure flag on cookies (behind https).
    pub secure_cookies: bool,
    /// Folder for evidence files, outside any web root.
    pub evidence_dir: std::path::PathBuf,
    /// Largest evidence file accepted, in bytes.
    pub max_evidence_bytes: usize,
    /// The address people open the site at (`https://pantau.bekasikota.go.id`),
    /// for the links of e-mails. Unset: the request's own host.
    pub public_url: Option<String>,
    /// How long reading and checking one import file (plan, entries,
    /// budget, bundle) may take; past it nothing is imported.
    pub import_time_limit: std::time::Duration,
    /// How long one request may take; an import has its reading time on top.
    pub request_time_limit: std::time::Duration,
    /// How long a client may take to send a request's headers (slow clients
    /// holding connections open).
    pub header_read_timeout: std::time::Duration,
    /// Connections served at once; more wait until one closes.
    pub max_connections: usize,
    /// How long a session lasts after log-in, however busy, in hours (the
    /// idle limit is 12 hours).
    pub session_absolute_hours: u32,
    /// Reverse proxies whose `X-Forwarded-For` names the client (for log-in
    /// throttling and the audit log); from anyone else the header is ignored.
    pub trusted_proxies: Vec<TrustedProxy>,
    /// This server's own region when it takes pushes from the regions below
    /// it (a province, `32`, or the nation, `ID`); unset, it takes none.
    pub sync_region: Option<pantau_domain::RegionCode>,
    /// How long after its last accepted push a region that pushes here is late.
    pub sync_late_after: chrono::Duration,
    /// The key that signs the public feedback forms' tokens and hashes the
    /// senders' addresses. Every app server of a deployment must share it;
    /// the default is drawn at random when the settings are made, so tokens
    /// of a restarted server no longer count.
    pub feedback_secret: Vec<u8>,
    /// Feedback accepted from one address in an hour.
    pub feedback_per_address_hour: i64,
    /// Feedback accepted in one region in an hour.
    pub feedback_per_region_hour: i64,
    /// The shortest time between opening the feedback form and sending it:
    /// a person takes longer, a script does not.
    pub feedback_min_fill: std::time::Duration,
    /// How long a feedback form (or a status page's buttons) stays valid.
    pub feedback_form_max_age: std::time::Duration,
    /// Days after a case is closed before its sender's name, contact and
    /// address key are erased.
    pub feedback_retention_days: u32,
    /// How many regions' models (plan and entries) this server keeps in
    /// memory; the least recently read is dropped first and loaded again
    /// when read (a national server's memory bound).
    pub regions_kept: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            secure_cookies: false,
            evidence_dir: std::path::PathBuf::from("pantau-data/evidence"),
            max_evidence_bytes: 5 * 1024 * 1024,
            public_url: None,
            import_time_limit: std::time::Duration::from_secs(60),
            request_time_limit: std::time::Duration::from_secs(30),
            header_read_timeout: std::time::Duration::from_secs(10),
            max_connections: 1024,
            session_absolute_hours: 168,
            trusted_proxies: Vec::new(),
            sync_region: None,
            sync_late_after: chrono::Duration::days(7),
            feedback_secret: rand::random::<[u8; 32]>().to_vec(),
            feedback_per_address_hour: 5,
            feedback_per_region_hour: 200,
            feedback_min_fill: std::time::Duration::from_secs(3),
            feedback_form_max_age: std::time::Duration::from_secs(24 * 3600),
            feedback_retention_days: 365,
            regions_kept: evaluation::DEFAULT_REGIONS_KEPT,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub config: Arc<Config>,
    pub i18n: Arc<i18n::Catalog>,
    pub evaluations: Arc<evaluation::Cache>,
    /// The read replica, when there is one (see [`reads`]).
    pub replica: Arc<reads::Replica>,
    /// The public portal's models, evaluations and pages, per data version.
    pub public: Arc<pages::public::PublicCache>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, config: Config) -> Self {
        // Made now rather than at the first unknown name, whose answer would
        // otherwise take twice as long as any other.
        pantau_store::password::dummy_hash();
        AppState {
            store,
            evaluations: Arc::new(evaluation::Cache::keeping(config.regions_kept)),
            config: Arc::new(config),
            i18n: Arc::new(i18n::Catalog::load()),
            replica: Arc::default(),
            public: Arc::new(pages::public::PublicCache::default()),
        }
    }

    /// The same state, reading from `replica`, a streaming replica of the
    /// main database opened with `pantau_store::connect_replica`.
    pub fn with_replica(mut self, replica: Arc<dyn Store>) -> Self {
        self.replica = Arc::new(reads::Replica::new(replica));
        self
    }
}

/// The whole application: pages, API, sessions.
pub fn router(state: AppState) -> Router {
    let absolute = chrono::Duration::hours(i64::from(state.config.session_absolute_hours));
    let sessions =
        SessionManagerLayer::new(session::DbSessionStore::new(state.store.clone(), absolute))
            .with_name(visitor::cookie_name(
                visitor::SESSION_COOKIE,
                state.config.secure_cookies,
            ))
            .with_http_only(true)
            .with_same_site(tower_sessions::cookie::SameSite::Lax)
            .with_secure(state.config.secure_cookies)
            .with_expiry(Expiry::OnInactivity(time::Duration::seconds(
                session::IDLE.num_seconds(),
            )));
    let header = |name: &'static str, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(
            axum::http::HeaderName::from_static(name),
            axum::http::HeaderValue::from_static(value),
        )
    };
    Router::new()
        .merge(pages::routes())
        .nest("/api/v1", api::routes())
        .fallback(error::not_found)
        .layer(axum::middleware::from_fn(error::localize))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            visitor::language,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            reads::remember_writes,
        ))
        .layer(sessions)
        // Each route's body limit by what it carries, and a time limit.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            limits::bound,
        ))
        .layer(axum::middleware::from_fn(api::oversized_as_api_error))
        .layer(axum::extract::DefaultBodyLimit::disable())
        // Pages carry no script and load nothing from elsewhere; say so to the browser.
        .layer(header(
            "content-security-policy",
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
        ))
        .layer(header("x-frame-options", "DENY"))
        .layer(header("x-content-type-options", "nosniff"))
        .layer(header("referrer-policy", "same-origin"))
        // Slow links: compress what is worth it.
        .layer(CompressionLayer::new().quality(tower_http::CompressionLevel::Fastest))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serve until the process is asked to stop: HTTP/1.1, with the header read
/// timeout and the connection cap of the [`Config`].
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    serve_until(listener, state, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}

/// [`serve`] until `shutdown` completes; open requests are then given a
/// while to finish.
pub async fn serve_until(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let config = state.config.clone();
    let app = router(state);
    // A semaphore around accept: a connection over the cap is not taken off
    // the listen queue until another closes.
    let slots = Arc::new(tokio::sync::Semaphore::new(config.max_connections.max(1)));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(config.header_read_timeout);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(err) => {
                    // Out of file descriptors and the like: wait, do not spin.
                    tracing::warn!("accepting a connection failed: {err}");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let app = app.clone();
        let service = hyper::service::service_fn(
            move |mut request: hyper::Request<hyper::body::Incoming>| {
                request
                    .extensions_mut()
                    .insert(axum::extract::ConnectInfo(peer));
                tower::ServiceExt::oneshot(app.clone(), request)
            },
        );
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!("connection from {peer} ended: {err}");
            }
            drop(slot);
        });
    }
    let _ = tokio::time::timeout(std::time::Duration::from_secs(30), graceful.shutdown()).await;
    Ok(())
}
