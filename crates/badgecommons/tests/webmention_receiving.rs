//! Receiving Webmentions: `POST /webmention` checks its input and answers 202 with a status page;
//! the verifying job fetches the source from a local site (an axum server on 127.0.0.1 whose
//! pages a test changes at will) and the topic's thread shows what it says — replies sanitised,
//! likes and reposts as a facepile, plain mentions as links — until the source changes, is gone,
//! or stops linking. Moderation: held first mentions, blocked domains, the per-domain limit.
//! Runs on both backends.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{header, StatusCode as AxumStatus, Uri};
use axum::response::IntoResponse;
use axum::Router;
use badgecommons::accounts::model::Role;
use common::{location, TestApp};
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::Row;

/// A site on its own loopback port, serving pages a test sets.
#[derive(Clone)]
struct Site {
    base: String,
    pages: Arc<Mutex<HashMap<String, (u16, String)>>>,
}

impl Site {
    async fn start() -> Site {
        let pages: Arc<Mutex<HashMap<String, (u16, String)>>> = Arc::default();
        let served = pages.clone();
        let router = Router::new().fallback(move |uri: Uri| {
            let served = served.clone();
            async move {
                let page = served.lock().unwrap().get(uri.path()).cloned();
                match page {
                    Some((status, html)) => (
                        AxumStatus::from_u16(status).unwrap(),
                        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                        html,
                    )
                        .into_response(),
                    None => AxumStatus::NOT_FOUND.into_response(),
                }
            }
        });
        let base = common::serve(router).await;
        Site { base, pages }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// The domain the app records for this site.
    fn domain(&self) -> String {
        self.base.trim_start_matches("http://").to_string()
    }

    fn put(&self, path: &str, status: u16, html: &str) {
        self.pages
            .lock()
            .unwrap()
            .insert(path.to_string(), (status, html.to_string()));
    }
}

/// An h-entry page: `props` is the markup inside the entry.
fn entry(props: &str) -> String {
    format!(
        "<!doctype html><html><head><title>a post</title></head><body>\
         <article class=\"h-entry\">{props}</article></body></html>"
    )
}

fn reply_to(target: &str, author: &str, content: &str) -> String {
    entry(&format!(
        "<a class=\"p-author h-card\" href=\"/about\">{author}</a> \
         <a class=\"u-in-reply-to\" href=\"{target}\">in reply to</a> \
         <time class=\"dt-published\" datetime=\"2026-11-02T10:00:00Z\">2 Nov</time> \
         <div class=\"e-content\">{content}</div>"
    ))
}

/// A topic by a member; returns its full URL (`/t/{id}/{slug}`).
async fn topic(app: &TestApp, title: &str) -> String {
    app.category("general").await;
    app.member("ada", Role::Member).await;
    let api = app.api_client("ada").await;
    let id = app
        .topic_by(&api, "general", title, "What do you think?")
        .await;
    let response = app.browser().get(&format!("/t/{id}")).await;
    app.url(&location(&response))
}

/// Turns off holding first mentions for moderators, as most tests are about what comes after.
async fn trust_new_domains(app: &TestApp) {
    sqlx::query("UPDATE webmention_settings SET hold_new_domains = 0")
        .execute(app.db.pool())
        .await
        .unwrap();
}

async fn send(app: &TestApp, source: &str, target: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url("/webmention"))
        .form(&[("source", source), ("target", target)])
        .send()
        .await
        .unwrap()
}

/// Sends a Webmention that must be accepted for verification; returns its status path.
async fn send_ok(app: &TestApp, source: &str, target: &str) -> String {
    let response = send(app, source, target).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let status = location(&response);
    assert!(status.starts_with("/webmention/"), "{status}");
    status
}

/// Runs the jobs until no verification is due.
async fn settle(app: &TestApp) {
    for _ in 0..200 {
        badgecommons::webmention::run_due(&app.state).await.unwrap();
        let due: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM webmentions WHERE next_attempt_at IS NOT NULL AND next_attempt_at <= $1",
        )
        .bind(badgecommons::store::now())
        .fetch_one(app.db.pool())
        .await
        .unwrap()
        .try_get("n")
        .unwrap();
        if due == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("Webmentions still due after 10 s");
}

