//! Sending Webmentions, against the webmention.rocks test suite reproduced as a local server: its
//! 23 endpoint discovery cases (the pages the suite serves — headers and markup — at
//! `/test/{n}`, as in the syndication crate's `webmention_discovery` tests), then its update
//! case (an edited post is sent again, to links it dropped too) and delete case (a deleted
//! post's permalink answers 410 Gone and is sent again). A member posts in the forum linking the
//! pages; the sending job must reach each case's right endpoint with the post's permalink as the
//! source, and never an endpoint that the suite marks as an error. Runs on both backends.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{header, Method, StatusCode as AxumStatus, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use badgecommons::accounts::model::Role;
use common::TestApp;
use reqwest::StatusCode;
use sqlx::Row;

/// A Webmention an endpoint of the local suite received: (path and query, source, target).
type Received = (String, String, String);

/// The local webmention.rocks.
#[derive(Clone)]
struct Rocks {
    base: String,
    received: Arc<Mutex<Vec<Received>>>,
}

fn html(body: &str) -> String {
    format!("<!doctype html><html><head><title>test</title></head><body><div class=\"h-entry\">{body}</div></body></html>")
}

fn html_head(head: &str, body: &str) -> String {
    format!("<!doctype html><html><head><title>test</title>{head}</head><body>{body}</body></html>")
}

