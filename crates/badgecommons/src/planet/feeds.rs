//! The queries on `planet_feeds` that the polling job needs: adding a feed, reading one, claiming
//! the feeds that are due, and recording how a poll went (schedule, validators, health).
//!
//! A feed is claimed by a conditional `UPDATE` on `claimed_at` before it is fetched: of several
//! processes that try, exactly one matches the row, so no two fetch the same feed at once. A claim
//! older than [`STALE_CLAIM_MS`] belongs to a process that died mid-fetch and may be taken over.
//! Every outcome releases the claim in the same statement that records it.

use sqlx::Row as _;

use crate::store::{now, Db, Row};

/// A claim this old belongs to a process that stopped mid-poll. Far longer than one poll can
/// take (the fetcher's time limit is seconds, parsing and storing a thousand entries a few more).
pub(crate) const STALE_CLAIM_MS: i64 = 5 * 60 * 1000;

/// `next_poll_at` of a feed that is no longer polled (its server said 410 Gone).
pub(crate) const NEVER: i64 = i64::MAX;

/// What [`add_feed`] needs to know about a new feed.
#[derive(Clone, Debug, Default)]
pub(crate) struct NewFeed<'a> {
    /// The feed's own URL (absolute http(s)); the key of the table.
    pub url: &'a str,
    /// The site it was found on, as the member typed it.
    pub site_url: Option<&'a str>,
    /// A title from discovery (`<link title>`), until the feed's own is read.
    pub title: Option<&'a str>,
    /// The member whose site it is (`None`: a community feed an admin added).
    pub member_id: Option<i64>,
    pub added_by: Option<i64>,
}

/// A feed as the poller sees it.
#[derive(Clone, Debug)]
pub(crate) struct FeedRow {
    pub id: i64,
    pub url: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub interval_ms: i64,
    pub error_count: i64,
    pub filter_tags: String,
    pub filter_words: String,
    pub websub_hub: Option<String>,
    pub websub_topic: Option<String>,
    pub websub_secret: Option<String>,
    pub websub_state: Option<String>,
    pub websub_lease_until: Option<i64>,
    /// When this process claimed it (see [`renew_claim`]).
    pub claimed_at: Option<i64>,
}

const COLUMNS: &str = "id, url, etag, last_modified, interval_ms, error_count, filter_tags, \
     filter_words, websub_hub, websub_topic, websub_secret, websub_state, websub_lease_until, \
     claimed_at";

fn feed_row(row: &Row) -> Result<FeedRow, sqlx::Error> {
    Ok(FeedRow {
        id: row.try_get("id")?,
        url: row.try_get("url")?,
        etag: row.try_get("etag")?,
        last_modified: row.try_get("last_modified")?,
        interval_ms: row.try_get("interval_ms")?,
        error_count: row.try_get("error_count")?,
        filter_tags: row.try_get("filter_tags")?,
        filter_words: row.try_get("filter_words")?,
        websub_hub: row.try_get("websub_hub")?,
        websub_topic: row.try_get("websub_topic")?,
        websub_secret: row.try_get("websub_secret")?,
        websub_state: row.try_get("websub_state")?,
        websub_lease_until: row.try_get("websub_lease_until")?,
        claimed_at: row.try_get("claimed_at")?,
    })
}

/// Adds a feed, due at once, and returns its id; `None` when a feed with this URL is already
/// there (it is left as it is). Call `planet::polling::poll_now` next, so the first entries
/// appear at once and the background job does not fetch it a second time.
pub(crate) async fn add_feed(db: &Db, feed: NewFeed<'_>) -> Result<Option<i64>, sqlx::Error> {
    let at = now();
    let inserted = sqlx::query(
        "INSERT INTO planet_feeds (url, site_url, title, member_id, added_by, next_poll_at,
                                   interval_ms, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $6)
         ON CONFLICT (url) DO NOTHING
         RETURNING id",
    )
    .bind(feed.url)
    .bind(feed.site_url)
    .bind(feed.title)
    .bind(feed.member_id)
    .bind(feed.added_by)
    .bind(at)
    .bind(super::schedule::MIN_INTERVAL_MS)
    .fetch_optional(db.pool())
    .await?;
    inserted.map(|row| row.try_get("id")).transpose()
}

