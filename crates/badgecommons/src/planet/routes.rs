//! The planet's pages: the river (`/planet`) and its Atom and JSON Feed forms, the public OPML
//! list, connecting a site, a member's feeds with their health and filters, and the admin page
//! (the community's filter, OPML import).

use askama::Template;
use axum::body::Bytes;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Multipart, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use syndication::atom::{atom_feed, FeedEntry, FeedInfo};

use super::river::{self, RiverEntry, RiverQuery, PER_PAGE};
use super::subscriptions::{self, Candidate, FilterLists};
use super::{filters, opml, start_first_fetch};
use crate::accounts::model::Member;
use crate::accounts::store as accounts;
use crate::web::{render, render_rejected, AppState, Chrome, Failure, Stamp, Viewer};
use sqlx::Row as _;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/planet", get(river_page))
        .route("/planet/feed.atom", get(river_atom))
        .route("/planet/feed.json", get(river_json))
        .route("/planet.opml", get(opml_export))
        .route("/planet/connect", get(connect_page).post(connect))
        .route("/planet/subscribe", post(subscribe))
        .route("/planet/feeds", get(feeds_page))
        .route("/planet/feeds/{id}/filter", post(feed_filter))
        .route("/planet/feeds/{id}/remove", post(remove_feed))
        .route("/admin/planet", get(admin_page))
        .route("/admin/planet/filter", post(community_filter))
        .route("/admin/planet/import", post(import_opml))
}

#[derive(Deserialize, Default)]
pub(super) struct RiverParams {
    member: Option<String>,
    tag: Option<String>,
    page: Option<i64>,
}

impl RiverParams {
    pub(super) fn query(&self) -> RiverQuery {
        RiverQuery {
            member: self.member.clone().filter(|m| !m.trim().is_empty()),
            tag: self.tag.clone().filter(|t| !t.trim().is_empty()),
            page: self.page.unwrap_or(1).max(1),
        }
    }
}

/// `?member=..&tag=..` (and `&` to add a page number), for links that keep the filters.
fn filter_query(query: &RiverQuery) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    if let Some(m) = &query.member {
        out.append_pair("member", m);
    }
    if let Some(t) = &query.tag {
        out.append_pair("tag", t);
    }
    let out = out.finish();
    if out.is_empty() {
        "?".to_string()
    } else {
        format!("?{out}&")
    }
}

#[derive(Template)]
#[template(path = "planet/templates/river.html")]
struct RiverPage {
    chrome: Chrome,
    entries: Vec<RiverEntry>,
    query: RiverQuery,
    filters: String,
    more: bool,
    signed_in: bool,
}

async fn river_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(params): Query<RiverParams>,
) -> Result<Response, Failure> {
    let query = params.query();
    let (entries, more) = river::river(&state.db, &query, PER_PAGE).await?;
    let filters = filter_query(&query);
    let feed = format!("/planet/feed.atom{}", filters.trim_end_matches(['&', '?']));
    let chrome = viewer
        .chrome(&state, "Planet", "/planet")
        .await?
        .with_feed(&feed)
        .with_description("What members write on their own sites");
    render(&RiverPage {
        chrome,
        entries,
        filters,
        query,
        more,
        signed_in: viewer.member.is_some(),
    })
}

fn river_title(state: &AppState, query: &RiverQuery) -> String {
    let mut title = format!("{} planet", state.settings.site_name);
    if let Some(m) = &query.member {
        title.push_str(&format!(" · {m}"));
    }
    if let Some(t) = &query.tag {
        title.push_str(&format!(" · #{t}"));
    }
    title
}

async fn river_atom(
    State(state): State<AppState>,
    Query(params): Query<RiverParams>,
) -> Result<Response, Failure> {
    let query = params.query();
    let (entries, _) = river::river(&state.db, &query, PER_PAGE).await?;
    let filters = filter_query(&query);
    let filters = filters.trim_end_matches(['&', '?']);
    let items: Vec<FeedEntry> = entries
        .iter()
        .map(|e| {
            let url = permalink(&state, e);
            FeedEntry {
                id: url.clone(),
                title: e.display_title(),
                url,
                author_name: e.author(),
                author_url: e.author_link().map(|l| absolute(&state, &l)),
                published: e.published.datetime(),
                updated: e.published.datetime(),
                content_html: e.summary_html.clone(),
            }
        })
        .collect();
    let info = FeedInfo {
        id: state.url(&format!("/planet/feed.atom{filters}")),
        title: river_title(&state, &query),
        html_url: state.url(&format!("/planet{filters}")),
        self_url: state.url(&format!("/planet/feed.atom{filters}")),
        updated: entries.first().map_or(Stamp(0), |e| e.published).datetime(),
    };
    // With `--websub-hub`, readers are told the hub (and the feed's own URL) to subscribe at.
    Ok(super::websub::atom_with_hub(
        &state,
        &info.self_url,
        atom_feed(&info, &items),
    ))
}

