//! The forum's queries: categories, topics, posts and their revisions, and read markers.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::model::{topic_path, Category, Post, PostSummary, Revision, Topic, TopicSummary};
use crate::accounts::model::Role;
use crate::store::{is_unique_violation, now, Db, Tx};
use crate::web::Stamp;

/// Topics per page in lists.
pub const TOPICS_PER_PAGE: i64 = 30;

fn category_from_row(row: &AnyRow) -> Result<Category, sqlx::Error> {
    Ok(Category {
        id: row.try_get("id")?,
        slug: row.try_get("slug")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        min_role_to_post: Role::parse(&row.try_get::<String, _>("min_role_to_post")?),
    })
}

pub async fn categories(db: &Db) -> Result<Vec<Category>, sqlx::Error> {
    let rows = sqlx::query("SELECT id, slug, name, description, min_role_to_post FROM categories ORDER BY position, name")
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(category_from_row).collect()
}

pub async fn category(db: &Db, slug: &str) -> Result<Option<Category>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, slug, name, description, min_role_to_post FROM categories WHERE slug = $1",
    )
    .bind(slug)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(category_from_row).transpose()
}

/// Why a category could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateCategoryError {
    #[error("A category with the slug {0:?} already exists.")]
    Taken(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

pub async fn create_category(
    db: &Db,
    slug: &str,
    name: &str,
    description: &str,
    min_role_to_post: Role,
) -> Result<i64, CreateCategoryError> {
    let result = sqlx::query(
        "INSERT INTO categories (slug, name, description, min_role_to_post, position, created_at) \
         VALUES ($1, $2, $3, $4, (SELECT COALESCE(MAX(position), 0) + 1 FROM categories), $5) RETURNING id",
    )
    .bind(slug)
    .bind(name)
    .bind(description)
    .bind(min_role_to_post.as_str())
    .bind(now())
    .fetch_one(db.pool())
    .await;
    match result {
        Ok(row) => Ok(row.try_get("id")?),
        Err(err) if is_unique_violation(&err) => Err(CreateCategoryError::Taken(slug.to_string())),
        Err(err) => Err(err.into()),
    }
}

/// Columns and joins for topic lists; `$1` is the viewer's id (0 when signed out).
const TOPIC_LIST: &str = "SELECT t.id, t.title, t.slug, t.created_at, t.last_posted_at, t.reply_count, \
     t.locked_at, t.pinned_at, t.next_number, c.slug AS category_slug, c.name AS category_name, \
     u.username AS author, r.last_read_number \
     FROM topics t JOIN categories c ON c.id = t.category_id JOIN users u ON u.id = t.user_id \
     LEFT JOIN topic_reads r ON r.topic_id = t.id AND r.user_id = $1 \
     WHERE t.deleted_at IS NULL \
     AND NOT EXISTS (SELECT 1 FROM posts fp WHERE fp.topic_id = t.id AND fp.number = 1 AND fp.awaiting_approval_at IS NOT NULL)";

fn topic_summary_from_row(row: &AnyRow, signed_in: bool) -> Result<TopicSummary, sqlx::Error> {
    let id: i64 = row.try_get("id")?;
    let slug: String = row.try_get("slug")?;
    let newest: i64 = row.try_get::<i64, _>("next_number")? - 1;
    let last_read: Option<i64> = row.try_get("last_read_number")?;
    Ok(TopicSummary {
        id,
        path: topic_path(id, &slug),
        title: row.try_get("title")?,
        category_slug: row.try_get("category_slug")?,
        category_name: row.try_get("category_name")?,
        author: row.try_get("author")?,
        created: Stamp(row.try_get("created_at")?),
        last_posted: Stamp(row.try_get("last_posted_at")?),
        reply_count: row.try_get("reply_count")?,
        locked: row.try_get::<Option<i64>, _>("locked_at")?.is_some(),
        pinned: row.try_get::<Option<i64>, _>("pinned_at")?.is_some(),
        unread: signed_in && last_read.is_none_or(|n| n < newest),
    })
}

/// A page of topics by last activity, pinned ones first; in one category or across all.
pub async fn topic_list(
    db: &Db,
    category_id: Option<i64>,
    viewer_id: Option<i64>,
    page: i64,
) -> Result<Vec<TopicSummary>, sqlx::Error> {
    let offset = (page.max(1) - 1) * TOPICS_PER_PAGE;
    let filter = if category_id.is_some() {
        " AND t.category_id = $4"
    } else {
        ""
    };
    let sql = format!(
        "{TOPIC_LIST}{filter} ORDER BY CASE WHEN t.pinned_at IS NULL THEN 1 ELSE 0 END, t.last_post_id DESC LIMIT $2 OFFSET $3"
    );
    let mut query = sqlx::query(&sql)
        .bind(viewer_id.unwrap_or(0))
        .bind(TOPICS_PER_PAGE + 1)
        .bind(offset);
    if let Some(id) = category_id {
        query = query.bind(id);
    }
    let rows = query.fetch_all(db.pool()).await?;
    rows.iter()
        .map(|row| topic_summary_from_row(row, viewer_id.is_some()))
        .collect()
}

pub async fn topic(db: &Db, id: i64) -> Result<Option<Topic>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT t.id, t.title, t.slug, t.user_id, t.created_at, t.last_posted_at, t.locked_at, t.pinned_at, t.deleted_at, t.revision, \
         (SELECT fp.awaiting_approval_at FROM posts fp WHERE fp.topic_id = t.id AND fp.number = 1) AS first_post_waiting, \
         c.id AS category_id, c.slug AS category_slug, c.name AS category_name, c.description AS category_description, \
         c.min_role_to_post \
         FROM topics t JOIN categories c ON c.id = t.category_id WHERE t.id = $1",
    )
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    row.map(|row| {
        Ok(Topic {
            id: row.try_get("id")?,
            title: row.try_get("title")?,
            slug: row.try_get("slug")?,
            author_id: row.try_get("user_id")?,
            created: Stamp(row.try_get("created_at")?),
            last_posted: Stamp(row.try_get("last_posted_at")?),
            locked: row.try_get::<Option<i64>, _>("locked_at")?.is_some(),
            pinned: row.try_get::<Option<i64>, _>("pinned_at")?.is_some(),
            deleted: row.try_get::<Option<i64>, _>("deleted_at")?.is_some(),
            awaiting_approval: row
                .try_get::<Option<i64>, _>("first_post_waiting")?
                .is_some(),
            revision: row.try_get("revision")?,
            category: Category {
                id: row.try_get("category_id")?,
                slug: row.try_get("category_slug")?,
                name: row.try_get("category_name")?,
                description: row.try_get("category_description")?,
                min_role_to_post: Role::parse(&row.try_get::<String, _>("min_role_to_post")?),
            },
        })
    })
    .transpose()
}

