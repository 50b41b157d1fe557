//! The web shell: the router that merges every feature's routes, the layers every request passes
//! (metrics, CSRF, body limits, failure pages, panic safety net), the shared page layout, and
//! the server's start and graceful stop.

mod csrf;
mod failure;
mod metrics;
pub mod multipart;
pub mod negotiate;
mod rate_limit;
mod stamp;
mod viewer;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{middleware, Router};
use tokio::net::TcpListener;
use tower::{Layer, ServiceExt};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

pub use failure::Failure;
pub use rate_limit::RateLimits;
pub use stamp::Stamp;
pub use viewer::{Chrome, Viewer, SESSION_COOKIE};

use crate::config::Settings;
use crate::net::{FetchError, GuardedClient};
use crate::recognition::issuer::{Issuer, IssuerError};
use crate::store::Db;

/// The largest request body accepted (forms and JSON): a long post fits many times over.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The largest body of the routes that take an uploaded image: the image
/// (`recognition::MAX_IMAGE_BYTES`) and the form fields around it.
pub const MAX_UPLOAD_BYTES: usize = crate::recognition::MAX_IMAGE_BYTES + 64 * 1024;

/// The largest body accepted on `path`: uploads are allowed only where they are expected, so that
/// every other route keeps the smaller limit.
pub fn body_limit(path: &str) -> usize {
    if crate::recognition::UPLOAD_PATHS.contains(&path)
        || crate::recognition::bulk_awards::is_upload_path(path)
        || crate::backpack::UPLOAD_PATHS.contains(&path)
    {
        MAX_UPLOAD_BYTES
    } else {
        MAX_BODY_BYTES
    }
}

/// What every handler can reach.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    pub limits: RateLimits,
    /// Topic pages as signed-out readers see them (see `forum::TopicPageCache`).
    pub topic_pages: Arc<crate::forum::TopicPageCache>,
    /// The one outbound HTTP client, guarded by `settings.fetch` (see `net`).
    pub fetcher: Arc<GuardedClient>,
    /// The community's did:web identity and signing keys (see `recognition::issuer`).
    pub issuer: Arc<Issuer>,
    /// The email outbox's sender and its wake-up bell (see `jobs::outbox`).
    pub outbox: Arc<crate::jobs::outbox::Outbox>,
}

/// Why the application cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot build the outbound HTTP client: {0}")]
    Fetcher(#[from] FetchError),
    #[error("cannot set up the issuer's keys: {0}")]
    Issuer(#[from] IssuerError),
    #[error("cannot set up outgoing mail: {0}")]
    Mail(#[from] crate::jobs::outbox::MailSetupError),
}

impl AppState {
    /// Fails when the outbound HTTP client cannot be built (its TLS setup) or the issuer's keys
    /// cannot be read or made: both must stop the server at start-up rather than fail every
    /// verification or award later.
    pub fn new(db: Db, settings: Settings) -> Result<AppState, StartError> {
        Ok(AppState {
            limits: RateLimits::new(&settings.limits),
            topic_pages: Arc::default(),
            fetcher: Arc::new(GuardedClient::new(settings.fetch.clone())?),
            issuer: Arc::new(Issuer::load_or_create(
                &settings.data_dir,
                &settings.public_url,
            )?),
            outbox: Arc::new(crate::jobs::outbox::Outbox::new(&settings)?),
            settings: Arc::new(settings),
            db,
        })
    }

    /// An absolute URL for a path on this site.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.settings.public_url, path)
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
        .merge(crate::recognition::routes())
        .merge(crate::backpack::routes())
        .merge(crate::planet::routes())
        .merge(crate::webmention::routes())
        .merge(crate::indieauth::routes())
        .merge(crate::api::routes())
        .fallback(not_found)
        // Every page advertises the Webmention endpoint (`Link` header; the layout has `<link>`).
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::webmention::advertise,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            csrf::protect_forms,
        ))
        .layer(middleware::from_fn(limit_body))
        // `limit_body` bounds every body; axum's own 2 MB default for extractors would only
        // cut uploads short of the limit chosen for their route.
        .layer(DefaultBodyLimit::disable())
        .layer(middleware::from_fn(failure::present_failures))
        .layer(CatchPanicLayer::new())
        .layer(middleware::from_fn(metrics::record))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Applies [`body_limit`] to the request: a declared length over it is refused at once with a
/// message saying the limit; a body without a declared length is cut off at the limit.
async fn limit_body(request: Request, next: Next) -> Response {
    let limit = body_limit(request.uri().path());
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        let message = if crate::recognition::bulk_awards::is_upload_path(request.uri().path()) {
            format!(
                "The upload is too large: a CSV of recipients may be at most {} MB.",
                crate::recognition::bulk_awards::MAX_BYTES / (1024 * 1024)
            )
        } else if limit == MAX_UPLOAD_BYTES {
            format!(
                "The upload is too large: a badge image may be at most {} MB.",
                crate::recognition::MAX_IMAGE_BYTES / (1024 * 1024)
            )
        } else {
            format!(
                "The request is too large: at most {} KB is accepted.",
                limit / 1024
            )
        };
        return (StatusCode::PAYLOAD_TOO_LARGE, message).into_response();
    }
    let next = next.map_request(|request: Request<_>| request.map(Body::new));
    match RequestBodyLimitLayer::new(limit)
        .layer(next)
        .oneshot(request)
        .await
    {
        Ok(response) => response.map(Body::new),
        Err(never) => match never {},
    }
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
            state.settings.public_url
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
