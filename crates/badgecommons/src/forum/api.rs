//! The forum's part of the JSON API (`/api/v1/`), with the same rules as the pages: it calls the
//! same `posting` functions.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::model::{Post, Topic};
use super::posting;
use super::store;
use crate::accounts::model::{Member, Role};
use crate::web::{AppState, Failure, Viewer};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/categories", get(categories).post(create_category))
        .route("/api/v1/topics", get(topics).post(create_topic))
        .route("/api/v1/topics/{id}", get(topic))
        .route(
            "/api/v1/topics/{id}/posts",
            axum::routing::post(create_post),
        )
        .route("/api/v1/posts/{id}", patch(edit_post).delete(delete_post))
        .route("/api/v1/posts/{id}/revisions", get(revisions))
}

async fn categories(State(state): State<AppState>) -> Result<Response, Failure> {
    Ok(Json(store::categories(&state.db).await?).into_response())
}

#[derive(Deserialize)]
struct NewCategory {
    slug: String,
    name: String,
    #[serde(default)]
    description: String,
    /// The least role that may start topics (default: member).
    min_role_to_post: Option<Role>,
}

async fn create_category(
    State(state): State<AppState>,
    viewer: Viewer,
    Json(body): Json<NewCategory>,
) -> Result<Response, Failure> {
    viewer.require_admin()?;
    let category = crate::moderation::create_category(
        &state.db,
        &body.slug,
        &body.name,
        &body.description,
        body.min_role_to_post.unwrap_or(Role::Member),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(category)).into_response())
}

#[derive(Deserialize)]
struct TopicsQuery {
    category: Option<String>,
    page: Option<i64>,
}

#[derive(Serialize)]
struct TopicItem {
    id: i64,
    title: String,
    category: String,
    author: String,
    reply_count: i64,
    last_posted_at: String,
    pinned: bool,
    locked: bool,
    /// The member holding the token has not read the newest post (always false without one).
    unread: bool,
    url: String,
}

async fn topics(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<TopicsQuery>,
) -> Result<Response, Failure> {
    let category = match &q.category {
        Some(slug) => Some(
            store::category(&state.db, slug)
                .await?
                .ok_or_else(|| Failure::not_found("category"))?
                .id,
        ),
        None => None,
    };
    let mut list = store::topic_list(
        &state.db,
        category,
        viewer.member.as_ref().map(|m| m.id),
        q.page.unwrap_or(1),
    )
    .await?;
    list.truncate(store::TOPICS_PER_PAGE as usize);
    let items: Vec<TopicItem> = list
        .into_iter()
        .map(|t| TopicItem {
            url: state.url(&t.path),
            id: t.id,
            title: t.title,
            category: t.category_slug,
            author: t.author,
            reply_count: t.reply_count,
            last_posted_at: t.last_posted.iso(),
            pinned: t.pinned,
            locked: t.locked,
            unread: t.unread,
        })
        .collect();
    Ok(Json(serde_json::json!({ "topics": items })).into_response())
}

#[derive(Deserialize)]
struct NewTopicBody {
    category: String,
    title: String,
    body: String,
}

fn posted_json(state: &AppState, posted: &posting::Posted, with_number: bool) -> Response {
    let mut body = serde_json::json!({
        "id": if with_number { posted.post_id } else { posted.topic_id },
        "url": state.url(&posted.path),
        "awaiting_approval": posted.awaiting_approval,
    });
    if with_number {
        body["number"] = posted.number.into();
    } else {
        body["url"] = state.url(posted.path.trim_end_matches("#p1")).into();
    }
    (StatusCode::CREATED, Json(body)).into_response()
}

async fn create_topic(
    State(state): State<AppState>,
    viewer: Viewer,
    Json(body): Json<NewTopicBody>,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    let category = store::category(&state.db, &body.category)
        .await?
        .ok_or_else(|| Failure::Invalid(format!("There is no category {:?}.", body.category)))?;
    let posted = posting::start_topic(&state, member, &category, &body.title, &body.body).await?;
    Ok(posted_json(&state, &posted, false))
}

