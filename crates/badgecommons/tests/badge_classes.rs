//! Badge classes: moderators and admins create and edit them with an uploaded PNG or SVG (the
//! SVG sanitised, anything else refused and nothing stored), everyone reads them as pages and as
//! Open Badges 2.0 / 3.0 JSON-LD, and the JSON API does the same with the same permissions.

mod common;

use badgecommons::accounts::model::Role;
use badgecommons::recognition::images;
use base64::Engine;
use common::{location, Browser, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::Row;

const HOSTILE_SVG: &str = r##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 100 100" onload="alert('onload')">
  <script>alert('script')</script>
  <image href="http://evil.example/x.png" width="10" height="10"/>
  <a href="javascript:alert('link')"><circle cx="50" cy="50" r="40" fill="#2e6db4"/></a>
  <rect x="10" y="10" width="20" height="20" fill="gold"/>
</svg>"##;

async fn badge_count(app: &TestApp) -> i64 {
    sqlx::query("SELECT COUNT(*) AS n FROM badge_classes")
        .fetch_one(app.db.pool())
        .await
        .expect("count")
        .try_get("n")
        .expect("n")
}

/// The form's text fields for a complete badge class.
fn helper_fields<'a>() -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", "Helper"),
        ("description", "Helps others in the forum."),
        ("criteria", "Answer **ten** questions."),
        ("criteria_url", "https://example.org/criteria/helper"),
        ("tags", " community, , help ,community"),
        (
            "alignments",
            "Collaboration | https://example.org/skills/collab | Works with others | Example Skills | C-1\n",
        ),
        ("peer_awardable", "on"),
    ]
}

/// An admin `ada`, signed in.
async fn admin(app: &TestApp) -> Browser {
    app.member("ada", Role::Admin).await;
    app.signed_in("ada").await
}

