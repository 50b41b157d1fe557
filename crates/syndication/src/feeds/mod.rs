//! Reading feeds: RSS 0.9x/1.0/2.0, Atom 1.0, JSON Feed 1.0/1.1 and
//! microformats2 h-feed, into one entry model ([`Feed`], [`Entry`]).
//!
//! [`parse`] takes the raw bytes of a response, its `Content-Type` and the
//! final URL it came from (after redirects), and returns a [`Feed`] whose
//! entries are ready to store: URLs absolute, HTML sanitised with the one
//! policy of [`crate::sanitize`].
//!
//! Choices made where the specs leave one:
//!
//! - **Which format.** The body decides, the content type only breaks ties:
//!   feeds are very often served with a wrong type (`text/html`,
//!   `text/plain`, `application/octet-stream`), and feedparser and feed-rs
//!   also go by the body. A JSON object whose `version` starts with
//!   `https://jsonfeed.org/version/` is a JSON Feed; an XML document whose
//!   root is `rss`, `rdf:RDF` or `feed` goes to feed-rs; anything that looks
//!   like HTML (or is declared `text/html`) is read for microformats. Any
//!   other body is an error naming what was found.
//! - **Characters.** XML is handed to feed-rs as bytes, which decodes it by
//!   its XML declaration (`encoding="…"`, UTF-8 when absent), as the XML
//!   spec says; a body that is not valid in the declared UTF-8 is an error
//!   ([`FeedError::InvalidUtf8`]) rather than guessed at, because the XML
//!   spec makes it a fatal error and a wrong guess would store mojibake for
//!   good. JSON must be UTF-8 (RFC 8259), same error. HTML is decoded as
//!   browsers do (WHATWG Encoding): the charset of the content type, else a
//!   BOM, else `<meta charset>` in the first 1024 bytes, else UTF-8, with
//!   invalid sequences replaced by U+FFFD — lossy, because a page that
//!   displays fine in a browser should read fine here too.
//! - **Relative URLs** are resolved against `xml:base` (feed-rs tracks it
//!   per element), `<base href>` (the microformats parser honours it) and
//!   else the final URL, and URLs inside entry HTML are made absolute before
//!   the sanitiser sees them (the policy only lets absolute image URLs
//!   through).
//! - **Plain text** titles and summaries declared as text are escaped, never
//!   interpreted as HTML.
//! - **Limits.** Bodies over [`MAX_INPUT_BYTES`] are refused before parsing.
//!   Feeds with more than [`MAX_ENTRIES`] entries keep the newest ones (by
//!   published, else updated date; undated entries count as oldest) — a
//!   planet shows the recent past, and an archive feed of 50,000 entries
//!   should not cost 50,000 sanitiser runs. Sanitising happens after that
//!   cut for the same reason. An HTML page is cut before its 1,001st
//!   h-entry (h-feeds are newest first and need no dates for it) and its
//!   5,000th microformat, because the microformats parser costs about a
//!   millisecond per item.
//! - **Deep HTML.** The microformats parser recurses over the DOM, so a page
//!   whose elements nest deeper than [`MAX_HTML_NESTING`] is refused
//!   (estimated before parsing), and the parser runs on its own thread with
//!   a large stack, where a panic becomes an error.
//! - **Hostile XML.** quick-xml, under feed-rs, never loads external entities
//!   and does not expand entities declared in a DOCTYPE, so neither an
//!   `<!ENTITY … SYSTEM "file:///…">` nor a billion-laughs bomb is expanded:
//!   the reference stays unexpanded or the document is refused (tests in
//!   `tests/feeds.rs` prove both, with a time bound).
//! - **Ids.** feed-rs invents an id (a hash) for entries that have none; the
//!   model keeps `id` empty then, so [`Entry::dedup_key`] falls back to the
//!   URL and then to the content hash, as issue 5 asks, instead of trusting
//!   an invented id.

pub(crate) mod hfeed;
mod model;
mod xmljson;

pub use hfeed::MAX_HTML_NESTING;
pub use model::{Author, Entry, Feed, FeedFormat};

