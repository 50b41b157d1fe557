//! The IndieAuth pages: starting a sign-in with a domain, the callback the member's server sends
//! the browser back to, and the member's list of rel=me links (`/account/links`).

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::Deserialize;
use url::Url;

use super::client::{self, AuthorizationRequest, ClientError, Server};
use super::rel_me::{self, MAX_LINKS};
use super::store::{self, NewIndieAccount, Pending, RelMeLink, Taken, REQUEST_TTL_MS};
use crate::accounts::model::username_problem;
use crate::accounts::tokens::new_token;
use crate::config::SignupMode;
use crate::web::{local_path, render, render_rejected, AppState, Chrome, Failure, Viewer};

/// The cookie that binds a sign-in's `state` to the browser that started it.
const STATE_COOKIE: &str = "bc_indieauth";
const CALLBACK_PATH: &str = "/signin/indieauth/callback";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/signin/indieauth", get(start_page).post(start))
        .route(CALLBACK_PATH, get(callback))
        .route("/account/links", get(links_page).post(add_link))
        .route("/account/links/verify", post(verify_links))
        .route("/account/links/{id}/remove", post(remove_link))
}

/// This site as an IndieAuth client: its home page (spec §4.2; the redirect URI shares its
/// origin, so servers need not fetch it).
fn client_id(state: &AppState) -> String {
    state.url("/")
}

fn redirect_uri(state: &AppState) -> String {
    state.url(CALLBACK_PATH)
}

#[derive(Template)]
#[template(path = "indieauth/templates/signin.html")]
struct SignInPage {
    chrome: Chrome,
    me: String,
    next: String,
    problem: Option<String>,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn start_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<NextQuery>,
) -> Result<Response, Failure> {
    render(&SignInPage {
        chrome: viewer
            .chrome(&state, "Sign in with your domain", "/signin/indieauth")
            .await?,
        me: String::new(),
        next: local_path(q.next.as_deref()),
        problem: None,
    })
}

/// The sign-in form again, with what went wrong.
async fn problem_page(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    me: &str,
    next: &str,
    problem: String,
) -> Result<Response, Failure> {
    render_rejected(
        status,
        &SignInPage {
            chrome: viewer
                .chrome(state, "Sign in with your domain", "/signin/indieauth")
                .await?,
            me: me.to_string(),
            next: next.to_string(),
            problem: Some(problem),
        },
    )
}

#[derive(Deserialize)]
struct StartForm {
    me: String,
    next: Option<String>,
}