async fn status_of(app: &TestApp, path: &str) -> Value {
    let response = reqwest::Client::new()
        .get(app.url(path))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// The topic page as a reader without an account sees it.
async fn page(url: &str) -> String {
    let response = reqwest::get(url).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.unwrap()
}

both_backends_on_loopback! {
    async fn a_verified_reply_shows_in_the_thread_and_nothing_hostile_gets_through(app) {
        trust_new_domains(&app).await;
        let target = topic(&app, "Badges for mentors").await;
        let site = Site::start().await;
        let hostile = "<p>Great idea, count me in.</p>\
            <script>alert('script')</script>\
            <img src=\"x\" onerror=\"alert('onerror')\">\
            <a href=\"javascript:alert('href')\">click</a>\
            <svg onload=\"alert('svg')\"></svg>\
            <iframe src=\"https://evil.example/\"></iframe>\
            <p style=\"background:url(javascript:alert('style'))\">styled</p>\
            <form action=\"https://evil.example/\"><input name=\"pw\"></form>";
        site.put(
            "/replies/1",
            200,
            &reply_to(&target, "Mei <b>Lin</b>", hostile),
        );
        let source = site.url("/replies/1");
        let status_path = send_ok(&app, &source, &target).await;

        // Every page advertises the endpoint, in the header and in the markup.
        let response = reqwest::get(&target).await.unwrap();
        let link = response
            .headers()
            .get_all("link")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join(", ");
        assert!(
            link.contains(&format!("<{}/webmention>; rel=\"webmention\"", app.base)),
            "{link}"
        );
        assert!(response.text().await.unwrap().contains("<link rel=\"webmention\" href=\"/webmention\">"));

        settle(&app).await;
        let status = status_of(&app, &status_path).await;
        assert_eq!(status["status"], "accepted", "{status}");
        assert_eq!(status["kind"], "reply");
        assert_eq!(status["source"], source.as_str());
        let html = reqwest::get(app.url(&status_path)).await.unwrap().text().await.unwrap();
        assert!(html.contains("accepted"), "{html}");

        let html = page(&target).await;
        assert!(html.contains("Great idea, count me in."), "the reply shows");
        assert!(html.contains(&format!("posted from <a class=\"u-url\" href=\"{source}\"")), "{html}");
        assert!(html.contains("Mei Lin"), "the author's h-card name");
        assert!(html.contains("datetime=\"2026-11-02T10:00:00Z\""), "the published date");
        for vector in ["alert(", "<script", "onerror", "javascript:", "onload", "<iframe", "<form", "<input", "style="] {
            assert!(!html.contains(vector), "{vector} reached the page");
        }
    }

    async fn likes_and_reposts_make_a_facepile_and_mentions_a_list(app) {
        trust_new_domains(&app).await;
        let target = topic(&app, "Open badges at the summit").await;
        let site = Site::start().await;
        site.put("/likes/1", 200, &entry(&format!(
            "<a class=\"p-author h-card\" href=\"/grace\"><img class=\"u-photo\" src=\"/grace.png\" alt=\"\">Grace Hopper</a>\
             <a class=\"u-like-of\" href=\"{target}\">liked</a>"
        )));
        site.put("/reposts/1", 200, &entry(&format!(
            "<span class=\"p-author h-card\">Linus Tor</span>\
             <a class=\"u-repost-of\" href=\"{target}\">reposted</a>"
        )));
        site.put("/notes/1", 200, &entry(&format!(
            "<h1 class=\"p-name\">Notes from the summit</h1>\
             <div class=\"e-content\">See <a href=\"{target}\">the forum</a>.</div>"
        )));
        for path in ["/likes/1", "/reposts/1", "/notes/1"] {
            send_ok(&app, &site.url(path), &target).await;
        }
        settle(&app).await;
        let html = page(&target).await;
        assert_eq!(html.matches("class=\"facepile h-cite\"").count(), 2, "{html}");
        assert!(html.contains(&format!("src=\"{}\"", site.url("/grace.png"))), "the liker's photo");
        assert!(html.contains("Grace Hopper liked this"));
        assert!(html.contains(">LT</span>"), "initials stand in for a missing photo");
        assert!(html.contains("Linus Tor reposted this"));
        assert!(html.contains("Mentioned on"));
        assert!(html.contains("Notes from the summit"));
        assert!(!html.contains("webmention-reply"), "none of them is a reply");
    }

    async fn a_resent_source_updates_and_a_gone_or_unlinking_source_is_removed(app) {
        trust_new_domains(&app).await;
        let target = topic(&app, "Credential wallets").await;
        let site = Site::start().await;
        let source = site.url("/replies/7");
        site.put("/replies/7", 200, &reply_to(&target, "Sam", "<p>First version.</p>"));
        let status_path = send_ok(&app, &source, &target).await;
        settle(&app).await;
        assert!(page(&target).await.contains("First version."));

        site.put("/replies/7", 200, &reply_to(&target, "Sam", "<p>Second version.</p>"));
        assert_eq!(send_ok(&app, &source, &target).await, status_path, "the same mention");
        settle(&app).await;
        let html = page(&target).await;
        assert!(html.contains("Second version."));
        assert!(!html.contains("First version."));

        // The source stops linking: the reply goes.
        site.put("/replies/7", 200, &entry("<div class=\"e-content\">Never mind.</div>"));
        send_ok(&app, &source, &target).await;
        settle(&app).await;
        let status = status_of(&app, &status_path).await;
        assert_eq!(status["status"], "deleted");
        assert!(status["reason"].as_str().unwrap().contains("no longer links"), "{status}");
        assert!(!page(&target).await.contains("Second version."));

        // Another reply, then its source is deleted (410 Gone).
        let other = site.url("/replies/8");
        site.put("/replies/8", 200, &reply_to(&target, "Sam", "<p>Soon gone.</p>"));
        let other_status = send_ok(&app, &other, &target).await;
        settle(&app).await;
        assert!(page(&target).await.contains("Soon gone."));
        site.put("/replies/8", 410, "<p>Gone</p>");
        send_ok(&app, &other, &target).await;
        settle(&app).await;
        let status = status_of(&app, &other_status).await;
        assert_eq!(status["status"], "deleted");
        assert!(status["reason"].as_str().unwrap().contains("410"), "{status}");
        assert!(!page(&target).await.contains("Soon gone."));

        // A source that never linked is rejected, with the reason.
        site.put("/unrelated", 200, &entry("<p>Nothing to see.</p>"));
        let path = send_ok(&app, &site.url("/unrelated"), &target).await;
        settle(&app).await;
        let status = status_of(&app, &path).await;
        assert_eq!(status["status"], "rejected");
        assert!(status["reason"].as_str().unwrap().contains("does not link"), "{status}");
    }

    async fn bad_requests_are_refused_with_a_reason(app) {
        let target = topic(&app, "Validation").await;
        let source = "https://blog.example.org/post";
        let (profile, missing) = (app.url("/u/ada"), app.url("/t/999999"));
        let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
            (vec![("target", &target)], "source is missing"),
            (vec![("source", source)], "target is missing"),
            (vec![("source", "not a url"), ("target", &target)], "not an absolute http(s) URL"),
            (vec![("source", "ftp://example.org/x"), ("target", &target)], "not an absolute http(s) URL"),
            (vec![("source", &target), ("target", &target)], "same page"),
            (vec![("source", source), ("target", "https://elsewhere.example/t/1")], "not on this site"),
            (vec![("source", source), ("target", &profile)], "not a page that accepts"),
            (vec![("source", source), ("target", &missing)], "not a page that accepts"),
        ];
        for (form, expected) in cases {
            let response = reqwest::Client::new()
                .post(app.url("/webmention"))
                .form(&form)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{form:?}");
            let body = response.text().await.unwrap();
            assert!(body.contains(expected), "{form:?}: {body}");
        }
        let response = reqwest::Client::new()
            .post(app.url("/webmention"))
            .json(&serde_json::json!({ "source": source, "target": target }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert!(response.text().await.unwrap().contains("as a form"));
        let count: i64 = sqlx::query("SELECT COUNT(*) AS n FROM webmentions")
            .fetch_one(app.db.pool())
            .await
            .unwrap()
            .try_get("n")
            .unwrap();
        assert_eq!(count, 0, "nothing was recorded");
        assert_eq!(
            reqwest::get(app.url("/webmention/12345")).await.unwrap().status(),
            StatusCode::NOT_FOUND
        );
    }

    async fn a_first_mention_is_held_until_a_moderator_approves_it(app) {
        let target = topic(&app, "Moderated mentions").await;
        app.member("grace", Role::Moderator).await;
        let site = Site::start().await;
        site.put("/r/1", 200, &reply_to(&target, "Newcomer", "<p>Hello from a new site.</p>"));
        let status_path = send_ok(&app, &site.url("/r/1"), &target).await;
        settle(&app).await;
        let status = status_of(&app, &status_path).await;
        assert_eq!(status["status"], "held", "{status}");
        assert!(status["reason"].as_str().unwrap().contains("moderator"));
        assert!(!page(&target).await.contains("Hello from a new site."));

        let grace = app.signed_in("grace").await;
        let (_, admin) = grace.page("/admin/webmentions").await;
        assert!(admin.contains(&site.url("/r/1")), "the held mention is listed");
        let id = status["id"].as_i64().unwrap();
        let response = grace.submit(&format!("/admin/webmentions/{id}/approve"), &[]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(status_of(&app, &status_path).await["status"], "accepted");
        assert!(page(&target).await.contains("Hello from a new site."));

        // The domain is known now: its next mention is shown without waiting.
        site.put("/r/2", 200, &reply_to(&target, "Newcomer", "<p>Back again.</p>"));
        send_ok(&app, &site.url("/r/2"), &target).await;
        settle(&app).await;
        assert!(page(&target).await.contains("Back again."));

        // A member cannot decide; a rejected one stays off the page.
        let other = Site::start().await;
        other.put("/r/9", 200, &reply_to(&target, "Spammer", "<p>Buy now.</p>"));
        let spam = send_ok(&app, &other.url("/r/9"), &target).await;
        settle(&app).await;
        let spam_id = status_of(&app, &spam).await["id"].as_i64().unwrap();
        let ada = app.signed_in("ada").await;
        assert_eq!(
            ada.submit(&format!("/admin/webmentions/{spam_id}/approve"), &[]).await.status(),
            StatusCode::FORBIDDEN
        );
        grace.submit(&format!("/admin/webmentions/{spam_id}/reject"), &[]).await;
        assert_eq!(status_of(&app, &spam).await["status"], "rejected");
        assert!(!page(&target).await.contains("Buy now."));
    }

    async fn a_members_connected_site_is_not_held_as_a_stranger(app) {
        let target = topic(&app, "Replies from members' sites").await;
        let site = Site::start().await;
        // ada has connected this site to the planet (its feed is hers).
        let ada: i64 = sqlx::query("SELECT id FROM users WHERE username = 'ada'")
            .fetch_one(app.db.pool())
            .await
            .unwrap()
            .try_get("id")
            .unwrap();
        sqlx::query(
            "INSERT INTO planet_feeds (url, site_url, member_id, next_poll_at, interval_ms, created_at) \
             VALUES ($1, $2, $3, 0, 900000, 0)",
        )
        .bind(site.url("/feed.xml"))
        .bind(site.url("/"))
        .bind(ada)
        .execute(app.db.pool())
        .await
        .unwrap();
        site.put("/r/1", 200, &reply_to(&target, "Ada", "<p>Replying from my own blog.</p>"));
        let status_path = send_ok(&app, &site.url("/r/1"), &target).await;
        settle(&app).await;
        assert_eq!(status_of(&app, &status_path).await["status"], "accepted");
        assert!(page(&target).await.contains("Replying from my own blog."));

        // A site connected by nobody is still a stranger.
        let stranger = Site::start().await;
        stranger.put("/r/1", 200, &reply_to(&target, "Someone", "<p>Hi.</p>"));
        let held = send_ok(&app, &stranger.url("/r/1"), &target).await;
        settle(&app).await;
        assert_eq!(status_of(&app, &held).await["status"], "held");
    }

    async fn a_blocked_domain_is_refused_and_its_mentions_removed(app) {
        trust_new_domains(&app).await;
        let target = topic(&app, "Blocking").await;
        app.member("grace", Role::Moderator).await;
        let site = Site::start().await;
        site.put("/r/1", 200, &reply_to(&target, "Troll", "<p>Annoying words.</p>"));
        send_ok(&app, &site.url("/r/1"), &target).await;
        settle(&app).await;
        assert!(page(&target).await.contains("Annoying words."));

        let grace = app.signed_in("grace").await;
        let response = grace
            .submit("/admin/webmentions/block", &[("domain", &site.domain())])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert!(!page(&target).await.contains("Annoying words."));

        let response = send(&app, &site.url("/r/1"), &target).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert!(response.text().await.unwrap().contains("not accepted"));
        // Another site is unaffected.
        let other = Site::start().await;
        other.put("/ok", 200, &reply_to(&target, "Friend", "<p>Kind words.</p>"));
        send_ok(&app, &other.url("/ok"), &target).await;

        grace.submit("/admin/webmentions/unblock", &[("domain", &site.domain())]).await;
        send_ok(&app, &site.url("/r/1"), &target).await;
    }

    async fn a_domain_over_its_hourly_limit_gets_429(app) {
        let target = topic(&app, "Rate limits").await;
        app.member("root", Role::Admin).await;
        let root = app.signed_in("root").await;
        let response = root
            .submit("/admin/webmentions/settings", &[("per_domain_per_hour", "3")])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let site = Site::start().await;
        for n in 0..3 {
            send_ok(&app, &site.url(&format!("/r/{n}")), &target).await;
        }
        let response = send(&app, &site.url("/r/4"), &target).await;
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(response.text().await.unwrap().contains("at most 3 an hour"));
        let other = Site::start().await;
        send_ok(&app, &other.url("/r/1"), &target).await;
        // The form left "hold" unticked: the setting is off now.
        let (_, admin) = root.page("/admin/webmentions").await;
        assert!(!admin.contains("value=\"on\" checked"));
    }
}

/// Hostile sources: each Webmention gets a clear reason in its status (rejected at once when asking
/// again cannot help, else retried), none stalls the others, and a good mention sent alongside
/// them is verified in the same round.
async fn hostile_sources_get_a_reason_each_and_stall_nothing(backend: common::Backend) {
    use axum::response::{Redirect, Response};
    use axum::routing::get;
    let Some(app) = TestApp::start_with(backend, |s| {
        s.fetch.allow = badgecommons::net::parse_allow_list("127.0.0.0/8").expect("allow list");
        s.fetch.timeout = Duration::from_secs(2);
        s.fetch.max_bytes = 256 * 1024;
    })
    .await
    else {
        return;
    };
    let target = topic(&app, "Hostile sources").await;
    trust_new_domains(&app).await;
    let good_page = reply_to(&target, "Friendly", "<p>A good reply among bad ones.</p>");
    let hostile = Router::new()
        .route("/huge", get(|| async { "<p>".repeat(200 * 1024) }))
        .route(
            "/endless",
            get(|| async {
                Response::new(axum::body::Body::from_stream(common::hostile::Endless))
            }),
        )
        .route(
            "/drip",
            get(|| async {
                Response::new(axum::body::Body::from_stream(common::hostile::drip_stream()))
            }),
        )
        .route("/loop", get(|| async { Redirect::temporary("/loop") }))
        .route(
            "/good",
            get(move || async move {
                (
                    [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                    good_page,
                )
            }),
        );
    let base = common::serve(hostile).await;

    let mut statuses = Vec::new();
    for path in ["/huge", "/endless", "/drip", "/loop", "/good"] {
        statuses.push((path, send_ok(&app, &format!("{base}{path}"), &target).await));
    }
    let started = std::time::Instant::now();
    settle(&app).await;
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "one round over five sources took {:?}",
        started.elapsed()
    );
    for (path, status_path) in &statuses {
        let status = status_of(&app, status_path).await;
        let reason = status["reason"].as_str().unwrap_or_default().to_string();
        match *path {
            "/good" => assert_eq!(status["status"], "accepted", "{status}"),
            // Too large is too large every time: rejected at once, the reason said.
            "/huge" => {
                assert_eq!(status["status"], "rejected", "{status}");
                assert!(reason.contains("larger than"), "{path}: {status}");
            }
            "/endless" => assert!(
                (status["status"] == "rejected" && reason.contains("larger than"))
                    || (status["status"] == "pending" && reason.contains("no complete answer")),
                "{path}: {status}"
            ),
            // Slowness and redirect loops may pass: tried again later, the last error said.
            "/drip" => {
                assert_eq!(status["status"], "pending", "{status}");
                assert!(
                    reason.contains("no complete answer within 2 s"),
                    "{path}: {status}"
                );
            }
            _ => {
                assert_eq!(status["status"], "pending", "{status}");
                assert!(reason.contains("too many redirects"), "{path}: {status}");
            }
        }
    }
    assert!(page(&target).await.contains("A good reply among bad ones."));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_sources_sqlite() {
    hostile_sources_get_a_reason_each_and_stall_nothing(common::Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_sources_postgres() {
    hostile_sources_get_a_reason_each_and_stall_nothing(common::Backend::Postgres).await;
}
