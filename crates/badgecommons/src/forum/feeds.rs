//! Atom feeds (the whole site, each category, each topic) and `sitemap.xml`, so that the
//! archives can be followed and found without an account.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use syndication::atom::{atom_feed, FeedEntry, FeedInfo};

use super::model::PostSummary;
use super::store::{self, PostScope};
use crate::web::{AppState, Failure, Stamp};

const FEED_ENTRIES: i64 = 50;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/feed.atom", get(site_feed))
        .route("/c/{slug}/feed.atom", get(category_feed))
        .route("/t/{id}/feed.atom", get(topic_feed))
        .route("/sitemap.xml", get(sitemap))
}

fn atom_response(
    state: &AppState,
    title: String,
    html_path: &str,
    self_path: &str,
    posts: &[PostSummary],
) -> Response {
    let entries: Vec<FeedEntry> = posts
        .iter()
        .map(|p| FeedEntry {
            id: p.url.clone(),
            title: if p.path.ends_with("#p1") {
                p.topic_title.clone()
            } else {
                format!("Re: {}", p.topic_title)
            },
            url: p.url.clone(),
            author_name: p.author.clone(),
            author_url: Some(state.url(&format!("/u/{}", p.author))),
            published: p.created.datetime(),
            updated: p.created.datetime(),
            content_html: p.body_html.clone(),
        })
        .collect();
    let updated = posts
        .first()
        .map(|p| p.created)
        .unwrap_or(Stamp(0))
        .datetime();
    let info = FeedInfo {
        id: state.url(self_path),
        title,
        html_url: state.url(html_path),
        self_url: state.url(self_path),
        updated,
    };
    // Advertises the WebSub hub, when one is configured.
    crate::planet::websub::atom_with_hub(state, &info.self_url, atom_feed(&info, &entries))
}

async fn site_feed(State(state): State<AppState>) -> Result<Response, Failure> {
    let posts = store::recent_posts(
        &state.db,
        PostScope::Site,
        FEED_ENTRIES,
        &state.settings.public_url,
    )
    .await?;
    Ok(atom_response(
        &state,
        state.settings.site_name.clone(),
        "/",
        "/feed.atom",
        &posts,
    ))
}

async fn category_feed(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, Failure> {
    let category = store::category(&state.db, &slug)
        .await?
        .ok_or_else(|| Failure::not_found("category"))?;
    let posts = store::recent_posts(
        &state.db,
        PostScope::Category(category.id),
        FEED_ENTRIES,
        &state.settings.public_url,
    )
    .await?;
    let title = format!("{} · {}", category.name, state.settings.site_name);
    Ok(atom_response(
        &state,
        title,
        &format!("/c/{slug}"),
        &format!("/c/{slug}/feed.atom"),
        &posts,
    ))
}

async fn topic_feed(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    let topic = store::topic(&state.db, id)
        .await?
        .filter(|t| t.visible_to(None))
        .ok_or_else(|| Failure::not_found("topic"))?;
    let posts = store::recent_posts(
        &state.db,
        PostScope::Topic(topic.id),
        FEED_ENTRIES,
        &state.settings.public_url,
    )
    .await?;
    let title = format!("{} · {}", topic.title, state.settings.site_name);
    Ok(atom_response(
        &state,
        title,
        &topic.path(),
        &format!("/t/{id}/feed.atom"),
        &posts,
    ))
}

fn xml_escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

async fn sitemap(State(state): State<AppState>) -> Result<Response, Failure> {
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    let mut add = |path: &str, modified: Option<Stamp>| {
        xml.push_str("<url><loc>");
        xml.push_str(&xml_escape(&state.url(path)));
        xml.push_str("</loc>");
        if let Some(at) = modified {
            xml.push_str("<lastmod>");
            xml.push_str(&at.iso());
            xml.push_str("</lastmod>");
        }
        xml.push_str("</url>\n");
    };
    add("/", None);
    for category in store::categories(&state.db).await? {
        add(&format!("/c/{}", category.slug), None);
    }
    for (path, modified) in store::sitemap_topics(&state.db).await? {
        add(&path, Some(Stamp(modified)));
    }
    xml.push_str("</urlset>\n");
    Ok((
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        xml,
    )
        .into_response())
}