use std::fmt;

/// The largest body [`parse`] accepts, in bytes (10 MiB). Real feeds are far
/// smaller; the fetcher should stop reading at this size anyway.
pub const MAX_INPUT_BYTES: usize = 10 * 1024 * 1024;

/// The most entries [`parse`] keeps from one feed: the newest ones.
pub const MAX_ENTRIES: usize = 1000;

/// Why a body could not be read as a feed. Each variant says what was wrong
/// in words a feed's owner can act on (the planet shows them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedError {
    /// The body was empty (or only whitespace).
    Empty,
    /// The body is larger than [`MAX_INPUT_BYTES`].
    TooLarge {
        /// Its size in bytes.
        size: usize,
    },
    /// The body is none of the formats this module reads.
    UnrecognisedFormat {
        /// What it looked like, e.g. "JSON without a JSON Feed version".
        found: String,
    },
    /// The body is not valid UTF-8 where UTF-8 is required.
    InvalidUtf8 {
        /// Byte offset of the first invalid sequence.
        offset: usize,
    },
    /// The body declares a character encoding this module does not know.
    UnknownEncoding {
        /// The label as declared.
        label: String,
    },
    /// The body looked like the given format but is malformed.
    Malformed {
        /// The format it claimed to be.
        format: &'static str,
        /// The parser's explanation.
        reason: String,
    },
}

impl fmt::Display for FeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FeedError::Empty => f.write_str("the response body is empty"),
            FeedError::TooLarge { size } => write!(
                f,
                "the response is too large for a feed ({size} bytes; the limit is {MAX_INPUT_BYTES})"
            ),
            FeedError::UnrecognisedFormat { found } => write!(
                f,
                "not a feed (RSS, Atom, JSON Feed or h-feed): found {found}"
            ),
            FeedError::InvalidUtf8 { offset } => {
                write!(f, "the feed is not valid UTF-8 (at byte {offset})")
            }
            FeedError::UnknownEncoding { label } => {
                write!(f, "the feed declares an unknown character encoding {label:?}")
            }
            FeedError::Malformed { format, reason } => {
                write!(f, "malformed {format}: {reason}")
            }
        }
    }
}

impl std::error::Error for FeedError {}

/// What the body looks like, from its first bytes.
#[derive(Debug, PartialEq, Eq)]
enum Sniffed {
    Json,
    Xml,
    Html,
    Other(String),
}

/// Reads a feed of any supported format.
///
/// - `bytes`: the response body, undecoded.
/// - `content_type`: the `Content-Type` header, if any (only a hint, see the
///   module documentation).
/// - `base_url`: the final URL of the response, after redirects; relative
///   URLs are resolved against it.
///
/// # Errors
///
/// A [`FeedError`] naming the problem: empty or oversized body, an
/// unrecognised format, bad characters, or a malformed document.
pub fn parse(bytes: &[u8], content_type: Option<&str>, base_url: &str) -> Result<Feed, FeedError> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(FeedError::TooLarge { size: bytes.len() });
    }
    let base = url::Url::parse(base_url).map_err(|error| FeedError::Malformed {
        format: "base URL",
        reason: format!("{base_url:?}: {error}"),
    })?;
    let mime = content_type
        .and_then(|value| value.split(';').next())
        .map(|value| value.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let (mut feed, mut bases) = match sniff(bytes, &mime)? {
        Sniffed::Json => xmljson::parse_json(bytes, &base)?,
        Sniffed::Xml => xmljson::parse_xml(bytes, &base)?,
        Sniffed::Html => {
            let html = decode_html(bytes, content_type)?;
            hfeed::parse_html(&html, &base)?
        }
        Sniffed::Other(found) => return Err(FeedError::UnrecognisedFormat { found }),
    };
    keep_newest(&mut feed.entries, &mut bases);
    for (entry, entry_base) in feed.entries.iter_mut().zip(&bases) {
        entry.summary_html = entry
            .summary_html
            .take()
            .map(|html| clean(&html, entry_base));
        entry.content_html = entry
            .content_html
            .take()
            .map(|html| clean(&html, entry_base));
    }
    Ok(feed)
}

