//! The public archives as readers, feed readers, search engines and assistive technology meet
//! them: no account needed, Atom feeds, sitemap and robots.txt, canonical and OpenGraph metadata,
//! landmarks and labels, microformats, search with highlighting, and the operations endpoints.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use atom_syndication::Feed;
use badgecommons::accounts::model::Role;
use common::{Api, TestApp};
use reqwest::StatusCode;
use serde_json::json;

/// The attributes of every `<name ...>` start tag in `html` (a small tokenizer: enough for the
/// markup the app writes, which quotes every attribute value).
fn tags(html: &str, name: &str) -> Vec<BTreeMap<String, String>> {
    let mut found = Vec::new();
    let open = format!("<{name}");
    let mut rest = html;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        rest = after;
        if !after.starts_with(|c: char| c.is_whitespace() || c == '>' || c == '/') {
            continue;
        }
        let end = after.find('>').expect("tag closes");
        found.push(attributes(&after[..end]));
    }
    found
}

fn attributes(mut text: &str) -> BTreeMap<String, String> {
    let mut attrs = BTreeMap::new();
    loop {
        text = text.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
        if text.is_empty() {
            return attrs;
        }
        let name_end = text
            .find(|c: char| c.is_whitespace() || c == '=' || c == '/')
            .unwrap_or(text.len());
        let name = text[..name_end].to_ascii_lowercase();
        text = &text[name_end..];
        if let Some(value_part) = text.strip_prefix('=') {
            let quote = value_part.chars().next().expect("attribute value");
            if quote == '"' || quote == '\'' {
                let close = value_part[1..].find(quote).expect("closing quote");
                attrs.insert(name, value_part[1..1 + close].to_string());
                text = &value_part[close + 2..];
            } else {
                let end = value_part
                    .find(char::is_whitespace)
                    .unwrap_or(value_part.len());
                attrs.insert(name, value_part[..end].to_string());
                text = &value_part[end..];
            }
        } else {
            attrs.insert(name, String::new());
        }
    }
}

fn has_class(attrs: &BTreeMap<String, String>, class: &str) -> bool {
    attrs
        .get("class")
        .is_some_and(|c| c.split_whitespace().any(|c| c == class))
}

fn count_class(html: &str, class: &str) -> usize {
    [
        "div", "article", "li", "a", "time", "span", "section", "h1", "p",
    ]
    .iter()
    .flat_map(|t| tags(html, t))
    .filter(|a| has_class(a, class))
    .count()
}

/// Every form control (except hidden inputs and buttons) has an id that a `<label for>` names.
fn assert_labelled(html: &str, page: &str) {
    let labels: BTreeSet<String> = tags(html, "label")
        .into_iter()
        .filter_map(|a| a.get("for").cloned())
        .collect();
    let mut controls = 0;
    for kind in ["input", "textarea", "select"] {
        for attrs in tags(html, kind) {
            let input_type = attrs.get("type").map(String::as_str).unwrap_or("text");
            if kind == "input" && matches!(input_type, "hidden" | "submit" | "button" | "image") {
                continue;
            }
            controls += 1;
            let id = attrs
                .get("id")
                .unwrap_or_else(|| panic!("{page}: <{kind}> without an id: {attrs:?}"));
            assert!(
                labels.contains(id),
                "{page}: <{kind} id={id:?}> has no <label for>"
            );
        }
    }
    assert!(controls > 0, "{page}: no form controls found");
}

