//! Thanks: a member appreciates someone else's post, once per post, and may take it back. The
//! count shows on each post; thanks received are one of the things award rules count, so giving
//! thanks evaluates the post's author (`recognition::rules::after_thanks`).
//!
//! Pages post a small form per post (`/p/{id}/thank`, `/p/{id}/unthank`); the API has
//! `POST /api/v1/posts/{id}/thanks` (201 when new, 200 when already given) and `DELETE` (204).

use std::collections::HashSet;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::{Json, Router};
use sqlx::Row;

use super::model::{Post, Topic};
use super::store;
use crate::accounts::model::Member;
use crate::store::{now, Db};
use crate::web::{AppState, Failure, Viewer};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/p/{id}/thank", post(thank_form))
        .route("/p/{id}/unthank", post(unthank_form))
        .route(
            "/api/v1/posts/{id}/thanks",
            post(thank_api).delete(unthank_api),
        )
}

/// Records `user_id`'s thanks for `post_id`; false when they had already thanked it.
pub async fn give(db: &Db, post_id: i64, user_id: i64) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "INSERT INTO post_thanks (post_id, user_id, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (post_id, user_id) DO NOTHING",
    )
    .bind(post_id)
    .bind(user_id)
    .bind(now())
    .execute(db.pool())
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Takes back `user_id`'s thanks for `post_id` (nothing happens when there were none).
pub async fn take_back(db: &Db, post_id: i64, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM post_thanks WHERE post_id = $1 AND user_id = $2")
        .bind(post_id)
        .bind(user_id)
        .execute(db.pool())
        .await?;
    Ok(())
}

pub async fn count(db: &Db, post_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COUNT(*) AS n FROM post_thanks WHERE post_id = $1")
        .bind(post_id)
        .fetch_one(db.pool())
        .await?
        .try_get("n")
}

/// The posts of a topic that `user_id` has thanked.
pub async fn thanked_in_topic(
    db: &Db,
    topic_id: i64,
    user_id: i64,
) -> Result<HashSet<i64>, sqlx::Error> {
    sqlx::query(
        "SELECT t.post_id FROM post_thanks t JOIN posts p ON p.id = t.post_id
         WHERE p.topic_id = $1 AND t.user_id = $2",
    )
    .bind(topic_id)
    .bind(user_id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|row| row.try_get("post_id"))
    .collect()
}

/// Whether `member` may thank `post`: someone else's post that everyone can read.
pub fn may_thank(member: &Member, post: &Post) -> Result<(), Failure> {
    if post.author_id == member.id {
        return Err(Failure::Forbidden(
            "You cannot thank your own post.".to_string(),
        ));
    }
    if !post.is_public() {
        return Err(Failure::Forbidden(
            "This post cannot be thanked: it is deleted, hidden or waiting for approval."
                .to_string(),
        ));
    }
    if !member.approved || member.is_suspended(now()) {
        return Err(Failure::Forbidden(
            "Your account cannot thank posts now (it is suspended or not yet approved)."
                .to_string(),
        ));
    }
    Ok(())
}

/// The post and its topic, when the viewer may see the topic.
async fn find(state: &AppState, id: i64, member: &Member) -> Result<(Topic, Post), Failure> {
    let (topic_id, post) = store::post(&state.db, id)
        .await?
        .ok_or_else(|| Failure::not_found("post"))?;
    let topic = store::topic(&state.db, topic_id)
        .await?
        .filter(|t| t.visible_to(Some(member)))
        .ok_or_else(|| Failure::not_found("post"))?;
    Ok((topic, post))
}

/// Thanks a post; returns whether the thanks is new. A new thanks evaluates the award rules
/// for the post's author, after it is stored and without failing the thanks.
async fn thank(state: &AppState, member: &Member, post: &Post) -> Result<bool, Failure> {
    may_thank(member, post)?;
    let new = give(&state.db, post.id, member.id).await?;
    if new {
        crate::recognition::rules::after_thanks(state, post.author_id).await;
    }
    Ok(new)
}

async fn thank_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    let (topic, post) = find(&state, id, member).await?;
    thank(&state, member, &post).await?;
    Ok(Redirect::to(&format!("{}#p{}", topic.path(), post.number)).into_response())
}

async fn unthank_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    let (topic, post) = find(&state, id, member).await?;
    take_back(&state.db, post.id, member.id).await?;
    Ok(Redirect::to(&format!("{}#p{}", topic.path(), post.number)).into_response())
}

async fn thank_api(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    let (_, post) = find(&state, id, member).await?;
    let new = thank(&state, member, &post).await?;
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let body = serde_json::json!({
        "post_id": post.id,
        "thanked": true,
        "thanks": count(&state.db, post.id).await?,
    });
    Ok((status, Json(body)).into_response())
}

async fn unthank_api(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    let (_, post) = find(&state, id, member).await?;
    take_back(&state.db, post.id, member.id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
