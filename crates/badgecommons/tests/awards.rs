//! The community issues real Open Badges: awards made through the API and the forms are signed
//! OB 3.0 credentials (did:web of the instance) and OB 2.0 hosted assertions that verify with
//! `openbadges` fetching from the running instance, bake into images, and revoke within one
//! request.

mod common;

use badgecommons::accounts::model::Role;
use badgecommons::net::{parse_allow_list, FetchPolicy, GuardedClient};
use common::{location, TestApp};
use openbadges::verify::{self, Options};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A verifier that may fetch from the test instance on loopback (did:web over plain HTTP too).
fn loopback_fetcher() -> GuardedClient {
    GuardedClient::new(FetchPolicy {
        allow: parse_allow_list("127.0.0.0/8").expect("allow list"),
        ..FetchPolicy::default()
    })
    .expect("client")
}

async fn verify_credential(bytes: &[u8], recipient: Option<&str>) -> verify::Report {
    let options = Options {
        recipient: recipient.map(str::to_owned),
        ..Options::default()
    };
    verify::verify_bytes(bytes, &options, &loopback_fetcher()).await
}

fn options_for(recipient: &str) -> Options {
    Options {
        recipient: Some(recipient.to_owned()),
        ..Options::default()
    }
}

fn failing(report: &verify::Report) -> Vec<String> {
    report
        .checks
        .iter()
        .filter(|c| c.status == verify::Status::Fail)
        .map(|c| format!("{}: {}", c.id, c.message))
        .collect()
}

