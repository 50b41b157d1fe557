//! The IndieAuth tables: sign-ins in progress, proven profile URLs and the rel=me links members
//! list (migration 0011).

use sqlx::Row;

use crate::accounts::tokens::{hash_token, new_token};
use crate::store::{is_unique_violation, now, Db};

/// How long a sign-in may take between leaving for the authorization server and coming back.
pub const REQUEST_TTL_MS: i64 = 10 * 60 * 1000;

/// A sign-in in progress, as stored under its state.
pub struct Pending {
    pub me: String,
    pub authorization_endpoint: String,
    pub issuer: Option<String>,
    pub code_verifier: String,
    pub next_path: String,
}

/// Records a sign-in in progress under a hash of its `state`, and forgets old ones.
pub async fn save_request(db: &Db, state: &str, pending: &Pending) -> Result<(), sqlx::Error> {
    let now = now();
    sqlx::query("DELETE FROM indieauth_requests WHERE created_at < $1")
        .bind(now - REQUEST_TTL_MS * 6)
        .execute(db.pool())
        .await?;
    sqlx::query(
        "INSERT INTO indieauth_requests (state_hash, me, authorization_endpoint, issuer, code_verifier, next_path, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(hash_token(state))
    .bind(&pending.me)
    .bind(&pending.authorization_endpoint)
    .bind(&pending.issuer)
    .bind(&pending.code_verifier)
    .bind(&pending.next_path)
    .bind(now)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// What a `state` coming back turned out to be.
pub enum Taken {
    Fresh(Pending),
    Unknown,
    Used,
    Expired,
}

/// Spends the sign-in stored under `state`: it works once, within [`REQUEST_TTL_MS`].
pub async fn take_request(db: &Db, state: &str) -> Result<Taken, sqlx::Error> {
    let hash = hash_token(state);
    let Some(row) = sqlx::query(
        "SELECT me, authorization_endpoint, issuer, code_verifier, next_path, created_at, used_at \
         FROM indieauth_requests WHERE state_hash = $1",
    )
    .bind(&hash)
    .fetch_optional(db.pool())
    .await?
    else {
        return Ok(Taken::Unknown);
    };
    if row.try_get::<Option<i64>, _>("used_at")?.is_some() {
        return Ok(Taken::Used);
    }
    let now = now();
    if row.try_get::<i64, _>("created_at")? < now - REQUEST_TTL_MS {
        return Ok(Taken::Expired);
    }
    // Two callbacks racing with one state: only one spends it.
    let spent = sqlx::query(
        "UPDATE indieauth_requests SET used_at = $1 WHERE state_hash = $2 AND used_at IS NULL",
    )
    .bind(now)
    .bind(&hash)
    .execute(db.pool())
    .await?;
    if spent.rows_affected() != 1 {
        return Ok(Taken::Used);
    }
    Ok(Taken::Fresh(Pending {
        me: row.try_get("me")?,
        authorization_endpoint: row.try_get("authorization_endpoint")?,
        issuer: row.try_get("issuer")?,
        code_verifier: row.try_get("code_verifier")?,
        next_path: row.try_get("next_path")?,
    }))
}

/// The account a proven profile URL signs in to.
pub async fn account_of(db: &Db, me: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query("SELECT user_id FROM indieauth_identities WHERE me = $1")
        .bind(me)
        .fetch_optional(db.pool())
        .await?
        .map(|row| row.try_get("user_id"))
        .transpose()
}

/// Notes that `me` signed in again.
pub async fn touch_identity(db: &Db, me: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE indieauth_identities SET last_used_at = $1 WHERE me = $2")
        .bind(now())
        .bind(me)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Links a proven profile URL to an account; false if it is linked to another account already.
pub async fn link_identity(
    db: &Db,
    user_id: i64,
    me: &str,
    authorization_endpoint: &str,
) -> Result<bool, sqlx::Error> {
    if insert_identity(db.pool(), user_id, me, authorization_endpoint, now()).await? {
        return Ok(true);
    }
    Ok(account_of(db, me).await? == Some(user_id))
}

/// Links `me` to `user_id` unless it is linked to an account already; whether it was linked now.
async fn insert_identity<'c>(
    executor: impl sqlx::Executor<'c, Database = sqlx::Any>,
    user_id: i64,
    me: &str,
    authorization_endpoint: &str,
    at: i64,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO indieauth_identities (user_id, me, authorization_endpoint, created_at, last_used_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (me) DO NOTHING",
    )
    .bind(user_id)
    .bind(me)
    .bind(authorization_endpoint)
    .bind(at)
    .bind(at)
    .execute(executor)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// What an account made by signing in with a domain starts with.
pub struct NewIndieAccount<'a> {
    /// Usernames to try in order; the first one free is taken.
    pub usernames: &'a [String],
    pub me: &'a str,
    pub authorization_endpoint: &'a str,
    pub approved: bool,
}

/// Creates an account for a profile URL and links it, in one transaction. The account has no
/// email address and no password: its `email_key` is a random placeholder (the column is unique
/// and required) that no real address can equal, and its empty password hash matches nothing.
/// `None` when every username is taken or the profile URL was linked meanwhile.
pub async fn create_account(
    db: &Db,
    account: &NewIndieAccount<'_>,
) -> Result<Option<i64>, sqlx::Error> {
    let now = now();
    let mut tx = db.begin().await?;
    let mut user_id = None;
    for username in account.usernames {
        // DO NOTHING rather than catching the violation: on PostgreSQL a failed statement
        // would abort the whole transaction.
        let row = sqlx::query(
            "INSERT INTO users (username, username_key, email, email_key, password_hash, role, created_at, approved_at) \
             VALUES ($1, $2, '', $3, '', 'member', $4, $5) ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(username)
        .bind(username.to_lowercase())
        .bind(format!("indieauth:{}", new_token()))
        .bind(now)
        .bind(account.approved.then_some(now))
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = row {
            user_id = Some(row.try_get::<i64, _>("id")?);
            break;
        }
    }
    let Some(user_id) = user_id else {
        return Ok(None);
    };
    if !insert_identity(
        &mut *tx,
        user_id,
        account.me,
        account.authorization_endpoint,
        now,
    )
    .await?
    {
        return Ok(None);
    }
    tx.commit().await?;
    Ok(Some(user_id))
}

/// The profile URLs a member proved by signing in with them, oldest first.
pub async fn identities(db: &Db, user_id: i64) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query("SELECT me FROM indieauth_identities WHERE user_id = $1 ORDER BY id")
        .bind(user_id)
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|row| row.try_get("me"))
        .collect()
}

/// A site or profile a member lists as their own.
#[derive(Clone, Debug)]
pub struct RelMeLink {
    pub id: i64,
    pub url: String,
    pub checked_at: Option<i64>,
    pub verified_at: Option<i64>,
    pub last_error: Option<String>,
}

/// The links a member listed, in the order they added them.
pub async fn links(db: &Db, user_id: i64) -> Result<Vec<RelMeLink>, sqlx::Error> {
    sqlx::query(
        "SELECT id, url, checked_at, verified_at, last_error FROM rel_me_links \
         WHERE user_id = $1 ORDER BY id",
    )
    .bind(user_id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|row| {
        Ok(RelMeLink {
            id: row.try_get("id")?,
            url: row.try_get("url")?,
            checked_at: row.try_get("checked_at")?,
            verified_at: row.try_get("verified_at")?,
            last_error: row.try_get("last_error")?,
        })
    })
    .collect()
}

/// Adds a link; false when the member listed it already.
pub async fn add_link(db: &Db, user_id: i64, url: &str) -> Result<bool, sqlx::Error> {
    let result =
        sqlx::query("INSERT INTO rel_me_links (user_id, url, created_at) VALUES ($1, $2, $3)")
            .bind(user_id)
            .bind(url)
            .bind(now())
            .execute(db.pool())
            .await;
    match result {
        Ok(_) => Ok(true),
        Err(err) if is_unique_violation(&err) => Ok(false),
        Err(err) => Err(err),
    }
}

/// Removes one of the member's links; false when they have no such link.
pub async fn remove_link(db: &Db, user_id: i64, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM rel_me_links WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user_id)
        .execute(db.pool())
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Records the outcome of checking a link: verified, or why not.
pub async fn record_check(
    db: &Db,
    id: i64,
    outcome: Result<(), String>,
) -> Result<(), sqlx::Error> {
    let now = now();
    let (verified_at, error) = match outcome {
        Ok(()) => (Some(now), None),
        Err(why) => (None, Some(why)),
    };
    sqlx::query(
        "UPDATE rel_me_links SET checked_at = $1, verified_at = $2, last_error = $3 WHERE id = $4",
    )
    .bind(now)
    .bind(verified_at)
    .bind(error)
    .bind(id)
    .execute(db.pool())
    .await?;
    Ok(())
}
