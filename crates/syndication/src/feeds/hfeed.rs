//! microformats2 h-feed (and bare h-entries) in an HTML page, mapped into the
//! entry model.
//!
//! The `microformats` crate parses the page into the canonical mf2 JSON
//! shape (`items`, `type`, `properties`, `children`), which is what this file
//! reads, so it works on exactly what the microformats test suite and mf2py
//! describe. Choices, following the IndieWeb conventions used by
//! readers such as Monocle/XRay:
//!
//! - the feed is the first h-feed in the page, depth first; its entries are
//!   its h-entry children. With no h-feed, the page's top-level h-entries
//!   form the feed (a blog home page that is a list of h-entries);
//! - an entry's title is its `name` unless that name is just the start of
//!   its content (an implied name of a note, per Post Type Discovery), in
//!   which case the entry has no title;
//! - the author is the entry's `author` (an h-card, or a URL or name), else
//!   the h-feed's author;
//! - dates without a time zone are taken as UTC, date-only values as
//!   midnight UTC; unparseable dates are dropped, not guessed.

use super::model::{Author, Entry, Feed, FeedFormat};
use super::{absolute, escape_text, FeedError, Unfinished};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::Value;

/// How deep elements may nest in a page read for microformats. The
/// `microformats` crate walks the DOM recursively: at about 1,200 nested
/// elements it overflows a 2 MiB thread stack (measured), which aborts the
/// whole process. Real pages nest a few dozen deep; 256 leaves a wide margin.
pub const MAX_HTML_NESTING: usize = 256;

/// Stack for the thread that runs the microformats parser: a second guard
/// behind [`MAX_HTML_NESTING`], in case the estimate undercounts.
const PARSER_STACK_BYTES: usize = 64 * 1024 * 1024;

/// Parses an HTML page for an h-feed.
pub(crate) fn parse_html(html: &str, base: &url::Url) -> Result<Unfinished, FeedError> {
    if let Some(depth) = too_deep(html) {
        return Err(FeedError::Malformed {
            format: "HTML",
            reason: format!("elements nest more than {depth} deep"),
        });
    }
    let document = parse_mf2(cut_after_entries(html).to_string(), base.clone())?;
    let items = document
        .get("items")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let (feed_item, entry_items) = match find_hfeed(&items) {
        Some(hfeed) => {
            let entries = children(hfeed)
                .iter()
                .filter(|child| has_type(child, "h-entry"))
                .cloned()
                .collect::<Vec<_>>();
            (Some(hfeed.clone()), entries)
        }
        None => (
            None,
            items
                .iter()
                .filter(|item| has_type(item, "h-entry"))
                .cloned()
                .collect(),
        ),
    };
    if feed_item.is_none() && entry_items.is_empty() {
        return Err(FeedError::UnrecognisedFormat {
            found: "an HTML page without an h-feed or h-entry".to_string(),
        });
    }
    let feed_author = feed_item
        .as_ref()
        .and_then(|hfeed| first(hfeed, "author"))
        .and_then(|value| author(value, base));
    let entries: Vec<Entry> = entry_items
        .iter()
        .map(|item| convert_entry(item, base, feed_author.as_ref()))
        .collect();
    let bases = entries.iter().map(|_| base.clone()).collect();
    let feed = Feed {
        format: FeedFormat::HFeed,
        title: feed_item
            .as_ref()
            .and_then(|hfeed| first_text(hfeed, "name"))
            .or_else(|| html_title(html)),
        home_page_url: feed_item
            .as_ref()
            .and_then(|hfeed| first_url(hfeed, "url", base))
            .or_else(|| Some(base.to_string())),
        self_url: None,
        hubs: rels(&document, "hub"),
        ttl_minutes: None,
        entries,
    };
    Ok((feed, bases))
}

/// The page up to the start of the tag that holds its
/// ([`super::MAX_ENTRIES`] + 1)th `h-entry` class, or all of it.
///
/// Why: the microformats parser costs about a millisecond per h-entry (and
/// more in debug builds), so a 10 MB page of tiny h-entries would take
/// minutes. h-feed pages list the newest entries first by convention, and
/// unlike feeds they need no dates for it, so cutting the markup keeps the
/// same entries as [`super::MAX_ENTRIES`] would. The HTML parser closes what
/// the cut leaves open. Nested h-entries (comments) count too, so the cut
/// may come a little early on such pages, never late.
///
/// Other microformats cost the same, so the page is also cut before its
/// [`MAX_MICROFORMATS`]th `h-*` class name (any token starting `h-` after a
/// quote or whitespace: an over-count, so again never late).
fn cut_after_entries(html: &str) -> &str {
    let entries = html.match_indices("h-entry").nth(super::MAX_ENTRIES);
    let roots = html
        .match_indices("h-")
        .filter(|(at, _)| {
            at.checked_sub(1)
                .and_then(|before| html.as_bytes().get(before))
                .is_some_and(|byte| {
                    matches!(byte, b'"' | b'\'' | b' ' | b'\t' | b'\n' | b'\r' | b'=')
                })
        })
        .nth(MAX_MICROFORMATS);
    let cut = match (entries, roots) {
        (Some((a, _)), Some((b, _))) => a.min(b),
        (Some((a, _)), None) | (None, Some((a, _))) => a,
        (None, None) => return html,
    };
    let tag_start = html[..cut].rfind('<').unwrap_or(cut);
    &html[..tag_start]
}

