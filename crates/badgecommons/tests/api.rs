//! The JSON API as outside tools use it: the contract of issue 2 (tokens, categories, topics,
//! posts, search, errors), editing and deleting posts with the same permissions as the pages,
//! and the who-am-I and member lookups.

mod common;

use badgecommons::accounts::model::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// The sorted keys of a JSON object.
fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value
        .as_object()
        .unwrap_or_else(|| panic!("an object: {value}"))
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
}

fn has_keys(value: &Value, wanted: &[&str]) {
    let present = keys(value);
    for key in wanted {
        assert!(
            present.iter().any(|k| k == key),
            "{key:?} missing from {value}"
        );
    }
}

fn error_message(json: &Value) -> &str {
    json["error"]
        .as_str()
        .unwrap_or_else(|| panic!("an {{\"error\"}} body: {json}"))
}

both_backends! {
    async fn a_token_from_a_password_is_used_as_a_bearer(app) {
        app.member("alice", Role::Member).await;
        let (status, json) = app
            .anonymous_api()
            .post("/api/v1/tokens", json!({"username": "alice", "password": common::PASSWORD}))
            .await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(keys(&json), ["token"]);
        let mut api = app.anonymous_api();
        api.token = Some(json["token"].as_str().unwrap().to_string());
        let (status, me) = api.get("/api/v1/me").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(me["username"], "alice");
        assert_eq!(me["role"], "member");

        api.token = Some("not-a-real-token".to_string());
        let (status, json) = api.get("/api/v1/me").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        error_message(&json);
        let (status, json) = app.anonymous_api().get("/api/v1/me").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        error_message(&json);
    }

    async fn categories_are_listed_with_slug_name_and_description(app) {
        app.category("general").await;
        let (status, json) = app.anonymous_api().get("/api/v1/categories").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(json, json!([{"slug": "general", "name": "Category general", "description": "About it"}]));
    }

    async fn only_an_admin_creates_a_category(app) {
        app.member("admin", Role::Admin).await;
        app.member("bob", Role::Member).await;
        let new = json!({"slug": "events", "name": "Events", "description": "Meetups"});

        let (status, json) = app.anonymous_api().post("/api/v1/categories", new.clone()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        error_message(&json);
        let bob = app.api_client("bob").await;
        let (status, json) = bob.post("/api/v1/categories", new.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(error_message(&json).contains("admin"), "{json}");
        let (_, list) = app.anonymous_api().get("/api/v1/categories").await;
        assert_eq!(list, json!([]), "refused requests created nothing");

        let admin = app.api_client("admin").await;
        let (status, json) = admin.post("/api/v1/categories", new.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{json}");
        assert_eq!(json["slug"], "events");
        let (_, list) = app.anonymous_api().get("/api/v1/categories").await;
        assert_eq!(list, json!([{"slug": "events", "name": "Events", "description": "Meetups"}]));

        let (status, json) = admin.post("/api/v1/categories", new).await;
        assert_eq!(status, StatusCode::CONFLICT, "a slug is used once");
        error_message(&json);
    }

    async fn a_topic_is_created_and_read_back_in_the_documented_shape(app) {
        app.member("alice", Role::Member).await;
        app.category("general").await;
        let alice = app.api_client("alice").await;
        let (status, created) = alice
            .post("/api/v1/topics", json!({"category": "general", "title": "API topic", "body": "Some *emphasis*"}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        has_keys(&created, &["id", "url"]);
        let id = created["id"].as_i64().expect("numeric id");
        assert_eq!(created["url"], app.url(&format!("/t/{id}/api-topic")));

        let (status, topic) = app.anonymous_api().get(&format!("/api/v1/topics/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        has_keys(&topic, &["id", "title", "category", "posts"]);
        assert_eq!(topic["id"], id);
        assert_eq!(topic["title"], "API topic");
        assert_eq!(topic["category"], "general");
        let posts = topic["posts"].as_array().expect("posts");
        assert_eq!(posts.len(), 1);
        let post = &posts[0];
        has_keys(post, &["id", "number", "author", "body_html", "created_at"]);
        assert!(post["id"].is_i64());
        assert_eq!(post["number"], 1);
        assert_eq!(post["author"], "alice");
        assert!(post["body_html"].as_str().unwrap().contains("<em>emphasis</em>"), "{post}");
        let created_at = post["created_at"].as_str().unwrap();
        assert!(chrono::DateTime::parse_from_rfc3339(created_at).is_ok(), "{created_at}");
    }

    async fn starting_a_topic_needs_a_token_and_a_real_category(app) {
        app.member("alice", Role::Member).await;
        app.category("general").await;
        let body = json!({"category": "general", "title": "Anonymous", "body": "hello"});
        let (status, json) = app.anonymous_api().post("/api/v1/topics", body).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        error_message(&json);
        let alice = app.api_client("alice").await;
        let (status, json) = alice
            .post("/api/v1/topics", json!({"category": "nowhere", "title": "Lost", "body": "hello"}))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(error_message(&json).contains("nowhere"));
        let (status, json) = alice.post("/api/v1/topics", json!({"category": "general", "title": "No body"})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a missing field: {json}");
        error_message(&json);
        let (_, list) = app.anonymous_api().get("/api/v1/topics").await;
        assert_eq!(list["topics"], json!([]), "no topic was created");
    }

    async fn a_reply_gets_the_next_number_and_its_permalink(app) {
        app.member("alice", Role::Member).await;
        app.member("bob", Role::Member).await;
        app.category("general").await;
        let alice = app.api_client("alice").await;
        let topic = app.topic_by(&alice, "general", "Replies", "first").await;
        let bob = app.api_client("bob").await;
        let (status, posted) = bob.post(&format!("/api/v1/topics/{topic}/posts"), json!({"body": "second"})).await;
        assert_eq!(status, StatusCode::CREATED, "{posted}");
        has_keys(&posted, &["id", "number", "url"]);
        assert_eq!(posted["number"], 2);
        assert_eq!(posted["url"], app.url(&format!("/t/{topic}/replies#p2")));

        let (_, json) = app.anonymous_api().get(&format!("/api/v1/topics/{topic}")).await;
        let posts = json["posts"].as_array().unwrap();
        assert_eq!(posts.len(), 2);
        assert_eq!(posts[1]["id"], posted["id"]);
        assert_eq!(posts[1]["author"], "bob");
        assert_eq!(posts[1]["body_html"].as_str().unwrap().trim(), "<p>second</p>");
    }

    async fn replying_needs_a_token_and_an_existing_topic(app) {
        app.member("alice", Role::Member).await;
        app.category("general").await;
        let alice = app.api_client("alice").await;
        let topic = app.topic_by(&alice, "general", "Closed door", "first").await;
        let (status, json) = app.anonymous_api().post(&format!("/api/v1/topics/{topic}/posts"), json!({"body": "hi"})).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        error_message(&json);
        let (status, json) = alice.post("/api/v1/topics/9999/posts", json!({"body": "hi"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        error_message(&json);
        let (status, json) = app.anonymous_api().get("/api/v1/topics/9999").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        error_message(&json);
        let (_, json) = app.anonymous_api().get(&format!("/api/v1/topics/{topic}")).await;
        assert_eq!(json["posts"].as_array().unwrap().len(), 1);
    }

    async fn search_ranks_title_matches_first_and_marks_the_words(app) {
        app.member("alice", Role::Member).await;
        app.category("general").await;
        let alice = app.api_client("alice").await;
        let in_title = app.topic_by(&alice, "general", "Zeppelin meetup", "Come and join us").await;
        let in_body = app.topic_by(&alice, "general", "Travel notes", "We flew in a zeppelin over the <b>bay</b>").await;
        app.topic_by(&alice, "general", "Unrelated", "Nothing to see").await;

        let (status, json) = app.anonymous_api().get("/api/v1/search?q=zeppelin").await;
        assert_eq!(status, StatusCode::OK, "{json}");
        let results = json["results"].as_array().expect("results");
        assert_eq!(results.len(), 2, "{json}");
        for result in results {
            has_keys(result, &["topic_id", "post_id", "title", "snippet"]);
        }
        assert_eq!(results[0]["topic_id"], in_title, "a title match ranks first: {json}");
        assert_eq!(results[0]["title"], "Zeppelin meetup");
        assert_eq!(results[1]["topic_id"], in_body);
        let snippet = results[1]["snippet"].as_str().unwrap();
        assert!(snippet.to_lowercase().contains("<mark>zeppelin</mark>"), "{snippet}");
        assert!(!snippet.contains("<b>"), "the rest of the snippet is escaped: {snippet}");
        let (_, topic) = app.anonymous_api().get(&format!("/api/v1/topics/{in_body}")).await;
        assert_eq!(results[1]["post_id"], topic["posts"][0]["id"]);
    }

    async fn search_without_a_query_is_a_bad_request(app) {
        let (status, json) = app.anonymous_api().get("/api/v1/search?q=").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        error_message(&json);
        let (status, json) = app.anonymous_api().get("/api/v1/search?q=nothing%20matches").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(json, json!({"results": []}));
    }

    async fn an_author_edits_their_post_and_the_old_text_is_a_revision(app) {
        app.member("alice", Role::Member).await;
        app.category("general").await;
        let alice = app.api_client("alice").await;
        let topic = app.topic_by(&alice, "general", "Draft", "first version").await;
        let (_, json) = alice.get(&format!("/api/v1/topics/{topic}")).await;
        let post = json["posts"][0]["id"].as_i64().unwrap();

        let (status, json) = alice
            .patch(&format!("/api/v1/posts/{post}"), json!({"title": "Final", "body": "second version"}))
            .await;
        assert_eq!(status, StatusCode::OK, "{json}");
        assert_eq!(json["id"], post);
        assert_eq!(json["url"], app.url(&format!("/t/{topic}/final#p1")));

        let (_, json) = app.anonymous_api().get(&format!("/api/v1/topics/{topic}")).await;
        assert_eq!(json["title"], "Final");
        assert!(json["posts"][0]["body_html"].as_str().unwrap().contains("second version"));
        let (status, history) = app.anonymous_api().get(&format!("/api/v1/posts/{post}/revisions")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(history["current"], "second version");
        let revisions = history["revisions"].as_array().unwrap();
        assert_eq!(revisions.len(), 1);
        assert_eq!(revisions[0]["body"], "first version");
    }

    async fn a_member_cannot_edit_or_delete_another_members_post(app) {
        app.member("alice", Role::Member).await;
        app.member("bob", Role::Member).await;
        app.category("general").await;
        let alice = app.api_client("alice").await;
        let topic = app.topic_by(&alice, "general", "Mine", "alice wrote this").await;
        let (_, json) = alice.get(&format!("/api/v1/topics/{topic}")).await;
        let post = json["posts"][0]["id"].as_i64().unwrap();

        let bob = app.api_client("bob").await;
        let (status, json) = bob.patch(&format!("/api/v1/posts/{post}"), json!({"body": "bob was here"})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(error_message(&json).contains("own posts"));
        let (status, json) = bob.delete(&format!("/api/v1/posts/{post}")).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        error_message(&json);
        let (status, json) = app.anonymous_api().patch(&format!("/api/v1/posts/{post}"), json!({"body": "anon"})).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        error_message(&json);

        let (_, json) = app.anonymous_api().get(&format!("/api/v1/topics/{topic}")).await;
        assert!(json["posts"][0]["body_html"].as_str().unwrap().contains("alice wrote this"));
        assert_eq!(json["posts"][0]["deleted"], false);
        let (_, history) = app.anonymous_api().get(&format!("/api/v1/posts/{post}/revisions")).await;
        assert_eq!(history["revisions"], json!([]), "no revision was recorded");
    }

    async fn a_moderator_may_edit_any_post(app) {
        app.member("alice", Role::Member).await;
        app.member("mod", Role::Moderator).await;
        app.category("general").await;
        let alice = app.api_client("alice").await;
        let topic = app.topic_by(&alice, "general", "Moderated", "rude words").await;
        let (_, json) = alice.get(&format!("/api/v1/topics/{topic}")).await;
        let post = json["posts"][0]["id"].as_i64().unwrap();
        let moderator = app.api_client("mod").await;
        let (status, _) = moderator.patch(&format!("/api/v1/posts/{post}"), json!({"body": "kind words"})).await;
        assert_eq!(status, StatusCode::OK);
        let (_, json) = app.anonymous_api().get(&format!("/api/v1/topics/{topic}")).await;
        assert!(json["posts"][0]["body_html"].as_str().unwrap().contains("kind words"));
    }

    async fn an_author_deletes_their_post_and_its_body_is_gone(app) {
        app.member("alice", Role::Member).await;
        app.category("general").await;
        let alice = app.api_client("alice").await;
        let topic = app.topic_by(&alice, "general", "Oops", "first").await;
        let (_, posted) = alice.post(&format!("/api/v1/topics/{topic}/posts"), json!({"body": "a regrettable reply"})).await;
        let post = posted["id"].as_i64().unwrap();
        let (status, json) = alice.delete(&format!("/api/v1/posts/{post}")).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{json}");
        let (_, json) = app.anonymous_api().get(&format!("/api/v1/topics/{topic}")).await;
        let reply = &json["posts"][1];
        assert_eq!(reply["deleted"], true);
        assert_eq!(reply["body_html"], "");
        let (status, json) = alice.delete("/api/v1/posts/9999").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        error_message(&json);
    }

    async fn members_are_looked_up_by_username(app) {
        app.member("alice", Role::Moderator).await;
        let (status, json) = app.anonymous_api().get("/api/v1/members/alice").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(json["username"], "alice");
        assert_eq!(json["role"], "moderator");
        assert_eq!(json["url"], app.url("/u/alice"));
        assert!(json.get("email").is_none(), "no email address is published: {json}");
        assert!(json.get("password_hash").is_none());
        let (status, json) = app.anonymous_api().get("/api/v1/members/nobody").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        error_message(&json);
    }

    async fn the_openapi_document_describes_the_contract(app) {
        let (status, json) = app.anonymous_api().get("/api/v1/openapi.json").await;
        assert_eq!(status, StatusCode::OK);
        let paths = json["paths"].as_object().expect("paths");
        for path in [
            "/api/v1/tokens",
            "/api/v1/categories",
            "/api/v1/topics",
            "/api/v1/topics/{id}",
            "/api/v1/topics/{id}/posts",
            "/api/v1/posts/{id}",
            "/api/v1/posts/{id}/revisions",
            "/api/v1/search",
            "/api/v1/me",
            "/api/v1/members/{username}",
        ] {
            assert!(paths.contains_key(path), "{path} is documented");
        }
    }

    async fn an_unknown_api_path_answers_json(app) {
        let (status, json) = app.anonymous_api().get("/api/v1/no-such-thing").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        error_message(&json);
    }
}
