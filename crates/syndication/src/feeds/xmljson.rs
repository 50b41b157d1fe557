//! RSS, Atom and JSON Feed through feed-rs, mapped into the entry model.
//!
//! feed-rs does the parsing (and the charset decoding of XML by its
//! declaration, and `xml:base` tracking); this file only maps its model onto
//! ours. Where feed-rs is silent, it follows what feedparser does: the entry
//! URL is the first HTML `alternate` (or rel-less) link, else the first
//! `alternate` link, else the id when it is an http(s) URL (an RSS permalink
//! `<guid>`); the author is the entry's first author, else the feed's; text
//! declared `text/plain` is escaped before it is treated as HTML. Where
//! feedparser differs (checked on a corpus by `tests/interop/feedparser.sh`),
//! `tests/fixtures/feed-corpus/README.md` says why.

use super::model::{Author, Entry, Feed, FeedFormat};
use super::{absolute, escape_text, FeedError, Unfinished};
use feed_rs::model as fr;

/// Parses an XML feed (RSS 0.9x, 1.0, 2.0 or Atom).
pub(crate) fn parse_xml(bytes: &[u8], base: &url::Url) -> Result<Unfinished, FeedError> {
    // feed-rs decodes by the XML declaration; check the common case, UTF-8
    // (declared or by default), ourselves so bad bytes get a precise error.
    if declares_utf8(bytes) {
        if let Err(error) = std::str::from_utf8(bytes) {
            return Err(FeedError::InvalidUtf8 {
                offset: error.valid_up_to(),
            });
        }
    }
    let feed = parser(base)
        .parse(bytes)
        .map_err(|error| FeedError::Malformed {
            format: "XML feed",
            reason: error.to_string(),
        })?;
    Ok(convert(feed, base, None))
}

/// Parses a JSON Feed (1.0 or 1.1).
pub(crate) fn parse_json(bytes: &[u8], base: &url::Url) -> Result<Unfinished, FeedError> {
    let text = std::str::from_utf8(bytes).map_err(|error| FeedError::InvalidUtf8 {
        offset: error.valid_up_to(),
    })?;
    let mut value: serde_json::Value =
        serde_json::from_str(text).map_err(|error| FeedError::Malformed {
            format: "JSON",
            reason: error.to_string(),
        })?;
    let version = value.get("version").and_then(serde_json::Value::as_str);
    if !version.is_some_and(|version| version.starts_with("https://jsonfeed.org/version/")) {
        return Err(FeedError::UnrecognisedFormat {
            found: "JSON without a JSON Feed \"version\"".to_string(),
        });
    }
    // JSON Feed 1.1: "if an id is presented as a number or other type, a
    // JSON Feed reader must coerce it to a string"; feed-rs refuses the whole
    // feed instead, so coerce before handing it over.
    let coerced = coerce_item_ids(&mut value).then(|| value.to_string());
    let bytes = coerced.as_deref().map_or(bytes, str::as_bytes);
    let feed = parser(base)
        .parse(bytes)
        .map_err(|error| FeedError::Malformed {
            format: "JSON Feed",
            reason: error.to_string(),
        })?;
    Ok(convert(feed, base, Some(&value)))
}

/// Turns numeric (or boolean) item ids into strings; true when one changed.
fn coerce_item_ids(feed: &mut serde_json::Value) -> bool {
    let Some(items) = feed
        .get_mut("items")
        .and_then(serde_json::Value::as_array_mut)
    else {
        return false;
    };
    let mut changed = false;
    for item in items {
        if let Some(id) = item.get_mut("id") {
            if matches!(
                id,
                serde_json::Value::Number(_) | serde_json::Value::Bool(_)
            ) {
                *id = serde_json::Value::String(id.to_string());
                changed = true;
            }
        }
    }
    changed
}

