//! The verifying job: fetches each due mention's source through the guarded client and settles
//! it with `syndication::webmention::verify` — accepted (or held for a moderator), rejected,
//! or deleted.
//!
//! Rows are claimed like the email outbox's (`jobs::outbox`): a conditional UPDATE only one
//! process wins. A fetch that fails for a passing reason (network, 5xx, 408, 429) is retried
//! with a doubling delay; a source that answers another 4xx, or still fails after
//! [`MAX_ATTEMPTS`], is given up: a new mention is rejected with the reason, while one shown
//! before keeps showing (an outage of the sender's site does not delete its reply).

use sqlx::Row;
use syndication::webmention::{self, Kind, Verified, WebmentionError};

use super::store;
use crate::store::{now, Db};
use crate::web::AppState;

/// Mentions verified per round.
const BATCH: i64 = 20;
pub const MAX_ATTEMPTS: i64 = 5;
const FIRST_DELAY_MS: i64 = 60 * 1000;
const MAX_DELAY_MS: i64 = 6 * 3600 * 1000;
/// A claim this old belongs to a process that died mid-verification.
pub(super) const STALE_CLAIM_MS: i64 = 5 * 60 * 1000;
/// The most characters of a source's content kept.
const MAX_CONTENT_CHARS: usize = 20_000;

/// Starts a round in the background now, so a mention is verified within moments rather than
/// at the worker's next tick. Losing the race for a claim to the worker is harmless.
pub fn run_soon(state: &AppState) {
    let state = state.clone();
    tokio::spawn(async move {
        if let Err(e) = verify_due(&state).await {
            tracing::warn!(error = %e, "cannot verify Webmentions");
        }
    });
}

/// The delay before retry number `attempts` (1, 2, ...).
pub(super) fn backoff(attempts: i64) -> i64 {
    FIRST_DELAY_MS
        .saturating_mul(1 << (attempts - 1).clamp(0, 20))
        .min(MAX_DELAY_MS)
}

/// Verifies one round of due mentions; returns how many were settled or put off.
pub async fn verify_due(state: &AppState) -> Result<usize, sqlx::Error> {
    let db = state.db.pool();
    let started = now();
    let rows = sqlx::query(
        "SELECT id FROM webmentions WHERE next_attempt_at IS NOT NULL AND next_attempt_at <= $1 \
         AND (claimed_at IS NULL OR claimed_at < $2) ORDER BY next_attempt_at, id LIMIT $3",
    )
    .bind(started)
    .bind(started - STALE_CLAIM_MS)
    .bind(BATCH)
    .fetch_all(db)
    .await?;
    let mut done = 0;
    for row in rows {
        let id: i64 = row.try_get("id")?;
        let claim = now();
        let claimed = sqlx::query(
            "UPDATE webmentions SET claimed_at = $1 WHERE id = $2 AND next_attempt_at IS NOT NULL \
             AND next_attempt_at <= $1 AND (claimed_at IS NULL OR claimed_at < $3) \
             RETURNING source, target, source_domain, topic_id, status, approved_at, attempts",
        )
        .bind(claim)
        .bind(id)
        .bind(claim - STALE_CLAIM_MS)
        .fetch_optional(db)
        .await?;
        let Some(claimed) = claimed else { continue };
        let job = Job {
            id,
            claim,
            source: claimed.try_get("source")?,
            target: claimed.try_get("target")?,
            domain: claimed.try_get("source_domain")?,
            topic_id: claimed.try_get("topic_id")?,
            status: claimed.try_get("status")?,
            approved: claimed.try_get::<Option<i64>, _>("approved_at")?.is_some(),
            attempts: claimed.try_get("attempts")?,
        };
        let result = webmention::verify(&*state.fetcher, &job.source, &job.target).await;
        settle(&state.db, &job, result).await?;
        done += 1;
    }
    Ok(done)
}

