//! The forum's pages.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::model::{Category, Post, Revision, Topic, TopicSummary};
use super::posting::{self, MAX_TITLE_CHARS};
use super::store::{self, TOPICS_PER_PAGE};
use crate::accounts::model::Member;
use crate::web::{render, render_rejected, AppState, Chrome, Failure, Viewer};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(latest_page))
        .route("/c/{slug}", get(category_page))
        .route("/t/{id}", get(topic_redirect))
        .route("/t/{id}/{slug}", get(topic_page))
        .route("/t/{id}/{slug}/reply", get(reply_page))
        .route("/t/{id}/reply", post(reply))
        .route("/new-topic", get(new_topic_page).post(new_topic))
        .route("/p/{id}", get(post_redirect))
        .route("/p/{id}/edit", get(edit_page).post(edit))
        .route("/p/{id}/history", get(history_page))
        .route("/p/{id}/delete", post(delete))
        .route("/p/{id}/restore", post(restore))
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "forum/templates/topic_list.html")]
struct TopicListPage {
    chrome: Chrome,
    heading: String,
    description: String,
    categories: Vec<Category>,
    category: Option<Category>,
    topics: Vec<TopicSummary>,
    page: i64,
    more: bool,
    base_path: String,
}

/// Fetches one page of topics; `more` tells whether a next page exists.
async fn topic_page_of(
    state: &AppState,
    category: Option<&Category>,
    viewer: &Viewer,
    page: i64,
) -> Result<(Vec<TopicSummary>, bool), Failure> {
    let mut topics = store::topic_list(
        &state.db,
        category.map(|c| c.id),
        viewer.member.as_ref().map(|m| m.id),
        page,
    )
    .await?;
    let more = topics.len() as i64 > TOPICS_PER_PAGE;
    topics.truncate(TOPICS_PER_PAGE as usize);
    Ok((topics, more))
}

async fn latest_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<PageQuery>,
) -> Result<Response, Failure> {
    let page = q.page.unwrap_or(1).max(1);
    let (topics, more) = topic_page_of(&state, None, &viewer, page).await?;
    let chrome = viewer
        .chrome(&state, "Latest topics", "/")
        .await?
        .with_description("Latest topics across all categories");
    render(&TopicListPage {
        chrome,
        heading: "Latest topics".to_string(),
        description: String::new(),
        categories: store::categories(&state.db).await?,
        category: None,
        topics,
        page,
        more,
        base_path: "/".to_string(),
    })
}

async fn category_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, Failure> {
    let category = store::category(&state.db, &slug)
        .await?
        .ok_or_else(|| Failure::not_found("category"))?;
    let page = q.page.unwrap_or(1).max(1);
    let (topics, more) = topic_page_of(&state, Some(&category), &viewer, page).await?;
    let path = format!("/c/{}", category.slug);
    let chrome = viewer
        .chrome(&state, category.name.clone(), &path)
        .await?
        .with_feed(&format!("{path}/feed.atom"))
        .with_description(&category.description);
    render(&TopicListPage {
        chrome,
        heading: category.name.clone(),
        description: category.description.clone(),
        categories: store::categories(&state.db).await?,
        category: Some(category),
        topics,
        page,
        more,
        base_path: path,
    })
}

async fn find_topic(state: &AppState, id: i64, viewer: &Viewer) -> Result<Topic, Failure> {
    let topic = store::topic(&state.db, id)
        .await?
        .ok_or_else(|| Failure::not_found("topic"))?;
    if !topic.visible_to(viewer.member.as_ref()) {
        let reason = if topic.deleted {
            "This topic was deleted."
        } else {
            "No such topic."
        };
        return Err(Failure::NotFound(reason.to_string()));
    }
    Ok(topic)
}

async fn topic_redirect(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    let topic = find_topic(&state, id, &viewer).await?;
    Ok(Redirect::permanent(&topic.path()).into_response())
}

/// A post with what this viewer may see and do with it.
struct PostView {
    post: Post,
    show_body: bool,
    can_edit: bool,
    can_delete: bool,
    can_restore: bool,
    can_moderate: bool,
    /// The viewer may thank it (someone else's public post).
    can_thank: bool,
    /// The viewer has thanked it.
    thanked: bool,
}

