//! Webmention (W3C Recommendation) for the forum: receiving mentions of this site's pages and
//! sending them for the outside pages that posts link to. The protocol itself (endpoint
//! discovery, sending, verifying a source) is `syndication::webmention`; this module keeps the
//! state in the database and shows the results.
//!
//! Receiving (`receiving`, `verifying`): every HTML page advertises `/webmention` (a `Link`
//! header from [`advertise`] and a `<link>` in the layout). Topics and posts accept mentions
//! (`/t/{id}[/{slug}][#p{n}]`, `/p/{id}`), when anyone can read them; any other target is a 400.
//! A request is answered 202 with `Location: /webmention/{id}` (a status page, HTML or JSON) and
//! verified by a job in the database. An accepted reply shows in the topic's thread, "posted
//! from" its domain with a link to the original; likes and reposts as a facepile; bookmarks and
//! plain mentions as links. A re-send re-verifies (the last outcome shows meanwhile); a 410 or a
//! source that no longer links removes it.
//!
//! Choices: a source's "domain" is its host, with the port when it is not the scheme's own (a
//! site on its own port is its own site). Moderation (`moderation`, `/admin/webmentions`): with
//! the community setting on (the default), a mention from a domain that has no accepted or
//! approved mention yet is held for a moderator, who approves or rejects it; after one approval
//! the domain is known. Blocked domains are refused at once (400) and their earlier mentions
//! rejected. The per-domain limit (default 60 an hour) counts requests in the database, so that
//! several processes share it; over it the answer is 429. An author photo is shown as an image
//! only when its URL is https or of this site's own scheme (no mixed content); otherwise
//! initials stand in.
//!
//! Sending (`sending`): see that module. Every post that links outside pages tells them, so
//! other features need nothing of their own (the planet's "discuss this entry" topic tells the
//! entry's author through its first post, which links the entry).
//! Both jobs run in every server process ([`spawn`]) and right after new work is queued.

mod moderation;
mod receiving;
pub mod sending;
mod store;
mod verifying;

use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use tokio::task::JoinHandle;
use url::Url;

use crate::store::Db;
use crate::web::{AppState, Stamp};

pub use sending::queue_for_post;
pub use verifying::verify_due;

/// The Webmention routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/webmention", post(receiving::receive))
        .route("/webmention/{id}", get(receiving::status))
        .route("/admin/webmentions", get(moderation::admin_page))
        .route(
            "/admin/webmentions/settings",
            post(moderation::save_settings),
        )
        .route("/admin/webmentions/block", post(moderation::block))
        .route("/admin/webmentions/unblock", post(moderation::unblock))
        .route("/admin/webmentions/{id}/approve", post(moderation::approve))
        .route("/admin/webmentions/{id}/reject", post(moderation::reject))
        .route("/p/{id}/webmentions", get(sending::sent_page))
}

/// How often the jobs look for due work besides being woken (retries, other processes' work).
const POLL: Duration = Duration::from_secs(5);

/// Runs both jobs (verifying received mentions, sending queued ones) in the background.
pub fn spawn(state: AppState) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = run_due(&state).await {
                tracing::warn!(error = %e, "Webmention jobs failed a round");
            }
            tokio::time::sleep(POLL).await;
        }
    })
}

/// One round of both jobs; returns how many mentions and sends were worked on.
pub async fn run_due(state: &AppState) -> Result<usize, sqlx::Error> {
    Ok(verify_due(state).await? + sending::send_due(state).await?)
}

/// Adds `Link: <{public_url}/webmention>; rel="webmention"` to every HTML page.
pub async fn advertise(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if is_html {
        let link = format!(
            "<{}/webmention>; rel=\"webmention\"",
            state.settings.public_url
        );
        if let Ok(value) = HeaderValue::from_str(&link) {
            response.headers_mut().append(header::LINK, value);
        }
    }
    response
}

/// What moderation and rate limits count a source by: its host, with a port that is not the
/// scheme's own.
fn domain_of(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    }
}

/// The mentions a topic's page shows.
#[derive(Clone, Debug, Default)]
pub struct InThread {
    /// Replies from other sites, oldest first.
    pub replies: Vec<Shown>,
    /// Likes and reposts: the facepile.
    pub reactions: Vec<Shown>,
    /// Bookmarks and plain mentions: "mentioned on …".
    pub mentions: Vec<Shown>,
}

/// One accepted mention as a page shows it (every field from outside is escaped by the template
/// but `content_html`, which is sanitised).
#[derive(Clone, Debug)]
pub struct Shown {
    pub kind: String,
    pub source: String,
    /// The original: the entry's own URL, else the source.
    pub original: String,
    pub domain: String,
    pub author_name: String,
    pub author_url: Option<String>,
    pub photo: Option<String>,
    pub initials: String,
    pub content_html: String,
    pub title: Option<String>,
    /// `published` when it reads as a date-time, else when it was verified.
    pub published: Stamp,
}

fn http_only(url: Option<String>) -> Option<String> {
    url.filter(|u| Url::parse(u).is_ok_and(|p| matches!(p.scheme(), "http" | "https")))
}

/// The accepted mentions of a topic, sorted for its page.
pub async fn in_thread(db: &Db, public_url: &str, topic_id: i64) -> Result<InThread, sqlx::Error> {
    let own_scheme = Url::parse(public_url)
        .map(|u| u.scheme().to_string())
        .unwrap_or_default();
    let mut thread = InThread::default();
    for row in store::accepted_for_topic(db, topic_id).await? {
        let author_name = row
            .author_name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| row.source_domain.clone());
        let initials: String = author_name
            .split_whitespace()
            .filter_map(|w| w.chars().next())
            .take(2)
            .collect::<String>()
            .to_uppercase();
        let photo = http_only(row.author_photo).filter(|p| {
            Url::parse(p).is_ok_and(|u| u.scheme() == "https" || u.scheme() == own_scheme)
        });
        let published = row
            .published
            .as_deref()
            .and_then(|p| chrono::DateTime::parse_from_rfc3339(p.trim()).ok())
            .map_or(Stamp(row.verified_at), |d| Stamp(d.timestamp_millis()));
        let shown = Shown {
            original: http_only(row.entry_url).unwrap_or_else(|| row.source.clone()),
            source: row.source,
            domain: row.source_domain,
            author_url: http_only(row.author_url),
            photo,
            initials,
            author_name,
            // Sanitised when stored; cleaned again so the page never relies on what is stored.
            content_html: syndication::sanitize::clean_html(
                row.content_html.as_deref().unwrap_or_default(),
            ),
            title: row.entry_name,
            published,
            kind: row.kind,
        };
        match shown.kind.as_str() {
            "reply" => thread.replies.push(shown),
            "like" | "repost" => thread.reactions.push(shown),
            _ => thread.mentions.push(shown),
        }
    }
    thread.replies.sort_by_key(|r| r.published);
    Ok(thread)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_domain_keeps_a_port_that_is_not_the_schemes_own() {
        let domain = |u: &str| domain_of(&Url::parse(u).unwrap());
        assert_eq!(domain("https://Blog.Example.org/post"), "blog.example.org");
        assert_eq!(
            domain("https://blog.example.org:443/post"),
            "blog.example.org"
        );
        assert_eq!(domain("http://127.0.0.1:8080/post"), "127.0.0.1:8080");
    }
}
