//! The planet, end to end against local sites on 127.0.0.1: a member connects a site (its page
//! links RSS and Atom feeds, has `rel=me` links and an h-feed), its entries appear on `/planet`
//! newest first, credited and linked, page by page and filtered by member and tag; the Atom and
//! JSON Feed outputs read back as feeds; OPML export and import round-trip; "Discuss" opens one
//! forum topic; the API keeps its contract; and HTML from feeds is never shown unsanitised.
//! Every test runs on both backends.

mod common;

use axum::http::header;
use axum::response::IntoResponse;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::routing::{get, post};
use axum::{Form, Router};
use badgecommons::accounts::model::Role;
use common::{location, TestApp};
use reqwest::StatusCode;
use serde_json::json;

/// What a member's site publishes: `count` posts, the newest numbered highest, every third
/// tagged "badges", and one carrying script and event-handler attacks.
#[derive(Clone)]
struct Site {
    name: &'static str,
    count: usize,
}

impl Site {
    fn title(&self, n: usize) -> String {
        format!("{} post {n:02}", self.name)
    }

    fn rss(&self, base: &str) -> String {
        let mut items = String::new();
        for n in (1..=self.count).rev() {
            let category = if n % 3 == 0 {
                "<category>Badges</category>"
            } else {
                "<category>life</category>"
            };
            let description = if n == 1 {
                "&lt;p&gt;Hello&lt;script&gt;alert('xss')&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&lt;a href=\"javascript:alert(2)\"&gt;click&lt;/a&gt;&lt;/p&gt;".to_string()
            } else {
                format!(
                    "&lt;p&gt;Body of {} &lt;em&gt;number {n}&lt;/em&gt;&lt;/p&gt;",
                    self.title(n)
                )
            };
            items.push_str(&format!(
                "<item><title>{title}</title><link>{base}/{name}/posts/{n}</link>\
                 <guid>{base}/{name}/posts/{n}</guid>\
                 <pubDate>{day:02} Jan 2026 10:00:00 GMT</pubDate>{category}\
                 <description>{description}</description></item>",
                title = self.title(n),
                name = self.name,
                day = (n % 28) + 1,
            ));
        }
        // Dates repeat after 28 posts; keep tests to fewer.
        format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>{name}'s blog</title>\
             <link>{base}/{name}/</link><description>d</description>{items}</channel></rss>",
            name = self.name
        )
    }

    fn atom(&self, base: &str) -> String {
        format!(
            "<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><title>{name} (Atom)</title>\
             <id>{base}/{name}/atom.xml</id><updated>2026-01-01T00:00:00Z</updated></feed>",
            name = self.name
        )
    }

    fn page(&self) -> String {
        let name = self.name;
        format!(
            "<!doctype html><html><head><title>{name}</title>\
             <link rel=\"alternate\" type=\"application/rss+xml\" title=\"{name} RSS\" href=\"/{name}/rss.xml\">\
             <link rel=\"alternate\" type=\"application/atom+xml\" title=\"{name} Atom\" href=\"/{name}/atom.xml\">\
             <link rel=\"me\" href=\"https://social.example/@{name}\"></head>\
             <body><a rel=\"me\" href=\"https://code.example/{name}\">code</a>\
             <div class=\"h-feed\"><article class=\"h-entry\"><a class=\"u-url p-name\" href=\"/{name}/posts/1\">One</a></article></div>\
             </body></html>"
        )
    }
}

/// The Webmentions the local sites received: (source, target).
type Received = Arc<Mutex<Vec<(String, String)>>>;

/// Serves the sites on a free loopback port; returns its base URL.
async fn serve_sites(sites: Vec<Site>) -> String {
    serve_sites_receiving(sites).await.0
}