impl PostView {
    fn new(post: Post, viewer: Option<&Member>, topic_locked: bool) -> PostView {
        let staff = viewer.is_some_and(Member::is_staff);
        let own = viewer.is_some_and(|m| m.id == post.author_id);
        PostView {
            show_body: post.is_public()
                || staff
                || (own && post.awaiting_approval && !post.deleted),
            can_edit: !post.deleted && (staff || (own && !topic_locked)),
            can_delete: !post.deleted && (staff || own),
            can_restore: post.deleted && staff,
            can_moderate: staff,
            can_thank: viewer.is_some() && !own && post.is_public(),
            thanked: false,
            post,
        }
    }
}

#[derive(Template)]
#[template(path = "forum/templates/topic.html")]
struct TopicPage {
    chrome: Chrome,
    topic: Topic,
    posts: Vec<PostView>,
    can_reply: bool,
    signed_in: bool,
    topic_url: String,
    categories: Vec<Category>,
    /// Replies, likes and mentions from other sites (see `webmention`).
    webmentions: crate::webmention::InThread,
}

async fn topic_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, slug)): Path<(i64, String)>,
) -> Result<Response, Failure> {
    let topic = find_topic(&state, id, &viewer).await?;
    if slug != topic.slug {
        return Ok(Redirect::permanent(&topic.path()).into_response());
    }
    let member = viewer.member.as_ref();
    if member.is_none() {
        if let Some(html) = state.topic_pages.get(topic.id, topic.revision) {
            return Ok(Html(html).into_response());
        }
    }
    let last_read = match member {
        Some(m) => store::last_read(&state.db, m.id, topic.id).await?,
        None => i64::MAX,
    };
    let posts = store::posts(&state.db, topic.id, last_read).await?;
    if let (Some(m), Some(newest)) = (member, posts.last()) {
        store::mark_read(&state.db, m.id, topic.id, newest.number).await?;
    }
    let description = posts
        .first()
        .filter(|p| p.is_public())
        .map(|p| p.body_markdown.clone())
        .unwrap_or_default();
    let thanked = match member {
        Some(m) => super::thanks::thanked_in_topic(&state.db, topic.id, m.id).await?,
        None => Default::default(),
    };
    let posts = posts
        .into_iter()
        .map(|p| {
            let mut view = PostView::new(p, member, topic.locked);
            view.thanked = thanked.contains(&view.post.id);
            view
        })
        .collect();
    let path = topic.path();
    let chrome = viewer
        .chrome(&state, topic.title.clone(), &path)
        .await?
        .with_feed(&format!("/t/{}/feed.atom", topic.id))
        .with_description(&description);
    let staff = member.is_some_and(Member::is_staff);
    let (topic_id, revision) = (topic.id, topic.revision);
    let html = Bytes::from(
        TopicPage {
            chrome,
            can_reply: member.is_some() && (!topic.locked || staff),
            signed_in: member.is_some(),
            topic_url: state.url(&path),
            categories: if staff {
                store::categories(&state.db).await?
            } else {
                Vec::new()
            },
            webmentions: crate::webmention::in_thread(
                &state.db,
                &state.settings.public_url,
                topic.id,
            )
            .await?,
            topic,
            posts,
        }
        .render()?,
    );
    if member.is_none() {
        state.topic_pages.put(topic_id, revision, html.clone());
    }
    Ok(Html(html).into_response())
}

#[derive(Template)]
#[template(path = "forum/templates/compose.html")]
struct ComposePage {
    chrome: Chrome,
    heading: String,
    action: String,
    categories: Vec<Category>,
    selected_category: String,
    show_title: bool,
    title: String,
    body: String,
    problem: Option<String>,
    max_title: usize,
}

#[derive(Deserialize)]
struct QuoteQuery {
    quote: Option<i64>,
}

/// `> ` before every line of the quoted post, with a link back to it.
fn quoted(post: &Post, topic: &Topic) -> String {
    let mut text = format!(
        "> **@{}** [wrote](/t/{}/{}#p{}):\n",
        post.author, topic.id, topic.slug, post.number
    );
    for line in post.body_markdown.lines() {
        text.push_str("> ");
        text.push_str(line);
        text.push('\n');
    }
    text.push('\n');
    text
}