/// What every page carries: language, viewport, landmarks, a skip link, canonical and OpenGraph.
fn assert_page_shell(app: &TestApp, html: &str, path: &str) {
    let html_tag = &tags(html, "html")[0];
    assert!(
        html_tag.get("lang").is_some_and(|l| !l.is_empty()),
        "{path}: lang"
    );
    let metas = tags(html, "meta");
    let meta = |key: &str, value: &str| {
        metas
            .iter()
            .find(|m| m.get(key).map(String::as_str) == Some(value))
            .and_then(|m| m.get("content").cloned())
    };
    assert!(
        meta("name", "viewport").is_some_and(|v| v.contains("width=device-width")),
        "{path}: viewport"
    );
    let canonical = tags(html, "link")
        .into_iter()
        .find(|l| l.get("rel").map(String::as_str) == Some("canonical"))
        .and_then(|l| l.get("href").cloned())
        .unwrap_or_else(|| panic!("{path}: no canonical link"));
    let bare_path = path.split('?').next().unwrap_or_default();
    assert_eq!(
        canonical,
        app.url(bare_path),
        "{path}: canonical is absolute"
    );
    assert_eq!(
        meta("property", "og:url").as_deref(),
        Some(canonical.as_str())
    );
    assert!(
        meta("property", "og:title").is_some_and(|t| !t.is_empty()),
        "{path}: og:title"
    );
    assert!(meta("property", "og:type").is_some(), "{path}: og:type");
    assert!(
        meta("property", "og:site_name").is_some(),
        "{path}: og:site_name"
    );
    let main = tags(html, "main");
    assert_eq!(main.len(), 1, "{path}: one <main>");
    let main_id = main[0].get("id").expect("main has an id");
    let skip = tags(html, "a")
        .into_iter()
        .position(|a| a.get("href") == Some(&format!("#{main_id}")));
    assert!(skip.is_some(), "{path}: a skip link to #{main_id}");
    let first_link = tags(html, "a").into_iter().next().expect("links");
    assert_eq!(
        first_link.get("href"),
        Some(&format!("#{main_id}")),
        "{path}: the skip link comes first"
    );
    assert!(
        tags(html, "header")
            .iter()
            .any(|h| h.get("role").map(String::as_str) == Some("banner")),
        "{path}: banner"
    );
    assert!(tags(html, "nav")
        .iter()
        .any(|n| n.contains_key("aria-label")));
    assert!(!tags(html, "footer").is_empty(), "{path}: footer");
}

/// A community with two categories, a topic with a reply in each, and a moderator.
struct Community {
    topic: i64,
    topic_path: String,
    other_topic: i64,
    reply: i64,
}

