//! Storing the entries read from a feed (a poll or a WebSub delivery) in `planet_entries`.
//!
//! Entries are de-duplicated per feed by [`Entry::dedup_key`] (the id, else the URL, else a hash
//! of the content; `UNIQUE (feed_id, dedup_key)`). An entry seen again with any field changed
//! replaces the stored row's fields (it keeps its id and first-seen time); one seen again
//! unchanged is left alone, so a re-fetch of the same document counts as nothing new.
//!
//! Choices: the date the river sorts by is `published`, else `updated`, else when the entry was
//! first seen, and never later than first seen: an entry dated in the future would otherwise sit
//! at the top of the river until that date. Tags are lower case, one per line. Links (the entry's
//! and its author's) are kept only when they are http(s), so a `javascript:` URL from a feed never
//! becomes a link on the planet. NUL characters are dropped (PostgreSQL refuses them in text).
//! The HTML arrives already sanitised by `syndication::feeds::parse`.

use std::collections::HashSet;

use sqlx::Row as _;
use syndication::feeds::Entry;

use super::feeds::FeedRow;
use super::filters::{community_filter, EntryText, Filter};
use crate::store::{now, Db};

/// How many of the entries given were new, and how many replaced a stored one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Stored {
    pub new: usize,
    pub updated: usize,
}

/// An entry as stored.
#[derive(Debug, PartialEq, Eq)]
struct Fields {
    url: Option<String>,
    title: Option<String>,
    summary_html: Option<String>,
    content_html: Option<String>,
    author_name: Option<String>,
    author_url: Option<String>,
    author_photo: Option<String>,
    tags: String,
    published_at: i64,
    updated_at: Option<i64>,
    shown: bool,
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

impl Fields {
    /// Binds the fields, in the order they are declared, to the next placeholders of `query`.
    fn bind<'q>(&'q self, query: AnyQuery<'q>) -> AnyQuery<'q> {
        query
            .bind(&self.url)
            .bind(&self.title)
            .bind(&self.summary_html)
            .bind(&self.content_html)
            .bind(&self.author_name)
            .bind(&self.author_url)
            .bind(&self.author_photo)
            .bind(&self.tags)
            .bind(self.published_at)
            .bind(self.updated_at)
            .bind(i64::from(self.shown))
    }
}

/// Stores `entries` of `feed`, deciding for each whether the filters show it.
pub(crate) async fn store(
    db: &Db,
    feed: &FeedRow,
    entries: &[Entry],
) -> Result<Stored, sqlx::Error> {
    let community = community_filter(db).await?;
    let own = Filter::from_lists(&feed.filter_tags, &feed.filter_words);
    let seen_at = now();
    let mut stored = Stored::default();
    let mut keys = HashSet::new();
    let mut tx = db.begin().await?;
    // A write first: SQLite then takes its write lock now (waiting its busy timeout for other
    // feeds' transactions) instead of failing "database is locked" when a transaction that
    // began by reading tries to write after another one committed.
    sqlx::query("UPDATE planet_feeds SET claimed_at = claimed_at WHERE id = $1")
        .bind(feed.id)
        .execute(&mut *tx)
        .await?;
    for entry in entries {
        let key = no_nul(Some(&entry.dedup_key())).unwrap_or_default();
        // A document that lists the same entry twice: the first (newest) one counts.
        if !keys.insert(key.clone()) {
            continue;
        }
        let existing = sqlx::query(
            "SELECT id, url, title, summary_html, content_html, author_name, author_url,
                    author_photo, tags, published_at, updated_at, first_seen_at, shown
             FROM planet_entries WHERE feed_id = $1 AND dedup_key = $2",
        )
        .bind(feed.id)
        .bind(&key)
        .fetch_optional(&mut *tx)
        .await?;
        let first_seen = match &existing {
            Some(row) => row.try_get::<i64, _>("first_seen_at")?,
            None => seen_at,
        };
        let fields = fields(entry, first_seen, &community, &own);
        match existing {
            None => {
                let inserted = fields
                    .bind(
                        sqlx::query(
                            "INSERT INTO planet_entries (feed_id, dedup_key, first_seen_at, url,
                                 title, summary_html, content_html, author_name, author_url,
                                 author_photo, tags, published_at, updated_at, shown)
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
                             ON CONFLICT (feed_id, dedup_key) DO NOTHING",
                        )
                        .bind(feed.id)
                        .bind(&key)
                        .bind(seen_at),
                    )
                    .execute(&mut *tx)
                    .await?;
                stored.new += inserted.rows_affected() as usize;
            }
            Some(row) => {
                let old = Fields {
                    url: row.try_get("url")?,
                    title: row.try_get("title")?,
                    summary_html: row.try_get("summary_html")?,
                    content_html: row.try_get("content_html")?,
                    author_name: row.try_get("author_name")?,
                    author_url: row.try_get("author_url")?,
                    author_photo: row.try_get("author_photo")?,
                    tags: row.try_get("tags")?,
                    published_at: row.try_get("published_at")?,
                    updated_at: row.try_get("updated_at")?,
                    shown: row.try_get::<i64, _>("shown")? != 0,
                };
                if old == fields {
                    continue;
                }
                fields
                    .bind(sqlx::query(
                        "UPDATE planet_entries SET url = $1, title = $2, summary_html = $3,
                             content_html = $4, author_name = $5, author_url = $6,
                             author_photo = $7, tags = $8, published_at = $9, updated_at = $10,
                             shown = $11
                         WHERE id = $12",
                    ))
                    .bind(row.try_get::<i64, _>("id")?)
                    .execute(&mut *tx)
                    .await?;
                stored.updated += 1;
            }
        }
    }
    tx.commit().await?;
    Ok(stored)
}

fn fields(entry: &Entry, first_seen: i64, community: &Filter, own: &Filter) -> Fields {
    let mut tags: Vec<String> = Vec::new();
    for category in &entry.categories {
        let tag = category
            .replace(['\n', '\r', '\0'], " ")
            .trim()
            .to_lowercase();
        if !tag.is_empty() && !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    let title = no_nul(entry.title.as_deref());
    let summary_html = no_nul(entry.summary_html.as_deref());
    let content_html = no_nul(entry.content_html.as_deref());
    let text = EntryText {
        title: title.as_deref(),
        summary_html: summary_html.as_deref(),
        content_html: content_html.as_deref(),
        tags: &tags,
    };
    let shown = community.passes(&text) && own.passes(&text);
    let author = entry.author.as_ref();
    Fields {
        url: web_url(entry.url.as_deref()),
        title,
        summary_html,
        content_html,
        author_name: no_nul(author.and_then(|a| a.name.as_deref())),
        author_url: web_url(author.and_then(|a| a.url.as_deref())),
        author_photo: web_url(author.and_then(|a| a.photo.as_deref())),
        tags: tags.join("\n"),
        published_at: entry
            .date()
            .map(|at| at.timestamp_millis())
            .map_or(first_seen, |at| at.min(first_seen)),
        updated_at: entry.updated.map(|at| at.timestamp_millis()),
        shown,
    }
}

fn no_nul(text: Option<&str>) -> Option<String> {
    text.map(|t| t.replace('\0', ""))
}

/// `url` when it is an absolute http(s) URL.
fn web_url(url: Option<&str>) -> Option<String> {
    let parsed = url::Url::parse(url?.trim()).ok()?;
    matches!(parsed.scheme(), "http" | "https").then(|| parsed.to_string())
}
