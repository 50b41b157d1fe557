//! The account pages and the token endpoint of the JSON API.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::Deserialize;

use super::membership::{self, check_credentials, register, update_profile, SignUp};
use super::model::{Profile, Role};
use super::store::{self, ApiToken, SESSION_DAYS};
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

/// The session cookie of a new session (also set by IndieAuth sign-in, `crate::indieauth`).
pub(crate) fn session_cookie(state: &AppState, token: String) -> Cookie<'static> {
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

async fn sign_up(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    viewer: Viewer,
    jar: CookieJar,
    Form(form): Form<SignUp>,
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

#[derive(Template)]
#[template(path = "accounts/templates/account.html")]
struct AccountPage {
    chrome: Chrome,
    profile: Profile,
    tokens: Vec<ApiToken>,
    new_token: Option<String>,
    notice: Option<String>,
    problem: Option<String>,
    email: String,
    email_confirmed: bool,
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
        email: store::email_of(&state.db, member.id)
            .await?
            .ok_or_else(|| Failure::Internal(format!("member {} has no row", member.id)))?,
        email_confirmed: super::email_confirmation::is_confirmed(&state.db, member.id).await?,
    })
}

#[derive(Deserialize)]
struct AccountQuery {
    #[serde(default)]
    confirmation: String,
}

async fn account_page(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::extract::Query(query): axum::extract::Query<AccountQuery>,
) -> Result<Response, Failure> {
    let notice = (query.confirmation == "sent")
        .then(|| "A new confirmation link is on its way to your address.".to_string());
    render(&account_view(&state, &viewer, None, notice, None).await?)
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
    let session = jar.get(SESSION_COOKIE).map(|c| c.value().to_string());
    let changed = membership::change_password(
        &state,
        member,
        &form.current_password,
        &form.new_password,
        session.as_deref(),
    )
    .await;
    if let Err(Failure::Invalid(problem)) = changed {
        let page = account_view(&state, &viewer, None, None, Some(problem)).await?;
        return render_rejected(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    changed?;
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
    if let Err(Failure::Invalid(problem)) =
        update_profile(&state, member, &form.bio, &form.website).await
    {
        let page = account_view(&state, &viewer, None, None, Some(problem)).await?;
        return render_rejected(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
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
    /// The badges the member was awarded (hidden and revoked ones only for the member).
    badges: Vec<crate::recognition::awards::Award>,
    /// Badges imported into the member's backpack: shown ones, or all of them for the member,
    /// each with its verification status.
    imported: Vec<crate::backpack::BadgeView>,
    own: bool,
    /// Sites proven to be the member's (IndieAuth, or rel=me linking back): `crate::indieauth`.
    links: Vec<String>,
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
    let own = viewer.member.as_ref().is_some_and(|m| m.id == profile.id);
    let badges = crate::recognition::awards::of_member(&state.db, profile.id, own)
        .await?
        .into_iter()
        .filter(|award| own || award.revoked_at.is_none())
        .collect();
    let imported = crate::backpack::profile_badges(&state, profile.id, own).await?;
    let links = crate::indieauth::verified_links(&state.db, profile.id).await?;
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
        badges,
        imported,
        own,
        links,
    })
}