const POST_COLUMNS: &str =
    "p.id, p.number, p.user_id, u.username, p.body_markdown, p.body_html, p.created_at, \
     p.edited_at, p.deleted_at, p.hidden_at, p.awaiting_approval_at, \
     (SELECT COUNT(*) FROM post_thanks pt WHERE pt.post_id = p.id) AS thanks";

fn post_from_row(row: &AnyRow, last_read: i64) -> Result<Post, sqlx::Error> {
    let number: i64 = row.try_get("number")?;
    Ok(Post {
        id: row.try_get("id")?,
        number,
        author_id: row.try_get("user_id")?,
        author: row.try_get("username")?,
        body_markdown: row.try_get("body_markdown")?,
        body_html: row.try_get("body_html")?,
        created: Stamp(row.try_get("created_at")?),
        edited: row.try_get::<Option<i64>, _>("edited_at")?.map(Stamp),
        deleted: row.try_get::<Option<i64>, _>("deleted_at")?.is_some(),
        hidden: row.try_get::<Option<i64>, _>("hidden_at")?.is_some(),
        awaiting_approval: row
            .try_get::<Option<i64>, _>("awaiting_approval_at")?
            .is_some(),
        thanks: row.try_get("thanks")?,
        unread: number > last_read,
    })
}

/// All posts of a topic in order; `last_read` marks the newer ones unread.
pub async fn posts(db: &Db, topic_id: i64, last_read: i64) -> Result<Vec<Post>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {POST_COLUMNS} FROM posts p JOIN users u ON u.id = p.user_id WHERE p.topic_id = $1 ORDER BY p.number"
    ))
    .bind(topic_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| post_from_row(row, last_read))
        .collect()
}

