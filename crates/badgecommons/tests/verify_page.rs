//! Verifying any badge: `POST /api/v1/verify` (JSON and multipart) and the `/verify` page, with
//! credentials signed here by a fresh did:key, baked images, a URL the fetch guard refuses,
//! CSRF on the multipart form and the per-address rate limit.

mod common;

use badgecommons::recognition::signing::sign_credential;
use common::{Browser, TestApp};
use ed25519_dalek::SigningKey;
use openbadges::bake::{bake_png, BadgeVersion};
use reqwest::StatusCode;
use serde_json::{json, Value};

const BOUNDARY: &str = "badgecommons-test-boundary-7d3a4c1e";

/// A 1×1 grey PNG.
const PIXEL: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x3a, 0x7e, 0x9b,
    0x55, 0x00, 0x00, 0x00, 0x0a, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0xf8, 0x0f, 0x00, 0x01,
    0x01, 0x01, 0x00, 0x1c, 0xb0, 0x8c, 0x99, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];

/// An unsigned Open Badges 3.0 credential; `change` adjusts it before signing.
fn unsigned(change: impl FnOnce(&mut Value)) -> Value {
    let mut credential = json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ],
        "id": "urn:uuid:3e5b1a8c-4f0e-4a7b-9c1d-2b3c4d5e6f70",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Teamwork Badge",
        "issuer": { "id": "replaced", "type": ["Profile"], "name": "Example Commons" },
        "validFrom": "2024-03-01T12:00:00Z",
        "credentialSubject": {
            "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://example.com/achievements/teamwork",
                "type": ["Achievement"],
                "name": "Teamwork Badge",
                "description": "Collaborates within a group.",
                "criteria": { "narrative": "Nominated by peers." }
            }
        }
    });
    change(&mut credential);
    credential
}

/// The credential signed with a fresh key, its issuer that key's did:key.
fn signed(change: impl FnOnce(&mut Value)) -> Value {
    let key = SigningKey::from_bytes(&rand::random::<[u8; 32]>());
    let issuer = openbadges::proof::did_key::did(&key.verifying_key());
    sign_credential(&unsigned(change), &issuer, &key).expect("signs")
}

fn status_of<'a>(report: &'a Value, id: &str) -> &'a str {
    report["checks"]
        .as_array()
        .and_then(|checks| checks.iter().find(|c| c["id"] == id))
        .and_then(|c| c["status"].as_str())
        .unwrap_or_else(|| panic!("no {id} check in {report}"))
}

fn message_of<'a>(report: &'a Value, id: &str) -> &'a str {
    report["checks"]
        .as_array()
        .and_then(|checks| checks.iter().find(|c| c["id"] == id))
        .and_then(|c| c["message"].as_str())
        .unwrap_or_else(|| panic!("no {id} check in {report}"))
}