/// Serves the sites, whose posts advertise a Webmention endpoint that records what it receives.
async fn serve_sites_receiving(sites: Vec<Site>) -> (String, Received) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let received: Received = Arc::default();
    let inbox = received.clone();
    let mut router = Router::new()
        .route(
            "/plain",
            get(|| async { ([(header::CONTENT_TYPE, "text/html")], "<!doctype html><p>No feeds here.</p>") }),
        )
        .route(
            "/{name}/posts/{n}",
            get(|| async {
                ([(header::CONTENT_TYPE, "text/html")], "<!doctype html><html><head><link rel=\"webmention\" href=\"/webmention\"></head><body><p>A post.</p></body></html>")
            }),
        )
        .route(
            "/webmention",
            post(move |Form(form): Form<HashMap<String, String>>| async move {
                let pair = (form.get("source").cloned().unwrap_or_default(), form.get("target").cloned().unwrap_or_default());
                inbox.lock().expect("inbox").push(pair);
                StatusCode::ACCEPTED
            }),
        );
    for site in sites {
        let (s1, s2, s3) = (site.clone(), site.clone(), site.clone());
        let (b1, b2) = (base.clone(), base.clone());
        router = router
            .route(
                &format!("/{}/", site.name),
                get(move || async move {
                    (
                        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                        s1.page(),
                    )
                        .into_response()
                }),
            )
            .route(
                &format!("/{}/rss.xml", site.name),
                get(move || async move {
                    ([(header::CONTENT_TYPE, "application/rss+xml")], s2.rss(&b1)).into_response()
                }),
            )
            .route(
                &format!("/{}/atom.xml", site.name),
                get(move || async move {
                    (
                        [(header::CONTENT_TYPE, "application/atom+xml")],
                        s3.atom(&b2),
                    )
                        .into_response()
                }),
            );
    }
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (base, received)
}

