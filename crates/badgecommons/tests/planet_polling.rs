//! The planet's polling job against real feed servers on loopback: conditional GET, entry
//! storage and de-duplication, filters, the schedule the servers' hints shape, errors in words
//! with backoff, hostile servers that must not stall a good feed, and `planet refresh`.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use badgecommons::planet::polling::{self, Outcome};
use badgecommons::store::{now, Db};
use common::{Backend, TestApp};
use sqlx::Row;

const MINUTE: i64 = 60_000;

/// The If-None-Match and If-Modified-Since a request carried.
type Validators = (Option<String>, Option<String>);

/// Starts the app allowed to fetch from loopback, with a short fetch time limit (slow servers).
async fn app(backend: Backend) -> Option<TestApp> {
    TestApp::start_with(backend, |settings| {
        settings.fetch.allow = badgecommons::net::parse_allow_list("127.0.0.0/8").expect("allow");
        settings.fetch.timeout = Duration::from_secs(2);
    })
    .await
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

async fn make_due(db: &Db, id: i64) {
    sqlx::query("UPDATE planet_feeds SET next_poll_at = 0 WHERE id = $1")
        .bind(id)
        .execute(db.pool())
        .await
        .expect("make due");
}

/// A feed's status columns.
struct Status {
    title: Option<String>,
    format: Option<String>,
    etag: Option<String>,
    next_poll_at: i64,
    interval_ms: i64,
    last_success_at: Option<i64>,
    last_error: Option<String>,
    error_count: i64,
    claimed_at: Option<i64>,
}

async fn status(db: &Db, id: i64) -> Status {
    let row = sqlx::query(
        "SELECT title, format, etag, next_poll_at, interval_ms, last_success_at, last_error,
                error_count, claimed_at FROM planet_feeds WHERE id = $1",
    )
    .bind(id)
    .fetch_one(db.pool())
    .await
    .expect("feed");
    Status {
        title: row.get("title"),
        format: row.get("format"),
        etag: row.get("etag"),
        next_poll_at: row.get("next_poll_at"),
        interval_ms: row.get("interval_ms"),
        last_success_at: row.get("last_success_at"),
        last_error: row.get("last_error"),
        error_count: row.get("error_count"),
        claimed_at: row.get("claimed_at"),
    }
}

/// (title, url, content_html, shown) of a feed's entries, by title.
async fn entries(db: &Db, feed_id: i64) -> Vec<(String, Option<String>, String, bool)> {
    sqlx::query(
        "SELECT title, url, content_html, summary_html, shown FROM planet_entries
         WHERE feed_id = $1 ORDER BY title",
    )
    .bind(feed_id)
    .fetch_all(db.pool())
    .await
    .expect("entries")
    .iter()
    .map(|row| {
        let content: Option<String> = row.get("content_html");
        let summary: Option<String> = row.get("summary_html");
        (
            row.get::<Option<String>, _>("title").unwrap_or_default(),
            row.get("url"),
            content.or(summary).unwrap_or_default(),
            row.get::<i64, _>("shown") != 0,
        )
    })
    .collect()
}

fn outcome_of(reports: &[polling::PollReport], id: i64) -> Outcome {
    reports
        .iter()
        .find(|r| r.feed_id == id)
        .map(|r| r.outcome.clone())
        .unwrap_or_else(|| panic!("feed {id} was not polled: {reports:?}"))
}

fn near(actual: i64, expected: i64) -> bool {
    (actual - expected).abs() < MINUTE
}

fn atom(entries: &[(&str, &str, &str)]) -> String {
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Ada's notes</title><id>urn:feed</id><updated>2026-01-02T00:00:00Z</updated>"#,
    );
    for (id, title, content) in entries {
        xml.push_str(&format!(
            r#"<entry><id>{id}</id><title>{title}</title><link href="https://ada.example/{id}"/><updated>2026-01-01T10:00:00Z</updated><content type="html">{content}</content></entry>"#
        ));
    }
    xml.push_str("</feed>");
    xml
}

