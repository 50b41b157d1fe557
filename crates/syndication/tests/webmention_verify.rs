//! Receiving and sending Webmentions: verification of a source (a reply, an update, a deletion, a
//! source that stopped linking) and sending to a discovered endpoint.

use syndication::fetch::{Canned, Method};
use syndication::webmention::{send, verify, Kind, Verified, WebmentionError};

const TARGET: &str = "https://forum.example/t/1/hello";
const SOURCE: &str = "https://alice.example/notes/1";

fn reply_page(content: &str) -> String {
    format!(
        r#"<!doctype html><html><body>
        <article class="h-entry">
          <span class="p-author h-card"><img class="u-photo" src="/me.jpg" alt=""><a class="u-url p-name" href="https://alice.example/">Alice</a></span>
          <a class="u-in-reply-to" href="{TARGET}">In reply to the topic</a>
          <time class="dt-published" datetime="2026-11-29T10:00:00Z">yesterday</time>
          <div class="e-content">{content}</div>
          <a class="u-url" href="/notes/1">permalink</a>
        </article></body></html>"#
    )
}

fn mention_of(verified: Verified) -> Box<syndication::webmention::Mention> {
    match verified {
        Verified::Mention(m) => m,
        other => panic!("expected a mention, got {other:?}"),
    }
}

#[tokio::test]
async fn a_reply_is_verified_with_its_author_content_and_kind() {
    let fetch = Canned::default().with(
        SOURCE,
        200,
        &[("Content-Type", "text/html")],
        reply_page("<p>Nice <b>topic</b>!</p><script>alert(1)</script>"),
    );
    let mention = mention_of(verify(&fetch, SOURCE, TARGET).await.expect("verified"));
    assert!(mention.has_entry);
    assert_eq!(mention.kinds, vec![Kind::Reply]);
    let author = mention.author.clone().expect("an author");
    assert_eq!(author.name.as_deref(), Some("Alice"));
    assert_eq!(author.url.as_deref(), Some("https://alice.example/"));
    assert_eq!(
        author.photo.as_deref(),
        Some("https://alice.example/me.jpg")
    );
    assert_eq!(mention.published.as_deref(), Some("2026-11-29T10:00:00Z"));
    assert_eq!(
        mention.url.as_deref(),
        Some("https://alice.example/notes/1")
    );
    let content = mention.content_html.clone().expect("content");
    assert!(content.contains("<b>topic</b>"), "{content}");
    assert!(!content.contains("script"), "sanitised: {content}");
}