/// What a format reader returns: the feed, with HTML not yet sanitised, and
/// for each entry the base URL its HTML is relative to (`xml:base` or the
/// document's base).
pub(crate) type Unfinished = (Feed, Vec<url::Url>);

/// Keeps the [`MAX_ENTRIES`] newest entries (and their bases), in their
/// document order.
fn keep_newest(entries: &mut Vec<Entry>, bases: &mut Vec<url::Url>) {
    if entries.len() <= MAX_ENTRIES {
        return;
    }
    let mut order: Vec<usize> = (0..entries.len()).collect();
    // Newest first; undated last; ties keep document order (stable sort), so
    // a feed without dates keeps its first entries, which by convention are
    // the newest.
    order.sort_by(|&a, &b| entries[b].date().cmp(&entries[a].date()).then(a.cmp(&b)));
    let mut keep = vec![false; entries.len()];
    for &index in order.iter().take(MAX_ENTRIES) {
        keep[index] = true;
    }
    let mut index = 0;
    entries.retain(|_| {
        let kept = keep[index];
        index += 1;
        kept
    });
    let mut index = 0;
    bases.retain(|_| {
        let kept = keep.get(index).copied().unwrap_or(false);
        index += 1;
        kept
    });
}

/// Decides the format from the body, with the content type as a tie-breaker.
fn sniff(bytes: &[u8], mime: &str) -> Result<Sniffed, FeedError> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = text.iter().position(|byte| !byte.is_ascii_whitespace());
    let Some(start) = start else {
        return Err(FeedError::Empty);
    };
    let text = &text[start..];
    if text.starts_with(b"\xFF\xFE") || text.starts_with(b"\xFE\xFF") {
        // UTF-16 with a BOM: only XML may be in it; feed-rs decodes it.
        return Ok(Sniffed::Xml);
    }
    if text[0] == b'{' {
        return Ok(Sniffed::Json);
    }
    if text[0] == b'<' {
        return Ok(match xml_root(text) {
            Some(root) if is_feed_root(&root) => Sniffed::Xml,
            Some(root) if root.eq_ignore_ascii_case("html") => Sniffed::Html,
            Some(root) if mime.contains("html") || is_html_tag(&root) => Sniffed::Html,
            Some(root) => Sniffed::Other(format!("XML whose root element is <{root}>")),
            None if mime.contains("html") => Sniffed::Html,
            None => Sniffed::Other("markup without a root element".to_string()),
        });
    }
    if mime.contains("html") {
        // HTML may start with text; browsers render it all the same.
        return Ok(Sniffed::Html);
    }
    let shown: String = String::from_utf8_lossy(&text[..text.len().min(20)])
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    Err(FeedError::UnrecognisedFormat {
        found: format!("a body starting with {shown:?}"),
    })
}

fn is_feed_root(name: &str) -> bool {
    let local = name.rsplit(':').next().unwrap_or(name);
    matches!(local, "rss" | "RDF" | "feed")
}

/// Elements that mean "this is an HTML page or fragment", for bodies
/// without `<html>` (fragments served as h-feeds happen).
fn is_html_tag(name: &str) -> bool {
    matches!(
        name.to_ascii_lowercase().as_str(),
        "head" | "body" | "div" | "article" | "main" | "section" | "p" | "meta" | "title" | "link"
    )
}