/// An admin's API client and a badge class made through the API; returns (api, class id).
async fn badge_class(app: &TestApp, name: &str) -> (common::Api, i64) {
    app.member("ada", Role::Admin).await;
    let api = app.api_client("ada").await;
    let (status, body) = api
        .post(
            "/api/v1/badges",
            json!({"name": name, "description": "Helps others in the forum.", "criteria": "Answer **ten** questions."}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    (api, body["id"].as_i64().expect("id"))
}

both_backends! {
    async fn an_award_is_a_signed_credential_that_verifies_against_the_instance(app) {
        let (api, class) = badge_class(&app, "Helper").await;
        app.member("mei", Role::Member).await;
        let (status, body) = api
            .post(&format!("/api/v1/badges/{class}/awards"), json!({
                "username": "mei",
                "narrative": "Answered twelve questions in a week.",
                "evidence": ["https://example.org/t/1", {"url": "https://example.org/t/2", "name": "The long answer"}]
            }))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let url = body["url"].as_str().expect("url").to_owned();
        let id = body["id"].as_str().expect("id").to_owned();
        assert_eq!(url, app.url(&format!("/credentials/{id}")));

        let client = reqwest::Client::new();
        let credential: Value = client
            .get(&url)
            .header("accept", "application/vc+ld+json")
            .send().await.expect("get").json().await.expect("json");
        assert_eq!(credential["type"], json!(["VerifiableCredential", "OpenBadgeCredential"]));
        let did = credential["issuer"]["id"].as_str().expect("issuer id");
        assert!(did.starts_with("did:web:127.0.0.1%3A"), "{did}");
        assert_eq!(credential["credentialSubject"]["achievement"]["name"], "Helper");
        assert_eq!(credential["credentialStatus"]["type"], "BitstringStatusListEntry");
        assert_eq!(credential["evidence"].as_array().map(Vec::len), Some(3), "{credential:#}");
        // The recipient's address is published only as a salted hash.
        assert!(!credential.to_string().contains("mei@"), "{credential}");

        let bytes = credential.to_string().into_bytes();
        let report = verify_credential(&bytes, Some("mei@example.org")).await;
        assert!(report.valid, "{:#?}", failing(&report));
        assert_eq!(report.summary.issuer_id.as_deref(), Some(did));
        // Same document at the .json URL.
        let again: Value = client.get(format!("{url}.json")).send().await.expect("get").json().await.expect("json");
        assert_eq!(again, credential);

        // The DID document lists the key that signed it.
        let did_doc: Value = client.get(app.url("/.well-known/did.json")).send().await.expect("get").json().await.expect("json");
        assert_eq!(did_doc["id"], did);
        let method = credential["proof"]["verificationMethod"].as_str().expect("vm");
        assert!(did_doc["assertionMethod"].as_array().expect("methods").iter().any(|m| m == method));
    }

    async fn the_ob2_assertion_passes_hosted_verification(app) {
        let (api, class) = badge_class(&app, "Welcomer").await;
        let (status, body) = api
            .post(&format!("/api/v1/badges/{class}/awards"), json!({"email": "Guest@Example.org", "name": "A guest"}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let id = body["id"].as_str().expect("id").to_owned();
        let ob2_url = app.url(&format!("/credentials/{id}/ob2.json"));

        let options = Options { recipient: Some("guest@example.org".into()), ..Options::default() };
        let report = verify::verify_url(&ob2_url, &options, &loopback_fetcher()).await;
        assert!(report.valid, "{:#?}", failing(&report));
        assert_eq!(report.summary.achievement_name.as_deref(), Some("Welcomer"));

        // Content negotiation: ld+json is sent to the OB 2.0 assertion (whose id is its own
        // URL), browsers get the page; the negotiated URL verifies too.
        let report = verify::verify_url(&app.url(&format!("/credentials/{id}")), &options_for("guest@example.org"), &loopback_fetcher()).await;
        assert!(report.valid, "{:#?}", failing(&report));
        let client = reqwest::Client::new();
        let negotiated: Value = client
            .get(app.url(&format!("/credentials/{id}")))
            .header("accept", "application/ld+json")
            .send().await.expect("get").json().await.expect("json");
        assert_eq!(negotiated["id"], ob2_url);
        let page = client
            .get(app.url(&format!("/credentials/{id}")))
            .header("accept", "text/html")
            .send().await.expect("get").text().await.expect("text");
        assert!(page.contains("Welcomer") && page.contains("salted hash"), "{page}");

        // The issuer, both ways.
        let issuer: Value = client.get(app.url("/issuer")).header("accept", "application/ld+json")
            .send().await.expect("get").json().await.expect("json");
        assert_eq!(issuer["id"], app.url("/issuer/ob2.json"));
        assert_eq!(issuer["name"], "Test Commons");

        // A wrong recipient does not match.
        let options = Options { recipient: Some("someone@else.org".into()), ..Options::default() };
        let report = verify::verify_url(&ob2_url, &options, &loopback_fetcher()).await;
        assert!(!report.valid);
    }

    async fn revoking_shows_in_both_formats_within_one_request(app) {
        let (api, class) = badge_class(&app, "Moderator of the month").await;
        app.member("sam", Role::Member).await;
        let (_, first) = api.post(&format!("/api/v1/badges/{class}/awards"), json!({"username": "sam"})).await;
        let (_, second) = api.post(&format!("/api/v1/badges/{class}/awards"), json!({"username": "sam"})).await;
        let first = first["id"].as_str().expect("id").to_owned();
        let second = second["id"].as_str().expect("id").to_owned();

        // A reason is required, and only admins revoke.
        let (status, body) = api.post(&format!("/api/v1/awards/{first}/revoke"), json!({"reason": " "})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let sam = app.api_client("sam").await;
        let (status, _) = sam.post(&format!("/api/v1/awards/{first}/revoke"), json!({"reason": "mine"})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, body) = api.post(&format!("/api/v1/awards/{first}/revoke"), json!({"reason": "Awarded by mistake"})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, _) = api.post("/api/v1/awards/no-such-award/revoke", json!({"reason": "x"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        let client = reqwest::Client::new();
        let credential = client.get(app.url(&format!("/credentials/{first}.json"))).send().await.expect("get").bytes().await.expect("bytes");
        let report = verify_credential(&credential, None).await;
        assert!(!report.valid);
        assert_eq!(report.summary.revoked, Some(true), "{report:#?}");
        let other = client.get(app.url(&format!("/credentials/{second}.json"))).send().await.expect("get").bytes().await.expect("bytes");
        let report = verify_credential(&other, None).await;
        assert!(report.valid, "the other award is untouched: {:#?}", failing(&report));
        assert_eq!(report.summary.revoked, Some(false));

        let ob2 = verify::verify_url(&app.url(&format!("/credentials/{first}/ob2.json")), &Options::default(), &loopback_fetcher()).await;
        assert!(!ob2.valid);
        let assertion: Value = client.get(app.url(&format!("/credentials/{first}/ob2.json"))).send().await.expect("get").json().await.expect("json");
        assert_eq!(assertion["revoked"], true);
        assert_eq!(assertion["revocationReason"], "Awarded by mistake");
        let page = client.get(app.url(&format!("/credentials/{first}"))).send().await.expect("get").text().await.expect("text");
        assert!(page.contains("Revoked") && page.contains("Awarded by mistake"));
    }

    async fn baked_images_carry_the_credential(app) {
        let (api, class) = badge_class(&app, "Baker").await;
        let (_, body) = api.post(&format!("/api/v1/badges/{class}/awards"), json!({"email": "baker@example.org"})).await;
        let id = body["id"].as_str().expect("id").to_owned();
        let client = reqwest::Client::new();
        let credential = client.get(app.url(&format!("/credentials/{id}.json"))).send().await.expect("get").text().await.expect("text");
        for ext in ["png", "svg"] {
            let response = client.get(app.url(&format!("/credentials/{id}.{ext}"))).send().await.expect("get");
            assert_eq!(response.status(), StatusCode::OK);
            let image = response.bytes().await.expect("bytes");
            let extracted = openbadges::bake::extract(&image).expect("a baked image");
            assert_eq!(extracted.payload, credential, "{ext}");
            let report = verify_credential(&image, Some("baker@example.org")).await;
            assert!(report.valid, "{ext}: {:#?}", failing(&report));
        }
    }

    async fn the_ob2_baked_png_carries_the_hosted_assertion_url(app) {
        let (api, class) = badge_class(&app, "Old backpack").await;
        let (_, body) = api.post(&format!("/api/v1/badges/{class}/awards"), json!({"email": "ob2@example.org"})).await;
        let id = body["id"].as_str().expect("id").to_owned();
        let client = reqwest::Client::new();
        let response = client.get(app.url(&format!("/credentials/{id}/ob2.png"))).send().await.expect("get");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "image/png");
        let image = response.bytes().await.expect("bytes");
        // OB 2.0 baking: iTXt keyword `openbadges`, holding the hosted assertion's URL.
        let extracted = openbadges::bake::extract(&image).expect("a baked image");
        assert_eq!(extracted.version, openbadges::bake::BadgeVersion::V2);
        assert_eq!(extracted.payload, app.url(&format!("/credentials/{id}/ob2.json")));
        let report = verify_credential(&image, Some("ob2@example.org")).await;
        assert!(report.valid, "{:#?}", failing(&report));
        let report = verify_credential(&image, Some("someone@else.org")).await;
        assert!(!report.valid);
        // The credential page links it.
        let page = client.get(app.url(&format!("/credentials/{id}"))).header("accept", "text/html")
            .send().await.expect("get").text().await.expect("text");
        assert!(page.contains(&format!("/credentials/{id}/ob2.png")), "{page}");
        let missing = client.get(app.url("/credentials/no-such-award/ob2.png")).send().await.expect("get");
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    }

    async fn who_may_award_and_what_is_refused(app) {
        let (admin, class) = badge_class(&app, "Careful").await;
        app.member("linus", Role::Member).await;
        app.member("grace", Role::Moderator).await;
        let member = app.api_client("linus").await;
        let path = format!("/api/v1/badges/{class}/awards");
        let (status, _) = member.post(&path, json!({"username": "linus"})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "members do not award staff badges");
        let (status, _) = app.anonymous_api().post(&path, json!({"username": "linus"})).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let moderator = app.api_client("grace").await;
        let (status, body) = moderator.post(&path, json!({"username": "linus"})).await;
        assert_eq!(status, StatusCode::CREATED, "moderators award: {body}");

        let cases = [
            (json!({"username": "nobody-here"}), StatusCode::UNPROCESSABLE_ENTITY, "no member"),
            (json!({"email": "not-an-address"}), StatusCode::UNPROCESSABLE_ENTITY, "not an email"),
            (json!({"username": "linus", "email": "x@example.org"}), StatusCode::BAD_REQUEST, "exactly one"),
            (json!({}), StatusCode::BAD_REQUEST, "exactly one"),
            (json!({"username": "linus", "evidence": ["javascript:alert(1)"]}), StatusCode::UNPROCESSABLE_ENTITY, "evidence"),
        ];
        for (body, expected, words) in cases {
            let (status, answer) = admin.post(&path, body.clone()).await;
            assert_eq!(status, expected, "{body} → {answer}");
            assert!(answer["error"].as_str().unwrap_or("").contains(words), "{body} → {answer}");
        }
        let (status, _) = admin.post("/api/v1/badges/999999/awards", json!({"username": "linus"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // Nothing half-written: only the moderator's award exists.
        let count: i64 = sqlx::Row::try_get(
            &sqlx::query("SELECT COUNT(*) AS n FROM awards").fetch_one(app.db.pool()).await.expect("count"),
            "n",
        ).expect("n");
        assert_eq!(count, 1);
    }

    async fn an_admin_awards_and_revokes_through_the_pages(app) {
        let (_, class) = badge_class(&app, "Page turner").await;
        app.member("mei", Role::Member).await;
        let ada = app.signed_in("ada").await;
        let response = ada
            .submit(&format!("/badges/{class}/awards"), &[("recipient", "mei"), ("narrative", "Read every page."), ("evidence", "https://example.org/a\nhttps://example.org/b")])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let credential_path = location(&response);
        assert!(credential_path.starts_with("/credentials/"), "{credential_path}");
        let (status, html) = ada.page(&credential_path).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("Read every page.") && html.contains("/u/mei"), "{html}");
        assert!(html.contains("Revoke this badge"));

        let mei = app.signed_in("mei").await;
        let (_, html) = mei.page(&credential_path).await;
        assert!(!html.contains("Revoke this badge"), "members cannot revoke");
        let response = mei.submit(&format!("/badges/{class}/awards"), &[("recipient", "mei")]).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);

        let response = ada.submit(&format!("{credential_path}/revoke"), &[("reason", "Duplicate")]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let (_, html) = app.browser().page(&credential_path).await;
        assert!(html.contains("Revoked") && html.contains("Duplicate"));
    }

    async fn the_issuer_profile_is_set_by_admins(app) {
        app.member("ada", Role::Admin).await;
        app.member("linus", Role::Member).await;
        let ada = app.signed_in("ada").await;
        let png = badgecommons::recognition::images::default_png();
        let response = ada
            .submit_multipart(
                "/admin/issuer",
                &[("name", "Open Recognition Co-op"), ("url", "https://coop.example"), ("email", "Badges@Coop.Example"), ("description", "We recognise each other.")],
                &[("image", "logo.png", "image/png", &png)],
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let client = reqwest::Client::new();
        let ob2: Value = client.get(app.url("/issuer/ob2.json")).send().await.expect("get").json().await.expect("json");
        assert_eq!(ob2["name"], "Open Recognition Co-op");
        assert_eq!(ob2["email"], "badges@coop.example");
        assert_eq!(ob2["url"], "https://coop.example");
        assert_eq!(ob2["image"], app.url("/issuer/image"));
        let image = client.get(app.url("/issuer/image")).send().await.expect("get");
        assert_eq!(image.headers()["content-type"], "image/png");
        assert!(image.bytes().await.expect("bytes").starts_with(b"\x89PNG"));
        let ob3: Value = client.get(app.url("/issuer/ob3.json")).send().await.expect("get").json().await.expect("json");
        assert!(ob3["id"].as_str().unwrap_or("").starts_with("did:web:"));
        assert_eq!(ob3["image"]["id"], app.url("/issuer/image"));
        let (_, html) = app.browser().page("/issuer").await;
        assert!(html.contains("Open Recognition Co-op") && html.contains("We recognise each other."));

        // Saving without a new image keeps the old one.
        let response = ada.submit_multipart("/admin/issuer", &[("name", "Renamed Co-op")], &[]).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(client.get(app.url("/issuer/image")).send().await.expect("get").status(), StatusCode::OK);

        for (fields, file) in [
            (vec![("name", ""), ("url", "")], None),
            (vec![("name", "X"), ("url", "javascript:alert(1)")], None),
            (vec![("name", "X"), ("email", "not-an-address")], None),
            (vec![("name", "X")], Some(("logo.jpg", "image/jpeg", b"\xff\xd8\xff\xe0 not a badge image".as_slice()))),
        ] {
            let files: Vec<common::FilePart> = file.map(|(n, t, b)| ("image", n, t, b)).into_iter().collect();
            let response = ada.submit_multipart("/admin/issuer", &fields, &files).await;
            assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
        }
        let linus = app.signed_in("linus").await;
        let response = linus.submit_multipart("/admin/issuer", &[("name", "Mine now")], &[]).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let ob2: Value = client.get(app.url("/issuer/ob2.json")).send().await.expect("get").json().await.expect("json");
        assert_eq!(ob2["name"], "Renamed Co-op", "nothing lost");
    }

    async fn members_give_peer_awardable_badges_to_each_other_with_a_statement(app) {
        app.member("ada", Role::Admin).await;
        let admin = app.api_client("ada").await;
        let (status, body) = admin
            .post("/api/v1/badges", json!({"name": "Kind word", "description": "Said something kind.", "criteria": "Be kind.", "peerAwardable": true}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let kind = body["id"].as_i64().expect("id");
        let (_, body) = admin
            .post("/api/v1/badges", json!({"name": "Staff pick", "description": "Chosen by staff.", "criteria": "Impress staff."}))
            .await;
        let staff_only = body["id"].as_i64().expect("id");
        app.member("mei", Role::Member).await;
        app.member("sam", Role::Member).await;
        let mei = app.signed_in("mei").await;

        let (_, page) = mei.page(&format!("/badges/{kind}")).await;
        assert!(page.contains("Your statement"), "members see the award form of a peer-awardable badge");
        let (_, page) = mei.page(&format!("/badges/{staff_only}")).await;
        assert!(!page.contains("Award this badge"));

        let path = format!("/badges/{kind}/awards");
        for (fields, expected) in [
            (vec![("recipient", "mei"), ("narrative", "I am great")], StatusCode::UNPROCESSABLE_ENTITY),
            (vec![("recipient", "sam"), ("narrative", " ")], StatusCode::UNPROCESSABLE_ENTITY),
            (vec![("recipient", "sam@example.org"), ("narrative", "Thanks")], StatusCode::UNPROCESSABLE_ENTITY),
        ] {
            let response = mei.submit(&path, &fields).await;
            assert_eq!(response.status(), expected, "{fields:?}");
        }
        let response = mei.submit(&format!("/badges/{staff_only}/awards"), &[("recipient", "sam"), ("narrative", "Thanks")]).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);

        let response = mei.submit(&path, &[("recipient", "sam"), ("narrative", "Sam explained lifetimes to me, patiently.")]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let credential_path = location(&response);
        let credential: Value = reqwest::Client::new()
            .get(app.url(&format!("{credential_path}.json")))
            .send().await.expect("get").json().await.expect("json");
        let evidence = credential["evidence"].to_string();
        assert!(evidence.contains("Sam explained lifetimes to me, patiently."), "{credential:#}");
        let report = verify_credential(credential.to_string().as_bytes(), Some("sam@example.org")).await;
        assert!(report.valid, "{:#?}", failing(&report));
    }

    async fn a_member_shows_or_hides_each_badge_on_their_profile(app) {
        let (api, class) = badge_class(&app, "Shown").await;
        app.member("mei", Role::Member).await;
        app.member("sam", Role::Member).await;
        let (_, body) = api.post(&format!("/api/v1/badges/{class}/awards"), json!({"username": "mei"})).await;
        let id = body["id"].as_str().expect("id").to_owned();
        let (_, public) = app.browser().page("/u/mei").await;
        assert!(public.contains(&format!("/credentials/{id}")) && public.contains("Shown"));

        let sam = app.signed_in("sam").await;
        let response = sam.submit(&format!("/credentials/{id}/visibility"), &[("show", "no")]).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "only the recipient decides");

        let mei = app.signed_in("mei").await;
        let response = mei.submit(&format!("/credentials/{id}/visibility"), &[("show", "no")]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let (_, public) = app.browser().page("/u/mei").await;
        assert!(!public.contains(&format!("/credentials/{id}")), "hidden from others");
        let (_, own) = mei.page("/u/mei").await;
        assert!(own.contains(&format!("/credentials/{id}")) && own.contains("Show on my profile"));
        // Hiding changes nothing about the credential itself.
        let report = verify_credential(
            &reqwest::get(app.url(&format!("/credentials/{id}.json"))).await.expect("get").bytes().await.expect("bytes"),
            None,
        ).await;
        assert!(report.valid);

        mei.submit(&format!("/credentials/{id}/visibility"), &[("show", "yes")]).await;
        let (_, public) = app.browser().page("/u/mei").await;
        assert!(public.contains(&format!("/credentials/{id}")));

        // A revoked badge leaves the public profile.
        api.post(&format!("/api/v1/awards/{id}/revoke"), json!({"reason": "test"})).await;
        let (_, public) = app.browser().page("/u/mei").await;
        assert!(!public.contains(&format!("/credentials/{id}")));
    }

    async fn the_recipient_is_notified_of_an_award(app) {
        let (api, class) = badge_class(&app, "Noticed").await;
        app.member("mei", Role::Member).await;
        let (_, body) = api.post(&format!("/api/v1/badges/{class}/awards"), json!({"username": "mei"})).await;
        let id = body["id"].as_str().expect("id").to_owned();
        let mei = app.signed_in("mei").await;
        let (_, html) = mei.page("/notifications").await;
        assert!(html.contains("awarded you the badge") && html.contains(&format!("/credentials/{id}")), "{html}");
        assert!(html.contains("ada"), "the awarder is named");
        let mei_api = app.api_client("mei").await;
        let (status, list) = mei_api.get("/api/v1/notifications").await;
        assert_eq!(status, StatusCode::OK);
        let first = &list["notifications"][0];
        assert_eq!(first["kind"], "award");
        assert_eq!(first["topic_title"], "Noticed");
        assert_eq!(first["url"], app.url(&format!("/credentials/{id}")));
        // An award to an address nobody has joined with notifies nobody, and fails nothing.
        let (status, _) = api.post(&format!("/api/v1/badges/{class}/awards"), json!({"email": "later@example.org"})).await;
        assert_eq!(status, StatusCode::CREATED);
    }

    async fn members_award_peer_badges_through_the_api_with_the_forms_rules(app) {
        app.member("ada", Role::Admin).await;
        let admin = app.api_client("ada").await;
        let (status, body) = admin
            .post("/api/v1/badges", json!({"name": "Kind word", "description": "Said something kind.", "criteria": "Be kind.", "peerAwardable": true}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let kind = body["id"].as_i64().expect("id");
        let (_, body) = admin
            .post("/api/v1/badges", json!({"name": "Staff pick", "description": "Chosen by staff.", "criteria": "Impress staff."}))
            .await;
        let staff_only = body["id"].as_i64().expect("id");
        app.member("mei", Role::Member).await;
        app.member("sam", Role::Member).await;
        let mei = app.api_client("mei").await;
        let path = format!("/api/v1/badges/{kind}/awards");

        let (status, body) = mei.post(&format!("/api/v1/badges/{staff_only}/awards"), json!({"username": "sam", "narrative": "Thanks"})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "only peer-awardable classes: {body}");
        let cases = [
            (json!({"username": "mei", "narrative": "I am great"}), StatusCode::UNPROCESSABLE_ENTITY, "yourself"),
            (json!({"username": "MEI", "narrative": "I am great"}), StatusCode::UNPROCESSABLE_ENTITY, "yourself"),
            (json!({"username": "sam", "narrative": "  "}), StatusCode::UNPROCESSABLE_ENTITY, "statement"),
            (json!({"username": "sam"}), StatusCode::UNPROCESSABLE_ENTITY, "statement"),
            (json!({"email": "sam@example.org", "narrative": "Thanks"}), StatusCode::UNPROCESSABLE_ENTITY, "by username"),
            (json!({"username": "nobody-here", "narrative": "Thanks"}), StatusCode::UNPROCESSABLE_ENTITY, "no member"),
            (json!({"username": "sam", "email": "sam@example.org", "narrative": "Thanks"}), StatusCode::BAD_REQUEST, "exactly one"),
        ];
        for (body, expected, words) in cases {
            let (status, answer) = mei.post(&path, body.clone()).await;
            assert_eq!(status, expected, "{body} → {answer}");
            assert!(answer["error"].as_str().unwrap_or("").contains(words), "{body} → {answer}");
        }
        let (status, _) = mei.post("/api/v1/badges/999999/awards", json!({"username": "sam", "narrative": "Thanks"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let count = |app: &TestApp| {
            let pool = app.db.pool().clone();
            async move {
                let row = sqlx::query("SELECT COUNT(*) AS n FROM awards").fetch_one(&pool).await.expect("count");
                sqlx::Row::try_get::<i64, _>(&row, "n").expect("n")
            }
        };
        assert_eq!(count(&app).await, 0, "nothing refused was stored");

        let (status, body) = mei
            .post(&path, json!({"username": "sam", "narrative": "Sam explained lifetimes to me, patiently.", "evidence": ["https://example.org/t/7"]}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let id = body["id"].as_str().expect("id");
        let credential: Value = reqwest::get(app.url(&format!("/credentials/{id}.json"))).await.expect("get").json().await.expect("json");
        let evidence = credential["evidence"].to_string();
        assert!(evidence.contains("Sam explained lifetimes to me, patiently."), "{credential:#}");
        let report = verify_credential(credential.to_string().as_bytes(), Some("sam@example.org")).await;
        assert!(report.valid, "{:#?}", failing(&report));
        let sam = app.api_client("sam").await;
        let (_, backpack) = sam.get("/api/v1/backpack").await;
        assert_eq!(backpack["awards"][0]["id"], id);
        assert_eq!(count(&app).await, 1);
    }

    async fn the_recipient_shows_or_hides_an_award_through_the_api(app) {
        let (api, class) = badge_class(&app, "Shown").await;
        app.member("mei", Role::Member).await;
        app.member("sam", Role::Member).await;
        let (_, body) = api.post(&format!("/api/v1/badges/{class}/awards"), json!({"username": "mei"})).await;
        let id = body["id"].as_str().expect("id").to_owned();
        let path = format!("/api/v1/awards/{id}/visibility");

        let sam = app.api_client("sam").await;
        let (status, body) = sam.post(&path, json!({"show": false})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "only the recipient decides: {body}");
        let (status, _) = api.post(&path, json!({"show": false})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "not even an admin");
        let (status, _) = app.anonymous_api().post(&path, json!({"show": false})).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (_, public) = app.browser().page("/u/mei").await;
        assert!(public.contains(&format!("/credentials/{id}")), "still shown");

        let mei = app.api_client("mei").await;
        for bad in [json!({"show": "no"}), json!({}), json!({"show": true, "extra": 1})] {
            let (status, body) = mei.post(&path, bad.clone()).await;
            assert!(status.is_client_error() && body["error"].is_string(), "{bad} → {status} {body}");
        }
        let (status, body) = mei.post(&path, json!({"show": false})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body, json!({"id": id, "shown": false}));
        let (_, public) = app.browser().page("/u/mei").await;
        assert!(!public.contains(&format!("/credentials/{id}")), "hidden from others");
        let status = reqwest::get(app.url(&format!("/credentials/{id}.json"))).await.expect("get").status();
        assert_eq!(status, StatusCode::OK, "the credential itself stays");

        let (status, body) = mei.post(&path, json!({"show": true})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["shown"], true);
        let (_, public) = app.browser().page("/u/mei").await;
        assert!(public.contains(&format!("/credentials/{id}")));
        let (status, _) = mei.post("/api/v1/awards/no-such-award/visibility", json!({"show": true})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }

    async fn the_issuer_profile_through_the_api(app) {
        app.member("ada", Role::Admin).await;
        app.member("linus", Role::Member).await;
        let anonymous = app.anonymous_api();
        let (status, before) = anonymous.get("/api/v1/issuer").await;
        assert_eq!(status, StatusCode::OK, "public: {before}");
        assert!(before["did"].as_str().unwrap_or("").starts_with("did:web:"), "{before}");
        assert_eq!(before["imageUrl"], Value::Null);
        assert_eq!(before["profiles"]["ob2"], app.url("/issuer/ob2.json"));
        assert_eq!(before["profiles"]["ob3"], app.url("/issuer/ob3.json"));
        assert_eq!(before["profiles"]["html"], app.url("/issuer"));

        let ada = app.api_client("ada").await;
        let png = badgecommons::recognition::images::default_png();
        let image = format!("data:image/png;base64,{}", base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &png));
        let (status, body) = ada
            .patch("/api/v1/issuer", json!({"name": "Open Recognition Co-op", "url": "https://coop.example", "email": "Badges@Coop.Example", "description": "We recognise each other.", "image": image}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["name"], "Open Recognition Co-op");
        assert_eq!(body["email"], "badges@coop.example", "normalised as the form does");
        assert_eq!(body["imageUrl"], app.url("/issuer/image"));
        let ob2: Value = reqwest::get(app.url("/issuer/ob2.json")).await.expect("get").json().await.expect("json");
        assert_eq!(ob2["name"], "Open Recognition Co-op");
        assert_eq!(ob2["url"], "https://coop.example");
        assert_eq!(ob2["image"], app.url("/issuer/image"));
        let served = reqwest::get(app.url("/issuer/image")).await.expect("get");
        assert_eq!(served.headers()["content-type"], "image/png");

        // Only what is given changes.
        let (status, body) = ada.patch("/api/v1/issuer", json!({"description": "Recognition, in the open."})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["name"], "Open Recognition Co-op");
        assert_eq!(body["url"], "https://coop.example");
        assert_eq!(body["description"], "Recognition, in the open.");
        assert_eq!(body["imageUrl"], app.url("/issuer/image"));

        // The form's checks, each refused whole.
        let cases = [
            (json!({"name": " "}), "name"),
            (json!({"name": "x".repeat(201)}), "name"),
            (json!({"description": "changed", "url": "javascript:alert(1)"}), "URL"),
            (json!({"email": "not-an-address"}), "email"),
            (json!({"image": "data:image/jpeg;base64,AAAA"}), "image"),
            (json!({"image": "https://example.org/logo.png"}), "data:"),
        ];
        for (body, words) in cases {
            let (status, answer) = ada.patch("/api/v1/issuer", body.clone()).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body} → {answer}");
            assert!(answer["error"].as_str().unwrap_or("").contains(words), "{body} → {answer}");
        }
        let (status, _) = ada.patch("/api/v1/issuer", json!({"colour": "blue"})).await;
        assert!(status.is_client_error());
        let linus = app.api_client("linus").await;
        let (status, _) = linus.patch("/api/v1/issuer", json!({"name": "Mine now"})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = anonymous.patch("/api/v1/issuer", json!({"name": "Mine now"})).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (_, after) = anonymous.get("/api/v1/issuer").await;
        assert_eq!(after["name"], "Open Recognition Co-op", "nothing lost: {after}");
        assert_eq!(after["description"], "Recognition, in the open.");
    }
}
