//! Signing in with a domain (IndieAuth) against a fake IndieAuth server on loopback: the member's
//! home page announces the server's metadata, the authorization endpoint sends the browser back
//! with a code, and redeeming the code checks the PKCE verifier. A new domain gets an account,
//! the same domain comes back to it, a signed-in member links one; and every way the answer can
//! be wrong (state, iss, verifier, a `me` on another server) is refused in words. Both backends.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Form, Query, State};
use axum::http::{header, StatusCode as AxumStatus};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use badgecommons::net::parse_allow_list;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::{location, Backend, Browser, TestApp};
use reqwest::StatusCode;
use sha2::{Digest, Sha256};

/// How the fake server misbehaves, if at all.
#[derive(Clone, Default)]
struct Behaviour {
    /// The `iss` it sends back instead of its own issuer.
    iss: Option<String>,
    /// The path (on the fake server) of the `me` it vouches for, instead of the one asked for.
    returned_me: Option<String>,
    /// Refuse at the authorization endpoint (the member said no).
    deny: bool,
    /// Remember a different challenge than the one sent, so the verifier cannot match.
    spoil_challenge: bool,
}

#[derive(Default)]
struct Fake {
    base: String,
    /// The other authorization server that `/elsewhere` names.
    other_server: String,
    behaviour: Behaviour,
    /// The query of the last authorization request.
    last_request: HashMap<String, String>,
    /// code -> (challenge, client_id, redirect_uri, me)
    codes: HashMap<String, (String, String, String, String)>,
}

type Shared = Arc<Mutex<Fake>>;

fn html(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

/// Starts the fake IndieAuth server (and a second one, elsewhere) and returns its state.
async fn fake_server() -> Shared {
    let shared: Shared = Arc::default();
    let other =
        common::serve(Router::new().route("/auth", get(|| async { "another server" }))).await;
    let app = Router::new()
        // The member's home page: metadata announced in a Link header.
        .route(
            "/",
            get(|State(s): State<Shared>| async move {
                let base = s.lock().unwrap().base.clone();
                (
                    [(
                        header::LINK,
                        format!("<{base}/meta>; rel=\"indieauth-metadata\""),
                    )],
                    html("<p>My home page</p>".into()),
                )
                    .into_response()
            }),
        )
        // Another page of the member's, announcing the same server in HTML.
        .route(
            "/alias",
            get(|State(s): State<Shared>| async move {
                let base = s.lock().unwrap().base.clone();
                html(format!(
                    r#"<link rel="indieauth-metadata" href="{base}/meta">"#
                ))
            }),
        )
        // A page on the same host that names a different authorization server.
        .route(
            "/elsewhere",
            get(|State(s): State<Shared>| async move {
                let other = s.lock().unwrap().other_server.clone();
                html(format!(
                    r#"<link rel="authorization_endpoint" href="{other}/auth">"#
                ))
            }),
        )
        .route(
            "/plain",
            get(|| async { html("<p>No IndieAuth here</p>".into()) }),
        )
        .route(
            "/meta",
            get(|State(s): State<Shared>| async move {
                let base = s.lock().unwrap().base.clone();
                Json(serde_json::json!({
                    "issuer": format!("{base}/"),
                    "authorization_endpoint": format!("{base}/auth"),
                    "token_endpoint": format!("{base}/token"),
                    "code_challenge_methods_supported": ["S256"],
                }))
            }),
        )
        .route("/auth", get(authorize).post(redeem))
        .with_state(shared.clone());
    let base = common::serve(app).await;
    {
        let mut fake = shared.lock().unwrap();
        fake.base = base;
        fake.other_server = other;
    }
    shared
}

/// The authorization endpoint: "the member approves" at once and is sent back with a code.
async fn authorize(
    State(s): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let mut fake = s.lock().unwrap();
    fake.last_request = query.clone();
    let get = |k: &str| query.get(k).cloned().unwrap_or_default();
    let mut back = url::Url::parse(&get("redirect_uri")).expect("redirect_uri is a URL");
    if fake.behaviour.deny {
        back.query_pairs_mut()
            .append_pair("error", "access_denied")
            .append_pair("error_description", "The member said no")
            .append_pair("state", &get("state"));
        return Redirect::to(back.as_str()).into_response();
    }
    let code = format!("code-{}", fake.codes.len() + 1);
    let mut challenge = get("code_challenge");
    if fake.behaviour.spoil_challenge {
        challenge.push('x');
    }
    fake.codes.insert(
        code.clone(),
        (challenge, get("client_id"), get("redirect_uri"), get("me")),
    );
    let iss = fake
        .behaviour
        .iss
        .clone()
        .unwrap_or_else(|| format!("{}/", fake.base));
    back.query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &get("state"))
        .append_pair("iss", &iss);
    (AxumStatus::FOUND, [(header::LOCATION, back.to_string())]).into_response()
}