async fn start(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    viewer: Viewer,
    jar: CookieJar,
    Form(form): Form<StartForm>,
) -> Result<Response, Failure> {
    state.limits.sign_in(client.ip())?;
    let next = local_path(form.next.as_deref());
    let refuse = |problem: ClientError| {
        problem_page(
            &state,
            &viewer,
            StatusCode::UNPROCESSABLE_ENTITY,
            &form.me,
            &next,
            problem.to_string(),
        )
    };
    let me = match client::canonical_me(&form.me) {
        Ok(me) => me.to_string(),
        Err(problem) => return refuse(problem).await,
    };
    let server = match client::discover_server(&*state.fetcher, &me).await {
        Ok(server) => server,
        Err(problem) => return refuse(problem).await,
    };
    let state_value = new_token();
    let (code_verifier, code_challenge) = client::pkce_pair();
    let Some(authorization_url) = client::authorization_url(
        &server,
        &AuthorizationRequest {
            client_id: &client_id(&state),
            redirect_uri: &redirect_uri(&state),
            state: &state_value,
            code_challenge: &code_challenge,
            me: &me,
        },
    ) else {
        return Err(Failure::Internal(
            "a checked authorization endpoint did not parse".into(),
        ));
    };
    store::save_request(
        &state.db,
        &state_value,
        &Pending {
            me,
            authorization_endpoint: server.authorization_endpoint,
            issuer: server.issuer,
            code_verifier,
            next_path: next,
        },
    )
    .await?;
    // Lax, not Strict: the browser comes back by a top-level navigation from another site.
    let cookie = Cookie::build((STATE_COOKIE, state_value))
        .path("/signin/indieauth")
        .http_only(true)
        .secure(state.settings.https())
        .same_site(SameSite::Lax)
        .max_age(time::Duration::milliseconds(REQUEST_TTL_MS))
        .build();
    Ok((jar.add(cookie), Redirect::to(&authorization_url)).into_response())
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    iss: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

async fn callback(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    viewer: Viewer,
    jar: CookieJar,
    Query(q): Query<CallbackQuery>,
) -> Response {
    let state_value = q.state.clone().unwrap_or_default();
    let started_here = jar
        .get(STATE_COOKIE)
        .is_some_and(|cookie| cookie.value() == state_value);
    // This browser's state is spent whatever the outcome, so its cookie goes; a callback with
    // some other state (a forged link) leaves a sign-in in progress alone.
    let jar = if started_here {
        jar.remove(Cookie::build(STATE_COOKIE).path("/signin/indieauth"))
    } else {
        jar
    };
    match finish_sign_in(&state, client, &viewer, &q, &state_value, started_here).await {
        Ok(response) => (jar, response).into_response(),
        Err(failure) => (jar, failure).into_response(),
    }
}

const UNKNOWN_STATE: &str =
    "This sign-in is unknown to us (its state does not match one we started): please start again.";
const USED_STATE: &str = "This sign-in was already used once: please start again.";
const EXPIRED_STATE: &str = "This sign-in took more than 10 minutes: please start again.";
const OTHER_BROWSER: &str = "This sign-in was started in another browser: please start again here.";

/// Checks what the authorization server sent back and signs in, links or makes the account.
async fn finish_sign_in(
    state: &AppState,
    client: SocketAddr,
    viewer: &Viewer,
    q: &CallbackQuery,
    state_value: &str,
    started_here: bool,
) -> Result<Response, Failure> {
    let refuse = |me: &str, problem: String| {
        let me = me.to_string();
        async move { problem_page(state, viewer, StatusCode::BAD_REQUEST, &me, "/", problem).await }
    };
    let pending = match store::take_request(&state.db, state_value).await? {
        Taken::Fresh(pending) => pending,
        Taken::Unknown => return refuse("", UNKNOWN_STATE.into()).await,
        Taken::Used => return refuse("", USED_STATE.into()).await,
        Taken::Expired => return refuse("", EXPIRED_STATE.into()).await,
    };
    let me = pending.me.clone();
    if !started_here {
        return refuse(&me, OTHER_BROWSER.into()).await;
    }
    if let Some(error) = &q.error {
        let words = q.error_description.as_deref().unwrap_or(error);
        let words: String = words.chars().take(300).collect();
        return refuse(&me, ClientError::Refused(words).to_string()).await;
    }
    if let Some(issuer) = &pending.issuer {
        if q.iss.as_deref() != Some(issuer.as_str()) {
            let named = q.iss.as_deref().unwrap_or("(none)");
            let problem = format!(
                "The answer did not come from your IndieAuth server: \
                 it names the issuer {named:?}, not {issuer:?}."
            );
            return refuse(&me, problem).await;
        }
    }
    let Some(code) = q.code.as_deref().filter(|c| !c.is_empty()) else {
        return refuse(
            &me,
            "Your IndieAuth server sent no authorization code.".into(),
        )
        .await;
    };
    let server = Server {
        authorization_endpoint: pending.authorization_endpoint.clone(),
        issuer: pending.issuer.clone(),
    };
    let fetch = &*state.fetcher;
    let proven = match client::redeem(
        fetch,
        &server,
        code,
        &client_id(state),
        &redirect_uri(state),
        &pending.code_verifier,
    )
    .await
    {
        Ok(returned) => client::confirm_me(fetch, &me, &returned, &server).await,
        Err(problem) => Err(problem),
    };
    let proven = match proven {
        Ok(proven) => proven,
        Err(problem) => return refuse(&me, problem.to_string()).await,
    };
    let endpoint = &server.authorization_endpoint;

    if let Some(member) = &viewer.member {
        if !store::link_identity(&state.db, member.id, &proven, endpoint).await? {
            return Err(Failure::Conflict(format!(
                "{proven} already signs in to another account."
            )));
        }
        return Ok(Redirect::to("/account/links?linked=1").into_response());
    }
    let (user_id, destination) = match store::account_of(&state.db, &proven).await? {
        Some(user_id) => {
            store::touch_identity(&state.db, &proven).await?;
            (user_id, pending.next_path.clone())
        }
        None => {
            let user_id = create_account(state, client, &proven, endpoint).await?;
            let username = crate::accounts::store::member_by_id(&state.db, user_id)
                .await?
                .map(|m| m.username)
                .unwrap_or_default();
            (user_id, format!("/u/{username}"))
        }
    };
    let token = crate::accounts::store::create_session(&state.db, user_id).await?;
    let session = CookieJar::new().add(crate::accounts::session_cookie(state, token));
    Ok((session, Redirect::to(&destination)).into_response())
}

/// A new account for someone who signed in with a domain nobody here has linked: by the
/// community's sign-up rule (not where joining needs an invite; awaiting approval where it
/// needs approval), with a username made from the domain.
async fn create_account(
    state: &AppState,
    client: SocketAddr,
    me: &str,
    endpoint: &str,
) -> Result<i64, Failure> {
    let mode = state.settings.signup;
    if mode == SignupMode::Invite {
        return Err(Failure::Forbidden(
            "Joining this community needs an invite: sign up with your invite first, then link your website on your account page.".into(),
        ));
    }
    state.limits.sign_up(client.ip())?;
    let usernames = username_candidates(me);
    store::create_account(
        &state.db,
        &NewIndieAccount {
            usernames: &usernames,
            me,
            authorization_endpoint: endpoint,
            approved: mode != SignupMode::Approval,
        },
    )
    .await?
    .ok_or_else(|| {
        Failure::Conflict(format!(
            "No account could be made for {me}: please try again in a moment."
        ))
    })
}

/// Usernames to try for a profile URL: the host name with dashes (`www.` dropped), then with
/// a number, then with a random suffix.
fn username_candidates(me: &str) -> Vec<String> {
    let host = Url::parse(me)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    let mapped: String = host
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let mut base = mapped
        .split('-')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    base.truncate(26);
    let mut base = base.trim_end_matches('-').to_string();
    if username_problem(&base).is_some() {
        base = "member".to_string();
    }
    let mut names = vec![base.clone()];
    names.extend((2..=20).map(|n| format!("{base}-{n}")));
    let suffix: String = new_token()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(5)
        .collect::<String>()
        .to_lowercase();
    names.push(format!("{base}-{suffix}"));
    names
}

#[derive(Template)]
#[template(path = "indieauth/templates/links.html")]
struct LinksPage {
    chrome: Chrome,
    profile_url: String,
    identities: Vec<String>,
    links: Vec<RelMeLink>,
    max_links: usize,
    notice: Option<String>,
    problem: Option<String>,
}

impl LinksPage {
    fn stamp(&self, at: &i64) -> String {
        crate::web::Stamp(*at).human()
    }
}

async fn links_view(
    state: &AppState,
    viewer: &Viewer,
    notice: Option<String>,
    problem: Option<String>,
) -> Result<LinksPage, Failure> {
    let member = viewer.require_member()?;
    Ok(LinksPage {
        chrome: viewer.chrome(state, "Your links", "/account/links").await?,
        profile_url: state.url(&format!("/u/{}", member.username)),
        identities: store::identities(&state.db, member.id).await?,
        links: store::links(&state.db, member.id).await?,
        max_links: MAX_LINKS,
        notice,
        problem,
    })
}

#[derive(Deserialize)]
struct LinksQuery {
    #[serde(default)]
    linked: String,
}

async fn links_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<LinksQuery>,
) -> Result<Response, Failure> {
    let notice = (!q.linked.is_empty())
        .then(|| "Your website is linked: you can sign in with it from now on.".to_string());
    render(&links_view(&state, &viewer, notice, None).await?)
}