/// The name of the first element, skipping the XML declaration, processing
/// instructions, comments and a DOCTYPE (with its internal subset). Looks at
/// the first 64 KiB only: a prolog longer than that is not a feed.
fn xml_root(text: &[u8]) -> Option<String> {
    let text = &text[..text.len().min(64 * 1024)];
    let mut at = 0;
    loop {
        while at < text.len() && text[at].is_ascii_whitespace() {
            at += 1;
        }
        let rest = &text[at..];
        if rest.starts_with(b"<?") {
            at += find(rest, b"?>")? + 2;
        } else if rest.starts_with(b"<!--") {
            at += find(rest, b"-->")? + 3;
        } else if rest.len() >= 9 && rest[..9].eq_ignore_ascii_case(b"<!DOCTYPE") {
            // Skip to the '>' that is not inside the [internal subset].
            let mut depth = 0usize;
            let mut end = None;
            for (offset, &byte) in rest.iter().enumerate() {
                match byte {
                    b'[' => depth += 1,
                    b']' => depth = depth.saturating_sub(1),
                    b'>' if depth == 0 => {
                        end = Some(offset);
                        break;
                    }
                    _ => {}
                }
            }
            at += end? + 1;
        } else if rest.starts_with(b"<") {
            let name: Vec<u8> = rest[1..]
                .iter()
                .take_while(|byte| {
                    byte.is_ascii_alphanumeric() || matches!(byte, b':' | b'-' | b'_' | b'.')
                })
                .copied()
                .collect();
            if name.is_empty() {
                return None;
            }
            return Some(String::from_utf8_lossy(&name).into_owned());
        } else {
            return None;
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// Decodes an HTML body as browsers do (see the module documentation).
fn decode_html(bytes: &[u8], content_type: Option<&str>) -> Result<String, FeedError> {
    let declared = content_type
        .and_then(charset_param)
        .or_else(|| meta_charset(&bytes[..bytes.len().min(1024)]));
    let encoding = match declared {
        Some(label) => encoding_rs::Encoding::for_label(label.trim().as_bytes())
            .ok_or(FeedError::UnknownEncoding { label })?,
        None => encoding_rs::UTF_8,
    };
    // `decode` lets a BOM override the declared encoding, as browsers do, and
    // replaces invalid sequences with U+FFFD.
    let (text, _, _) = encoding.decode(bytes);
    Ok(text.into_owned())
}

/// The `charset` parameter of a `Content-Type` value.
fn charset_param(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"').to_string())
    })
}

/// The charset of a `<meta charset=…>` or `<meta http-equiv content="…;
/// charset=…">` in the start of a page (a simplification of the WHATWG
/// prescan: the first `charset=` after `<meta`).
fn meta_charset(head: &[u8]) -> Option<String> {
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let mut from = 0;
    while let Some(meta) = find(&lower[from..], b"<meta") {
        let tag_start = from + meta;
        let tag_end =
            tag_start + find(&lower[tag_start..], b">").unwrap_or(lower.len() - tag_start);
        let tag = &lower[tag_start..tag_end];
        if let Some(at) = find(tag, b"charset=") {
            let value: Vec<u8> = tag[at + 8..]
                .iter()
                .skip_while(|byte| matches!(byte, b'"' | b'\'' | b' '))
                .take_while(|byte| {
                    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b':' | b'.')
                })
                .copied()
                .collect();
            if !value.is_empty() {
                return Some(String::from_utf8_lossy(&value).into_owned());
            }
        }
        from = tag_end;
    }
    None
}

/// Sanitises an HTML fragment of the feed with the one policy, its relative URLs made absolute
/// against `base` (see [`crate::sanitize::clean_html_at`]).
fn clean(html: &str, base: &url::Url) -> String {
    crate::sanitize::clean_html_at(html, base)
}