/// The most microformat class names read from one page (see
/// [`cut_after_entries`]): room for [`super::MAX_ENTRIES`] entries with an
/// author h-card, a reply context and a few more each.
const MAX_MICROFORMATS: usize = 5 * super::MAX_ENTRIES;

/// Runs the microformats parser on its own thread, with a large stack, so a
/// deep page cannot overflow the caller's stack and a panic inside the
/// parser becomes an error instead of taking the caller down.
fn parse_mf2(html: String, base: url::Url) -> Result<Value, FeedError> {
    let malformed = |reason: String| FeedError::Malformed {
        format: "HTML",
        reason,
    };
    let worker = std::thread::Builder::new()
        .name("microformats".to_string())
        .stack_size(PARSER_STACK_BYTES)
        .spawn(move || {
            microformats::from_html(&html, &base)
                .map_err(|error| error.to_string())
                .and_then(|document| {
                    serde_json::to_value(&document).map_err(|error| error.to_string())
                })
        })
        .map_err(|error| malformed(format!("could not start the parser: {error}")))?;
    match worker.join() {
        Ok(result) => result.map_err(malformed),
        Err(_) => Err(malformed(
            "the microformats parser failed on this page".to_string(),
        )),
    }
}

/// `Some(limit)` when elements nest deeper than [`MAX_HTML_NESTING`],
/// estimated without parsing by the same scan that bounds discovery's pages
/// (void elements, elements whose end tag is optional and which the HTML
/// parser closes by itself, comments and the text of `script`/`style` do not
/// count, so real pages are not refused).
fn too_deep(html: &str) -> Option<usize> {
    (crate::discovery::nesting_cut(html, MAX_HTML_NESTING) < html.len()).then_some(MAX_HTML_NESTING)
}

