//! "Discuss": a member opens a forum topic about a planet entry. The topic is started with the
//! forum's own `posting::start_topic` (same rules, limits and approval as any topic), its title is
//! the entry's, its body quotes the entry's title and the start of its summary and links the
//! original; `planet_entries.topic_id` remembers it, so a second click goes to the same topic.
//! A Webmention from the topic's address to the original is queued, so its author hears of it.
//!
//! The category: the one whose slug is `planet` if the community made one, else the first
//! category (by position, then name) the member may start topics in.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::Router;

use super::filters::html_text;
use super::river::{self, RiverEntry};
use crate::accounts::model::Member;
use crate::forum::{self, posting, Category};
use crate::web::{AppState, Failure, Viewer};
use sqlx::Row as _;

/// The most characters of the entry's summary quoted in the topic.
const QUOTE_CHARS: usize = 400;

pub fn routes() -> Router<AppState> {
    Router::new().route("/planet/entries/{id}/discuss", post(discuss))
}

/// Markdown characters escaped, so a title from outside stays text in the topic.
fn markdown_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\`*_[]()<>#!|~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn topic_title(entry: &RiverEntry) -> String {
    let title = entry.display_title();
    let title: String = title.chars().take(posting::MAX_TITLE_CHARS).collect();
    if title.trim().chars().count() < posting::MIN_TITLE_CHARS {
        format!("On the planet: {title}")
    } else {
        title
    }
}

fn topic_body(entry: &RiverEntry, link: &str) -> String {
    let mut body = format!("> **{}**\n", markdown_text(&entry.display_title()));
    let summary = html_text(&entry.summary_html);
    if !summary.is_empty() {
        let mut quoted: String = summary.chars().take(QUOTE_CHARS).collect();
        if summary.chars().count() > QUOTE_CHARS {
            quoted.push('…');
        }
        body.push_str(&format!(">\n> {}\n", markdown_text(&quoted)));
    }
    body.push_str(&format!(
        "\nWritten by {} on their own site: <{link}>\n",
        markdown_text(&entry.author())
    ));
    body
}

async fn category_for(state: &AppState, member: &Member) -> Result<Category, Failure> {
    let categories = forum::store::categories(&state.db).await?;
    let allowed = |c: &&Category| member.role >= c.min_role_to_post;
    categories
        .iter()
        .filter(allowed)
        .find(|c| c.slug == "planet")
        .or_else(|| categories.iter().find(allowed))
        .cloned()
        .ok_or_else(|| {
            Failure::Invalid("There is no forum category you may start a topic in.".to_string())
        })
}

/// The visible topic already opened about an entry, if any.
async fn existing_topic(
    state: &AppState,
    entry_id: i64,
    member: &Member,
) -> Result<Option<String>, Failure> {
    let row = sqlx::query("SELECT topic_id FROM planet_entries WHERE id = $1")
        .bind(entry_id)
        .fetch_optional(state.db.pool())
        .await?;
    let Some(topic_id) = row
        .map(|r| r.try_get::<Option<i64>, _>("topic_id"))
        .transpose()?
        .flatten()
    else {
        return Ok(None);
    };
    Ok(forum::store::topic(&state.db, topic_id)
        .await?
        .filter(|t| t.visible_to(Some(member)))
        .map(|t| t.path()))
}

/// Claims entry `id` for opening its topic; false when it has one, or another member's click
/// is opening it (a claim older than a minute belongs to a request that died).
async fn claim(state: &AppState, id: i64) -> Result<bool, sqlx::Error> {
    let now = crate::store::now();
    let claimed = sqlx::query(
        "UPDATE planet_entries SET discussion_claimed_at = $1 WHERE id = $2 AND topic_id IS NULL \
         AND (discussion_claimed_at IS NULL OR discussion_claimed_at < $3)",
    )
    .bind(now)
    .bind(id)
    .bind(now - 60_000)
    .execute(state.db.pool())
    .await?;
    Ok(claimed.rows_affected() == 1)
}

async fn discuss(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    let entry = river::entry(&state.db, id)
        .await?
        .ok_or_else(|| Failure::not_found("planet entry"))?;
    if let Some(path) = existing_topic(&state, id, member).await? {
        return Ok(Redirect::to(&path).into_response());
    }
    let Some(link) = entry.url.clone() else {
        return Err(Failure::Invalid(
            "This entry has no address of its own to discuss.".to_string(),
        ));
    };
    // One topic per entry, even for two members clicking at the same moment: the first claims
    // the entry; the other waits briefly for the first one's topic.
    if !claim(&state, id).await? {
        for _ in 0..30 {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            if let Some(path) = existing_topic(&state, id, member).await? {
                return Ok(Redirect::to(&path).into_response());
            }
        }
        return Err(Failure::Conflict(
            "Another member is opening a topic for this entry right now: reload the planet in a \
             moment to join it."
                .to_string(),
        ));
    }
    let category = category_for(&state, member).await;
    let posted = match category {
        Ok(category) => {
            posting::start_topic(
                &state,
                member,
                &category,
                &topic_title(&entry),
                &topic_body(&entry, &link),
            )
            .await
        }
        Err(e) => Err(e),
    };
    let topic_id = posted.as_ref().ok().map(|p| p.topic_id);
    sqlx::query(
        "UPDATE planet_entries SET topic_id = COALESCE($1, topic_id), discussion_claimed_at = NULL \
         WHERE id = $2",
    )
    .bind(topic_id)
    .bind(id)
    .execute(state.db.pool())
    .await?;
    let posted = posted?;
    // The original's author learns of the discussion by Webmention: the topic's first post links
    // the original, so `start_topic` has queued one from that post's permalink, as for any post.
    Ok(Redirect::to(&posted.path).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_plain_text() {
        assert_eq!(
            html_text("<p>Badges &amp; <em>credentials</em></p>\n<p>again</p>"),
            "Badges & credentials again"
        );
    }

    #[test]
    fn markdown_in_outside_text_stays_text() {
        assert_eq!(
            markdown_text("[x](javascript:y)"),
            "\\[x\\]\\(javascript:y\\)"
        );
    }
}
