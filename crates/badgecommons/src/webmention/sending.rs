//! Sending: when a post is written, edited or deleted, every outside page it links to (or used
//! to link to) is told, with the post's permalink `/p/{id}` as the source. One row per (source,
//! target) in `webmention_sends`; the sending job discovers each target's endpoint and posts to
//! it (`syndication::webmention::send`), retrying passing failures with a doubling delay, and
//! records the outcome per link: sent (endpoint and status), no endpoint, or failed (why).
//!
//! An edit re-sends to every link the post has and every link it had, so receivers update or
//! drop their copy; a deleted post's permalink answers 410 Gone and its links are told again.
//! Links to this site's own pages are not sent: the thread already shows them.

use std::collections::BTreeSet;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use sqlx::Row;
use syndication::webmention::{self, WebmentionError};
use url::Url;

use super::receiving::on_this_site;
use super::verifying::{self, backoff, is_passing_status, STALE_CLAIM_MS};
use crate::forum::store as forum;
use crate::store::{now, Db};
use crate::web::{render, AppState, Chrome, Failure, Stamp, Viewer};

/// The most links of one post that are sent.
const MAX_LINKS: usize = 50;
const BATCH: i64 = 20;
const MAX_ATTEMPTS: i64 = 5;

/// The outside http(s) pages that `html` links to, resolved against `public_url`.
pub(super) fn outside_links(html: &str, public_url: &str) -> BTreeSet<String> {
    let Ok(base) = Url::parse(public_url) else {
        return BTreeSet::new();
    };
    let document = scraper::Html::parse_fragment(html);
    let Ok(anchors) = scraper::Selector::parse("a[href]") else {
        return BTreeSet::new();
    };
    document
        .select(&anchors)
        .filter_map(|a| a.value().attr("href"))
        .filter_map(|href| base.join(href.trim()).ok())
        .filter(|url| matches!(url.scheme(), "http" | "https") && url.host_str().is_some())
        .filter(|url| !on_this_site(url, public_url))
        .map(String::from)
        .take(MAX_LINKS)
        .collect()
}

/// The permalink a post's Webmentions name as their source.
pub fn post_source(state: &AppState, post_id: i64) -> String {
    state.url(&format!("/p/{post_id}"))
}

/// Queues Webmentions for a post that was just written, edited, deleted or restored: to the
/// outside pages it links to now, and again to those it linked to before. Never fails the
/// caller: a problem is logged, as the post itself is already stored.
pub async fn queue_for_post(state: &AppState, post_id: i64) {
    if let Err(e) = queue_post_links(state, post_id).await {
        tracing::warn!(post_id, error = %e, "cannot queue the post's Webmentions");
        return;
    }
    run_soon(state);
}

async fn queue_post_links(state: &AppState, post_id: i64) -> Result<(), sqlx::Error> {
    let Some((_, post)) = forum::post(&state.db, post_id).await? else {
        return Ok(());
    };
    // A post others cannot read links to nothing (its permalink shows nothing, or answers 410).
    let links = if post.is_public() {
        outside_links(&post.body_html, &state.settings.public_url)
    } else {
        BTreeSet::new()
    };
    let source = post_source(state, post_id);
    let at = now();
    let mut tx = state.db.begin().await?;
    sqlx::query(
        "UPDATE webmention_sends SET status = 'pending', linked = 0, attempts = 0, \
         next_attempt_at = $1, claimed_at = NULL WHERE post_id = $2",
    )
    .bind(at)
    .bind(post_id)
    .execute(&mut *tx)
    .await?;
    for target in &links {
        upsert(&mut tx, Some(post_id), &source, target, at).await?;
    }
    tx.commit().await
}

async fn upsert(
    tx: &mut crate::store::Tx,
    post_id: Option<i64>,
    source: &str,
    target: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO webmention_sends (post_id, source, target, status, linked, queued_at, \
         next_attempt_at) VALUES ($1, $2, $3, 'pending', 1, $4, $4) \
         ON CONFLICT (source, target) DO UPDATE SET status = 'pending', linked = 1, attempts = 0, \
         queued_at = excluded.queued_at, next_attempt_at = excluded.next_attempt_at, claimed_at = NULL",
    )
    .bind(post_id)
    .bind(source)
    .bind(target)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn run_soon(state: &AppState) {
    let state = state.clone();
    tokio::spawn(async move {
        if let Err(e) = send_due(&state).await {
            tracing::warn!(error = %e, "cannot send Webmentions");
        }
    });
}

