//! Moderation's queries: flags, the audit log, and the switches on posts and topics.

use sqlx::Row;

use crate::store::{now, Db, Tx};
use crate::web::Stamp;

/// Records a moderator's action.
pub async fn audit(
    tx: &mut Tx,
    actor_id: i64,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO audit_log (actor_id, action, target, detail, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(actor_id)
        .bind(action)
        .bind(target)
        .bind(detail)
        .bind(now())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// One line of the audit log.
#[derive(serde::Serialize)]
pub struct AuditEntry {
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
    #[serde(skip)]
    pub at: Stamp,
}

pub async fn audit_log(db: &Db, limit: i64) -> Result<Vec<AuditEntry>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT u.username, a.action, a.target, a.detail, a.created_at FROM audit_log a \
         JOIN users u ON u.id = a.actor_id ORDER BY a.id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(AuditEntry {
                actor: row.try_get("username")?,
                action: row.try_get("action")?,
                target: row.try_get("target")?,
                detail: row.try_get("detail")?,
                at: Stamp(row.try_get("created_at")?),
            })
        })
        .collect()
}

pub async fn add_flag(
    db: &Db,
    post_id: i64,
    user_id: i64,
    reason: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query("INSERT INTO flags (post_id, user_id, reason, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(post_id)
        .bind(user_id)
        .bind(reason)
        .bind(now())
        .fetch_one(db.pool())
        .await?
        .try_get("id")
}

/// An open flag in the queue.
#[derive(serde::Serialize)]
pub struct OpenFlag {
    pub id: i64,
    pub post_id: i64,
    pub reason: String,
    pub flagged_by: String,
    pub post_author: String,
    pub post_path: String,
    pub excerpt: String,
    #[serde(skip)]
    pub at: Stamp,
}

pub async fn open_flags(db: &Db) -> Result<Vec<OpenFlag>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT f.id, f.post_id, f.reason, f.created_at, fu.username AS flagged_by, pu.username AS post_author, \
         p.number, p.body_markdown, t.id AS topic_id, t.slug FROM flags f \
         JOIN users fu ON fu.id = f.user_id JOIN posts p ON p.id = f.post_id JOIN users pu ON pu.id = p.user_id \
         JOIN topics t ON t.id = p.topic_id WHERE f.resolved_at IS NULL ORDER BY f.id LIMIT 200",
    )
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            let body: String = row.try_get("body_markdown")?;
            Ok(OpenFlag {
                id: row.try_get("id")?,
                post_id: row.try_get("post_id")?,
                reason: row.try_get("reason")?,
                flagged_by: row.try_get("flagged_by")?,
                post_author: row.try_get("post_author")?,
                post_path: format!(
                    "/t/{}/{}#p{}",
                    row.try_get::<i64, _>("topic_id")?,
                    row.try_get::<String, _>("slug")?,
                    row.try_get::<i64, _>("number")?
                ),
                excerpt: body.chars().take(300).collect(),
                at: Stamp(row.try_get("created_at")?),
            })
        })
        .collect()
}

pub async fn resolve_flag(
    tx: &mut Tx,
    flag_id: i64,
    by: i64,
    resolution: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE flags SET resolved_at = $1, resolved_by = $2, resolution = $3 WHERE id = $4 AND resolved_at IS NULL")
        .bind(now())
        .bind(by)
        .bind(resolution)
        .bind(flag_id)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// A post waiting for approval.
#[derive(serde::Serialize)]
pub struct PendingPost {
    pub id: i64,
    pub author: String,
    pub path: String,
    pub excerpt: String,
}

pub async fn pending_posts(db: &Db) -> Result<Vec<PendingPost>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT p.id, p.number, p.body_markdown, u.username, t.id AS topic_id, t.slug FROM posts p \
         JOIN users u ON u.id = p.user_id JOIN topics t ON t.id = p.topic_id \
         WHERE p.awaiting_approval_at IS NOT NULL AND p.deleted_at IS NULL ORDER BY p.id LIMIT 200",
    )
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            let body: String = row.try_get("body_markdown")?;
            Ok(PendingPost {
                id: row.try_get("id")?,
                author: row.try_get("username")?,
                path: format!(
                    "/t/{}/{}#p{}",
                    row.try_get::<i64, _>("topic_id")?,
                    row.try_get::<String, _>("slug")?,
                    row.try_get::<i64, _>("number")?
                ),
                excerpt: body.chars().take(300).collect(),
            })
        })
        .collect()
}

/// Hides a post from readers (`Some(moderator)`) or shows it again (`None`).
pub async fn set_post_hidden(
    tx: &mut Tx,
    post_id: i64,
    hidden_by: Option<i64>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE posts SET hidden_at = $1, hidden_by = $2 WHERE id = $3")
        .bind(hidden_by.map(|_| now()))
        .bind(hidden_by)
        .bind(post_id)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Publishes a post that waited for approval; false if it was not waiting.
pub async fn approve_post(tx: &mut Tx, post_id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE posts SET awaiting_approval_at = NULL WHERE id = $1 AND awaiting_approval_at IS NOT NULL")
        .bind(post_id)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Approving a reply makes it count as activity in its topic.
pub async fn bump_topic_for_approved_post(tx: &mut Tx, post_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE topics SET last_posted_at = $1, last_post_id = $2, reply_count = reply_count + \
         (SELECT CASE WHEN number > 1 THEN 1 ELSE 0 END FROM posts WHERE id = $2) \
         WHERE id = (SELECT topic_id FROM posts WHERE id = $2)",
    )
    .bind(now())
    .bind(post_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[derive(Clone, Copy, Debug)]
pub enum TopicSwitch {
    Locked,
    Pinned,
}

pub async fn set_topic_switch(
    tx: &mut Tx,
    topic_id: i64,
    switch: TopicSwitch,
    on: bool,
) -> Result<bool, sqlx::Error> {
    let sql = match switch {
        TopicSwitch::Locked => "UPDATE topics SET locked_at = $1 WHERE id = $2",
        TopicSwitch::Pinned => "UPDATE topics SET pinned_at = $1 WHERE id = $2",
    };
    let done = sqlx::query(sql)
        .bind(on.then(now))
        .bind(topic_id)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn move_topic(tx: &mut Tx, topic_id: i64, category_id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE topics SET category_id = $1 WHERE id = $2")
        .bind(category_id)
        .bind(topic_id)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}
