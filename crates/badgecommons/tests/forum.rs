//! The forum as members and readers use it: posting through the HTML forms, reading without an
//! account, quoting, editing with history, deleting and restoring, mentions, unread markers.

mod common;

use badgecommons::accounts::model::Role;
use common::location;
use reqwest::StatusCode;

both_backends! {
    async fn a_member_starts_a_topic_and_a_signed_out_reader_sees_it(app) {
        app.member("alice", Role::Member).await;
        app.category("general").await;
        let alice = app.signed_in("alice").await;
        let response = alice
            .submit("/new-topic", &[("category", "general"), ("title", "Hello commons"), ("body", "First **post** here")])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let permalink = location(&response);
        assert!(permalink.starts_with("/t/1/hello-commons#p1"), "{permalink}");

        let reader = app.browser();
        let (status, html) = reader.page("/t/1/hello-commons").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("<strong>post</strong>"));
        assert!(html.contains("class=\"post h-entry"), "posts are h-entries");
        assert!(html.contains("p-author h-card"));
        assert!(html.contains("id=\"p1\""));
        let (_, home) = reader.page("/").await;
        assert!(home.contains("Hello commons"));
        let (_, category) = reader.page("/c/general").await;
        assert!(category.contains("Hello commons"));
    }

    async fn a_reply_gets_the_next_number_and_a_permalink(app) {
        app.member("alice", Role::Member).await;
        app.member("bob", Role::Member).await;
        app.category("general").await;
        let alice = app.api_client("alice").await;
        let topic = app.topic_by(&alice, "general", "Numbers", "one").await;
        let bob = app.signed_in("bob").await;
        let response = bob.submit(&format!("/t/{topic}/reply"), &[("body", "two")]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&response), format!("/t/{topic}/numbers#p2"));
        let (_, html) = app.browser().page(&format!("/t/{topic}/numbers")).await;
        assert!(html.contains("id=\"p2\""));
        assert!(html.contains(">two</p>") || html.contains("<p>two</p>"));
    }

    async fn a_wrong_slug_redirects_to_the_permanent_address(app) {
        app.member("alice", Role::Member).await;
        app.category("general").await;
        let alice = app.api_client("alice").await;
        let topic = app.topic_by(&alice, "general", "Right title", "body").await;
        let response = app.browser().get(&format!("/t/{topic}/wrong")).await;
        assert_eq!(response.status(), StatusCode::PERMANENT_REDIRECT);
        assert_eq!(location(&response), format!("/t/{topic}/right-title"));
        let response = app.browser().get(&format!("/t/{topic}")).await;
        assert_eq!(location(&response), format!("/t/{topic}/right-title"));
    }

    async fn quoting_prefills_the_reply_with_the_quoted_post(app) {
        app.member("alice", Role::Member).await;
        app.member("bob", Role::Member).await;
        app.category("general").await;
        let alice = app.api_client("alice").await;
        let topic = app.topic_by(&alice, "general", "Quote me", "line one\nline two").await;
        let bob = app.signed_in("bob").await;
        let (status, html) = bob.page(&format!("/t/{topic}/quote-me/reply?quote=1")).await;
        assert_eq!(status, StatusCode::OK);
        // Askama escapes `>` as `&#62;` inside the textarea; the browser shows it as `>`.
        assert!(html.contains("&#62; **@alice** [wrote](/t/"), "{html}");
        assert!(html.contains("&#62; line two"));
    }

    async fn editing_keeps_the_earlier_version_in_a_visible_history(app) {
        app.member("alice", Role::Member).await;
        app.member("bob", Role::Member).await;
        app.category("general").await;
        let alice_api = app.api_client("alice").await;
        let topic = app.topic_by(&alice_api, "general", "Typos", "teh first version").await;
        let (_, json) = alice_api.get(&format!("/api/v1/topics/{topic}")).await;
        let post_id = json["posts"][0]["id"].as_i64().unwrap();

        let bob = app.signed_in("bob").await;
        let response = bob.submit(&format!("/p/{post_id}/edit"), &[("body", "vandalised")]).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "only the author edits");

        let alice = app.signed_in("alice").await;
        let response = alice.submit(&format!("/p/{post_id}/edit"), &[("title", "Typos fixed"), ("body", "the second version")]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let (_, html) = app.browser().page(&format!("/t/{topic}/typos-fixed")).await;
        assert!(html.contains("the second version"));
        assert!(html.contains("edited"));
        let (_, history) = app.browser().page(&format!("/p/{post_id}/history")).await;
        assert!(history.contains("teh first version"), "{history}");
        assert!(history.contains("the second version"));
    }

    async fn a_deleted_post_disappears_and_a_moderator_restores_it(app) {
        app.member("alice", Role::Member).await;
        app.member("mod", Role::Moderator).await;
        app.category("general").await;
        let alice_api = app.api_client("alice").await;
        let topic = app.topic_by(&alice_api, "general", "Regrets", "opening").await;
        let (_, posted) = alice_api.post(&format!("/api/v1/topics/{topic}/posts"), serde_json::json!({"body": "I regret this"})).await;
        let post_id = posted["id"].as_i64().unwrap();

        let alice = app.signed_in("alice").await;
        assert_eq!(alice.submit(&format!("/p/{post_id}/delete"), &[]).await.status(), StatusCode::SEE_OTHER);
        let (_, html) = app.browser().page(&format!("/t/{topic}/regrets")).await;
        assert!(!html.contains("I regret this"));
        assert!(html.contains("This post was deleted."));

        let response = alice.submit(&format!("/p/{post_id}/restore"), &[]).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "authors cannot undo a deletion");

        let moderator = app.signed_in("mod").await;
        assert_eq!(moderator.submit(&format!("/p/{post_id}/restore"), &[]).await.status(), StatusCode::SEE_OTHER);
        let (_, html) = app.browser().page(&format!("/t/{topic}/regrets")).await;
        assert!(html.contains("I regret this"));
    }

    async fn a_mention_notifies_the_member_named(app) {
        app.member("alice", Role::Member).await;
        app.member("bob", Role::Member).await;
        app.category("general").await;
        let alice = app.api_client("alice").await;
        let topic = app.topic_by(&alice, "general", "Calling Bob", "What do you think, @bob?").await;
        let bob = app.signed_in("bob").await;
        let (_, home) = bob.page("/").await;
        assert!(home.contains("aria-label=\"1 unread\""), "the header counts one unread notification");
        let (_, notes) = bob.page("/notifications").await;
        assert!(notes.contains("mentioned you in"));
        assert!(notes.contains(&format!("/t/{topic}/calling-bob#p1")));
        let (_, topic_html) = bob.page(&format!("/t/{topic}/calling-bob")).await;
        assert!(topic_html.contains("class=\"u-mention\" href=\"/u/bob\""));
    }

    async fn a_reply_notifies_the_topic_author(app) {
        app.member("alice", Role::Member).await;
        app.member("bob", Role::Member).await;
        app.category("general").await;
        let alice_api = app.api_client("alice").await;
        let bob_api = app.api_client("bob").await;
        let topic = app.topic_by(&alice_api, "general", "Ask me", "anything").await;
        bob_api.post(&format!("/api/v1/topics/{topic}/posts"), serde_json::json!({"body": "a question"})).await;
        let alice = app.signed_in("alice").await;
        let (_, notes) = alice.page("/notifications").await;
        assert!(notes.contains("replied to"), "{notes}");
    }

    async fn topics_with_new_posts_are_marked_unread_until_read(app) {
        app.member("alice", Role::Member).await;
        app.member("bob", Role::Member).await;
        app.category("general").await;
        let alice_api = app.api_client("alice").await;
        let topic = app.topic_by(&alice_api, "general", "Unread test", "first").await;
        let bob = app.signed_in("bob").await;
        let (_, home) = bob.page("/").await;
        assert!(home.contains("unread\" href=\"/t/"), "new topic is unread for bob");
        bob.page(&format!("/t/{topic}/unread-test")).await;
        let (_, home) = bob.page("/").await;
        assert!(!home.contains("unread\" href=\"/t/"), "read after visiting");
        alice_api.post(&format!("/api/v1/topics/{topic}/posts"), serde_json::json!({"body": "news"})).await;
        let (_, home) = bob.page("/").await;
        assert!(home.contains("unread\" href=\"/t/"), "unread again after a new reply");
        let (_, html) = bob.page(&format!("/t/{topic}/unread-test")).await;
        assert!(html.contains("<span class=\"badge\">new</span>"), "the new reply is marked");
    }

    async fn topic_lists_are_ordered_by_last_activity_and_paginated(app) {
        app.member("alice", Role::Member).await;
        app.category("general").await;
        let alice = app.api_client("alice").await;
        let mut ids = Vec::new();
        for i in 0..32 {
            ids.push(app.topic_by(&alice, "general", &format!("Topic number {i:02}"), "body").await);
        }
        // Reviving the oldest topic brings it to the top.
        alice.post(&format!("/api/v1/topics/{}/posts", ids[0]), serde_json::json!({"body": "bump"})).await;
        let reader = app.browser();
        let (_, first_page) = reader.page("/").await;
        let first = first_page.find("Topic number 00").expect("revived topic on page 1");
        let second = first_page.find("Topic number 31").unwrap_or_else(|| panic!("newest topic on page 1: {first_page}"));
        assert!(first < second, "most recent activity first");
        assert!(first_page.contains("rel=\"next\" href=\"/?page=2\""));
        let (_, second_page) = reader.page("/?page=2").await;
        assert!(second_page.contains("Topic number 01"));
        assert!(!second_page.contains("Topic number 00"));
    }

    async fn raw_html_and_scripts_in_markdown_are_neutralised(app) {
        app.member("alice", Role::Member).await;
        app.category("general").await;
        let alice = app.api_client("alice").await;
        let topic = app.topic_by(&alice, "general", "XSS", "<script>alert(1)</script>[x](javascript:alert(2)) <img src=x onerror=alert(3)>").await;
        let (_, html) = app.browser().page(&format!("/t/{topic}/xss")).await;
        assert!(!html.contains("<script>alert"));
        assert!(!html.contains("href=\"javascript:"));
        let start = html.find("class=\"e-content\">").expect("post body");
        let body = &html[start..start + html[start..].find("</div>").expect("end of body")];
        assert!(!body.contains("onerror"), "{body}");
        assert!(!body.contains("href=\"javascript:"), "{body}");
    }

    async fn a_signed_out_reader_sees_every_change_to_a_topic_at_once(app) {
        // Signed-out readers get a cached page; each change must still show on the next visit.
        app.member("alice", Role::Member).await;
        app.member("mod", Role::Moderator).await;
        app.category("general").await;
        app.category("other").await;
        let alice = app.api_client("alice").await;
        let moderator = app.api_client("mod").await;
        let topic = app.topic_by(&alice, "general", "Living topic", "original words").await;
        let reader = app.browser();
        let page = |slug: &'static str| format!("/t/{topic}/{slug}");
        assert!(reader.page(&page("living-topic")).await.1.contains("original words"));

        let (_, reply) = alice.post(&format!("/api/v1/topics/{topic}/posts"), serde_json::json!({"body": "a fresh reply"})).await;
        assert!(reader.page(&page("living-topic")).await.1.contains("a fresh reply"), "a new reply shows");

        let reply_id = reply["id"].as_i64().unwrap();
        alice.patch(&format!("/api/v1/posts/{reply_id}"), serde_json::json!({"body": "an edited reply"})).await;
        let html = reader.page(&page("living-topic")).await.1;
        assert!(html.contains("an edited reply") && !html.contains("a fresh reply"), "an edit shows");

        moderator.post(&format!("/api/v1/posts/{reply_id}/hide"), serde_json::json!({})).await;
        let html = reader.page(&page("living-topic")).await.1;
        assert!(!html.contains("an edited reply") && html.contains("hidden by a moderator"), "hiding shows");

        moderator.post(&format!("/api/v1/topics/{topic}/lock"), serde_json::json!({})).await;
        assert!(reader.page(&page("living-topic")).await.1.contains("This topic is locked"), "locking shows");

        moderator.post(&format!("/api/v1/topics/{topic}/move"), serde_json::json!({"category": "other"})).await;
        assert!(reader.page(&page("living-topic")).await.1.contains("href=\"/c/other\""), "moving shows");

        let first_id = alice.get(&format!("/api/v1/topics/{topic}")).await.1["posts"][0]["id"].as_i64().unwrap();
        // Locked now: only a moderator may still edit.
        moderator.patch(&format!("/api/v1/posts/{first_id}"), serde_json::json!({"title": "Renamed topic", "body": "new words"})).await;
        let (status, html) = reader.page(&page("renamed-topic")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("Renamed topic") && html.contains("new words"), "a new title shows");

        moderator.delete(&format!("/api/v1/posts/{first_id}")).await;
        assert_eq!(reader.page(&page("renamed-topic")).await.0, StatusCode::NOT_FOUND, "deleting the topic shows");
    }
}