/// One post with the id of its topic.
pub async fn post(db: &Db, post_id: i64) -> Result<Option<(i64, Post)>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {POST_COLUMNS}, p.topic_id FROM posts p JOIN users u ON u.id = p.user_id WHERE p.id = $1"
    ))
    .bind(post_id)
    .fetch_optional(db.pool())
    .await?;
    row.map(|row| Ok((row.try_get("topic_id")?, post_from_row(&row, i64::MAX)?)))
        .transpose()
}

pub async fn post_by_number(
    db: &Db,
    topic_id: i64,
    number: i64,
) -> Result<Option<Post>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {POST_COLUMNS} FROM posts p JOIN users u ON u.id = p.user_id WHERE p.topic_id = $1 AND p.number = $2"
    ))
    .bind(topic_id)
    .bind(number)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref()
        .map(|row| post_from_row(row, i64::MAX))
        .transpose()
}

/// A new topic with its first post.
pub struct NewTopic<'a> {
    pub category_id: i64,
    pub user_id: i64,
    pub title: &'a str,
    pub slug: &'a str,
    pub body_markdown: &'a str,
    pub body_html: &'a str,
    pub awaiting_approval: bool,
}

/// Creates the topic and its first post; returns (topic id, post id).
pub async fn insert_topic(tx: &mut Tx, topic: &NewTopic<'_>) -> Result<(i64, i64), sqlx::Error> {
    let now = now();
    let topic_id: i64 = sqlx::query(
        "INSERT INTO topics (category_id, user_id, title, slug, created_at, last_posted_at, next_number) \
         VALUES ($1, $2, $3, $4, $5, $5, 2) RETURNING id",
    )
    .bind(topic.category_id)
    .bind(topic.user_id)
    .bind(topic.title)
    .bind(topic.slug)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")?;
    let post_id = insert_post_row(
        tx,
        topic_id,
        1,
        topic.user_id,
        topic.body_markdown,
        topic.body_html,
        topic.awaiting_approval,
        now,
    )
    .await?;
    set_last_post(tx, topic_id, post_id).await?;
    Ok((topic_id, post_id))
}

#[allow(clippy::too_many_arguments)]
async fn insert_post_row(
    tx: &mut Tx,
    topic_id: i64,
    number: i64,
    user_id: i64,
    body_markdown: &str,
    body_html: &str,
    awaiting_approval: bool,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "INSERT INTO posts (topic_id, number, user_id, body_markdown, body_html, created_at, awaiting_approval_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(topic_id)
    .bind(number)
    .bind(user_id)
    .bind(body_markdown)
    .bind(body_html)
    .bind(now)
    .bind(awaiting_approval.then_some(now))
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")
}

