//! The accounts tables: members, sessions, API tokens and invites.

use sqlx::Row;

use super::model::{Member, Profile, Role};
use super::tokens::{hash_token, new_token};
use crate::store::{is_unique_violation, now, Db, DAY_MS};

/// How long a browser session lasts without signing in again.
pub const SESSION_DAYS: i64 = 30;

const MEMBER_COLUMNS: &str = "u.id, u.username, u.role, u.approved_at, u.suspended_until";

fn member_from_row(row: &sqlx::any::AnyRow) -> Result<Member, sqlx::Error> {
    Ok(Member {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        role: Role::parse(&row.try_get::<String, _>("role")?),
        approved: row.try_get::<Option<i64>, _>("approved_at")?.is_some(),
        suspended_until: row.try_get("suspended_until")?,
    })
}

/// A new account.
pub struct NewUser<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub approved: bool,
    /// Whoever creates the account vouches for the address (an admin at the command line);
    /// sign-ups confirm theirs by a link (`accounts::email_confirmation`).
    pub email_confirmed: bool,
}

/// Why an account could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    #[error("That username or email address is already taken.")]
    Taken,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

pub async fn create_user(db: &Db, user: NewUser<'_>) -> Result<i64, CreateUserError> {
    let mut tx = db.begin().await?;
    let id = insert_user(&mut tx, &user).await?;
    tx.commit().await?;
    Ok(id)
}

/// Creates the account inside `tx` (for sign-ups that also spend an invite).
pub async fn insert_user(
    tx: &mut crate::store::Tx,
    user: &NewUser<'_>,
) -> Result<i64, CreateUserError> {
    let now = now();
    let result = sqlx::query(
        "INSERT INTO users (username, username_key, email, email_key, password_hash, role, created_at, approved_at, email_confirmed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(user.username)
    .bind(user.username.to_lowercase())
    .bind(user.email)
    .bind(user.email.to_lowercase())
    .bind(user.password_hash)
    .bind(user.role.as_str())
    .bind(now)
    .bind(user.approved.then_some(now))
    .bind(user.email_confirmed.then_some(now))
    .fetch_one(&mut **tx)
    .await;
    match result {
        Ok(row) => Ok(row.try_get("id")?),
        Err(err) if is_unique_violation(&err) => Err(CreateUserError::Taken),
        Err(err) => Err(err.into()),
    }
}

pub async fn count_users(db: &Db) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COUNT(*) AS n FROM users")
        .fetch_one(db.pool())
        .await?
        .try_get("n")
}

/// The member and their password hash, for signing in.
pub async fn credentials(db: &Db, username: &str) -> Result<Option<(Member, String)>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {MEMBER_COLUMNS}, u.password_hash FROM users u WHERE u.username_key = $1"
    ))
    .bind(username.to_lowercase())
    .fetch_optional(db.pool())
    .await?;
    row.map(|row| Ok((member_from_row(&row)?, row.try_get("password_hash")?)))
        .transpose()
}

pub async fn member_by_id(db: &Db, id: i64) -> Result<Option<Member>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {MEMBER_COLUMNS} FROM users u WHERE u.id = $1"
    ))
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(member_from_row).transpose()
}

pub async fn member_by_username(db: &Db, username: &str) -> Result<Option<Member>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {MEMBER_COLUMNS} FROM users u WHERE u.username_key = $1"
    ))
    .bind(username.to_lowercase())
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(member_from_row).transpose()
}

/// Starts a browser session and returns the cookie value.
pub async fn create_session(db: &Db, user_id: i64) -> Result<String, sqlx::Error> {
    let token = new_token();
    let now = now();
    sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(hash_token(&token))
        .bind(user_id)
        .bind(now)
        .bind(now + SESSION_DAYS * DAY_MS)
        .execute(db.pool())
        .await?;
    Ok(token)
}

/// What a session cookie turned out to be.
pub enum SessionLookup {
    Active(Member),
    Expired,
    Unknown,
}

pub async fn member_by_session(db: &Db, token: &str) -> Result<SessionLookup, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {MEMBER_COLUMNS}, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1"
    ))
    .bind(hash_token(token))
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else {
        return Ok(SessionLookup::Unknown);
    };
    if row.try_get::<i64, _>("expires_at")? <= now() {
        return Ok(SessionLookup::Expired);
    }
    Ok(SessionLookup::Active(member_from_row(&row)?))
}

