//! The queries of received Webmentions: recording a request, the rows the verifying job claims
//! and settles, what a topic's thread shows, and the moderation settings and blocked domains.

use sqlx::any::AnyRow;
use sqlx::Row;

use crate::store::{now, Db};
use crate::web::Stamp;

/// A received Webmention as its status page and the admin page show it.
#[derive(Clone, Debug)]
pub struct Received {
    pub id: i64,
    pub source: String,
    pub target: String,
    pub source_domain: String,
    pub status: String,
    pub reason: Option<String>,
    pub kind: Option<String>,
    /// A verification is due (a new or re-sent mention).
    pub due: bool,
    /// Why the last try to fetch the source failed, while it is tried again.
    pub last_error: Option<String>,
    pub received: Stamp,
}

impl Received {
    /// The state a sender sees: "pending" while a verification is due, else the last outcome.
    pub fn shown_status(&self) -> &str {
        if self.due {
            "pending"
        } else {
            &self.status
        }
    }

    /// The status in words, for the HTML status page.
    pub fn explanation(&self) -> String {
        match (self.shown_status(), &self.reason) {
            ("pending", _) => match &self.last_error {
                Some(error) => format!(
                    "Waiting to be verified again: the last try to fetch the source failed \
                     ({error})."
                ),
                None => "Waiting to be verified: this site will fetch the source and check \
                         that it links to the target."
                    .to_string(),
            },
            ("accepted", _) => "Verified and shown with the page it mentions.".to_string(),
            (_, Some(reason)) => reason.clone(),
            (status, None) => status.to_string(),
        }
    }
}

const RECEIVED_COLUMNS: &str = "id, source, target, source_domain, status, reason, kind, \
     next_attempt_at, last_error, received_at";

fn received_from_row(row: &AnyRow) -> Result<Received, sqlx::Error> {
    Ok(Received {
        id: row.try_get("id")?,
        source: row.try_get("source")?,
        target: row.try_get("target")?,
        source_domain: row.try_get("source_domain")?,
        status: row.try_get("status")?,
        reason: row.try_get("reason")?,
        kind: row.try_get("kind")?,
        due: row.try_get::<Option<i64>, _>("next_attempt_at")?.is_some(),
        last_error: row.try_get("last_error")?,
        received: Stamp(row.try_get("received_at")?),
    })
}

/// Records a Webmention (or a re-send of one) as due for verification now; returns its id.
pub async fn record(
    db: &Db,
    source: &str,
    target: &str,
    source_domain: &str,
    topic_id: i64,
) -> Result<i64, sqlx::Error> {
    let at = now();
    // A re-send keeps the last outcome (a reply stays in its thread while it is re-verified) and
    // takes back any claim, so a verification that started before it cannot settle it.
    sqlx::query(
        "INSERT INTO webmentions (source, target, source_domain, topic_id, status, received_at, \
         next_attempt_at, created_at) VALUES ($1, $2, $3, $4, 'pending', $5, $5, $5) \
         ON CONFLICT (source, target) DO UPDATE SET received_at = excluded.received_at, \
         next_attempt_at = excluded.next_attempt_at, claimed_at = NULL, attempts = 0, \
         last_error = NULL, topic_id = excluded.topic_id \
         RETURNING id",
    )
    .bind(source)
    .bind(target)
    .bind(source_domain)
    .bind(topic_id)
    .bind(at)
    .fetch_one(db.pool())
    .await?
    .try_get("id")
}

pub async fn received(db: &Db, id: i64) -> Result<Option<Received>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {RECEIVED_COLUMNS} FROM webmentions WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(received_from_row).transpose()
}

/// Mentions with a given outcome (or every outcome with `None`), newest first.
pub async fn received_list(
    db: &Db,
    status: Option<&str>,
    limit: i64,
) -> Result<Vec<Received>, sqlx::Error> {
    let rows = match status {
        Some(status) => {
            sqlx::query(&format!(
                "SELECT {RECEIVED_COLUMNS} FROM webmentions WHERE status = $1 \
                 ORDER BY received_at DESC, id DESC LIMIT $2"
            ))
            .bind(status)
            .bind(limit)
            .fetch_all(db.pool())
            .await?
        }
        None => {
            sqlx::query(&format!(
                "SELECT {RECEIVED_COLUMNS} FROM webmentions ORDER BY received_at DESC, id DESC LIMIT $1"
            ))
            .bind(limit)
            .fetch_all(db.pool())
            .await?
        }
    };
    rows.iter().map(received_from_row).collect()
}

/// Counts a request from `domain` against its hourly limit; `false` when over it. Requests older
/// than an hour are forgotten on the way.
pub async fn within_rate_limit(db: &Db, domain: &str, per_hour: i64) -> Result<bool, sqlx::Error> {
    let at = now();
    let hour_ago = at - 3600 * 1000;
    sqlx::query("DELETE FROM webmention_requests WHERE received_at < $1")
        .bind(hour_ago)
        .execute(db.pool())
        .await?;
    let count: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM webmention_requests WHERE source_domain = $1 AND received_at >= $2",
    )
    .bind(domain)
    .bind(hour_ago)
    .fetch_one(db.pool())
    .await?
    .try_get("n")?;
    if count >= per_hour {
        return Ok(false);
    }
    sqlx::query("INSERT INTO webmention_requests (source_domain, received_at) VALUES ($1, $2)")
        .bind(domain)
        .bind(at)
        .execute(db.pool())
        .await?;
    Ok(true)
}