#[derive(Serialize)]
struct PostItem {
    id: i64,
    number: i64,
    author: String,
    body_html: String,
    created_at: String,
    edited_at: Option<String>,
    deleted: bool,
    hidden: bool,
    awaiting_approval: bool,
    /// How many members thanked it.
    thanks: i64,
}

fn visible_topic(topic: Option<Topic>, viewer: Option<&Member>) -> Result<Topic, Failure> {
    match topic {
        Some(t) if t.visible_to(viewer) => Ok(t),
        _ => Err(Failure::not_found("topic")),
    }
}

fn post_item(post: Post, viewer: Option<&Member>) -> PostItem {
    let staff = viewer.is_some_and(Member::is_staff);
    let own = viewer.is_some_and(|m| m.id == post.author_id);
    let show = post.is_public() || staff || (own && post.awaiting_approval && !post.deleted);
    PostItem {
        id: post.id,
        number: post.number,
        author: post.author,
        body_html: if show { post.body_html } else { String::new() },
        created_at: post.created.iso(),
        edited_at: post.edited.map(|e| e.iso()),
        deleted: post.deleted,
        hidden: post.hidden,
        awaiting_approval: post.awaiting_approval,
        thanks: post.thanks,
    }
}

async fn topic(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    let member = viewer.member.as_ref();
    let topic = visible_topic(store::topic(&state.db, id).await?, member)?;
    let posts: Vec<PostItem> = store::posts(&state.db, topic.id, i64::MAX)
        .await?
        .into_iter()
        .filter(|p| {
            !p.awaiting_approval || member.is_some_and(|m| m.is_staff() || m.id == p.author_id)
        })
        .map(|p| post_item(p, member))
        .collect();
    Ok(Json(serde_json::json!({
        "id": topic.id,
        "title": topic.title,
        "category": topic.category.slug,
        "url": state.url(&topic.path()),
        "locked": topic.locked,
        "pinned": topic.pinned,
        "posts": posts,
    }))
    .into_response())
}

#[derive(Deserialize)]
struct NewPostBody {
    body: String,
}

async fn create_post(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Json(body): Json<NewPostBody>,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    let topic = visible_topic(store::topic(&state.db, id).await?, Some(member))?;
    let posted = posting::reply(&state, member, &topic, &body.body).await?;
    Ok(posted_json(&state, &posted, true))
}

async fn find_post(
    state: &AppState,
    id: i64,
    viewer: Option<&Member>,
) -> Result<(Topic, Post), Failure> {
    let (topic_id, post) = store::post(&state.db, id)
        .await?
        .ok_or_else(|| Failure::not_found("post"))?;
    let topic = visible_topic(store::topic(&state.db, topic_id).await?, viewer)?;
    Ok((topic, post))
}

#[derive(Deserialize)]
struct EditBody {
    body: String,
    title: Option<String>,
}

async fn edit_post(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Json(body): Json<EditBody>,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    let (topic, post) = find_post(&state, id, Some(member)).await?;
    let path = posting::edit(
        &state,
        member,
        &topic,
        &post,
        body.title.as_deref(),
        &body.body,
    )
    .await?;
    Ok(Json(serde_json::json!({ "id": post.id, "url": state.url(&path) })).into_response())
}

async fn delete_post(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    let (_, post) = find_post(&state, id, Some(member)).await?;
    posting::set_deleted(&state, member, &post, true).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn revisions(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    let member = viewer.member.as_ref();
    let (_, post) = find_post(&state, id, member).await?;
    if !(post.is_public() || member.is_some_and(Member::is_staff)) {
        return Err(Failure::not_found("post"));
    }
    let revisions: Vec<serde_json::Value> = store::revisions(&state.db, id)
        .await?
        .into_iter()
        .map(|r| {
            serde_json::json!({
                "body": r.body_markdown,
                "written_at": r.written.iso(),
                "replaced_at": r.replaced.iso(),
                "replaced_by": r.replaced_by,
            })
        })
        .collect();
    Ok(
        Json(serde_json::json!({ "current": post.body_markdown, "revisions": revisions }))
            .into_response(),
    )
}