async fn reply_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, _slug)): Path<(i64, String)>,
    Query(q): Query<QuoteQuery>,
) -> Result<Response, Failure> {
    viewer.require_member()?;
    let topic = find_topic(&state, id, &viewer).await?;
    let body = match q.quote {
        Some(number) => match store::post_by_number(&state.db, topic.id, number).await? {
            Some(post) if post.is_public() => quoted(&post, &topic),
            _ => return Err(Failure::not_found("post to quote")),
        },
        None => String::new(),
    };
    render(&reply_form(&state, &viewer, &topic, body, None).await?)
}

/// The reply form of `topic`, filled with `body`, with the problem that stopped it if any.
async fn reply_form(
    state: &AppState,
    viewer: &Viewer,
    topic: &Topic,
    body: String,
    problem: Option<String>,
) -> Result<ComposePage, Failure> {
    Ok(ComposePage {
        chrome: viewer
            .chrome(
                state,
                format!("Reply to {}", topic.title),
                &format!("{}/reply", topic.path()),
            )
            .await?,
        heading: format!("Reply to “{}”", topic.title),
        action: format!("/t/{}/reply", topic.id),
        categories: Vec::new(),
        selected_category: String::new(),
        show_title: false,
        title: String::new(),
        body,
        problem,
        max_title: MAX_TITLE_CHARS,
    })
}

#[derive(Deserialize)]
struct ReplyForm {
    body: String,
}

/// Where to go after posting: the post itself.
fn to_post(posted: &posting::Posted) -> Response {
    Redirect::to(&posted.path).into_response()
}