/// The address an entry goes by in the combined feeds: its own, else its place on the river.
fn permalink(state: &AppState, entry: &river::RiverEntry) -> String {
    entry
        .url
        .clone()
        .unwrap_or_else(|| state.url(&format!("/planet#e{}", entry.id)))
}

fn absolute(state: &AppState, link: &str) -> String {
    if link.starts_with('/') {
        state.url(link)
    } else {
        link.to_string()
    }
}

/// JSON Feed 1.1 (<https://jsonfeed.org/version/1.1>).
async fn river_json(
    State(state): State<AppState>,
    Query(params): Query<RiverParams>,
) -> Result<Response, Failure> {
    let query = params.query();
    let (entries, _) = river::river(&state.db, &query, PER_PAGE).await?;
    let filters = filter_query(&query);
    let filters = filters.trim_end_matches(['&', '?']);
    let items: Vec<serde_json::Value> = entries
        .iter()
        .map(|e| {
            let url = permalink(&state, e);
            let mut author = serde_json::json!({ "name": e.author() });
            if let Some(link) = e.author_link() {
                author["url"] = absolute(&state, &link).into();
            }
            let mut item = serde_json::json!({
                "id": url,
                "url": url,
                "title": e.display_title(),
                "content_html": e.summary_html,
                "date_published": e.published.iso(),
                "authors": [author],
            });
            if !e.tags.is_empty() {
                item["tags"] = e.tags.clone().into();
            }
            item
        })
        .collect();
    let feed = serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": river_title(&state, &query),
        "home_page_url": state.url(&format!("/planet{filters}")),
        "feed_url": state.url(&format!("/planet/feed.json{filters}")),
        "items": items,
    });
    Ok((
        [(header::CONTENT_TYPE, "application/feed+json; charset=utf-8")],
        feed.to_string(),
    )
        .into_response())
}

async fn opml_export(State(state): State<AppState>) -> Result<Response, Failure> {
    Ok((
        [(header::CONTENT_TYPE, "text/x-opml; charset=utf-8")],
        opml::export(&state.db, &state.settings.site_name).await?,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "planet/templates/connect.html")]
struct ConnectPage {
    chrome: Chrome,
    url: String,
    problem: Option<String>,
    /// Filled once the site was read: its feeds and rel=me links.
    found: Option<subscriptions::Found>,
    /// Admins choose whose feeds these are.
    is_admin: bool,
    for_member: String,
}

impl ConnectPage {
    fn format_label(candidate: &Candidate) -> &'static str {
        match candidate.format {
            "rss" => "RSS",
            "atom" => "Atom",
            "json" => "JSON Feed",
            _ => "h-feed",
        }
    }
}

async fn connect_page(State(state): State<AppState>, viewer: Viewer) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    render(&ConnectPage {
        chrome: viewer
            .chrome(&state, "Connect your site", "/planet/connect")
            .await?,
        url: String::new(),
        problem: None,
        found: None,
        is_admin: member.is_admin(),
        for_member: member.username.clone(),
    })
}

/// Fields of a url-encoded form, repeated names kept (`feed` checkboxes).
fn form_fields(body: &Bytes) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map_or("", |(_, v)| v.as_str())
}