struct Job {
    id: i64,
    claim: i64,
    source: String,
    target: String,
    domain: String,
    topic_id: i64,
    status: String,
    approved: bool,
    attempts: i64,
}

/// What a verified source is to the target: the first of reply, like, repost, bookmark it
/// declares, else a plain mention.
fn kind_of(kinds: &[Kind]) -> &'static str {
    [
        (Kind::Reply, "reply"),
        (Kind::Like, "like"),
        (Kind::Repost, "repost"),
        (Kind::Bookmark, "bookmark"),
    ]
    .into_iter()
    .find(|(kind, _)| kinds.contains(kind))
    .map_or("mention", |(_, name)| name)
}

/// Whether a failure may pass: network trouble, a server error, a timeout or a rate limit.
pub(super) fn is_passing(error: &WebmentionError) -> bool {
    match error {
        WebmentionError::Status { status, .. } => is_passing_status(*status),
        WebmentionError::Fetch { error, .. } => !error.permanent,
        _ => false,
    }
}

/// Whether an HTTP status may pass: a server error, a timeout or a rate limit.
pub(super) fn is_passing_status(status: u16) -> bool {
    status >= 500 || matches!(status, 408 | 429)
}

fn shorten(text: &str, chars: usize) -> String {
    text.chars().take(chars).collect()
}

async fn settle(
    db: &Db,
    job: &Job,
    result: Result<Verified, WebmentionError>,
) -> Result<(), sqlx::Error> {
    // Everything read before the transaction, so that on SQLite it only ever writes (a read
    // transaction that later writes can fail when another writer got in between).
    let status = match &result {
        Ok(Verified::Mention(_)) => Some(if store::is_blocked(db, &job.domain).await? {
            "rejected"
        } else if job.approved || job.status == "accepted" {
            "accepted"
        } else if store::settings(db).await?.hold_new_domains
            && !domain_has_accepted(db, &job.domain, job.id).await?
            && !crate::planet::is_member_site(db, &job.domain).await?
        {
            "held"
        } else {
            "accepted"
        }),
        _ => None,
    };
    let mut tx = db.begin().await?;
    let at = now();
    let was_shown = matches!(job.status.as_str(), "accepted" | "held");
    let updated = match result {
        Ok(Verified::Mention(mention)) => {
            let status = status.unwrap_or("accepted");
            let reason = match status {
                "held" => Some(format!(
                    "Held for a moderator: this is the first Webmention from {}.",
                    job.domain
                )),
                "rejected" => Some(store::blocked_reason(&job.domain)),
                _ => None,
            };
            let author = mention.author.clone().unwrap_or_default();
            sqlx::query(
                "UPDATE webmentions SET status = $1, reason = $2, kind = $3, source_url = $4, \
                 entry_url = $5, entry_name = $6, author_name = $7, author_url = $8, \
                 author_photo = $9, content_html = $10, published = $11, verified_at = $12, \
                 next_attempt_at = NULL, claimed_at = NULL, attempts = 0, last_error = NULL \
                 WHERE id = $13 AND claimed_at = $14",
            )
            .bind(status)
            .bind(reason)
            .bind(kind_of(&mention.kinds))
            .bind(&mention.source_url)
            .bind(mention.url.as_deref())
            .bind(mention.name.as_deref().map(|n| shorten(n, 300)))
            .bind(author.name.as_deref().map(|n| shorten(n, 200)))
            .bind(author.url.as_deref())
            .bind(author.photo.as_deref())
            // The library sanitised it; cutting it could break a tag, so it is cleaned again.
            .bind(mention.content_html.as_deref().map(|html| {
                if html.chars().count() > MAX_CONTENT_CHARS {
                    syndication::sanitize::clean_html(&shorten(html, MAX_CONTENT_CHARS))
                } else {
                    html.to_string()
                }
            }))
            .bind(mention.published.as_deref().map(|p| shorten(p, 64)))
            .bind(at)
            .bind(job.id)
            .bind(job.claim)
            .execute(&mut *tx)
            .await?
        }
        Ok(Verified::NoLink) => {
            let (status, reason) = if was_shown {
                (
                    "deleted",
                    "The source no longer links to the target, so the mention was removed.",
                )
            } else {
                ("rejected", "The source does not link to the target.")
            };
            clear(&mut tx, job, status, reason, at).await?
        }
        Ok(Verified::Deleted) => {
            clear(
                &mut tx,
                job,
                "deleted",
                "The source was deleted (it answers 410 Gone), so the mention was removed.",
                at,
            )
            .await?
        }
        Err(error) => {
            let attempts = job.attempts + 1;
            let problem = shorten(&error.to_string(), 500);
            if is_passing(&error) && attempts < MAX_ATTEMPTS {
                sqlx::query(
                    "UPDATE webmentions SET attempts = $1, next_attempt_at = $2, claimed_at = NULL, \
                     last_error = $3 WHERE id = $4 AND claimed_at = $5",
                )
                .bind(attempts)
                .bind(at + backoff(attempts))
                .bind(&problem)
                .bind(job.id)
                .bind(job.claim)
                .execute(&mut *tx)
                .await?
            } else if job.status == "pending" {
                clear(
                    &mut tx,
                    job,
                    "rejected",
                    &format!("The source could not be verified: {problem}"),
                    at,
                )
                .await?
            } else {
                // Shown before: it stays as it was, with the error noted for moderators.
                sqlx::query(
                    "UPDATE webmentions SET attempts = $1, next_attempt_at = NULL, claimed_at = NULL, \
                     last_error = $2 WHERE id = $3 AND claimed_at = $4",
                )
                .bind(attempts)
                .bind(&problem)
                .bind(job.id)
                .bind(job.claim)
                .execute(&mut *tx)
                .await?
            }
        }
    };
    if updated.rows_affected() > 0 {
        store::bump_topic(&mut tx, job.topic_id).await?;
    }
    tx.commit().await
}

