//! Moderation as moderators and members meet it: flags and the queue, hiding posts, locking,
//! pinning and moving topics, suspensions, the audit log, and first posts that wait for approval.

mod common;

use badgecommons::accounts::model::Role;
use common::{location, Api, Backend, TestApp};
use reqwest::StatusCode;
use serde_json::json;

/// The id of the `n`th post (from 1) of a topic, read through the API.
async fn post_id(api: &Api, topic: i64, n: usize) -> i64 {
    let (status, json) = api.get(&format!("/api/v1/topics/{topic}")).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    json["posts"][n - 1]["id"].as_i64().expect("post id")
}

/// The path of a topic page (`/t/{id}/{slug}`), read through the API.
async fn topic_path(app: &TestApp, topic: i64) -> String {
    let (_, json) = app
        .anonymous_api()
        .get(&format!("/api/v1/topics/{topic}"))
        .await;
    let url = json["url"].as_str().expect("topic url");
    url.strip_prefix(&app.base)
        .expect("absolute url")
        .to_string()
}

/// Where `needle` first appears in `haystack` (panics when absent).
fn position(haystack: &str, needle: &str) -> usize {
    haystack
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not found"))
}

both_backends! {
    async fn a_flag_with_a_reason_reaches_the_moderator_queue_that_members_cannot_see(app) {
        app.member("alice", Role::Member).await;
        app.member("bob", Role::Member).await;
        app.member("mod", Role::Moderator).await;
        app.category("general").await;
        let alice = app.api_client("alice").await;
        let topic = app.topic_by(&alice, "general", "Buy cheap pills", "Visit my shop").await;
        let post = post_id(&alice, topic, 1).await;

        let bob = app.signed_in("bob").await;
        let (status, form) = bob.page(&format!("/p/{post}/flag")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(form.contains("<label for=\"reason\""), "{form}");
        let response = bob.submit(&format!("/p/{post}/flag"), &[("reason", "Spam for pills")]).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.text().await.unwrap().contains("the moderators will look at it"));
        let response = bob.submit(&format!("/p/{post}/flag"), &[("reason", "   ")]).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "a reason is needed");

        let bob_api = app.api_client("bob").await;
        let (status, json) = bob_api
            .post(&format!("/api/v1/posts/{post}/flags"), json!({"reason": "Still spam via the API"}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{json}");
        assert!(json["id"].as_i64().is_some());
        let (status, json) = bob_api.post(&format!("/api/v1/posts/{post}/flags"), json!({"reason": ""})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(json["error"].is_string());
        let (status, _) = bob_api.post("/api/v1/posts/999999/flags", json!({"reason": "gone"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = app
            .anonymous_api()
            .post(&format!("/api/v1/posts/{post}/flags"), json!({"reason": "anonymous"}))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "flagging needs an account");

        // Members and readers do not see the queue.
        assert_eq!(bob.page("/mod").await.0, StatusCode::FORBIDDEN);
        assert_eq!(bob_api.get("/api/v1/flags").await.0, StatusCode::FORBIDDEN);
        assert_eq!(app.browser().page("/mod").await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(app.anonymous_api().get("/api/v1/flags").await.0, StatusCode::UNAUTHORIZED);

        let moderator = app.signed_in("mod").await;
        let (status, queue) = moderator.page("/mod").await;
        assert_eq!(status, StatusCode::OK);
        assert!(queue.contains("Spam for pills"), "{queue}");
        assert!(queue.contains("Still spam via the API"));
        assert!(queue.contains("flagged by bob"));
        assert!(queue.contains("Visit my shop"), "the queue quotes the post");
        assert!(queue.contains(&format!("/t/{topic}/buy-cheap-pills#p1")));

        let mod_api = app.api_client("mod").await;
        let (status, json) = mod_api.get("/api/v1/flags").await;
        assert_eq!(status, StatusCode::OK);
        let flags = json["flags"].as_array().expect("flags");
        assert_eq!(flags.len(), 2, "{json}");
        assert_eq!(flags[0]["post_id"], post);
        assert_eq!(flags[0]["flagged_by"], "bob");
        assert_eq!(flags[0]["reason"], "Spam for pills");

        // Dismissing a flag takes it out of the queue.
        let flag = flags[0]["id"].as_i64().unwrap();
        let response = moderator
            .submit(&format!("/mod/flags/{flag}/resolve"), &[("resolution", "dismissed")])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let (_, queue) = moderator.page("/mod").await;
        assert!(!queue.contains("Spam for pills"));
        assert!(queue.contains("Still spam via the API"));
        let (_, json) = mod_api.get("/api/v1/flags").await;
        assert_eq!(json["flags"].as_array().unwrap().len(), 1);
    }

    async fn a_hidden_post_shows_readers_a_notice_and_staff_the_body(app) {
        app.member("alice", Role::Member).await;
        app.member("bob", Role::Member).await;
        app.member("mod", Role::Moderator).await;
        app.category("general").await;
        let alice = app.api_client("alice").await;
        let topic = app.topic_by(&alice, "general", "Heated debate", "Let us talk").await;
        let (_, reply) = alice
            .post(&format!("/api/v1/topics/{topic}/posts"), json!({"body": "Some rude words here"}))
            .await;
        let post = reply["id"].as_i64().unwrap();
        let path = topic_path(&app, topic).await;

        let bob = app.signed_in("bob").await;
        let response = bob.submit(&format!("/mod/posts/{post}/hide"), &[]).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "members cannot hide");
        let bob_api = app.api_client("bob").await;
        assert_eq!(bob_api.post(&format!("/api/v1/posts/{post}/hide"), json!({})).await.0, StatusCode::FORBIDDEN);

        let moderator = app.signed_in("mod").await;
        let response = moderator.submit(&format!("/mod/posts/{post}/hide"), &[]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);

        let (_, html) = app.browser().page(&path).await;
        assert!(html.contains("hidden by a moderator"), "{html}");
        assert!(!html.contains("Some rude words here"));
        assert!(html.contains("Let us talk"), "the rest of the topic stays");
        let (_, html) = bob.page(&path).await;
        assert!(!html.contains("Some rude words here"));
        let (_, json) = app.anonymous_api().get(&format!("/api/v1/topics/{topic}")).await;
        assert_eq!(json["posts"][1]["hidden"], true);
        assert_eq!(json["posts"][1]["body_html"], "");

        let (_, html) = moderator.page(&path).await;
        assert!(html.contains("hidden by a moderator"));
        assert!(html.contains("Some rude words here"), "staff still see the body");
        let mod_api = app.api_client("mod").await;
        let (_, json) = mod_api.get(&format!("/api/v1/topics/{topic}")).await;
        assert!(json["posts"][1]["body_html"].as_str().unwrap().contains("rude words"));

        let (status, _) = mod_api.post(&format!("/api/v1/posts/{post}/unhide"), json!({})).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (_, html) = app.browser().page(&path).await;
        assert!(html.contains("Some rude words here"));
        assert!(!html.contains("hidden by a moderator"));
        let (status, _) = mod_api.post("/api/v1/posts/999999/hide", json!({})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // A hidden first post leaks nowhere on the page, not even in its description metadata.
        let first = post_id(&mod_api, topic, 1).await;
        assert_eq!(mod_api.post(&format!("/api/v1/posts/{first}/hide"), json!({})).await.0, StatusCode::NO_CONTENT);
        let (_, html) = app.browser().page(&path).await;
        assert!(!html.contains("Let us talk"), "{html}");
    }

    async fn a_locked_topic_refuses_replies_until_unlocked(app) {
        app.member("alice", Role::Member).await;
        app.member("bob", Role::Member).await;
        app.member("mod", Role::Moderator).await;
        app.category("general").await;
        let alice = app.api_client("alice").await;
        let topic = app.topic_by(&alice, "general", "Closing soon", "Last call").await;
        let path = topic_path(&app, topic).await;

        let bob = app.signed_in("bob").await;
        assert_eq!(bob.submit(&format!("/mod/topics/{topic}/lock"), &[]).await.status(), StatusCode::FORBIDDEN);

        let moderator = app.signed_in("mod").await;
        let response = moderator.submit(&format!("/mod/topics/{topic}/lock"), &[]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let (_, html) = app.browser().page(&path).await;
        assert!(html.contains("This topic is locked"));

        let response = bob.submit(&format!("/t/{topic}/reply"), &[("body", "one more thing")]).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let bob_api = app.api_client("bob").await;
        let (status, json) = bob_api.post(&format!("/api/v1/topics/{topic}/posts"), json!({"body": "via the API"})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(json["error"].as_str().unwrap().contains("locked"), "{json}");
        let (_, html) = bob.page(&path).await;
        assert!(!html.contains("Post reply"), "no reply form on a locked topic");
        let (_, json) = app.anonymous_api().get(&format!("/api/v1/topics/{topic}")).await;
        assert_eq!(json["locked"], true);
        assert_eq!(json["posts"].as_array().unwrap().len(), 1, "nothing was stored");

        let mod_api = app.api_client("mod").await;
        assert_eq!(mod_api.post(&format!("/api/v1/topics/{topic}/unlock"), json!({})).await.0, StatusCode::NO_CONTENT);
        let response = bob.submit(&format!("/t/{topic}/reply"), &[("body", "one more thing")]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let (_, html) = app.browser().page(&path).await;
        assert!(html.contains("one more thing"));
        assert!(!html.contains("This topic is locked"));

        assert_eq!(mod_api.post(&format!("/api/v1/topics/{topic}/lock"), json!({})).await.0, StatusCode::NO_CONTENT);
        let response = moderator.submit(&format!("/mod/topics/{topic}/unlock"), &[]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let (status, _) = bob_api.post(&format!("/api/v1/topics/{topic}/posts"), json!({"body": "again"})).await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, _) = mod_api.post(&format!("/api/v1/topics/{topic}/explode"), json!({})).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "unknown actions are refused");
    }

    async fn a_pinned_topic_is_listed_first_even_when_older(app) {
        app.member("alice", Role::Member).await;
        app.member("mod", Role::Moderator).await;
        app.category("general").await;
        let alice = app.api_client("alice").await;
        let old = app.topic_by(&alice, "general", "Community rules", "Be kind").await;
        app.topic_by(&alice, "general", "Fresh chatter", "What is new?").await;

        let reader = app.browser();
        let (_, home) = reader.page("/").await;
        assert!(position(&home, "Fresh chatter") < position(&home, "Community rules"), "latest first");

        let moderator = app.signed_in("mod").await;
        assert_eq!(moderator.submit(&format!("/mod/topics/{old}/pin"), &[]).await.status(), StatusCode::SEE_OTHER);
        let (_, home) = reader.page("/").await;
        assert!(position(&home, "Community rules") < position(&home, "Fresh chatter"), "pinned first");
        let (_, category) = reader.page("/c/general").await;
        assert!(position(&category, "Community rules") < position(&category, "Fresh chatter"));
        let (_, json) = app.anonymous_api().get("/api/v1/topics").await;
        assert_eq!(json["topics"][0]["id"], old);
        assert_eq!(json["topics"][0]["pinned"], true);

        let mod_api = app.api_client("mod").await;
        assert_eq!(mod_api.post(&format!("/api/v1/topics/{old}/unpin"), json!({})).await.0, StatusCode::NO_CONTENT);
        let (_, home) = reader.page("/").await;
        assert!(position(&home, "Fresh chatter") < position(&home, "Community rules"));
        assert_eq!(mod_api.post(&format!("/api/v1/topics/{old}/pin"), json!({})).await.0, StatusCode::NO_CONTENT);
        let (_, json) = app.anonymous_api().get("/api/v1/topics").await;
        assert_eq!(json["topics"][0]["id"], old);
    }

    async fn a_moved_topic_appears_in_its_new_category(app) {
        app.member("alice", Role::Member).await;
        app.member("mod", Role::Moderator).await;
        app.category("general").await;
        app.category("events").await;
        let alice = app.api_client("alice").await;
        let topic = app.topic_by(&alice, "general", "Meetup in Lyon", "Who comes?").await;
        let other = app.topic_by(&alice, "general", "Second meetup", "Later").await;

        let moderator = app.signed_in("mod").await;
        let (_, html) = moderator.page(&topic_path(&app, topic).await).await;
        assert!(html.contains("<option value=\"events\""), "staff get a move form");
        let response = moderator.submit(&format!("/mod/topics/{topic}/move"), &[("category", "events")]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);

        let reader = app.browser();
        let (_, events) = reader.page("/c/events").await;
        assert!(events.contains("Meetup in Lyon"), "{events}");
        let (_, general) = reader.page("/c/general").await;
        assert!(!general.contains("Meetup in Lyon"));
        let (_, json) = app.anonymous_api().get(&format!("/api/v1/topics/{topic}")).await;
        assert_eq!(json["category"], "events");

        let mod_api = app.api_client("mod").await;
        let (status, _) = mod_api.post(&format!("/api/v1/topics/{other}/move"), json!({"category": "events"})).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (_, json) = app.anonymous_api().get("/api/v1/topics?category=events").await;
        assert_eq!(json["topics"].as_array().unwrap().len(), 2);
        let (status, json) = mod_api.post(&format!("/api/v1/topics/{other}/move"), json!({"category": "nowhere"})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{json}");
        let alice_api_move = alice.post(&format!("/api/v1/topics/{other}/move"), json!({"category": "general"})).await;
        assert_eq!(alice_api_move.0, StatusCode::FORBIDDEN);
    }

    async fn a_suspended_member_cannot_post_until_the_suspension_is_lifted(app) {
        app.member("alice", Role::Member).await;
        app.member("bob", Role::Member).await;
        app.member("mod", Role::Moderator).await;
        app.member("boss", Role::Admin).await;
        app.category("general").await;
        let alice = app.api_client("alice").await;
        let topic = app.topic_by(&alice, "general", "Open thread", "Say hi").await;

        let moderator = app.signed_in("mod").await;
        let response = moderator
            .submit("/mod/suspend", &[("username", "bob"), ("days", "3"), ("reason", "cooling off")])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);

        let bob = app.signed_in("bob").await;
        let response = bob.submit(&format!("/t/{topic}/reply"), &[("body", "let me in")]).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let response = bob
            .submit("/new-topic", &[("category", "general"), ("title", "My topic"), ("body", "text")])
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let bob_api = app.api_client("bob").await;
        let (status, json) = bob_api.post(&format!("/api/v1/topics/{topic}/posts"), json!({"body": "via API"})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(json["error"].as_str().unwrap().contains("suspended"), "{json}");
        let (status, _) = bob_api
            .post("/api/v1/topics", json!({"category": "general", "title": "Sneaky", "body": "text"}))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (_, json) = app.anonymous_api().get(&format!("/api/v1/topics/{topic}")).await;
        assert_eq!(json["posts"].as_array().unwrap().len(), 1, "nothing was stored");

        // A moderator cannot suspend an admin (nor themselves); a member cannot suspend anyone.
        let response = moderator
            .submit("/mod/suspend", &[("username", "boss"), ("days", "3"), ("reason", "coup")])
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let mod_api = app.api_client("mod").await;
        let (status, _) = mod_api.post("/api/v1/members/boss/suspension", json!({"days": 3, "reason": "coup"})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = mod_api.post("/api/v1/members/mod/suspension", json!({"days": 3})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = alice.post("/api/v1/members/bob/suspension", json!({"days": 0})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = mod_api.post("/api/v1/members/nobody/suspension", json!({"days": 1})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let boss_api = app.api_client("boss").await;
        let boss_can_post = boss_api.post(&format!("/api/v1/topics/{topic}/posts"), json!({"body": "the admin is fine"})).await;
        assert_eq!(boss_can_post.0, StatusCode::CREATED);

        // Lifting with days = 0.
        let response = moderator
            .submit("/mod/suspend", &[("username", "bob"), ("days", "0"), ("reason", "served")])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let response = bob.submit(&format!("/t/{topic}/reply"), &[("body", "let me in")]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);

        // And through the API.
        let (status, _) = mod_api.post("/api/v1/members/bob/suspension", json!({"days": 1, "reason": "again"})).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = bob_api.post(&format!("/api/v1/topics/{topic}/posts"), json!({"body": "blocked"})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = mod_api.post("/api/v1/members/bob/suspension", json!({"days": 0})).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = bob_api.post(&format!("/api/v1/topics/{topic}/posts"), json!({"body": "free again"})).await;
        assert_eq!(status, StatusCode::CREATED);

        // An admin may suspend a moderator.
        let (status, _) = boss_api.post("/api/v1/members/mod/suspension", json!({"days": 1, "reason": "rest"})).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }

    async fn the_audit_log_lists_every_moderator_action_with_its_actor(app) {
        app.member("alice", Role::Member).await;
        app.member("bob", Role::Member).await;
        app.member("mod", Role::Moderator).await;
        app.category("general").await;
        app.category("events").await;
        let alice = app.api_client("alice").await;
        let topic = app.topic_by(&alice, "general", "Audited topic", "text").await;
        let post = post_id(&alice, topic, 1).await;

        let moderator = app.signed_in("mod").await;
        for action in ["hide", "unhide"] {
            assert_eq!(moderator.submit(&format!("/mod/posts/{post}/{action}"), &[]).await.status(), StatusCode::SEE_OTHER);
        }
        for action in ["lock", "unlock", "pin", "unpin"] {
            assert_eq!(moderator.submit(&format!("/mod/topics/{topic}/{action}"), &[]).await.status(), StatusCode::SEE_OTHER);
        }
        assert_eq!(moderator.submit(&format!("/mod/topics/{topic}/move"), &[("category", "events")]).await.status(), StatusCode::SEE_OTHER);
        assert_eq!(moderator.submit("/mod/suspend", &[("username", "bob"), ("days", "2"), ("reason", "rude")]).await.status(), StatusCode::SEE_OTHER);
        assert_eq!(moderator.submit("/mod/suspend", &[("username", "bob"), ("days", "0"), ("reason", "ok")]).await.status(), StatusCode::SEE_OTHER);

        let expected = [
            ("hide post", format!("post {post}")),
            ("unhide post", format!("post {post}")),
            ("lock topic", format!("topic {topic}")),
            ("unlock topic", format!("topic {topic}")),
            ("pin topic", format!("topic {topic}")),
            ("unpin topic", format!("topic {topic}")),
            ("move topic", format!("topic {topic}")),
            ("suspend member", "member bob".to_string()),
            ("lift suspension", "member bob".to_string()),
        ];
        let (status, audit) = moderator.page("/mod/audit").await;
        assert_eq!(status, StatusCode::OK);
        for (action, target) in &expected {
            let row = format!("<td>mod</td><td>{action}</td><td>{target}</td>");
            assert!(audit.contains(&row), "{row} missing from {audit}");
        }
        assert!(audit.contains("to events"), "the move's destination");
        assert!(audit.contains("2 days: rude"), "the suspension's length and reason");

        let mod_api = app.api_client("mod").await;
        let (status, json) = mod_api.get("/api/v1/audit").await;
        assert_eq!(status, StatusCode::OK);
        let entries = json["entries"].as_array().expect("entries");
        assert_eq!(entries.len(), expected.len(), "{json}");
        // Newest first.
        for ((action, target), entry) in expected.iter().rev().zip(entries) {
            assert_eq!(entry["actor"], "mod");
            assert_eq!(entry["action"], *action);
            assert_eq!(entry["target"], *target);
            assert!(entry["at"].as_str().is_some_and(|at| at.ends_with('Z')));
        }

        let bob = app.signed_in("bob").await;
        assert_eq!(bob.page("/mod/audit").await.0, StatusCode::FORBIDDEN);
        let bob_api = app.api_client("bob").await;
        assert_eq!(bob_api.get("/api/v1/audit").await.0, StatusCode::FORBIDDEN);
        assert_eq!(app.anonymous_api().get("/api/v1/audit").await.0, StatusCode::UNAUTHORIZED);
    }
}

/// With `first_posts_need_approval = 1`, a new member's first post waits in the queue.
async fn first_posts_wait_for_approval(backend: Backend) {
    let Some(app) = TestApp::start_with(backend, |s| s.first_posts_need_approval = 1).await else {
        return;
    };
    app.member("newbie", Role::Member).await;
    app.member("mod", Role::Moderator).await;
    app.category("general").await;
    let mod_api = app.api_client("mod").await;
    let topic = app
        .topic_by(&mod_api, "general", "Welcome thread", "Introduce yourself")
        .await;
    let path = topic_path(&app, topic).await;

    // The first reply waits.
    let newbie = app.signed_in("newbie").await;
    let response = newbie
        .submit(
            &format!("/t/{topic}/reply"),
            &[("body", "Hello from a newcomer")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let reader = app.browser();
    let (_, html) = reader.page(&path).await;
    assert!(!html.contains("Hello from a newcomer"), "{html}");
    let (_, json) = app
        .anonymous_api()
        .get(&format!("/api/v1/topics/{topic}"))
        .await;
    assert_eq!(json["posts"].as_array().unwrap().len(), 1, "{json}");
    let (_, own) = newbie.page(&path).await;
    assert!(
        own.contains("Hello from a newcomer"),
        "the author sees their post"
    );
    assert!(own.contains("waiting for a moderator"));

    // So does a first topic through the API.
    let newbie_api = app.api_client("newbie").await;
    let (status, created) = newbie_api
        .post(
            "/api/v1/topics",
            json!({"category": "general", "title": "My own topic", "body": "Pending body"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(created["awaiting_approval"], true);
    let pending_topic = created["id"].as_i64().unwrap();
    let (_, home) = reader.page("/").await;
    assert!(!home.contains("My own topic"), "{home}");
    assert!(home.contains("Welcome thread"));
    let (_, search) = reader.page("/search?q=newcomer").await;
    assert!(!search.contains("Hello from a newcomer"));
    let (_, sitemap) = reader.page("/sitemap.xml").await;
    assert!(
        !sitemap.contains(&format!("/t/{pending_topic}/")),
        "a waiting topic is not announced: {sitemap}"
    );
    let (status, pending_page) = reader
        .page(&format!("/t/{pending_topic}/my-own-topic"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not even the title shows");
    assert!(!pending_page.contains("Pending body") && !pending_page.contains("My own topic"));
    let (status, _) = app
        .anonymous_api()
        .get(&format!("/api/v1/topics/{pending_topic}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        reader
            .page(&format!("/t/{pending_topic}/feed.atom"))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (status, own_page) = newbie
        .page(&format!("/t/{pending_topic}/my-own-topic"))
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the author sees their waiting topic"
    );
    assert!(own_page.contains("Pending body"));
    let (_, feed) = reader.page("/feed.atom").await;
    assert!(!feed.contains("Pending body") && !feed.contains("newcomer"));

    // Both are in the queue.
    let moderator = app.signed_in("mod").await;
    let (_, queue) = moderator.page("/mod").await;
    assert!(queue.contains("Posts waiting for approval (2)"), "{queue}");
    assert!(queue.contains("Post by newbie"));
    assert!(queue.contains("Hello from a newcomer"));
    assert!(queue.contains("Pending body"));
    assert_eq!(newbie.page("/mod").await.0, StatusCode::FORBIDDEN);

    // Approving publishes.
    let reply_id = post_id(&mod_api, topic, 2).await;
    assert_eq!(
        newbie
            .submit(&format!("/mod/posts/{reply_id}/approve"), &[])
            .await
            .status(),
        StatusCode::FORBIDDEN,
        "authors cannot approve themselves"
    );
    let response = moderator
        .submit(&format!("/mod/posts/{reply_id}/approve"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, html) = reader.page(&path).await;
    assert!(html.contains("Hello from a newcomer"));
    let response = moderator
        .submit(&format!("/mod/posts/{reply_id}/approve"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT, "approved once");

    let first_of_pending = post_id(&mod_api, pending_topic, 1).await;
    let (status, _) = mod_api
        .post(
            &format!("/api/v1/posts/{first_of_pending}/approve"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, home) = reader.page("/").await;
    assert!(home.contains("My own topic"));
    let (_, sitemap) = reader.page("/sitemap.xml").await;
    assert!(sitemap.contains(&format!("/t/{pending_topic}/my-own-topic")));
    let (_, feed) = reader.page("/feed.atom").await;
    assert!(feed.contains("Pending body") && feed.contains("newcomer"));
    let (_, queue) = moderator.page("/mod").await;
    assert!(queue.contains("Posts waiting for approval (0)"));

    // Later posts are public at once.
    let response = newbie
        .submit(&format!("/t/{topic}/reply"), &[("body", "Second message")])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(location(&response).ends_with("#p3"));
    let (_, html) = reader.page(&path).await;
    assert!(html.contains("Second message"));
    let (status, created) = newbie_api
        .post(
            "/api/v1/topics",
            json!({"category": "general", "title": "Another topic", "body": "Public now"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(created["awaiting_approval"], false);
}

mod first_posts_need_approval {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        first_posts_wait_for_approval(Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        first_posts_wait_for_approval(Backend::Postgres).await;
    }
}

both_backends! {
    async fn a_moderator_works_the_queue_through_the_api(app) {
        app.member("alice", Role::Member).await;
        app.member("bob", Role::Member).await;
        app.member("mod", Role::Moderator).await;
        app.category("general").await;
        let alice = app.api_client("alice").await;
        let bob = app.api_client("bob").await;
        let moderator = app.api_client("mod").await;
        let topic = app.topic_by(&alice, "general", "Flag me", "questionable words").await;
        let post = post_id(&alice, topic, 1).await;
        let (_, flag) = bob.post(&format!("/api/v1/posts/{post}/flags"), json!({"reason": "rude"})).await;
        let flag = flag["id"].as_i64().unwrap();

        assert_eq!(bob.get("/api/v1/queue").await.0, StatusCode::FORBIDDEN, "members cannot read the queue");
        let (status, queue) = moderator.get("/api/v1/queue").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(queue["flags"][0]["reason"], "rude");
        assert!(queue["pending_posts"].as_array().unwrap().is_empty());

        let (status, _) = moderator.post(&format!("/api/v1/flags/{flag}/resolution"), json!({"resolution": "dismissed"})).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (_, queue) = moderator.get("/api/v1/queue").await;
        assert!(queue["flags"].as_array().unwrap().is_empty(), "a resolved flag leaves the queue");
        let (_, audit) = moderator.get("/api/v1/audit").await;
        assert_eq!(audit["entries"][0]["action"], "resolve flag");
        assert_eq!(audit["entries"][0]["detail"], "dismissed");
    }

    async fn an_admin_makes_a_category_only_moderators_start_topics_in(app) {
        app.member("admin", Role::Admin).await;
        app.member("alice", Role::Member).await;
        let admin = app.api_client("admin").await;
        let (status, _) = admin
            .post("/api/v1/categories", json!({"slug": "news", "name": "News", "min_role_to_post": "moderator"}))
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let alice = app.api_client("alice").await;
        let (status, _) = alice.post("/api/v1/topics", json!({"category": "news", "title": "My news", "body": "hi"})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = admin.post("/api/v1/topics", json!({"category": "news", "title": "Real news", "body": "hi"})).await;
        assert_eq!(status, StatusCode::CREATED);
        let (_, list) = alice.get("/api/v1/topics?category=news").await;
        assert_eq!(list["topics"][0]["unread"], true, "unread for alice until she reads it");
        let id = list["topics"][0]["id"].as_i64().unwrap();
        app.signed_in("alice").await.page(&format!("/t/{id}/real-news")).await;
        let (_, list) = alice.get("/api/v1/topics?category=news").await;
        assert_eq!(list["topics"][0]["unread"], false);
    }
}
