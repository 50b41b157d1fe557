//! The web shell: the router that merges every feature's routes, the layers every request passes
//! (metrics, CSRF, body limits, failure pages, panic safety net), the shared page layout, and
//! the server's start and graceful stop.

mod csrf;
mod failure;
mod metrics;
mod rate_limit;
mod stamp;
mod viewer;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{middleware, Router};
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

pub use failure::Failure;
pub use rate_limit::RateLimits;
pub use stamp::Stamp;
pub use viewer::{Chrome, Viewer, SESSION_COOKIE};

use crate::config::Settings;
use crate::store::Db;

/// The largest request body accepted (forms and JSON): a long post fits many times over.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What every handler can reach.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    pub limits: RateLimits,
    /// Topic pages as signed-out readers see them (see `forum::TopicPageCache`).
    pub topic_pages: Arc<crate::forum::TopicPageCache>,
}

impl AppState {
    pub fn new(db: Db, settings: Settings) -> AppState {
        AppState {
            limits: RateLimits::new(&settings.limits),
            topic_pages: Arc::default(),
            settings: Arc::new(settings),
            db,
        }
    }

    /// An absolute URL for a path on this site.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.settings.base_url, path)
    }
}

/// The whole application as one router.
pub fn router(state: AppState) -> Router {
    metrics::install();
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics::metrics_page))
        .route("/robots.txt", get(robots))
        .route("/static/style.css", get(stylesheet))
        .merge(crate::accounts::routes())
        .merge(crate::forum::routes())
        .merge(crate::moderation::routes())
        .merge(crate::notifications::routes())
        .merge(crate::search::routes())
        .merge(crate::api::routes())
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            csrf::protect_forms,
        ))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(middleware::from_fn(failure::present_failures))
        .layer(CatchPanicLayer::new())
        .layer(middleware::from_fn(metrics::record))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

async fn not_found() -> Failure {
    Failure::NotFound("There is no page at this address.".to_string())
}

async fn healthz(axum::extract::State(state): axum::extract::State<AppState>) -> impl IntoResponse {
    match sqlx::query("SELECT 1").execute(state.db.pool()).await {
        Ok(_) => (StatusCode::OK, "ok"),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable"),
    }
}

async fn robots(axum::extract::State(state): axum::extract::State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!(
            "User-agent: *\nDisallow: /signin\nDisallow: /signup\nDisallow: /account\nDisallow: /mod\nDisallow: /admin\nDisallow: /search\nSitemap: {}/sitemap.xml\n",
            state.settings.base_url
        ),
    )
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("static/style.css"),
    )
}

/// Serves until SIGTERM or Ctrl-C, then lets requests in flight finish.
pub async fn serve(listener: TcpListener, state: AppState) -> std::io::Result<()> {
    let db = state.db.clone();
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await;
    // Give the pool a moment to close cleanly (SQLite checkpoints its WAL on close).
    let _ = tokio::time::timeout(Duration::from_secs(5), db.close()).await;
    result
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// Renders a page.
pub fn render(template: &impl askama::Template) -> Result<axum::response::Response, Failure> {
    Ok(axum::response::Html(template.render()?).into_response())
}

/// Renders a form again with the problem that stopped it, under a 4xx status.
pub fn render_rejected(
    status: StatusCode,
    template: &impl askama::Template,
) -> Result<axum::response::Response, Failure> {
    Ok((status, axum::response::Html(template.render()?)).into_response())
}

/// A local path to go to after a form, never another site (an open redirect).
pub fn local_path(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path.to_string()
        }
        _ => "/".to_string(),
    }
}