/// The `rel` links of the page with the given rel value.
fn rels(document: &Value, rel: &str) -> Vec<String> {
    document
        .get("rels")
        .and_then(|rels| rels.get(rel))
        .and_then(Value::as_array)
        .map(|urls| {
            urls.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The first h-feed, depth first, among the items and their children.
fn find_hfeed(items: &[Value]) -> Option<&Value> {
    for item in items {
        if has_type(item, "h-feed") {
            return Some(item);
        }
        if let Some(found) = find_hfeed(children(item)) {
            return Some(found);
        }
    }
    None
}

fn children(item: &Value) -> &[Value] {
    item.get("children")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// Whether an mf2 JSON item has the type `wanted`.
pub(crate) fn has_type(item: &Value, wanted: &str) -> bool {
    item.get("type")
        .and_then(Value::as_array)
        .is_some_and(|types| types.iter().any(|kind| kind.as_str() == Some(wanted)))
}

fn property<'v>(item: &'v Value, name: &str) -> &'v [Value] {
    item.get("properties")
        .and_then(|properties| properties.get(name))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn first<'v>(item: &'v Value, name: &str) -> Option<&'v Value> {
    property(item, name).first()
}

/// The plain-text form of a property value: a string, or the `value` of an
/// embedded item, e-* object or `{value, alt}` image.
pub(crate) fn text_of(value: &Value) -> Option<String> {
    let text = match value {
        Value::String(text) => text.as_str(),
        Value::Object(map) => map.get("value").and_then(Value::as_str)?,
        _ => return None,
    };
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

fn first_text(item: &Value, name: &str) -> Option<String> {
    first(item, name).and_then(text_of)
}

/// The URL form of a property value: for an embedded item (an h-cite, an
/// h-card) its own `url`, else its text.
fn url_of(value: &Value, base: &url::Url) -> Option<String> {
    if value.get("type").is_some() {
        if let Some(url) = first_url(value, "url", base) {
            return Some(url);
        }
    }
    text_of(value).and_then(|text| absolute(&text, base))
}

fn first_url(item: &Value, name: &str, base: &url::Url) -> Option<String> {
    property(item, name)
        .iter()
        .find_map(|value| url_of(value, base))
}

fn urls(item: &Value, name: &str, base: &url::Url) -> Vec<String> {
    property(item, name)
        .iter()
        .filter_map(|value| url_of(value, base))
        .collect()
}

/// An author from an h-card, or from a plain value (a URL or a name).
fn author(value: &Value, base: &url::Url) -> Option<Author> {
    let author = if has_type(value, "h-card") {
        Author {
            name: first_text(value, "name"),
            url: first_url(value, "url", base),
            photo: first_url(value, "photo", base),
        }
    } else {
        let text = text_of(value)?;
        if text.starts_with("http://") || text.starts_with("https://") || text.starts_with('/') {
            Author {
                url: absolute(&text, base),
                ..Author::default()
            }
        } else {
            Author {
                name: Some(text),
                ..Author::default()
            }
        }
    };
    (author != Author::default()).then_some(author)
}

fn convert_entry(item: &Value, base: &url::Url, feed_author: Option<&Author>) -> Entry {
    let content = first(item, "content");
    let content_html = content.and_then(|value| match value {
        Value::Object(map) => map
            .get("html")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| map.get("value").and_then(Value::as_str).map(escape_text)),
        Value::String(text) => Some(escape_text(text)),
        _ => None,
    });
    let content_text = content.and_then(text_of).unwrap_or_default();
    let name = first_text(item, "name");
    let title = name.filter(|name| !is_prefix_of_content(name, &content_text));
    let summary_html = first_text(item, "summary").map(|text| escape_text(&text));
    Entry {
        id: first_text(item, "uid"),
        url: first_url(item, "url", base),
        title,
        summary_html,
        content_html: content_html.filter(|html| !html.trim().is_empty()),
        published: first_text(item, "published").and_then(|text| parse_date(&text)),
        updated: first_text(item, "updated").and_then(|text| parse_date(&text)),
        author: first(item, "author")
            .and_then(|value| author(value, base))
            .or_else(|| feed_author.cloned()),
        categories: property(item, "category")
            .iter()
            .filter_map(|value| {
                if value.get("type").is_some() {
                    first_text(value, "name").or_else(|| first_url(value, "url", base))
                } else {
                    text_of(value)
                }
            })
            .collect(),
        in_reply_to: urls(item, "in-reply-to", base),
        like_of: urls(item, "like-of", base),
        repost_of: urls(item, "repost-of", base),
        bookmark_of: urls(item, "bookmark-of", base),
    }
}

/// Post Type Discovery: a name that is the content's start (whitespace
/// collapsed) was implied from the content, so the post is an untitled note.
fn is_prefix_of_content(name: &str, content: &str) -> bool {
    let collapse = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let name = collapse(name);
    !content.is_empty() && collapse(content).starts_with(&name)
}

/// Parses the date forms mf2 pages use (ISO 8601 / RFC 3339 with `T` or a
/// space, with or without seconds, with `Z`, `±HH:MM`, `±HHMM` or no zone).
pub(crate) fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(date) = DateTime::parse_from_rfc3339(text) {
        return Some(date.with_timezone(&Utc));
    }
    let normalised = text.replacen(' ', "T", 1);
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f%:z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%dT%H:%M%z",
    ] {
        if let Ok(date) = DateTime::parse_from_str(&normalised, format) {
            return Some(date.with_timezone(&Utc));
        }
    }
    let without_z = normalised.strip_suffix('Z').unwrap_or(&normalised);
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(date) = NaiveDateTime::parse_from_str(without_z, format) {
            return Some(date.and_utc());
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .map(|date| date.and_utc())
}

/// The page's `<title>`, as a fallback feed title.
fn html_title(html: &str) -> Option<String> {
    let lower = html.get(..html.len().min(64 * 1024))?.to_ascii_lowercase();
    let start = lower.find("<title")?;
    let open_end = start + lower[start..].find('>')? + 1;
    let close = open_end + lower[open_end..].find("</title")?;
    let raw = html.get(open_end..close)?;
    let text = ammonia::Builder::empty().clean(raw).to_string();
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_mf2_dates() {
        let want = "2024-05-01T10:20:00Z";
        for text in [
            "2024-05-01T10:20:00Z",
            "2024-05-01T12:20:00+02:00",
            "2024-05-01 12:20:00+0200",
            "2024-05-01 10:20",
            "2024-05-01T10:20:00",
        ] {
            assert_eq!(
                parse_date(text)
                    .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                    .as_deref(),
                Some(want),
                "{text}"
            );
        }
        assert!(parse_date("2024-05-01").is_some());
        assert!(parse_date("yesterday").is_none());
    }

    #[test]
    fn implied_names_are_not_titles() {
        assert!(is_prefix_of_content(
            "Hello  world",
            "Hello world, and more"
        ));
        assert!(!is_prefix_of_content("A title", "Body text"));
    }
}
