//! Moderation in the JSON API: the same actions as the pages, for bearer-token clients.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::actions;
use super::store;
use crate::web::{AppState, Failure, Viewer};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/posts/{id}/flags", post(flag))
        .route("/api/v1/posts/{id}/{action}", post(post_action))
        .route("/api/v1/topics/{id}/move", post(move_topic))
        .route("/api/v1/topics/{id}/{action}", post(topic_action))
        .route("/api/v1/members/{username}/suspension", post(suspend))
        .route("/api/v1/members/{username}/approval", post(approve_member))
        .route("/api/v1/flags", get(open_flags))
        .route("/api/v1/flags/{id}/resolution", post(resolve_flag))
        .route("/api/v1/queue", get(queue))
        .route("/api/v1/audit", get(audit_log))
}

#[derive(Deserialize)]
struct FlagBody {
    reason: String,
}

async fn flag(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Json(body): Json<FlagBody>,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    let flag_id = actions::flag_post(&state, member, id, &body.reason).await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "id": flag_id })),
    )
        .into_response())
}

async fn post_action(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, action)): Path<(i64, String)>,
) -> Result<Response, Failure> {
    let moderator = viewer.require_staff()?;
    actions::post_action(&state, moderator, id, &action).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn topic_action(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, action)): Path<(i64, String)>,
) -> Result<Response, Failure> {
    let moderator = viewer.require_staff()?;
    actions::topic_action(&state, moderator, id, &action).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
struct MoveBody {
    category: String,
}

async fn move_topic(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Json(body): Json<MoveBody>,
) -> Result<Response, Failure> {
    let moderator = viewer.require_staff()?;
    actions::move_topic(&state, moderator, id, &body.category).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
struct SuspendBody {
    days: u32,
    #[serde(default)]
    reason: String,
}

async fn suspend(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(username): Path<String>,
    Json(body): Json<SuspendBody>,
) -> Result<Response, Failure> {
    let moderator = viewer.require_staff()?;
    actions::suspend(&state, moderator, &username, body.days, &body.reason).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn open_flags(State(state): State<AppState>, viewer: Viewer) -> Result<Response, Failure> {
    viewer.require_staff()?;
    Ok(Json(serde_json::json!({ "flags": store::open_flags(&state.db).await? })).into_response())
}

async fn audit_log(State(state): State<AppState>, viewer: Viewer) -> Result<Response, Failure> {
    viewer.require_staff()?;
    let entries: Vec<serde_json::Value> = store::audit_log(&state.db, 500)
        .await?
        .into_iter()
        .map(|e| serde_json::json!({ "actor": e.actor, "action": e.action, "target": e.target, "detail": e.detail, "at": e.at.iso() }))
        .collect();
    Ok(Json(serde_json::json!({ "entries": entries })).into_response())
}

/// `POST /api/v1/members/{username}/approval`: lets an account that waits for approval post.
async fn approve_member(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(username): Path<String>,
) -> Result<Response, Failure> {
    let moderator = viewer.require_staff()?;
    let member = crate::accounts::store::member_by_username(&state.db, &username)
        .await?
        .ok_or_else(|| Failure::not_found("member"))?;
    actions::approve_member(&state, moderator, member.id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
struct ResolutionBody {
    #[serde(default)]
    resolution: String,
}

/// `POST /api/v1/flags/{id}/resolution`: closes a flag (after acting on the post, or dismissing it).
async fn resolve_flag(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Json(body): Json<ResolutionBody>,
) -> Result<Response, Failure> {
    let moderator = viewer.require_staff()?;
    let resolution = if body.resolution.trim().is_empty() {
        "resolved"
    } else {
        body.resolution.trim()
    };
    actions::resolve_flag(&state, moderator, id, resolution).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /api/v1/queue`: everything waiting for a moderator, as on `/mod`.
async fn queue(State(state): State<AppState>, viewer: Viewer) -> Result<Response, Failure> {
    viewer.require_staff()?;
    let members: Vec<serde_json::Value> = crate::accounts::store::pending_members(&state.db)
        .await?
        .into_iter()
        .map(|(_, username, created)| serde_json::json!({ "username": username, "created_at": crate::web::Stamp(created).iso() }))
        .collect();
    Ok(Json(serde_json::json!({
        "flags": store::open_flags(&state.db).await?,
        "pending_posts": store::pending_posts(&state.db).await?,
        "pending_members": members,
    }))
    .into_response())
}