/// Creates a badge class through the form with `image` and returns its id.
async fn create_through_form(browser: &Browser, file: (&str, &str, &[u8])) -> i64 {
    let (file_name, content_type, bytes) = file;
    let response = browser
        .submit_multipart(
            "/badges",
            &helper_fields(),
            &[("image", file_name, content_type, bytes)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let to = location(&response);
    to.strip_prefix("/badges/")
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("redirected to {to}"))
}

async fn get_json(app: &TestApp, path: &str, accept: &str) -> (StatusCode, String, Value) {
    let response = reqwest::Client::new()
        .get(app.url(path))
        .header("accept", accept)
        .send()
        .await
        .expect("GET");
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let text = response.text().await.expect("body");
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    (status, content_type, json)
}

/// Asserts a refused form: `status`, an HTML page that says `message`.
async fn refused(response: reqwest::Response, status: StatusCode, message: &str) {
    assert_eq!(response.status(), status);
    let body = response.text().await.expect("body");
    assert!(body.contains(message), "{message:?} not in {body}");
}

both_backends! {
    async fn an_admin_creates_a_badge_class_with_a_png_and_everyone_can_read_it(app) {
        let ada = admin(&app).await;
        let png = images::default_png();
        let id = create_through_form(&ada, ("helper.png", "image/png", &png)).await;

        // The list, public.
        let (status, list) = app.browser().page("/badges").await;
        assert_eq!(status, StatusCode::OK);
        assert!(list.contains("Helper") && list.contains("Helps others in the forum."), "{list}");
        assert!(list.contains(&format!("/badges/{id}/image")), "{list}");
        assert!(list.contains("Awarded 0 times"), "{list}");

        // The page, public: rendered criteria, criteria URL, tags, alignment, peer-awardable.
        let (status, page) = app.browser().page(&format!("/badges/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("Answer <strong>ten</strong> questions."), "{page}");
        assert!(page.contains("https://example.org/criteria/helper"), "{page}");
        assert!(page.contains(">community<") && page.contains(">help<"), "{page}");
        assert!(page.contains("Collaboration") && page.contains("Example Skills C-1"), "{page}");
        assert!(page.contains("Peer-awardable"), "{page}");
        assert!(!page.contains(&format!("/badges/{id}/edit")), "no Edit link for readers");
        let (_, own_page) = ada.page(&format!("/badges/{id}")).await;
        assert!(own_page.contains(&format!("/badges/{id}/edit")), "Edit link for admins");

        // The image, as uploaded.
        let response = app.browser().get(&format!("/badges/{id}/image")).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "image/png");
        assert!(response.headers().contains_key("cache-control"));
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        assert_eq!(response.bytes().await.expect("bytes").as_ref(), png.as_slice());

        // Tags are stored as a JSON array of trimmed, non-empty, distinct strings.
        let row = sqlx::query("SELECT tags, alignments, peer_awardable_at FROM badge_classes WHERE id = $1")
            .bind(id)
            .fetch_one(app.db.pool())
            .await
            .expect("row");
        let tags: String = row.try_get("tags").expect("tags");
        assert_eq!(serde_json::from_str::<Value>(&tags).expect("json"), json!(["community", "help"]));
        let alignments: String = row.try_get("alignments").expect("alignments");
        assert_eq!(
            serde_json::from_str::<Value>(&alignments).expect("json"),
            json!([{"targetName": "Collaboration", "targetUrl": "https://example.org/skills/collab",
                    "targetDescription": "Works with others", "targetFramework": "Example Skills", "targetCode": "C-1"}])
        );
        assert!(row.try_get::<Option<i64>, _>("peer_awardable_at").expect("peer").is_some());
    }

    async fn an_uploaded_svg_is_served_sanitised_and_still_draws(app) {
        let ada = admin(&app).await;
        let id = create_through_form(&ada, ("badge.svg", "image/svg+xml", HOSTILE_SVG.as_bytes())).await;
        let response = app.browser().get(&format!("/badges/{id}/image")).await;
        assert_eq!(response.status(), StatusCode::OK);
        let headers = response.headers().clone();
        assert_eq!(headers["content-type"], "image/svg+xml");
        assert_eq!(headers["content-security-policy"], "default-src 'none'; style-src 'unsafe-inline'");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        let svg = response.text().await.expect("svg");
        for gone in ["<script", "alert", "onload", "evil.example", "javascript:", "<a "] {
            assert!(!svg.contains(gone), "{gone:?} still in {svg}");
        }
        assert!(svg.contains(r#"xmlns="http://www.w3.org/2000/svg""#), "{svg}");
        assert!(svg.contains(r##"<circle cx="50" cy="50" r="40" fill="#2e6db4"/>"##), "{svg}");
        assert!(svg.contains(r#"<rect x="10" y="10" width="20" height="20" fill="gold"/>"#), "{svg}");
        // What is stored is what is served: the sanitised document, never the upload.
        let row = sqlx::query("SELECT image FROM badge_classes WHERE id = $1")
            .bind(id)
            .fetch_one(app.db.pool())
            .await
            .expect("row");
        let stored: Vec<u8> = row.try_get("image").expect("image");
        assert_eq!(stored, svg.as_bytes());
    }

    async fn bad_images_are_refused_with_a_clear_message_and_nothing_is_stored(app) {
        let ada = admin(&app).await;
        let fields = helper_fields();
        let laughs = r#"<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><svg xmlns="http://www.w3.org/2000/svg"><text>&lol2;</text></svg>"#;
        let png = images::default_png();
        let cases: [(&str, &str, &[u8], &str); 6] = [
            ("laughs.svg", "image/svg+xml", laughs.as_bytes(), "DOCTYPE"),
            ("photo.jpg", "image/jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01", "JPEG images are not accepted"),
            // The name and declared type say PNG; the content says otherwise.
            ("fake.png", "image/png", b"this is not an image at all", "not a PNG or SVG image"),
            ("cut.png", "image/png", &png[..png.len() - 30], "The PNG image cannot be read"),
            ("page.svg", "image/svg+xml", b"<html><body>hi</body></html>", "not an SVG image"),
            ("big.svg", "image/svg+xml", &[b' '; images::MAX_IMAGE_BYTES + 10], "at most 512 KB"),
        ];
        for (file_name, content_type, bytes, message) in cases {
            let response = ada
                .submit_multipart("/badges", &fields, &[("image", file_name, content_type, bytes)])
                .await;
            refused(response, StatusCode::UNPROCESSABLE_ENTITY, message).await;
        }
        // No image at all, and a form that is not multipart.
        let response = ada.submit_multipart("/badges", &fields, &[("image", "", "application/octet-stream", b"")]).await;
        refused(response, StatusCode::UNPROCESSABLE_ENTITY, "Choose an image").await;
        let response = ada.submit("/badges", &fields).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        // The refused form keeps what was typed.
        let response = ada
            .submit_multipart("/badges", &[("name", "Kept name"), ("description", "")], &[("image", "a.png", "image/png", &png)])
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = response.text().await.expect("body");
        assert!(body.contains("description is required") && body.contains(r#"value="Kept name""#), "{body}");
        // A form without its CSRF token is refused before anything is read.
        let (content_type, body) = common::multipart_body(&fields, &[("image", "a.png", "image/png", &png)]);
        let response = ada.client.post(app.url("/badges")).header("content-type", content_type).body(body).send().await.expect("POST");
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert_eq!(badge_count(&app).await, 0);
    }

    async fn members_may_not_create_badge_classes(app) {
        app.member("linus", Role::Member).await;
        let linus = app.signed_in("linus").await;
        assert_eq!(linus.page("/badges/new").await.0, StatusCode::FORBIDDEN);
        let png = images::default_png();
        let response = linus
            .submit_multipart("/badges", &helper_fields(), &[("image", "a.png", "image/png", &png)])
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let api = app.api_client("linus").await;
        let body = json!({"name": "Mine", "description": "Mine.", "criteria": "Be me."});
        assert_eq!(api.post("/api/v1/badges", body.clone()).await.0, StatusCode::FORBIDDEN);
        assert_eq!(app.anonymous_api().post("/api/v1/badges", body).await.0, StatusCode::UNAUTHORIZED);
        // Signed out: asked to sign in, as on the moderation pages.
        let (status, page) = app.browser().page("/badges/new").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(page.contains("/signin"), "{page}");
        assert!(!app.browser().page("/badges").await.1.contains("/badges/new"));
        assert_eq!(badge_count(&app).await, 0);
        // A moderator may.
        app.member("grace", Role::Moderator).await;
        let grace = app.signed_in("grace").await;
        assert_eq!(grace.page("/badges/new").await.0, StatusCode::OK);
        create_through_form(&grace, ("a.png", "image/png", &png)).await;
        assert_eq!(badge_count(&app).await, 1);
    }

    async fn the_open_badges_2_badge_class_is_hosted_at_its_own_id(app) {
        let ada = admin(&app).await;
        let id = create_through_form(&ada, ("a.png", "image/png", &images::default_png())).await;
        let own_url = app.url(&format!("/badges/{id}/ob2.json"));
        let (status, content_type, doc) = get_json(&app, &format!("/badges/{id}/ob2.json"), "*/*").await;
        assert_eq!(status, StatusCode::OK);
        assert!(content_type.starts_with("application/ld+json"), "{content_type}");
        assert_eq!(doc["id"], own_url.as_str());
        assert_eq!(doc["@context"], "https://w3id.org/openbadges/v2");
        let class = openbadges::model::v2::BadgeClass::from_json(&doc.to_string()).expect("an OB 2.0 BadgeClass");
        assert!(class.has_type("BadgeClass"));
        assert_eq!(class.id.as_deref(), Some(own_url.as_str()));
        assert_eq!(class.name.as_deref(), Some("Helper"));
        assert_eq!(class.description.as_deref(), Some("Helps others in the forum."));
        let image = app.url(&format!("/badges/{id}/image"));
        assert_eq!(class.image.as_ref().and_then(|i| i.url()), Some(image.as_str()));
        assert_eq!(doc["criteria"]["narrative"], "Answer **ten** questions.");
        assert_eq!(doc["criteria"]["id"], "https://example.org/criteria/helper");
        assert_eq!(doc["issuer"], app.url("/issuer/ob2.json").as_str());
        assert_eq!(doc["tags"], json!(["community", "help"]));
        assert_eq!(doc["alignment"][0]["targetUrl"], "https://example.org/skills/collab");

        // Content negotiation on the page's URL gives the same document; browsers get HTML.
        for accept in ["application/ld+json", "application/json", "application/ld+json, application/json;q=0.9, */*;q=0.1"] {
            let (status, _, negotiated) = get_json(&app, &format!("/badges/{id}"), accept).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(negotiated, doc, "{accept}");
        }
        let (status, content_type, _) = get_json(&app, &format!("/badges/{id}"), "text/html,*/*;q=0.8").await;
        assert_eq!(status, StatusCode::OK);
        assert!(content_type.starts_with("text/html"), "{content_type}");
        assert_eq!(get_json(&app, "/badges/999999/ob2.json", "*/*").await.0, StatusCode::NOT_FOUND);
    }

    async fn the_open_badges_3_achievement_is_well_formed(app) {
        let ada = admin(&app).await;
        let id = create_through_form(&ada, ("a.svg", "image/svg+xml", HOSTILE_SVG.as_bytes())).await;
        let (status, _, doc) = get_json(&app, &format!("/badges/{id}/ob3.json"), "*/*").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            doc["@context"],
            json!(["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"])
        );
        assert_eq!(doc["id"], app.url(&format!("/badges/{id}")).as_str());
        assert_eq!(doc["type"], json!(["Achievement"]));
        assert_eq!(doc["image"]["id"], app.url(&format!("/badges/{id}/image")).as_str());
        assert_eq!(doc["image"]["type"], "Image");
        assert_eq!(doc["criteria"]["narrative"], "Answer **ten** questions.");
        assert_eq!(doc["tag"], json!(["community", "help"]));
        assert_eq!(doc["alignment"][0]["type"], json!(["Alignment"]));
        assert_eq!(doc["alignment"][0]["targetName"], "Collaboration");
        let achievement: openbadges::model::v3::Achievement =
            serde_json::from_value(doc.clone()).expect("an OB 3.0 Achievement");
        assert_eq!(achievement.name.as_deref(), Some("Helper"));
        assert_eq!(achievement.description.as_deref(), Some("Helps others in the forum."));
        assert_eq!(achievement.alignment.as_ref().map(Vec::len), Some(1));
    }

    async fn the_api_creates_badge_classes_with_or_without_an_image(app) {
        app.member("ada", Role::Admin).await;
        let api = app.api_client("ada").await;
        let png = images::default_png_for("something else");
        let data_uri = format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(&png));
        let (status, body) = api
            .post("/api/v1/badges", json!({
                "name": "Reviewer", "description": "Reviews code.", "criteria": "Review five changes.",
                "image": data_uri, "criteriaUrl": "https://example.org/review",
                "tags": ["code", " review "], "peerAwardable": true,
                "alignments": [{"targetName": "Code review", "targetUrl": "https://example.org/cr"}]
            }))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let id = body["id"].as_i64().expect("id");
        assert_eq!(body["url"], app.url(&format!("/badges/{id}")).as_str());
        let image = app.browser().get(&format!("/badges/{id}/image")).await.bytes().await.expect("bytes");
        assert_eq!(image.as_ref(), png.as_slice());

        // An SVG as a percent-encoded data URI is sanitised like an upload.
        let svg_uri = format!("data:image/svg+xml,{}", HOSTILE_SVG.replace('%', "%25").replace('#', "%23").replace('\n', "%0A"));
        let (status, body) = api
            .post("/api/v1/badges", json!({"name": "Drawn", "description": "An SVG.", "criteria": "Draw.", "image": svg_uri}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let svg_id = body["id"].as_i64().expect("id");
        let svg = app.browser().get(&format!("/badges/{svg_id}/image")).await.text().await.expect("svg");
        assert!(svg.contains("<circle") && !svg.contains("alert"), "{svg}");

        // Without an image: a plain square PNG, 256 pixels a side.
        let (status, body) = api
            .post("/api/v1/badges", json!({"name": "Plain", "description": "No picture.", "criteria": "Exist."}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let plain = body["id"].as_i64().expect("id");
        let response = app.browser().get(&format!("/badges/{plain}/image")).await;
        assert_eq!(response.headers()["content-type"], "image/png");
        let bytes = response.bytes().await.expect("bytes");
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert_eq!(&bytes[16..24], &[0, 0, 1, 0, 0, 0, 1, 0], "256×256");

        // Reading: one, and all of them newest first, publicly.
        let (status, one) = app.anonymous_api().get(&format!("/api/v1/badges/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(one["name"], "Reviewer");
        assert_eq!(one["criteria"], "Review five changes.");
        assert_eq!(one["criteriaUrl"], "https://example.org/review");
        assert_eq!(one["tags"], json!(["code", "review"]));
        assert_eq!(one["alignments"][0]["targetName"], "Code review");
        assert_eq!(one["peerAwardable"], true);
        assert_eq!(one["awarded"], 0);
        assert_eq!(one["imageUrl"], app.url(&format!("/badges/{id}/image")).as_str());
        assert_eq!(one["url"], app.url(&format!("/badges/{id}")).as_str());
        let (_, all) = app.anonymous_api().get("/api/v1/badges").await;
        let names: Vec<&str> = all["badges"].as_array().expect("list").iter().filter_map(|b| b["name"].as_str()).collect();
        assert_eq!(names, ["Plain", "Drawn", "Reviewer"]);
        assert_eq!(app.anonymous_api().get("/api/v1/badges/999999").await.0, StatusCode::NOT_FOUND);
    }

    async fn invalid_api_input_is_refused_naming_the_problem(app) {
        app.member("ada", Role::Admin).await;
        let api = app.api_client("ada").await;
        let error = |answer: (StatusCode, Value), message: &str| {
            let (status, body) = answer;
            assert!(status == StatusCode::UNPROCESSABLE_ENTITY || status == StatusCode::BAD_REQUEST, "{status} {body}");
            let text = body["error"].as_str().unwrap_or_else(|| panic!("an error: {body}"));
            assert!(text.contains(message), "{message:?} not in {text:?}");
        };
        error(api.post("/api/v1/badges", json!({"description": "No name.", "criteria": "x"})).await, "name");
        error(api.post("/api/v1/badges", json!({"name": "N", "description": "D"})).await, "criteria");
        error(
            api.post("/api/v1/badges", json!({"name": "N", "description": "D", "criteria": "C", "image": "data:image/png;base64,%%%"})).await,
            "data: URI",
        );
        error(
            api.post("/api/v1/badges", json!({"name": "N", "description": "D", "criteria": "C", "image": "https://example.org/x.png"})).await,
            "data: URI",
        );
        let jpeg = format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(b"\xff\xd8\xff\xe0\x00\x10JFIF"));
        error(api.post("/api/v1/badges", json!({"name": "N", "description": "D", "criteria": "C", "image": jpeg})).await, "JPEG");
        let big = format!("data:image/svg+xml;base64,{}", base64::engine::general_purpose::STANDARD.encode(vec![b' '; 600 * 1024]));
        error(api.post("/api/v1/badges", json!({"name": "N", "description": "D", "criteria": "C", "image": big})).await, "at most 512 KB");
        error(
            api.post("/api/v1/badges", json!({"name": "N", "description": "D", "criteria": "C", "criteriaUrl": "javascript:alert(1)"})).await,
            "criteria URL",
        );
        error(
            api.post("/api/v1/badges", json!({"name": "N", "description": "D", "criteria": "C", "alignments": [{"targetName": "x", "targetUrl": "nope"}]})).await,
            "Alignment 1",
        );
        error(api.post("/api/v1/badges", json!({"name": 5})).await, "name");
        let (status, body) = api.post_raw("/api/v1/badges", "application/json", b"{not json".to_vec()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(body["error"].is_string());
        assert_eq!(badge_count(&app).await, 0);
    }

    async fn editing_changes_the_fields_and_keeps_the_image_unless_a_new_one_is_uploaded(app) {
        let ada = admin(&app).await;
        let png = images::default_png();
        let id = create_through_form(&ada, ("a.png", "image/png", &png)).await;

        let (status, form) = ada.page(&format!("/badges/{id}/edit")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(form.contains(r#"value="Helper""#) && form.contains("community, help"), "{form}");
        assert!(form.contains("Collaboration | https://example.org/skills/collab | Works with others | Example Skills | C-1"), "{form}");

        let mut fields = helper_fields();
        fields[0] = ("name", "Great Helper");
        fields.retain(|(name, _)| *name != "peer_awardable");
        let response = ada
            .submit_multipart(&format!("/badges/{id}"), &fields, &[("image", "", "application/octet-stream", b"")])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&response), format!("/badges/{id}"));
        let (_, page) = app.browser().page(&format!("/badges/{id}")).await;
        assert!(page.contains("Great Helper") && !page.contains("Peer-awardable"), "{page}");
        let image = app.browser().get(&format!("/badges/{id}/image")).await.bytes().await.expect("bytes");
        assert_eq!(image.as_ref(), png.as_slice(), "the old image is kept");

        // A new image replaces it; a bad one is refused and changes nothing.
        let response = ada
            .submit_multipart(&format!("/badges/{id}"), &fields, &[("image", "x.svg", "image/svg+xml", HOSTILE_SVG.as_bytes())])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let response = app.browser().get(&format!("/badges/{id}/image")).await;
        assert_eq!(response.headers()["content-type"], "image/svg+xml");
        fields[0] = ("name", "Renamed");
        let response = ada
            .submit_multipart(&format!("/badges/{id}"), &fields, &[("image", "x.jpg", "image/jpeg", b"\xff\xd8\xff\xe0")])
            .await;
        refused(response, StatusCode::UNPROCESSABLE_ENTITY, "JPEG").await;
        assert!(app.browser().page(&format!("/badges/{id}")).await.1.contains("Great Helper"));

        // The API edits too, keeping what it is not given.
        let api = app.api_client("ada").await;
        let (status, body) = api.patch(&format!("/api/v1/badges/{id}"), json!({"name": "API Helper", "peerAwardable": true})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["name"], "API Helper");
        assert_eq!(body["peerAwardable"], true);
        assert_eq!(body["description"], "Helps others in the forum.");

        // Members may not edit; unknown badges are not found.
        app.member("linus", Role::Member).await;
        let linus = app.signed_in("linus").await;
        assert_eq!(linus.page(&format!("/badges/{id}/edit")).await.0, StatusCode::FORBIDDEN);
        let response = linus.submit_multipart(&format!("/badges/{id}"), &fields, &[]).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert_eq!(ada.page("/badges/999999/edit").await.0, StatusCode::NOT_FOUND);
        assert_eq!(app.browser().page("/badges/999999").await.0, StatusCode::NOT_FOUND);
    }
}