/// Test `n`'s page: its `Link` headers and its HTML (`{base}` stands for the suite's origin).
fn case(n: u32) -> (Vec<&'static str>, String) {
    match n {
        1 => (
            vec!["</test/1/webmention?head=true>; rel=webmention"],
            html(""),
        ),
        2 => (
            vec!["<{base}/test/2/webmention?head=true>; rel=webmention"],
            html(""),
        ),
        3 => (
            vec![],
            html_head(r#"<link rel="webmention" href="/test/3/webmention">"#, ""),
        ),
        4 => (
            vec![],
            html_head(
                r#"<link rel="webmention" href="{base}/test/4/webmention">"#,
                "",
            ),
        ),
        5 => (
            vec![],
            html(
                r#"This post has its <a href="/test/5/webmention" rel="webmention">Webmention endpoint</a> in an a tag."#,
            ),
        ),
        6 => (
            vec![],
            html(r#"<a href="{base}/test/6/webmention" rel="webmention">endpoint</a>"#),
        ),
        7 => (
            vec!["<{base}/test/7/webmention?head=true>; rel=webmention"],
            html(""),
        ),
        8 => (
            vec![r#"<{base}/test/8/webmention?head=true>; rel="webmention""#],
            html(""),
        ),
        9 => (
            vec![],
            html_head(
                r#"<link rel="webmention somethingelse" href="/test/9/webmention">"#,
                "",
            ),
        ),
        10 => (
            vec![r#"</test/10/webmention?head=true>; rel="webmention somethingelse""#],
            html(""),
        ),
        11 => (
            vec!["</test/11/webmention?head=true>; rel=webmention"],
            html_head(
                r#"<link rel="webmention" href="/test/11/webmention/error">"#,
                r#"<a rel="webmention" href="/test/11/webmention/error">wrong</a>"#,
            ),
        ),
        12 => (
            vec![],
            html_head(
                r#"<link rel="not-webmention" href="/test/12/webmention/error"><link rel="webmention" href="/test/12/webmention">"#,
                "",
            ),
        ),
        13 => (
            vec![],
            html(
                r#"<!-- <a href="/test/13/webmention/error" rel="webmention"></a> --> This has a <a href="/test/13/webmention" rel="webmention">real endpoint</a>."#,
            ),
        ),
        14 => (
            vec![],
            html(
                r#"<code>&lt;a href="/test/14/webmention/error" rel="webmention"&gt;&lt;/a&gt;</code> and the <a href="/test/14/webmention" rel="webmention">real one</a>."#,
            ),
        ),
        15 => (vec![], html_head(r#"<link rel="webmention" href="">"#, "")),
        16 => (
            vec![],
            html(
                r#"<a href="/test/16/webmention" rel="webmention">first</a><link rel="webmention" href="/test/16/webmention/error">"#,
            ),
        ),
        17 => (
            vec![],
            html(
                r#"<link rel="webmention" href="/test/17/webmention"><a href="/test/17/webmention/error" rel="webmention">second</a>"#,
            ),
        ),
        18 => (
            vec![
                r#"<{base}/test/18/webmention/error>; rel="other""#,
                r#"<{base}/test/18/webmention?head=true>; rel="webmention""#,
            ],
            html(""),
        ),
        19 => (
            vec![
                r#"<{base}/test/19/webmention/error>; rel="other", <{base}/test/19/webmention?head=true>; rel="webmention""#,
            ],
            html(""),
        ),
        20 => (
            vec![],
            html_head(
                r#"<link rel="webmention">"#,
                r#"<a href="/test/20/webmention" rel="webmention">endpoint</a>"#,
            ),
        ),
        21 => (
            vec![],
            html_head(
                r#"<link rel="webmention" href="/test/21/webmention?query=yes">"#,
                "",
            ),
        ),
        22 => (
            vec![],
            html_head(r#"<link rel="webmention" href="22/webmention">"#, ""),
        ),
        // Test 23's first page redirects; the page it lands on is served below.
        _ => (vec![], html("")),
    }
}

/// Where each case's Webmention must arrive (path and query), and the target it must name.
fn expected(n: u32) -> (&'static str, String) {
    let endpoint = match n {
        1 | 2 | 7 | 8 | 10 | 11 | 18 | 19 => "/test/{n}/webmention?head=true",
        15 => "/test/15",
        21 => "/test/21/webmention?query=yes",
        23 => "/test/23/page/webmention-endpoint/5Vx4ABpw",
        _ => "/test/{n}/webmention",
    };
    let target = if n == 23 {
        "/test/23/page".to_string()
    } else {
        format!("/test/{n}")
    };
    (endpoint, target)
}

impl Rocks {
    async fn start() -> Rocks {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let rocks = Rocks {
            base: base.clone(),
            received: received.clone(),
        };
        let router = Router::new().fallback(move |method: Method, uri: Uri, body: String| {
            let (base, received) = (base.clone(), received.clone());
            async move { serve(&base, &received, method, uri, body) }
        });
        tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        rocks
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    fn received_at(&self, endpoint: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|(path, _, _)| path == endpoint)
            .collect()
    }
}

fn serve(
    base: &str,
    received: &Mutex<Vec<Received>>,
    method: Method,
    uri: Uri,
    body: String,
) -> Response {
    let path = uri.path();
    if method == Method::POST {
        let form: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes())
            .into_owned()
            .collect();
        let field = |name: &str| {
            form.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let path_and_query = uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_default();
        received
            .lock()
            .unwrap()
            .push((path_and_query, field("source"), field("target")));
        if path == "/refuses/webmention" {
            return (AxumStatus::BAD_REQUEST, "no thanks").into_response();
        }
        return (AxumStatus::ACCEPTED, [(header::LOCATION, "/status/1")], "").into_response();
    }
    let page = |links: Vec<String>, html: String| {
        let mut response = (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            html.replace("{base}", base),
        )
            .into_response();
        for link in links {
            response
                .headers_mut()
                .append(header::LINK, link.replace("{base}", base).parse().unwrap());
        }
        response
    };
    match path {
        "/test/23/page" => (
            AxumStatus::FOUND,
            [(header::LOCATION, "/test/23/page/5Vx4ABpw")],
        )
            .into_response(),
        "/test/23/page/5Vx4ABpw" => page(
            vec!["<webmention-endpoint/5Vx4ABpw>; rel=\"webmention\"".to_string()],
            html(""),
        ),
        "/plain" => page(vec![], html("No endpoint here.")),
        "/refuses" => page(
            vec!["</refuses/webmention>; rel=webmention".to_string()],
            html(""),
        ),
        _ => match path
            .strip_prefix("/test/")
            .and_then(|n| n.parse::<u32>().ok())
            .filter(|n| (1..=22).contains(n))
        {
            Some(n) => {
                let (links, body) = case(n);
                page(links.into_iter().map(str::to_string).collect(), body)
            }
            None => AxumStatus::NOT_FOUND.into_response(),
        },
    }
}

/// Starts a topic by "ada" with `body`; returns its first post's id.
async fn post_linking(app: &TestApp, body: &str) -> i64 {
    app.category("general").await;
    app.member("ada", Role::Member).await;
    let api = app.api_client("ada").await;
    let topic = app.topic_by(&api, "general", "Links", body).await;
    sqlx::query("SELECT id FROM posts WHERE topic_id = $1 AND number = 1")
        .bind(topic)
        .fetch_one(app.db.pool())
        .await
        .unwrap()
        .try_get("id")
        .unwrap()
}

/// Runs the jobs until no send is due.
async fn settle(app: &TestApp) {
    for _ in 0..200 {
        badgecommons::webmention::run_due(&app.state).await.unwrap();
        let due: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM webmention_sends WHERE status = 'pending' AND next_attempt_at <= $1",
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

both_backends_on_loopback! {
    async fn the_23_discovery_cases_reach_the_right_endpoints(app) {
        let rocks = Rocks::start().await;
        let mut body = String::from("Testing my Webmention sending:\n\n");
        for n in 1..=23 {
            let (_, target) = expected(n);
            body.push_str(&format!("- [test {n}]({})\n", rocks.url(&target)));
        }
        body.push_str(&format!("\nAnd a page [here]({}) on this very site.\n", app.url("/t/1")));
        let post = post_linking(&app, &body).await;
        settle(&app).await;
        let source = app.url(&format!("/p/{post}"));
        for n in 1..=23 {
            let (endpoint, target) = expected(n);
            let endpoint = endpoint.replace("{n}", &n.to_string());
            let got = rocks.received_at(&endpoint);
            assert_eq!(
                got,
                vec![(endpoint.clone(), source.clone(), rocks.url(&target))],
                "test {n}: all received: {:?}",
                rocks.received()
            );
        }
        let errors: Vec<_> = rocks
            .received()
            .into_iter()
            .filter(|(path, _, _)| path.contains("error"))
            .collect();
        assert!(errors.is_empty(), "false endpoints were used: {errors:?}");
        assert_eq!(rocks.received().len(), 23, "one each, none to this site's own page");

        // The author sees what became of each link.
        let ada = app.signed_in("ada").await;
        let (status, page) = ada.page(&format!("/p/{post}/webmentions")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(page.matches("<span class=\"status\">sent</span>").count(), 23, "{page}");
        assert!(page.contains(&rocks.url("/test/23/page/webmention-endpoint/5Vx4ABpw")));
        app.member("sam", Role::Member).await;
        let sam = app.signed_in("sam").await;
        assert_eq!(sam.get(&format!("/p/{post}/webmentions")).await.status(), StatusCode::FORBIDDEN);
    }

    async fn an_edit_is_sent_again_even_to_dropped_links_and_a_deletion_too(app) {
        let rocks = Rocks::start().await;
        let (kept, dropped) = (rocks.url("/test/1"), rocks.url("/test/3"));
        let body = format!(
            "See [one]({kept}), [three]({dropped}), [plain]({}) and [refuses]({}).",
            rocks.url("/plain"),
            rocks.url("/refuses")
        );
        let post = post_linking(&app, &body).await;
        settle(&app).await;
        let source = app.url(&format!("/p/{post}"));
        assert_eq!(rocks.received_at("/test/1/webmention?head=true").len(), 1);
        assert_eq!(rocks.received_at("/test/3/webmention").len(), 1);
        let ada = app.signed_in("ada").await;
        let (_, page) = ada.page(&format!("/p/{post}/webmentions")).await;
        assert!(page.contains("no endpoint"), "{page}");
        assert!(page.contains("failed</span> (HTTP 400)"), "{page}");

        // Update: the edited post is sent again, to the link it keeps and the one it dropped.
        let response = ada
            .submit(&format!("/p/{post}/edit"), &[("body", &format!("Only [one]({kept}) now."))])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        settle(&app).await;
        assert_eq!(
            rocks.received_at("/test/1/webmention?head=true"),
            vec![("/test/1/webmention?head=true".to_string(), source.clone(), kept.clone()); 2]
        );
        assert_eq!(
            rocks.received_at("/test/3/webmention"),
            vec![("/test/3/webmention".to_string(), source.clone(), dropped.clone()); 2],
            "the dropped link is told so it can remove the mention"
        );
        let (_, page) = ada.page(&format!("/p/{post}/webmentions")).await;
        assert!(page.contains("no longer linked"), "{page}");

        // Delete: the permalink answers 410 Gone, and the link is told again.
        assert_eq!(
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap()
                .get(&source)
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::PERMANENT_REDIRECT
        );
        let response = ada.submit(&format!("/p/{post}/delete"), &[]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(reqwest::get(&source).await.unwrap().status(), StatusCode::GONE);
        settle(&app).await;
        assert_eq!(rocks.received_at("/test/1/webmention?head=true").len(), 3);
        assert_eq!(rocks.received_at("/test/3/webmention").len(), 3);
    }
}
