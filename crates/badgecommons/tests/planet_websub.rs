//! WebSub on the planet against a fake hub on loopback: a feed advertising a hub is subscribed
//! to with a secret, the hub's verification is answered for the right topic only, signed
//! deliveries are stored and badly signed ones dropped, leases are renewed before they end, and
//! a refusing hub sends the feed back to normal polling. Also: the site's own Atom feeds
//! advertise the hub given with `--websub-hub`.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::Form;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use badgecommons::planet::polling::{self, Outcome};
use badgecommons::store::{now, Db};
use common::{Backend, TestApp};
use sha2::{Digest, Sha256};
use sqlx::Row;

const MINUTE: i64 = 60_000;
const DAY: i64 = 24 * 60 * MINUTE;

async fn app(backend: Backend) -> Option<TestApp> {
    TestApp::start_with(backend, |settings| {
        settings.fetch.allow = badgecommons::net::parse_allow_list("127.0.0.0/8").expect("allow");
        settings.fetch.timeout = Duration::from_secs(5);
    })
    .await
}

type Requests = Arc<Mutex<Vec<Vec<(String, String)>>>>;

/// A hub that records each subscription request and answers with `status`.
async fn fake_hub(status: StatusCode) -> (String, Requests) {
    let requests: Requests = Arc::default();
    let log = requests.clone();
    let base = common::serve(Router::new().route(
        "/hub",
        post(move |Form(form): Form<Vec<(String, String)>>| {
            let log = log.clone();
            async move {
                log.lock().unwrap().push(form);
                (status, "hub says so")
            }
        }),
    ))
    .await;
    (format!("{base}/hub"), requests)
}

/// A feed server whose feed advertises `hub` in a Link header; returns the feed's URL.
async fn feed_with_hub(hub: &str) -> String {
    let hub = hub.to_owned();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/feed", listener.local_addr().expect("addr"));
    let topic = url.clone();
    let router = Router::new().route(
        "/feed",
        get(move || {
            let link = format!("<{hub}>; rel=\"hub\", <{topic}>; rel=\"self\"");
            async move {
                (
                    [
                        ("content-type", "application/atom+xml".to_owned()),
                        ("link", link),
                    ],
                    atom("first", "First post"),
                )
                    .into_response()
            }
        }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    url
}

fn atom(id: &str, title: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Pushed</title><id>urn:f</id><updated>2026-01-02T00:00:00Z</updated><entry><id>{id}</id><title>{title}</title><updated>2026-01-01T10:00:00Z</updated><content type="html">hello</content></entry></feed>"#
    )
}

async fn add_feed(db: &Db, url: &str) -> i64 {
    sqlx::query(
        "INSERT INTO planet_feeds (url, next_poll_at, interval_ms, created_at)
         VALUES ($1, 0, $2, 0) RETURNING id",
    )
    .bind(url)
    .bind(15 * MINUTE)
    .fetch_one(db.pool())
    .await
    .expect("insert feed")
    .get("id")
}

struct WebSub {
    state: Option<String>,
    lease_until: Option<i64>,
    error: Option<String>,
    next_poll_at: i64,
}

async fn websub(db: &Db, id: i64) -> WebSub {
    let row = sqlx::query(
        "SELECT websub_state, websub_lease_until, websub_error, next_poll_at
         FROM planet_feeds WHERE id = $1",
    )
    .bind(id)
    .fetch_one(db.pool())
    .await
    .expect("feed");
    WebSub {
        state: row.get("websub_state"),
        lease_until: row.get("websub_lease_until"),
        error: row.get("websub_error"),
        next_poll_at: row.get("next_poll_at"),
    }
}

fn param<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {name} in {form:?}"))
}

/// HMAC-SHA256 (RFC 2104), hex.
fn hmac_sha256(key: &[u8], message: &[u8]) -> String {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    let outer = Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize();
    outer.iter().map(|b| format!("{b:02x}")).collect()
}

async fn verify(app: &TestApp, id: i64, topic: &str, lease: &str) -> (StatusCode, String) {
    let response = reqwest::Client::new()
        .get(app.url(&format!("/planet/websub/{id}")))
        .query(&[
            ("hub.mode", "subscribe"),
            ("hub.topic", topic),
            ("hub.challenge", "challenge-4711"),
            ("hub.lease_seconds", lease),
        ])
        .send()
        .await
        .expect("verification");
    let status = response.status();
    (status, response.text().await.expect("body"))
}