/// Adds a reply; returns (post id, post number). The topic row is updated first so that
/// concurrent replies queue on it and get distinct numbers.
pub async fn insert_reply(
    tx: &mut Tx,
    topic_id: i64,
    user_id: i64,
    body_markdown: &str,
    body_html: &str,
    awaiting_approval: bool,
) -> Result<(i64, i64), sqlx::Error> {
    let now = now();
    let bump = if awaiting_approval {
        ""
    } else {
        ", last_posted_at = $2, reply_count = reply_count + 1"
    };
    let number: i64 = sqlx::query(&format!(
        "UPDATE topics SET next_number = next_number + 1{bump} WHERE id = $1 RETURNING next_number - 1 AS number"
    ))
    .bind(topic_id)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?
    .try_get("number")?;
    let post_id = insert_post_row(
        tx,
        topic_id,
        number,
        user_id,
        body_markdown,
        body_html,
        awaiting_approval,
        now,
    )
    .await?;
    if !awaiting_approval {
        set_last_post(tx, topic_id, post_id).await?;
    }
    Ok((post_id, number))
}

/// Moves a topic to the top of the lists.
pub async fn set_last_post(tx: &mut Tx, topic_id: i64, post_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE topics SET last_post_id = $1 WHERE id = $2")
        .bind(post_id)
        .bind(topic_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Replaces a post's body, keeping the old one as a revision.
pub async fn update_post_body(
    tx: &mut Tx,
    post_id: i64,
    editor_id: i64,
    body_markdown: &str,
    body_html: &str,
) -> Result<(), sqlx::Error> {
    let now = now();
    sqlx::query(
        "INSERT INTO post_revisions (post_id, body_markdown, written_at, replaced_at, replaced_by) \
         SELECT id, body_markdown, COALESCE(edited_at, created_at), $2, $3 FROM posts WHERE id = $1",
    )
    .bind(post_id)
    .bind(now)
    .bind(editor_id)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE posts SET body_markdown = $1, body_html = $2, edited_at = $3 WHERE id = $4",
    )
    .bind(body_markdown)
    .bind(body_html)
    .bind(now)
    .bind(post_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn set_topic_title(
    tx: &mut Tx,
    topic_id: i64,
    title: &str,
    slug: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE topics SET title = $1, slug = $2 WHERE id = $3")
        .bind(title)
        .bind(slug)
        .bind(topic_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn revisions(db: &Db, post_id: i64) -> Result<Vec<Revision>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT r.body_markdown, r.written_at, r.replaced_at, u.username FROM post_revisions r \
         JOIN users u ON u.id = r.replaced_by WHERE r.post_id = $1 ORDER BY r.id DESC",
    )
    .bind(post_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Revision {
                body_markdown: row.try_get("body_markdown")?,
                written: Stamp(row.try_get("written_at")?),
                replaced: Stamp(row.try_get("replaced_at")?),
                replaced_by: row.try_get("username")?,
            })
        })
        .collect()
}

/// Soft-deletes (or, with `None`, restores) a post; deleting the first post deletes the topic.
pub async fn set_post_deleted(
    tx: &mut Tx,
    post_id: i64,
    deleted_by: Option<i64>,
) -> Result<(), sqlx::Error> {
    let at = deleted_by.map(|_| now());
    let row = sqlx::query("UPDATE posts SET deleted_at = $1, deleted_by = $2 WHERE id = $3 RETURNING topic_id, number")
        .bind(at)
        .bind(deleted_by)
        .bind(post_id)
        .fetch_one(&mut **tx)
        .await?;
    if row.try_get::<i64, _>("number")? == 1 {
        sqlx::query("UPDATE topics SET deleted_at = $1 WHERE id = $2")
            .bind(at)
            .bind(row.try_get::<i64, _>("topic_id")?)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Remembers how far a member has read a topic (never moving backwards).
pub async fn mark_read(
    db: &Db,
    user_id: i64,
    topic_id: i64,
    number: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO topic_reads (user_id, topic_id, last_read_number) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id, topic_id) DO UPDATE SET last_read_number = \
         CASE WHEN topic_reads.last_read_number > excluded.last_read_number THEN topic_reads.last_read_number ELSE excluded.last_read_number END",
    )
    .bind(user_id)
    .bind(topic_id)
    .bind(number)
    .execute(db.pool())
    .await?;
    Ok(())
}

pub async fn last_read(db: &Db, user_id: i64, topic_id: i64) -> Result<i64, sqlx::Error> {
    let row = sqlx::query(
        "SELECT last_read_number FROM topic_reads WHERE user_id = $1 AND topic_id = $2",
    )
    .bind(user_id)
    .bind(topic_id)
    .fetch_optional(db.pool())
    .await?;
    row.map(|r| r.try_get("last_read_number"))
        .transpose()
        .map(|n| n.unwrap_or(0))
}

/// How many of a member's posts are public (for "first posts wait for approval").
pub async fn approved_post_count(db: &Db, user_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "SELECT COUNT(*) AS n FROM posts WHERE user_id = $1 AND awaiting_approval_at IS NULL",
    )
    .bind(user_id)
    .fetch_one(db.pool())
    .await?
    .try_get("n")
}

