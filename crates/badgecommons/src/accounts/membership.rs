//! Membership rules shared by the account pages and the JSON API: who may join, how a sign-in is
//! checked, what a profile may hold.

use super::model::{email_problem, username_problem, Member, Role};
use super::password::{check_strength, decoy_hash, hash_password, password_matches};
use super::store::{self, CreateUserError, NewUser};
use crate::config::SignupMode;
use crate::web::{AppState, Failure};

/// What a person gives to sign up, from the sign-up form or `POST /api/v1/members`.
#[derive(serde::Deserialize)]
pub struct SignUp {
    pub username: String,
    pub email: String,
    pub password: String,
    /// Needed when the community is invite-only.
    pub invite: Option<String>,
}

/// Checks a username and password; the same answer for an unknown name and a wrong password.
pub async fn check_credentials(
    state: &AppState,
    username: &str,
    password: &str,
) -> Result<Option<Member>, Failure> {
    let found = if username.contains('\0') {
        None
    } else {
        store::credentials(&state.db, username.trim()).await?
    };
    match found {
        Some((member, hash)) if password_matches(password, &hash) => Ok(Some(member)),
        Some(_) => Ok(None),
        None => {
            password_matches(password, decoy_hash());
            Ok(None)
        }
    }
}

/// Creates an account by the community's sign-up rule.
pub async fn register(
    state: &AppState,
    mode: SignupMode,
    username: &str,
    email: &str,
    password: &str,
    invite: Option<&str>,
) -> Result<i64, Failure> {
    if let Some(problem) = username_problem(username).or_else(|| email_problem(email)) {
        return Err(Failure::Invalid(problem.to_string()));
    }
    check_strength(password)?;
    let invite = invite.map(str::trim).filter(|code| !code.is_empty());
    if mode == SignupMode::Invite && invite.is_none() {
        return Err(Failure::Forbidden(
            "Joining needs an invite code from an admin.".to_string(),
        ));
    }
    let hash = hash_password(password)?;
    let user = NewUser {
        username,
        email,
        password_hash: &hash,
        role: Role::Member,
        approved: mode != SignupMode::Approval,
        email_confirmed: false,
    };
    let mut tx = state.db.begin().await?;
    let user_id = match store::insert_user(&mut tx, &user).await {
        Ok(id) => id,
        Err(CreateUserError::Taken) => {
            return Err(Failure::Conflict(CreateUserError::Taken.to_string()))
        }
        Err(CreateUserError::Database(err)) => return Err(err.into()),
    };
    if mode == SignupMode::Invite {
        let code = invite.unwrap_or_default();
        if !store::spend_invite(&mut tx, code, user_id).await? {
            return Err(Failure::Forbidden(
                "That invite code is unknown or already used.".to_string(),
            ));
        }
    }
    super::email_confirmation::issue(&mut tx, state, user_id, email).await?;
    tx.commit().await?;
    state.outbox.wake();
    Ok(user_id)
}

/// Checks and saves the bio and website shown on a member's profile.
pub async fn update_profile(
    state: &AppState,
    member: &Member,
    bio: &str,
    website: &str,
) -> Result<(), Failure> {
    let website = website.trim();
    if bio.chars().count() > 2000 {
        return Err(Failure::Invalid(
            "The bio has at most 2000 characters.".to_string(),
        ));
    }
    let is_web_address =
        url::Url::parse(website).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
    if !(website.is_empty() || is_web_address) {
        return Err(Failure::Invalid(
            "The website must be an http:// or https:// address.".to_string(),
        ));
    }
    store::set_profile(&state.db, member.id, bio.trim(), website).await?;
    Ok(())
}

/// Changes a member's password after checking the current one; ends their other sessions
/// (`keep_session` is the browser session making the change, if any).
pub async fn change_password(
    state: &AppState,
    member: &Member,
    current: &str,
    new: &str,
    keep_session: Option<&str>,
) -> Result<(), Failure> {
    let stored = store::password_hash(&state.db, member.id).await?;
    if !password_matches(current, &stored) {
        return Err(Failure::Invalid(
            "Your current password is not right.".to_string(),
        ));
    }
    check_strength(new)?;
    let hash = hash_password(new)?;
    store::set_password(&state.db, member.id, &hash, keep_session).await?;
    Ok(())
}