async fn connect(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    viewer: Viewer,
    body: Bytes,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    // Connecting makes the server fetch from another site, as `/verify` does: same limit.
    state.limits.verify(client.ip())?;
    let fields = form_fields(&body);
    let url = field(&fields, "url").trim().to_string();
    let for_member = match field(&fields, "member").trim() {
        "" => member.username.clone(),
        other => other.to_string(),
    };
    let mut page = ConnectPage {
        chrome: viewer
            .chrome(&state, "Connect your site", "/planet/connect")
            .await?,
        url: url.clone(),
        problem: None,
        found: None,
        is_admin: member.is_admin(),
        for_member,
    };
    match subscriptions::find(&*state.fetcher, &url).await {
        Ok(found) => {
            page.found = Some(found);
            render(&page)
        }
        Err(failure @ Failure::Invalid(_)) => {
            page.problem = Some(failure.to_string());
            render_rejected(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(other),
    }
}

/// Whose feeds a form or API call adds: the member themself, or (admins only) another member or,
/// with an empty name or `community`, nobody's (`None`).
pub(super) async fn owner_for(
    state: &AppState,
    member: &Member,
    requested: Option<&str>,
) -> Result<Option<i64>, Failure> {
    let requested = requested.map(str::trim).filter(|r| !r.is_empty());
    match requested {
        None => Ok(Some(member.id)),
        Some(name) if name.eq_ignore_ascii_case(&member.username) => Ok(Some(member.id)),
        Some(_) if !member.is_admin() => Err(Failure::Forbidden(
            "Only admins can add feeds for another member or for the community.".to_string(),
        )),
        Some("community") => Ok(None),
        Some(name) => match accounts::member_by_username(&state.db, name).await? {
            Some(other) => Ok(Some(other.id)),
            None => Err(Failure::Invalid(format!("There is no member {name:?}."))),
        },
    }
}

async fn subscribe(
    State(state): State<AppState>,
    viewer: Viewer,
    body: Bytes,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    let fields = form_fields(&body);
    let chosen: Vec<&str> = fields
        .iter()
        .filter(|(n, _)| n == "feed")
        .map(|(_, v)| v.as_str())
        .collect();
    if chosen.is_empty() {
        return Err(Failure::Invalid(
            "Choose at least one feed to add.".to_string(),
        ));
    }
    let owner = owner_for(&state, member, Some(field(&fields, "member"))).await?;
    let site = subscriptions::checked_url(field(&fields, "site")).ok();
    for url in chosen {
        let title = fields
            .iter()
            .find(|(n, _)| *n == format!("title:{url}"))
            .map(|(_, v)| v.as_str())
            .filter(|t| !t.is_empty());
        let added = subscriptions::add_feed(
            &state.db,
            url,
            site.as_deref(),
            title,
            owner,
            Some(member.id),
        )
        .await?;
        if added.new {
            start_first_fetch(&state, added.id).await;
        }
    }
    Ok(Redirect::to("/planet/feeds").into_response())
}

/// A feed with its health, as its owner sees it.
struct FeedView {
    id: i64,
    url: String,
    title: String,
    format: Option<String>,
    member: Option<String>,
    last_success: Option<Stamp>,
    last_error: Option<String>,
    last_error_at: Option<Stamp>,
    /// `None`: no longer polled (the feed answered 410 Gone).
    next_poll: Option<Stamp>,
    /// A WebSub hub pushes the feed's new entries.
    pushed: bool,
    websub_error: Option<String>,
    entries: i64,
    filter: FilterLists,
}

async fn feed_views(state: &AppState, member: &Member) -> Result<Vec<FeedView>, Failure> {
    let mut sql = String::from(
        "SELECT f.id, f.url, f.title, f.format, f.last_success_at, f.last_error, f.last_error_at, \
         f.next_poll_at, f.filter_tags, f.filter_words, f.websub_state, f.websub_error, u.username, \
         (SELECT COUNT(*) FROM planet_entries e WHERE e.feed_id = f.id) AS entries \
         FROM planet_feeds f LEFT JOIN users u ON u.id = f.member_id",
    );
    if !member.is_admin() {
        sql.push_str(" WHERE f.member_id = $1");
    }
    sql.push_str(" ORDER BY f.id");
    let mut query = sqlx::query(&sql);
    if !member.is_admin() {
        query = query.bind(member.id);
    }
    let rows = query.fetch_all(state.db.pool()).await?;
    let mut views = Vec::with_capacity(rows.len());
    for row in rows {
        let url: String = row.try_get("url")?;
        let title: Option<String> = row.try_get("title")?;
        views.push(FeedView {
            id: row.try_get("id")?,
            title: title
                .filter(|t| !t.trim().is_empty())
                .unwrap_or_else(|| url.clone()),
            url,
            format: row.try_get("format")?,
            member: row.try_get("username")?,
            last_success: row.try_get::<Option<i64>, _>("last_success_at")?.map(Stamp),
            last_error: row.try_get("last_error")?,
            last_error_at: row.try_get::<Option<i64>, _>("last_error_at")?.map(Stamp),
            next_poll: Some(row.try_get::<i64, _>("next_poll_at")?)
                .filter(|at| *at != super::feeds::NEVER)
                .map(Stamp),
            pushed: matches!(
                row.try_get::<Option<String>, _>("websub_state")?.as_deref(),
                Some("active" | "renewing")
            ),
            websub_error: row.try_get("websub_error")?,
            entries: row.try_get("entries")?,
            filter: FilterLists {
                tags: row.try_get("filter_tags")?,
                words: row.try_get("filter_words")?,
            },
        });
    }
    Ok(views)
}

#[derive(Template)]
#[template(path = "planet/templates/feeds.html")]
struct FeedsPage {
    chrome: Chrome,
    feeds: Vec<FeedView>,
    is_admin: bool,
}

async fn feeds_page(State(state): State<AppState>, viewer: Viewer) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    let heading = if member.is_admin() {
        "All planet feeds"
    } else {
        "Your feeds"
    };
    render(&FeedsPage {
        chrome: viewer.chrome(&state, heading, "/planet/feeds").await?,
        feeds: feed_views(&state, member).await?,
        is_admin: member.is_admin(),
    })
}

/// The feed, when `member` may change it (its owner, or an admin).
async fn own_feed(state: &AppState, member: &Member, id: i64) -> Result<i64, Failure> {
    let row = sqlx::query("SELECT member_id FROM planet_feeds WHERE id = $1")
        .bind(id)
        .fetch_optional(state.db.pool())
        .await?
        .ok_or_else(|| Failure::not_found("feed"))?;
    let owner: Option<i64> = row.try_get("member_id")?;
    if member.is_admin() || owner == Some(member.id) {
        Ok(id)
    } else {
        Err(Failure::Forbidden(
            "You can change only your own feeds.".to_string(),
        ))
    }
}

#[derive(Deserialize)]
struct FilterForm {
    #[serde(default)]
    tags: String,
    #[serde(default)]
    words: String,
}

async fn feed_filter(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<FilterForm>,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    let id = own_feed(&state, member, id).await?;
    let filter = FilterLists::from_input(&form.tags, &form.words);
    sqlx::query("UPDATE planet_feeds SET filter_tags = $1, filter_words = $2 WHERE id = $3")
        .bind(&filter.tags)
        .bind(&filter.words)
        .bind(id)
        .execute(state.db.pool())
        .await?;
    filters::reapply(&state.db, Some(id)).await?;
    Ok(Redirect::to("/planet/feeds").into_response())
}

async fn remove_feed(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    let id = own_feed(&state, member, id).await?;
    sqlx::query("DELETE FROM planet_feeds WHERE id = $1")
        .bind(id)
        .execute(state.db.pool())
        .await?;
    Ok(Redirect::to("/planet/feeds").into_response())
}

#[derive(Template)]
#[template(path = "planet/templates/admin.html")]
struct AdminPage {
    chrome: Chrome,
    filter: FilterLists,
    report: Option<opml::ImportReport>,
    problem: Option<String>,
}

async fn admin_page(State(state): State<AppState>, viewer: Viewer) -> Result<Response, Failure> {
    viewer.require_admin()?;
    render(&AdminPage {
        chrome: viewer
            .chrome(&state, "Planet settings", "/admin/planet")
            .await?,
        filter: subscriptions::community_filter(&state.db).await?,
        report: None,
        problem: None,
    })
}

async fn community_filter(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<FilterForm>,
) -> Result<Response, Failure> {
    viewer.require_admin()?;
    let filter = FilterLists::from_input(&form.tags, &form.words);
    sqlx::query("UPDATE planet_settings SET filter_tags = $1, filter_words = $2 WHERE id = 1")
        .bind(&filter.tags)
        .bind(&filter.words)
        .execute(state.db.pool())
        .await?;
    filters::reapply(&state.db, None).await?;
    Ok(Redirect::to("/admin/planet").into_response())
}

async fn import_opml(
    State(state): State<AppState>,
    viewer: Viewer,
    form: Multipart,
) -> Result<Response, Failure> {
    let admin = viewer.require_admin()?;
    let form = crate::web::multipart::read(form, "opml").await?;
    let mut page = AdminPage {
        chrome: viewer
            .chrome(&state, "Planet settings", "/admin/planet")
            .await?,
        filter: subscriptions::community_filter(&state.db).await?,
        report: None,
        problem: None,
    };
    let Some(bytes) = form.file.as_deref() else {
        page.problem = Some("Choose an OPML file to import.".to_string());
        return render_rejected(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    // An import is the community's unless the admin names a member.
    let requested = match form.get("member").trim() {
        "" => "community",
        name => name,
    };
    let outcome = match owner_for(&state, admin, Some(requested)).await {
        Ok(owner) => opml::import(&state.db, bytes, owner, Some(admin.id)).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(report) => {
            page.report = Some(report);
            render(&page)
        }
        Err(failure @ Failure::Invalid(_)) => {
            page.problem = Some(failure.to_string());
            render_rejected(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(other),
    }
}
