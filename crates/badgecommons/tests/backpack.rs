//! The backpack: members import badges from anywhere (pasted JSON/JWT, a baked image, a URL),
//! each stored with its verification report whatever the verdict and never shown as valid when
//! it is not; a re-verification picks up revocations; collections are ordered, shared publicly
//! or kept private; everything exports as one zip. Runs on both backends.

mod common;

use std::io::Read;

use badgecommons::accounts::model::Role;
use badgecommons::net::parse_allow_list;
use badgecommons::web::AppState;
use common::{location, TestApp};
use ed25519_dalek::SigningKey;
use openbadges::bake::{bake_png, BadgeVersion};
use openbadges::proof::{data_integrity, did_key};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// An OB 3.0 credential named `name`, issued by a did:key to `email` (as a salted hash), signed.
fn signed_credential(name: &str, email: &str) -> Value {
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let vm = did_key::verification_method(&key.verifying_key());
    let salt = "pepper";
    let hash: String = Sha256::digest(format!("{email}{salt}").as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let credential = json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ],
        "id": "urn:uuid:5b8d1c1e-7f0e-4f39-9d5e-0d3c5a1b2c3d",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": name,
        "issuer": {
            "id": did_key::did(&key.verifying_key()),
            "type": ["Profile"],
            "name": "Elsewhere Guild"
        },
        "validFrom": "2025-03-01T00:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{
                "type": "IdentityObject",
                "identityHash": format!("sha256${hash}"),
                "identityType": "emailAddress",
                "hashed": true,
                "salt": salt
            }],
            "achievement": {
                "id": "urn:uuid:0c5b1c8e-1111-4a4a-9b9b-222233334444",
                "type": ["Achievement"],
                "name": name,
                "description": "Given elsewhere.",
                "criteria": { "narrative": "Did the thing." }
            }
        }
    });
    data_integrity::sign(&credential, &key, &vm, "2025-03-01T00:00:00Z").expect("sign")
}

