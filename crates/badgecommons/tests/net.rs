//! The guarded outbound client against real servers on loopback: what it refuses, what it
//! allows when told to, and its limits. All traffic stays on 127.0.0.0/8.

mod common;

use std::time::Duration;

use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use axum::Router;
use badgecommons::net::{parse_allow_list, FetchError, FetchPolicy, GuardedClient};

fn client(allow: &str, configure: impl FnOnce(&mut FetchPolicy)) -> GuardedClient {
    let mut policy = FetchPolicy {
        allow: parse_allow_list(allow).expect("allow list"),
        ..FetchPolicy::default()
    };
    configure(&mut policy);
    GuardedClient::new(policy).expect("client")
}

fn test_app() -> Router {
    Router::new()
        .route(
            "/badge.json",
            get(|| async {
                (
                    [("content-type", "application/json")],
                    r#"{"type":"Assertion"}"#,
                )
            }),
        )
        .route("/big", get(|| async { vec![b'x'; 2 * 1024 * 1024] }))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late"
            }),
        )
        .route(
            "/to-other-loopback/{port}",
            get(
                |axum::extract::Path(port): axum::extract::Path<u16>| async move {
                    Redirect::temporary(&format!("http://127.0.0.2:{port}/badge.json"))
                        .into_response()
                },
            ),
        )
        .route("/loop", get(|| async { Redirect::temporary("/loop") }))
}

#[tokio::test]
async fn loopback_is_refused_by_default_by_address_and_by_name() {
    let base = common::serve(test_app()).await;
    let guarded = client("", |_| {});
    let err = guarded
        .get(&format!("{base}/badge.json"), "application/json")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            FetchError::Forbidden {
                kind: "loopback",
                ..
            }
        ),
        "{err}"
    );
    let port = base.rsplit(':').next().unwrap();
    let err = guarded
        .get(
            &format!("http://localhost:{port}/badge.json"),
            "application/json",
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, FetchError::Forbidden { .. }),
        "a name resolving to loopback is refused too: {err}"
    );
    assert!(err.to_string().contains("loopback"), "{err}");
}

#[tokio::test]
async fn an_allowed_range_is_fetched() {
    let base = common::serve(test_app()).await;
    let fetched = client("127.0.0.1/32", |_| {})
        .get(&format!("{base}/badge.json"), "application/json")
        .await
        .expect("fetch");
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.body, br#"{"type":"Assertion"}"#);
    assert_eq!(fetched.content_type.as_deref(), Some("application/json"));
}

#[tokio::test]
async fn a_redirect_to_a_forbidden_address_is_refused() {
    let base = common::serve(test_app()).await;
    let port = base.rsplit(':').next().unwrap();
    let err = client("127.0.0.1/32", |_| {})
        .get(
            &format!("{base}/to-other-loopback/{port}"),
            "application/json",
        )
        .await
        .unwrap_err();
    assert!(matches!(err, FetchError::Forbidden { .. }), "{err}");
    assert!(err.to_string().contains("127.0.0.2"), "{err}");
}

#[tokio::test]
async fn size_time_and_redirects_are_limited() {
    let base = common::serve(test_app()).await;
    let small = client("127.0.0.0/8", |p| p.max_bytes = 1024 * 1024);
    let err = small.get(&format!("{base}/big"), "*/*").await.unwrap_err();
    assert!(matches!(err, FetchError::TooLarge { .. }), "{err}");

    let hasty = client("127.0.0.0/8", |p| p.timeout = Duration::from_millis(300));
    let err = hasty.get(&format!("{base}/slow"), "*/*").await.unwrap_err();
    assert!(matches!(err, FetchError::Failed { .. }), "{err}");

    let err = client("127.0.0.0/8", |_| {})
        .get(&format!("{base}/loop"), "*/*")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("redirect"), "{err}");
}

#[tokio::test]
async fn only_http_and_https_urls_are_fetched() {
    let guarded = client("", |_| {});
    for url in ["file:///etc/passwd", "gopher://example.org/", "not a url"] {
        let err = guarded.get(url, "*/*").await.unwrap_err();
        assert!(matches!(err, FetchError::BadUrl(_)), "{url}: {err}");
    }
}
