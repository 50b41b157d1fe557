//! Accounts as people use them: signing up under each of the community's rules, signing in and
//! out, changing a password, the session cookie, the profile page, API tokens, and the rate
//! limits that slow down guessing and floods.

mod common;

use badgecommons::accounts::model::Role;
use badgecommons::config::SignupMode;
use common::{location, Backend, TestApp, PASSWORD};
use reqwest::StatusCode;
use sqlx::Row;

/// The fields of the sign-up form.
fn sign_up_form<'a>(username: &'a str, email: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("username", username),
        ("email", email),
        ("password", PASSWORD),
    ]
}

async fn user_id(app: &TestApp, username: &str) -> i64 {
    badgecommons::accounts::store::member_by_username(&app.db, username)
        .await
        .expect("query")
        .unwrap_or_else(|| panic!("{username} exists"))
        .id
}

async fn count_users(app: &TestApp) -> i64 {
    badgecommons::accounts::store::count_users(&app.db)
        .await
        .expect("count users")
}

/// The value of the `Set-Cookie` header that sets `name`.
fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_string)
}

fn is_html(response: &reqwest::Response) -> bool {
    response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"))
}

async fn start_with(
    backend: Backend,
    configure: impl FnOnce(&mut badgecommons::config::Settings),
) -> Option<TestApp> {
    TestApp::start_with(backend, configure).await
}

/// Like `both_backends!`, for stories that need their own settings.
macro_rules! both_backends_with {
    ($(async fn $name:ident($app:ident) configured $configure:expr; $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn run($app: TestApp) $body

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let app = start_with(Backend::Sqlite, $configure).await.expect("sqlite app");
                    run(app).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(app) = start_with(Backend::Postgres, $configure).await {
                        run(app).await;
                    }
                }
            }
        )*
    };
}