#[derive(Deserialize)]
struct LinkForm {
    url: String,
}

async fn add_link(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<LinkForm>,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    let problem = match client::canonical_me(&form.url) {
        Err(problem) => Some(problem.to_string()),
        Ok(_) if store::links(&state.db, member.id).await?.len() >= MAX_LINKS => Some(format!(
            "You can list at most {MAX_LINKS} links: remove one first."
        )),
        Ok(url) => {
            if store::add_link(&state.db, member.id, url.as_str()).await? {
                None
            } else {
                Some(format!("{url} is on your list already."))
            }
        }
    };
    match problem {
        None => Ok(Redirect::to("/account/links").into_response()),
        Some(problem) => render_rejected(
            StatusCode::UNPROCESSABLE_ENTITY,
            &links_view(&state, &viewer, None, Some(problem)).await?,
        ),
    }
}

async fn verify_links(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    viewer: Viewer,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    // Each check fetches other sites: limited like the badge verifier.
    state.limits.verify(client.ip())?;
    let profile_url = state.url(&format!("/u/{}", member.username));
    let verified =
        rel_me::verify_all(&state.db, state.fetcher.clone(), member.id, &profile_url).await?;
    let total = store::links(&state.db, member.id).await?.len();
    let notice = format!("Checked {total} links: {verified} link back to your profile.");
    render(&links_view(&state, &viewer, Some(notice), None).await?)
}

async fn remove_link(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, Failure> {
    let member = viewer.require_member()?;
    if !store::remove_link(&state.db, member.id, id).await? {
        return Err(Failure::not_found("link"));
    }
    Ok(Redirect::to("/account/links").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_come_from_the_host_and_are_valid() {
        let names = username_candidates("https://www.Ada-Lovelace.example.org/blog/");
        assert_eq!(names[0], "ada-lovelace-example-org");
        assert_eq!(names[1], "ada-lovelace-example-org-2");
        for name in &names {
            assert_eq!(username_problem(name), None, "{name}");
        }
        let long =
            username_candidates("https://a-very-long-subdomain-name.of-a-long-domain.example/");
        assert!(long
            .iter()
            .all(|n| n.len() <= 32 && username_problem(n).is_none()));
        assert_eq!(username_candidates("https://[::1]:8080/")[0], "1");
    }
}