/// Settles a mention without content: what was shown of it goes.
async fn clear(
    tx: &mut crate::store::Tx,
    job: &Job,
    status: &str,
    reason: &str,
    at: i64,
) -> Result<sqlx::any::AnyQueryResult, sqlx::Error> {
    sqlx::query(
        "UPDATE webmentions SET status = $1, reason = $2, content_html = NULL, entry_name = NULL, \
         author_name = NULL, author_url = NULL, author_photo = NULL, verified_at = $3, \
         next_attempt_at = NULL, claimed_at = NULL, last_error = NULL WHERE id = $4 AND claimed_at = $5",
    )
    .bind(status)
    .bind(reason)
    .bind(at)
    .bind(job.id)
    .bind(job.claim)
    .execute(&mut **tx)
    .await
}

/// Whether the domain has a mention shown already (so it is not new to the community).
async fn domain_has_accepted(db: &Db, domain: &str, except: i64) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "SELECT id FROM webmentions WHERE source_domain = $1 AND id <> $2 \
         AND (status = 'accepted' OR approved_at IS NOT NULL) LIMIT 1",
    )
    .bind(domain)
    .bind(except)
    .fetch_optional(db.pool())
    .await?
    .is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_wins_over_other_kinds_and_nothing_is_a_mention() {
        assert_eq!(kind_of(&[Kind::Like, Kind::Reply]), "reply");
        assert_eq!(kind_of(&[Kind::Repost]), "repost");
        assert_eq!(kind_of(&[]), "mention");
    }

    #[test]
    fn retries_wait_longer_each_time_up_to_a_bound() {
        assert_eq!(backoff(1), FIRST_DELAY_MS);
        assert_eq!(backoff(2), 2 * FIRST_DELAY_MS);
        assert_eq!(backoff(60), MAX_DELAY_MS);
    }
}
