//! Badges awarded to an email address become a member's when they confirm that address by the
//! link sent to it — and never before: anyone can sign up with anyone's address.

mod common;

use badgecommons::accounts::model::Role;
use common::{TestApp, PASSWORD};
use reqwest::StatusCode;
use serde_json::json;
use sqlx::Row;

/// The confirmation links written to the outbox for `address`, oldest first.
async fn links_sent_to(app: &TestApp, address: &str) -> Vec<String> {
    sqlx::query("SELECT body FROM email_outbox WHERE recipient = $1 ORDER BY id")
        .bind(address)
        .fetch_all(app.db.pool())
        .await
        .expect("outbox")
        .iter()
        .filter_map(|row| {
            let body: String = row.try_get("body").ok()?;
            let start = body.find("/confirm-email?token=")?;
            let link = body[start..].split_whitespace().next()?.to_owned();
            Some(link)
        })
        .collect()
}

async fn award_to(app: &TestApp, api: &common::Api, class: i64, email: &str) -> String {
    let (status, body) = api
        .post(
            &format!("/api/v1/badges/{class}/awards"),
            json!({ "email": email }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let _ = app;
    body["id"].as_str().expect("id").to_owned()
}

both_backends! {
    async fn awards_to_an_address_are_claimed_when_its_owner_confirms_it(app) {
        app.member("ada", Role::Admin).await;
        let api = app.api_client("ada").await;
        let (_, class) = api
            .post("/api/v1/badges", json!({"name": "Early bird", "description": "Came early.", "criteria": "Be early."}))
            .await;
        let class = class["id"].as_i64().expect("id");
        let before = award_to(&app, &api, class, "later@example.org").await;

        // Someone signs up with that address: until the address is confirmed, nothing is theirs.
        let owner = app.browser();
        let response = owner
            .submit("/signup", &[("username", "owner"), ("email", "LATER@example.org"), ("password", PASSWORD)])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let (_, profile) = app.browser().page("/u/owner").await;
        assert!(!profile.contains(&before), "an unconfirmed address claims nothing");
        let (_, account) = owner.page("/account").await;
        assert!(account.contains("is not confirmed yet") && account.contains("Send the link again"));
        // Awards to an unconfirmed address stay unclaimed too.
        let during = award_to(&app, &api, class, "later@example.org").await;
        let (_, profile) = app.browser().page("/u/owner").await;
        assert!(!profile.contains(&during));

        // The link, sent to the address, is the proof of control: following it makes both badges
        // the account's.
        let links = links_sent_to(&app, "LATER@example.org").await;
        assert_eq!(links.len(), 1, "one message in the outbox");
        let reader = app.browser();
        let (status, page) = reader.page(&links[0]).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains("Early bird") && page.contains(&before) && page.contains(&during), "{page}");
        let (_, profile) = app.browser().page("/u/owner").await;
        assert!(profile.contains(&before) && profile.contains(&during));
        let (_, notifications) = owner.page("/notifications").await;
        assert_eq!(notifications.matches("awarded you the badge").count(), 2, "{notifications}");

        // A link works once.
        let (status, _) = reader.page(&links[0]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        // From now on, awards to the address are the member's at once.
        let after = award_to(&app, &api, class, "later@example.org").await;
        let (_, profile) = app.browser().page("/u/owner").await;
        assert!(profile.contains(&after));
        let (_, account) = owner.page("/account").await;
        assert!(account.contains("is confirmed"));
    }

    async fn links_can_be_sent_again_and_expire(app) {
        let member = app.browser();
        member
            .submit("/signup", &[("username", "newbie"), ("email", "newbie@example.org"), ("password", PASSWORD)])
            .await;
        let response = member.submit("/account/confirm-email", &[]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let (_, account) = member.page("/account?confirmation=sent").await;
        assert!(account.contains("A new confirmation link is on its way"));
        let links = links_sent_to(&app, "newbie@example.org").await;
        assert_eq!(links.len(), 2);

        // A week-old link no longer works; the newer one does.
        sqlx::query("UPDATE email_confirmations SET created_at = created_at - $1")
            .bind(8 * 24 * 3600 * 1000_i64)
            .execute(app.db.pool())
            .await
            .expect("age the links");
        let (status, page) = member.page(&links[1]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("older than a week"), "{page}");
        let (status, _) = member.page("/confirm-email?token=made-up").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (status, _) = member.page("/confirm-email").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

        // Members made by an admin are confirmed: nothing to send.
        app.member("vouched", Role::Member).await;
        let vouched = app.signed_in("vouched").await;
        let response = vouched.submit("/account/confirm-email", &[]).await;
        assert_eq!(response.status(), StatusCode::CONFLICT);
    }
}
