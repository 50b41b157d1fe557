//! Verified rel=me links: a member lists their sites on `/account/links`, "verify" fetches each
//! (from local pages on loopback), and the public profile shows, with `rel="me"`, only the ones
//! that link back to the member's profile here. Both backends.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use badgecommons::accounts::model::Role;
use common::location;
use reqwest::StatusCode;

#[derive(Default)]
struct Site {
    /// The profile URL the linking page points back to.
    profile: Mutex<String>,
    /// Whether `/linking` still links back.
    links_back: AtomicBool,
}

/// A member's site: `/linking` links back to their profile with rel=me (while told to),
/// `/not-linking` links to it without rel=me.
async fn member_site(profile: String) -> (String, Arc<Site>) {
    let site = Arc::new(Site::default());
    *site.profile.lock().unwrap() = profile;
    site.links_back.store(true, Ordering::SeqCst);
    let app = Router::new()
        .route(
            "/linking",
            get(|State(site): State<Arc<Site>>| async move {
                let profile = site.profile.lock().unwrap().clone();
                let body = if site.links_back.load(Ordering::SeqCst) {
                    format!(r#"<p>Find me on <a rel="me" href="{profile}">the commons</a></p>"#)
                } else {
                    "<p>Moved on.</p>".to_string()
                };
                ([(header::CONTENT_TYPE, "text/html")], body).into_response()
            }),
        )
        .route(
            "/not-linking",
            get(|State(site): State<Arc<Site>>| async move {
                let profile = site.profile.lock().unwrap().clone();
                (
                    [(header::CONTENT_TYPE, "text/html")],
                    format!(r#"<p>A link, but no rel=me: <a href="{profile}">there</a></p>"#),
                )
                    .into_response()
            }),
        )
        .with_state(site.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{address}"), site)
}

both_backends_on_loopback! {
    async fn only_pages_that_link_back_with_rel_me_show_on_the_profile(app) {
        app.member("ada", Role::Member).await;
        let (site, state) = member_site(app.url("/u/ada")).await;
        let ada = app.signed_in("ada").await;
        let linking = format!("{site}/linking");
        let not_linking = format!("{site}/not-linking");
        for url in [&linking, &not_linking] {
            let response = ada.submit("/account/links", &[("url", url)]).await;
            assert_eq!(response.status(), StatusCode::SEE_OTHER);
            assert_eq!(location(&response), "/account/links");
        }
        // Listed but not yet verified: not on the profile.
        let (_, profile) = app.browser().page("/u/ada").await;
        assert!(!profile.contains(&linking), "{profile}");

        let response = ada.submit("/account/links/verify", &[]).await;
        assert_eq!(response.status(), StatusCode::OK);
        let page = response.text().await.unwrap_or_default();
        assert!(page.contains("Checked 2 links: 1 link back"), "{page}");
        assert!(page.contains("no rel=&#34;me&#34; link to") || page.contains("no rel=&quot;me&quot; link to"), "the reason is shown: {page}");

        let (_, profile) = app.browser().page("/u/ada").await;
        assert!(profile.contains(&format!(r#"rel="me nofollow" href="{linking}""#)), "{profile}");
        assert!(!profile.contains(&not_linking), "{profile}");

        // The page stops linking back: the next check takes the link off the profile.
        state.links_back.store(false, Ordering::SeqCst);
        let response = ada.submit("/account/links/verify", &[]).await;
        assert!(response.text().await.unwrap_or_default().contains("Checked 2 links: 0 link back"));
        let (_, profile) = app.browser().page("/u/ada").await;
        assert!(!profile.contains(&linking), "{profile}");
    }

    async fn the_list_of_links_is_checked_and_limited(app) {
        app.member("mei", Role::Member).await;
        let mei = app.signed_in("mei").await;
        let response = mei.submit("/account/links", &[("url", "javascript:alert(1)")]).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(response.text().await.unwrap_or_default().contains("http:// or https://"));

        for n in 0..10 {
            let response = mei.submit("/account/links", &[("url", &format!("mei{n}.example.org"))]).await;
            assert_eq!(response.status(), StatusCode::SEE_OTHER, "link {n}");
        }
        let (_, page) = mei.page("/account/links").await;
        assert!(page.contains("https://mei0.example.org/"), "typed without scheme, stored canonical: {page}");
        let response = mei.submit("/account/links", &[("url", "mei10.example.org")]).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(response.text().await.unwrap_or_default().contains("at most 10 links"));

        let response = mei.submit("/account/links", &[("url", "https://mei0.example.org/")]).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);

        // Links are the member's own: nobody else can remove them, and signed out there is no page.
        app.member("sam", Role::Member).await;
        let sam = app.signed_in("sam").await;
        let id = page
            .split("/account/links/")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .expect("a remove form")
            .to_string();
        let response = sam.submit(&format!("/account/links/{id}/remove"), &[]).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let response = mei.submit(&format!("/account/links/{id}/remove"), &[]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let (status, _) = app.browser().page("/account/links").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}