both_backends! {
    async fn in_an_open_community_a_new_member_signs_up_and_posts_at_once(app) {
        app.category("general").await;
        let newcomer = app.browser();
        let response = newcomer.submit("/signup", &sign_up_form("newcomer", "new@example.org")).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&response), "/u/newcomer");
        assert!(newcomer.cookie("bc_session").is_some(), "signed in after signing up");

        let response = newcomer
            .submit("/new-topic", &[("category", "general"), ("title", "Hello all"), ("body", "I am new")])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "a new member posts at once");
    }

    async fn a_taken_username_is_refused_with_a_message(app) {
        app.member("alice", Role::Member).await;
        let users_before = count_users(&app).await;
        let response = app.browser().submit("/signup", &sign_up_form("Alice", "other@example.org")).await;
        let status = response.status();
        assert!(status == StatusCode::CONFLICT || status == StatusCode::UNPROCESSABLE_ENTITY, "{status}");
        assert!(is_html(&response));
        let html = response.text().await.unwrap();
        assert!(html.contains("already taken"), "{html}");
        assert_eq!(count_users(&app).await, users_before, "no second account");
    }

    async fn signing_out_ends_the_session_for_good(app) {
        app.member("alice", Role::Member).await;
        let alice = app.signed_in("alice").await;
        let session = alice.cookie("bc_session").expect("session cookie");
        assert_eq!(alice.get("/account").await.status(), StatusCode::OK);

        let response = alice.submit("/signout", &[]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(alice.get("/account").await.status(), StatusCode::UNAUTHORIZED);

        // Someone who kept a copy of the old cookie is not signed in with it either.
        let thief = app.browser();
        thief.add_cookie(&format!("bc_session={session}; Path=/"));
        let (status, html) = thief.page("/account").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(html.contains("sign in"), "{html}");
    }

    async fn a_wrong_password_is_refused_with_a_message(app) {
        app.member("alice", Role::Member).await;
        let browser = app.browser();
        let response = browser.submit("/signin", &[("username", "alice"), ("password", "not the password")]).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(is_html(&response));
        assert!(set_cookie(&response, "bc_session").is_none(), "no session for a wrong password");
        let html = response.text().await.unwrap();
        assert!(html.contains("That username and password do not match."), "{html}");

        let response = browser.submit("/signin", &[("username", "nobody"), ("password", PASSWORD)]).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "an unknown name gets the same answer");
    }

    async fn changing_the_password_signs_out_other_sessions_but_not_this_one(app) {
        app.member("alice", Role::Member).await;
        let laptop = app.signed_in("alice").await;
        let phone = app.signed_in("alice").await;
        let new_password = "a brand new long password";

        let response = laptop
            .submit("/account/password", &[("current_password", PASSWORD), ("new_password", new_password)])
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let html = response.text().await.unwrap();
        assert!(html.contains("Password changed"), "{html}");

        assert_eq!(laptop.get("/account").await.status(), StatusCode::OK, "this session stays");
        assert_eq!(phone.get("/account").await.status(), StatusCode::UNAUTHORIZED, "other sessions end");
        let old = app.browser().submit("/signin", &[("username", "alice"), ("password", PASSWORD)]).await;
        assert_eq!(old.status(), StatusCode::UNAUTHORIZED, "the old password stops working");
        let new = app.browser().submit("/signin", &[("username", "alice"), ("password", new_password)]).await;
        assert_eq!(new.status(), StatusCode::SEE_OTHER, "the new password works");
    }

    async fn a_wrong_current_password_does_not_change_it(app) {
        app.member("alice", Role::Member).await;
        let alice = app.signed_in("alice").await;
        let response = alice
            .submit("/account/password", &[("current_password", "a wrong guess!"), ("new_password", "something else entirely")])
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(response.text().await.unwrap().contains("current password is not right"));
        let again = app.browser().submit("/signin", &[("username", "alice"), ("password", PASSWORD)]).await;
        assert_eq!(again.status(), StatusCode::SEE_OTHER, "the password is unchanged");
    }

    async fn the_session_cookie_is_http_only_and_same_site_lax(app) {
        app.member("alice", Role::Member).await;
        let response = app.browser().submit("/signin", &[("username", "alice"), ("password", PASSWORD)]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let cookie = set_cookie(&response, "bc_session").expect("session cookie set");
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Lax"), "{cookie}");
        assert!(!cookie.contains("Secure"), "not Secure over plain http: {cookie}");
    }

    async fn passwords_are_stored_as_argon2id_hashes(app) {
        let newcomer = app.browser();
        let response = newcomer.submit("/signup", &sign_up_form("hashed", "hashed@example.org")).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let row = sqlx::query("SELECT password_hash FROM users WHERE username_key = $1")
            .bind("hashed")
            .fetch_one(app.db.pool())
            .await
            .expect("the user row");
        let hash: String = row.try_get("password_hash").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(!hash.contains(PASSWORD));
    }

    async fn an_expired_session_is_told_so_when_it_tries_to_post(app) {
        app.member("alice", Role::Member).await;
        app.category("general").await;
        let alice = app.signed_in("alice").await;
        sqlx::query("UPDATE sessions SET expires_at = 0").execute(app.db.pool()).await.unwrap();
        let response = alice
            .submit("/new-topic", &[("category", "general"), ("title", "Too late"), ("body", "body")])
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(is_html(&response));
        let html = response.text().await.unwrap();
        assert!(html.contains("session has expired"), "{html}");
        let (_, home) = app.browser().page("/").await;
        assert!(!home.contains("Too late"), "nothing was posted");
    }

    async fn the_profile_page_is_an_h_card_with_the_members_posts(app) {
        app.member("alice", Role::Member).await;
        app.category("general").await;
        let api = app.api_client("alice").await;
        let topic = app.topic_by(&api, "general", "Alice writes", "Some words").await;
        let (status, html) = app.browser().page("/u/alice").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("class=\"h-card\""), "{html}");
        assert!(html.contains("class=\"p-name u-url u-uid\""));
        assert!(html.contains("class=\"h-feed\""));
        assert!(html.contains("Alice writes"));
        assert!(html.contains(&format!("/t/{topic}/alice-writes#p1")));
        assert_eq!(app.browser().get("/u/nobody").await.status(), StatusCode::NOT_FOUND);
    }

    async fn an_api_token_works_until_it_is_revoked(app) {
        app.member("alice", Role::Member).await;
        let response = reqwest::Client::new()
            .post(app.url("/api/v1/tokens"))
            .json(&serde_json::json!({"username": "alice", "password": PASSWORD, "label": "my script"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let json: serde_json::Value = response.json().await.unwrap();
        let token = json["token"].as_str().expect("token").to_string();
        let mut api = app.anonymous_api();
        api.token = Some(token);
        let (status, me) = api.get("/api/v1/me").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(me["username"], "alice");

        let alice = app.signed_in("alice").await;
        let (_, account) = alice.page("/account").await;
        assert!(account.contains("my script"), "the token is listed");
        let start = account.find("/account/tokens/").expect("a revoke form");
        let rest = &account[start + "/account/tokens/".len()..];
        let id = &rest[..rest.find('/').expect("id")];
        let response = alice.submit(&format!("/account/tokens/{id}/revoke"), &[]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);

        let (status, json) = api.get("/api/v1/me").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(json["error"].is_string(), "{json}");
    }

    async fn a_token_request_with_a_wrong_password_gets_a_json_401(app) {
        app.member("alice", Role::Member).await;
        let (status, json) = app
            .anonymous_api()
            .post("/api/v1/tokens", serde_json::json!({"username": "alice", "password": "wrong wrong wrong"}))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(json["error"], "That username and password do not match.");
        let tokens = sqlx::query("SELECT COUNT(*) AS n FROM api_tokens").fetch_one(app.db.pool()).await.unwrap();
        assert_eq!(tokens.try_get::<i64, _>("n").unwrap(), 0, "no token was issued");
    }

    async fn a_member_cannot_revoke_someone_elses_token(app) {
        app.member("alice", Role::Member).await;
        app.member("mallory", Role::Member).await;
        let alice_api = app.api_client("alice").await;
        let row = sqlx::query("SELECT id FROM api_tokens").fetch_one(app.db.pool()).await.unwrap();
        let id: i64 = row.try_get("id").unwrap();
        let mallory = app.signed_in("mallory").await;
        let response = mallory.submit(&format!("/account/tokens/{id}/revoke"), &[]).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(alice_api.get("/api/v1/me").await.0, StatusCode::OK, "alice's token still works");
    }
}

both_backends_with! {
    async fn in_an_approval_community_a_new_account_waits_for_a_moderator(app)
        configured |s: &mut badgecommons::config::Settings| s.signup = SignupMode::Approval;
    {
        app.member("mod", Role::Moderator).await;
        app.category("general").await;
        let newcomer = app.browser();
        let response = newcomer.submit("/signup", &sign_up_form("waiting", "waiting@example.org")).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "the account is created");
        let topic = [("category", "general"), ("title", "Let me in"), ("body", "please")];
        let response = newcomer.submit("/new-topic", &topic).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert!(response.text().await.unwrap().contains("waiting for a moderator"));

        let id = user_id(&app, "waiting").await;
        let moderator = app.signed_in("mod").await;
        let (_, queue) = moderator.page("/mod").await;
        assert!(queue.contains("waiting"), "the account is in the moderation queue");
        let response = moderator.submit(&format!("/mod/members/{id}/approve"), &[]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);

        let response = newcomer.submit("/new-topic", &topic).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "approved members post");
    }

    async fn a_member_cannot_approve_accounts(app)
        configured |s: &mut badgecommons::config::Settings| s.signup = SignupMode::Approval;
    {
        app.member("bob", Role::Member).await;
        let response = app.browser().submit("/signup", &sign_up_form("waiting", "waiting@example.org")).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let id = user_id(&app, "waiting").await;
        let bob = app.signed_in("bob").await;
        let response = bob.submit(&format!("/mod/members/{id}/approve"), &[]).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let member = badgecommons::accounts::store::member_by_id(&app.db, id).await.unwrap().unwrap();
        assert!(!member.approved, "still waiting");
    }

    async fn in_an_invite_community_only_a_fresh_code_lets_someone_in(app)
        configured |s: &mut badgecommons::config::Settings| s.signup = SignupMode::Invite;
    {
        app.member("admin", Role::Admin).await;
        let users_before = count_users(&app).await;

        let stranger = app.browser();
        let response = stranger.submit("/signup", &sign_up_form("stranger", "stranger@example.org")).await;
        assert!(response.status().is_client_error(), "{}", response.status());
        assert!(response.text().await.unwrap().contains("needs an invite code"));
        let mut guessed = sign_up_form("stranger", "stranger@example.org");
        guessed.push(("invite", "made-up-code"));
        let response = stranger.submit("/signup", &guessed).await;
        assert!(response.status().is_client_error(), "{}", response.status());
        assert_eq!(count_users(&app).await, users_before, "no account without a valid code");

        let admin = app.signed_in("admin").await;
        let response = admin.submit("/admin/invites", &[]).await;
        assert_eq!(response.status(), StatusCode::OK);
        let page = response.text().await.unwrap();
        let marker = "New invite code (single use): <code>";
        let start = page.find(marker).expect("the code is shown") + marker.len();
        let code = page[start..start + page[start..].find("</code>").unwrap()].to_string();

        let invited = app.browser();
        let mut form = sign_up_form("invited", "invited@example.org");
        form.push(("invite", &code));
        let response = invited.submit("/signup", &form).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "the code lets them in");
        assert_eq!(location(&response), "/u/invited");

        let mut again = sign_up_form("second", "second@example.org");
        again.push(("invite", &code));
        let response = app.browser().submit("/signup", &again).await;
        assert!(response.status().is_client_error(), "{}", response.status());
        assert!(response.text().await.unwrap().contains("already used"));
        assert!(
            badgecommons::accounts::store::member_by_username(&app.db, "second").await.unwrap().is_none(),
            "a used code makes no account"
        );
    }

    async fn a_member_cannot_make_invites(app)
        configured |s: &mut badgecommons::config::Settings| s.signup = SignupMode::Invite;
    {
        app.member("bob", Role::Member).await;
        let bob = app.signed_in("bob").await;
        assert_eq!(bob.submit("/admin/invites", &[]).await.status(), StatusCode::FORBIDDEN);
        let invites = sqlx::query("SELECT COUNT(*) AS n FROM invites").fetch_one(app.db.pool()).await.unwrap();
        assert_eq!(invites.try_get::<i64, _>("n").unwrap(), 0);
    }

    async fn the_session_cookie_is_secure_when_the_site_is_served_over_https(app)
        configured |s: &mut badgecommons::config::Settings| s.public_url = "https://forum.example.org".to_string();
    {
        app.member("alice", Role::Member).await;
        // A plain client: a cookie jar would not send Secure cookies back over http.
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let first = client.get(app.url("/signin")).send().await.unwrap();
        let csrf_cookie = set_cookie(&first, "bc_csrf").expect("CSRF cookie");
        assert!(csrf_cookie.contains("Secure"), "{csrf_cookie}");
        let csrf = csrf_cookie["bc_csrf=".len()..].split(';').next().unwrap().to_string();
        let response = client
            .post(app.url("/signin"))
            .header("cookie", format!("bc_csrf={csrf}"))
            .form(&[("username", "alice"), ("password", PASSWORD), ("csrf_token", &csrf)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let cookie = set_cookie(&response, "bc_session").expect("session cookie set");
        assert!(cookie.contains("Secure"), "{cookie}");
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    }

    async fn the_fourth_sign_in_attempt_in_a_minute_is_slowed_down(app)
        configured |s: &mut badgecommons::config::Settings| s.limits.sign_in_per_minute = 3;
    {
        app.member("alice", Role::Member).await;
        let guesser = app.browser();
        for guess in ["guess number one", "guess number two", "guess number three"] {
            let response = guesser.submit("/signin", &[("username", "alice"), ("password", guess)]).await;
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        }
        let response = guesser.submit("/signin", &[("username", "alice"), ("password", PASSWORD)]).await;
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS, "even the right password waits");
        assert!(is_html(&response));
        assert!(set_cookie(&response, "bc_session").is_none());
        assert!(response.text().await.unwrap().contains("Too many requests"));

        let (status, json) = app
            .anonymous_api()
            .post("/api/v1/tokens", serde_json::json!({"username": "alice", "password": PASSWORD}))
            .await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "the API counts against the same limit");
        assert!(json["error"].as_str().unwrap().contains("Too many requests"));
    }

    async fn sign_ups_beyond_the_hourly_limit_are_refused(app)
        configured |s: &mut badgecommons::config::Settings| s.limits.sign_up_per_hour = 2;
    {
        let browser = app.browser();
        for name in ["first", "second"] {
            let email = format!("{name}@example.org");
            let response = browser.submit("/signup", &sign_up_form(name, &email)).await;
            assert_eq!(response.status(), StatusCode::SEE_OTHER);
        }
        let users_before = count_users(&app).await;
        let response = browser.submit("/signup", &sign_up_form("third", "third@example.org")).await;
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(response.text().await.unwrap().contains("Too many requests"));
        assert_eq!(count_users(&app).await, users_before, "no account was made");
    }

    async fn posts_beyond_the_per_minute_limit_are_refused(app)
        configured |s: &mut badgecommons::config::Settings| s.limits.posts_per_minute = 2;
    {
        app.member("alice", Role::Member).await;
        app.category("general").await;
        let api = app.api_client("alice").await;
        let topic = app.topic_by(&api, "general", "Flood", "one").await;
        let (status, _) = api.post(&format!("/api/v1/topics/{topic}/posts"), serde_json::json!({"body": "two"})).await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, json) = api.post(&format!("/api/v1/topics/{topic}/posts"), serde_json::json!({"body": "three"})).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert!(json["error"].as_str().unwrap().contains("Too many requests"));
        let alice = app.signed_in("alice").await;
        let response = alice.submit(&format!("/t/{topic}/reply"), &[("body", "four")]).await;
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS, "the forms share the limit");
        let (_, json) = api.get(&format!("/api/v1/topics/{topic}")).await;
        assert_eq!(json["posts"].as_array().unwrap().len(), 2, "only the allowed posts were stored");
    }
}