/// A multipart/form-data body: (name, file name for a file part, content).
fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, file_name, content) in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match file_name {
            Some(file_name) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

fn multipart_type() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

/// Posts the verify form as a browser would: multipart, the CSRF token first.
async fn submit_verify_form(browser: &Browser, fields: &[(&str, &str)]) -> reqwest::Response {
    let token = browser.csrf().await;
    let mut parts: Vec<(&str, Option<&str>, &[u8])> = vec![("csrf_token", None, token.as_bytes())];
    for (name, value) in fields {
        parts.push((name, None, value.as_bytes()));
    }
    // The file input left empty, as browsers send it.
    parts.push(("image", Some(""), b""));
    browser
        .client
        .post(format!("{}/verify", browser.base))
        .header("content-type", multipart_type())
        .body(multipart(&parts))
        .send()
        .await
        .expect("POST /verify")
}

both_backends! {
    async fn a_signed_credential_verifies_and_a_tampered_one_does_not(app) {
        let api = app.anonymous_api();
        let credential = signed(|_| {});
        let (status, report) = api.post("/api/v1/verify", json!({ "credential": credential })).await;
        assert_eq!(status, StatusCode::OK, "{report}");
        assert_eq!(report["valid"], true, "{report}");
        assert_eq!(report["format"], "ob3-data-integrity");
        assert_eq!(status_of(&report, "proof"), "pass");
        assert_eq!(report["summary"]["issuer_name"], "Example Commons");
        assert_eq!(report["summary"]["achievement_name"], "Teamwork Badge");
        assert!(report["summary"]["revoked"].is_null(), "no list, so not known: {report}");

        let mut tampered = credential.clone();
        tampered["credentialSubject"]["achievement"]["name"] = json!("Leadership Badge");
        let (status, report) = api.post("/api/v1/verify", json!({ "credential": tampered })).await;
        assert_eq!(status, StatusCode::OK, "{report}");
        assert_eq!(report["valid"], false, "{report}");
        assert_eq!(status_of(&report, "proof"), "fail");

        // The same credential as text, as a pasted string would come.
        let (status, report) = api.post("/api/v1/verify", json!({ "credential": credential.to_string() })).await;
        assert_eq!(status, StatusCode::OK, "{report}");
        assert_eq!(report["valid"], true, "{report}");
    }

    async fn a_vc_jwt_verifies_through_the_api(app) {
        let key = SigningKey::from_bytes(&rand::random::<[u8; 32]>());
        let issuer = openbadges::proof::did_key::did(&key.verifying_key());
        let jwt = badgecommons::recognition::signing::sign_credential_jwt(&unsigned(|_| {}), &issuer, &key)
            .expect("signs");
        let (status, report) = app.anonymous_api().post("/api/v1/verify", json!({ "credential": jwt })).await;
        assert_eq!(status, StatusCode::OK, "{report}");
        assert_eq!(report["valid"], true, "{report}");
        assert_eq!(report["format"], "ob3-jwt");
    }

    async fn a_request_with_nothing_to_verify_is_a_bad_request(app) {
        let api = app.anonymous_api();
        let (status, json) = api.post("/api/v1/verify", json!({})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{json}");
        assert!(json["error"].as_str().unwrap().contains("nothing to verify"), "{json}");

        let (status, json) = api.post("/api/v1/verify", json!({ "url": "  ", "credential": null })).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{json}");
        assert!(json["error"].is_string(), "{json}");

        let (status, json) = api
            .post("/api/v1/verify", json!({ "url": "https://example.org/a", "credential": {"id": "x"} }))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{json}");
        assert!(json["error"].as_str().unwrap().contains("only one"), "{json}");

        let (status, json) = api.post("/api/v1/verify", json!({ "credential": 42 })).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{json}");
        assert!(json["error"].as_str().unwrap().contains("credential"), "{json}");

        let (status, json) = api.post("/api/v1/verify", json!({ "url": "file:///etc/passwd" })).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{json}");
        assert!(json["error"].as_str().unwrap().contains("not an http(s) URL"), "{json}");

        let (status, json) = api.post_raw("/api/v1/verify", "application/json", b"{\"credential\": ".to_vec()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{json}");
        assert!(json["error"].as_str().unwrap().contains("not valid JSON"), "{json}");

        let (status, json) = api.post_raw("/api/v1/verify", "text/plain", b"eyJhbGciOi.x.y".to_vec()).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{json}");
        assert!(json["error"].is_string(), "{json}");
    }

    async fn a_baked_png_verifies_and_a_file_that_is_no_image_gets_a_failing_report(app) {
        let api = app.anonymous_api();
        let credential = signed(|_| {});
        let baked = bake_png(PIXEL, BadgeVersion::V3, &credential.to_string()).expect("bakes");
        let body = multipart(&[("image", Some("badge.png"), &baked)]);
        let (status, report) = api.post_raw("/api/v1/verify", &multipart_type(), body).await;
        assert_eq!(status, StatusCode::OK, "{report}");
        assert_eq!(report["valid"], true, "{report}");
        assert_eq!(status_of(&report, "baked"), "pass");
        assert_eq!(status_of(&report, "proof"), "pass");

        // Chosen behaviour: an upload that reaches the verifier gets a report, and the report says
        // plainly that the file is not a badge.
        let body = multipart(&[("image", Some("notes.txt"), b"these are my notes, not a badge")]);
        let (status, report) = api.post_raw("/api/v1/verify", &multipart_type(), body).await;
        assert_eq!(status, StatusCode::OK, "{report}");
        assert_eq!(report["valid"], false, "{report}");
        assert_eq!(report["format"], "unknown");
        assert_eq!(status_of(&report, "input"), "fail");
        assert!(message_of(&report, "input").contains("not a badge"), "{report}");

        // An empty multipart form has nothing to verify.
        let body = multipart(&[("image", Some(""), b"")]);
        let (status, json) = api.post_raw("/api/v1/verify", &multipart_type(), body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{json}");

        // Over the image limit, with room in the body limit: the handler says so.
        let too_big = vec![0u8; badgecommons::recognition::MAX_IMAGE_BYTES + 1];
        let body = multipart(&[("image", Some("huge.png"), &too_big)]);
        let (status, json) = api.post_raw("/api/v1/verify", &multipart_type(), body).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{json}");
        assert!(json["error"].as_str().unwrap().contains("at most 2 MB"), "{json}");

        // Over the body limit itself: refused before it is read.
        let far_too_big = vec![0u8; badgecommons::recognition::MAX_IMAGE_BYTES + 512 * 1024];
        let body = multipart(&[("image", Some("huge.png"), &far_too_big)]);
        let (status, json) = api.post_raw("/api/v1/verify", &multipart_type(), body).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{json}");
        assert!(json["error"].as_str().unwrap().contains("too large"), "{json}");
    }

    async fn a_url_on_loopback_is_refused_by_the_fetch_guard(app) {
        let (status, report) = app
            .anonymous_api()
            .post("/api/v1/verify", json!({ "url": "http://127.0.0.1:1/x" }))
            .await;
        assert_eq!(status, StatusCode::OK, "{report}");
        assert_eq!(report["valid"], false, "{report}");
        assert_eq!(status_of(&report, "input"), "fail");
        let message = message_of(&report, "input");
        assert!(message.contains("refused") && message.contains("loopback"), "{message}");
    }

    async fn the_page_has_a_labelled_form_with_three_ways_in(app) {
        let (status, page) = app.browser().page("/verify").await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains(r#"enctype="multipart/form-data""#), "{page}");
        assert!(page.contains(r#"name="csrf_token""#));
        for (id, kind) in [("url", "type=\"url\""), ("credential", "<textarea"), ("image", "type=\"file\"")] {
            assert!(page.contains(&format!(r#"<label for="{id}">"#)), "label for {id}");
            assert!(page.contains(&format!(r#"id="{id}" name="{id}""#)), "{id}");
            assert!(page.contains(kind), "{kind}");
        }
        assert!(page.contains(r#"<a href="/verify">Verify</a>"#), "in the site navigation");
    }

    async fn the_page_shows_a_valid_credential_as_a_checklist_with_its_badge(app) {
        let credential = signed(|c| {
            c["credentialSubject"]["achievement"]["image"] =
                json!({ "id": "https://example.org/images/teamwork.png", "type": "Image" });
        });
        let browser = app.browser();
        let response = submit_verify_form(&browser, &[("credential", &credential.to_string())]).await;
        assert_eq!(response.status(), StatusCode::OK);
        let page = response.text().await.unwrap();
        assert!(page.contains("Result: Valid"), "{page}");
        assert!(page.contains("Overall verdict: <strong>valid</strong>"), "{page}");
        assert!(page.contains("Teamwork Badge"));
        assert!(page.contains("Collaborates within a group."), "the description");
        assert!(page.contains("Example Commons"), "the issuer's name");
        assert!(page.contains("did:key:z"), "the issuer's id");
        assert!(page.contains("2024-03-01T12:00:00Z"), "the issue date");
        assert!(page.contains(r#"src="https://example.org/images/teamwork.png""#), "{page}");
        assert!(page.contains(r#"alt="Badge image: Teamwork Badge""#));
        assert!(page.contains("<code>proof</code>") && page.contains(">pass<"), "the checks with their status in words");
        assert!(page.contains("No revocation list"), "{page}");
    }

    async fn the_page_never_shows_a_hostile_image_and_shows_a_data_uri_image(app) {
        let browser = app.browser();
        let hostile = signed(|c| {
            c["credentialSubject"]["achievement"]["image"] =
                json!({ "id": "javascript:alert(1)", "type": "Image" });
        });
        let page = submit_verify_form(&browser, &[("credential", &hostile.to_string())]).await.text().await.unwrap();
        assert!(page.contains("Result: Valid"), "{page}");
        assert!(!page.contains("<img"), "{page}");
        assert!(!page.contains("src=\"javascript"), "{page}");

        let svg = signed(|c| {
            c["credentialSubject"]["achievement"]["image"] =
                json!({ "id": "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E", "type": "Image" });
        });
        let page = submit_verify_form(&browser, &[("credential", &svg.to_string())]).await.text().await.unwrap();
        assert!(page.contains(r#"<img src="data:image/svg+xml;base64,"#), "{page}");
        assert!(!page.contains("<svg"), "an SVG is never put inline");
    }

    async fn the_page_says_revocation_could_not_be_checked_and_never_not_revoked(app) {
        let credential = signed(|c| {
            c["credentialStatus"] = json!({
                "id": "http://127.0.0.1:1/revocations/1",
                "type": "1EdTechRevocationList"
            });
        });
        let browser = app.browser();
        let response = submit_verify_form(&browser, &[("credential", &credential.to_string())]).await;
        assert_eq!(response.status(), StatusCode::OK);
        let page = response.text().await.unwrap();
        assert!(page.contains("Result: Revocation could not be checked"), "{page}");
        assert!(page.contains("may have been revoked"), "{page}");
        assert!(!page.to_lowercase().contains("not revoked"), "{page}");
        assert!(page.contains(">warning<"), "the check's status in words: {page}");

        let (_, report) = app.anonymous_api().post("/api/v1/verify", json!({ "credential": credential })).await;
        assert_eq!(status_of(&report, "revocation"), "warning");
        assert!(report["summary"]["revoked"].is_null(), "{report}");
    }

    async fn the_page_shows_a_tampered_credential_as_not_valid_and_asks_for_input(app) {
        let mut credential = signed(|_| {});
        credential["name"] = json!("Something else");
        let browser = app.browser();
        let page = submit_verify_form(&browser, &[("credential", &credential.to_string())]).await.text().await.unwrap();
        assert!(page.contains("Result: Not valid"), "{page}");
        assert!(page.contains(">fail<"), "{page}");

        let response = submit_verify_form(&browser, &[("url", ""), ("credential", "  ")]).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let page = response.text().await.unwrap();
        assert!(page.contains("There is nothing to verify"), "{page}");
        assert!(page.contains(r#"enctype="multipart/form-data""#), "the form again");

        let response = submit_verify_form(&browser, &[("url", "https://example.org/a"), ("credential", "{}")]).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let page = response.text().await.unwrap();
        assert!(page.contains("Give only one badge"), "{page}");
        assert!(page.contains(r#"value="https://example.org/a""#), "what was typed is kept");
    }

    async fn the_form_without_its_csrf_token_is_refused(app) {
        let browser = app.browser();
        browser.csrf().await;
        let body = multipart(&[("credential", None, b"{}")]);
        let response = browser
            .client
            .post(format!("{}/verify", browser.base))
            .header("content-type", multipart_type())
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert!(response.text().await.unwrap().contains("CSRF"));

        let body = multipart(&[("csrf_token", None, b"not-the-token-of-this-browser-at-all"), ("credential", None, b"{}")]);
        let response = browser
            .client
            .post(format!("{}/verify", browser.base))
            .header("content-type", multipart_type())
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);

        let response = browser.submit_without_csrf("/verify", &[("credential", "{}")]).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
    }

    async fn verifying_beyond_the_per_minute_limit_is_refused(app) {
        let app = TestApp::start_with(app.backend, |s| s.limits.verify_per_minute = 2)
            .await
            .expect("app with a small limit");
        let api = app.anonymous_api();
        let credential = signed(|_| {});
        for _ in 0..2 {
            let (status, report) = api.post("/api/v1/verify", json!({ "credential": credential })).await;
            assert_eq!(status, StatusCode::OK, "{report}");
        }
        let (status, json) = api.post("/api/v1/verify", json!({ "credential": credential })).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{json}");
        assert!(json["error"].as_str().unwrap().contains("Too many requests"), "{json}");

        let browser = app.browser();
        let response = submit_verify_form(&browser, &[("credential", &credential.to_string())]).await;
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS, "the page shares the limit");
        assert!(response.text().await.unwrap().contains("Too many requests"));
        let (status, _) = browser.page("/verify").await;
        assert_eq!(status, StatusCode::OK, "reading the form is not limited");
    }
}
