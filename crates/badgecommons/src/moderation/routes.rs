//! The moderation and admin pages.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::actions;
use super::store::{self, AuditEntry, OpenFlag, PendingPost};
use crate::accounts::model::Role;
use crate::accounts::store as accounts;
use crate::forum::{self, Category};
use crate::web::{render, AppState, Chrome, Failure, Stamp, Viewer};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/p/{id}/flag", get(flag_page).post(flag))
        .route("/mod", get(queue_page))
        .route("/mod/audit", get(audit_page))
        .route("/mod/flags/{id}/resolve", post(resolve_flag))
        .route("/mod/posts/{id}/{action}", post(post_action))
        .route("/mod/topics/{id}/move", post(move_topic))
        .route("/mod/topics/{id}/{action}", post(topic_action))
        .route("/mod/members/{id}/approve", post(approve_member))
        .route("/mod/suspend", post(suspend))
        .route("/admin", get(admin_page))
        .route("/admin/categories", post(create_category))
        .route("/admin/invites", post(create_invite))
}

#[derive(Template)]
#[template(path = "moderation/templates/flag.html")]
struct FlagPage {
    chrome: Chrome,
    post_id: i64,
    back: String,
    done: bool,
}

async fn flag_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    viewer.require_member()?;
    let (topic_id, post) = forum::store::post(&state.db, id)
        .await?
        .ok_or_else(|| Failure::not_found("post"))?;
    let topic = forum::store::topic(&state.db, topic_id)
        .await?
        .ok_or_else(|| Failure::not_found("topic"))?;
    render(&FlagPage {
        chrome: viewer
            .chrome(&state, "Flag a post", &format!("/p/{id}/flag"))
            .await?,
        post_id: id,
        back: format!("{}#p{}", topic.path(), post.number),
        done: false,
    })
}

#[derive(Deserialize)]
struct FlagForm {
    reason: String,
}

async fn flag(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<FlagForm>,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    actions::flag_post(&state, member, id, &form.reason).await?;
    render(&FlagPage {
        chrome: viewer
            .chrome(&state, "Flag a post", &format!("/p/{id}/flag"))
            .await?,
        post_id: id,
        back: format!("/p/{id}"),
        done: true,
    })
}

#[derive(Template)]
#[template(path = "moderation/templates/queue.html")]
struct QueuePage {
    chrome: Chrome,
    flags: Vec<OpenFlag>,
    pending_posts: Vec<PendingPost>,
    pending_members: Vec<(i64, String, i64)>,
}

impl QueuePage {
    fn stamp(&self, at: &i64) -> String {
        Stamp(*at).human()
    }
}

async fn queue_page(State(state): State<AppState>, viewer: Viewer) -> Result<Response, Failure> {
    viewer.require_staff()?;
    render(&QueuePage {
        chrome: viewer.chrome(&state, "Moderation", "/mod").await?,
        flags: store::open_flags(&state.db).await?,
        pending_posts: store::pending_posts(&state.db).await?,
        pending_members: accounts::pending_members(&state.db).await?,
    })
}

#[derive(Template)]
#[template(path = "moderation/templates/audit.html")]
struct AuditPage {
    chrome: Chrome,
    entries: Vec<AuditEntry>,
}

async fn audit_page(State(state): State<AppState>, viewer: Viewer) -> Result<Response, Failure> {
    viewer.require_staff()?;
    render(&AuditPage {
        chrome: viewer.chrome(&state, "Audit log", "/mod/audit").await?,
        entries: store::audit_log(&state.db, 500).await?,
    })
}

#[derive(Deserialize)]
struct ResolveForm {
    resolution: Option<String>,
}

async fn resolve_flag(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<ResolveForm>,
) -> Result<Response, Failure> {
    let moderator = viewer.require_staff()?;
    actions::resolve_flag(
        &state,
        moderator,
        id,
        form.resolution.as_deref().unwrap_or("resolved"),
    )
    .await?;
    Ok(Redirect::to("/mod").into_response())
}

async fn post_action(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, action)): Path<(i64, String)>,
) -> Result<Response, Failure> {
    let moderator = viewer.require_staff()?;
    actions::post_action(&state, moderator, id, &action).await?;
    Ok(Redirect::to(&format!("/p/{id}")).into_response())
}

async fn topic_action(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, action)): Path<(i64, String)>,
) -> Result<Response, Failure> {
    let moderator = viewer.require_staff()?;
    actions::topic_action(&state, moderator, id, &action).await?;
    Ok(Redirect::to(&format!("/t/{id}")).into_response())
}

#[derive(Deserialize)]
struct MoveForm {
    category: String,
}

async fn move_topic(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<MoveForm>,
) -> Result<Response, Failure> {
    let moderator = viewer.require_staff()?;
    actions::move_topic(&state, moderator, id, &form.category).await?;
    Ok(Redirect::to(&format!("/t/{id}")).into_response())
}

async fn approve_member(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    let moderator = viewer.require_staff()?;
    actions::approve_member(&state, moderator, id).await?;
    Ok(Redirect::to("/mod").into_response())
}

#[derive(Deserialize)]
struct SuspendForm {
    username: String,
    days: u32,
    reason: String,
}

async fn suspend(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<SuspendForm>,
) -> Result<Response, Failure> {
    let moderator = viewer.require_staff()?;
    actions::suspend(&state, moderator, &form.username, form.days, &form.reason).await?;
    Ok(Redirect::to("/mod/audit").into_response())
}

#[derive(Template)]
#[template(path = "moderation/templates/admin.html")]
struct AdminPage {
    chrome: Chrome,
    categories: Vec<Category>,
    invite: Option<String>,
    invite_url: String,
}

async fn admin_view(
    state: &AppState,
    viewer: &Viewer,
    invite: Option<String>,
) -> Result<AdminPage, Failure> {
    viewer.require_admin()?;
    Ok(AdminPage {
        chrome: viewer.chrome(state, "Admin", "/admin").await?,
        categories: forum::store::categories(&state.db).await?,
        invite_url: invite
            .as_ref()
            .map(|code| state.url(&format!("/signup?invite={code}")))
            .unwrap_or_default(),
        invite,
    })
}

async fn admin_page(State(state): State<AppState>, viewer: Viewer) -> Result<Response, Failure> {
    render(&admin_view(&state, &viewer, None).await?)
}

#[derive(Deserialize)]
struct CategoryForm {
    slug: String,
    name: String,
    description: String,
    min_role_to_post: Role,
}

async fn create_category(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<CategoryForm>,
) -> Result<Response, Failure> {
    viewer.require_admin()?;
    let category = actions::create_category(
        &state.db,
        &form.slug,
        &form.name,
        &form.description,
        form.min_role_to_post,
    )
    .await?;
    Ok(Redirect::to(&format!("/c/{}", category.slug)).into_response())
}

async fn create_invite(State(state): State<AppState>, viewer: Viewer) -> Result<Response, Failure> {
    let admin = viewer.require_admin()?;
    let code = accounts::create_invite(&state.db, admin.id).await?;
    render(&admin_view(&state, &viewer, Some(code)).await?)
}