fn parser(base: &url::Url) -> feed_rs::parser::Parser {
    feed_rs::parser::Builder::new()
        .base_uri(Some(base.as_str()))
        // Never invent ids: an empty one means "none" (see the module docs of
        // `feeds`), so de-duplication falls back to the URL, then the hash.
        .id_generator(|_, _, _| String::new())
        // We sanitise with our own policy, after the entry limit.
        .sanitize_content(false)
        .build()
}

/// True when the XML declaration names UTF-8 or names no encoding (and there
/// is no UTF-16 byte order mark).
fn declares_utf8(bytes: &[u8]) -> bool {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return false;
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = body
        .iter()
        .position(|byte| !byte.is_ascii_whitespace())
        .unwrap_or(0);
    let body = &body[start..];
    if !body.starts_with(b"<?xml") {
        return true;
    }
    let end = body
        .iter()
        .position(|&byte| byte == b'>')
        .unwrap_or(body.len().min(200));
    let declaration = String::from_utf8_lossy(&body[..end]).to_ascii_lowercase();
    match declaration.find("encoding") {
        None => true,
        Some(at) => {
            let value = declaration[at + 8..].trim_start_matches(['=', ' ', '"', '\'']);
            value.starts_with("utf-8") || value.starts_with("utf8")
        }
    }
}

fn convert(feed: fr::Feed, base: &url::Url, json: Option<&serde_json::Value>) -> Unfinished {
    let format = match feed.feed_type {
        fr::FeedType::Atom => FeedFormat::Atom,
        fr::FeedType::JSON => FeedFormat::JsonFeed,
        fr::FeedType::RSS0 => FeedFormat::Rss0,
        fr::FeedType::RSS1 => FeedFormat::Rss1,
        fr::FeedType::RSS2 => FeedFormat::Rss2,
    };
    let link_with = |rel: &str| {
        feed.links
            .iter()
            .filter(|link| link.rel.as_deref() == Some(rel))
            .filter_map(|link| absolute(&link.href, base))
            .collect::<Vec<_>>()
    };
    let mut hubs = link_with("hub");
    let mut self_url = link_with("self").into_iter().next();
    let mut home_page_url = feed
        .links
        .iter()
        .find(|link| link.rel.as_deref().is_none_or(|rel| rel == "alternate"))
        .and_then(|link| absolute(&link.href, base));
    if let Some(json) = json {
        // feed-rs does not read these JSON Feed fields; read them here.
        let string = |key: &str| {
            json.get(key)
                .and_then(serde_json::Value::as_str)
                .and_then(|v| absolute(v, base))
        };
        home_page_url = string("home_page_url").or(home_page_url);
        self_url = string("feed_url").or(self_url);
        if let Some(list) = json.get("hubs").and_then(serde_json::Value::as_array) {
            hubs.extend(
                list.iter()
                    .filter_map(|hub| hub.get("url").and_then(serde_json::Value::as_str))
                    .filter_map(|url| absolute(url, base)),
            );
        }
    }
    let feed_author = feed.authors.first().map(|person| author(person, base));
    let mut bases = Vec::with_capacity(feed.entries.len());
    let mut entries: Vec<Entry> = feed
        .entries
        .into_iter()
        .map(|entry| {
            let entry_base = entry
                .base
                .as_deref()
                .and_then(|value| base.join(value).ok())
                .unwrap_or_else(|| base.clone());
            let converted = convert_entry(entry, &entry_base, feed_author.as_ref(), format);
            bases.push(entry_base);
            converted
        })
        .collect();
    if let Some(json) = json {
        add_json_avatars(&mut entries, json, base);
    }
    let feed = Feed {
        format,
        title: feed.title.map(|text| text_as_plain(&text)),
        home_page_url,
        self_url,
        hubs,
        ttl_minutes: feed.ttl,
        entries,
    };
    (feed, bases)
}

