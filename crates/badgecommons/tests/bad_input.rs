//! Bad input, and nothing lost: over-long and empty text, broken encodings and bodies, unknown
//! and nonsensical ids, places one may not post, forged forms and expired sessions. Each gets a
//! clear 4xx answer (an HTML page for people, `{"error"}` for the API), never a 500, and leaves
//! what is stored as it was.

mod common;

use badgecommons::accounts::model::Role;
use common::{Api, Browser, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::Row;

async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table}"))
        .fetch_one(app.db.pool())
        .await
        .expect("count")
        .try_get("n")
        .expect("n")
}

/// Rows in the tables a bad request could have written to.
async fn stored(app: &TestApp) -> [i64; 4] {
    [
        count(app, "topics").await,
        count(app, "posts").await,
        count(app, "post_revisions").await,
        count(app, "users").await,
    ]
}

/// Asserts an HTML failure page with `status` that says `message`.
async fn html_failure(response: reqwest::Response, status: StatusCode, message: &str) {
    let got = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = response.text().await.expect("body");
    assert_eq!(got, status, "{body}");
    assert!(
        content_type.starts_with("text/html"),
        "{content_type}: {body}"
    );
    assert!(body.contains(message), "{message:?} not in {body}");
}

/// Asserts a JSON failure with `status` whose message contains `message`.
fn json_failure(answer: (StatusCode, Value), status: StatusCode, message: &str) {
    let (got, json) = answer;
    assert_eq!(got, status, "{json}");
    let error = json["error"]
        .as_str()
        .unwrap_or_else(|| panic!("an {{\"error\"}} body: {json}"));
    assert!(
        error.to_lowercase().contains(&message.to_lowercase()),
        "{message:?} not in {error:?}"
    );
}

/// A member `alice` with an API client, a category and one topic; returns (api, topic id, post id).
async fn alice_with_a_topic(app: &TestApp) -> (Api, i64, i64) {
    app.member("alice", Role::Member).await;
    app.category("general").await;
    let api = app.api_client("alice").await;
    let topic = app
        .topic_by(&api, "general", "A fine topic", "the original body")
        .await;
    let (_, json) = api.get(&format!("/api/v1/topics/{topic}")).await;
    let post = json["posts"][0]["id"].as_i64().expect("post id");
    (api, topic, post)
}

async fn first_post_markdown(app: &TestApp, topic: i64) -> (String, String) {
    let row = sqlx::query(
        "SELECT t.title, p.body_markdown FROM topics t JOIN posts p ON p.topic_id = t.id \
         WHERE t.id = $1 AND p.number = 1",
    )
    .bind(topic)
    .fetch_one(app.db.pool())
    .await
    .expect("first post");
    (
        row.try_get("title").unwrap(),
        row.try_get("body_markdown").unwrap(),
    )
}

