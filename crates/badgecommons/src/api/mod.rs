//! The JSON API's shared parts: the OpenAPI document that describes every `/api/v1/` route (each
//! feature builds its own routes beside its pages), and who-am-I and member lookups.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use crate::accounts::store as accounts;
use crate::web::{AppState, Failure, Viewer};

/// The OpenAPI 3.1 description of `/api/v1/`, kept by hand beside the routes; a test checks that
/// every documented path answers.
pub const OPENAPI: &str = include_str!("openapi.json");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/me", get(me))
        .route("/api/v1/members/{username}", get(member))
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

async fn me(viewer: Viewer) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    Ok(Json(serde_json::json!({
        "id": member.id,
        "username": member.username,
        "role": member.role,
    }))
    .into_response())
}

async fn member(
    State(state): State<AppState>,
    Path(username): Path<String>,
) -> Result<Response, Failure> {
    let profile = accounts::profile(&state.db, &username)
        .await?
        .ok_or_else(|| Failure::not_found("member"))?;
    Ok(Json(serde_json::json!({
        "username": profile.username,
        "role": profile.role,
        "bio": profile.bio,
        "website": profile.website,
        "url": state.url(&format!("/u/{}", profile.username)),
    }))
    .into_response())
}