async fn reply(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<ReplyForm>,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    let topic = find_topic(&state, id, &viewer).await?;
    match posting::reply(&state, member, &topic, &form.body).await {
        Ok(posted) => Ok(to_post(&posted)),
        Err(Failure::Invalid(problem)) => {
            let page = reply_form(&state, &viewer, &topic, form.body, Some(problem)).await?;
            render_rejected(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(other),
    }
}

#[derive(Deserialize)]
struct NewTopicQuery {
    category: Option<String>,
}

async fn new_topic_form(
    state: &AppState,
    viewer: &Viewer,
    category: String,
    title: String,
    body: String,
    problem: Option<String>,
) -> Result<ComposePage, Failure> {
    let member = viewer.require_member()?;
    let categories = store::categories(&state.db)
        .await?
        .into_iter()
        .filter(|c| member.role >= c.min_role_to_post)
        .collect();
    Ok(ComposePage {
        chrome: viewer.chrome(state, "New topic", "/new-topic").await?,
        heading: "New topic".to_string(),
        action: "/new-topic".to_string(),
        categories,
        selected_category: category,
        show_title: true,
        title,
        body,
        problem,
        max_title: MAX_TITLE_CHARS,
    })
}

async fn new_topic_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<NewTopicQuery>,
) -> Result<Response, Failure> {
    render(
        &new_topic_form(
            &state,
            &viewer,
            q.category.unwrap_or_default(),
            String::new(),
            String::new(),
            None,
        )
        .await?,
    )
}

#[derive(Deserialize)]
struct NewTopicForm {
    category: String,
    title: String,
    body: String,
}

async fn new_topic(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<NewTopicForm>,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    let category = store::category(&state.db, &form.category).await?;
    let result = match &category {
        Some(category) => {
            posting::start_topic(&state, member, category, &form.title, &form.body).await
        }
        None => Err(Failure::Invalid("Choose a category.".to_string())),
    };
    match result {
        Ok(posted) => Ok(to_post(&posted)),
        Err(Failure::Invalid(problem)) => {
            let page = new_topic_form(
                &state,
                &viewer,
                form.category,
                form.title,
                form.body,
                Some(problem),
            )
            .await?;
            render_rejected(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(other),
    }
}

/// Finds a post and its topic, as this viewer may see them.
async fn find_post(state: &AppState, id: i64, viewer: &Viewer) -> Result<(Topic, Post), Failure> {
    let (topic_id, post) = store::post(&state.db, id)
        .await?
        .ok_or_else(|| Failure::not_found("post"))?;
    let topic = find_topic(state, topic_id, viewer).await?;
    Ok((topic, post))
}

async fn post_redirect(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    // A deleted post's permalink says so with 410 Gone: that is how the sites its Webmentions
    // went to learn to drop it.
    if let Some((_, post)) = store::post(&state.db, id).await? {
        if post.deleted && !viewer.member.as_ref().is_some_and(Member::is_staff) {
            return Ok((StatusCode::GONE, "This post was deleted.").into_response());
        }
    }
    let (topic, post) = find_post(&state, id, &viewer).await?;
    Ok(Redirect::permanent(&format!("{}#p{}", topic.path(), post.number)).into_response())
}

async fn edit_form(
    state: &AppState,
    viewer: &Viewer,
    topic: &Topic,
    post: &Post,
    title: String,
    body: String,
    problem: Option<String>,
) -> Result<ComposePage, Failure> {
    Ok(ComposePage {
        chrome: viewer
            .chrome(state, "Edit post", &format!("/p/{}/edit", post.id))
            .await?,
        heading: format!("Edit post #{} in “{}”", post.number, topic.title),
        action: format!("/p/{}/edit", post.id),
        categories: Vec::new(),
        selected_category: String::new(),
        show_title: post.number == 1,
        title,
        body,
        problem,
        max_title: MAX_TITLE_CHARS,
    })
}

async fn edit_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    let (topic, post) = find_post(&state, id, &viewer).await?;
    if post.author_id != member.id && !member.is_staff() {
        return Err(Failure::Forbidden(
            "You can edit only your own posts.".to_string(),
        ));
    }
    let page = edit_form(
        &state,
        &viewer,
        &topic,
        &post,
        topic.title.clone(),
        post.body_markdown.clone(),
        None,
    )
    .await?;
    render(&page)
}

#[derive(Deserialize)]
struct EditForm {
    title: Option<String>,
    body: String,
}

async fn edit(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<EditForm>,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    let (topic, post) = find_post(&state, id, &viewer).await?;
    match posting::edit(
        &state,
        member,
        &topic,
        &post,
        form.title.as_deref(),
        &form.body,
    )
    .await
    {
        Ok(path) => Ok(Redirect::to(&path).into_response()),
        Err(Failure::Invalid(problem)) => {
            let page = edit_form(
                &state,
                &viewer,
                &topic,
                &post,
                form.title.unwrap_or_default(),
                form.body,
                Some(problem),
            )
            .await?;
            render_rejected(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(other),
    }
}

#[derive(Template)]
#[template(path = "forum/templates/history.html")]
struct HistoryPage {
    chrome: Chrome,
    topic: Topic,
    post: Post,
    show_body: bool,
    revisions: Vec<Revision>,
}

async fn history_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    let (topic, post) = find_post(&state, id, &viewer).await?;
    let view = PostView::new(post, viewer.member.as_ref(), topic.locked);
    let revisions = if view.show_body {
        store::revisions(&state.db, id).await?
    } else {
        Vec::new()
    };
    let chrome = viewer
        .chrome(
            &state,
            format!("History of post #{}", view.post.number),
            &format!("/p/{id}/history"),
        )
        .await?;
    render(&HistoryPage {
        chrome,
        topic,
        show_body: view.show_body,
        post: view.post,
        revisions,
    })
}

async fn delete(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    set_deleted(state, viewer, id, true).await
}

async fn restore(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    set_deleted(state, viewer, id, false).await
}

async fn set_deleted(
    state: AppState,
    viewer: Viewer,
    id: i64,
    deleted: bool,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    let (topic, post) = find_post(&state, id, &viewer).await?;
    posting::set_deleted(&state, member, &post, deleted).await?;
    let back = if deleted && post.number == 1 && !member.is_staff() {
        format!("/c/{}", topic.category.slug)
    } else {
        format!("{}#p{}", topic.path(), post.number)
    };
    Ok(Redirect::to(&back).into_response())
}