/// Posts raw bytes as a form, with this browser's CSRF token in front of them.
async fn raw_form(browser: &Browser, path: &str, fields: &[u8]) -> reqwest::Response {
    let token = browser.csrf().await;
    let mut body = format!("csrf_token={token}&").into_bytes();
    body.extend_from_slice(fields);
    browser
        .client
        .post(format!("{}{}", browser.base, path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("POST")
}

both_backends! {
    async fn a_title_over_200_characters_is_refused(app) {
        let (api, topic, post) = alice_with_a_topic(&app).await;
        let before = stored(&app).await;
        let long = "t".repeat(201);

        let alice = app.signed_in("alice").await;
        let response = alice.submit("/new-topic", &[("category", "general"), ("title", &long), ("body", "body")]).await;
        html_failure(response, StatusCode::UNPROCESSABLE_ENTITY, "at most 200 characters").await;
        let answer = api.post("/api/v1/topics", json!({"category": "general", "title": long, "body": "body"})).await;
        json_failure(answer, StatusCode::UNPROCESSABLE_ENTITY, "at most 200 characters");
        let answer = api.patch(&format!("/api/v1/posts/{post}"), json!({"title": long, "body": "new body"})).await;
        json_failure(answer, StatusCode::UNPROCESSABLE_ENTITY, "at most 200 characters");

        assert_eq!(stored(&app).await, before);
        assert_eq!(first_post_markdown(&app, topic).await, ("A fine topic".to_string(), "the original body".to_string()));
    }

    async fn a_body_over_50000_characters_is_refused(app) {
        let (api, topic, post) = alice_with_a_topic(&app).await;
        let before = stored(&app).await;
        let long = "é".repeat(50_001);

        let alice = app.signed_in("alice").await;
        let response = alice.submit(&format!("/t/{topic}/reply"), &[("body", &long)]).await;
        html_failure(response, StatusCode::UNPROCESSABLE_ENTITY, "at most 50000 characters").await;
        let response = alice.submit("/new-topic", &[("category", "general"), ("title", "Long one"), ("body", &long)]).await;
        html_failure(response, StatusCode::UNPROCESSABLE_ENTITY, "at most 50000 characters").await;
        let answer = api.post(&format!("/api/v1/topics/{topic}/posts"), json!({"body": long})).await;
        json_failure(answer, StatusCode::UNPROCESSABLE_ENTITY, "at most 50000 characters");
        let answer = api.patch(&format!("/api/v1/posts/{post}"), json!({"body": long})).await;
        json_failure(answer, StatusCode::UNPROCESSABLE_ENTITY, "at most 50000 characters");

        assert_eq!(stored(&app).await, before);
        assert_eq!(first_post_markdown(&app, topic).await.1, "the original body");
    }

    async fn a_body_larger_than_the_request_limit_gets_a_clear_answer(app) {
        let (api, topic, _) = alice_with_a_topic(&app).await;
        let before = stored(&app).await;
        let huge = "x".repeat(2 * 1024 * 1024);
        let answer = api.post(&format!("/api/v1/topics/{topic}/posts"), json!({"body": huge})).await;
        assert_eq!(answer.0, StatusCode::PAYLOAD_TOO_LARGE, "{}", answer.1);
        assert!(answer.1["error"].is_string(), "{}", answer.1);

        let alice = app.signed_in("alice").await;
        let response = alice.submit(&format!("/t/{topic}/reply"), &[("body", &huge)]).await;
        let status = response.status();
        assert!(status == StatusCode::PAYLOAD_TOO_LARGE || status == StatusCode::BAD_REQUEST, "{status}");
        let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        assert!(content_type.starts_with("text/html"), "{content_type}");
        let page = response.text().await.unwrap();
        assert!(page.contains("too large") || page.contains("Too Large"), "{page}");
        assert_eq!(stored(&app).await, before);
    }

    async fn an_empty_post_is_refused(app) {
        let (api, topic, post) = alice_with_a_topic(&app).await;
        let before = stored(&app).await;

        let alice = app.signed_in("alice").await;
        let response = alice.submit(&format!("/t/{topic}/reply"), &[("body", "  \n\t ")]).await;
        html_failure(response, StatusCode::UNPROCESSABLE_ENTITY, "The post is empty").await;
        let response = alice.submit("/new-topic", &[("category", "general"), ("title", "Nothing"), ("body", "")]).await;
        html_failure(response, StatusCode::UNPROCESSABLE_ENTITY, "The post is empty").await;
        let answer = api.post(&format!("/api/v1/topics/{topic}/posts"), json!({"body": "   "})).await;
        json_failure(answer, StatusCode::UNPROCESSABLE_ENTITY, "The post is empty");
        let answer = api.post("/api/v1/topics", json!({"category": "general", "title": "Nothing", "body": ""})).await;
        json_failure(answer, StatusCode::UNPROCESSABLE_ENTITY, "The post is empty");
        let answer = api.patch(&format!("/api/v1/posts/{post}"), json!({"body": ""})).await;
        json_failure(answer, StatusCode::UNPROCESSABLE_ENTITY, "The post is empty");

        assert_eq!(stored(&app).await, before);
        assert_eq!(first_post_markdown(&app, topic).await.1, "the original body");
    }

    async fn invalid_utf8_in_a_form_is_refused(app) {
        let (_, topic, _) = alice_with_a_topic(&app).await;
        let before = stored(&app).await;
        let alice = app.signed_in("alice").await;

        let response = raw_form(&alice, &format!("/t/{topic}/reply"), b"body=caf%C3%28%FF").await;
        let status = response.status();
        assert!(status.is_client_error(), "percent-encoded invalid UTF-8: {status}");
        html_failure(response, status, "UTF-8").await;
        let response = raw_form(&alice, &format!("/t/{topic}/reply"), b"body=caf\xC3\x28\xFF").await;
        let status = response.status();
        assert!(status.is_client_error(), "raw invalid UTF-8: {status}");
        html_failure(response, status, "UTF-8").await;

        assert_eq!(stored(&app).await, before);
    }

    async fn invalid_utf8_in_json_is_refused(app) {
        let (api, topic, _) = alice_with_a_topic(&app).await;
        let before = stored(&app).await;
        let mut body = br#"{"body": "caf"#.to_vec();
        body.extend_from_slice(b"\xC3\x28\xFF\"}");
        let (status, json) = api.post_raw(&format!("/api/v1/topics/{topic}/posts"), "application/json", body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{json}");
        assert!(json["error"].is_string(), "{json}");
        // A lone surrogate escape is not a character either.
        let body = br#"{"body": "half \udc00 a character"}"#.to_vec();
        let (status, json) = api.post_raw(&format!("/api/v1/topics/{topic}/posts"), "application/json", body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{json}");
        assert!(json["error"].is_string(), "{json}");
        assert_eq!(stored(&app).await, before);
    }

    async fn a_nul_character_never_causes_a_server_error(app) {
        let (api, topic, _) = alice_with_a_topic(&app).await;
        let before = stored(&app).await;
        let (status, json) = api.post(&format!("/api/v1/topics/{topic}/posts"), json!({"body": "before\u{0}after"})).await;
        assert!(status.is_client_error(), "{status} {json}");
        assert!(json["error"].is_string(), "{json}");
        let (status, json) = api.post("/api/v1/topics", json!({"category": "general", "title": "nul\u{0}title", "body": "fine"})).await;
        assert!(status.is_client_error(), "{status} {json}");
        assert_eq!(stored(&app).await, before);

        let (status, _) = app.anonymous_api().get("/api/v1/search?q=nul%00byte").await;
        assert!(!status.is_server_error(), "search: {status}");
        let response = app.browser().submit("/signin", &[("username", "ali\u{0}ce"), ("password", common::PASSWORD)]).await;
        assert!(response.status().is_client_error(), "sign-in: {}", response.status());
        let response = app.browser().submit("/signup", &[("username", "nul\u{0}name"), ("email", "n@example.org"), ("password", common::PASSWORD)]).await;
        assert!(response.status().is_client_error(), "sign-up: {}", response.status());
        let (status, _) = app.anonymous_api().post("/api/v1/tokens", json!({"username": "a\u{0}", "password": "b\u{0}"})).await;
        assert!(status.is_client_error(), "token: {status}");
        assert_eq!(stored(&app).await, before);
    }

    async fn a_json_endpoint_refuses_other_content_types(app) {
        let (api, topic, _) = alice_with_a_topic(&app).await;
        let before = stored(&app).await;
        let body = br#"{"body": "looks like json"}"#.to_vec();
        let (status, json) = api.post_raw(&format!("/api/v1/topics/{topic}/posts"), "text/plain", body.clone()).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{json}");
        assert!(json["error"].as_str().unwrap().contains("application/json"), "{json}");
        let (status, json) = api.post_raw(&format!("/api/v1/topics/{topic}/posts"), "application/x-www-form-urlencoded", b"body=hi".to_vec()).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{json}");
        assert!(json["error"].is_string());
        assert_eq!(stored(&app).await, before);
    }

    async fn a_form_endpoint_refuses_json(app) {
        let (_, topic, _) = alice_with_a_topic(&app).await;
        let before = stored(&app).await;
        let alice = app.signed_in("alice").await;
        let token = alice.csrf().await;
        let response = alice
            .client
            .post(format!("{}/t/{topic}/reply", alice.base))
            .json(&json!({"body": "sneaky", "csrf_token": token}))
            .send()
            .await
            .unwrap();
        let status = response.status();
        assert!(status.is_client_error(), "{status}");
        html_failure(response, status, "application/x-www-form-urlencoded").await;
        assert_eq!(stored(&app).await, before);
    }

    async fn malformed_json_is_a_bad_request(app) {
        let (api, topic, _) = alice_with_a_topic(&app).await;
        let before = stored(&app).await;
        let path = format!("/api/v1/topics/{topic}/posts");
        let (status, json) = api.post_raw(&path, "application/json", br#"{"body": "unterminated"#.to_vec()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{json}");
        assert!(json["error"].is_string(), "{json}");
        let (status, json) = api.post_raw(&path, "application/json", Vec::new()).await;
        assert!(status.is_client_error(), "{status} {json}");
        assert!(json["error"].is_string(), "{json}");
        let (status, json) = api.post(&path, json!({"body": 42})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a wrong type: {json}");
        assert!(json["error"].is_string(), "{json}");
        let (status, json) = api.post_raw(&path, "application/json", br#"{"body": "x"} and more"#.to_vec()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "trailing text: {json}");
        assert!(json["error"].is_string(), "{json}");
        assert_eq!(stored(&app).await, before);
    }

    async fn unknown_ids_are_not_found(app) {
        let (api, _, _) = alice_with_a_topic(&app).await;
        let before = stored(&app).await;
        let reader = app.browser();
        html_failure(reader.get("/t/9999/anything").await, StatusCode::NOT_FOUND, "No such topic").await;
        html_failure(reader.get("/t/9999").await, StatusCode::NOT_FOUND, "No such topic").await;
        html_failure(reader.get("/p/9999").await, StatusCode::NOT_FOUND, "No such post").await;
        html_failure(reader.get("/p/9999/history").await, StatusCode::NOT_FOUND, "No such post").await;
        html_failure(reader.get("/u/nobody").await, StatusCode::NOT_FOUND, "No such member").await;
        html_failure(reader.get("/c/nowhere").await, StatusCode::NOT_FOUND, "No such category").await;

        let alice = app.signed_in("alice").await;
        html_failure(alice.submit("/t/9999/reply", &[("body", "hello?")]).await, StatusCode::NOT_FOUND, "No such topic").await;
        html_failure(alice.submit("/p/9999/edit", &[("body", "hello?")]).await, StatusCode::NOT_FOUND, "No such post").await;
        html_failure(alice.submit("/p/9999/delete", &[]).await, StatusCode::NOT_FOUND, "No such post").await;

        json_failure(api.get("/api/v1/topics/9999").await, StatusCode::NOT_FOUND, "No such topic");
        json_failure(api.post("/api/v1/topics/9999/posts", json!({"body": "hello?"})).await, StatusCode::NOT_FOUND, "No such topic");
        json_failure(api.patch("/api/v1/posts/9999", json!({"body": "hello?"})).await, StatusCode::NOT_FOUND, "No such post");
        json_failure(api.delete("/api/v1/posts/9999").await, StatusCode::NOT_FOUND, "No such post");
        json_failure(api.get("/api/v1/posts/9999/revisions").await, StatusCode::NOT_FOUND, "No such post");
        assert_eq!(stored(&app).await, before);
    }

    async fn ids_that_are_not_numbers_are_client_errors(app) {
        let (api, _, _) = alice_with_a_topic(&app).await;
        let before = stored(&app).await;
        let reader = app.browser();
        for path in ["/t/abc/slug", "/t/abc", "/p/abc", "/p/1.5/history", "/t/99999999999999999999999/x", "/t/-1/x", "/t/%FF/x"] {
            let response = reader.get(path).await;
            let status = response.status();
            assert!(status == StatusCode::BAD_REQUEST || status == StatusCode::NOT_FOUND, "{path}: {status}");
            html_failure(response, status, "").await;
        }
        let alice = app.signed_in("alice").await;
        for path in ["/t/abc/reply", "/p/abc/edit", "/p/abc/delete"] {
            let response = alice.submit(path, &[("body", "hello")]).await;
            let status = response.status();
            assert!(status == StatusCode::BAD_REQUEST || status == StatusCode::NOT_FOUND, "{path}: {status}");
            html_failure(response, status, "").await;
        }
        for path in ["/api/v1/topics/abc", "/api/v1/posts/abc/revisions", "/api/v1/topics/1e3"] {
            let (status, json) = api.get(path).await;
            assert!(status == StatusCode::BAD_REQUEST || status == StatusCode::NOT_FOUND, "{path}: {status}");
            assert!(json["error"].is_string(), "{path}: {json}");
        }
        let (status, json) = api.post("/api/v1/topics/abc/posts", json!({"body": "hello"})).await;
        assert!(status == StatusCode::BAD_REQUEST || status == StatusCode::NOT_FOUND, "{status}");
        assert!(json["error"].is_string(), "{json}");
        let (status, json) = api.patch("/api/v1/posts/abc", json!({"body": "hello"})).await;
        assert!(status == StatusCode::BAD_REQUEST || status == StatusCode::NOT_FOUND, "{status}");
        assert!(json["error"].is_string(), "{json}");
        assert_eq!(stored(&app).await, before);
    }

    async fn a_locked_topic_takes_no_replies(app) {
        let (api, topic, post) = alice_with_a_topic(&app).await;
        app.member("mod", Role::Moderator).await;
        let moderator = app.api_client("mod").await;
        let (status, json) = api.post(&format!("/api/v1/topics/{topic}/lock"), json!({})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "members cannot lock: {json}");
        let (status, _) = moderator.post(&format!("/api/v1/topics/{topic}/lock"), json!({})).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let before = stored(&app).await;

        let answer = api.post(&format!("/api/v1/topics/{topic}/posts"), json!({"body": "let me in"})).await;
        json_failure(answer, StatusCode::FORBIDDEN, "locked");
        let alice = app.signed_in("alice").await;
        html_failure(alice.submit(&format!("/t/{topic}/reply"), &[("body", "let me in")]).await, StatusCode::FORBIDDEN, "locked").await;
        let answer = api.patch(&format!("/api/v1/posts/{post}"), json!({"body": "rewritten"})).await;
        json_failure(answer, StatusCode::FORBIDDEN, "locked");

        assert_eq!(stored(&app).await, before);
        assert_eq!(first_post_markdown(&app, topic).await.1, "the original body");
        let (_, json) = api.get(&format!("/api/v1/topics/{topic}")).await;
        assert_eq!(json["locked"], true);
        assert_eq!(json["posts"].as_array().unwrap().len(), 1);
    }

    async fn only_moderators_start_topics_in_a_moderators_category(app) {
        app.member("alice", Role::Member).await;
        app.member("mod", Role::Moderator).await;
        badgecommons::moderation::create_category(&app.db, "announcements", "Announcements", "News", Role::Moderator)
            .await
            .expect("category");
        let api = app.api_client("alice").await;
        let before = stored(&app).await;

        let answer = api.post("/api/v1/topics", json!({"category": "announcements", "title": "My news", "body": "hello"})).await;
        json_failure(answer, StatusCode::FORBIDDEN, "Only moderators can start topics in Announcements");
        let alice = app.signed_in("alice").await;
        let response = alice.submit("/new-topic", &[("category", "announcements"), ("title", "My news"), ("body", "hello")]).await;
        html_failure(response, StatusCode::FORBIDDEN, "Only moderators can start topics in Announcements").await;
        assert_eq!(stored(&app).await, before);

        let moderator = app.api_client("mod").await;
        app.topic_by(&moderator, "announcements", "Real news", "from the team").await;
    }

    async fn a_form_without_the_right_csrf_token_is_refused(app) {
        let (_, topic, _) = alice_with_a_topic(&app).await;
        let before = stored(&app).await;
        let alice = app.signed_in("alice").await;
        let path = format!("/t/{topic}/reply");

        let response = alice.submit_without_csrf(&path, &[("body", "forged")]).await;
        html_failure(response, StatusCode::FORBIDDEN, "CSRF token is missing or wrong").await;
        let response = alice.submit_without_csrf(&path, &[("body", "forged"), ("csrf_token", "0123456789abcdef0123456789abcdef0123")]).await;
        html_failure(response, StatusCode::FORBIDDEN, "CSRF token is missing or wrong").await;
        let token = alice.csrf().await;
        let response = alice
            .client
            .post(format!("{}{path}", alice.base))
            .header("origin", "https://evil.example")
            .form(&[("body", "forged"), ("csrf_token", &token)])
            .send()
            .await
            .unwrap();
        html_failure(response, StatusCode::FORBIDDEN, "https://evil.example").await;
        // A browser with no CSRF cookie at all, as a cross-site form from a fresh visitor.
        let response = app.browser().submit_without_csrf("/signup", &[("username", "forged"), ("email", "f@example.org"), ("password", common::PASSWORD)]).await;
        html_failure(response, StatusCode::FORBIDDEN, "CSRF").await;

        assert_eq!(stored(&app).await, before);
    }

    async fn an_expired_session_cannot_post(app) {
        let (_, topic, post) = alice_with_a_topic(&app).await;
        let alice = app.signed_in("alice").await;
        sqlx::query("UPDATE sessions SET expires_at = 0").execute(app.db.pool()).await.unwrap();
        let before = stored(&app).await;

        let response = alice.submit(&format!("/t/{topic}/reply"), &[("body", "still here?")]).await;
        html_failure(response, StatusCode::UNAUTHORIZED, "session has expired").await;
        let response = alice.submit(&format!("/p/{post}/edit"), &[("body", "changed")]).await;
        html_failure(response, StatusCode::UNAUTHORIZED, "session has expired").await;
        let response = alice.submit("/new-topic", &[("category", "general"), ("title", "Late topic"), ("body", "body")]).await;
        html_failure(response, StatusCode::UNAUTHORIZED, "session has expired").await;

        assert_eq!(stored(&app).await, before);
        assert_eq!(first_post_markdown(&app, topic).await.1, "the original body");
    }
}
