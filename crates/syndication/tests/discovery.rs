//! Discovery of a member's site: feeds, h-feed, rel=me, WebSub hub and self, Webmention — from
//! `Link` headers and HTML — and the limits that keep hostile pages harmless.

use syndication::discovery::{discover, parse_link_header, FeedFormat, MAX_HTML_BYTES};
use syndication::fetch::Response;

fn response(url: &str, headers: &[(&str, &str)], body: impl Into<Vec<u8>>) -> Response {
    Response {
        url: url.to_owned(),
        status: 200,
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), (*v).to_owned()))
            .collect(),
        body: body.into(),
    }
}

const HOME: &str = r#"<!doctype html><html><head>
<base href="https://alice.example/blog/">
<link rel="alternate" type="application/rss+xml" title=" Alice's posts " href="rss.xml">
<link rel="alternate" type="application/atom+xml" href="/atom.xml">
<link rel="alternate" type="application/feed+json" title="JSON" href="feed.json">
<link rel="alternate" type="text/html" href="/fr/" hreflang="fr">
<link rel="alternate" type="application/rss+xml" href="rss.xml">
<link rel="me" href="https://social.example/@alice">
<link rel="hub" href="https://hub.example/">
<link rel="self" href="https://alice.example/">
</head><body>
<a rel="me authn" href="https://code.example/alice">code</a>
<div class="h-feed"><article class="h-entry">post</article></div>
</body></html>"#;

#[test]
fn a_home_page_tells_its_feeds_identities_and_hub() {
    let found = discover(&response("https://alice.example/", &[], HOME)).expect("discovered");
    let feeds: Vec<_> = found
        .feeds
        .iter()
        .map(|f| (f.url.as_str(), f.format, f.title.as_deref()))
        .collect();
    assert_eq!(
        feeds,
        vec![
            (
                "https://alice.example/blog/rss.xml",
                FeedFormat::Rss,
                Some("Alice's posts")
            ),
            ("https://alice.example/atom.xml", FeedFormat::Atom, None),
            (
                "https://alice.example/blog/feed.json",
                FeedFormat::JsonFeed,
                Some("JSON")
            ),
        ]
    );
    assert!(found.has_h_feed);
    assert_eq!(
        found.rel_me,
        vec![
            "https://social.example/@alice",
            "https://code.example/alice"
        ]
    );
    assert_eq!(found.hub.as_deref(), Some("https://hub.example/"));
    assert_eq!(found.self_url.as_deref(), Some("https://alice.example/"));
    assert_eq!(found.webmention, None);
}

#[test]
fn link_headers_come_before_html_for_hub_and_self() {
    let found = discover(&response(
        "https://alice.example/feed.xml",
        &[
            (
                "Link",
                r#"<https://hub.header.example/>; rel="hub", </feed.xml>; rel=self"#,
            ),
            ("Link", "</webmention>; rel=\"webmention other\""),
        ],
        HOME,
    ))
    .expect("discovered");
    assert_eq!(found.hub.as_deref(), Some("https://hub.header.example/"));
    assert_eq!(
        found.self_url.as_deref(),
        Some("https://alice.example/feed.xml")
    );
    assert_eq!(
        found.webmention.as_deref(),
        Some("https://alice.example/webmention")
    );
}

#[test]
fn top_level_h_entries_count_as_an_h_feed_but_nested_ones_do_not() {
    let top = discover(&response(
        "https://a.example/",
        &[],
        "<article class=\"h-entry\">x</article>",
    ))
    .expect("ok");
    assert!(top.has_h_feed);
    let nested = discover(&response(
        "https://a.example/",
        &[],
        "<div class=\"h-card\"><p class=\"h-entry\">x</p></div>",
    ))
    .expect("ok");
    assert!(!nested.has_h_feed);
    let none = discover(&response(
        "https://a.example/",
        &[],
        "<p class=\"hentry-like\">x</p>",
    ))
    .expect("ok");
    assert!(!none.has_h_feed);
}

#[test]
fn a_feed_itself_yields_no_html_links_but_keeps_its_link_headers() {
    let found = discover(&response(
        "https://a.example/feed.xml",
        &[("Link", "<https://hub.example/>; rel=hub")],
        r#"<?xml version="1.0"?><rss><channel><title>t</title></channel></rss>"#,
    ))
    .expect("ok");
    assert!(found.feeds.is_empty());
    assert_eq!(found.hub.as_deref(), Some("https://hub.example/"));
}