async fn community(app: &TestApp) -> (Community, Api, Api) {
    app.member("alice", Role::Member).await;
    app.member("bob", Role::Member).await;
    app.member("mod", Role::Moderator).await;
    app.category("general").await;
    app.category("events").await;
    let alice = app.api_client("alice").await;
    let bob = app.api_client("bob").await;
    let topic = app
        .topic_by(
            &alice,
            "general",
            "Feeds are great",
            "Atom *rocks* for readers",
        )
        .await;
    let (status, reply) = bob
        .post(
            &format!("/api/v1/topics/{topic}/posts"),
            json!({"body": "A second voice agrees"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let other_topic = app
        .topic_by(&bob, "events", "Summer meetup", "In the park")
        .await;
    let (_, json) = alice.get(&format!("/api/v1/topics/{topic}")).await;
    let url = json["url"].as_str().unwrap();
    (
        Community {
            topic,
            topic_path: url.strip_prefix(&app.base).unwrap().to_string(),
            other_topic,
            reply: reply["id"].as_i64().unwrap(),
        },
        alice,
        bob,
    )
}

async fn feed(app: &TestApp, path: &str) -> Feed {
    let response = app.browser().get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        content_type.starts_with("application/atom+xml"),
        "{path}: {content_type}"
    );
    let text = response.text().await.unwrap();
    text.parse::<Feed>()
        .unwrap_or_else(|e| panic!("{path} is not Atom: {e}\n{text}"))
}

/// (link, content) of every entry, with checks that links and ids are absolute.
fn entries(app: &TestApp, feed: &Feed) -> Vec<(String, String)> {
    assert!(feed
        .links()
        .iter()
        .any(|l| l.rel() == "self" && l.href().starts_with(&app.base)));
    assert!(feed
        .links()
        .iter()
        .any(|l| l.rel() == "alternate" && l.href().starts_with(&app.base)));
    feed.entries()
        .iter()
        .map(|entry| {
            let link = entry
                .links()
                .iter()
                .find(|l| l.rel() == "alternate")
                .expect("entry link")
                .href()
                .to_string();
            assert!(link.starts_with(&app.base), "absolute link: {link}");
            assert!(
                entry.id().starts_with("http"),
                "absolute id: {}",
                entry.id()
            );
            assert!(entry.published().is_some());
            let author = &entry.authors()[0];
            assert!(author.uri().is_some_and(|u| u.starts_with(&app.base)));
            let content = entry
                .content()
                .and_then(|c| c.value())
                .unwrap_or_default()
                .to_string();
            (link, content)
        })
        .collect()
}

both_backends! {
    async fn reading_needs_no_account(app) {
        let (c, _, _) = community(&app).await;
        let reader = app.browser();
        for path in [
            "/".to_string(),
            "/c/general".to_string(),
            c.topic_path.clone(),
            "/u/alice".to_string(),
            "/search?q=voice".to_string(),
            "/feed.atom".to_string(),
            "/c/events/feed.atom".to_string(),
            format!("/t/{}/feed.atom", c.other_topic),
            "/sitemap.xml".to_string(),
            format!("/p/{}/history", c.reply),
        ] {
            let (status, body) = reader.page(&path).await;
            assert_eq!(status, StatusCode::OK, "{path}: {body}");
        }
        let (_, topic) = reader.page(&c.topic_path).await;
        assert!(topic.contains("<em>rocks</em>"));
        assert!(topic.contains("A second voice agrees"));
        assert!(topic.contains("Sign in to reply"));
        let api = app.anonymous_api();
        for path in ["/api/v1/categories", "/api/v1/topics", "/api/v1/members/alice", "/api/v1/search?q=voice"] {
            assert_eq!(api.get(path).await.0, StatusCode::OK, "{path}");
        }
        let (status, json) = api.get(&format!("/api/v1/topics/{}", c.topic)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(json["posts"].as_array().unwrap().len(), 2);
    }

    async fn atom_feeds_carry_public_posts_with_absolute_links(app) {
        let (c, alice, bob) = community(&app).await;
        // A hidden post and a deleted post must stay out of every feed.
        let (_, hidden) = alice
            .post(&format!("/api/v1/topics/{}/posts", c.topic), json!({"body": "Hidden insult text"}))
            .await;
        let (_, deleted) = bob
            .post(&format!("/api/v1/topics/{}/posts", c.topic), json!({"body": "Regretted remark text"}))
            .await;
        let mod_api = app.api_client("mod").await;
        let hidden_id = hidden["id"].as_i64().unwrap();
        assert_eq!(mod_api.post(&format!("/api/v1/posts/{hidden_id}/hide"), json!({})).await.0, StatusCode::NO_CONTENT);
        assert_eq!(bob.delete(&format!("/api/v1/posts/{}", deleted["id"])).await.0, StatusCode::NO_CONTENT);

        let site = feed(&app, "/feed.atom").await;
        let site_entries = entries(&app, &site);
        assert_eq!(site_entries.len(), 3, "{site_entries:?}");
        let all: String = site_entries.iter().map(|(l, c)| format!("{l} {c}\n")).collect();
        assert!(all.contains("<em>rocks</em>"), "{all}");
        assert!(all.contains("A second voice agrees"));
        assert!(all.contains("In the park"));
        assert!(!all.contains("Hidden insult"));
        assert!(!all.contains("Regretted remark"));
        assert!(all.contains(&app.url(&format!("{}#p1", c.topic_path))));
        assert!(all.contains(&app.url(&format!("{}#p2", c.topic_path))));
        assert!(site.entries().iter().any(|e| e.title().as_str() == "Feeds are great"));
        assert!(site.entries().iter().any(|e| e.title().as_str() == "Re: Feeds are great"));

        let general = entries(&app, &feed(&app, "/c/general/feed.atom").await);
        assert_eq!(general.len(), 2);
        assert!(general.iter().all(|(l, _)| l.contains(&format!("/t/{}/", c.topic))));
        let events = entries(&app, &feed(&app, "/c/events/feed.atom").await);
        assert_eq!(events.len(), 1);
        assert!(events[0].1.contains("In the park"));

        let topic = entries(&app, &feed(&app, &format!("/t/{}/feed.atom", c.topic)).await);
        assert_eq!(topic.len(), 2, "{topic:?}");
        assert!(topic.iter().all(|(_, content)| !content.contains("Hidden insult") && !content.contains("Regretted")));

        // The pages advertise their feeds.
        let (_, html) = app.browser().page(&c.topic_path).await;
        assert!(html.contains(&format!("type=\"application/atom+xml\" title=\"Feeds are great\" href=\"/t/{}/feed.atom\"", c.topic)));
        let (_, html) = app.browser().page("/c/events").await;
        assert!(html.contains("href=\"/c/events/feed.atom\""));

        assert_eq!(app.browser().page("/c/nowhere/feed.atom").await.0, StatusCode::NOT_FOUND);
        assert_eq!(app.browser().page("/t/999999/feed.atom").await.0, StatusCode::NOT_FOUND);

        // Unhiding brings the post back.
        mod_api.post(&format!("/api/v1/posts/{hidden_id}/unhide"), json!({})).await;
        let topic = entries(&app, &feed(&app, &format!("/t/{}/feed.atom", c.topic)).await);
        assert_eq!(topic.len(), 3);
        // Profiles follow the same rule.
        let (_, profile) = app.browser().page("/u/bob").await;
        assert!(!profile.contains("Regretted remark"));
    }

    async fn sitemap_and_robots_lead_crawlers_to_the_archives(app) {
        let (c, _, _) = community(&app).await;
        let response = app.browser().get("/sitemap.xml").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.headers()["content-type"].to_str().unwrap().contains("xml"));
        let sitemap = response.text().await.unwrap();
        let mut locations = Vec::new();
        let mut reader = quick_xml::Reader::from_str(&sitemap);
        let mut in_loc = false;
        loop {
            match reader.read_event().expect("well-formed sitemap") {
                quick_xml::events::Event::Start(e) if e.name().as_ref() == b"loc" => in_loc = true,
                quick_xml::events::Event::End(e) if e.name().as_ref() == b"loc" => in_loc = false,
                quick_xml::events::Event::Text(t) if in_loc => {
                    locations.push(t.unescape().unwrap().into_owned());
                }
                quick_xml::events::Event::Eof => break,
                _ => {}
            }
        }
        assert!(sitemap.contains("xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\""));
        for path in ["/c/general", "/c/events", &c.topic_path] {
            assert!(locations.contains(&app.url(path)), "{path} in {locations:?}");
        }
        assert!(locations.iter().any(|l| l.starts_with(&app.url(&format!("/t/{}/", c.other_topic)))));
        assert!(locations.iter().all(|l| l.starts_with(&app.base)));

        let response = app.browser().get("/robots.txt").await;
        assert_eq!(response.status(), StatusCode::OK);
        let robots = response.text().await.unwrap();
        assert!(robots.contains("User-agent: *"));
        assert!(robots.lines().any(|l| l == format!("Sitemap: {}", app.url("/sitemap.xml"))), "{robots}");
        assert!(!robots.lines().any(|l| l.trim() == "Disallow: /"), "the archives are not closed to crawlers");
    }

    async fn pages_have_metadata_landmarks_and_labels(app) {
        let (c, _, _) = community(&app).await;
        let reader = app.browser();
        for path in ["/".to_string(), "/c/general".to_string(), c.topic_path.clone(), "/u/alice".to_string(), "/search?q=voice".to_string(), "/signin".to_string(), "/signup".to_string()] {
            let (status, html) = reader.page(&path).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            assert_page_shell(&app, &html, &path);
        }
        let (_, topic) = reader.page(&c.topic_path).await;
        let og_description = tags(&topic, "meta")
            .into_iter()
            .find(|m| m.get("property").map(String::as_str) == Some("og:description"))
            .and_then(|m| m.get("content").cloned());
        assert!(og_description.is_some_and(|d| d.contains("Atom")), "a topic describes itself");

        // Labels on every form a reader or member fills in.
        let (_, signin) = reader.page("/signin").await;
        assert_labelled(&signin, "/signin");
        let (_, signup) = reader.page("/signup").await;
        assert_labelled(&signup, "/signup");
        let (_, search) = reader.page("/search").await;
        assert_labelled(&search, "/search");
        let alice = app.signed_in("alice").await;
        for path in ["/new-topic".to_string(), format!("{}/reply", c.topic_path), c.topic_path.clone(), "/account".to_string()] {
            let (status, html) = alice.page(&path).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            assert_labelled(&html, &path);
            assert_page_shell(&app, &html, &path);
        }
        let moderator = app.signed_in("mod").await;
        for path in [c.topic_path.clone(), "/mod".to_string()] {
            let (_, html) = moderator.page(&path).await;
            assert_labelled(&html, &path);
        }
        let (_, flag) = alice.page(&format!("/p/{}/flag", c.reply)).await;
        assert_labelled(&flag, "flag");
    }

    async fn lists_posts_and_profiles_carry_microformats(app) {
        let (c, _, _) = community(&app).await;
        let reader = app.browser();
        for path in ["/", "/c/general"] {
            let (_, html) = reader.page(path).await;
            assert_eq!(count_class(&html, "h-feed"), 1, "{path}: an h-feed");
            assert!(count_class(&html, "h-entry") >= 1, "{path}: h-entries");
            assert!(count_class(&html, "u-url") >= 1);
            assert!(count_class(&html, "p-author") >= 1);
        }
        let (_, topic) = reader.page(&c.topic_path).await;
        assert_eq!(count_class(&topic, "h-feed"), 1);
        assert_eq!(count_class(&topic, "h-entry"), 2, "each post is an h-entry");
        assert_eq!(count_class(&topic, "e-content"), 2);
        assert_eq!(count_class(&topic, "dt-published"), 2);
        assert_eq!(count_class(&topic, "p-author"), 2);
        let published: Vec<_> = tags(&topic, "time").into_iter().filter(|t| has_class(t, "dt-published")).collect();
        assert!(published.iter().all(|t| t.get("datetime").is_some_and(|d| d.ends_with('Z'))));
        let authors: Vec<_> = tags(&topic, "a").into_iter().filter(|a| has_class(a, "p-author")).collect();
        assert!(authors.iter().all(|a| has_class(a, "h-card") && a.get("href").is_some_and(|h| h.starts_with("/u/"))));

        let (status, profile) = reader.page("/u/alice").await;
        assert_eq!(status, StatusCode::OK);
        let cards: Vec<_> = tags(&profile, "article").into_iter().filter(|a| has_class(a, "h-card")).collect();
        assert_eq!(cards.len(), 1, "a profile is an h-card");
        assert!(count_class(&profile, "p-name") >= 1);
        assert!(profile.contains("Feeds are great"), "a profile lists the member's posts");
        assert!(count_class(&profile, "h-entry") >= 1);
        assert_eq!(reader.page("/u/nobody").await.0, StatusCode::NOT_FOUND);
    }

    async fn search_highlights_matches_and_skips_hidden_and_deleted_posts(app) {
        let (c, alice, bob) = community(&app).await;
        let (_, public) = alice
            .post(&format!("/api/v1/topics/{}/posts", c.topic), json!({"body": "Photosynthesis openly explained"}))
            .await;
        let (_, hidden) = alice
            .post(&format!("/api/v1/topics/{}/posts", c.topic), json!({"body": "Photosynthesis secretly hidden"}))
            .await;
        let (_, deleted) = bob
            .post(&format!("/api/v1/topics/{}/posts", c.topic), json!({"body": "Photosynthesis regrettably deleted"}))
            .await;
        let mod_api = app.api_client("mod").await;
        mod_api.post(&format!("/api/v1/posts/{}/hide", hidden["id"]), json!({})).await;
        assert_eq!(bob.delete(&format!("/api/v1/posts/{}", deleted["id"])).await.0, StatusCode::NO_CONTENT);

        let reader = app.browser();
        let (status, html) = reader.page("/search?q=photosynthesis").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.to_lowercase().contains("<mark>photosynthesis</mark>"), "{html}");
        assert!(html.contains("openly explained"));
        assert!(!html.contains("secretly"), "hidden posts are not found");
        assert!(!html.contains("regrettably"), "deleted posts are not found");
        assert!(html.contains(&format!("{}#p", c.topic_path)));

        let (status, json) = app.anonymous_api().get("/api/v1/search?q=photosynthesis").await;
        assert_eq!(status, StatusCode::OK);
        let results = json["results"].as_array().unwrap();
        assert_eq!(results.len(), 1, "{json}");
        assert_eq!(results[0]["post_id"], public["id"]);
        assert_eq!(results[0]["topic_id"], c.topic);
        assert_eq!(results[0]["title"], "Feeds are great");
        assert!(results[0]["snippet"].as_str().unwrap().to_lowercase().contains("<mark>photosynthesis</mark>"));

        // Titles are searched too, and the query is shown escaped.
        let (_, html) = reader.page("/search?q=meetup").await;
        assert!(html.contains("Summer meetup"));
        let (status, html) = reader.page("/search?q=%3Cscript%3Ealert(1)%3C/script%3E").await;
        assert_eq!(status, StatusCode::OK);
        assert!(!html.contains("<script>alert(1)"));
        let (status, _) = reader.page("/search?q=%22%20OR%20*").await;
        assert_eq!(status, StatusCode::OK, "search syntax in the query is harmless");
        assert_eq!(app.anonymous_api().get("/api/v1/search?q=").await.0, StatusCode::BAD_REQUEST);
    }

    async fn health_and_metrics_answer(app) {
        let (c, _, _) = community(&app).await;
        let reader = app.browser();
        let response = reader.get("/healthz").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.text().await.unwrap().trim(), "ok");
        reader.page(&c.topic_path).await;
        reader.page("/no/such/page").await;
        let (status, metrics) = reader.page("/metrics").await;
        assert_eq!(status, StatusCode::OK);
        let requests: Vec<&str> = metrics.lines().filter(|l| l.starts_with("http_requests_total{")).collect();
        assert!(
            requests.iter().any(|l| l.contains("route=\"/t/{id}/{slug}\"") && l.contains("status=\"200\"")),
            "requests are counted by route pattern, not raw path: {requests:?}"
        );
        assert!(requests.iter().any(|l| l.contains("route=\"/healthz\"")));
        assert!(requests.iter().all(|l| !l.contains(&format!("/t/{}/", c.topic))), "no raw ids in labels");
        assert!(metrics.lines().any(|l| l.starts_with("http_request_duration_seconds_bucket{") && l.contains("le=\"0.005\"")), "{metrics}");
        assert!(metrics.lines().any(|l| l.starts_with("http_request_duration_seconds_bucket{") && l.contains("le=\"+Inf\"")));
        let pool = metrics.lines().find(|l| l.starts_with("db_pool_connections")).expect("db_pool_connections");
        let size: f64 = pool.rsplit(' ').next().unwrap().parse().expect("a number");
        assert!(size >= 1.0, "{pool}");
    }
}