fn convert_entry(
    entry: fr::Entry,
    base: &url::Url,
    feed_author: Option<&Author>,
    format: FeedFormat,
) -> Entry {
    let url = entry_url(&entry.links, base).or_else(|| id_as_url(&entry.id));
    // feed-rs copies an RSS item's pubDate into `updated` when the item has
    // no update date of its own; the model keeps `updated` for a date the
    // publisher gave (RSS has none but `atom:updated`), as feedparser does.
    let rss = matches!(format, FeedFormat::Rss0 | FeedFormat::Rss2);
    let updated = entry
        .updated
        .filter(|updated| !(rss && Some(*updated) == entry.published));
    let content_html = entry.content.as_ref().and_then(|content| {
        let body = content.body.as_deref()?;
        let kind = content.content_type.to_string();
        Some(if kind.contains("html") {
            body.to_string()
        } else {
            escape_text(body)
        })
    });
    Entry {
        id: Some(entry.id.trim().to_string()).filter(|id| !id.is_empty()),
        url,
        title: entry
            .title
            .as_ref()
            .map(text_as_plain)
            .filter(|title| !title.is_empty()),
        summary_html: entry
            .summary
            .as_ref()
            .map(text_as_html)
            .filter(|html| !html.trim().is_empty()),
        content_html: content_html.filter(|html| !html.trim().is_empty()),
        published: entry.published,
        updated,
        author: entry
            .authors
            .first()
            .map(|person| author(person, base))
            .or_else(|| feed_author.cloned()),
        categories: entry
            .categories
            .iter()
            .map(|category| {
                category
                    .label
                    .as_deref()
                    .unwrap_or(&category.term)
                    .trim()
                    .to_string()
            })
            .filter(|name| !name.is_empty())
            .collect(),
        ..Entry::default()
    }
}

/// The entry's page for people: the first `alternate` (or rel-less) link
/// of an HTML type or of no stated type, else the first `alternate` link of
/// any type. Other relations (`edit`, `related`, `replies`, `enclosure`,
/// `self`) are never the entry's page.
fn entry_url(links: &[fr::Link], base: &url::Url) -> Option<String> {
    let alternates = || {
        links
            .iter()
            .filter(|link| link.rel.as_deref().is_none_or(|rel| rel == "alternate"))
    };
    alternates()
        .find(|link| {
            link.media_type
                .as_deref()
                .is_none_or(|kind| kind.contains("html"))
        })
        .or_else(|| alternates().next())
        .and_then(|link| absolute(&link.href, base))
}

/// An id that is an absolute http(s) URL, as the entry's page when it has no
/// link: an RSS `<guid>` is a permalink unless marked `isPermaLink="false"`
/// (which feed-rs does not report, so opaque-marked URL guids count too; they
/// are the post's URL in practice, e.g. WordPress's `?p=123`).
fn id_as_url(id: &str) -> Option<String> {
    let parsed = url::Url::parse(id.trim()).ok()?;
    matches!(parsed.scheme(), "http" | "https").then(|| parsed.to_string())
}