#[test]
fn feeds_advertise_their_hub_in_xml_too() {
    let rss = r#"<?xml version="1.0"?><rss xmlns:atom="http://www.w3.org/2005/Atom"><channel>
        <atom:link rel="hub" href="https://hub.example/"/><atom:link rel="self" href="https://a.example/rss.xml"/>
        </channel></rss>"#;
    let found = discover(&response("https://a.example/rss.xml", &[], rss)).expect("ok");
    assert_eq!(found.hub.as_deref(), Some("https://hub.example/"));
    assert_eq!(found.self_url.as_deref(), Some("https://a.example/rss.xml"));
    let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom"><link rel="hub" href="https://hub.example/"/>
        <link rel="self" href="/atom.xml"/></feed>"#;
    let found = discover(&response("https://a.example/atom.xml", &[], atom)).expect("ok");
    assert_eq!(found.hub.as_deref(), Some("https://hub.example/"));
    assert_eq!(
        found.self_url.as_deref(),
        Some("https://a.example/atom.xml")
    );
}

#[test]
fn link_header_parsing_follows_rfc_8288() {
    let links =
        parse_link_header(r#"<a>; rel="hub self"; title="x, y"; type=text/html, <b>;rel=next"#);
    assert_eq!(links.len(), 2);
    assert_eq!(links[0].rels, vec!["hub", "self"]);
    assert_eq!(links[0].param("type"), Some("text/html"));
    assert_eq!(links[0].param("title"), Some("x, y"));
    assert_eq!(links[1].target, "b");
    assert!(links[1].has_rel("NEXT"));
}

#[test]
fn a_page_with_an_unusable_url_is_an_error() {
    let err = discover(&response("not a url", &[], HOME)).expect_err("bad URL");
    assert!(err.to_string().contains("not a url"));
}

#[test]
fn a_huge_page_is_read_only_up_to_the_limit() {
    let mut body = "<p>padding</p>".repeat(MAX_HTML_BYTES / 10);
    body.push_str(r#"<link rel="alternate" type="application/atom+xml" href="/late.xml">"#);
    let started = std::time::Instant::now();
    let found = discover(&response("https://a.example/", &[], body)).expect("ok");
    assert!(found.feeds.is_empty(), "a link past the limit is not read");
    assert!(started.elapsed().as_secs() < 20);
}

#[test]
fn many_links_and_headers_are_bounded() {
    let body: String = (0..10_000)
        .map(|i| format!("<link rel=me href=\"/{i}\">"))
        .collect();
    let header: String = (0..10_000)
        .map(|i| format!("</{i}>; rel=other, "))
        .collect();
    let found = discover(&response("https://a.example/", &[("Link", &header)], body)).expect("ok");
    assert_eq!(
        found.rel_me.len(),
        syndication::discovery::MAX_LINKS_PER_KIND
    );
    assert!(parse_link_header(&header).len() <= syndication::discovery::MAX_LINK_HEADER_LINKS);
}

#[test]
fn invalid_utf8_and_other_charsets_are_decoded_not_refused() {
    let found = discover(&response(
        "https://a.example/",
        &[("Content-Type", "text/html; charset=windows-1252")],
        b"<link rel=me href=\"/caf\xe9\"><p>\xff\xfe</p>".to_vec(),
    ))
    .expect("ok");
    assert_eq!(found.rel_me, vec!["https://a.example/caf%C3%A9"]);
    let broken = discover(&response(
        "https://a.example/",
        &[],
        b"<p>\xc3\x28\xff</p><link rel=me href=\"/x\">\xc3".to_vec(),
    ))
    .expect("ok");
    assert_eq!(broken.rel_me, vec!["https://a.example/x"]);
}

#[test]
fn deeply_nested_html_is_read_only_down_to_the_nesting_limit_and_quickly() {
    let depth = 200_000;
    let body = format!(
        "<link rel=me href=\"/shallow\">{}<link rel=me href=\"/deep\">{}",
        "<div>".repeat(depth),
        "</div>".repeat(depth)
    );
    let started = std::time::Instant::now();
    let found = discover(&response("https://a.example/", &[], body)).expect("ok");
    assert_eq!(found.rel_me, vec!["https://a.example/shallow"]);
    assert!(started.elapsed().as_secs() < 20);
}

#[test]
fn ordinary_pages_with_scripts_and_unclosed_list_items_are_not_cut() {
    let items: String = (0..5_000).map(|i| format!("<li>item {i}")).collect();
    let scripts: String = (0..2_000)
        .map(|_| "<script>if (a<b && c<d) {}</script>")
        .collect();
    let body = format!("<ul>{items}</ul>{scripts}<a rel=me href=\"/end\">end</a>");
    let found = discover(&response("https://a.example/", &[], body)).expect("ok");
    assert_eq!(found.rel_me, vec!["https://a.example/end"]);
}