/// Escapes plain text as HTML (for the sanitiser, or to show as it is: a
/// Webmention's plain-text content).
pub(crate) fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Resolves a possibly relative URL against `base`; `None` for values that
/// are not URLs at all.
pub(crate) fn absolute(value: &str, base: &url::Url) -> Option<String> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    base.join(value).ok().map(String::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_roots_past_prolog_comments_and_doctype() {
        let xml = b"\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- hi -->\n<?xml-stylesheet href=\"a\"?>\n<!DOCTYPE rss [<!ENTITY a \"b>\">]>\n<rss version=\"2.0\"/>";
        assert_eq!(sniff(xml, "").ok(), Some(Sniffed::Xml));
        assert_eq!(sniff(b"<rdf:RDF/>", "").ok(), Some(Sniffed::Xml));
        assert_eq!(
            sniff(b"<!doctype html><html>", "").ok(),
            Some(Sniffed::Html)
        );
        assert_eq!(sniff(b"  {\"a\":1}", "").ok(), Some(Sniffed::Json));
        assert_eq!(sniff(b"hello", "text/html").ok(), Some(Sniffed::Html));
        assert!(matches!(
            sniff(b"<svg/>", "image/svg+xml"),
            Ok(Sniffed::Other(_))
        ));
        assert_eq!(sniff(b" \n\t", ""), Err(FeedError::Empty));
        assert!(matches!(
            sniff(b"GIF89a", ""),
            Err(FeedError::UnrecognisedFormat { .. })
        ));
    }

    #[test]
    fn finds_charsets() {
        assert_eq!(
            charset_param("text/html; charset=\"ISO-8859-1\"").as_deref(),
            Some("ISO-8859-1")
        );
        assert_eq!(
            meta_charset(b"<head><META charset='windows-1252'>").as_deref(),
            Some("windows-1252")
        );
        assert_eq!(
            meta_charset(
                b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=koi8-r\">"
            )
            .as_deref(),
            Some("koi8-r")
        );
        assert_eq!(meta_charset(b"<meta name=x>"), None);
    }

    #[test]
    fn keeps_the_newest_in_document_order() {
        use chrono::TimeZone;
        let mut entries: Vec<Entry> = (0..MAX_ENTRIES + 5)
            .map(|i| Entry {
                id: Some(i.to_string()),
                published: chrono::Utc.timestamp_opt(i as i64 * 60, 0).single(),
                ..Entry::default()
            })
            .collect();
        entries.swap(0, 3);
        let base = url::Url::parse("https://a.example/").ok();
        let mut bases: Vec<url::Url> = entries.iter().filter_map(|_| base.clone()).collect();
        keep_newest(&mut entries, &mut bases);
        assert_eq!(bases.len(), MAX_ENTRIES);
        assert_eq!(entries.len(), MAX_ENTRIES);
        assert!(entries.iter().all(|entry| entry.id.as_deref() != Some("0")));
        assert_eq!(entries[0].id.as_deref(), Some("5"));
    }

    #[test]
    fn relative_urls_are_made_absolute_against_the_entry_base() {
        let base = url::Url::parse("https://blog.example/posts/1").expect("base");
        let cleaned = clean(
            "<p><a href=\"/about\">x</a> <a href=\"//other.example/y\">y</a> \
             <img src=\"img/a.png\" alt=\"a\"> <img src=\"data:image/png;base64,AAAA\"> \
             <a href=\"javascript:alert(1)\">j</a></p>",
            &base,
        );
        assert!(
            cleaned.contains("href=\"https://blog.example/about\""),
            "{cleaned}"
        );
        assert!(
            cleaned.contains("href=\"https://other.example/y\""),
            "{cleaned}"
        );
        assert!(
            cleaned.contains("src=\"https://blog.example/posts/img/a.png\""),
            "{cleaned}"
        );
        assert!(!cleaned.contains("data:"), "{cleaned}");
        assert!(!cleaned.contains("javascript"), "{cleaned}");
    }

    #[test]
    fn dedup_keys_prefer_id_then_url_then_hash() {
        let mut entry = Entry {
            title: Some("T".into()),
            content_html: Some("<p>c</p>".into()),
            ..Entry::default()
        };
        let hashed = entry.dedup_key();
        assert!(hashed.starts_with("sha256:") && hashed.len() == 7 + 64);
        entry.url = Some("https://a.example/1".into());
        assert_eq!(entry.dedup_key(), "url:https://a.example/1");
        entry.id = Some("tag:a,2024:1".into());
        assert_eq!(entry.dedup_key(), "id:tag:a,2024:1");
        let other = Entry {
            title: Some("T<".into()),
            content_html: Some("p>c</p>".into()),
            ..Entry::default()
        };
        assert_ne!(other.dedup_key(), hashed);
    }
}
