//! Accounts in the JSON API: tokens, signing up, the signed-in member's own account, public
//! member profiles, and invites. The same rules as the pages (`membership`).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::membership::{change_password, check_credentials, register, update_profile, SignUp};
use super::store;
use crate::web::{AppState, Failure, Viewer};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tokens", post(create_token).get(list_tokens))
        .route("/api/v1/tokens/{id}", delete(revoke_token))
        .route("/api/v1/members", post(sign_up))
        .route("/api/v1/members/{username}", get(member))
        .route("/api/v1/me", get(me).patch(update_me))
        .route("/api/v1/me/password", post(new_password))
        .route("/api/v1/invites", post(create_invite))
}

/// The longest label kept for a token.
const MAX_LABEL_CHARS: usize = 100;

fn label(text: Option<String>, default: &str) -> String {
    let text = text.unwrap_or_default();
    let text = text.trim();
    let text = if text.is_empty() { default } else { text };
    text.chars().take(MAX_LABEL_CHARS).collect()
}

#[derive(Deserialize)]
struct TokenRequest {
    username: String,
    password: String,
    label: Option<String>,
}

/// `POST /api/v1/tokens`: trades a username and password for a bearer token.
async fn create_token(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Json(request): Json<TokenRequest>,
) -> Result<Response, Failure> {
    state.limits.sign_in(client.ip())?;
    let member = check_credentials(&state, &request.username, &request.password)
        .await?
        .ok_or(Failure::BadCredentials)?;
    let token = store::create_api_token(&state.db, member.id, &label(request.label, "API")).await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "token": token })),
    )
        .into_response())
}

async fn list_tokens(State(state): State<AppState>, viewer: Viewer) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    let tokens: Vec<serde_json::Value> = store::api_tokens(&state.db, member.id)
        .await?
        .into_iter()
        .map(|t| {
            serde_json::json!({
                "id": t.id,
                "label": t.label,
                "created_at": crate::web::Stamp(t.created_at).iso(),
                "last_used_at": t.last_used_at.map(|at| crate::web::Stamp(at).iso()),
            })
        })
        .collect();
    Ok(Json(serde_json::json!({ "tokens": tokens })).into_response())
}

async fn revoke_token(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    if !store::revoke_api_token(&state.db, member.id, id).await? {
        return Err(Failure::not_found("token"));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /api/v1/members`: signs up by the community's rule and returns a first token.
async fn sign_up(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Json(request): Json<SignUp>,
) -> Result<Response, Failure> {
    state.limits.sign_up(client.ip())?;
    let username = request.username.trim();
    let mode = state.settings.signup;
    let user_id = register(
        &state,
        mode,
        username,
        request.email.trim(),
        &request.password,
        request.invite.as_deref(),
    )
    .await?;
    let member = store::member_by_id(&state.db, user_id)
        .await?
        .ok_or_else(|| Failure::not_found("member"))?;
    let token = store::create_api_token(&state.db, user_id, "sign-up").await?;
    let body = serde_json::json!({
        "username": member.username,
        "approved": member.approved,
        "token": token,
        "url": state.url(&format!("/u/{}", member.username)),
    });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

async fn member(
    State(state): State<AppState>,
    Path(username): Path<String>,
) -> Result<Response, Failure> {
    let profile = store::profile(&state.db, &username)
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

async fn me(viewer: Viewer) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    Ok(Json(serde_json::json!({
        "id": member.id,
        "username": member.username,
        "role": member.role,
        "approved": member.approved,
    }))
    .into_response())
}

#[derive(Deserialize)]
struct ProfileRequest {
    bio: Option<String>,
    website: Option<String>,
}

/// `PATCH /api/v1/me`: changes the fields given, keeps the others.
async fn update_me(
    State(state): State<AppState>,
    viewer: Viewer,
    Json(request): Json<ProfileRequest>,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    let current = store::profile(&state.db, &member.username)
        .await?
        .ok_or_else(|| Failure::not_found("member"))?;
    let bio = request.bio.unwrap_or(current.bio);
    let website = request.website.unwrap_or(current.website);
    update_profile(&state, member, &bio, &website).await?;
    Ok(Json(serde_json::json!({ "username": member.username, "bio": bio.trim(), "website": website.trim() })).into_response())
}

#[derive(Deserialize)]
struct PasswordRequest {
    current_password: String,
    new_password: String,
}

/// `POST /api/v1/me/password`: ends every browser session; API tokens stay valid until revoked.
async fn new_password(
    State(state): State<AppState>,
    viewer: Viewer,
    Json(request): Json<PasswordRequest>,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    change_password(
        &state,
        member,
        &request.current_password,
        &request.new_password,
        None,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /api/v1/invites` (admins): a single-use invite code.
async fn create_invite(State(state): State<AppState>, viewer: Viewer) -> Result<Response, Failure> {
    let admin = viewer.require_admin()?;
    let code = store::create_invite(&state.db, admin.id).await?;
    let url = state.url(&format!("/signup?invite={code}"));
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "code": code, "url": url })),
    )
        .into_response())
}