/// Subscribes `username` to `name`'s site through the API; returns the feed id.
async fn subscribe(app: &TestApp, username: &str, url: &str) -> i64 {
    let api = app.api_client(username).await;
    let (status, body) = api
        .post("/api/v1/planet/subscriptions", json!({ "url": url }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_i64().expect("id")
}

/// The titles of the river's entries on a page, in order (an entry's summary repeats its title
/// right after it, so repeats in a row count once).
fn titles(page: &str, name: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for (at, _) in page.match_indices(&format!("{name} post ")) {
        let title = page[at..at + name.len() + 8].to_string();
        if found.last() != Some(&title) {
            found.push(title);
        }
    }
    found
}

both_backends_on_loopback! {
    async fn a_member_connects_a_site_and_its_posts_appear_newest_first(app) {
        app.member("ada", Role::Member).await;
        let base = serve_sites(vec![Site { name: "ada", count: 5 }]).await;
        let browser = app.signed_in("ada").await;

        let (status, form) = browser.page("/planet/connect").await;
        assert_eq!(status, StatusCode::OK);
        assert!(form.contains("<label for=\"url\">"), "{form}");

        let response = browser
            .submit("/planet/connect", &[("url", &format!("{base}/ada/"))])
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let found = response.text().await.expect("body");
        let rss = format!("{base}/ada/rss.xml");
        let atom = format!("{base}/ada/atom.xml");
        assert!(found.contains(&format!("value=\"{rss}\" checked")), "{found}");
        assert!(found.contains(&format!("value=\"{atom}\">")), "{found}");
        assert!(
            found.contains(&format!("name=\"feed\" value=\"{base}/ada/\">")),
            "the page's own h-feed is offered: {found}"
        );
        assert!(found.contains("https://social.example/@ada"), "rel=me from <link>");
        assert!(found.contains("https://code.example/ada"), "rel=me from <a>");

        let response = browser
            .submit("/planet/subscribe", &[("site", &format!("{base}/ada/")), ("feed", &rss)])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&response), "/planet/feeds");
        let (_, feeds) = browser.page("/planet/feeds").await;
        assert!(feeds.contains(&rss), "{feeds}");
        assert!(!feeds.contains(&atom), "only the chosen feed is added");
        assert!(!feeds.contains("not yet"), "fetched at once: {feeds}");
        assert!(feeds.contains("<dt>Entries</dt><dd>5</dd>"), "{feeds}");

        let (status, river) = app.browser().page("/planet").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            titles(&river, "ada"),
            ["ada post 05", "ada post 04", "ada post 03", "ada post 02", "ada post 01"]
        );
        assert!(river.contains("class=\"h-feed\""));
        assert!(river.contains(&format!(
            "<a class=\"p-name u-url\" href=\"{base}/ada/posts/5\">ada post 05</a>"
        )), "{river}");
        assert!(river.contains("<a class=\"p-author h-card\" href=\"/u/ada\">ada</a>"));
        assert!(river.contains("class=\"dt-published\" datetime=\"2026-01-06T10:00:00Z\""));
        assert!(river.contains("<a class=\"p-category\" href=\"/planet?tag=badges\">badges</a>"));
        assert!(river.contains("<em>number 4</em>"), "sanitised HTML is kept as HTML");

        // A microformats parser reads the river as an h-feed of h-entries with their authors.
        let mf2 = syndication::feeds::parse(river.as_bytes(), Some("text/html"), &app.url("/planet"))
            .expect("the river parses as an h-feed");
        assert_eq!(mf2.entries.len(), 5);
        let newest = &mf2.entries[0];
        assert_eq!(newest.title.as_deref(), Some("ada post 05"));
        assert_eq!(newest.url.as_deref(), Some(&*format!("{base}/ada/posts/5")));
        assert_eq!(newest.author.as_ref().and_then(|a| a.name.as_deref()), Some("ada"));
        assert_eq!(newest.author.as_ref().and_then(|a| a.url.clone()), Some(app.url("/u/ada")));
        assert_eq!(newest.categories, ["life"]);
        assert!(newest.published.is_some());
    }

    async fn html_from_feeds_never_reaches_the_page_unsanitised(app) {
        app.member("eve", Role::Member).await;
        let base = serve_sites(vec![Site { name: "eve", count: 1 }]).await;
        subscribe(&app, "eve", &format!("{base}/eve/")).await;
        let (_, river) = app.browser().page("/planet").await;
        assert!(river.contains("eve post 01"), "{river}");
        let lower = river.to_lowercase();
        assert!(!lower.contains("<script"), "{river}");
        assert!(!lower.contains("onerror"), "{river}");
        assert!(!lower.contains("javascript:"), "{river}");
        let (_, api) = app.anonymous_api().get("/api/v1/planet/entries").await;
        let summary = api["entries"][0]["summary_html"].as_str().expect("summary");
        assert!(!summary.contains("<script") && !summary.contains("onerror"), "{summary}");
        let (_, json_feed) = app.browser().page("/planet/feed.json").await;
        assert!(!json_feed.contains("<script") && !json_feed.contains("onerror"));
    }

    async fn the_river_pages_and_filters_by_member_and_tag(app) {
        app.member("ada", Role::Member).await;
        app.member("bob", Role::Member).await;
        let base = serve_sites(vec![Site { name: "ada", count: 24 }, Site { name: "bob", count: 2 }]).await;
        subscribe(&app, "ada", &format!("{base}/ada/")).await;
        subscribe(&app, "bob", &format!("{base}/bob/")).await;
        let browser = app.browser();

        let (_, first) = browser.page("/planet?member=ada").await;
        let page1 = titles(&first, "ada");
        assert_eq!(page1.len(), 20);
        assert_eq!(page1[0], "ada post 24");
        // Askama writes `&` as `&#38;`; either escape is the same link.
        let next = first.replace("&#38;", "&amp;");
        assert!(next.contains("rel=\"next\" href=\"/planet?member=ada&amp;page=2\""), "{first}");
        let (_, second) = browser.page("/planet?member=ada&page=2").await;
        assert_eq!(titles(&second, "ada"), ["ada post 04", "ada post 03", "ada post 02", "ada post 01"]);
        assert!(!second.contains("rel=\"next\""));

        let (_, bob) = browser.page("/planet?member=bob").await;
        assert_eq!(titles(&bob, "bob"), ["bob post 02", "bob post 01"]);
        assert!(titles(&bob, "ada").is_empty());

        let (_, tagged) = browser.page("/planet?tag=Badges&member=ada").await;
        let tagged = titles(&tagged, "ada");
        assert_eq!(tagged.len(), 8, "{tagged:?}");
        assert!(tagged.iter().all(|t| t[9..].parse::<usize>().expect("n") % 3 == 0), "{tagged:?}");

        let api = app.anonymous_api();
        let (status, body) = api.get("/api/v1/planet/entries?tag=badges").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["entries"].as_array().map(Vec::len), Some(8));
        let (_, body) = api.get("/api/v1/planet/entries?member=bob").await;
        assert_eq!(body["entries"][0]["title"], "bob post 02");
        assert_eq!(body["entries"][0]["author"], "bob");
        assert_eq!(body["entries"][0]["url"], format!("{base}/bob/posts/2"));
        assert_eq!(body["entries"][0]["published"], "2026-01-03T10:00:00Z");
        let (_, body) = api.get("/api/v1/planet/entries?page=2").await;
        assert_eq!(body["entries"].as_array().map(Vec::len), Some(6));

        // A feed filter hides what is off topic, and showing it again brings it back.
        let ada = app.signed_in("ada").await;
        let (_, feeds) = ada.page("/planet/feeds").await;
        let at = feeds.find("/filter\"").expect("filter form");
        let id = feeds[..at].rsplit("/planet/feeds/").next().expect("id").to_string();
        let response = ada.submit(&format!("/planet/feeds/{id}/filter"), &[("tags", "badges"), ("words", "")]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let (_, shown) = browser.page("/planet?member=ada").await;
        assert_eq!(titles(&shown, "ada").len(), 8);
        let response = ada.submit(&format!("/planet/feeds/{id}/filter"), &[("tags", ""), ("words", "")]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let (_, shown) = browser.page("/planet?member=ada").await;
        assert_eq!(titles(&shown, "ada").len(), 20);
        // The community's filter applies to every feed, set by an admin only.
        let bob = app.signed_in("bob").await;
        app.member("root", Role::Admin).await;
        let response = bob.submit("/admin/planet/filter", &[("tags", "badges"), ("words", "")]).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let root = app.signed_in("root").await;
        let response = root.submit("/admin/planet/filter", &[("tags", "Badges, credentials"), ("words", "")]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let (_, settings) = root.page("/admin/planet").await;
        assert!(settings.contains("value=\"badges, credentials\""), "{settings}");
        let (_, all) = browser.page("/planet").await;
        assert_eq!(titles(&all, "ada").len(), 8);
        assert!(titles(&all, "bob").is_empty());
        root.submit("/admin/planet/filter", &[("tags", ""), ("words", "")]).await;
        let (_, all) = browser.page("/planet?member=bob").await;
        assert_eq!(titles(&all, "bob").len(), 2);

        // Someone else's feed cannot be removed; its owner can, and its entries go with it.
        let response = bob.submit(&format!("/planet/feeds/{id}/remove"), &[]).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let response = ada.submit(&format!("/planet/feeds/{id}/remove"), &[]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let (_, gone) = browser.page("/planet").await;
        assert!(titles(&gone, "ada").is_empty());
        assert_eq!(titles(&gone, "bob").len(), 2);
    }

    async fn the_combined_atom_and_json_feeds_read_back_as_feeds(app) {
        app.member("ada", Role::Member).await;
        app.member("bob", Role::Member).await;
        let base = serve_sites(vec![Site { name: "ada", count: 3 }, Site { name: "bob", count: 3 }]).await;
        subscribe(&app, "ada", &format!("{base}/ada/")).await;
        subscribe(&app, "bob", &format!("{base}/bob/")).await;
        for (path, content_type) in [
            ("/planet/feed.atom", "application/atom+xml"),
            ("/planet/feed.json", "application/feed+json"),
        ] {
            let response = app.browser().get(path).await;
            assert_eq!(response.status(), StatusCode::OK);
            let declared = response.headers()[header::CONTENT_TYPE.as_str()].to_str().expect("type").to_string();
            assert!(declared.starts_with(content_type), "{declared}");
            let bytes = response.bytes().await.expect("body");
            let feed = syndication::feeds::parse(&bytes, Some(&declared), &app.url(path))
                .unwrap_or_else(|e| panic!("{path} does not parse: {e}"));
            assert_eq!(feed.entries.len(), 6, "{path}");
            // Same date for both sites' third posts: newest first, then the later stored.
            let first = &feed.entries[0];
            assert!(first.title.as_deref().is_some_and(|t| t.ends_with("post 03")), "{path}: {first:?}");
            let author = first.author.as_ref().and_then(|a| a.name.clone()).expect("author");
            assert!(author == "ada" || author == "bob", "{path}: {author}");
            assert!(first.url.as_deref().is_some_and(|u| u.starts_with(&base)), "{path}");
        }
        // Filters apply to the outputs too.
        let response = app.browser().get("/planet/feed.json?member=bob").await;
        let bytes = response.bytes().await.expect("body");
        let feed = syndication::feeds::parse(&bytes, None, &app.url("/planet/feed.json")).expect("parse");
        assert_eq!(feed.entries.len(), 3);
        assert!(feed.entries.iter().all(|e| e.title.as_deref().is_some_and(|t| t.starts_with("bob"))));
    }

    async fn opml_export_then_import_round_trips(app) {
        app.member("ada", Role::Member).await;
        app.member("root", Role::Admin).await;
        let base = serve_sites(vec![Site { name: "ada", count: 1 }, Site { name: "bob", count: 1 }]).await;
        subscribe(&app, "ada", &format!("{base}/ada/")).await;
        let admin = app.api_client("root").await;
        let (status, body) = admin
            .post("/api/v1/planet/subscriptions", json!({ "url": format!("{base}/bob/atom.xml"), "member": "community" }))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["feeds"][0]["format"], "atom");

        let response = app.browser().get("/planet.opml").await;
        assert_eq!(response.status(), StatusCode::OK);
        let exported = response.text().await.expect("opml");
        let outlines = badgecommons::planet::opml::read(exported.as_bytes()).expect("valid OPML");
        let mut urls: Vec<&str> = outlines.iter().map(|o| o.xml_url.as_str()).collect();
        urls.sort_unstable();
        let ada_rss = format!("{base}/ada/rss.xml");
        let bob_atom = format!("{base}/bob/atom.xml");
        assert_eq!(urls, [ada_rss.as_str(), bob_atom.as_str()]);
        assert!(outlines.iter().any(|o| o.title == "ada's blog" && o.html_url.as_deref() == Some(&*format!("{base}/ada/"))), "{outlines:?}");

        let other = TestApp::start_on_loopback(app.backend).await.expect("second app");
        other.member("root", Role::Admin).await;
        let browser = other.signed_in("root").await;
        let response = browser
            .submit_multipart("/admin/planet/import", &[("member", "")], &[("opml", "planet.opml", "text/x-opml", exported.as_bytes())])
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let page = response.text().await.expect("page");
        assert!(page.contains("Imported: 2 new feeds, 0 already on the planet"), "{page}");
        let again = other.browser().page("/planet.opml").await.1;
        let reread = badgecommons::planet::opml::read(again.as_bytes()).expect("valid OPML");
        let mut urls2: Vec<&str> = reread.iter().map(|o| o.xml_url.as_str()).collect();
        urls2.sort_unstable();
        assert_eq!(urls, urls2);

        // Importing the same list again adds nothing; a hostile document is refused in words.
        let response = browser
            .submit_multipart("/admin/planet/import", &[], &[("opml", "planet.opml", "text/x-opml", exported.as_bytes())])
            .await;
        assert!(response.text().await.expect("page").contains("Imported: 0 new feeds, 2 already"));
        let bomb = b"<?xml version=\"1.0\"?><!DOCTYPE opml [<!ENTITY a \"aaaa\">]><opml><body/></opml>";
        let response = browser
            .submit_multipart("/admin/planet/import", &[], &[("opml", "x.opml", "text/x-opml", bomb)])
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(response.text().await.expect("page").contains("DOCTYPE"));
        // Members cannot import.
        other.member("mei", Role::Member).await;
        let response = other.signed_in("mei").await
            .submit_multipart("/admin/planet/import", &[], &[("opml", "planet.opml", "text/x-opml", exported.as_bytes())])
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
    }

    async fn discussing_an_entry_opens_one_topic_that_links_the_original(app) {
        app.member("ada", Role::Member).await;
        app.member("mei", Role::Member).await;
        app.category("general").await;
        let (base, received) = serve_sites_receiving(vec![Site { name: "ada", count: 2 }]).await;
        subscribe(&app, "ada", &format!("{base}/ada/")).await;
        let (_, body) = app.anonymous_api().get("/api/v1/planet/entries").await;
        let id = body["entries"][0]["id"].as_i64().expect("entry id");

        let mei = app.signed_in("mei").await;
        let (_, river) = mei.page("/planet").await;
        assert!(river.contains(&format!("action=\"/planet/entries/{id}/discuss\"")), "{river}");
        let response = mei.submit(&format!("/planet/entries/{id}/discuss"), &[]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let topic = location(&response);
        assert!(topic.starts_with("/t/"), "{topic}");
        let (status, page) = mei.page(topic.split('#').next().expect("path")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("ada post 02"), "{page}");
        assert!(page.contains(&format!("href=\"{base}/ada/posts/2\"")), "links the original: {page}");

        // Two members clicking "discuss" on another entry at the same moment get one topic.
        let other_id = body["entries"][1]["id"].as_i64().expect("second entry id");
        let ada = app.signed_in("ada").await;
        let path = format!("/planet/entries/{other_id}/discuss");
        let (first, second) = tokio::join!(mei.submit(&path, &[]), ada.submit(&path, &[]));
        assert_eq!(first.status(), StatusCode::SEE_OTHER);
        assert_eq!(second.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            location(&first).split('#').next(),
            location(&second).split('#').next(),
            "both are sent to the one topic"
        );

        let again = mei.submit(&format!("/planet/entries/{id}/discuss"), &[]).await;
        assert_eq!(again.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&again).split('#').next(), topic.split('#').next());
        let (_, topics) = app.anonymous_api().get("/api/v1/topics").await;
        assert_eq!(topics["topics"].as_array().map(Vec::len), Some(2), "{topics}");
        let (_, river) = app.browser().page("/planet").await;
        assert!(river.contains("Discussion</a>"), "the river links the topic");

        // The original's author is told once, from the permalink of the topic's first post (which
        // links the original).
        let target = format!("{base}/ada/posts/2");
        let from_this_site = |received: &[(String, String)]| {
            received
                .iter()
                .filter(|(source, to)| *to == target && source.starts_with(&app.url("/p/")))
                .count()
        };
        let mut told = 0;
        for _ in 0..100 {
            told = from_this_site(&received.lock().expect("inbox"));
            if told > 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(told, 1, "one Webmention to {target} in {:?}", received.lock().expect("inbox"));

        // Signed out, nothing happens; without the CSRF token, nothing either.
        let response = app.browser().submit(&format!("/planet/entries/{id}/discuss"), &[]).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let response = mei.submit_without_csrf(&format!("/planet/entries/{id}/discuss"), &[]).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
    }

    async fn the_subscription_api_keeps_its_contract(app) {
        app.member("ada", Role::Member).await;
        app.member("bob", Role::Member).await;
        app.member("root", Role::Admin).await;
        let base = serve_sites(vec![Site { name: "ada", count: 2 }, Site { name: "bob", count: 1 }]).await;
        let ada = app.api_client("ada").await;

        let (status, body) = ada.post("/api/v1/planet/subscriptions", json!({ "url": format!("{base}/ada/") })).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let first_id = body["id"].as_i64().expect("id");
        assert_eq!(body["feeds"], json!([{ "url": format!("{base}/ada/rss.xml"), "format": "rss" }]));
        let (_, entries) = ada.get("/api/v1/planet/entries").await;
        let first = &entries["entries"][0];
        for key in ["title", "url", "author", "published", "summary_html"] {
            assert!(first.get(key).is_some(), "{key} missing from {first}");
        }
        assert_eq!(first["title"], "ada post 02");

        // Errors say what is wrong.
        for (input, expected) in [
            ("not a url", "not a web address"),
            ("ftp://example.org/feed", "http:// or https://"),
            (&*format!("{base}/plain"), "No feed found"),
            (&*format!("{base}/missing"), "HTTP 404"),
        ] {
            let (status, body) = ada.post("/api/v1/planet/subscriptions", json!({ "url": input })).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{input}: {body}");
            assert!(body["error"].as_str().is_some_and(|e| e.contains(expected)), "{input}: {body}");
        }
        let (status, _) = app.anonymous_api()
            .post("/api/v1/planet/subscriptions", json!({ "url": format!("{base}/bob/") }))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        // Only admins add for someone else.
        let (status, body) = ada
            .post("/api/v1/planet/subscriptions", json!({ "url": format!("{base}/bob/"), "member": "bob" }))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(body["error"].as_str().is_some_and(|e| e.contains("Only admins")));
        let root = app.api_client("root").await;
        let (status, body) = root
            .post("/api/v1/planet/subscriptions", json!({ "url": format!("{base}/bob/"), "member": "bob" }))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let (_, entries) = ada.get("/api/v1/planet/entries?member=bob").await;
        assert_eq!(entries["entries"][0]["author"], "bob");
        // The same feed for another member is a conflict, for the same one it is the same feed.
        let (status, _) = root
            .post("/api/v1/planet/subscriptions", json!({ "url": format!("{base}/bob/"), "member": "ada" }))
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        let (status, again) = ada.post("/api/v1/planet/subscriptions", json!({ "url": format!("{base}/ada/") })).await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(again["id"], first_id);
    }

    async fn the_command_line_exports_and_imports_opml(app) {
        app.member("ada", Role::Member).await;
        let base = serve_sites(vec![Site { name: "ada", count: 1 }]).await;
        subscribe(&app, "ada", &format!("{base}/ada/")).await;
        let file = app.data_dir.join("planet.opml");
        let file = file.to_str().expect("path");
        let run = |target: &TestApp, args: &[&str]| {
            let output = std::process::Command::new(env!("CARGO_BIN_EXE_badgecommons"))
                .args(["--database-url", &target.database_url])
                .arg("--data-dir")
                .arg(&target.data_dir)
                .args(args)
                .output()
                .expect("run badgecommons");
            (output.status.success(), String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned())
        };
        let (ok, _, err) = run(&app, &["planet", "export", "-o", file]);
        assert!(ok, "{err}");
        let other = TestApp::start_on_loopback(app.backend).await.expect("second app");
        other.member("mei", Role::Member).await;
        let (ok, out, err) = run(&other, &["planet", "import", file, "--member", "mei"]);
        assert!(ok, "{err}");
        assert!(out.contains("Imported 1 new feed(s); 0 already on the planet; 0 not added."), "{out}");
        let (ok, _, err) = run(&other, &["planet", "import", file, "--member", "nobody"]);
        assert!(!ok);
        assert!(err.contains("no member \"nobody\""), "{err}");
        // The imported feed is mei's: her feeds page lists it.
        let (_, feeds) = other.signed_in("mei").await.page("/planet/feeds").await;
        assert!(feeds.contains(&format!("{base}/ada/rss.xml")), "{feeds}");
    }

    async fn admins_connect_sites_for_the_community_or_a_member(app) {
        app.member("root", Role::Admin).await;
        app.member("mei", Role::Member).await;
        let base = serve_sites(vec![Site { name: "ada", count: 1 }, Site { name: "bob", count: 1 }]).await;
        let root = app.signed_in("root").await;
        let (_, form) = root.page("/planet/connect").await;
        assert!(form.contains("<label for=\"member\">"), "admins choose whose feed it is");
        let (_, form) = app.signed_in("mei").await.page("/planet/connect").await;
        assert!(!form.contains("name=\"member\""), "members add only their own");

        let ada_rss = format!("{base}/ada/rss.xml");
        let response = root
            .submit("/planet/subscribe", &[("member", "community"), ("feed", &ada_rss)])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let bob_rss = format!("{base}/bob/rss.xml");
        let response = root.submit("/planet/subscribe", &[("member", "mei"), ("feed", &bob_rss)]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);

        let (_, all) = root.page("/planet/feeds").await;
        assert!(all.contains(&ada_rss) && all.contains(&bob_rss), "admins see every feed");
        assert!(all.contains("the community"), "{all}");
        let (_, own) = app.signed_in("mei").await.page("/planet/feeds").await;
        assert!(own.contains(&bob_rss) && !own.contains(&ada_rss), "{own}");
        let (_, river) = app.browser().page("/planet").await;
        // The community's feed credits the feed's own name; mei's feed credits mei.
        assert!(river.contains("<span class=\"p-author h-card\">ada&#39;s blog</span>")
            || river.contains("<span class=\"p-author h-card\">ada&#x27;s blog</span>"), "{river}");
        assert!(river.contains("<a class=\"p-author h-card\" href=\"/u/mei\">mei</a>"), "{river}");
        // A member cannot subscribe a feed for someone else through the form either.
        let response = app.signed_in("mei").await
            .submit("/planet/subscribe", &[("member", "community"), ("feed", &format!("{base}/ada/atom.xml"))])
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
    }

    async fn an_empty_planet_says_how_to_connect_a_site(app) {
        let (status, page) = app.browser().page("/planet").await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("The planet is empty so far"), "{page}");
        assert!(page.contains("href=\"/signin\""));
        app.member("ada", Role::Member).await;
        let (_, page) = app.signed_in("ada").await.page("/planet").await;
        assert!(page.contains("<a href=\"/planet/connect\">Connect it</a>"), "{page}");
        assert!(page.contains("href=\"/planet\">Planet</a>"), "the site's navigation links the planet");
    }
}
