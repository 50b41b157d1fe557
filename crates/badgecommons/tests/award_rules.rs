//! Award rules and thanks: members thank each other's posts (pages and API, once per post, never
//! their own); admins set rules that award badges automatically when members post, get thanked or
//! stay long enough; rules back-fill existing members, can be disabled, and never award twice,
//! even when two evaluations race. The awards they make verify as real Open Badges.

mod common;

use std::time::Duration;

use badgecommons::accounts::model::Role;
use badgecommons::net::{parse_allow_list, FetchPolicy, GuardedClient};
use badgecommons::recognition::rules;
use badgecommons::store::{now, DAY_MS};
use badgecommons::web::AppState;
use common::{location, Api, TestApp};
use openbadges::verify::{self, Options};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::Row;

/// An AppState on the test app's database and keys, for calling the evaluation directly.
fn state_of(app: &TestApp) -> AppState {
    let mut settings = common::test_settings(&app.database_url, &app.data_dir);
    settings.public_url = app.base.clone();
    AppState::new(app.db.clone(), settings).expect("app state")
}

/// An admin (ada) with an API client, a badge class made through the API, and a category.
async fn setup(app: &TestApp, badge: &str) -> (Api, i64) {
    app.member("ada", Role::Admin).await;
    app.category("general").await;
    let api = app.api_client("ada").await;
    let (status, body) = api
        .post(
            "/api/v1/badges",
            json!({"name": badge, "description": "Given by a rule.", "criteria": "Do the thing."}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    (api, body["id"].as_i64().expect("badge id"))
}

async fn create_rule(admin: &Api, class: i64, kind: &str, threshold: i64) -> i64 {
    let (status, body) = admin
        .post(
            "/api/v1/rules",
            json!({"badge_class_id": class, "kind": kind, "threshold": threshold}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["kind"], kind);
    body["id"].as_i64().expect("rule id")
}

async fn user_id(app: &TestApp, username: &str) -> i64 {
    sqlx::query("SELECT id FROM users WHERE username = $1")
        .bind(username)
        .fetch_one(app.db.pool())
        .await
        .expect("user")
        .try_get("id")
        .expect("id")
}

/// How many awards `rule` made to `username`.
async fn awards_by(app: &TestApp, rule: i64, username: &str) -> i64 {
    let user = user_id(app, username).await;
    sqlx::query("SELECT COUNT(*) AS n FROM awards WHERE rule_id = $1 AND recipient_user_id = $2")
        .bind(rule)
        .bind(user)
        .fetch_one(app.db.pool())
        .await
        .expect("count")
        .try_get("n")
        .expect("n")
}

/// Waits (boundedly) for a background back-fill to make `expected` awards of `rule` to `username`.
async fn eventually_awarded(app: &TestApp, rule: i64, username: &str, expected: i64) {
    for _ in 0..200 {
        if awards_by(app, rule, username).await == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "rule {rule} made {} awards to {username}, expected {expected}",
        awards_by(app, rule, username).await
    );
}

/// The ids of a topic's posts, in order.
async fn post_ids(api: &Api, topic: i64) -> Vec<i64> {
    let (status, body) = api.get(&format!("/api/v1/topics/{topic}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["posts"]
        .as_array()
        .expect("posts")
        .iter()
        .map(|p| p["id"].as_i64().expect("post id"))
        .collect()
}

async fn reply(api: &Api, topic: i64, body: &str) -> i64 {
    let (status, json) = api
        .post(
            &format!("/api/v1/topics/{topic}/posts"),
            json!({ "body": body }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{json}");
    json["id"].as_i64().expect("post id")
}

fn loopback_fetcher() -> GuardedClient {
    GuardedClient::new(FetchPolicy {
        allow: parse_allow_list("127.0.0.0/8").expect("allow list"),
        ..FetchPolicy::default()
    })
    .expect("client")
}

both_backends! {
    async fn members_thank_posts_through_the_page_and_the_api(app) {
        app.category("general").await;
        app.member("alice", Role::Member).await;
        app.member("bob", Role::Member).await;
        app.member("carol", Role::Member).await;
        let alice = app.api_client("alice").await;
        let topic = app.topic_by(&alice, "general", "Thank you notes", "A post worth thanks.").await;
        let bob_api = app.api_client("bob").await;
        let bob_post = reply(&bob_api, topic, "And a reply.").await;
        let alice_post = post_ids(&alice, topic).await[0];
        let path = format!("/t/{topic}/thank-you-notes");

        // The page offers bob a Thank button on alice's post, not on his own.
        let bob = app.signed_in("bob").await;
        let (_, html) = bob.page(&path).await;
        assert!(html.contains(&format!("action=\"/p/{alice_post}/thank\"")), "{html}");
        assert!(!html.contains(&format!("action=\"/p/{bob_post}/thank\"")), "no thanks for oneself");
        let response = bob.submit(&format!("/p/{alice_post}/thank"), &[]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&response), format!("{path}#p1"));
        // Twice is once.
        let response = bob.submit(&format!("/p/{alice_post}/thank"), &[]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let (_, html) = bob.page(&path).await;
        assert!(html.contains("Thanked by 1 member<"), "{html}");
        assert!(html.contains(&format!("action=\"/p/{alice_post}/unthank\"")), "{html}");
        // Own post refused, and a form without CSRF token too.
        let response = bob.submit(&format!("/p/{bob_post}/thank"), &[]).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let response = bob.submit_without_csrf(&format!("/p/{alice_post}/thank"), &[]).await;
        assert!(response.status().is_client_error());
        // Signed-out readers see the count too (the cached page follows it).
        let (_, html) = app.browser().page(&path).await;
        assert!(html.contains("Thanked by 1 member<"), "{html}");

        // The API: 201 when new, 200 when given already, 403 for one's own post.
        let carol = app.api_client("carol").await;
        let thanks = format!("/api/v1/posts/{alice_post}/thanks");
        let (status, body) = carol.post(&thanks, json!({})).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["thanks"], 2);
        let (status, body) = carol.post(&thanks, json!({})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["thanks"], 2);
        let (status, body) = alice.post(&thanks, json!({})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(body["error"].as_str().unwrap_or("").contains("your own post"), "{body}");
        let (status, _) = app.anonymous_api().post(&thanks, json!({})).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = carol.post("/api/v1/posts/999999/thanks", json!({})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, detail) = alice.get(&format!("/api/v1/topics/{topic}")).await;
        assert_eq!(detail["posts"][0]["thanks"], 2, "{detail}");
        assert_eq!(detail["posts"][1]["thanks"], 0, "{detail}");
        let (_, html) = app.browser().page(&path).await;
        assert!(html.contains("Thanked by 2 members<"), "{html}");

        // Taking it back, through the API (twice is fine) and the page.
        let (status, body) = carol.delete(&thanks).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        let (status, _) = carol.delete(&thanks).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let response = bob.submit(&format!("/p/{alice_post}/unthank"), &[]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let (_, html) = bob.page(&path).await;
        assert!(!html.contains("Thanked by"), "{html}");
        assert!(html.contains(&format!("action=\"/p/{alice_post}/thank\"")), "{html}");
        let (_, detail) = alice.get(&format!("/api/v1/topics/{topic}")).await;
        assert_eq!(detail["posts"][0]["thanks"], 0, "{detail}");
    }

    async fn a_first_post_rule_made_on_the_admin_page_awards_once_and_verifies(app) {
        let (_, class) = setup(&app, "First words").await;
        app.member("mei", Role::Member).await;
        let ada = app.signed_in("ada").await;
        let (status, html) = ada.page("/admin/rules").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("No rules yet") && html.contains("First words"), "{html}");
        let class_text = class.to_string();
        let response = ada
            .submit("/admin/rules", &[("badge_class_id", &class_text), ("kind", "first_post"), ("threshold", "1")])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&response), "/admin/rules");
        let (_, html) = ada.page("/admin/rules").await;
        assert!(html.contains("Members who wrote their first post"), "{html}");
        let rule: i64 = sqlx::query("SELECT id FROM award_rules")
            .fetch_one(app.db.pool()).await.expect("rule").try_get("id").expect("id");

        // Bad input is refused on the page with the reason.
        let response = ada
            .submit("/admin/rules", &[("badge_class_id", &class_text), ("kind", "posts"), ("threshold", "1")])
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = response.text().await.expect("page");
        assert!(html.contains("Unknown rule kind") && html.contains("first_post, replies"), "{html}");
        let response = ada
            .submit("/admin/rules", &[("badge_class_id", &class_text), ("kind", "replies"), ("threshold", "many")])
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);

        // mei's first post earns the badge; the second changes nothing.
        let mei = app.api_client("mei").await;
        let topic = app.topic_by(&mei, "general", "Hello everyone", "My first post.").await;
        assert_eq!(awards_by(&app, rule, "mei").await, 1);
        reply(&mei, topic, "My second post.").await;
        assert_eq!(awards_by(&app, rule, "mei").await, 1);

        let row = sqlx::query("SELECT id, narrative, awarded_by FROM awards WHERE rule_id = $1")
            .bind(rule)
            .fetch_one(app.db.pool()).await.expect("award");
        let id: String = row.try_get("id").expect("id");
        let narrative: String = row.try_get("narrative").expect("narrative");
        let awarded_by: Option<i64> = row.try_get("awarded_by").expect("awarded_by");
        assert_eq!(narrative, "Awarded automatically: wrote their first post.");
        assert_eq!(awarded_by, None);

        // A real Open Badge, for mei.
        let credential = reqwest::get(app.url(&format!("/credentials/{id}.json")))
            .await.expect("get").bytes().await.expect("bytes");
        let options = Options { recipient: Some("mei@example.org".into()), ..Options::default() };
        let report = verify::verify_bytes(&credential, &options, &loopback_fetcher()).await;
        let failing: Vec<_> = report.checks.iter().filter(|c| c.status == verify::Status::Fail).map(|c| format!("{}: {}", c.id, c.message)).collect();
        assert!(report.valid, "{failing:#?}");
        assert_eq!(report.summary.achievement_name.as_deref(), Some("First words"));
        // mei is told.
        let (_, notes) = mei.get("/api/v1/notifications").await;
        assert!(notes.to_string().contains(&id), "{notes}");
        // The page lists the award count.
        let (_, rules_list) = app.api_client("ada").await.get("/api/v1/rules").await;
        assert_eq!(rules_list["rules"][0]["awards"], 1, "{rules_list}");
    }

    async fn thanks_received_and_replies_rules_fire_at_their_threshold(app) {
        let (admin, class) = setup(&app, "Appreciated").await;
        let thanked = create_rule(&admin, class, "thanks_received", 2).await;
        let replies = create_rule(&admin, class, "replies", 2).await;
        let topic_replies = create_rule(&admin, class, "topic_replies", 3).await;
        for name in ["alice", "bob", "carol"] {
            app.member(name, Role::Member).await;
        }
        let alice = app.api_client("alice").await;
        let bob = app.api_client("bob").await;
        let carol = app.api_client("carol").await;
        let topic = app.topic_by(&alice, "general", "Worth thanking", "Read this.").await;
        let first = post_ids(&alice, topic).await[0];
        let thanks = format!("/api/v1/posts/{first}/thanks");

        let (status, _) = bob.post(&thanks, json!({})).await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(awards_by(&app, thanked, "alice").await, 0, "one thanks is not two");
        let (status, _) = carol.post(&thanks, json!({})).await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(awards_by(&app, thanked, "alice").await, 1, "the second thanks fires");
        // Taking back and giving again does not award twice.
        carol.delete(&thanks).await;
        carol.post(&thanks, json!({})).await;
        assert_eq!(awards_by(&app, thanked, "alice").await, 1);

        // Replies: bob's second reply fires; alice's topic fires at its third reply.
        reply(&bob, topic, "One.").await;
        assert_eq!(awards_by(&app, replies, "bob").await, 0);
        reply(&bob, topic, "Two.").await;
        assert_eq!(awards_by(&app, replies, "bob").await, 1);
        assert_eq!(awards_by(&app, topic_replies, "alice").await, 0);
        reply(&carol, topic, "Three.").await;
        assert_eq!(awards_by(&app, topic_replies, "alice").await, 1);
        assert_eq!(awards_by(&app, topic_replies, "carol").await, 0);
        reply(&bob, topic, "Four.").await;
        assert_eq!(awards_by(&app, replies, "bob").await, 1);
        assert_eq!(awards_by(&app, topic_replies, "alice").await, 1);
        let narrative: String = sqlx::query("SELECT narrative FROM awards WHERE rule_id = $1")
            .bind(topic_replies)
            .fetch_one(app.db.pool()).await.expect("award").try_get("narrative").expect("n");
        assert_eq!(narrative, "Awarded automatically: started a topic that reached 3 replies.");
    }

    async fn a_new_rule_back_fills_members_who_already_qualify(app) {
        let (admin, class) = setup(&app, "Regular").await;
        app.member("alice", Role::Member).await;
        app.member("bob", Role::Member).await;
        app.member("quiet", Role::Member).await;
        let alice = app.api_client("alice").await;
        let bob = app.api_client("bob").await;
        let topic = app.topic_by(&alice, "general", "Before the rules", "Early words.").await;
        reply(&bob, topic, "Early reply.").await;
        reply(&bob, topic, "Another early reply.").await;

        let first_post = create_rule(&admin, class, "first_post", 1).await;
        let replies = create_rule(&admin, class, "replies", 2).await;
        eventually_awarded(&app, first_post, "alice", 1).await;
        eventually_awarded(&app, first_post, "bob", 1).await;
        eventually_awarded(&app, replies, "bob", 1).await;
        assert_eq!(awards_by(&app, replies, "alice").await, 0);
        assert_eq!(awards_by(&app, first_post, "quiet").await, 0);
        // A second pass over everyone changes nothing.
        let state = state_of(&app);
        assert_eq!(rules::backfill_member_days(&state).await.expect("pass"), 0);
        for name in ["alice", "bob", "quiet"] {
            let made = rules::evaluate_member(&state, user_id(&app, name).await).await.expect("evaluate");
            assert!(made.is_empty(), "{name} got a second award");
        }
    }

    async fn member_days_rules_award_long_standing_members(app) {
        let (admin, class) = setup(&app, "Old timer").await;
        app.member("veteran", Role::Member).await;
        app.member("newcomer", Role::Member).await;
        sqlx::query("UPDATE users SET created_at = $1 WHERE username = $2")
            .bind(now() - 40 * DAY_MS)
            .bind("veteran")
            .execute(app.db.pool()).await.expect("age veteran");

        let rule = create_rule(&admin, class, "member_days", 30).await;
        eventually_awarded(&app, rule, "veteran", 1).await;
        assert_eq!(awards_by(&app, rule, "newcomer").await, 0);

        // Time passes for the newcomer; the periodic pass awards them.
        sqlx::query("UPDATE users SET created_at = $1 WHERE username = $2")
            .bind(now() - 31 * DAY_MS)
            .bind("newcomer")
            .execute(app.db.pool()).await.expect("age newcomer");
        let state = state_of(&app);
        assert_eq!(rules::backfill_member_days(&state).await.expect("pass"), 1);
        assert_eq!(awards_by(&app, rule, "newcomer").await, 1);
        assert_eq!(awards_by(&app, rule, "veteran").await, 1);
        let narrative: String = sqlx::query("SELECT narrative FROM awards WHERE rule_id = $1 LIMIT 1")
            .bind(rule)
            .fetch_one(app.db.pool()).await.expect("award").try_get("narrative").expect("n");
        assert_eq!(narrative, "Awarded automatically: has been a member for 30 days.");

        // The server's periodic task evaluates at start: an elder joins it.
        app.member("elder", Role::Member).await;
        sqlx::query("UPDATE users SET created_at = $1 WHERE username = $2")
            .bind(now() - 400 * DAY_MS)
            .bind("elder")
            .execute(app.db.pool())
            .await
            .expect("age elder");
        let periodic = rules::spawn_periodic(state.clone());
        eventually_awarded(&app, rule, "elder", 1).await;
        periodic.abort();
        assert_eq!(awards_by(&app, rule, "veteran").await, 1);
    }

    async fn disabled_rules_and_feature_less_kinds_do_not_fire(app) {
        let (admin, class) = setup(&app, "Never").await;
        let by_api = create_rule(&admin, class, "first_post", 1).await;
        let (status, body) = admin.post(&format!("/api/v1/rules/{by_api}/disable"), json!({})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body["disabled_at"].is_string(), "{body}");
        let by_page = create_rule(&admin, class, "replies", 1).await;
        let ada = app.signed_in("ada").await;
        let response = ada.submit(&format!("/admin/rules/{by_page}/disable"), &[]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let (_, html) = ada.page("/admin/rules").await;
        assert!(html.contains("Disabled"), "{html}");
        let site = create_rule(&admin, class, "personal_site", 1).await;
        let decision = create_rule(&admin, class, "decision", 1).await;
        let (status, _) = admin.post("/api/v1/rules/999999/disable", json!({})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        app.member("mei", Role::Member).await;
        let mei = app.api_client("mei").await;
        let topic = app.topic_by(&mei, "general", "Nothing to win", "A post.").await;
        reply(&mei, topic, "A reply.").await;
        let state = state_of(&app);
        let mei_id = user_id(&app, "mei").await;
        rules::after_personal_site_connected(&state, mei_id).await;
        rules::after_decision_participation(&state, mei_id).await;
        for rule in [by_api, by_page, site, decision] {
            assert_eq!(awards_by(&app, rule, "mei").await, 0, "rule {rule}");
        }

        // Bad rules are refused with the reason.
        let cases = [
            (json!({"badge_class_id": class, "kind": "posts", "threshold": 1}), "Unknown rule kind"),
            (json!({"badge_class_id": class, "kind": "replies", "threshold": 0}), "between 1 and"),
            (json!({"badge_class_id": class, "kind": "replies"}), "needs a threshold"),
            (json!({"badge_class_id": class, "kind": "first_post", "threshold": 5}), "no threshold"),
            (json!({"badge_class_id": 999999, "kind": "first_post"}), "no badge class 999999"),
        ];
        for (body, words) in cases {
            let (status, answer) = admin.post("/api/v1/rules", body.clone()).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body} → {answer}");
            assert!(answer["error"].as_str().unwrap_or("").contains(words), "{body} → {answer}");
        }
    }

    async fn only_admins_manage_rules(app) {
        let (admin, class) = setup(&app, "Guarded").await;
        let rule = create_rule(&admin, class, "first_post", 1).await;
        app.member("linus", Role::Member).await;
        app.member("grace", Role::Moderator).await;
        for name in ["linus", "grace"] {
            let browser = app.signed_in(name).await;
            let (status, _) = browser.page("/admin/rules").await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{name}");
            let response = browser
                .submit("/admin/rules", &[("badge_class_id", &class.to_string()), ("kind", "first_post")])
                .await;
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{name}");
            let response = browser.submit(&format!("/admin/rules/{rule}/disable"), &[]).await;
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{name}");
            let api = app.api_client(name).await;
            let (status, _) = api.get("/api/v1/rules").await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{name}");
            let (status, _) = api
                .post("/api/v1/rules", json!({"badge_class_id": class, "kind": "first_post"}))
                .await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{name}");
            let (status, _) = api.post(&format!("/api/v1/rules/{rule}/disable"), json!({})).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{name}");
        }
        let (status, _) = app.anonymous_api().get("/api/v1/rules").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (_, body) = admin.get("/api/v1/rules").await;
        assert_eq!(body["rules"][0]["disabled_at"], Value::Null, "{body}");
        let (status, _) = app.browser().page("/admin/rules").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }

    async fn concurrent_evaluations_award_once(app) {
        let (_, class) = setup(&app, "Racy").await;
        app.member("mei", Role::Member).await;
        let mei = app.api_client("mei").await;
        let topic = app.topic_by(&mei, "general", "Before any rule", "A post.").await;
        reply(&mei, topic, "A reply.").await;
        // Rules written straight into the table: no back-fill runs, so only the two calls race.
        let mut rule_ids = Vec::new();
        for kind in ["first_post", "replies", "member_days"] {
            let threshold = if kind == "member_days" { 0 } else { 1 };
            let id: i64 = sqlx::query(
                "INSERT INTO award_rules (badge_class_id, kind, threshold, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(class).bind(kind).bind(threshold).bind(now())
            .fetch_one(app.db.pool()).await.expect("rule").try_get("id").expect("id");
            rule_ids.push(id);
        }
        let state = state_of(&app);
        let mei_id = user_id(&app, "mei").await;
        for _ in 0..3 {
            let (one, two) = tokio::join!(
                rules::evaluate_member(&state, mei_id),
                rules::evaluate_member(&state, mei_id)
            );
            let made = one.expect("first evaluation").len() + two.expect("second evaluation").len();
            assert!(made <= rule_ids.len(), "{made} awards");
        }
        for rule in rule_ids {
            assert_eq!(awards_by(&app, rule, "mei").await, 1, "rule {rule}");
        }
    }
}

/// A first post that waits for a moderator's approval earns nothing until it is approved.
async fn an_approved_first_post_fires_its_rule(backend: common::Backend) {
    let Some(app) =
        TestApp::start_with(backend, |settings| settings.first_posts_need_approval = 1).await
    else {
        return;
    };
    let (admin, class) = setup(&app, "Welcome").await;
    let rule = create_rule(&admin, class, "first_post", 1).await;
    app.member("newbie", Role::Member).await;
    let newbie = app.api_client("newbie").await;
    let (status, body) = newbie
        .post(
            "/api/v1/topics",
            json!({"category": "general", "title": "Waiting here", "body": "Hello?"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["awaiting_approval"], true, "{body}");
    let topic = body["id"].as_i64().expect("topic id");
    assert_eq!(awards_by(&app, rule, "newbie").await, 0);
    let post = post_ids(&admin, topic).await[0];
    let (status, body) = admin
        .post(&format!("/api/v1/posts/{post}/approve"), json!({}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(awards_by(&app, rule, "newbie").await, 1);
}

mod approval {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::an_approved_first_post_fires_its_rule(super::common::Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::an_approved_first_post_fires_its_rule(super::common::Backend::Postgres).await;
    }
}
