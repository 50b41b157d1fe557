//! The JSON API's description: the OpenAPI document of every `/api/v1/` route. Each feature
//! builds its own API routes beside its pages (`accounts/api.rs`, `forum/api.rs`, ...).

use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::web::AppState;

/// The OpenAPI 3.1 description of `/api/v1/`, kept by hand beside the routes; `tests/openapi.rs`
/// checks that it and the routes agree both ways.
pub const OPENAPI: &str = include_str!("openapi.json");

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/openapi.json", get(openapi))
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}
