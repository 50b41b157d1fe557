//! Notifications: a member hears when someone @mentions them or replies to their topic, on the
//! `/notifications` page and as a count in the header.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use sqlx::Row;

use crate::store::{now, Db, Tx};
use crate::web::{render, AppState, Chrome, Failure, Stamp, Viewer};

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Mention,
    Reply,
    Award,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Mention => "mention",
            Kind::Reply => "reply",
            Kind::Award => "award",
        }
    }
}

/// Tells a member they received a badge, inside the transaction that makes the award.
pub async fn notify_award(
    tx: &mut sqlx::AnyConnection,
    user_id: i64,
    award_id: &str,
    actor_id: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO notifications (user_id, kind, award_id, actor_id, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(user_id)
        .bind(Kind::Award.as_str())
        .bind(award_id)
        .bind(actor_id)
        .bind(now())
        .execute(&mut *tx)
        .await?;
    Ok(())
}

pub async fn notify(
    tx: &mut Tx,
    user_id: i64,
    kind: Kind,
    post_id: i64,
    actor_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO notifications (user_id, kind, post_id, actor_id, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(user_id)
        .bind(kind.as_str())
        .bind(post_id)
        .bind(actor_id)
        .bind(now())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Notifies every existing member named in `usernames` except the author; returns their ids.
pub async fn notify_mentions(
    tx: &mut Tx,
    usernames: &[String],
    post_id: i64,
    actor_id: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    let mut notified = Vec::new();
    for username in usernames.iter().take(20) {
        let row = sqlx::query("SELECT id FROM users WHERE username_key = $1")
            .bind(username.to_lowercase())
            .fetch_optional(&mut **tx)
            .await?;
        if let Some(row) = row {
            let user_id: i64 = row.try_get("id")?;
            if user_id != actor_id && !notified.contains(&user_id) {
                notify(tx, user_id, Kind::Mention, post_id, actor_id).await?;
                notified.push(user_id);
            }
        }
    }
    Ok(notified)
}

pub async fn unread_count(db: &Db, user_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COUNT(*) AS n FROM notifications WHERE user_id = $1 AND read_at IS NULL")
        .bind(user_id)
        .fetch_one(db.pool())
        .await?
        .try_get("n")
}

/// A notification as the page lists it.
pub struct Notification {
    pub kind: String,
    /// Who did it; empty when nobody did (an award made by a rule).
    pub actor: String,
    /// The topic's title, or the badge's name for an award.
    pub topic_title: String,
    pub path: String,
    pub created: Stamp,
    pub unread: bool,
}

async fn recent(db: &Db, user_id: i64) -> Result<Vec<Notification>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT n.kind, n.created_at, n.read_at, n.award_id, a.username, t.id AS topic_id, t.slug, \
         t.title, p.number, b.name AS badge_name \
         FROM notifications n LEFT JOIN users a ON a.id = n.actor_id \
         LEFT JOIN posts p ON p.id = n.post_id LEFT JOIN topics t ON t.id = p.topic_id \
         LEFT JOIN awards w ON w.id = n.award_id LEFT JOIN badge_classes b ON b.id = w.badge_class_id \
         WHERE n.user_id = $1 ORDER BY n.id DESC LIMIT 100",
    )
    .bind(user_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            let award_id: Option<String> = row.try_get("award_id")?;
            let (topic_title, path) = match award_id {
                Some(award) => (
                    row.try_get::<Option<String>, _>("badge_name")?
                        .unwrap_or_default(),
                    format!("/credentials/{award}"),
                ),
                None => {
                    let topic_id: Option<i64> = row.try_get("topic_id")?;
                    let slug: Option<String> = row.try_get("slug")?;
                    let number: Option<i64> = row.try_get("number")?;
                    (
                        row.try_get::<Option<String>, _>("title")?
                            .unwrap_or_default(),
                        format!(
                            "/t/{}/{}#p{}",
                            topic_id.unwrap_or_default(),
                            slug.unwrap_or_default(),
                            number.unwrap_or_default()
                        ),
                    )
                }
            };
            Ok(Notification {
                kind: row.try_get("kind")?,
                actor: row
                    .try_get::<Option<String>, _>("username")?
                    .unwrap_or_default(),
                topic_title,
                path,
                created: Stamp(row.try_get("created_at")?),
                unread: row.try_get::<Option<i64>, _>("read_at")?.is_none(),
            })
        })
        .collect()
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(notifications_page))
        .route("/notifications/read", post(mark_all_read))
        .route("/api/v1/notifications", get(api_notifications))
        .route("/api/v1/notifications/read", post(api_mark_all_read))
}

#[derive(Template)]
#[template(path = "notifications/templates/notifications.html")]
struct NotificationsPage {
    chrome: Chrome,
    notifications: Vec<Notification>,
}

async fn notifications_page(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    let notifications = recent(&state.db, member.id).await?;
    let chrome = viewer
        .chrome(&state, "Notifications", "/notifications")
        .await?;
    render(&NotificationsPage {
        chrome,
        notifications,
    })
}

async fn mark_all_read(State(state): State<AppState>, viewer: Viewer) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    mark_read(&state.db, member.id).await?;
    Ok(Redirect::to("/notifications").into_response())
}

async fn mark_read(db: &Db, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
        .bind(now())
        .bind(user_id)
        .execute(db.pool())
        .await?;
    Ok(())
}

async fn api_notifications(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    let items: Vec<serde_json::Value> = recent(&state.db, member.id)
        .await?
        .into_iter()
        .map(|n| {
            serde_json::json!({
                "kind": n.kind,
                "actor": n.actor,
                "topic_title": n.topic_title,
                "url": state.url(&n.path),
                "created_at": n.created.iso(),
                "unread": n.unread,
            })
        })
        .collect();
    Ok(Json(serde_json::json!({ "notifications": items })).into_response())
}

async fn api_mark_all_read(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    mark_read(&state.db, member.id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
