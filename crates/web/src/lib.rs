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
mod evaluation;
mod i18n;
mod pages;
mod service;
mod session;
mod throttle;
mod thumbnail;

use std::sync::Arc;

use axum::Router;
use pantau_store::Store;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::{Expiry, SessionManagerLayer};

pub use api::openapi_document;
pub use client::{TrustedProxy, TrustedProxyError};
pub use error::PageError;

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
    /// Reverse proxies whose `X-Forwarded-For` names the client (for log-in
    /// throttling and the audit log); from anyone else the header is ignored.
    pub trusted_proxies: Vec<TrustedProxy>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            secure_cookies: false,
            evidence_dir: std::path::PathBuf::from("pantau-data/evidence"),
            max_evidence_bytes: 5 * 1024 * 1024,
            public_url: None,
            trusted_proxies: Vec::new(),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub config: Arc<Config>,
    pub i18n: Arc<i18n::Catalog>,
    pub evaluations: Arc<evaluation::Cache>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, config: Config) -> Self {
        // Made now rather than at the first unknown name, whose answer would
        // otherwise take twice as long as any other.
        pantau_store::password::dummy_hash();
        AppState {
            store,
            config: Arc::new(config),
            i18n: Arc::new(i18n::Catalog::load()),
            evaluations: Arc::new(evaluation::Cache::default()),
        }
    }
}

/// The whole application: pages, API, sessions.
pub fn router(state: AppState) -> Router {
    let sessions = SessionManagerLayer::new(session::DbSessionStore::new(state.store.clone()))
        .with_name("pantau_session")
        .with_http_only(true)
        .with_same_site(tower_sessions::cookie::SameSite::Lax)
        .with_secure(state.config.secure_cookies)
        .with_expiry(Expiry::OnInactivity(time::Duration::hours(12)));
    let body_limit = state.config.max_evidence_bytes + 64 * 1024;
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
        .layer(sessions)
        .layer(RequestBodyLimitLayer::new(body_limit))
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

/// Serve until the process is asked to stop.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}