both_backends_started_by! { app;
    async fn a_feed_is_polled_then_asked_conditionally_and_a_304_changes_nothing(app) {
        let seen: Arc<Mutex<Vec<Validators>>> = Arc::default();
        let log = seen.clone();
        let base = common::serve(Router::new().route(
            "/feed.xml",
            get(move |headers: HeaderMap| {
                let log = log.clone();
                async move {
                    let value = |name: &str| {
                        headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
                    };
                    let inm = value("if-none-match");
                    log.lock().unwrap().push((inm.clone(), value("if-modified-since")));
                    if inm.as_deref() == Some("\"v1\"") {
                        return StatusCode::NOT_MODIFIED.into_response();
                    }
                    (
                        [
                            ("content-type", "application/atom+xml"),
                            ("etag", "\"v1\""),
                            ("last-modified", "Thu, 01 Jan 2026 10:00:00 GMT"),
                        ],
                        atom(&[("a", "First", "&lt;p&gt;One&lt;/p&gt;"), ("b", "Second", "two")]),
                    )
                        .into_response()
                }
            }),
        ))
        .await;
        let id = add_feed(&app.db, &format!("{base}/feed.xml")).await;
        let before = now();
        let reports = polling::run_round(&app.state).await.expect("round");
        assert_eq!(outcome_of(&reports, id), Outcome::Fetched { new: 2, updated: 0 });
        let first = status(&app.db, id).await;
        assert_eq!(first.title.as_deref(), Some("Ada's notes"));
        assert_eq!(first.format.as_deref(), Some("atom"));
        assert_eq!(first.etag.as_deref(), Some("\"v1\""));
        assert!(first.last_success_at.is_some_and(|at| at >= before));
        assert_eq!(first.claimed_at, None, "the claim is released");
        assert!(near(first.next_poll_at, before + 15 * MINUTE), "new entries: 15 minutes");
        let stored = entries(&app.db, id).await;
        assert_eq!(stored.len(), 2);
        assert_eq!(stored[0].0, "First");
        assert_eq!(stored[0].1.as_deref(), Some("https://ada.example/a"));
        assert!(stored[0].2.contains("<p>One</p>"));

        // Not due: a round does not fetch it again.
        let reports = polling::run_round(&app.state).await.expect("round");
        assert!(reports.iter().all(|r| r.feed_id != id));
        assert_eq!(seen.lock().unwrap().len(), 1);

        make_due(&app.db, id).await;
        let reports = polling::run_round(&app.state).await.expect("round");
        assert_eq!(outcome_of(&reports, id), Outcome::NotModified);
        let asked = seen.lock().unwrap().clone();
        assert_eq!(asked[0], (None, None), "the first poll is unconditional");
        assert_eq!(
            asked[1],
            (Some("\"v1\"".to_owned()), Some("Thu, 01 Jan 2026 10:00:00 GMT".to_owned()))
        );
        let second = status(&app.db, id).await;
        assert_eq!(entries(&app.db, id).await, stored, "a 304 changes no entry");
        assert_eq!(second.etag.as_deref(), Some("\"v1\""));
        assert_eq!(second.interval_ms, 30 * MINUTE, "nothing new: the interval doubles");
        assert!(second.last_error.is_none());
    }

    async fn an_updated_entry_replaces_the_old_one_and_entries_dedup_by_id_url_and_hash(app) {
        let document = Arc::new(Mutex::new(String::new()));
        let rss = |a_title: &str| {
            format!(
                r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Blog</title><link>https://b.example/</link>
                <item><guid isPermaLink="false">post-a</guid><title>{a_title}</title><description>A</description><category>Badges</category></item>
                <item><title>B</title><link>https://b.example/b</link><description>B</description></item>
                <item><title>C</title><description>only content</description></item>
                <item><guid isPermaLink="false">post-a</guid><title>Duplicate of A</title><description>A</description></item>
                </channel></rss>"#
            )
        };
        *document.lock().unwrap() = rss("Old title");
        let served = document.clone();
        let base = common::serve(Router::new().route(
            "/rss",
            get(move || {
                let served = served.clone();
                async move { served.lock().unwrap().clone() }
            }),
        ))
        .await;
        let id = add_feed(&app.db, &format!("{base}/rss")).await;
        let reports = polling::run_round(&app.state).await.expect("round");
        assert_eq!(outcome_of(&reports, id), Outcome::Fetched { new: 3, updated: 0 });
        let key_of = |title: &'static str| {
            let db = app.db.clone();
            async move {
                let row = sqlx::query(
                    "SELECT id, dedup_key, tags FROM planet_entries WHERE feed_id = $1 AND title = $2",
                )
                .bind(id)
                .bind(title)
                .fetch_one(db.pool())
                .await
                .expect("entry");
                (row.get::<i64, _>("id"), row.get::<String, _>("dedup_key"), row.get::<String, _>("tags"))
            }
        };
        let (a_id, a_key, a_tags) = key_of("Old title").await;
        assert_eq!(a_key, "id:post-a");
        assert_eq!(a_tags, "badges", "tags are lower-cased");
        assert_eq!(key_of("B").await.1, "url:https://b.example/b");
        assert!(key_of("C").await.1.starts_with("sha256:"));

        // The same document again: nothing new, nothing updated.
        make_due(&app.db, id).await;
        let reports = polling::run_round(&app.state).await.expect("round");
        assert_eq!(outcome_of(&reports, id), Outcome::Fetched { new: 0, updated: 0 });
        assert_eq!(status(&app.db, id).await.interval_ms, 30 * MINUTE);

        *document.lock().unwrap() = rss("New title");
        make_due(&app.db, id).await;
        let reports = polling::run_round(&app.state).await.expect("round");
        assert_eq!(outcome_of(&reports, id), Outcome::Fetched { new: 0, updated: 1 });
        let titles: Vec<String> = entries(&app.db, id).await.into_iter().map(|e| e.0).collect();
        assert_eq!(titles, ["B", "C", "New title"]);
        assert_eq!(key_of("New title").await.0, a_id, "the row is replaced in place");
        assert_eq!(status(&app.db, id).await.interval_ms, 15 * MINUTE, "news: back to 15 minutes");
    }

    async fn the_community_and_feed_filters_decide_what_is_shown(app) {
        sqlx::query("UPDATE planet_settings SET filter_words = 'badge' WHERE id = 1")
            .execute(app.db.pool())
            .await
            .expect("community filter");
        let base = common::serve(Router::new().route(
            "/feed",
            get(|| async {
                r#"<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
                <item><guid>1</guid><title>Open Badges at school</title><category>Credentials</category></item>
                <item><guid>2</guid><title>Badges and sports</title></item>
                <item><guid>3</guid><title>Holiday pictures</title><category>credentials</category></item>
                <item><guid>4</guid><title>Why I love badgers</title><description>&lt;p&gt;A &lt;em&gt;badge&lt;/em&gt; story&lt;/p&gt;</description><category>credentials</category></item>
                </channel></rss>"#
            }),
        ))
        .await;
        let id = add_feed(&app.db, &format!("{base}/feed")).await;
        sqlx::query("UPDATE planet_feeds SET filter_tags = 'credentials' WHERE id = $1")
            .bind(id)
            .execute(app.db.pool())
            .await
            .expect("feed filter");
        polling::run_round(&app.state).await.expect("round");
        let shown: Vec<(String, bool)> =
            entries(&app.db, id).await.into_iter().map(|e| (e.0, e.3)).collect();
        assert_eq!(
            shown,
            [
                ("Badges and sports".to_owned(), false),
                ("Holiday pictures".to_owned(), false),
                ("Open Badges at school".to_owned(), true),
                ("Why I love badgers".to_owned(), true),
            ]
        );
    }

    async fn cache_control_ttl_and_retry_after_shape_the_next_poll(app) {
        let base = common::serve(
            Router::new()
                .route(
                    "/cached",
                    get(|| async {
                        ([("cache-control", "public, max-age=7200")], atom(&[("x", "X", "x")]))
                    }),
                )
                .route(
                    "/ttl",
                    get(|| async {
                        r#"<rss version="2.0"><channel><title>T</title><ttl>180</ttl><item><guid>1</guid><title>t</title></item></channel></rss>"#
                    }),
                )
                .route(
                    "/busy",
                    get(|| async {
                        (StatusCode::SERVICE_UNAVAILABLE, [("retry-after", "5400")], "busy")
                    }),
                )
                .route(
                    "/short",
                    get(|| async { ([("cache-control", "max-age=60")], atom(&[("y", "Y", "y")])) }),
                ),
        )
        .await;
        let cached = add_feed(&app.db, &format!("{base}/cached")).await;
        let ttl = add_feed(&app.db, &format!("{base}/ttl")).await;
        let busy = add_feed(&app.db, &format!("{base}/busy")).await;
        let short = add_feed(&app.db, &format!("{base}/short")).await;
        let at = now();
        polling::run_round(&app.state).await.expect("round");
        assert!(near(status(&app.db, cached).await.next_poll_at, at + 120 * MINUTE));
        assert!(near(status(&app.db, ttl).await.next_poll_at, at + 180 * MINUTE));
        let busy = status(&app.db, busy).await;
        assert!(near(busy.next_poll_at, at + 90 * MINUTE), "Retry-After is honoured");
        assert_eq!(busy.last_error.as_deref(), Some("the server answered 503 Service Unavailable"));
        assert!(
            near(status(&app.db, short).await.next_poll_at, at + 15 * MINUTE),
            "a hint never brings a poll closer than 15 minutes"
        );
    }

    async fn errors_are_recorded_in_words_and_back_off_and_410_stops_polling(app) {
        let base = common::serve(
            Router::new()
                .route("/missing", get(|| async { StatusCode::NOT_FOUND }))
                .route("/gone", get(|| async { StatusCode::GONE }))
                .route(
                    "/text",
                    get(|| async { ([("content-type", "text/plain")], "just some words") }),
                ),
        )
        .await;
        let missing = add_feed(&app.db, &format!("{base}/missing")).await;
        let gone = add_feed(&app.db, &format!("{base}/gone")).await;
        let text = add_feed(&app.db, &format!("{base}/text")).await;
        let at = now();
        let reports = polling::run_round(&app.state).await.expect("round");
        let first = status(&app.db, missing).await;
        assert_eq!(first.last_error.as_deref(), Some("the server answered 404 Not Found"));
        assert_eq!(first.error_count, 1);
        assert!(near(first.next_poll_at, at + 15 * MINUTE));
        assert_eq!(outcome_of(&reports, gone), Outcome::Gone);
        let gone_status = status(&app.db, gone).await;
        assert_eq!(gone_status.next_poll_at, i64::MAX, "a gone feed is not polled again");
        assert!(gone_status.last_error.unwrap_or_default().contains("410 Gone"));
        let text_error = status(&app.db, text).await.last_error.unwrap_or_default();
        assert!(text_error.starts_with("not a feed"), "{text_error}");

        for (failures, minutes) in [(2, 30), (3, 60)] {
            make_due(&app.db, missing).await;
            let at = now();
            polling::run_round(&app.state).await.expect("round");
            let again = status(&app.db, missing).await;
            assert_eq!(again.error_count, failures);
            assert!(near(again.next_poll_at, at + minutes * MINUTE), "backoff {minutes} min");
        }
        let reports = polling::run_round(&app.state).await.expect("round");
        assert!(reports.iter().all(|r| r.feed_id != gone));
    }

    async fn hostile_servers_give_per_feed_errors_and_a_good_feed_is_not_stalled(app) {
        let huge = vec![b'x'; 6 * 1024 * 1024];
        let mut thousands = String::from(r#"<rss version="2.0"><channel><title>Many</title>"#);
        for n in 0..3000 {
            thousands.push_str(&format!(
                "<item><guid>n{n}</guid><title>Entry {n}</title><pubDate>Mon, 01 Jan 2024 00:00:00 GMT</pubDate><description>body {n}</description></item>"
            ));
        }
        thousands.push_str("</channel></rss>");
        let hostile = common::serve(
            Router::new()
                .route("/huge", get(move || {
                    let huge = huge.clone();
                    async move { huge }
                }))
                .route("/endless", get(|| async {
                    Response::new(axum::body::Body::from_stream(common::hostile::Endless))
                }))
                .route("/slow", get(|| async {
                    let drip = common::hostile::drip_stream();
                    Response::new(axum::body::Body::from_stream(drip))
                }))
                .route("/loop", get(|| async { Redirect::temporary("/loop") }))
                .route("/not-utf8", get(|| async {
                    let mut body = br#"<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Caf"#.to_vec();
                    body.extend_from_slice(b"\xe9\xff</title></channel></rss>");
                    ([("content-type", "application/rss+xml")], body)
                }))
                .route("/latin1", get(|| async {
                    let mut body = br#"<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0"><channel><title>Caf"#.to_vec();
                    body.extend_from_slice(b"\xe9</title><item><guid>1</guid><title>Cr\xe8me</title></item></channel></rss>");
                    ([("content-type", "text/xml; charset=utf-8")], body)
                }))
                .route("/xxe", get(|| async {
                    r#"<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><rss version="2.0"><channel><title>X</title><item><guid>1</guid><title>t</title><description>&xxe;</description></item></channel></rss>"#
                }))
                .route("/laughs", get(|| async {
                    let mut dtd = String::from(r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">"#);
                    for n in 1..10 {
                        let previous = if n == 1 { "lol".to_owned() } else { format!("lol{}", n - 1) };
                        dtd.push_str(&format!("<!ENTITY lol{n} \"{}\">", format!("&{previous};").repeat(10)));
                    }
                    dtd.push_str("]><rss version=\"2.0\"><channel><title>L</title><item><guid>1</guid><title>&lol9;</title></item></channel></rss>");
                    dtd
                }))
                .route("/thousands", get(move || {
                    let thousands = thousands.clone();
                    async move { thousands }
                }))
                .route("/xss", get(|| async {
                    r#"<rss version="2.0"><channel><title>X</title><item><guid>1</guid><title>&lt;script&gt;alert(1)&lt;/script&gt;</title><link>javascript:alert(2)</link><description>&lt;p onclick="alert(3)"&gt;Hi&lt;/p&gt;&lt;script&gt;alert(4)&lt;/script&gt;&lt;img src="https://img.example/x.png" onerror="alert(5)"&gt;&lt;a href="javascript:alert(6)"&gt;link&lt;/a&gt;&lt;iframe src="https://evil.example/"&gt;&lt;/iframe&gt;</description></item></channel></rss>"#
                })),
        )
        .await;
        let good_server = common::serve(Router::new().route(
            "/feed",
            get(|| async { atom(&[("g", "Good", "fine")]) }),
        ))
        .await;
        let mut ids = std::collections::HashMap::new();
        for path in [
            "huge", "endless", "slow", "loop", "not-utf8", "latin1", "xxe", "laughs", "thousands",
            "xss",
        ] {
            ids.insert(path, add_feed(&app.db, &format!("{hostile}/{path}")).await);
        }
        let good = add_feed(&app.db, &format!("{good_server}/feed")).await;

        let started = Instant::now();
        let finished: Arc<Mutex<Vec<(i64, Duration)>>> = Arc::default();
        let log = finished.clone();
        let fetcher = badgecommons::net::GuardedClient::new(app.state.settings.fetch.clone())
            .expect("client");
        let reports = tokio::time::timeout(
            Duration::from_secs(60),
            polling::refresh(&app.db, fetcher, false, |_| {}, move |report| {
                log.lock().unwrap().push((report.feed_id, started.elapsed()));
            }),
        )
        .await
        .expect("the round ends")
        .expect("round");
        assert_eq!(reports.len(), 11);
        let finished = finished.lock().unwrap().clone();
        let done = |id: i64| finished.iter().find(|(f, _)| *f == id).expect("polled").1;
        let good_done = done(good);
        // The slow-drip feed takes the whole fetch time limit (2 s); the good one must not wait
        // for it, nor for the hostile host's queue.
        assert!(good_done < done(ids["slow"]), "the good feed waited {good_done:?}: {finished:?}");

        assert_eq!(outcome_of(&reports, good), Outcome::Fetched { new: 1, updated: 0 });

        let error = |path: &'static str| {
            let db = app.db.clone();
            let id = ids[path];
            async move { status(&db, id).await.last_error.unwrap_or_default() }
        };
        assert_eq!(error("huge").await, "the response was larger than 5 MiB");
        let endless = error("endless").await;
        assert!(
            endless == "the response was larger than 5 MiB" || endless.starts_with("no complete answer"),
            "{endless}"
        );
        assert_eq!(error("slow").await, "no complete answer within 2 s");
        assert!(error("loop").await.starts_with("too many redirects"), "{}", error("loop").await);
        assert!(error("not-utf8").await.contains("UTF-8"), "{}", error("not-utf8").await);
        // A declared charset is honoured, or refused in words: never mojibake stored silently.
        let latin1 = entries(&app.db, ids["latin1"]).await;
        if latin1.is_empty() {
            assert!(!error("latin1").await.is_empty());
        } else {
            assert_eq!(latin1[0].0, "Crème");
        }
        for path in ["xxe", "laughs"] {
            let stored = entries(&app.db, ids[path]).await;
            for (title, _, content, _) in &stored {
                assert!(!content.contains("root:") && !title.contains("root:"), "{path}");
                assert!(title.len() < 10_000, "{path}: an entity was expanded");
            }
            assert!(!stored.is_empty() || !error(path).await.is_empty(), "{path}: a result or an error");
        }
        let many = entries(&app.db, ids["thousands"]).await;
        assert_eq!(many.len(), 1000, "the newest 1000 entries are kept");

        let xss = entries(&app.db, ids["xss"]).await;
        assert_eq!(xss.len(), 1);
        let (title, url, html, _) = &xss[0];
        assert_eq!(url, &None, "a javascript: link is not kept");
        assert_eq!(title, "<script>alert(1)</script>", "a title is text, escaped when shown");
        for vector in ["<script", "onclick", "onerror", "javascript:", "<iframe", "alert(4)"] {
            assert!(!html.contains(vector), "{vector} survived: {html}");
        }
        assert!(html.contains("Hi"));
        // Every claim was released.
        let claimed: i64 = sqlx::query("SELECT COUNT(*) AS n FROM planet_feeds WHERE claimed_at IS NOT NULL")
            .fetch_one(app.db.pool())
            .await
            .expect("count")
            .get("n");
        assert_eq!(claimed, 0);
    }

    async fn one_host_gets_at_most_two_requests_at_a_time(app) {
        // (in flight now, most at once)
        let load: Arc<Mutex<(usize, usize)>> = Arc::default();
        let gauge = load.clone();
        let base = common::serve(Router::new().route(
            "/f/{n}",
            get(move || {
                let gauge = gauge.clone();
                async move {
                    {
                        let mut load = gauge.lock().unwrap();
                        load.0 += 1;
                        load.1 = load.1.max(load.0);
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    gauge.lock().unwrap().0 -= 1;
                    atom(&[("a", "A", "a")])
                }
            }),
        ))
        .await;
        for n in 0..6 {
            add_feed(&app.db, &format!("{base}/f/{n}")).await;
        }
        let reports = polling::run_round(&app.state).await.expect("round");
        assert_eq!(reports.len(), 6);
        assert!(
            reports.iter().all(|r| r.outcome == Outcome::Fetched { new: 1, updated: 0 }),
            "{reports:?}"
        );
        assert_eq!(load.lock().unwrap().1, polling::PER_HOST);
    }

    async fn a_feed_claimed_by_another_process_is_not_fetched_twice(app) {
        let hits = Arc::new(Mutex::new(0));
        let counter = hits.clone();
        let base = common::serve(Router::new().route(
            "/feed",
            get(move || {
                let counter = counter.clone();
                async move {
                    *counter.lock().unwrap() += 1;
                    atom(&[("a", "A", "a")])
                }
            }),
        ))
        .await;
        let id = add_feed(&app.db, &format!("{base}/feed")).await;
        sqlx::query("UPDATE planet_feeds SET claimed_at = $1 WHERE id = $2")
            .bind(now())
            .bind(id)
            .execute(app.db.pool())
            .await
            .expect("claim");
        let reports = polling::run_round(&app.state).await.expect("round");
        assert!(reports.iter().all(|r| r.feed_id != id), "a claimed feed is left alone");
        assert_eq!(*hits.lock().unwrap(), 0);
        // A claim older than a few minutes belongs to a dead process: taken over.
        sqlx::query("UPDATE planet_feeds SET claimed_at = $1 WHERE id = $2")
            .bind(now() - 10 * MINUTE)
            .bind(id)
            .execute(app.db.pool())
            .await
            .expect("stale claim");
        let reports = polling::run_round(&app.state).await.expect("round");
        assert_eq!(outcome_of(&reports, id), Outcome::Fetched { new: 1, updated: 0 });
        // poll_now (a feed just added) fetches it at once, even though it is not due.
        let report = polling::poll_now(&app.state, id).await.expect("poll now");
        assert_eq!(report.outcome, Outcome::Fetched { new: 0, updated: 0 });
        assert_eq!(*hits.lock().unwrap(), 2);
    }
}

mod command_line {
    use super::*;
    use std::process::Command;

    const BIN: &str = env!("CARGO_BIN_EXE_badgecommons");

    async fn refresh_prints_a_line_per_feed(backend: Backend) {
        let Some(app) = app(backend).await else {
            return;
        };
        let base = common::serve(
            Router::new()
                .route(
                    "/good",
                    get(|| async { atom(&[("a", "A", "a"), ("b", "B", "b")]) }),
                )
                .route("/missing", get(|| async { StatusCode::NOT_FOUND })),
        )
        .await;
        let good = format!("{base}/good");
        let missing = format!("{base}/missing");
        add_feed(&app.db, &good).await;
        add_feed(&app.db, &missing).await;
        let database_url = app.database_url.clone();
        let run = move |args: &[&str]| {
            let output = Command::new(BIN)
                .args([
                    "--database-url",
                    &database_url,
                    "--fetch-allow",
                    "127.0.0.0/8",
                ])
                .args(args)
                .output()
                .expect("run badgecommons");
            let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
            let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
            assert!(
                !stdout.contains('\u{1b}'),
                "no progress bar when stdout is not a terminal: {stdout}"
            );
            (
                output.status.code(),
                format!("{stdout}\n--- stderr:\n{stderr}"),
            )
        };
        let (code, stdout) = tokio::task::spawn_blocking({
            let run = run.clone();
            move || run(&["planet", "refresh"])
        })
        .await
        .expect("run");
        assert_eq!(code, Some(0), "{stdout}");
        assert!(
            stdout.contains(&format!("{good}: 2 new, 0 updated")),
            "{stdout}"
        );
        assert!(
            stdout.contains(&format!(
                "{missing}: error: the server answered 404 Not Found"
            )),
            "{stdout}"
        );
        // Nothing is due any more; --all polls every feed.
        let (code, stdout) = tokio::task::spawn_blocking({
            let run = run.clone();
            move || run(&["planet", "refresh"])
        })
        .await
        .expect("run");
        assert_eq!(code, Some(0));
        assert!(!stdout.contains(&good), "{stdout}");
        let (code, stdout) =
            tokio::task::spawn_blocking(move || run(&["planet", "refresh", "--all"]))
                .await
                .expect("run");
        assert_eq!(code, Some(0));
        assert!(
            stdout.contains(&format!("{good}: 0 new, 0 updated")),
            "{stdout}"
        );
        assert!(stdout.contains(&missing), "{stdout}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        refresh_prints_a_line_per_feed(Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        refresh_prints_a_line_per_feed(Backend::Postgres).await;
    }

    #[test]
    fn an_unusable_database_is_a_failure() {
        let output = Command::new(BIN)
            .args(["--database-url", "mysql://nowhere/db", "planet", "refresh"])
            .output()
            .expect("run badgecommons");
        assert_ne!(output.status.code(), Some(0));
    }
}