/// Redeeming the code: checks the PKCE verifier, the client and the redirect URI.
async fn redeem(State(s): State<Shared>, Form(form): Form<HashMap<String, String>>) -> Response {
    let fake = s.lock().unwrap();
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let refuse = |why: &str| {
        (
            AxumStatus::BAD_REQUEST,
            Json(serde_json::json!({"error": "invalid_grant", "error_description": why})),
        )
            .into_response()
    };
    let Some((challenge, client_id, redirect_uri, me)) = fake.codes.get(&get("code")).cloned()
    else {
        return refuse("unknown code");
    };
    if get("grant_type") != "authorization_code" {
        return refuse("wrong grant_type");
    }
    let verifier = get("code_verifier");
    if URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) != challenge {
        return refuse("code_verifier does not match the code_challenge");
    }
    if get("client_id") != client_id || get("redirect_uri") != redirect_uri {
        return refuse("client_id or redirect_uri differ from the request");
    }
    let me = match &fake.behaviour.returned_me {
        Some(path) => format!("{}{path}", fake.base),
        None => me,
    };
    Json(serde_json::json!({ "me": me })).into_response()
}

/// A reqwest client that, like the member's browser at the authorization server, does not follow
/// redirects by itself.
fn elsewhere() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Starts a sign-in with `me` and returns the authorization URL the browser is sent to.
async fn start_sign_in(browser: &Browser, me: &str) -> String {
    let response = browser.submit("/signin/indieauth", &[("me", me)]).await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "start: {}",
        response.text().await.unwrap_or_default()
    );
    location(&response)
}

/// Visits the authorization URL and returns where the server sends the browser back to.
async fn authorize_at(url: &str) -> String {
    let response = elsewhere()
        .get(url)
        .send()
        .await
        .expect("authorization request");
    assert!(response.status().is_redirection(), "{}", response.status());
    location(&response)
}

/// Comes back to the callback URL in `browser`.
async fn come_back(browser: &Browser, callback: &str) -> reqwest::Response {
    browser.client.get(callback).send().await.expect("callback")
}

/// The whole flow: start, authorize, come back.
async fn sign_in_with(browser: &Browser, me: &str) -> reqwest::Response {
    let authorization = start_sign_in(browser, me).await;
    let callback = authorize_at(&authorization).await;
    come_back(browser, &callback).await
}