/// The feed `id`, if it exists.
pub(crate) async fn find(db: &Db, id: i64) -> Result<Option<FeedRow>, sqlx::Error> {
    sqlx::query(&format!("SELECT {COLUMNS} FROM planet_feeds WHERE id = $1"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .map(|row| feed_row(&row))
        .transpose()
}

/// Claims feed `id` for a poll whether or not it is due (a new feed, `refresh --all`); `None`
/// when another process holds a fresh claim on it, or it does not exist.
pub(crate) async fn claim(db: &Db, id: i64) -> Result<Option<FeedRow>, sqlx::Error> {
    take_claim(db, id, now(), false).await
}

/// Claims up to `limit` feeds that are due now (soonest due first), for this process alone.
pub(crate) async fn claim_due(db: &Db, limit: i64) -> Result<Vec<FeedRow>, sqlx::Error> {
    let at = now();
    let candidates = sqlx::query(
        "SELECT id FROM planet_feeds
         WHERE next_poll_at <= $1 AND (claimed_at IS NULL OR claimed_at < $2)
         ORDER BY next_poll_at, id LIMIT $3",
    )
    .bind(at)
    .bind(at - STALE_CLAIM_MS)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    let mut claimed = Vec::with_capacity(candidates.len());
    for row in candidates {
        // Due is checked again: another process may have polled it since the SELECT.
        if let Some(feed) = take_claim(db, row.try_get("id")?, at, true).await? {
            claimed.push(feed);
        }
    }
    Ok(claimed)
}

/// Claims feed `id` as of `at` unless another process holds a fresh claim on it (or, when
/// `only_due`, it is not due at `at`); the feed when this process won it.
async fn take_claim(
    db: &Db,
    id: i64,
    at: i64,
    only_due: bool,
) -> Result<Option<FeedRow>, sqlx::Error> {
    let due = if only_due {
        "AND next_poll_at <= $1"
    } else {
        ""
    };
    let won = sqlx::query(&format!(
        "UPDATE planet_feeds SET claimed_at = $1
         WHERE id = $2 {due} AND (claimed_at IS NULL OR claimed_at < $3)"
    ))
    .bind(at)
    .bind(id)
    .bind(at - STALE_CLAIM_MS)
    .execute(db.pool())
    .await?
    .rows_affected()
        == 1;
    if won {
        find(db, id).await
    } else {
        Ok(None)
    }
}

/// Refreshes this process's claim on `feed` just before fetching it (it may have waited in its
/// host's queue); `false` if the claim went stale meanwhile and another process took it over.
pub(crate) async fn renew_claim(db: &Db, feed: &mut FeedRow) -> Result<bool, sqlx::Error> {
    let at = now();
    let renewed =
        sqlx::query("UPDATE planet_feeds SET claimed_at = $1 WHERE id = $2 AND claimed_at = $3")
            .bind(at)
            .bind(feed.id)
            .bind(feed.claimed_at)
            .execute(db.pool())
            .await?
            .rows_affected()
            == 1;
    if renewed {
        feed.claimed_at = Some(at);
    }
    Ok(renewed)
}

/// Whether `domain` (a host, with `:port` when not the default) is the site of a member's
/// connected feed: the Webmentions such a site sends are its member's own replies, not a
/// stranger's first contact.
pub(crate) async fn is_member_site(db: &Db, domain: &str) -> Result<bool, sqlx::Error> {
    // The domain matched literally: a `_` in it is not a wildcard.
    let domain = super::river::like_literal(domain);
    let (http, https) = (format!("http://{domain}/%"), format!("https://{domain}/%"));
    Ok(sqlx::query(
        "SELECT id FROM planet_feeds WHERE member_id IS NOT NULL \
         AND (url LIKE $1 ESCAPE '!' OR url LIKE $2 ESCAPE '!' \
              OR site_url LIKE $1 ESCAPE '!' OR site_url LIKE $2 ESCAPE '!') LIMIT 1",
    )
    .bind(http)
    .bind(https)
    .fetch_optional(db.pool())
    .await?
    .is_some())
}

/// The id and URL of every feed (`refresh --all`), in id order.
pub(crate) async fn all_feeds(db: &Db) -> Result<Vec<(i64, String)>, sqlx::Error> {
    sqlx::query("SELECT id, url FROM planet_feeds ORDER BY id")
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|row| Ok((row.try_get("id")?, row.try_get("url")?)))
        .collect()
}

/// Whether a claim is held on feed `id` (someone is polling it right now).
pub(crate) async fn is_claimed(db: &Db, id: i64) -> Result<bool, sqlx::Error> {
    let row = sqlx::query("SELECT claimed_at FROM planet_feeds WHERE id = $1")
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    let Some(row) = row else { return Ok(false) };
    let claimed_at: Option<i64> = row.try_get("claimed_at")?;
    Ok(claimed_at.is_some_and(|at| at >= now() - STALE_CLAIM_MS))
}

/// What a successful poll learnt about the feed (a 200 with a feed, or a 304).
#[derive(Clone, Debug, Default)]
pub(crate) struct Success {
    /// The validators for the next conditional GET (a 304 passes on the stored ones).
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// `None` keeps what is stored.
    pub title: Option<String>,
    pub format: Option<&'static str>,
    pub next_poll_at: i64,
    pub interval_ms: i64,
}

/// Records a successful poll and releases the claim.
pub(crate) async fn record_success(db: &Db, id: i64, success: &Success) -> Result<(), sqlx::Error> {
    let at = now();
    sqlx::query(
        "UPDATE planet_feeds SET
             claimed_at = NULL, last_polled_at = $1, last_success_at = $1,
             last_error = NULL, last_error_at = NULL, error_count = 0,
             next_poll_at = $2, interval_ms = $3,
             etag = $4, last_modified = $5,
             title = COALESCE($6, title), format = COALESCE($7, format)
         WHERE id = $8",
    )
    .bind(at)
    .bind(success.next_poll_at)
    .bind(success.interval_ms)
    .bind(success.etag.as_deref())
    .bind(success.last_modified.as_deref())
    .bind(success.title.as_deref())
    .bind(success.format)
    .bind(id)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Records a failed poll in words (`error`), counts it, schedules the next try and releases the
/// claim.
pub(crate) async fn record_error(
    db: &Db,
    id: i64,
    error: &str,
    error_count: i64,
    next_poll_at: i64,
) -> Result<(), sqlx::Error> {
    let at = now();
    sqlx::query(
        "UPDATE planet_feeds SET
             claimed_at = NULL, last_polled_at = $1, last_error = $2, last_error_at = $1,
             error_count = $3, next_poll_at = $4
         WHERE id = $5",
    )
    .bind(at)
    .bind(error)
    .bind(error_count)
    .bind(next_poll_at)
    .bind(id)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Releases a claim without recording anything (the poll could not be finished, e.g. the
/// database failed half-way); the feed is due again at once.
pub(crate) async fn release(db: &Db, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE planet_feeds SET claimed_at = NULL WHERE id = $1")
        .bind(id)
        .execute(db.pool())
        .await?;
    Ok(())
}
