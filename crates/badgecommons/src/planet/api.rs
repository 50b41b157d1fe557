//! The planet's part of the JSON API, with the same rules as the pages.
//!
//! `POST /api/v1/planet/subscriptions` adds the feed the connect page would pre-check (the URL
//! itself when it is a feed, else the site's first `rel=alternate` feed, else its h-feed): one
//! feed, because a site's RSS and Atom feeds carry the same posts. The answer's `id` is that
//! feed's id. Adding a feed the same member already has answers 201 with the existing feed.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::river::{self, PER_PAGE};
use super::routes::{owner_for, RiverParams};
use super::{start_first_fetch, subscriptions};
use crate::web::{AppState, Failure, Viewer};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/planet/subscriptions", post(subscribe))
        .route("/api/v1/planet/entries", get(entries))
}

#[derive(Deserialize)]
struct NewSubscription {
    url: String,
    member: Option<String>,
}

async fn subscribe(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    viewer: Viewer,
    Json(body): Json<NewSubscription>,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    // Connecting makes the server fetch from another site, as `/verify` does: same limit.
    state.limits.verify(client.ip())?;
    let owner = owner_for(&state, member, body.member.as_deref()).await?;
    let found = subscriptions::find(&*state.fetcher, &body.url).await?;
    let Some(feed) = found.feeds.first() else {
        return Err(Failure::Invalid(format!("No feed found at {}.", body.url)));
    };
    let added = subscriptions::add_feed(
        &state.db,
        &feed.url,
        Some(&found.page_url),
        feed.title.as_deref(),
        owner,
        Some(member.id),
    )
    .await?;
    if added.new {
        start_first_fetch(&state, added.id).await;
    }
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({
            "id": added.id,
            "feeds": [{ "url": added.url, "format": feed.format }],
        })),
    )
        .into_response())
}

async fn entries(
    State(state): State<AppState>,
    Query(params): Query<RiverParams>,
) -> Result<Response, Failure> {
    let query = params.query();
    let (entries, more) = river::river(&state.db, &query, PER_PAGE).await?;
    let items: Vec<serde_json::Value> = entries
        .iter()
        .map(|e| {
            serde_json::json!({
                "id": e.id,
                "title": e.title,
                "url": e.url,
                "author": e.author(),
                "published": e.published.iso(),
                "summary_html": e.summary_html,
                "tags": e.tags,
            })
        })
        .collect();
    let mut body = serde_json::json!({ "entries": items });
    if more {
        body["next_page"] = (query.page + 1).into();
    }
    Ok(Json(body).into_response())
}