/// The community's Webmention settings.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// Hold the first mention from a domain with none accepted yet for a moderator.
    pub hold_new_domains: bool,
    pub per_domain_per_hour: i64,
}

pub async fn settings(db: &Db) -> Result<Settings, sqlx::Error> {
    let row = sqlx::query(
        "SELECT hold_new_domains, per_domain_per_hour FROM webmention_settings WHERE id = 1",
    )
    .fetch_optional(db.pool())
    .await?;
    Ok(match row {
        Some(row) => Settings {
            hold_new_domains: row.try_get::<i64, _>("hold_new_domains")? != 0,
            per_domain_per_hour: row.try_get("per_domain_per_hour")?,
        },
        None => Settings {
            hold_new_domains: true,
            per_domain_per_hour: 60,
        },
    })
}

pub async fn save_settings(db: &Db, settings: Settings) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE webmention_settings SET hold_new_domains = $1, per_domain_per_hour = $2 WHERE id = 1",
    )
    .bind(i64::from(settings.hold_new_domains))
    .bind(settings.per_domain_per_hour)
    .execute(db.pool())
    .await?;
    Ok(())
}

pub async fn is_blocked(db: &Db, domain: &str) -> Result<bool, sqlx::Error> {
    Ok(
        sqlx::query("SELECT 1 AS one FROM webmention_blocked_domains WHERE domain = $1")
            .bind(domain)
            .fetch_optional(db.pool())
            .await?
            .is_some(),
    )
}

pub async fn blocked_domains(db: &Db) -> Result<Vec<String>, sqlx::Error> {
    let rows = sqlx::query("SELECT domain FROM webmention_blocked_domains ORDER BY domain")
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(|r| r.try_get("domain")).collect()
}

/// Why a mention from a blocked `domain` is rejected.
pub fn blocked_reason(domain: &str) -> String {
    format!("Webmentions from {domain} are blocked by this community.")
}

/// Blocks `domain`: refuses its future mentions and rejects the ones it already made.
pub async fn block(db: &Db, domain: &str, by: i64) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO webmention_blocked_domains (domain, blocked_by, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (domain) DO NOTHING",
    )
    .bind(domain)
    .bind(by)
    .bind(now())
    .execute(&mut *tx)
    .await?;
    let topics = sqlx::query(
        "UPDATE webmentions SET status = 'rejected', reason = $2, next_attempt_at = NULL \
         WHERE source_domain = $1 RETURNING topic_id",
    )
    .bind(domain)
    .bind(blocked_reason(domain))
    .fetch_all(&mut *tx)
    .await?;
    for row in topics {
        bump_topic(&mut tx, row.try_get("topic_id")?).await?;
    }
    tx.commit().await
}

pub async fn unblock(db: &Db, domain: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM webmention_blocked_domains WHERE domain = $1")
        .bind(domain)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// A moderator's decision on a held mention: shown, or rejected for good. Returns whether a held
/// mention was there to decide on.
pub async fn decide(db: &Db, id: i64, approve: bool) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    let row = if approve {
        sqlx::query(
            "UPDATE webmentions SET status = 'accepted', reason = NULL, approved_at = $2 \
             WHERE id = $1 AND status = 'held' RETURNING topic_id",
        )
        .bind(id)
        .bind(now())
        .fetch_optional(&mut *tx)
        .await?
    } else {
        sqlx::query(
            "UPDATE webmentions SET status = 'rejected', reason = 'Rejected by a moderator.' \
             WHERE id = $1 AND status = 'held' RETURNING topic_id",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
    };
    let Some(row) = row else {
        return Ok(false);
    };
    bump_topic(&mut tx, row.try_get("topic_id")?).await?;
    tx.commit().await?;
    Ok(true)
}

/// The topic page shows mentions: a change to them is a change of the page (see
/// `forum::TopicPageCache`).
pub async fn bump_topic(tx: &mut crate::store::Tx, topic_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE topics SET revision = revision + 1 WHERE id = $1")
        .bind(topic_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// An accepted mention as a topic's thread shows it.
#[derive(Clone, Debug)]
pub struct Shown {
    pub source: String,
    pub source_domain: String,
    pub kind: String,
    pub entry_url: Option<String>,
    pub entry_name: Option<String>,
    pub author_name: Option<String>,
    pub author_url: Option<String>,
    pub author_photo: Option<String>,
    pub content_html: Option<String>,
    pub published: Option<String>,
    pub verified_at: i64,
}

pub async fn accepted_for_topic(db: &Db, topic_id: i64) -> Result<Vec<Shown>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT source, source_domain, kind, entry_url, entry_name, author_name, author_url, \
         author_photo, content_html, published, COALESCE(verified_at, received_at) AS verified_at \
         FROM webmentions WHERE topic_id = $1 AND status = 'accepted' \
         ORDER BY COALESCE(verified_at, received_at), id LIMIT 500",
    )
    .bind(topic_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Shown {
                source: row.try_get("source")?,
                source_domain: row.try_get("source_domain")?,
                kind: row
                    .try_get::<Option<String>, _>("kind")?
                    .unwrap_or_else(|| "mention".to_string()),
                entry_url: row.try_get("entry_url")?,
                entry_name: row.try_get("entry_name")?,
                author_name: row.try_get("author_name")?,
                author_url: row.try_get("author_url")?,
                author_photo: row.try_get("author_photo")?,
                content_html: row.try_get("content_html")?,
                published: row.try_get("published")?,
                verified_at: row.try_get("verified_at")?,
            })
        })
        .collect()
}
