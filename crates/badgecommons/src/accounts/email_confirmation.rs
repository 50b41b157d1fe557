//! Confirming a member's email address by a link, and claiming the badges awarded to it.
//!
//! A badge awarded to an address belongs to whoever controls that address, so an account's
//! address counts only once its owner followed the link sent to it: then every award made to
//! the address (before or after they joined) becomes theirs, with a notification each. Accounts
//! an admin creates from the command line are confirmed by that admin.
//!
//! Messages are written to an outbox table in the same transaction as the token. With SMTP
//! configured `jobs::outbox` sends them; without, they are logged with their link, so a host
//! without mail still can hand the link over.

use axum::extract::{ConnectInfo, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use sqlx::Row;
use std::net::SocketAddr;

use super::tokens::{hash_token, new_token};
use crate::store::{now, Tx, DAY_MS};
use crate::web::{render, AppState, Chrome, Failure, Viewer};

/// How long a confirmation link works.
const LINK_DAYS: i64 = 7;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/confirm-email", get(confirm))
        .route("/account/confirm-email", post(resend))
}

/// Makes a confirmation link for `email` and puts the message in the outbox, inside `tx`.
/// After committing, call `state.outbox.wake()` so it is sent at once.
pub async fn issue(
    tx: &mut Tx,
    state: &AppState,
    user_id: i64,
    email: &str,
) -> Result<(), sqlx::Error> {
    let token = new_token();
    sqlx::query(
        "INSERT INTO email_confirmations (token_hash, user_id, email, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(hash_token(&token))
    .bind(user_id)
    .bind(email.trim().to_lowercase())
    .bind(now())
    .execute(&mut **tx)
    .await?;
    let link = state.url(&format!("/confirm-email?token={token}"));
    let body = format!(
        "Someone (we hope you) joined {site} with this address.\n\n\
         Confirm it by opening this link within {LINK_DAYS} days:\n{link}\n\n\
         Badges awarded to this address become yours once it is confirmed.\n\
         If it was not you, ignore this message.\n",
        site = state.settings.site_name
    );
    sqlx::query(
        "INSERT INTO email_outbox (recipient, subject, body, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(email)
    .bind(format!(
        "Confirm your address for {}",
        state.settings.site_name
    ))
    .bind(&body)
    .bind(now())
    .execute(&mut **tx)
    .await?;
    if state.outbox.sends_mail() {
        // The link stays out of the log: it would let log readers confirm the address.
        tracing::info!(target: "badgecommons::email", to = %email, "email confirmation queued");
    } else {
        // The delivery the host has without SMTP: whoever reads the log hands the link over.
        tracing::info!(target: "badgecommons::email", to = %email, %link, "email confirmation link");
    }
    Ok(())
}

#[derive(Deserialize)]
struct TokenQuery {
    #[serde(default)]
    token: String,
}

#[derive(askama::Template)]
#[template(path = "accounts/templates/email_confirmed.html")]
struct ConfirmedPage {
    chrome: Chrome,
    email: String,
    claimed: Vec<(String, String)>,
}

async fn confirm(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<TokenQuery>,
) -> Result<Response, Failure> {
    let invalid = || {
        Failure::Invalid(
            "That confirmation link is unknown, used already or older than a week: ask for a new one on your account page.".into(),
        )
    };
    let token_hash = hash_token(query.token.trim());
    let mut tx = state.db.begin().await?;
    let row = sqlx::query(
        "SELECT c.user_id, c.email, c.created_at, c.used_at, u.email AS current_email
         FROM email_confirmations c JOIN users u ON u.id = c.user_id WHERE c.token_hash = $1",
    )
    .bind(&token_hash)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(invalid)?;
    let user_id: i64 = row.try_get("user_id")?;
    let email: String = row.try_get("email")?;
    let current: String = row.try_get("current_email")?;
    let created: i64 = row.try_get("created_at")?;
    let used: Option<i64> = row.try_get("used_at")?;
    // A link for an address the member no longer has confirms nothing.
    if used.is_some()
        || now() - created > LINK_DAYS * DAY_MS
        || !current.eq_ignore_ascii_case(&email)
    {
        return Err(invalid());
    }
    let at = now();
    sqlx::query("UPDATE email_confirmations SET used_at = $1 WHERE token_hash = $2")
        .bind(at)
        .bind(token_hash)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE users SET email_confirmed_at = $1 WHERE id = $2")
        .bind(at)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    let claimed = claim_awards(&mut tx, user_id, &email).await?;
    tx.commit().await?;
    render(&ConfirmedPage {
        chrome: viewer
            .chrome(&state, "Address confirmed", "/confirm-email")
            .await?,
        email,
        claimed,
    })
}

/// Makes the awards to `email` that nobody holds yet the member's, notifying them of each.
/// Returns (award id, badge name) of each.
async fn claim_awards(
    tx: &mut Tx,
    user_id: i64,
    email: &str,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT a.id, b.name FROM awards a JOIN badge_classes b ON b.id = a.badge_class_id
         WHERE a.recipient_email = $1 AND a.recipient_user_id IS NULL ORDER BY a.issued_at",
    )
    .bind(email)
    .fetch_all(&mut **tx)
    .await?;
    let mut claimed = Vec::new();
    for row in rows {
        let id: String = row.try_get("id")?;
        sqlx::query(
            "UPDATE awards SET recipient_user_id = $1 WHERE id = $2 AND recipient_user_id IS NULL",
        )
        .bind(user_id)
        .bind(&id)
        .execute(&mut **tx)
        .await?;
        crate::notifications::notify_award(&mut *tx, user_id, &id, None).await?;
        claimed.push((id, row.try_get("name")?));
    }
    Ok(claimed)
}

/// Sends a new link to the signed-in member's address (limited like sign-ups, per address).
async fn resend(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    viewer: Viewer,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    state.limits.sign_up(client.ip())?;
    let row = sqlx::query("SELECT email, email_confirmed_at FROM users WHERE id = $1")
        .bind(member.id)
        .fetch_one(state.db.pool())
        .await?;
    let email: String = row.try_get("email")?;
    // Accounts made by signing in with a website (`crate::indieauth`) have no address.
    if email.is_empty() {
        return Err(Failure::Invalid(
            "Your account has no email address to confirm.".into(),
        ));
    }
    if row
        .try_get::<Option<i64>, _>("email_confirmed_at")?
        .is_some()
    {
        return Err(Failure::Conflict(format!("{email} is confirmed already.")));
    }
    let mut tx = state.db.begin().await?;
    issue(&mut tx, &state, member.id, &email).await?;
    tx.commit().await?;
    state.outbox.wake();
    Ok(Redirect::to("/account?confirmation=sent").into_response())
}

/// Whether the member's address is confirmed.
pub async fn is_confirmed(db: &crate::store::Db, user_id: i64) -> Result<bool, sqlx::Error> {
    let row = sqlx::query("SELECT email_confirmed_at FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(db.pool())
        .await?;
    Ok(match row {
        Some(row) => row
            .try_get::<Option<i64>, _>("email_confirmed_at")?
            .is_some(),
        None => false,
    })
}