/// Imports a credential through the API and returns the stored badge.
async fn import_json(api: &common::Api, credential: &Value) -> Value {
    let (status, body) = api
        .post("/api/v1/backpack", json!({ "credential": credential }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

fn failing(badge: &Value) -> Vec<String> {
    badge["report"]["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["status"] == "fail")
        .map(|c| format!("{}: {}", c["id"], c["message"]))
        .collect()
}

/// The `<li>` of a page that mentions `name` (to look at one badge's status).
fn item_with<'a>(html: &'a str, name: &str) -> &'a str {
    let at = html
        .find(name)
        .unwrap_or_else(|| panic!("{name} not on the page"));
    let start = html[..at].rfind("<li").unwrap_or(0);
    let end = html[at..].find("</li>").map_or(html.len(), |e| at + e);
    &html[start..end]
}

/// An admin's badge class and an award of it to `username`; returns (admin api, award id).
async fn award_to(app: &TestApp, username: &str, badge: &str) -> (common::Api, String) {
    app.member(username, Role::Member).await;
    app.member("ada", Role::Admin).await;
    let admin = app.api_client("ada").await;
    let (status, class) = admin
        .post(
            "/api/v1/badges",
            json!({"name": badge, "description": "Helps.", "criteria": "Help."}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{class}");
    let class = class["id"].as_i64().expect("id");
    let (status, award) = admin
        .post(
            &format!("/api/v1/badges/{class}/awards"),
            json!({ "username": username }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{award}");
    (admin, award["id"].as_str().expect("id").to_owned())
}

both_backends! {
    async fn a_pasted_credential_is_stored_valid_private_then_shown(app) {
        app.member("mei", Role::Member).await;
        let browser = app.signed_in("mei").await;
        let credential = signed_credential("Community Speaker", "mei@example.org");

        // The page's multipart form, as a person would paste it.
        let response = browser
            .submit_multipart("/backpack", &[("credential", &credential.to_string())], &[])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&response), "/backpack");

        let api = app.api_client("mei").await;
        let (status, list) = api.get("/api/v1/backpack").await;
        assert_eq!(status, StatusCode::OK);
        let badge = &list["badges"][0];
        assert_eq!(badge["status"], "valid", "{:#?}", failing(badge));
        assert_eq!(badge["valid"], true);
        assert_eq!(badge["source"], "json");
        assert_eq!(badge["name"], "Community Speaker");
        assert_eq!(badge["issuer"], "Elsewhere Guild");
        // The hashed recipient was checked against mei's address.
        let recipient = badge["report"]["checks"].as_array().expect("checks").iter()
            .find(|c| c["id"] == "recipient").expect("recipient check").clone();
        assert_eq!(recipient["status"], "pass", "{recipient}");
        // Private until shown.
        assert_eq!(badge["shown"], false);
        let (_, profile) = app.browser().page("/u/mei").await;
        assert!(!profile.contains("Community Speaker"), "private badge on the profile");
        let (_, own) = browser.page("/u/mei").await;
        assert!(own.contains("Community Speaker"));

        let id = badge["id"].as_i64().expect("id");
        let response = browser.submit(&format!("/backpack/{id}/visibility"), &[("show", "yes")]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let (_, profile) = app.browser().page("/u/mei").await;
        let item = item_with(&profile, "Community Speaker");
        assert!(item.contains("verified"), "{item}");
        // Its credential can be read by anyone now it is shown.
        let (status, text) = app.browser().page(&format!("/backpack/badges/{id}/credential")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(serde_json::from_str::<Value>(&text).expect("json"), credential);

        // The API import answers 201 with the stored badge; nothing given is a 400.
        let again = import_json(&api, &credential).await;
        assert_eq!(again["status"], "valid");
        let (status, body) = api.post("/api/v1/backpack", json!({})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        // The form with nothing in it says what to give, on the page.
        let response = browser.submit_multipart("/backpack", &[("url", "")], &[]).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let text = response.text().await.expect("page");
        assert!(text.contains("There is nothing to verify"), "{text}");
        // A pasted credential over the limit is refused, and not stored.
        let huge = format!("{{\"pad\": \"{}\"}}", "x".repeat(300 * 1024));
        let (status, body) = api.post("/api/v1/backpack", json!({ "credential": huge })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let (_, list) = api.get("/api/v1/backpack").await;
        assert_eq!(list["badges"].as_array().map(Vec::len), Some(2));
        // Signed out, the API asks for a token.
        let (status, _) = app.anonymous_api().get("/api/v1/backpack").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }

    async fn a_tampered_credential_is_kept_but_never_shown_as_valid(app) {
        app.member("mei", Role::Member).await;
        let api = app.api_client("mei").await;
        let browser = app.signed_in("mei").await;
        let mut credential = signed_credential("Honest Badge", "mei@example.org");
        credential["credentialSubject"]["achievement"]["name"] = json!("Forged Grandmaster");
        let badge = import_json(&api, &credential).await;
        assert_eq!(badge["valid"], false);
        assert_eq!(badge["status"], "not valid");
        assert!(!failing(&badge).is_empty(), "{badge}");
        let id = badge["id"].as_i64().expect("id");

        // Shown on the profile, it says it is not valid.
        browser.submit(&format!("/backpack/{id}/visibility"), &[("show", "yes")]).await;
        let (_, profile) = app.browser().page("/u/mei").await;
        let item = item_with(&profile, "Forged Grandmaster");
        assert!(item.contains("not valid"), "{item}");
        assert!(!item.contains("verified"), "{item}");
        assert!(!item.contains("linkedin"), "{item}");
        let (_, page) = browser.page("/backpack").await;
        assert!(item_with(&page, "Forged Grandmaster").contains("not valid"));

        // In a public collection too.
        let response = browser.submit("/backpack/collections", &[("name", "Mine"), ("public", "yes")]).await;
        let edit = location(&response);
        browser.submit(&format!("{edit}/items"), &[("badge", &format!("imported:{id}"))]).await;
        let (status, shared) = app.browser().page("/u/mei/collections/mine").await;
        assert_eq!(status, StatusCode::OK);
        let item = item_with(&shared, "Forged Grandmaster");
        assert!(item.contains("not valid") && !item.contains("verified"), "{item}");
        let (_, json_form) = app.anonymous_api().get("/u/mei/collections/mine.json").await;
        assert_eq!(json_form["badges"][0]["status"], "not valid", "{json_form}");
        assert_eq!(json_form["badges"][0]["valid"], false);
    }

    async fn a_baked_png_upload_is_verified_and_kept_with_its_image(app) {
        app.member("mei", Role::Member).await;
        let browser = app.signed_in("mei").await;
        let credential = signed_credential("Baked Badge", "mei@example.org");
        let png = bake_png(
            &badgecommons::recognition::images::default_png(),
            BadgeVersion::V3,
            &credential.to_string(),
        )
        .expect("bake");
        let response = browser
            .submit_multipart("/backpack", &[], &[("image", "badge.png", "image/png", &png)])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let api = app.api_client("mei").await;
        let (_, list) = api.get("/api/v1/backpack").await;
        let badge = &list["badges"][0];
        assert_eq!(badge["source"], "image");
        assert_eq!(badge["status"], "valid", "{:#?}", failing(badge));
        let id = badge["id"].as_i64().expect("id");
        let image = browser.get(&format!("/backpack/badges/{id}/image")).await;
        assert_eq!(image.status(), StatusCode::OK);
        assert_eq!(image.bytes().await.expect("bytes").as_ref(), png.as_slice());
        // Private: others cannot read it.
        let (status, _) = app.browser().page(&format!("/backpack/badges/{id}/image")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // The API takes the same image as a multipart `image`, and answers 201.
        let (content_type, body) =
            common::multipart_body(&[], &[("image", "badge.png", "image/png", &png)]);
        let (status, stored) = api.post_raw("/api/v1/backpack", &content_type, body).await;
        assert_eq!(status, StatusCode::CREATED, "{stored}");
        assert_eq!(stored["source"], "image");
        assert_eq!(stored["status"], "valid");
        let (status, body) = api.delete(&format!("/api/v1/backpack/{}", stored["id"])).await;
        assert_eq!(status, StatusCode::OK, "{body}");

        // A file that is not an image is refused, and nothing is stored.
        let response = browser
            .submit_multipart("/backpack", &[], &[("image", "x.gif", "image/gif", b"GIF89a....")])
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let (_, list) = api.get("/api/v1/backpack").await;
        assert_eq!(list["badges"].as_array().map(Vec::len), Some(1));
    }

    async fn collections_are_ordered_shared_and_private(app) {
        app.member("mei", Role::Member).await;
        app.member("sam", Role::Member).await;
        let api = app.api_client("mei").await;
        let browser = app.signed_in("mei").await;
        let first = import_json(&api, &signed_credential("Rust & Friends 2026", "mei@example.org")).await;
        let second = import_json(&api, &signed_credential("Second Badge", "mei@example.org")).await;
        assert_eq!(first["status"], "valid", "{:#?}", failing(&first));

        let response = browser.submit("/backpack/collections", &[("name", "Talks"), ("public", "yes")]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let edit = location(&response);
        assert!(edit.starts_with("/backpack/collections/"), "{edit}");
        for badge in [&first, &second] {
            let key = format!("imported:{}", badge["id"]);
            let response = browser.submit(&format!("{edit}/items"), &[("badge", &key)]).await;
            assert_eq!(response.status(), StatusCode::SEE_OTHER);
        }
        let (_, shared) = app.browser().page("/u/mei/collections/talks").await;
        let order = |html: &str| html.find("Rust &#38; Friends 2026").expect("first") < html.find("Second Badge").expect("second");
        assert!(order(&shared));

        // Move the second up: the order flips.
        let (_, page) = browser.page(&edit).await;
        let marker = "/items/";
        let item_ids: Vec<String> = page
            .match_indices(marker)
            .map(|(at, _)| page[at + marker.len()..].split('/').next().unwrap_or_default().to_owned())
            .collect();
        let last = item_ids.last().expect("item ids").clone();
        let response = browser.submit(&format!("{edit}/items/{last}/move"), &[("direction", "up")]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let (status, shared) = app.browser().page("/u/mei/collections/talks").await;
        assert_eq!(status, StatusCode::OK);
        assert!(!order(&shared), "second badge should be first now");

        // LinkedIn's add-to-profile link, URL-encoded (and the & escaped in HTML).
        assert!(shared.contains("https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME&#38;name=Rust+%26+Friends+2026&#38;organizationName=Elsewhere+Guild&#38;issueYear=2025&#38;issueMonth=3&#38;certUrl="), "{shared}");

        // The JSON form lists each badge with its status and a link to the credential.
        let (status, json_form) = app.anonymous_api().get("/u/mei/collections/talks.json").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(json_form["name"], "Talks");
        assert_eq!(json_form["badges"][0]["name"], "Second Badge");
        assert_eq!(json_form["badges"][1]["name"], "Rust & Friends 2026");
        assert_eq!(json_form["badges"][1]["issuer"], "Elsewhere Guild");
        assert_eq!(json_form["badges"][1]["status"], "valid");
        let link = json_form["badges"][1]["credential_url"].as_str().expect("link").to_owned();
        // In a public collection, the credential may be read though the badge is not on the
        // profile.
        let credential = reqwest::get(&link).await.expect("get");
        assert_eq!(credential.status(), StatusCode::OK);

        // Private: a 404 for everyone else, the page for its owner.
        let response = browser.submit(&edit, &[("name", "Talks given")]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let (status, _) = app.browser().page("/u/mei/collections/talks").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = app.anonymous_api().get("/u/mei/collections/talks.json").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let sam = app.signed_in("sam").await;
        let (status, _) = sam.page("/u/mei/collections/talks").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = sam.page(&edit).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, page) = browser.page("/u/mei/collections/talks").await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("Talks given"));
        let reqwest_status = reqwest::get(&link).await.expect("get").status();
        assert_eq!(reqwest_status, StatusCode::NOT_FOUND, "a private badge's credential");

        // Remove and delete.
        let response = browser.submit(&format!("{edit}/items/{last}/remove"), &[]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let response = browser.submit(&format!("{edit}/delete"), &[]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let (status, _) = browser.page(&edit).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }

    async fn someone_elses_badges_cannot_be_deleted_or_collected(app) {
        let (_, award) = award_to(&app, "mei", "Helper").await;
        app.member("sam", Role::Member).await;
        let mei = app.api_client("mei").await;
        let badge = import_json(&mei, &signed_credential("Mei's Badge", "mei@example.org")).await;
        let id = badge["id"].as_i64().expect("id");

        let sam_api = app.api_client("sam").await;
        let (status, body) = sam_api.delete(&format!("/api/v1/backpack/{id}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        let sam = app.signed_in("sam").await;
        let response = sam.submit(&format!("/backpack/{id}/delete"), &[]).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let response = sam.submit(&format!("/backpack/{id}/visibility"), &[("show", "yes")]).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let response = sam.submit("/backpack/collections", &[("name", "Loot"), ("public", "yes")]).await;
        let edit = location(&response);
        for key in [format!("imported:{id}"), format!("award:{award}")] {
            let response = sam.submit(&format!("{edit}/items"), &[("badge", &key)]).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{key}");
        }
        let (_, loot) = app.anonymous_api().get("/u/sam/collections/loot.json").await;
        assert_eq!(loot["badges"], json!([]));

        // Mei can collect her award, and delete her own badge.
        let browser = app.signed_in("mei").await;
        let response = browser.submit("/backpack/collections", &[("name", "Here")]).await;
        let mine = location(&response);
        let response = browser.submit(&format!("{mine}/items"), &[("badge", &format!("award:{award}"))]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let (status, body) = mei.delete(&format!("/api/v1/backpack/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (_, list) = mei.get("/api/v1/backpack").await;
        assert_eq!(list["badges"], json!([]));
        assert_eq!(list["awards"][0]["id"], award.as_str());
    }

    async fn the_export_holds_every_badge_and_an_escaped_index(app) {
        let (_, award) = award_to(&app, "mei", "Helper").await;
        let api = app.api_client("mei").await;
        let hostile = "<script>alert('pwned')</script>";
        let badge = import_json(&api, &signed_credential(hostile, "mei@example.org")).await;
        let id = badge["id"].as_i64().expect("id");
        let browser = app.signed_in("mei").await;
        let response = browser.get("/backpack/export.zip").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "application/zip");
        let bytes = response.bytes().await.expect("zip");
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("a zip");
        let mut read = |name: &str| {
            let mut file = archive.by_name(name).unwrap_or_else(|_| panic!("{name} in the zip"));
            let mut out = Vec::new();
            file.read_to_end(&mut out).expect("read");
            out
        };
        let index = String::from_utf8(read("index.html")).expect("utf-8");
        assert!(!index.contains("<script>"), "{index}");
        assert!(index.contains("&#60;script&#62;alert("), "{index}");
        assert!(index.contains("Helper"));
        let png = read(&format!("awards/{award}.png"));
        let served = reqwest::get(app.url(&format!("/credentials/{award}.png"))).await.expect("get").bytes().await.expect("png");
        assert_eq!(png, served.to_vec());
        let credential: Value = serde_json::from_slice(&read(&format!("awards/{award}.json"))).expect("json");
        assert_eq!(credential["type"][1], "OpenBadgeCredential");
        let imported: Value = serde_json::from_slice(&read(&format!("imported/{id}.json"))).expect("json");
        assert_eq!(imported["credentialSubject"]["achievement"]["name"], hostile);
        read(&format!("imported/{id}.report.json"));
        // Signed out, there is nothing to export.
        let (status, _) = app.browser().page("/backpack/export.zip").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }

    async fn collections_through_the_api(app) {
        let (_, award) = award_to(&app, "mei", "Helper").await;
        app.member("sam", Role::Member).await;
        let mei = app.api_client("mei").await;
        let first = import_json(&mei, &signed_credential("Rust & Friends 2026", "mei@example.org")).await;
        let first = first["id"].as_i64().expect("id");
        let (status, _) = app.anonymous_api().get("/api/v1/collections").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        let (status, made) = mei.post("/api/v1/collections", json!({"name": "Talks", "public": true})).await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        let id = made["id"].as_i64().expect("id");
        assert_eq!(made["slug"], "talks");
        assert_eq!(made["public"], true);
        assert_eq!(made["items"], json!([]));
        assert_eq!(made["url"], app.url("/u/mei/collections/talks"));
        // The same name again gets the next free slug, as on the page.
        let (status, again) = mei.post("/api/v1/collections", json!({"name": "Talks"})).await;
        assert_eq!(status, StatusCode::CREATED, "{again}");
        assert_eq!(again["slug"], "talks-2");
        assert_eq!(again["public"], false);
        for bad in [json!({"name": " "}), json!({"name": "x".repeat(101)})] {
            let (status, body) = mei.post("/api/v1/collections", bad.clone()).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad} → {body}");
        }

        // Items replace the list, in the order given.
        let path = format!("/api/v1/collections/{id}");
        let (status, body) = mei.patch(&path, json!({"items": [{"award": award}, {"badge": first}]})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["items"], json!([{"award": award}, {"badge": first}]));
        assert_eq!(body["name"], "Talks", "what is not given stays");
        let (_, shared) = app.anonymous_api().get("/u/mei/collections/talks.json").await;
        assert_eq!(shared["badges"][0]["name"], "Helper");
        assert_eq!(shared["badges"][1]["name"], "Rust & Friends 2026");
        let (status, body) = mei.patch(&path, json!({"name": "Talks given", "public": false, "items": [{"badge": first}, {"award": award}]})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["items"], json!([{"badge": first}, {"award": award}]));
        assert_eq!(body["public"], false);
        assert_eq!(body["slug"], "talks", "the share URL is permanent");
        let (status, _) = app.anonymous_api().get("/u/mei/collections/talks.json").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "private now");

        // A refused list changes nothing.
        let sams = import_json(&app.api_client("sam").await, &signed_credential("Sam's Badge", "sam@example.org")).await;
        let sams = sams["id"].as_i64().expect("id");
        let cases = [
            (json!({"name": "Renamed", "items": [{"badge": first}, {"badge": sams}]}), StatusCode::NOT_FOUND),
            (json!({"items": [{"award": "no-such-award"}]}), StatusCode::NOT_FOUND),
            (json!({"items": [{"badge": first}, {"badge": first}]}), StatusCode::UNPROCESSABLE_ENTITY),
            (json!({"items": [{"badge": first, "award": award}]}), StatusCode::BAD_REQUEST),
            (json!({"items": [{}]}), StatusCode::BAD_REQUEST),
            (json!({"name": ""}), StatusCode::UNPROCESSABLE_ENTITY),
        ];
        for (bad, expected) in cases {
            let (status, body) = mei.patch(&path, bad.clone()).await;
            assert_eq!(status, expected, "{bad} → {body}");
            assert!(body["error"].is_string(), "{body}");
        }
        let (status, list) = mei.get("/api/v1/collections").await;
        assert_eq!(status, StatusCode::OK);
        let talks = list["collections"].as_array().expect("list").iter().find(|c| c["id"] == id).expect("talks").clone();
        assert_eq!(talks["name"], "Talks given");
        assert_eq!(talks["items"], json!([{"badge": first}, {"award": award}]));
        assert_eq!(list["collections"].as_array().map(Vec::len), Some(2));

        // Someone else's collection is not found, for every call, and stays as it was.
        let sam = app.api_client("sam").await;
        let (_, theirs) = sam.get("/api/v1/collections").await;
        assert_eq!(theirs["collections"], json!([]));
        let (status, _) = sam.patch(&path, json!({"name": "Mine now"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = sam.delete(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // And a member cannot collect another's award into their own.
        let (_, own) = sam.post("/api/v1/collections", json!({"name": "Loot"})).await;
        let (status, _) = sam.patch(&format!("/api/v1/collections/{}", own["id"]), json!({"items": [{"award": award}]})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // Emptying, then deleting: the badges stay in the backpack.
        let (status, body) = mei.patch(&path, json!({"items": []})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["items"], json!([]));
        let (status, body) = mei.delete(&path).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body, json!({"id": id, "deleted": true}));
        let (status, _) = mei.delete(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = mei.patch(&path, json!({"name": "Back"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (_, backpack) = mei.get("/api/v1/backpack").await;
        assert_eq!(backpack["badges"].as_array().map(Vec::len), Some(1));
        assert_eq!(backpack["awards"][0]["id"], award.as_str());
    }
}

/// The app's state, as the server has it, for calling `reverify_all` directly.
fn state_of(app: &TestApp) -> AppState {
    let mut settings = common::test_settings(&app.database_url, &app.data_dir);
    settings.public_url = app.base.clone();
    settings.fetch.allow = parse_allow_list("127.0.0.0/8").expect("allow list");
    AppState::new(app.db.clone(), settings).expect("state")
}

both_backends_on_loopback! {
    async fn an_award_imported_by_url_shows_revoked_after_reverification(app) {
        let (admin, award) = award_to(&app, "mei", "Helper").await;
        let mei = app.api_client("mei").await;
        // The credential's `.json` form: the OB 3.0 credential, whose revocation is a status-list bit.
        // (The bare `/credentials/{id}` answers the OB 2.0 assertion, whose id is `.../ob2.json`,
        // so a verifier refuses it as not served at its own id.)
        let url = app.url(&format!("/credentials/{award}.json"));
        let (status, badge) = mei.post("/api/v1/backpack", json!({ "url": url })).await;
        assert_eq!(status, StatusCode::CREATED, "{badge}");
        assert_eq!(badge["source"], "url");
        assert_eq!(badge["status"], "valid", "{:#?}", failing(&badge));
        assert_eq!(badge["name"], "Helper");

        let state = state_of(&app);
        assert_eq!(badgecommons::backpack::reverify_all(&state).await.expect("reverify"), 1);
        let (_, list) = mei.get("/api/v1/backpack").await;
        assert_eq!(list["badges"][0]["status"], "valid");

        let (status, body) = admin
            .post(&format!("/api/v1/awards/{award}/revoke"), json!({"reason": "Given by mistake."}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        badgecommons::backpack::reverify_all(&state).await.expect("reverify");
        let (_, list) = mei.get("/api/v1/backpack").await;
        let badge = &list["badges"][0];
        assert_eq!(badge["status"], "revoked", "{badge:#}");
        assert_eq!(badge["valid"], false);
        assert_eq!(badge["revoked"], true);

        // Shown, the profile says revoked, never verified.
        let browser = app.signed_in("mei").await;
        let id = badge["id"].as_i64().expect("id");
        browser.submit(&format!("/backpack/{id}/visibility"), &[("show", "yes")]).await;
        let (_, profile) = app.browser().page("/u/mei").await;
        let at = profile.find("From elsewhere").expect("imported section");
        let item = item_with(&profile[at..], "Helper");
        assert!(item.contains("revoked") && !item.contains("verified"), "{item}");
    }
}
