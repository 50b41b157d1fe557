//! The account pages and the token endpoint of the JSON API.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::Deserialize;

use super::model::{email_problem, username_problem, Member, Profile, Role};
use super::password::{check_strength, decoy_hash, hash_password, password_matches};
use super::store::{self, ApiToken, CreateUserError, NewUser, SESSION_DAYS};
use crate::config::SignupMode;
use crate::forum::{self, PostSummary};
use crate::web::{
    local_path, render, render_rejected, AppState, Chrome, Failure, Stamp, Viewer, SESSION_COOKIE,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/signin", get(sign_in_page).post(sign_in))
        .route("/signup", get(sign_up_page).post(sign_up))
        .route("/signout", post(sign_out))
        .route("/account", get(account_page))
        .route("/account/password", post(change_password))
        .route("/account/profile", post(change_profile))
        .route("/account/tokens", post(create_token))
        .route("/account/tokens/{id}/revoke", post(revoke_token))
        .route("/u/{username}", get(profile_page))
        .route("/api/v1/tokens", post(api_create_token))
}

#[derive(Template)]
#[template(path = "accounts/templates/signin.html")]
struct SignInPage {
    chrome: Chrome,
    username: String,
    next: String,
    problem: Option<String>,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn sign_in_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<NextQuery>,
) -> Result<Response, Failure> {
    let chrome = viewer.chrome(&state, "Sign in", "/signin").await?;
    let problem = viewer
        .session_expired
        .then(|| "Your session has expired: please sign in again.".to_string());
    render(&SignInPage {
        chrome,
        username: String::new(),
        next: local_path(q.next.as_deref()),
        problem,
    })
}

#[derive(Deserialize)]
struct SignInForm {
    username: String,
    password: String,
    next: Option<String>,
}

/// Checks a username and password; the same answer for an unknown name and a wrong password.
async fn check_credentials(
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

fn session_cookie(state: &AppState, token: String) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token))
        .path("/")
        .http_only(true)
        .secure(state.settings.https())
        .same_site(SameSite::Lax)
        .max_age(time_days(SESSION_DAYS))
        .build()
}

fn time_days(days: i64) -> time::Duration {
    time::Duration::days(days)
}

async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    viewer: Viewer,
    jar: CookieJar,
    Form(form): Form<SignInForm>,
) -> Result<Response, Failure> {
    state.limits.sign_in(client.ip())?;
    match check_credentials(&state, &form.username, &form.password).await? {
        Some(member) => {
            let token = store::create_session(&state.db, member.id).await?;
            let jar = jar.add(session_cookie(&state, token));
            Ok((jar, Redirect::to(&local_path(form.next.as_deref()))).into_response())
        }
        None => {
            let chrome = viewer.chrome(&state, "Sign in", "/signin").await?;
            render_rejected(
                StatusCode::UNAUTHORIZED,
                &SignInPage {
                    chrome,
                    username: form.username,
                    next: local_path(form.next.as_deref()),
                    problem: Some("That username and password do not match.".to_string()),
                },
            )
        }
    }
}

async fn sign_out(State(state): State<AppState>, jar: CookieJar) -> Result<Response, Failure> {
    if let Some(cookie) = jar.get(SESSION_COOKIE) {
        store::end_session(&state.db, cookie.value()).await?;
    }
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    Ok((jar, Redirect::to("/")).into_response())
}

#[derive(Template)]
#[template(path = "accounts/templates/signup.html")]
struct SignUpPage {
    chrome: Chrome,
    mode: SignupMode,
    username: String,
    email: String,
    invite: String,
    problem: Option<String>,
}

#[derive(Deserialize)]
struct InviteQuery {
    invite: Option<String>,
}

async fn sign_up_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<InviteQuery>,
) -> Result<Response, Failure> {
    let chrome = viewer.chrome(&state, "Sign up", "/signup").await?;
    render(&SignUpPage {
        chrome,
        mode: state.settings.signup,
        username: String::new(),
        email: String::new(),
        invite: q.invite.unwrap_or_default(),
        problem: None,
    })
}

#[derive(Deserialize)]
struct SignUpForm {
    username: String,
    email: String,
    password: String,
    invite: Option<String>,
}

async fn sign_up(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    viewer: Viewer,
    jar: CookieJar,
    Form(form): Form<SignUpForm>,
) -> Result<Response, Failure> {
    state.limits.sign_up(client.ip())?;
    let mode = state.settings.signup;
    let username = form.username.trim().to_string();
    let email = form.email.trim().to_string();
    match register(
        &state,
        mode,
        &username,
        &email,
        &form.password,
        form.invite.as_deref(),
    )
    .await
    {
        Ok(user_id) => {
            let token = store::create_session(&state.db, user_id).await?;
            let jar = jar.add(session_cookie(&state, token));
            Ok((jar, Redirect::to(&format!("/u/{username}"))).into_response())
        }
        Err(
            Failure::Invalid(problem) | Failure::Conflict(problem) | Failure::Forbidden(problem),
        ) => {
            let chrome = viewer.chrome(&state, "Sign up", "/signup").await?;
            render_rejected(
                StatusCode::UNPROCESSABLE_ENTITY,
                &SignUpPage {
                    chrome,
                    mode,
                    username,
                    email,
                    invite: form.invite.unwrap_or_default(),
                    problem: Some(problem),
                },
            )
        }
        Err(other) => Err(other),
    }
}