/// Sends one round of due Webmentions; returns how many were tried.
pub async fn send_due(state: &AppState) -> Result<usize, sqlx::Error> {
    let db = state.db.pool();
    let started = now();
    let rows = sqlx::query(
        "SELECT id FROM webmention_sends WHERE status = 'pending' AND next_attempt_at <= $1 \
         AND (claimed_at IS NULL OR claimed_at < $2) ORDER BY next_attempt_at, id LIMIT $3",
    )
    .bind(started)
    .bind(started - STALE_CLAIM_MS)
    .bind(BATCH)
    .fetch_all(db)
    .await?;
    let mut tried = 0;
    for row in rows {
        let id: i64 = row.try_get("id")?;
        let claim = now();
        let Some(claimed) = sqlx::query(
            "UPDATE webmention_sends SET claimed_at = $1 WHERE id = $2 AND status = 'pending' \
             AND next_attempt_at <= $1 AND (claimed_at IS NULL OR claimed_at < $3) \
             RETURNING source, target, attempts",
        )
        .bind(claim)
        .bind(id)
        .bind(claim - STALE_CLAIM_MS)
        .fetch_optional(db)
        .await?
        else {
            continue;
        };
        let source: String = claimed.try_get("source")?;
        let target: String = claimed.try_get("target")?;
        let attempts: i64 = claimed.try_get::<i64, _>("attempts")? + 1;
        let result = webmention::send(&*state.fetcher, &source, &target).await;
        record(&state.db, id, claim, attempts, result).await?;
        tried += 1;
    }
    Ok(tried)
}

/// Whether sending may work later: as for verifying, and also when the endpoint itself answered
/// with a server error, a timeout or a rate limit.
fn is_passing(error: &WebmentionError) -> bool {
    match error {
        WebmentionError::Rejected { status, .. } => is_passing_status(*status),
        other => verifying::is_passing(other),
    }
}

/// What one try ended in, as stored.
struct Outcome {
    status: &'static str,
    endpoint: Option<String>,
    response_status: Option<i64>,
    location: Option<String>,
    error: Option<String>,
    next_attempt_at: Option<i64>,
}

fn outcome_of(
    attempts: i64,
    at: i64,
    result: Result<webmention::SendOutcome, WebmentionError>,
) -> Outcome {
    match result {
        Ok(sent) => Outcome {
            status: "sent",
            endpoint: Some(sent.endpoint),
            response_status: Some(i64::from(sent.status)),
            location: sent.location,
            error: None,
            next_attempt_at: None,
        },
        Err(WebmentionError::NoEndpoint { .. }) => Outcome {
            status: "no endpoint",
            endpoint: None,
            response_status: None,
            location: None,
            error: None,
            next_attempt_at: None,
        },
        Err(error) => {
            let (endpoint, response_status) = match &error {
                WebmentionError::Rejected { endpoint, status } => {
                    (Some(endpoint.clone()), Some(i64::from(*status)))
                }
                _ => (None, None),
            };
            let retry = is_passing(&error) && attempts < MAX_ATTEMPTS;
            Outcome {
                status: if retry { "pending" } else { "failed" },
                endpoint,
                response_status,
                location: None,
                error: Some(error.to_string().chars().take(500).collect()),
                next_attempt_at: retry.then(|| at + backoff(attempts)),
            }
        }
    }
}

