//! Feed parsing (`syndication::feeds`): every format on realistic fixtures
//! (`fixtures/feeds/`), relative URLs, dates, authors, categories,
//! sanitising, de-duplication keys, limits and hostile inputs.

use std::time::{Duration, Instant};

use syndication::feeds::{
    parse, Entry, Feed, FeedError, FeedFormat, MAX_ENTRIES, MAX_HTML_NESTING, MAX_INPUT_BYTES,
};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/feeds/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

fn parse_ok(bytes: &[u8], content_type: Option<&str>, base: &str) -> Feed {
    match parse(bytes, content_type, base) {
        Ok(feed) => feed,
        Err(error) => panic!("expected a feed, got: {error}"),
    }
}

fn date(entry: &Entry) -> String {
    entry
        .published
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// The sanitiser's policy, checked loosely (tests/xss.rs checks it
/// strictly): no script-like element, no event-handler attribute, no URL
/// attribute with a script scheme. The sanitiser re-serialises its output as
/// `<tag name="value" …>` with `"` escaped inside values, so attributes can
/// be read by splitting on quotes.
fn assert_harmless(html: &str) {
    let lower = html.to_ascii_lowercase();
    for bad in ["<script", "<iframe", "<object", "<embed", "<svg", "<style"] {
        assert!(!lower.contains(bad), "{bad} survived in {html}");
    }
    for tag in lower.split('<').skip(1) {
        let Some(end) = tag.find('>') else { continue };
        let inside = &tag[..end];
        // Alternate pieces are outside and inside quotes.
        let pieces: Vec<&str> = inside.split('"').collect();
        for pair in pieces.chunks(2) {
            let outside = pair[0];
            let value = pair.get(1).copied().unwrap_or("");
            let name = outside
                .trim_end_matches('=')
                .split_whitespace()
                .last()
                .unwrap_or("");
            assert!(
                !name.starts_with("on"),
                "event handler {name} survived in {html}"
            );
            let value = value.trim_start();
            for scheme in ["javascript:", "vbscript:", "data:"] {
                assert!(
                    !value.starts_with(scheme),
                    "{scheme} URL survived in {html}"
                );
            }
        }
    }
}

#[test]
fn rss2_items_with_relative_links_dates_authors_and_categories() {
    let feed = parse_ok(
        &fixture("rss2.xml"),
        Some("application/rss+xml"),
        "https://blog.example/feed.xml",
    );
    assert_eq!(feed.format, FeedFormat::Rss2);
    assert_eq!(feed.title.as_deref(), Some("Open Badges Notes"));
    assert_eq!(feed.home_page_url.as_deref(), Some("https://blog.example/"));
    assert_eq!(
        feed.self_url.as_deref(),
        Some("https://blog.example/feed.xml")
    );
    assert_eq!(feed.hubs, vec!["https://hub.example/".to_string()]);
    assert_eq!(feed.ttl_minutes, Some(60));
    assert_eq!(feed.entries.len(), 3);

    let first = &feed.entries[0];
    assert_eq!(first.id.as_deref(), Some("post-42"));
    assert_eq!(
        first.url.as_deref(),
        Some("https://blog.example/2024/05/issuing")
    );
    assert_eq!(first.title.as_deref(), Some("Issuing badges & credentials"));
    assert_eq!(date(first), "2024-05-01T08:20:00Z");
    assert_eq!(
        first.author.as_ref().and_then(|a| a.name.as_deref()),
        Some("Ada Lovelace")
    );
    assert_eq!(first.categories, vec!["badges", "credentials"]);
    assert_eq!(
        first.summary_html.as_deref(),
        Some("A <b>short</b> summary.")
    );
    let content = first.content_html.as_deref().unwrap_or_default();
    assert!(
        content.contains("href=\"https://blog.example/about\""),
        "{content}"
    );
    assert!(
        content.contains("src=\"https://blog.example/img/badge.png\""),
        "{content}"
    );
    assert_harmless(content);
    assert_eq!(first.dedup_key(), "id:post-42");

    let second = &feed.entries[1];
    assert_eq!(second.id, None, "no guid: no invented id");
    assert_eq!(
        second.dedup_key(),
        "url:https://blog.example/2024/04/second"
    );
    assert_eq!(date(second), "2024-04-01T08:00:00Z");

    let third = &feed.entries[2];
    assert_eq!(
        (
            third.id.as_deref(),
            third.url.as_deref(),
            third.title.as_deref()
        ),
        (None, None, None)
    );
    assert!(third.dedup_key().starts_with("sha256:"));
}

#[test]
fn rss1_and_rss091_in_latin1() {
    let feed = parse_ok(&fixture("rss1.rdf"), None, "https://rdf.example/index.rdf");
    assert_eq!(feed.format, FeedFormat::Rss1);
    let entry = &feed.entries[0];
    assert_eq!(entry.url.as_deref(), Some("https://rdf.example/a"));
    assert_eq!(date(entry), "2024-03-02T09:00:00Z");
    assert_eq!(
        entry.author.as_ref().and_then(|a| a.name.as_deref()),
        Some("Grace Hopper")
    );

    let feed = parse_ok(
        &fixture("rss091.xml"),
        Some("text/xml"),
        "http://old.example/rss",
    );
    assert_eq!(feed.format, FeedFormat::Rss0);
    assert_eq!(feed.title.as_deref(), Some("Café News"));
    assert_eq!(feed.entries[0].title.as_deref(), Some("Crème brûlée"));
}

#[test]
fn atom_with_xml_base_text_constructs_and_authors() {
    let feed = parse_ok(
        &fixture("atom.xml"),
        Some("application/atom+xml"),
        "https://atom.example/feed",
    );
    assert_eq!(feed.format, FeedFormat::Atom);
    assert_eq!(feed.title.as_deref(), Some("Atom Journal"));
    assert_eq!(
        feed.home_page_url.as_deref(),
        Some("https://atom.example/blog/")
    );
    assert_eq!(
        feed.self_url.as_deref(),
        Some("https://atom.example/blog/feed.atom")
    );
    assert_eq!(feed.hubs, vec!["https://websub.example/hub".to_string()]);

    let first = &feed.entries[0];
    assert_eq!(
        first.url.as_deref(),
        Some("https://atom.example/blog/posts/1")
    );
    assert_eq!(date(first), "2024-06-01T00:30:00Z");
    assert_eq!(
        first.author.as_ref().and_then(|a| a.name.as_deref()),
        Some("Entry Author")
    );
    assert!(first.categories.contains(&"Open Badges".to_string()));
    assert!(first.categories.contains(&"rust".to_string()));
    assert_eq!(
        first.summary_html.as_deref(),
        Some("Plain &lt;not a tag&gt; summary")
    );
    let content = first.content_html.as_deref().unwrap_or_default();
    assert!(
        content.contains("https://cdn.example/media/pic.png"),
        "{content}"
    );
    assert!(content.contains("https://cdn.example/page"), "{content}");
    assert_harmless(content);

    let second = &feed.entries[1];
    assert_eq!(second.title.as_deref(), Some("XHTML title"));
    assert_eq!(
        second.author.as_ref().and_then(|a| a.name.as_deref()),
        Some("Feed Author"),
        "an entry without an author takes the feed's"
    );
    let content = second.content_html.as_deref().unwrap_or_default();
    assert!(content.contains("Hello"), "{content}");
    assert_harmless(content);
}

#[test]
fn json_feed_1_1_and_1_0() {
    let feed = parse_ok(
        &fixture("jsonfeed11.json"),
        Some("application/feed+json"),
        "https://json.example/feed.json",
    );
    assert_eq!(feed.format, FeedFormat::JsonFeed);
    assert_eq!(feed.title.as_deref(), Some("JSON Blog"));
    assert_eq!(feed.home_page_url.as_deref(), Some("https://json.example/"));
    assert_eq!(
        feed.self_url.as_deref(),
        Some("https://json.example/feed.json")
    );
    assert_eq!(feed.hubs, vec!["https://hub.json.example/".to_string()]);
    let first = &feed.entries[0];
    assert_eq!(first.id.as_deref(), Some("https://json.example/2024/1"));
    assert_eq!(first.url.as_deref(), Some("https://json.example/2024/1"));
    assert_eq!(date(first), "2024-02-03T03:05:06Z");
    assert_eq!(
        first.updated.map(|d| d.to_rfc3339()),
        Some("2024-02-04T00:00:00+00:00".to_string())
    );
    assert_eq!(
        first.author.as_ref().and_then(|a| a.name.as_deref()),
        Some("Jay Son")
    );
    assert_eq!(
        first.author.as_ref().and_then(|a| a.photo.as_deref()),
        Some("https://json.example/me.jpg")
    );
    assert_eq!(first.categories, vec!["json", "feeds"]);
    let content = first.content_html.as_deref().unwrap_or_default();
    assert!(
        content.contains("href=\"https://json.example/x\""),
        "{content}"
    );
    assert_harmless(content);
    let second = &feed.entries[1];
    assert_eq!(
        second.content_html.as_deref(),
        Some("Just &lt;text&gt; &amp; more")
    );

    let feed = parse_ok(
        &fixture("jsonfeed10.json"),
        None,
        "https://old-json.example/feed.json",
    );
    assert_eq!(feed.format, FeedFormat::JsonFeed);
    assert_eq!(
        feed.entries[0]
            .author
            .as_ref()
            .and_then(|a| a.name.as_deref()),
        Some("Old Author")
    );
    assert_eq!(date(&feed.entries[0]), "2023-12-24T23:00:00Z");
}

#[test]
fn h_feed_with_h_card_author_replies_and_base_href() {
    let feed = parse_ok(
        &fixture("hfeed.html"),
        Some("text/html; charset=utf-8"),
        "https://mia.example/",
    );
    assert_eq!(feed.format, FeedFormat::HFeed);
    assert_eq!(feed.title.as_deref(), Some("Mia's notes"));
    assert_eq!(feed.home_page_url.as_deref(), Some("https://mia.example/"));
    assert_eq!(feed.hubs, vec!["https://hub.example/".to_string()]);
    assert_eq!(feed.entries.len(), 2);

    let first = &feed.entries[0];
    assert_eq!(first.title.as_deref(), Some("A real title"));
    assert_eq!(
        first.url.as_deref(),
        Some("https://mia.example/notes/2024/06/a")
    );
    assert_eq!(
        first.id.as_deref(),
        Some("https://mia.example/notes/2024/06/a")
    );
    assert_eq!(date(first), "2024-06-02T08:00:00Z");
    assert_eq!(
        first.in_reply_to,
        vec!["https://forum.example/t/42".to_string()]
    );
    assert_eq!(first.categories, vec!["badges"]);
    let author = first.author.clone().unwrap_or_default();
    assert_eq!(author.name.as_deref(), Some("Mia Example"));
    assert_eq!(author.url.as_deref(), Some("https://mia.example/"));
    assert_eq!(author.photo.as_deref(), Some("https://mia.example/mia.jpg"));
    let content = first.content_html.as_deref().unwrap_or_default();
    assert!(
        content.contains("href=\"https://mia.example/notes/pic\""),
        "{content}"
    );
    assert!(
        content.contains("src=\"https://mia.example/notes/img.png\""),
        "{content}"
    );
    assert_harmless(content);

    let second = &feed.entries[1];
    assert_eq!(second.title, None, "a note's implied name is not a title");
    assert_eq!(
        second.author.as_ref().and_then(|a| a.name.as_deref()),
        Some("Guest")
    );
    assert_eq!(
        second.like_of,
        vec!["https://other.example/liked".to_string()]
    );
    assert_eq!(date(second), "2024-06-01T00:00:00Z");
    assert_eq!(
        second.dedup_key(),
        "url:https://mia.example/notes/2024/06/b"
    );
}

#[test]
fn top_level_h_entries_without_an_h_feed() {
    let feed = parse_ok(&fixture("hentries.html"), None, "https://bare.example/");
    assert_eq!(feed.format, FeedFormat::HFeed);
    assert_eq!(feed.title.as_deref(), Some("Bare entries"));
    assert_eq!(feed.entries.len(), 2);
    assert_eq!(
        feed.entries[0].url.as_deref(),
        Some("https://bare.example/one")
    );
    assert_eq!(
        feed.entries[0].repost_of,
        vec!["https://x.example/r".to_string()]
    );
    assert_eq!(
        feed.entries[1].bookmark_of,
        vec!["https://x.example/b".to_string()]
    );
}

#[test]
fn html_without_microformats_is_an_error_naming_it() {
    let error = parse(
        b"<html><body><p>Hi</p></body></html>",
        Some("text/html"),
        "https://a.example/",
    );
    let Err(error) = error else {
        panic!("expected an error")
    };
    assert!(
        error.to_string().contains("without an h-feed or h-entry"),
        "{error}"
    );
}

#[test]
fn xss_vectors_of_the_corpus_are_removed_from_every_format() {
    let corpus = include_str!("xss_vectors.txt");
    let vectors: Vec<&str> = corpus
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect();
    let mut items = String::new();
    let mut entries = Vec::new();
    for (index, vector) in vectors.iter().enumerate() {
        let escaped = vector
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        items.push_str(&format!(
            "<item><guid>{index}</guid><title>t</title><description>{escaped}</description></item>"
        ));
        entries.push(serde_json::json!({"id": index.to_string(), "content_html": vector}));
    }
    let rss = format!("<rss version=\"2.0\"><channel><title>x</title>{items}</channel></rss>");
    let feed = parse_ok(rss.as_bytes(), None, "https://x.example/");
    assert_eq!(feed.entries.len(), vectors.len());
    for entry in &feed.entries {
        assert_harmless(entry.summary_html.as_deref().unwrap_or_default());
    }
    let json = serde_json::json!({"version": "https://jsonfeed.org/version/1.1", "title": "x", "items": entries});
    let feed = parse_ok(json.to_string().as_bytes(), None, "https://x.example/");
    for entry in &feed.entries {
        assert_harmless(entry.content_html.as_deref().unwrap_or_default());
    }
}

#[test]
fn five_thousand_entries_keep_the_newest_thousand_quickly() {
    let mut rss = String::from("<rss version=\"2.0\"><channel><title>big</title>");
    for i in 0..5000 {
        // Minutes after 2020-01-01, in RFC 822 as RSS wants.
        let when = chrono::DateTime::from_timestamp(1_577_836_800 + i * 60, 0).unwrap_or_default();
        rss.push_str(&format!(
            "<item><guid>g{i}</guid><link>/p/{i}</link><title>Post {i}</title><pubDate>{}</pubDate><description>&lt;p&gt;Body {i}&lt;/p&gt;</description></item>",
            when.to_rfc2822()
        ));
    }
    rss.push_str("</channel></rss>");
    let started = Instant::now();
    let feed = parse_ok(rss.as_bytes(), None, "https://big.example/");
    let took = started.elapsed();
    assert_eq!(feed.entries.len(), MAX_ENTRIES);
    assert_eq!(feed.entries[0].id.as_deref(), Some("g4000"));
    assert_eq!(feed.entries[MAX_ENTRIES - 1].id.as_deref(), Some("g4999"));
    assert!(took < Duration::from_secs(20), "took {took:?}");
}

#[test]
fn billion_laughs_is_not_expanded() {
    let mut doctype = String::from("<!DOCTYPE rss [\n<!ENTITY lol \"lol\">\n");
    doctype.push_str("<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n");
    for level in 2..=9 {
        let previous = format!("&lol{};", level - 1).repeat(10);
        doctype.push_str(&format!("<!ENTITY lol{level} \"{previous}\">\n"));
    }
    doctype.push_str("]>\n");
    let xml = format!(
        "<?xml version=\"1.0\"?>\n{doctype}<rss version=\"2.0\"><channel><title>&lol9;</title><item><title>&lol9;</title><description>&lol9;</description></item></channel></rss>"
    );
    let started = Instant::now();
    let result = parse(xml.as_bytes(), None, "https://bomb.example/");
    assert!(started.elapsed() < Duration::from_secs(5));
    // quick-xml leaves the reference as it is: the entry is kept, with the
    // literal text "&lol9;" (a billion "lol"s would be 3 GB).
    let feed = match result {
        Ok(feed) => feed,
        Err(error) => panic!("expected an unexpanded feed, got: {error}"),
    };
    assert_eq!(feed.title.as_deref(), Some("&lol9;"));
    assert_eq!(feed.entries.len(), 1);
    assert_eq!(feed.entries[0].title.as_deref(), Some("&lol9;"));
    assert_eq!(feed.entries[0].summary_html.as_deref(), Some("&amp;lol9;"));
}

#[test]
fn external_entities_are_not_loaded() {
    let dir = std::env::temp_dir().join(format!("feeds-xxe-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_default();
    let secret = dir.join("secret.txt");
    std::fs::write(&secret, "TOP-SECRET-CONTENT").unwrap_or_default();
    let xml = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM \"file://{}\">]>\n<rss version=\"2.0\"><channel><title>x</title><item><title>&xxe;</title><description>&xxe;</description></item></channel></rss>",
        secret.display()
    );
    let result = parse(xml.as_bytes(), None, "https://xxe.example/");
    let _ = std::fs::remove_dir_all(&dir);
    // The file is never read: the reference stays literal text.
    let feed = match result {
        Ok(feed) => feed,
        Err(error) => panic!("expected an unexpanded feed, got: {error}"),
    };
    assert!(!format!("{feed:?}").contains("TOP-SECRET"));
    assert_eq!(feed.entries[0].title.as_deref(), Some("&xxe;"));
}

#[test]
fn invalid_utf8_is_an_error_in_xml_and_json_and_lossy_in_html() {
    let mut xml = b"<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>ok</title><item><title>bad ".to_vec();
    xml.extend_from_slice(b"\xC3\x28\xFF");
    xml.extend_from_slice(b"</title></item></channel></rss>");
    let error = parse(&xml, None, "https://a.example/");
    assert!(
        matches!(error, Err(FeedError::InvalidUtf8 { .. })),
        "{error:?}"
    );
    assert!(error
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default()
        .contains("not valid UTF-8"));

    let json = b"{\"version\":\"https://jsonfeed.org/version/1.1\",\"title\":\"\xFF\"}";
    assert!(matches!(
        parse(json, None, "https://a.example/"),
        Err(FeedError::InvalidUtf8 { .. })
    ));

    let html = b"<html><body><div class=\"h-entry\"><p class=\"p-name\">caf\xE9 \xFF</p></div></body></html>";
    let feed = parse_ok(html, Some("text/html"), "https://a.example/");
    assert_eq!(
        feed.entries[0].title.as_deref(),
        Some("caf\u{FFFD} \u{FFFD}")
    );
}

#[test]
fn html_charset_from_meta_and_header() {
    let html = b"<html><head><meta charset=\"windows-1252\"></head><body><div class=\"h-entry\"><p class=\"p-name\">caf\xE9 \x93quoted\x94</p></div></body></html>";
    let feed = parse_ok(html, None, "https://a.example/");
    assert_eq!(feed.entries[0].title.as_deref(), Some("café “quoted”"));
    let feed = parse_ok(
        b"<div class=\"h-entry\"><p class=\"p-name\">\xE9t\xE9</p></div>",
        Some("text/html; charset=iso-8859-1"),
        "https://a.example/",
    );
    assert_eq!(feed.entries[0].title.as_deref(), Some("été"));
    let error = parse(
        b"<html></html>",
        Some("text/html; charset=klingon"),
        "https://a.example/",
    );
    assert!(
        matches!(error, Err(FeedError::UnknownEncoding { .. })),
        "{error:?}"
    );
}

#[test]
fn empty_garbage_and_oversized_bodies_are_errors_naming_them() {
    let cases: [(&[u8], &str); 5] = [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"\x89PNG\r\n\x1a\n", "not a feed"),
        (b"{\"hello\": \"world\"}", "JSON Feed"),
        (b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>", "<svg>"),
    ];
    for (body, words) in cases {
        match parse(body, None, "https://a.example/") {
            Ok(feed) => panic!("{body:?} parsed: {feed:?}"),
            Err(error) => assert!(error.to_string().contains(words), "{body:?}: {error}"),
        }
    }
    let broken = parse(
        b"<rss version=\"2.0\"><channel><title>x</title><item>",
        None,
        "https://a.example/",
    );
    assert!(broken.is_err(), "{broken:?}");
    let broken_json = parse(
        b"{\"version\": \"https://jsonfeed.org/version/1.1\", \"items\": [",
        None,
        "https://a.example/",
    );
    assert!(
        matches!(broken_json, Err(FeedError::Malformed { .. })),
        "{broken_json:?}"
    );

    let huge = vec![b' '; MAX_INPUT_BYTES + 1];
    assert_eq!(
        parse(&huge, None, "https://a.example/"),
        Err(FeedError::TooLarge {
            size: MAX_INPUT_BYTES + 1
        })
    );
}

#[test]
fn content_type_breaks_ties_but_the_body_decides() {
    // An RSS feed served as text/html is still RSS.
    let feed = parse_ok(
        &fixture("rss2.xml"),
        Some("text/html"),
        "https://blog.example/",
    );
    assert_eq!(feed.format, FeedFormat::Rss2);
    assert_eq!(FeedFormat::HFeed.name(), "h-feed");
}

#[test]
fn deeply_nested_html_is_refused_quickly_and_real_depths_pass() {
    // Just under the limit: nested h-entries, parsed.
    let mut html = String::from("<html><body><div class=\"h-feed\">");
    html.push_str(&"<div class=\"h-entry\"><span>".repeat(MAX_HTML_NESTING / 2 - 2));
    html.push_str("deep");
    let feed = parse_ok(html.as_bytes(), Some("text/html"), "https://deep.example/");
    assert_eq!(feed.entries.len(), 1);
    // Unclosed <p> and <li> do not nest in HTML, so many of them are fine.
    let mut sloppy = String::from("<div class=\"h-entry\"><span class=\"p-name\">S</span>");
    sloppy.push_str(&"<p>para<li>item".repeat(5000));
    assert_eq!(
        parse_ok(sloppy.as_bytes(), Some("text/html"), "https://a.example/")
            .entries
            .len(),
        1
    );
    // Far too deep (would overflow the stack without the limit): an error
    // naming it, quickly.
    for depth in [MAX_HTML_NESTING + 1, 200_000] {
        let mut html = String::from("<div class=\"h-feed\">");
        html.push_str(&"<div class=\"h-entry\">".repeat(depth));
        let started = Instant::now();
        let error = parse(html.as_bytes(), Some("text/html"), "https://deep.example/");
        assert!(started.elapsed() < Duration::from_secs(2));
        match error {
            Err(error) => assert!(error.to_string().contains("nest more than"), "{error}"),
            Ok(feed) => panic!("{depth} deep parsed: {} entries", feed.entries.len()),
        }
    }
}

#[test]
fn deeply_nested_xml_and_json_do_not_crash() {
    // feed-rs walks XML without recursion and refuses more than 65,535
    // levels; serde_json refuses more than 128.
    for (depth, parses) in [(60_000, true), (100_000, false)] {
        let xml = format!(
            "<rss version=\"2.0\"><channel><title>t</title><item><title>i</title>{}{}</item></channel></rss>",
            "<x>".repeat(depth),
            "</x>".repeat(depth)
        );
        let started = Instant::now();
        let result = parse(xml.as_bytes(), None, "https://deep.example/");
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(result.is_ok(), parses, "{depth}: {result:?}");
        if let Err(error) = result {
            assert!(error.to_string().contains("deeper"), "{error}");
        }
    }
    let depth = 100_000;
    let json = format!(
        "{{\"version\":\"https://jsonfeed.org/version/1.1\",\"title\":\"t\",\"items\":[{{\"id\":\"1\",\"x\":{}{}}}]}}",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let result = parse(json.as_bytes(), None, "https://deep.example/");
    assert!(
        matches!(result, Err(FeedError::Malformed { .. })),
        "{result:?}"
    );
}

#[test]
fn an_h_feed_of_five_thousand_entries_keeps_the_limit() {
    let mut html = String::from("<html><body><div class=\"h-feed\"><h1 class=\"p-name\">Big</h1>");
    for i in 0..5000 {
        html.push_str(&format!(
            "<article class=\"h-entry\"><a class=\"u-url p-name\" href=\"/p/{i}\">Post {i}</a><time class=\"dt-published\" datetime=\"2020-01-01T00:00:00Z\"></time><div class=\"e-content\"><p>Body {i}</p></div></article>"
        ));
    }
    let started = Instant::now();
    let feed = parse_ok(html.as_bytes(), Some("text/html"), "https://big.example/");
    let took = started.elapsed();
    assert_eq!(feed.entries.len(), MAX_ENTRIES);
    // h-feed pages are newest first: the first ones stay (the page is cut
    // before the 1,001st h-entry, so the parser never sees the rest).
    assert_eq!(
        feed.entries[0].url.as_deref(),
        Some("https://big.example/p/0")
    );
    assert_eq!(
        feed.entries[MAX_ENTRIES - 1].url.as_deref(),
        Some("https://big.example/p/999")
    );
    assert!(took < Duration::from_secs(30), "took {took:?}");
}

#[test]
fn a_page_of_many_other_microformats_is_cut_not_stalled() {
    let mut html = String::from("<div class=\"h-entry\"><span class=\"p-name\">Only</span></div>");
    for i in 0..40_000 {
        html.push_str(&format!("<span class=\"h-card\">Person {i}</span>"));
    }
    let started = Instant::now();
    let feed = parse_ok(html.as_bytes(), Some("text/html"), "https://cards.example/");
    assert_eq!(feed.entries.len(), 1);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
}