/// Creates an account by the community's sign-up rule.
async fn register(
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
    tx.commit().await?;
    Ok(user_id)
}

#[derive(Template)]
#[template(path = "accounts/templates/account.html")]
struct AccountPage {
    chrome: Chrome,
    profile: Profile,
    tokens: Vec<ApiToken>,
    new_token: Option<String>,
    notice: Option<String>,
    problem: Option<String>,
}

impl AccountPage {
    fn stamp(&self, at: &i64) -> String {
        Stamp(*at).human()
    }
}

async fn account_view(
    state: &AppState,
    viewer: &Viewer,
    new_token: Option<String>,
    notice: Option<String>,
    problem: Option<String>,
) -> Result<AccountPage, Failure> {
    let member = viewer.require_member()?;
    let profile = store::profile(&state.db, &member.username)
        .await?
        .ok_or_else(|| Failure::not_found("member"))?;
    Ok(AccountPage {
        chrome: viewer.chrome(state, "Your account", "/account").await?,
        profile,
        tokens: store::api_tokens(&state.db, member.id).await?,
        new_token,
        notice,
        problem,
    })
}

async fn account_page(State(state): State<AppState>, viewer: Viewer) -> Result<Response, Failure> {
    render(&account_view(&state, &viewer, None, None, None).await?)
}

#[derive(Deserialize)]
struct PasswordForm {
    current_password: String,
    new_password: String,
}

async fn change_password(
    State(state): State<AppState>,
    viewer: Viewer,
    jar: CookieJar,
    Form(form): Form<PasswordForm>,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    let stored = store::password_hash(&state.db, member.id).await?;
    let problem = if !password_matches(&form.current_password, &stored) {
        Some("Your current password is not right.".to_string())
    } else {
        check_strength(&form.new_password)
            .err()
            .map(|e| e.to_string())
    };
    if let Some(problem) = problem {
        let page = account_view(&state, &viewer, None, None, Some(problem)).await?;
        return render_rejected(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let hash = hash_password(&form.new_password)?;
    let session = jar.get(SESSION_COOKIE).map(|c| c.value().to_string());
    store::set_password(&state.db, member.id, &hash, session.as_deref()).await?;
    let notice = "Password changed; your other sessions were signed out.".to_string();
    render(&account_view(&state, &viewer, None, Some(notice), None).await?)
}

#[derive(Deserialize)]
struct ProfileForm {
    bio: String,
    website: String,
}

async fn change_profile(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<ProfileForm>,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    let website = form.website.trim();
    let problem = if form.bio.chars().count() > 2000 {
        Some("The bio has at most 2000 characters.")
    } else if !(website.is_empty()
        || url::Url::parse(website).is_ok_and(|u| matches!(u.scheme(), "http" | "https")))
    {
        Some("The website must be an http:// or https:// address.")
    } else {
        None
    };
    if let Some(problem) = problem {
        let page = account_view(&state, &viewer, None, None, Some(problem.to_string())).await?;
        return render_rejected(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    store::set_profile(&state.db, member.id, form.bio.trim(), website).await?;
    Ok(Redirect::to(&format!("/u/{}", member.username)).into_response())
}

#[derive(Deserialize)]
struct TokenForm {
    label: String,
}

async fn create_token(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<TokenForm>,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    let label = form.label.trim();
    let label = if label.is_empty() { "API token" } else { label };
    let token = store::create_api_token(
        &state.db,
        member.id,
        &label.chars().take(100).collect::<String>(),
    )
    .await?;
    render(&account_view(&state, &viewer, Some(token), None, None).await?)
}

async fn revoke_token(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    if !store::revoke_api_token(&state.db, member.id, id).await? {
        return Err(Failure::not_found("token"));
    }
    Ok(Redirect::to("/account").into_response())
}

#[derive(Template)]
#[template(path = "accounts/templates/profile.html")]
struct ProfilePage {
    chrome: Chrome,
    profile: Profile,
    joined: Stamp,
    posts: Vec<PostSummary>,
    profile_url: String,
}

async fn profile_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(username): Path<String>,
) -> Result<Response, Failure> {
    let profile = store::profile(&state.db, &username)
        .await?
        .ok_or_else(|| Failure::not_found("member"))?;
    let posts = forum::posts_by_member(&state.db, profile.id, 50).await?;
    let path = format!("/u/{}", profile.username);
    let chrome = viewer
        .chrome(&state, profile.username.clone(), &path)
        .await?
        .with_description(&profile.bio);
    render(&ProfilePage {
        joined: Stamp(profile.created_at),
        profile_url: state.url(&path),
        chrome,
        profile,
        posts,
    })
}

#[derive(Deserialize)]
struct TokenRequest {
    username: String,
    password: String,
    label: Option<String>,
}

/// `POST /api/v1/tokens`: trades a username and password for a bearer token.
async fn api_create_token(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    Json(request): Json<TokenRequest>,
) -> Result<Response, Failure> {
    state.limits.sign_in(client.ip())?;
    let member = check_credentials(&state, &request.username, &request.password)
        .await?
        .ok_or(Failure::BadCredentials)?;
    let label = request.label.unwrap_or_else(|| "API".to_string());
    let token = store::create_api_token(
        &state.db,
        member.id,
        &label.chars().take(100).collect::<String>(),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "token": token })),
    )
        .into_response())
}
