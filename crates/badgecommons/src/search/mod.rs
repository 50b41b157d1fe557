//! Full-text search over topic titles and post bodies, ranked, with highlighted snippets: SQLite's
//! FTS5 (bm25, titles weighted 5:1) or PostgreSQL's text search (`websearch_to_tsquery`, `ts_rank`
//! with titles weighted A and bodies B). The index has one row per post and is written in the
//! same transaction as the post, so it never lags behind.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::forum::topic_path;
use crate::store::{Backend, Db, Tx};
use crate::web::{render, AppState, Chrome, Failure, Viewer};

/// Marks the engines put around matched words; stripped from indexed text so that only the
/// engines produce them, then turned into `<mark>` after escaping.
const MATCH_START: char = '\u{2}';
const MATCH_END: char = '\u{3}';
const RESULTS_PER_PAGE: i64 = 20;
const MAX_QUERY_CHARS: usize = 200;

fn without_marks(text: &str) -> String {
    text.replace([MATCH_START, MATCH_END], "")
}

/// Puts a post into the index, or refreshes it after an edit.
pub async fn index_post(
    tx: &mut Tx,
    backend: Backend,
    post_id: i64,
    title: &str,
    body: &str,
) -> Result<(), sqlx::Error> {
    let (title, body) = (without_marks(title), without_marks(body));
    match backend {
        Backend::Sqlite => {
            sqlx::query("DELETE FROM post_search WHERE rowid = $1")
                .bind(post_id)
                .execute(&mut **tx)
                .await?;
            sqlx::query("INSERT INTO post_search (rowid, title, body) VALUES ($1, $2, $3)")
                .bind(post_id)
                .bind(title)
                .bind(body)
                .execute(&mut **tx)
                .await?;
        }
        Backend::Postgres => {
            sqlx::query(
                "INSERT INTO post_search (post_id, title, body, document) VALUES ($1, $2, $3, \
                 setweight(to_tsvector('english', $2), 'A') || setweight(to_tsvector('english', $3), 'B')) \
                 ON CONFLICT (post_id) DO UPDATE SET title = excluded.title, body = excluded.body, document = excluded.document",
            )
            .bind(post_id)
            .bind(title)
            .bind(body)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

/// One match.
#[derive(Debug, Serialize)]
pub struct SearchResult {
    pub topic_id: i64,
    pub post_id: i64,
    pub title: String,
    /// HTML: the matched words inside `<mark>`, everything else escaped.
    pub snippet: String,
    /// `/t/{id}/{slug}#p{n}`
    pub url: String,
}

/// FTS5 treats `"`, `*`, `:` and words like OR specially; quoting every word makes any input a
/// plain search for all its words.
fn fts5_query(query: &str) -> String {
    query
        .split_whitespace()
        .map(|word| word.replace('"', ""))
        .filter(|word| !word.is_empty())
        .map(|word| format!("\"{word}\""))
        .collect::<Vec<_>>()
        .join(" ")
}

fn highlighted(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 16);
    for c in raw.chars() {
        match c {
            MATCH_START => out.push_str("<mark>"),
            MATCH_END => out.push_str("</mark>"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const PUBLIC: &str = "p.deleted_at IS NULL AND p.hidden_at IS NULL AND p.awaiting_approval_at IS NULL AND t.deleted_at IS NULL";

/// Public posts matching `query`, best first.
pub async fn search(db: &Db, query: &str, page: i64) -> Result<Vec<SearchResult>, Failure> {
    let query: String = query
        .trim()
        .chars()
        .filter(|c| *c != '\0')
        .take(MAX_QUERY_CHARS)
        .collect();
    if query.is_empty() {
        return Ok(Vec::new());
    }
    let offset = (page.max(1) - 1) * RESULTS_PER_PAGE;
    let rows = match db.backend() {
        Backend::Sqlite => {
            let fts = fts5_query(&query);
            if fts.is_empty() {
                return Ok(Vec::new());
            }
            sqlx::query(&format!(
                "SELECT p.id AS post_id, p.number, t.id AS topic_id, t.slug, t.title, \
                 snippet(post_search, 1, char(2), char(3), '…', 16) AS snippet \
                 FROM post_search JOIN posts p ON p.id = post_search.rowid JOIN topics t ON t.id = p.topic_id \
                 WHERE post_search MATCH $1 AND {PUBLIC} \
                 ORDER BY bm25(post_search, 5.0, 1.0), p.id DESC LIMIT $2 OFFSET $3"
            ))
            .bind(fts)
            .bind(RESULTS_PER_PAGE)
            .bind(offset)
            .fetch_all(db.pool())
            .await?
        }
        Backend::Postgres => {
            sqlx::query(&format!(
                "SELECT p.id AS post_id, p.number, t.id AS topic_id, t.slug, t.title, \
                 ts_headline('english', s.body, q, 'StartSel=' || chr(2) || ', StopSel=' || chr(3) || ', MaxWords=30, MinWords=10, MaxFragments=2, FragmentDelimiter=\" … \"') AS snippet \
                 FROM post_search s, websearch_to_tsquery('english', $1) q, posts p, topics t \
                 WHERE s.document @@ q AND p.id = s.post_id AND t.id = p.topic_id AND {PUBLIC} \
                 ORDER BY ts_rank(s.document, q) DESC, p.id DESC LIMIT $2 OFFSET $3"
            ))
            .bind(&query)
            .bind(RESULTS_PER_PAGE)
            .bind(offset)
            .fetch_all(db.pool())
            .await?
        }
    };
    rows.iter()
        .map(|row| {
            let topic_id: i64 = row.try_get("topic_id")?;
            let slug: String = row.try_get("slug")?;
            let number: i64 = row.try_get("number")?;
            Ok(SearchResult {
                topic_id,
                post_id: row.try_get("post_id")?,
                title: row.try_get("title")?,
                snippet: highlighted(&row.try_get::<String, _>("snippet")?),
                url: format!("{}#p{number}", topic_path(topic_id, &slug)),
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Failure::from)
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/search", get(search_page))
        .route("/api/v1/search", get(api_search))
}

#[derive(Deserialize)]
struct SearchQuery {
    q: Option<String>,
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "search/templates/search.html")]
struct SearchPage {
    chrome: Chrome,
    query: String,
    results: Vec<SearchResult>,
    page: i64,
    more: bool,
}

async fn search_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<SearchQuery>,
) -> Result<Response, Failure> {
    let query = q.q.unwrap_or_default();
    let page = q.page.unwrap_or(1).max(1);
    let results = search(&state.db, &query, page).await?;
    let title = if query.trim().is_empty() {
        "Search".to_string()
    } else {
        format!("Search: {}", query.trim())
    };
    let chrome = viewer.chrome(&state, title, "/search").await?;
    render(&SearchPage {
        chrome,
        more: results.len() as i64 == RESULTS_PER_PAGE,
        query,
        results,
        page,
    })
}

async fn api_search(
    State(state): State<AppState>,
    Query(q): Query<SearchQuery>,
) -> Result<Json<serde_json::Value>, Failure> {
    let query = q.q.unwrap_or_default();
    if query.trim().is_empty() {
        return Err(Failure::BadRequest(
            "Give a query: /api/v1/search?q=words".to_string(),
        ));
    }
    let results = search(&state.db, &query, q.page.unwrap_or(1)).await?;
    Ok(Json(serde_json::json!({ "results": results })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_input_becomes_a_plain_fts5_query() {
        assert_eq!(
            fts5_query(r#"open "badges" OR x*"#),
            r#""open" "badges" "OR" "x*""#
        );
        assert_eq!(fts5_query(r#" "" "#), "");
    }

    #[test]
    fn snippets_escape_html_and_mark_matches() {
        let raw = format!("a <script> {MATCH_START}badge{MATCH_END} & more");
        assert_eq!(
            highlighted(&raw),
            "a &lt;script&gt; <mark>badge</mark> &amp; more"
        );
    }
}