pub async fn end_session(db: &Db, token: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(hash_token(token))
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Changes a password and ends every other session of the member.
pub async fn set_password(
    db: &Db,
    user_id: i64,
    password_hash: &str,
    keep_session: Option<&str>,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(password_hash)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user_id)
        .bind(keep_session.map(hash_token).unwrap_or_default())
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

pub async fn password_hash(db: &Db, user_id: i64) -> Result<String, sqlx::Error> {
    sqlx::query("SELECT password_hash FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(db.pool())
        .await?
        .try_get("password_hash")
}

/// Issues a bearer token for the JSON API and returns it (shown once, stored hashed).
pub async fn create_api_token(db: &Db, user_id: i64, label: &str) -> Result<String, sqlx::Error> {
    let token = new_token();
    sqlx::query(
        "INSERT INTO api_tokens (user_id, token_hash, label, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(user_id)
    .bind(hash_token(&token))
    .bind(label)
    .bind(now())
    .execute(db.pool())
    .await?;
    Ok(token)
}

pub async fn member_by_api_token(db: &Db, token: &str) -> Result<Option<Member>, sqlx::Error> {
    let hash = hash_token(token);
    let row = sqlx::query(&format!(
        "SELECT {MEMBER_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id \
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL"
    ))
    .bind(&hash)
    .fetch_optional(db.pool())
    .await?;
    if row.is_some() {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2")
            .bind(now())
            .bind(&hash)
            .execute(db.pool())
            .await?;
    }
    row.as_ref().map(member_from_row).transpose()
}

/// A token as its owner sees it on the account page (never the secret itself).
pub struct ApiToken {
    pub id: i64,
    pub label: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

pub async fn api_tokens(db: &Db, user_id: i64) -> Result<Vec<ApiToken>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, label, created_at, last_used_at FROM api_tokens \
         WHERE user_id = $1 AND revoked_at IS NULL ORDER BY id DESC",
    )
    .bind(user_id)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(ApiToken {
                id: row.try_get("id")?,
                label: row.try_get("label")?,
                created_at: row.try_get("created_at")?,
                last_used_at: row.try_get("last_used_at")?,
            })
        })
        .collect()
}

/// Revokes one of the member's tokens; false if they have no such token.
pub async fn revoke_api_token(db: &Db, user_id: i64, token_id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
        .bind(now())
        .bind(token_id)
        .bind(user_id)
        .execute(db.pool())
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn profile(db: &Db, username: &str) -> Result<Option<Profile>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT id, username, role, bio, website, created_at, suspended_until FROM users WHERE username_key = $1",
    )
    .bind(username.to_lowercase())
    .fetch_optional(db.pool())
    .await?;
    row.map(|row| {
        Ok(Profile {
            id: row.try_get("id")?,
            username: row.try_get("username")?,
            role: Role::parse(&row.try_get::<String, _>("role")?),
            bio: row.try_get("bio")?,
            website: row.try_get("website")?,
            created_at: row.try_get("created_at")?,
            suspended_until: row.try_get("suspended_until")?,
        })
    })
    .transpose()
}

pub async fn set_profile(
    db: &Db,
    user_id: i64,
    bio: &str,
    website: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET bio = $1, website = $2 WHERE id = $3")
        .bind(bio)
        .bind(website)
        .bind(user_id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Members who signed up and wait for a moderator's approval.
pub async fn pending_members(db: &Db) -> Result<Vec<(i64, String, i64)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, username, created_at FROM users WHERE approved_at IS NULL ORDER BY id",
    )
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get("username")?,
                r.try_get("created_at")?,
            ))
        })
        .collect()
}

pub async fn approve_member(db: &Db, user_id: i64) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("UPDATE users SET approved_at = $1 WHERE id = $2 AND approved_at IS NULL")
            .bind(now())
            .bind(user_id)
            .execute(db.pool())
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Suspends (or, with `until` in the past, lifts the suspension of) a member.
pub async fn suspend_member(
    db: &Db,
    user_id: i64,
    until: Option<i64>,
    reason: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET suspended_until = $1, suspension_reason = $2 WHERE id = $3")
        .bind(until)
        .bind(reason)
        .bind(user_id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Creates a single-use invite code.
pub async fn create_invite(db: &Db, created_by: i64) -> Result<String, sqlx::Error> {
    let code = new_token();
    sqlx::query("INSERT INTO invites (code_hash, created_by, created_at) VALUES ($1, $2, $3)")
        .bind(hash_token(&code))
        .bind(created_by)
        .bind(now())
        .execute(db.pool())
        .await?;
    Ok(code)
}

/// Spends an invite inside the sign-up transaction; false if it is unknown or already used.
pub async fn spend_invite(
    tx: &mut crate::store::Tx,
    code: &str,
    user_id: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE invites SET used_by = $1, used_at = $2 WHERE code_hash = $3 AND used_by IS NULL",
    )
    .bind(user_id)
    .bind(now())
    .bind(hash_token(code))
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A member's email address; `None` when there is no such member.
pub async fn email_of(db: &Db, user_id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query("SELECT email FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(db.pool())
        .await?
        .map(|row| row.try_get("email"))
        .transpose()
}
