//! Reading the river: the entries the filters let through (`shown = 1`), newest first by their
//! date, one page at a time, optionally only one member's or only those with one tag. The page,
//! the Atom and JSON Feed outputs and the API all read it through [`river`].
//!
//! Pagination is by page number (`?page=`): the river is read by people going back a few pages,
//! and numbered pages keep links simple; ties on the date are broken by id so pages never overlap.

use sqlx::Row as _;

use crate::store::Db;
use crate::web::Stamp;

/// Entries per page (and in the combined feeds).
pub const PER_PAGE: i64 = 20;

/// Which part of the river to read.
#[derive(Clone, Debug, Default)]
pub struct RiverQuery {
    /// Only this member's feeds (a username).
    pub member: Option<String>,
    /// Only entries with this category (compared in lower case).
    pub tag: Option<String>,
    /// From 1.
    pub page: i64,
}

/// One entry as the river shows it.
#[derive(Clone, Debug)]
pub struct RiverEntry {
    pub id: i64,
    pub url: Option<String>,
    pub title: Option<String>,
    /// Sanitised when stored (`syndication::feeds` runs the one policy); the summary, else the
    /// content.
    pub summary_html: String,
    /// The member whose feed it came from.
    pub member: Option<String>,
    /// The name the feed gives its author.
    pub author_name: Option<String>,
    pub author_url: Option<String>,
    pub feed_title: Option<String>,
    pub tags: Vec<String>,
    pub published: Stamp,
    pub topic_id: Option<i64>,
}

impl RiverEntry {
    /// The name the entry is credited to: the member, else the feed's author, else the feed.
    pub fn author(&self) -> String {
        self.member
            .clone()
            .or_else(|| self.author_name.clone().filter(|n| !n.trim().is_empty()))
            .or_else(|| self.feed_title.clone().filter(|n| !n.trim().is_empty()))
            .unwrap_or_else(|| "someone".to_string())
    }

    /// Where the credit links: the member's profile, else the author's own page.
    pub fn author_link(&self) -> Option<String> {
        match &self.member {
            Some(username) => Some(format!("/u/{username}")),
            None => self.author_url.clone(),
        }
    }

    /// Each tag with the river's address for it.
    pub fn tag_links(&self) -> Vec<(String, String)> {
        self.tags
            .iter()
            .map(|tag| {
                let query: String = url::form_urlencoded::byte_serialize(tag.as_bytes()).collect();
                (tag.clone(), format!("/planet?tag={query}"))
            })
            .collect()
    }

    /// The title, or the start of the address when the entry has none (notes often do not).
    pub fn display_title(&self) -> String {
        match self
            .title
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            Some(title) => title.to_string(),
            None => self
                .url
                .clone()
                .unwrap_or_else(|| format!("Entry {}", self.id)),
        }
    }
}

/// A LIKE pattern that matches `text` literally (`!` escapes the wildcards; use `ESCAPE '!'`).
pub(super) fn like_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '!') {
            out.push('!');
        }
        out.push(c);
    }
    out
}

const COLUMNS: &str =
    "e.id, e.url, e.title, COALESCE(e.summary_html, e.content_html, '') AS summary, \
     e.author_name, e.author_url, e.tags, e.published_at, e.topic_id, f.title AS feed_title, \
     u.username";

fn entry_from_row(row: &crate::store::Row) -> Result<RiverEntry, sqlx::Error> {
    let tags: String = row.try_get("tags")?;
    Ok(RiverEntry {
        id: row.try_get("id")?,
        url: row.try_get("url")?,
        title: row.try_get("title")?,
        summary_html: row.try_get("summary")?,
        member: row.try_get("username")?,
        author_name: row.try_get("author_name")?,
        author_url: row.try_get("author_url")?,
        feed_title: row.try_get("feed_title")?,
        tags: tags
            .lines()
            .filter(|t| !t.trim().is_empty())
            .map(str::to_string)
            .collect(),
        published: Stamp(row.try_get("published_at")?),
        topic_id: row.try_get("topic_id")?,
    })
}

/// One page of the river, and whether an older page exists.
pub async fn river(
    db: &Db,
    query: &RiverQuery,
    per_page: i64,
) -> Result<(Vec<RiverEntry>, bool), sqlx::Error> {
    let mut sql = format!(
        "SELECT {COLUMNS} FROM planet_entries e JOIN planet_feeds f ON f.id = e.feed_id \
         LEFT JOIN users u ON u.id = f.member_id WHERE e.shown = 1"
    );
    let mut binds: Vec<String> = Vec::new();
    if let Some(member) = query.member.as_deref().filter(|m| !m.is_empty()) {
        binds.push(member.to_lowercase());
        sql.push_str(&format!(" AND u.username_key = ${}", binds.len()));
    }
    if let Some(tag) = query
        .tag
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        binds.push("\n".to_string());
        let newline = binds.len();
        binds.push(format!("%\n{}\n%", like_literal(&tag.to_lowercase())));
        sql.push_str(&format!(
            " AND (${newline} || e.tags || ${newline}) LIKE ${} ESCAPE '!'",
            binds.len()
        ));
    }
    let offset = (query.page.max(1) - 1).saturating_mul(per_page);
    sql.push_str(&format!(
        " ORDER BY e.published_at DESC, e.id DESC LIMIT {} OFFSET {offset}",
        per_page + 1
    ));
    let mut q = sqlx::query(&sql);
    for bind in &binds {
        q = q.bind(bind);
    }
    let rows = q.fetch_all(db.pool()).await?;
    let mut entries = rows
        .iter()
        .map(entry_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let more = entries.len() as i64 > per_page;
    entries.truncate(per_page as usize);
    Ok((entries, more))
}

/// One shown entry, for the discuss button.
pub async fn entry(db: &Db, id: i64) -> Result<Option<RiverEntry>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM planet_entries e JOIN planet_feeds f ON f.id = e.feed_id \
         LEFT JOIN users u ON u.id = f.member_id WHERE e.id = $1 AND e.shown = 1"
    ))
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(entry_from_row).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_match_wildcards_literally() {
        assert_eq!(like_literal("100%_sure!"), "100!%!_sure!!");
        assert_eq!(like_literal("badges"), "badges");
    }
}