async fn deliver(app: &TestApp, id: i64, body: &str, signature: &str) -> StatusCode {
    reqwest::Client::new()
        .post(app.url(&format!("/planet/websub/{id}")))
        .header("content-type", "application/atom+xml")
        .header("x-hub-signature", signature)
        .body(body.to_owned())
        .send()
        .await
        .expect("delivery")
        .status()
}

async fn titles(db: &Db, id: i64) -> Vec<String> {
    sqlx::query("SELECT title FROM planet_entries WHERE feed_id = $1 ORDER BY title")
        .bind(id)
        .fetch_all(db.pool())
        .await
        .expect("entries")
        .iter()
        .map(|row| row.get("title"))
        .collect()
}

both_backends_started_by! { app;
    async fn a_feed_with_a_hub_is_subscribed_verified_and_pushed_to(app) {
        let (hub, requests) = fake_hub(StatusCode::ACCEPTED).await;
        let feed_url = feed_with_hub(&hub).await;
        let id = add_feed(&app.db, &feed_url).await;
        let reports = polling::run_round(&app.state).await.expect("round");
        assert_eq!(reports[0].outcome, Outcome::Fetched { new: 1, updated: 0 });

        let asked = requests.lock().unwrap().clone();
        assert_eq!(asked.len(), 1, "one subscription request");
        let form = &asked[0];
        assert_eq!(param(form, "hub.mode"), "subscribe");
        assert_eq!(param(form, "hub.topic"), feed_url);
        assert_eq!(param(form, "hub.callback"), app.url(&format!("/planet/websub/{id}")));
        let secret = param(form, "hub.secret").to_owned();
        assert!(secret.len() >= 32, "a random secret: {secret}");
        assert_eq!(websub(&app.db, id).await.state.as_deref(), Some("requested"));

        // A verification for another topic is refused; the right one is echoed.
        let (status, _) = verify(&app, id, "http://127.0.0.1:1/other", "864000").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let at = now();
        let (status, body) = verify(&app, id, &feed_url, "864000").await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "challenge-4711"));
        let subscribed = websub(&app.db, id).await;
        assert_eq!(subscribed.state.as_deref(), Some("active"));
        assert!((subscribed.lease_until.unwrap() - (at + 864_000_000)).abs() < MINUTE);
        assert!(
            (subscribed.next_poll_at - (at + DAY)).abs() < MINUTE,
            "while pushed, polled once a day"
        );

        // A signed delivery is stored; a badly signed one is acknowledged and dropped.
        let pushed = atom("second", "Pushed post");
        let signature = format!("sha256={}", hmac_sha256(secret.as_bytes(), pushed.as_bytes()));
        assert!(deliver(&app, id, &pushed, &signature).await.is_success());
        assert_eq!(titles(&app.db, id).await, ["First post", "Pushed post"]);
        let forged = atom("forged", "Forged post");
        let wrong = format!("sha256={}", hmac_sha256(b"not the secret", forged.as_bytes()));
        assert!(deliver(&app, id, &forged, &wrong).await.is_success());
        assert!(deliver(&app, id, &forged, "").await.is_success());
        assert_eq!(titles(&app.db, id).await, ["First post", "Pushed post"]);

        // A long lease is not renewed yet; nothing else is asked of the hub.
        polling::run_round(&app.state).await.expect("round");
        assert_eq!(requests.lock().unwrap().len(), 1);
    }

    async fn a_lease_is_renewed_before_it_ends(app) {
        let (hub, requests) = fake_hub(StatusCode::ACCEPTED).await;
        let feed_url = feed_with_hub(&hub).await;
        let id = add_feed(&app.db, &feed_url).await;
        polling::run_round(&app.state).await.expect("round");
        // A lease of ten minutes ends within the hour: the next round renews it.
        let (status, _) = verify(&app, id, &feed_url, "600").await;
        assert_eq!(status, StatusCode::OK);
        polling::run_round(&app.state).await.expect("round");
        let asked = requests.lock().unwrap().clone();
        assert_eq!(asked.len(), 2, "renewed: {asked:?}");
        assert_eq!(param(&asked[1], "hub.mode"), "subscribe");
        assert_eq!(param(&asked[1], "hub.topic"), feed_url);
        let renewing = websub(&app.db, id).await;
        assert_eq!(renewing.state.as_deref(), Some("renewing"));
        assert!(renewing.lease_until.unwrap() > now(), "the lease still runs meanwhile");
        // The hub confirms the renewal with a longer lease.
        let (status, _) = verify(&app, id, &feed_url, "864000").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(websub(&app.db, id).await.state.as_deref(), Some("active"));

        // A lease that ended without renewal falls back to polling.
        sqlx::query("UPDATE planet_feeds SET websub_lease_until = $1 WHERE id = $2")
            .bind(now() - 1000)
            .bind(id)
            .execute(app.db.pool())
            .await
            .expect("lapse");
        polling::run_round(&app.state).await.expect("round");
        let lapsed = websub(&app.db, id).await;
        assert_eq!(lapsed.state.as_deref(), Some("failed"));
        assert!(lapsed.error.unwrap_or_default().contains("lease ended"));
        // It was polled in the same round, and is on the normal schedule again.
        assert!(lapsed.next_poll_at < now() + 60 * MINUTE, "back to normal polling");
    }

    async fn a_refusing_hub_leaves_the_feed_on_normal_polling(app) {
        let (hub, requests) = fake_hub(StatusCode::BAD_REQUEST).await;
        let feed_url = feed_with_hub(&hub).await;
        let id = add_feed(&app.db, &feed_url).await;
        let at = now();
        polling::run_round(&app.state).await.expect("round");
        assert_eq!(requests.lock().unwrap().len(), 1);
        let refused = websub(&app.db, id).await;
        assert_eq!(refused.state.as_deref(), Some("failed"));
        let error = refused.error.unwrap_or_default();
        assert!(error.contains("400") && error.contains("hub says so"), "{error}");
        assert!(
            (refused.next_poll_at - (at + 15 * MINUTE)).abs() < MINUTE,
            "normal polling: next in 15 minutes"
        );
        // Not asked again at every poll: a day later.
        sqlx::query("UPDATE planet_feeds SET next_poll_at = 0 WHERE id = $1")
            .bind(id)
            .execute(app.db.pool())
            .await
            .expect("due");
        polling::run_round(&app.state).await.expect("round");
        assert_eq!(requests.lock().unwrap().len(), 1);
        // Deliveries without a subscription are told to stop.
        let body = atom("x", "X");
        assert_eq!(deliver(&app, id, &body, "sha256=00").await, StatusCode::GONE);
        // And a verification nobody asked for is refused.
        let (status, _) = verify(&app, 999_999, &feed_url, "600").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

async fn site_feed(app: &TestApp) -> (Option<String>, String) {
    feed_at(app, "/feed.atom").await
}

async fn feed_at(app: &TestApp, path: &str) -> (Option<String>, String) {
    let response = reqwest::get(app.url(path)).await.expect("feed");
    let link = response
        .headers()
        .get("link")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (link, response.text().await.expect("body"))
}

async fn the_site_feeds_advertise_the_configured_hub(backend: Backend) {
    let Some(plain) = app(backend).await else {
        return;
    };
    let (link, body) = site_feed(&plain).await;
    assert_eq!(link, None);
    assert!(!body.contains("rel=\"hub\""));
    drop(plain);
    let Some(app) = TestApp::start_with(backend, |settings| {
        settings.websub_hub = Some("https://hub.example.org/".to_owned());
    })
    .await
    else {
        return;
    };
    let (link, body) = site_feed(&app).await;
    let link = link.expect("a Link header");
    assert!(
        link.contains("<https://hub.example.org/>; rel=\"hub\""),
        "{link}"
    );
    assert!(
        link.contains(&format!("<{}>; rel=\"self\"", app.url("/feed.atom"))),
        "{link}"
    );
    let parsed = syndication::feeds::parse(body.as_bytes(), None, &app.url("/feed.atom"))
        .expect("still a valid feed");
    assert_eq!(parsed.hubs, ["https://hub.example.org/"]);

    // The planet's combined feed too.
    let (link, body) = feed_at(&app, "/planet/feed.atom").await;
    let link = link.expect("a Link header on the planet's feed");
    assert!(
        link.contains("<https://hub.example.org/>; rel=\"hub\""),
        "{link}"
    );
    assert!(
        link.contains(&format!("<{}>; rel=\"self\"", app.url("/planet/feed.atom"))),
        "{link}"
    );
    let parsed = syndication::feeds::parse(body.as_bytes(), None, &app.url("/planet/feed.atom"))
        .expect("the planet's feed is a valid feed");
    assert_eq!(parsed.hubs, ["https://hub.example.org/"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_site_feeds_advertise_the_configured_hub_sqlite() {
    the_site_feeds_advertise_the_configured_hub(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_site_feeds_advertise_the_configured_hub_postgres() {
    the_site_feeds_advertise_the_configured_hub(Backend::Postgres).await;
}