/// The username the signed-in browser sees in the page's navigation (its profile link).
async fn signed_in_as(app: &TestApp, browser: &Browser) -> Option<String> {
    let (status, body) = browser.page("/account").await;
    if status != StatusCode::OK {
        return None;
    }
    let _ = app;
    body.split("<li><a href=\"/u/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(str::to_string)
}

async fn user_count(app: &TestApp) -> i64 {
    badgecommons::accounts::store::count_users(&app.db)
        .await
        .expect("count")
}

both_backends_on_loopback! {
    async fn a_new_domain_gets_an_account_and_signs_in_to_it_again(app) {
        let fake = fake_server().await;
        let base = fake.lock().unwrap().base.clone();
        let browser = app.browser();
        // Typed without a path: canonicalised to "/".
        let authorization = start_sign_in(&browser, &base).await;
        assert!(authorization.starts_with(&format!("{base}/auth?")), "{authorization}");
        let callback = authorize_at(&authorization).await;
        let asked = fake.lock().unwrap().last_request.clone();
        assert_eq!(asked["response_type"], "code");
        assert_eq!(asked["client_id"], app.url("/"));
        assert_eq!(asked["redirect_uri"], app.url("/signin/indieauth/callback"));
        assert_eq!(asked["me"], format!("{base}/"));
        assert_eq!(asked["code_challenge_method"], "S256");
        assert_eq!(asked["code_challenge"].len(), 43, "a SHA-256, base64url without padding");
        assert!(asked["state"].len() >= 32, "a random state");

        let response = come_back(&browser, &callback).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&response), "/u/127-0-0-1", "the username comes from the domain");
        assert_eq!(signed_in_as(&app, &browser).await.as_deref(), Some("127-0-0-1"));
        assert_eq!(user_count(&app).await, 1);
        let (_, account) = browser.page("/account").await;
        assert!(account.contains("has no email address"), "{account}");

        // The profile shows the domain as the member's own.
        let (_, profile) = app.browser().page("/u/127-0-0-1").await;
        assert!(profile.contains(&format!(r#"rel="me nofollow" href="{base}/""#)), "{profile}");

        // Another browser, the same domain: the same account, no new one.
        let again = app.browser();
        let response = sign_in_with(&again, &format!("{base}/")).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&response), "/");
        assert_eq!(signed_in_as(&app, &again).await.as_deref(), Some("127-0-0-1"));
        assert_eq!(user_count(&app).await, 1);
    }

    async fn a_signed_in_member_links_a_domain_and_then_signs_in_with_it(app) {
        let fake = fake_server().await;
        let base = fake.lock().unwrap().base.clone();
        app.member("ada", badgecommons::accounts::model::Role::Member).await;
        let ada = app.signed_in("ada").await;
        let response = sign_in_with(&ada, &base).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&response), "/account/links?linked=1");
        let (_, links) = ada.page("/account/links?linked=1").await;
        assert!(links.contains("Your website is linked"), "{links}");
        assert!(links.contains(&format!("{base}/")), "{links}");

        let browser = app.browser();
        let response = sign_in_with(&browser, &base).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(signed_in_as(&app, &browser).await.as_deref(), Some("ada"));
        assert_eq!(user_count(&app).await, 1, "no second account");

        // Another member cannot take the same domain.
        app.member("bob", badgecommons::accounts::model::Role::Member).await;
        let bob = app.signed_in("bob").await;
        let response = sign_in_with(&bob, &base).await;
        assert_eq!(response.status(), StatusCode::CONFLICT);
        assert!(response.text().await.unwrap_or_default().contains("already signs in to another account"));
    }

    async fn a_wrong_or_reused_state_is_refused(app) {
        let fake = fake_server().await;
        let base = fake.lock().unwrap().base.clone();
        let browser = app.browser();

        // A state this site never made.
        let authorization = start_sign_in(&browser, &base).await;
        let callback = authorize_at(&authorization).await;
        let forged = callback.replace("state=", "state=forged");
        let response = come_back(&browser, &forged).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert!(response.text().await.unwrap_or_default().contains("This sign-in is unknown"));

        // The real one still works once (the forged one did not spend it)...
        let response = come_back(&browser, &callback).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        // ...and only once.
        let response = come_back(&browser, &callback).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert!(response.text().await.unwrap_or_default().contains("already used"));

        // A sign-in that took more than ten minutes.
        let authorization = start_sign_in(&browser, &base).await;
        let callback = authorize_at(&authorization).await;
        sqlx::query("UPDATE indieauth_requests SET created_at = created_at - 660000 WHERE used_at IS NULL")
            .execute(app.db.pool())
            .await
            .expect("age the request");
        let response = come_back(&browser, &callback).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert!(response.text().await.unwrap_or_default().contains("more than 10 minutes"));

        // A state started in another browser does not sign this one in.
        let victim = app.browser();
        let authorization = start_sign_in(&app.browser(), &base).await;
        let callback = authorize_at(&authorization).await;
        let response = come_back(&victim, &callback).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert!(response.text().await.unwrap_or_default().contains("started in another browser"));
        assert_eq!(signed_in_as(&app, &victim).await, None);
    }

    async fn an_answer_from_the_wrong_issuer_is_refused(app) {
        let fake = fake_server().await;
        let base = fake.lock().unwrap().base.clone();
        fake.lock().unwrap().behaviour.iss = Some("https://evil.example/".into());
        let browser = app.browser();
        let response = sign_in_with(&browser, &base).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let text = response.text().await.unwrap_or_default();
        assert!(text.contains("did not come from your IndieAuth server"), "{text}");
        assert_eq!(signed_in_as(&app, &browser).await, None);
        assert_eq!(user_count(&app).await, 0);
    }

    async fn a_code_the_server_refuses_to_redeem_signs_nobody_in(app) {
        let fake = fake_server().await;
        let base = fake.lock().unwrap().base.clone();
        fake.lock().unwrap().behaviour.spoil_challenge = true;
        let browser = app.browser();
        let response = sign_in_with(&browser, &base).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let text = response.text().await.unwrap_or_default();
        assert!(text.contains("code exchange with your IndieAuth server failed"), "{text}");
        assert!(text.contains("code_verifier does not match"), "the server's own words: {text}");
        assert_eq!(signed_in_as(&app, &browser).await, None);

        // The member saying no at their server.
        fake.lock().unwrap().behaviour = Behaviour { deny: true, ..Behaviour::default() };
        let response = sign_in_with(&browser, &base).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let text = response.text().await.unwrap_or_default();
        assert!(text.contains("refused the sign-in: The member said no"), "{text}");
        assert_eq!(user_count(&app).await, 0);
    }

    async fn a_returned_me_is_accepted_only_on_the_same_server(app) {
        let fake = fake_server().await;
        let base = fake.lock().unwrap().base.clone();
        // The server vouches for a page that names another authorization server.
        fake.lock().unwrap().behaviour.returned_me = Some("/elsewhere".into());
        let browser = app.browser();
        let response = sign_in_with(&browser, &base).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let text = response.text().await.unwrap_or_default();
        assert!(text.contains("names a different authorization server"), "{text}");
        assert_eq!(user_count(&app).await, 0);

        // A page that names the same server is accepted, and is what the account is linked to.
        fake.lock().unwrap().behaviour.returned_me = Some("/alias".into());
        let response = sign_in_with(&browser, &base).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let username = signed_in_as(&app, &browser).await.expect("signed in");
        let (_, profile) = app.browser().page(&format!("/u/{username}")).await;
        assert!(profile.contains(&format!(r#"href="{base}/alias""#)), "{profile}");
    }

    async fn a_site_without_an_indieauth_server_is_told_so(app) {
        let fake = fake_server().await;
        let base = fake.lock().unwrap().base.clone();
        let browser = app.browser();
        let response = browser.submit("/signin/indieauth", &[("me", &format!("{base}/plain"))]).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let text = response.text().await.unwrap_or_default();
        assert!(text.contains("does not name an IndieAuth server"), "{text}");

        let response = browser.submit("/signin/indieauth", &[("me", "ftp://example.org/")]).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(response.text().await.unwrap_or_default().contains("http:// or https://"));

        // The sign-in page offers the domain form next to the password form.
        let (_, page) = browser.page("/signin").await;
        assert!(page.contains(r#"action="/signin/indieauth""#), "{page}");
    }
}

/// Where joining needs an invite, a domain nobody linked gets no account; where it needs
/// approval, it gets one that waits for a moderator.
async fn sign_up_rules_apply(backend: Backend) {
    use badgecommons::config::SignupMode;
    for mode in [SignupMode::Invite, SignupMode::Approval] {
        let Some(app) = TestApp::start_with(backend, |s| {
            s.fetch.allow = parse_allow_list("127.0.0.0/8").expect("allow list");
            s.signup = mode;
        })
        .await
        else {
            return;
        };
        let fake = fake_server().await;
        let base = fake.lock().unwrap().base.clone();
        let browser = app.browser();
        let response = sign_in_with(&browser, &base).await;
        if mode == SignupMode::Invite {
            assert_eq!(response.status(), StatusCode::FORBIDDEN);
            let text = response.text().await.unwrap_or_default();
            assert!(text.contains("needs an invite"), "{text}");
            assert_eq!(user_count(&app).await, 0);
        } else {
            assert_eq!(response.status(), StatusCode::SEE_OTHER);
            let member = badgecommons::accounts::store::member_by_username(&app.db, "127-0-0-1")
                .await
                .expect("query")
                .expect("account made");
            assert!(!member.approved, "waits for approval");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_rules_apply_sqlite() {
    sign_up_rules_apply(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_rules_apply_postgres() {
    sign_up_rules_apply(Backend::Postgres).await;
}