/// JSON Feed authors have an `avatar`, which feed-rs does not keep: take it
/// from the item's first author, else the feed's. Items are matched by
/// position, and only when feed-rs kept them all.
fn add_json_avatars(entries: &mut [Entry], json: &serde_json::Value, base: &url::Url) {
    let avatar = |owner: &serde_json::Value| {
        owner
            .get("authors")
            .and_then(|authors| authors.get(0))
            .or_else(|| owner.get("author"))
            .and_then(|author| author.get("avatar"))
            .and_then(serde_json::Value::as_str)
            .and_then(|url| absolute(url, base))
    };
    let feed_avatar = avatar(json);
    let items = json
        .get("items")
        .and_then(serde_json::Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    if items.len() != entries.len() {
        return;
    }
    for (entry, item) in entries.iter_mut().zip(items) {
        if let Some(author) = entry.author.as_mut() {
            if author.photo.is_none() {
                author.photo = avatar(item).or_else(|| feed_avatar.clone());
            }
        }
    }
}

fn author(person: &fr::Person, base: &url::Url) -> Author {
    Author {
        name: person
            .name
            .as_deref()
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .map(str::to_string),
        url: person.uri.as_deref().and_then(|uri| absolute(uri, base)),
        photo: None,
    }
}

/// A text construct as HTML ready for the sanitiser.
fn text_as_html(text: &fr::Text) -> String {
    if text.content_type.to_string().contains("html") {
        text.content.clone()
    } else {
        escape_text(&text.content)
    }
}

/// A text construct as plain text (a title): HTML is stripped of its tags by
/// the sanitiser's cousin, ammonia with no tags allowed, and its entities
/// decoded.
fn text_as_plain(text: &fr::Text) -> String {
    let plain = if text.content_type.to_string().contains("html") {
        let stripped = ammonia::Builder::empty().clean(&text.content).to_string();
        unescape(&stripped)
    } else {
        text.content.clone()
    };
    plain.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Decodes the few entities ammonia writes in text.
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use crate::feeds::parse;

    const BASE: &str = "https://feeds.example.org/feed";

    #[test]
    fn numeric_json_feed_ids_are_coerced_to_strings() {
        let json = br#"{"version":"https://jsonfeed.org/version/1.1","title":"T",
            "items":[{"id":1001,"url":"https://a.example/1","content_text":"x"},
                     {"id":"b","url":"https://a.example/2","content_text":"y"}]}"#;
        let feed = parse(json, Some("application/feed+json"), BASE).map_err(|e| e.to_string());
        let ids: Vec<_> = feed
            .map(|feed| feed.entries.into_iter().map(|entry| entry.id).collect())
            .unwrap_or_default();
        assert_eq!(ids, vec![Some("1001".to_string()), Some("b".to_string())]);
    }

    #[test]
    fn an_rss_item_without_an_update_date_has_none() {
        let rss = br#"<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>T</title>
            <item><link>https://a.example/1</link><pubDate>Wed, 01 May 2024 10:00:00 GMT</pubDate></item>
            <item><link>https://a.example/2</link><pubDate>Wed, 01 May 2024 10:00:00 GMT</pubDate>
              <atom:updated>2024-05-02T10:00:00Z</atom:updated></item>
            </channel></rss>"#;
        let feed = parse(rss, None, BASE).expect("a valid RSS feed");
        assert!(feed.entries[0].published.is_some());
        assert_eq!(feed.entries[0].updated, None);
        assert_eq!(
            feed.entries[1].updated.map(|date| date.to_rfc3339()),
            Some("2024-05-02T10:00:00+00:00".to_string())
        );
    }

    #[test]
    fn the_entry_url_is_its_html_alternate_or_its_permalink_guid() {
        let atom = br#"<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
            <entry><id>tag:a,1</id><title>a</title>
              <link rel="related" href="https://elsewhere.example/x"/>
              <link rel="alternate" type="application/pdf" href="https://a.example/1.pdf"/>
              <link rel="alternate" type="text/html" href="https://a.example/1"/></entry>
            <entry><id>tag:a,2</id><title>b</title>
              <link rel="edit" href="https://a.example/api/2"/></entry>
            <entry><id>https://a.example/3</id><title>c</title></entry>
            </feed>"#;
        let feed = parse(atom, None, BASE).expect("a valid Atom feed");
        let urls: Vec<_> = feed.entries.iter().map(|e| e.url.as_deref()).collect();
        assert_eq!(
            urls,
            vec![
                Some("https://a.example/1"),
                None,
                Some("https://a.example/3")
            ]
        );
        let rss = br#"<rss version="2.0"><channel><title>T</title>
            <item><title>g</title><guid>https://a.example/g</guid></item>
            </channel></rss>"#;
        let feed = parse(rss, None, BASE).expect("a valid RSS feed");
        assert_eq!(feed.entries[0].url.as_deref(), Some("https://a.example/g"));
    }
}
