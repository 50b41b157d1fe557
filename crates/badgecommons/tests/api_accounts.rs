//! The account side of the JSON API: signing up, one's own profile and password, tokens,
//! notifications, invites and approving accounts — the same rules as the pages.

mod common;

use badgecommons::accounts::model::Role;
use badgecommons::config::SignupMode;
use common::{Api, Backend, TestApp, PASSWORD};
use reqwest::StatusCode;
use serde_json::json;

fn with_token(app: &TestApp, token: &str) -> Api {
    Api {
        base: app.base.clone(),
        token: Some(token.to_string()),
        client: reqwest::Client::new(),
    }
}

both_backends! {
    async fn signing_up_through_the_api_gives_a_working_token(app) {
        app.category("general").await;
        let (status, body) = app
            .anonymous_api()
            .post("/api/v1/members", json!({"username": "dana", "email": "dana@example.org", "password": PASSWORD}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["approved"], true);
        let dana = with_token(&app, body["token"].as_str().unwrap());
        let (status, me) = dana.get("/api/v1/me").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(me["username"], "dana");
        let (status, _) = dana.post("/api/v1/topics", json!({"category": "general", "title": "Hi all", "body": "new here"})).await;
        assert_eq!(status, StatusCode::CREATED);

        let (status, body) = app
            .anonymous_api()
            .post("/api/v1/members", json!({"username": "DANA", "email": "other@example.org", "password": PASSWORD}))
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        let (status, body) = app
            .anonymous_api()
            .post("/api/v1/members", json!({"username": "eve", "email": "eve@example.org", "password": "short"}))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body["error"].as_str().unwrap().contains("at least 10"));
    }

    async fn a_member_edits_their_profile_and_lists_and_revokes_tokens(app) {
        app.member("alice", Role::Member).await;
        let alice = app.api_client("alice").await;
        let (status, body) = alice.patch("/api/v1/me", json!({"bio": "Maker club teacher"})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, _) = alice.patch("/api/v1/me", json!({"website": "javascript:alert(1)"})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "only http(s) websites");
        let (_, public) = app.anonymous_api().get("/api/v1/members/alice").await;
        assert_eq!(public["bio"], "Maker club teacher", "the bio was kept and the bad website refused");
        assert_eq!(public["website"], "");

        let spare = app.api_client("alice").await;
        let (_, list) = alice.get("/api/v1/tokens").await;
        assert_eq!(list["tokens"].as_array().unwrap().len(), 2);
        let spare_id = list["tokens"][0]["id"].as_i64().unwrap();
        assert_eq!(alice.delete(&format!("/api/v1/tokens/{spare_id}")).await.0, StatusCode::NO_CONTENT);
        assert_eq!(spare.get("/api/v1/me").await.0, StatusCode::UNAUTHORIZED, "a revoked token stops working");
        assert_eq!(alice.get("/api/v1/me").await.0, StatusCode::OK, "the other token still works");
    }

    async fn changing_the_password_through_the_api_needs_the_current_one(app) {
        app.member("alice", Role::Member).await;
        let alice = app.api_client("alice").await;
        let (status, _) = alice
            .post("/api/v1/me/password", json!({"current_password": "wrong password!", "new_password": "a brand new password"}))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (status, _) = alice
            .post("/api/v1/me/password", json!({"current_password": PASSWORD, "new_password": "a brand new password"}))
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = app
            .anonymous_api()
            .post("/api/v1/tokens", json!({"username": "alice", "password": PASSWORD}))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "the old password no longer works");
        let (status, _) = app
            .anonymous_api()
            .post("/api/v1/tokens", json!({"username": "alice", "password": "a brand new password"}))
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }

    async fn notifications_are_listed_and_marked_read(app) {
        app.member("alice", Role::Member).await;
        app.member("bob", Role::Member).await;
        app.category("general").await;
        let alice = app.api_client("alice").await;
        let bob = app.api_client("bob").await;
        app.topic_by(&alice, "general", "Hello Bob", "what do you think, @bob?").await;
        let (status, list) = bob.get("/api/v1/notifications").await;
        assert_eq!(status, StatusCode::OK);
        let first = &list["notifications"][0];
        assert_eq!(first["kind"], "mention");
        assert_eq!(first["actor"], "alice");
        assert_eq!(first["unread"], true);
        assert_eq!(bob.post("/api/v1/notifications/read", json!({})).await.0, StatusCode::NO_CONTENT);
        let (_, list) = bob.get("/api/v1/notifications").await;
        assert_eq!(list["notifications"][0]["unread"], false);
        let (_, list) = alice.get("/api/v1/notifications").await;
        assert!(list["notifications"].as_array().unwrap().is_empty(), "notifications are private");
    }

    async fn only_admins_make_invites(app) {
        app.member("admin", Role::Admin).await;
        app.member("alice", Role::Member).await;
        let admin = app.api_client("admin").await;
        let alice = app.api_client("alice").await;
        assert_eq!(alice.post("/api/v1/invites", json!({})).await.0, StatusCode::FORBIDDEN);
        let (status, invite) = admin.post("/api/v1/invites", json!({})).await;
        assert_eq!(status, StatusCode::CREATED);
        assert!(invite["url"].as_str().unwrap().contains(invite["code"].as_str().unwrap()));
    }
}

/// Sign-up modes through the API, which need their own settings.
async fn sign_up_modes(backend: Backend) {
    let Some(app) = TestApp::start_with(backend, |s| s.signup = SignupMode::Approval).await else {
        return;
    };
    app.member("mod", Role::Moderator).await;
    app.category("general").await;
    let (status, body) = app
        .anonymous_api()
        .post(
            "/api/v1/members",
            json!({"username": "waiting", "email": "w@example.org", "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body["approved"], false);
    let waiting = with_token(&app, body["token"].as_str().unwrap());
    let (status, _) = waiting
        .post(
            "/api/v1/topics",
            json!({"category": "general", "title": "Let me in", "body": "please"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no posting before approval");
    assert_eq!(
        waiting
            .post("/api/v1/members/waiting/approval", json!({}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let moderator = app.api_client("mod").await;
    assert_eq!(
        moderator
            .post("/api/v1/members/waiting/approval", json!({}))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        moderator
            .post("/api/v1/members/waiting/approval", json!({}))
            .await
            .0,
        StatusCode::CONFLICT
    );
    let (status, _) = waiting
        .post(
            "/api/v1/topics",
            json!({"category": "general", "title": "Let me in", "body": "please"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "approved members post");

    let Some(app) = TestApp::start_with(backend, |s| s.signup = SignupMode::Invite).await else {
        return;
    };
    app.member("admin", Role::Admin).await;
    let (status, _) = app
        .anonymous_api()
        .post(
            "/api/v1/members",
            json!({"username": "gatecrasher", "email": "g@example.org", "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, invite) = app
        .api_client("admin")
        .await
        .post("/api/v1/invites", json!({}))
        .await;
    let signup = json!({"username": "guest", "email": "guest@example.org", "password": PASSWORD, "invite": invite["code"]});
    assert_eq!(
        app.anonymous_api().post("/api/v1/members", signup).await.0,
        StatusCode::CREATED
    );
    let again = json!({"username": "guest2", "email": "guest2@example.org", "password": PASSWORD, "invite": invite["code"]});
    assert_eq!(
        app.anonymous_api().post("/api/v1/members", again).await.0,
        StatusCode::FORBIDDEN,
        "an invite works once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_modes_through_the_api_on_sqlite() {
    sign_up_modes(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_modes_through_the_api_on_postgres() {
    sign_up_modes(Backend::Postgres).await;
}