const PUBLIC_POST: &str = "p.deleted_at IS NULL AND p.hidden_at IS NULL AND p.awaiting_approval_at IS NULL AND t.deleted_at IS NULL";

fn summary_from_row(row: &AnyRow, base_url: &str) -> Result<PostSummary, sqlx::Error> {
    let topic_id: i64 = row.try_get("topic_id")?;
    let slug: String = row.try_get("slug")?;
    let number: i64 = row.try_get("number")?;
    let path = format!("{}#p{number}", topic_path(topic_id, &slug));
    let markdown: String = row.try_get("body_markdown")?;
    let mut excerpt: String = markdown.chars().take(200).collect();
    if excerpt.len() < markdown.len() {
        excerpt.push('…');
    }
    Ok(PostSummary {
        id: row.try_get("id")?,
        url: format!("{base_url}{path}"),
        path,
        topic_title: row.try_get("title")?,
        author: row.try_get("username")?,
        created: Stamp(row.try_get("created_at")?),
        body_html: row.try_get("body_html")?,
        excerpt,
    })
}

/// Which public posts a list of recent posts takes.
pub enum PostScope {
    Site,
    Category(i64),
    Topic(i64),
    Member(i64),
}

/// The newest public posts of a scope, newest first (for feeds and profiles).
pub async fn recent_posts(
    db: &Db,
    scope: PostScope,
    limit: i64,
    base_url: &str,
) -> Result<Vec<PostSummary>, sqlx::Error> {
    let (filter, id) = match scope {
        PostScope::Site => ("", 0),
        PostScope::Category(id) => (" AND t.category_id = $2", id),
        PostScope::Topic(id) => (" AND t.id = $2", id),
        PostScope::Member(id) => (" AND p.user_id = $2", id),
    };
    let sql = format!(
        "SELECT p.id, p.number, p.topic_id, p.body_markdown, p.body_html, p.created_at, t.title, t.slug, u.username \
         FROM posts p JOIN topics t ON t.id = p.topic_id JOIN users u ON u.id = p.user_id \
         WHERE {PUBLIC_POST}{filter} ORDER BY p.created_at DESC, p.id DESC LIMIT $1"
    );
    let mut query = sqlx::query(&sql).bind(limit);
    if !filter.is_empty() {
        query = query.bind(id);
    }
    let rows = query.fetch_all(db.pool()).await?;
    rows.iter()
        .map(|row| summary_from_row(row, base_url))
        .collect()
}

/// Every public topic's path and last activity, for the sitemap.
pub async fn sitemap_topics(db: &Db) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let rows = sqlx::query("SELECT t.id, t.slug, t.last_posted_at FROM topics t WHERE t.deleted_at IS NULL \
         AND NOT EXISTS (SELECT 1 FROM posts fp WHERE fp.topic_id = t.id AND fp.number = 1 AND fp.awaiting_approval_at IS NOT NULL) \
         ORDER BY t.id LIMIT 50000")
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|row| {
            Ok((
                topic_path(row.try_get("id")?, &row.try_get::<String, _>("slug")?),
                row.try_get("last_posted_at")?,
            ))
        })
        .collect()
}