async fn record(
    db: &Db,
    id: i64,
    claim: i64,
    attempts: i64,
    result: Result<webmention::SendOutcome, WebmentionError>,
) -> Result<(), sqlx::Error> {
    let at = now();
    let outcome = outcome_of(attempts, at, result);
    sqlx::query(
        "UPDATE webmention_sends SET status = $1, endpoint = $2, response_status = $3, \
         location = $4, error = $5, next_attempt_at = $6, attempts = $7, sent_at = $8, \
         claimed_at = NULL WHERE id = $9 AND claimed_at = $10",
    )
    .bind(outcome.status)
    .bind(outcome.endpoint)
    .bind(outcome.response_status)
    .bind(outcome.location)
    .bind(outcome.error)
    .bind(outcome.next_attempt_at)
    .bind(attempts)
    .bind(at)
    .bind(id)
    .bind(claim)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// One link of a post and what became of its Webmention.
pub(super) struct SentLink {
    pub target: String,
    pub status: String,
    pub linked: bool,
    pub endpoint: Option<String>,
    pub response_status: Option<i64>,
    pub error: Option<String>,
    pub sent: Option<Stamp>,
}

#[derive(Template)]
#[template(path = "webmention/templates/sent.html")]
struct SentPage {
    chrome: Chrome,
    post_id: i64,
    post_path: String,
    links: Vec<SentLink>,
}

/// `/p/{id}/webmentions`: what became of the Webmentions of a post, for its author and
/// moderators.
pub(super) async fn sent_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(post_id): Path<i64>,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    let (_, post) = forum::post(&state.db, post_id)
        .await?
        .ok_or_else(|| Failure::not_found("post"))?;
    if post.author_id != member.id && !member.is_staff() {
        return Err(Failure::Forbidden(
            "Only the post's author and moderators see its Webmentions.".to_string(),
        ));
    }
    let rows = sqlx::query(
        "SELECT target, status, linked, endpoint, response_status, error, sent_at \
         FROM webmention_sends WHERE post_id = $1 ORDER BY linked DESC, target",
    )
    .bind(post_id)
    .fetch_all(state.db.pool())
    .await?;
    let links = rows
        .iter()
        .map(|row| {
            Ok(SentLink {
                target: row.try_get("target")?,
                status: row.try_get("status")?,
                linked: row.try_get::<i64, _>("linked")? != 0,
                endpoint: row.try_get("endpoint")?,
                response_status: row.try_get("response_status")?,
                error: row.try_get("error")?,
                sent: row.try_get::<Option<i64>, _>("sent_at")?.map(Stamp),
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let path = format!("/p/{post_id}/webmentions");
    let chrome = viewer
        .chrome(&state, "Webmentions sent for a post", &path)
        .await?;
    render(&SentPage {
        chrome,
        post_id,
        post_path: format!("/p/{post_id}"),
        links,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_outside_http_links_are_sent_and_relative_ones_are_this_site() {
        let html = r#"<p><a href="https://blog.example.org/a">a</a> <a href="/t/1/x">here</a>
            <a href="http://forum.example.org/t/2">here too</a> <a href="mailto:x@example.org">m</a>
            <a href="https://blog.example.org/a">again</a> <a href="  https://other.example/b?q=1 ">b</a></p>"#;
        let links = outside_links(html, "http://forum.example.org");
        assert_eq!(
            links.into_iter().collect::<Vec<_>>(),
            vec![
                "https://blog.example.org/a".to_string(),
                "https://other.example/b?q=1".to_string()
            ]
        );
    }

    #[test]
    fn a_refusing_endpoint_is_final_and_an_outage_is_retried() {
        let refused = outcome_of(
            1,
            0,
            Err(WebmentionError::Rejected {
                endpoint: "https://e.example/wm".into(),
                status: 400,
            }),
        );
        assert_eq!(refused.status, "failed");
        assert_eq!(refused.response_status, Some(400));
        let outage = outcome_of(
            1,
            0,
            Err(WebmentionError::Status {
                url: "https://e.example/".into(),
                status: 503,
            }),
        );
        assert_eq!(outage.status, "pending");
        assert!(outage.next_attempt_at.is_some_and(|t| t > 0));
        let last = outcome_of(
            MAX_ATTEMPTS,
            0,
            Err(WebmentionError::Status {
                url: "https://e.example/".into(),
                status: 503,
            }),
        );
        assert_eq!(last.status, "failed");
    }
}