#[tokio::test]
async fn relative_links_in_the_content_point_at_the_source_site() {
    let fetch = Canned::default().with(
        SOURCE,
        200,
        &[("Content-Type", "text/html")],
        reply_page(
            r#"<p>See <a href="/notes/2">my other note</a> <img src="pic.png" alt="p"></p>"#,
        ),
    );
    let mention = mention_of(verify(&fetch, SOURCE, TARGET).await.expect("verified"));
    let content = mention.content_html.expect("content");
    assert!(
        content.contains(r#"href="https://alice.example/notes/2""#),
        "{content}"
    );
    assert!(
        content.contains(r#"src="https://alice.example/notes/pic.png""#),
        "{content}"
    );
}

#[tokio::test]
async fn an_updated_source_gives_the_new_content() {
    let before = Canned::default().with(SOURCE, 200, &[], reply_page("<p>First draft</p>"));
    let after = Canned::default().with(SOURCE, 200, &[], reply_page("<p>Second thoughts</p>"));
    let first = mention_of(verify(&before, SOURCE, TARGET).await.expect("verified"));
    let second = mention_of(verify(&after, SOURCE, TARGET).await.expect("verified"));
    assert!(first
        .content_html
        .unwrap_or_default()
        .contains("First draft"));
    assert!(second
        .content_html
        .unwrap_or_default()
        .contains("Second thoughts"));
}

#[tokio::test]
async fn a_deleted_source_answering_410_is_deleted() {
    let fetch = Canned::default().with(SOURCE, 410, &[], "gone");
    assert_eq!(verify(&fetch, SOURCE, TARGET).await, Ok(Verified::Deleted));
}

#[tokio::test]
async fn a_source_that_no_longer_links_is_not_verified() {
    let fetch = Canned::default().with(
        SOURCE,
        200,
        &[],
        format!(
            "<p class=h-entry><span class=e-content>I mentioned {TARGET} in text only</span></p>"
        ),
    );
    assert_eq!(verify(&fetch, SOURCE, TARGET).await, Ok(Verified::NoLink));
}

#[tokio::test]
async fn a_link_inside_a_comment_does_not_count() {
    let fetch = Canned::default().with(
        SOURCE,
        200,
        &[],
        format!("<p><!-- <a href=\"{TARGET}\">x</a> --></p>"),
    );
    assert_eq!(verify(&fetch, SOURCE, TARGET).await, Ok(Verified::NoLink));
}

#[tokio::test]
async fn a_plain_page_with_a_relative_link_is_a_mention_without_entry() {
    let source = "https://forum.example/elsewhere";
    let fetch = Canned::default().with(
        source,
        200,
        &[],
        "<p>See <a href=\"/t/1/hello#p2\">this</a></p>",
    );
    let mention = mention_of(verify(&fetch, source, TARGET).await.expect("verified"));
    assert!(!mention.has_entry);
    assert!(mention.kinds.is_empty());
    assert_eq!(mention.source_url, source);
}

#[tokio::test]
async fn likes_reposts_and_bookmarks_are_told_apart() {
    let page = format!(
        r#"<div class="h-entry"><a class="u-like-of" href="{TARGET}">like</a>
           <div class="u-repost-of h-cite"><a class="u-url" href="{TARGET}">repost</a></div>
           <a class="u-bookmark-of" href="https://other.example/">other</a></div>"#
    );
    let fetch = Canned::default().with(SOURCE, 200, &[], page);
    let mention = mention_of(verify(&fetch, SOURCE, TARGET).await.expect("verified"));
    assert_eq!(mention.kinds, vec![Kind::Like, Kind::Repost]);
}

#[tokio::test]
async fn a_source_error_is_an_error_not_a_deletion() {
    let fetch = Canned::default().with(SOURCE, 503, &[], "busy");
    assert!(matches!(
        verify(&fetch, SOURCE, TARGET).await,
        Err(WebmentionError::Status { status: 503, .. })
    ));
    let offline = Canned::default();
    assert!(matches!(
        verify(&offline, SOURCE, TARGET).await,
        Err(WebmentionError::Fetch { .. })
    ));
    assert!(matches!(
        verify(&offline, "not a url", TARGET).await,
        Err(WebmentionError::BadUrl { .. })
    ));
}

#[tokio::test]
async fn sending_posts_the_form_and_records_the_status_location() {
    let fetch = Canned::default()
        .with(
            TARGET,
            200,
            &[("Link", "</webmention>; rel=\"webmention\"")],
            "<p>topic</p>",
        )
        .with(
            "https://forum.example/webmention",
            202,
            &[("Location", "/webmention/42")],
            "",
        );
    let outcome = send(&fetch, SOURCE, TARGET).await.expect("sent");
    assert_eq!(outcome.endpoint, "https://forum.example/webmention");
    assert_eq!(outcome.status, 202);
    assert_eq!(
        outcome.location.as_deref(),
        Some("https://forum.example/webmention/42")
    );
    let post = fetch
        .asked()
        .into_iter()
        .find(|r| r.method == Method::Post)
        .expect("a POST");
    assert_eq!(
        post.form,
        vec![
            ("source".to_owned(), SOURCE.to_owned()),
            ("target".to_owned(), TARGET.to_owned())
        ]
    );
}

#[tokio::test]
async fn sending_fails_clearly_without_endpoint_or_when_rejected() {
    let none = Canned::default().with(TARGET, 200, &[], "<p>no endpoint</p>");
    assert!(matches!(
        send(&none, SOURCE, TARGET).await,
        Err(WebmentionError::NoEndpoint { .. })
    ));
    let rejected = Canned::default()
        .with(
            TARGET,
            200,
            &[("Link", "</webmention>; rel=webmention")],
            "",
        )
        .with("https://forum.example/webmention", 400, &[], "bad source");
    assert!(matches!(
        send(&rejected, SOURCE, TARGET).await,
        Err(WebmentionError::Rejected { status: 400, .. })
    ));
    let odd = Canned::default().with(
        TARGET,
        200,
        &[],
        "<a rel=webmention href=\"javascript:alert(1)\">x</a>",
    );
    assert!(matches!(
        send(&odd, SOURCE, TARGET).await,
        Err(WebmentionError::BadEndpoint { .. })
    ));
}

#[tokio::test]
async fn a_deeply_nested_source_is_read_down_to_the_limit_quickly() {
    // A link before the nesting gets too deep counts; one past the limit is not read.
    let depth = 200_000;
    let page = format!(
        "<a href=\"{TARGET}\">x</a>{}<a href=\"https://deep.example/\">y</a>{}",
        "<div>".repeat(depth),
        "</div>".repeat(depth)
    );
    let fetch = Canned::default().with(SOURCE, 200, &[], page);
    let started = std::time::Instant::now();
    assert!(matches!(
        verify(&fetch, SOURCE, TARGET).await,
        Ok(Verified::Mention(_))
    ));
    let only_deep = format!(
        "{}<a href=\"{TARGET}\">x</a>{}",
        "<div>".repeat(depth),
        "</div>".repeat(depth)
    );
    let fetch = Canned::default().with(SOURCE, 200, &[], only_deep);
    assert_eq!(verify(&fetch, SOURCE, TARGET).await, Ok(Verified::NoLink));
    assert!(started.elapsed().as_secs() < 20);
}

#[tokio::test]
async fn an_h_entry_at_the_nesting_limit_is_still_read_without_overflowing_the_stack() {
    let depth = 505;
    let page = format!(
        "{}<div class=\"h-entry\"><a class=\"u-like-of\" href=\"{TARGET}\">like</a></div>{}",
        "<section>".repeat(depth),
        "</section>".repeat(depth)
    );
    let fetch = Canned::default().with(SOURCE, 200, &[], page);
    let mention = mention_of(verify(&fetch, SOURCE, TARGET).await.expect("verified"));
    assert_eq!(mention.kinds, vec![Kind::Like]);
}

#[tokio::test]
async fn invalid_utf8_source_is_read_with_replacement_characters() {
    let mut body = b"<p>\xff\xfe broken <a href=\"".to_vec();
    body.extend_from_slice(TARGET.as_bytes());
    body.extend_from_slice(b"\">link</a> \xc3</p>");
    let fetch = Canned::default().with(SOURCE, 200, &[], body);
    assert!(matches!(
        verify(&fetch, SOURCE, TARGET).await,
        Ok(Verified::Mention(_))
    ));
}
