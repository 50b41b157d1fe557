//! Discovery: what a fetched page says about itself — its feeds, its `rel=me` identities, its
//! WebSub hub and self URL, and its Webmention endpoint.
//!
//! A page advertises these in two places: HTTP `Link` headers (RFC 8288) and HTML elements
//! (`<link>`, and for some rels `<a>`). This module reads both from one [`Response`] and never
//! touches the network itself.
//!
//! Choices made where the specs leave room, following what widely used implementations do:
//!
//! - **HTML parser**: [`scraper`], a thin DOM over `html5ever`, the browser-grade HTML5 tree
//!   builder of the Servo project that `ammonia` (our sanitiser) already uses, so the crate carries
//!   one HTML parser, not two. It parses like a browser does: markup inside comments is a comment,
//!   escaped markup is text, and broken markup is repaired instead of rejected. `lol_html` was
//!   the other candidate; it streams, which would save memory, but it gives no tree, and the
//!   h-entry/h-feed checks and Webmention verification need one.
//! - **Size**: the body is cut at [`MAX_HTML_BYTES`] before parsing (the fetcher has its own,
//!   usually larger, limit); what advertises a feed or endpoint is in the `<head>` or early in the
//!   body, as in every crawler (Miniflux's subscription finder reads the head of the page).
//! - **Encoding**: the `charset` of the `Content-Type` header when it names one `encoding_rs`
//!   knows, else UTF-8, unless the body starts with a byte order mark, which
//!   wins as in browsers (`encoding_rs`'s `decode`); bytes that do not decode become U+FFFD, as in browsers.
//! - **Base URL**: relative URLs resolve against the final URL after redirects, or against the
//!   first `<base href>` when there is one, as browsers do (Webmention's spec says "the target
//!   URL"; the W3C's own test suite never uses `<base>`, and both `mf2py` and browsers honour it).
//! - **Precedence**: for WebSub and Webmention the `Link` header comes first, then HTML, as the
//!   WebSub and Webmention specs say; the first match wins.
//! - **Feeds**: `rel="alternate"` (among other rel values) with an RSS, Atom or JSON Feed media
//!   type; `application/json` is accepted as JSON Feed because JSON Feed 1.0 sites advertised it
//!   so. `rel="feed"` links (microformats' way to point at an h-feed page) are listed as h-feed.
//! - **h-feed on the page**: any element whose class list has `h-feed`, or an `h-entry` that is
//!   not inside another microformat's element — the microformats2 parsing spec's "implied feed".

use std::fmt;

use scraper::{ElementRef, Html, Selector};
use url::Url;

use crate::fetch::Response;

/// The most bytes of a page that discovery reads; the rest is ignored.
pub const MAX_HTML_BYTES: usize = 2 * 1024 * 1024;

/// The deepest element nesting read; a page nested deeper is read up to where it gets that deep
/// (see `nesting_cut` for why).
pub const MAX_NESTING: usize = 512;

/// The most links read from all `Link` headers of one response together; more are ignored.
pub const MAX_LINK_HEADER_LINKS: usize = 256;

/// The most elements of one kind (feeds, `rel=me` links) kept from one page.
pub const MAX_LINKS_PER_KIND: usize = 64;

/// Why a page could not be read for discovery.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DiscoveryError {
    /// The response's own URL is not an absolute URL, so nothing relative can be resolved.
    #[error("the page's URL {url:?} is not an absolute URL: {reason}")]
    BadPageUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// One link of an HTTP `Link` header: its target and its parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkValue {
    /// The URI reference between `<` and `>`, as written (not yet resolved).
    pub target: String,
    /// The `rel` values, lower-cased (a link may carry several: `rel="hub self"`).
    pub rels: Vec<String>,
    /// Every other parameter, names lower-cased, values unquoted (`type`, `title`...).
    pub params: Vec<(String, String)>,
}

impl LinkValue {
    /// Whether this link has relation `rel` (compared without regard to ASCII case).
    pub fn has_rel(&self, rel: &str) -> bool {
        self.rels.iter().any(|r| r.eq_ignore_ascii_case(rel))
    }

    /// The value of a parameter other than `rel`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The format a feed link says it has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeedFormat {
    /// `application/rss+xml`.
    Rss,
    /// `application/atom+xml`.
    Atom,
    /// `application/feed+json` or `application/json`.
    JsonFeed,
    /// An HTML page with an h-feed (`rel="feed"`, or the page itself).
    HFeed,
}

impl fmt::Display for FeedFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FeedFormat::Rss => "rss",
            FeedFormat::Atom => "atom",
            FeedFormat::JsonFeed => "jsonfeed",
            FeedFormat::HFeed => "h-feed",
        })
    }
}

/// A feed a page links to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FeedLink {
    /// The absolute URL of the feed.
    pub url: String,
    /// Its format, from the link's `type`.
    pub format: FeedFormat,
    /// The link's `title`, if any (trimmed; what a reader shows when a site has several feeds).
    pub title: Option<String>,
}

/// Everything discovery found on one page.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Discovered {
    /// The page's final URL (after redirects).
    pub page_url: String,
    /// Feeds the page links to, in document order, without repeats.
    pub feeds: Vec<FeedLink>,
    /// Whether the page itself carries an h-feed (or top-level h-entries).
    pub has_h_feed: bool,
    /// `rel=me` links from `<link>` and `<a>`, absolute, without repeats.
    pub rel_me: Vec<String>,
    /// The WebSub hub (`rel=hub`), `Link` header first.
    pub hub: Option<String>,
    /// The WebSub topic URL (`rel=self`), `Link` header first.
    pub self_url: Option<String>,
    /// The Webmention endpoint (`rel=webmention`), found as
    /// [`crate::webmention::discover_endpoint`] finds it.
    pub webmention: Option<String>,
}

/// A page read for discovery: its parsed HTML and the URL its relative links resolve against.
pub(crate) struct Page {
    pub(crate) url: Url,
    pub(crate) base: Url,
    pub(crate) html: Html,
}

impl Page {
    /// Decodes (see the module doc for the charset rule), cuts at [`MAX_HTML_BYTES`] and parses
    /// the body of `response`.
    pub(crate) fn parse(response: &Response) -> Result<Page, DiscoveryError> {
        let url = Url::parse(&response.url).map_err(|e| DiscoveryError::BadPageUrl {
            url: response.url.clone(),
            reason: e.to_string(),
        })?;
        let body = &response.body[..response.body.len().min(MAX_HTML_BYTES)];
        let text = decode(body, response.header("content-type"));
        let text = &text[..nesting_cut(&text, MAX_NESTING)];
        let html = Html::parse_document(text);
        let base = selector("base[href]")
            .and_then(|s| html.select(&s).next())
            .and_then(|b| b.value().attr("href"))
            .and_then(|href| url.join(href.trim()).ok())
            .unwrap_or_else(|| url.clone());
        Ok(Page { url, base, html })
    }

    /// Resolves `href` against the page's base; an empty `href` is the page itself.
    pub(crate) fn resolve(&self, href: &str) -> Option<Url> {
        self.base.join(href.trim()).ok()
    }
}

/// Where to cut `html` so that elements nest at most `max_depth` deep (the whole length when they
/// never do). Discovery cuts at [`MAX_NESTING`]; the feed reader refuses a page this would cut
/// at [`crate::feeds::MAX_HTML_NESTING`].
///
/// Why: html5ever, like the HTML spec's algorithm, walks the stack of open elements for scope
/// checks at many tags, so parse time grows with the square of the nesting depth; 50,000 nested
/// `<div>`s take seconds. Browsers bound this the same way (Chromium's parser stops nesting at 512
/// levels). This is an estimate made without parsing: void elements, elements whose end tag is
/// optional (`p`, `li`, `td`...), comments, and the text of `script`/`style` do not count, so a
/// real page is never cut; a hostile page is cut where it gets too deep and the rest is ignored.
pub(crate) fn nesting_cut(html: &str, max_depth: usize) -> usize {
    const NOT_NESTING: &[&str] = &[
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr", "param", "keygen", "p", "li", "dt", "dd", "option", "optgroup", "tr", "td",
        "th", "thead", "tbody", "tfoot", "rb", "rt", "rp", "colgroup", "caption", "html", "head",
        "body",
    ];
    let bytes = html.as_bytes();
    let mut depth = 0usize;
    let mut i = 0usize;
    while let Some(offset) = bytes[i..].iter().position(|&b| b == b'<') {
        let start = i + offset;
        let rest = &html[start..];
        if rest.starts_with("<!--") {
            i = match rest.find("-->") {
                Some(end) => start + end + 3,
                None => return html.len(),
            };
            continue;
        }
        let closing = rest.starts_with("</");
        let name_start = start + if closing { 2 } else { 1 };
        let name_len = bytes[name_start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-')
            .count();
        if name_len == 0 || !bytes[name_start].is_ascii_alphabetic() {
            i = start + 1;
            continue;
        }
        let name = html[name_start..name_start + name_len].to_ascii_lowercase();
        let tag_end = bytes[name_start..]
            .iter()
            .position(|&b| b == b'>')
            .map_or(html.len(), |p| name_start + p + 1);
        i = tag_end;
        if closing {
            if !NOT_NESTING.contains(&name.as_str()) {
                depth = depth.saturating_sub(1);
            }
            continue;
        }
        if name == "script" || name == "style" {
            // Their text is not markup: skip to the end tag.
            i = end_tag_position(html, i, &name);
            continue;
        }
        let self_closing = html[start..tag_end].ends_with("/>");
        if NOT_NESTING.contains(&name.as_str()) || self_closing {
            continue;
        }
        depth += 1;
        if depth > max_depth {
            return start;
        }
    }
    html.len()
}

/// Where the end tag `</name` first appears in `html` at or after `from` (ASCII case-insensitive),
/// or the end of `html`. Linear: no lower-cased copy of the rest of the page.
fn end_tag_position(html: &str, from: usize, name: &str) -> usize {
    let bytes = html.as_bytes();
    let mut i = from;
    while let Some(offset) = bytes[i..].windows(2).position(|w| w == b"</") {
        let at = i + offset;
        let name_at = at + 2;
        if bytes
            .get(name_at..name_at + name.len())
            .is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()))
        {
            return at;
        }
        i = at + 2;
    }
    html.len()
}

/// Decodes a body by its `Content-Type` charset, else as UTF-8, replacing what does not decode.
fn decode(body: &[u8], content_type: Option<&str>) -> String {
    let encoding = content_type
        .and_then(|ct| {
            ct.split(';')
                .filter_map(|p| p.split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("charset"))
                .map(|(_, v)| v.trim().trim_matches('"').to_owned())
        })
        .and_then(|label| encoding_rs::Encoding::for_label(label.as_bytes()))
        .unwrap_or(encoding_rs::UTF_8);
    encoding.decode(body).0.into_owned()
}

/// A CSS selector from a constant string. `None` cannot happen for the constants used here, but
/// a missing selector then just finds nothing instead of panicking.
pub(crate) fn selector(css: &str) -> Option<Selector> {
    Selector::parse(css).ok()
}

/// Whether an element's `rel` attribute lists `rel` (space-separated, ASCII case-insensitive).
pub(crate) fn element_has_rel(element: &ElementRef<'_>, rel: &str) -> bool {
    element.value().attr("rel").is_some_and(|value| {
        value
            .split_ascii_whitespace()
            .any(|r| r.eq_ignore_ascii_case(rel))
    })
}

/// Reads discovery information from a fetched page.
///
/// Returns an error only when the response's URL is unusable; a page that is not HTML, or
/// broken HTML, just yields less (the `Link` headers are still read).
pub fn discover(response: &Response) -> Result<Discovered, DiscoveryError> {
    let page = Page::parse(response)?;
    let links = link_headers(response);
    let mut found = Discovered {
        page_url: page.url.to_string(),
        ..Discovered::default()
    };

    found.feeds = feed_links(&page);
    found.has_h_feed = has_h_feed(&page);
    found.rel_me = rel_me_links(&page);
    found.hub = header_rel(&links, &page.url, "hub").or_else(|| html_link_rel(&page, "hub"));
    found.self_url = header_rel(&links, &page.url, "self").or_else(|| html_link_rel(&page, "self"));
    found.webmention = webmention_endpoint(&page, &links).map(|u| u.to_string());
    Ok(found)
}

/// The first URL a page gives for relation `rel`: its `Link` headers first, then its `<link>`
/// elements, resolved to an absolute URL. For rels [`Discovered`] has no field for, such as
/// IndieAuth's `indieauth-metadata` and `authorization_endpoint`.
pub fn find_link_rel(response: &Response, rel: &str) -> Result<Option<String>, DiscoveryError> {
    let page = Page::parse(response)?;
    let links = link_headers(response);
    Ok(header_rel(&links, &page.url, rel).or_else(|| html_link_rel(&page, rel)))
}

/// Parses every `Link` header of a response (RFC 8288), up to [`MAX_LINK_HEADER_LINKS`] links.
pub fn link_headers(response: &Response) -> Vec<LinkValue> {
    let mut links = Vec::new();
    for value in response.headers_named("link") {
        for link in parse_link_header(value) {
            if links.len() >= MAX_LINK_HEADER_LINKS {
                return links;
            }
            links.push(link);
        }
    }
    links
}

/// Parses one `Link` header value (RFC 8288 §3): comma-separated links, each `<target>` followed
/// by `;`-separated parameters whose values are tokens or quoted strings. A comma inside `<...>`
/// or inside quotes does not separate links. Malformed links are skipped, never fatal; at most
/// [`MAX_LINK_HEADER_LINKS`] are returned.
pub fn parse_link_header(value: &str) -> Vec<LinkValue> {
    let mut links = Vec::new();
    let mut rest = value;
    while links.len() < MAX_LINK_HEADER_LINKS {
        rest = rest.trim_start_matches(|c: char| c == ',' || c.is_ascii_whitespace());
        if rest.is_empty() {
            break;
        }
        let Some(after_open) = rest.strip_prefix('<') else {
            // Not a link: skip to the next comma outside quotes and try again.
            rest = skip_past_comma(rest);
            continue;
        };
        let Some(close) = after_open.find('>') else {
            break;
        };
        let target = after_open[..close].trim().to_owned();
        rest = &after_open[close + 1..];
        let mut link = LinkValue {
            target,
            rels: Vec::new(),
            params: Vec::new(),
        };
        // Parameters until a comma (outside quotes) or the end.
        loop {
            rest = rest.trim_start();
            let Some(after_semi) = rest.strip_prefix(';') else {
                break;
            };
            let (name, value, remaining) = parse_param(after_semi);
            rest = remaining;
            if name.is_empty() {
                continue;
            }
            // RFC 8288 §3.3: only the first rel parameter counts.
            if name == "rel" {
                if link.rels.is_empty() {
                    link.rels = value
                        .split_ascii_whitespace()
                        .map(|r| r.to_ascii_lowercase())
                        .collect();
                }
            } else {
                link.params.push((name, value));
            }
        }
        links.push(link);
        if !rest.trim_start().starts_with(',') && !rest.trim().is_empty() {
            rest = skip_past_comma(rest);
        }
    }
    links
}

/// One `name[=value]` parameter: returns the lower-cased name, the unquoted value and the rest.
fn parse_param(input: &str) -> (String, String, &str) {
    let input = input.trim_start();
    let name_end = input
        .find(|c: char| c == '=' || c == ';' || c == ',' || c.is_ascii_whitespace())
        .unwrap_or(input.len());
    let name = input[..name_end].to_ascii_lowercase();
    let rest = input[name_end..].trim_start();
    let Some(after_eq) = rest.strip_prefix('=') else {
        return (name, String::new(), rest);
    };
    let after_eq = after_eq.trim_start();
    if let Some(quoted) = after_eq.strip_prefix('"') {
        let mut value = String::new();
        let mut chars = quoted.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, escaped)) = chars.next() {
                        value.push(escaped);
                    }
                }
                '"' => return (name, value, &quoted[i + 1..]),
                _ => value.push(c),
            }
        }
        // An unterminated quote: take what there is.
        (name, value, "")
    } else {
        let end = after_eq.find([';', ',']).unwrap_or(after_eq.len());
        (name, after_eq[..end].trim().to_owned(), &after_eq[end..])
    }
}

/// Skips to just after the next comma that is outside a quoted string.
fn skip_past_comma(input: &str) -> &str {
    let mut in_quotes = false;
    for (i, c) in input.char_indices() {
        match c {
            '"' => in_quotes = !in_quotes,
            ',' if !in_quotes => return &input[i + 1..],
            _ => {}
        }
    }
    ""
}

/// The first `Link` header target with `rel`, resolved against the page URL (header links are
/// not subject to `<base>`).
fn header_rel(links: &[LinkValue], page_url: &Url, rel: &str) -> Option<String> {
    links
        .iter()
        .find(|l| l.has_rel(rel))
        .and_then(|l| page_url.join(&l.target).ok())
        .map(|u| u.to_string())
}

/// The first `<link>` element with `rel` and an `href`, resolved. `<atom:link>` counts too: RSS
/// feeds advertise their WebSub hub and self URL that way, and an HTML parser sees it as an
/// element named `atom:link` (Atom feeds use a plain `<link>`).
fn html_link_rel(page: &Page, rel: &str) -> Option<String> {
    let links = selector(r"link[href], atom\:link[href]")?;
    page.html
        .select(&links)
        .filter(|e| element_has_rel(e, rel))
        .find_map(|e| e.value().attr("href").and_then(|h| page.resolve(h)))
        .map(|u| u.to_string())
}

/// The Webmention endpoint as the W3C Webmention spec (§3.1.2) finds it: the first `Link` header
/// with `rel=webmention`, else the first `<link>` or `<a>` element in document order with
/// `rel=webmention` and an `href` (an empty `href` is the page itself). The query string is kept.
pub(crate) fn webmention_endpoint(page: &Page, links: &[LinkValue]) -> Option<Url> {
    if let Some(link) = links.iter().find(|l| l.has_rel("webmention")) {
        // The header is about the response: resolve against the final URL.
        if let Ok(url) = page.url.join(&link.target) {
            return Some(url);
        }
    }
    let candidates = selector("link[href], a[href]")?;
    page.html
        .select(&candidates)
        .filter(|e| element_has_rel(e, "webmention"))
        .find_map(|e| e.value().attr("href").and_then(|h| page.resolve(h)))
}

/// Feed links: `<link rel="alternate" type=...>` for the feed media types, and `rel="feed"`.
fn feed_links(page: &Page) -> Vec<FeedLink> {
    let Some(links) = selector("link[href]") else {
        return Vec::new();
    };
    let mut feeds: Vec<FeedLink> = Vec::new();
    for element in page.html.select(&links) {
        let media_type = element.value().attr("type").map(|t| {
            t.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
        let format = if element_has_rel(&element, "alternate") {
            match media_type.as_deref() {
                Some("application/rss+xml") => FeedFormat::Rss,
                Some("application/atom+xml") => FeedFormat::Atom,
                Some("application/feed+json") | Some("application/json") => FeedFormat::JsonFeed,
                _ => continue,
            }
        } else if element_has_rel(&element, "feed") {
            FeedFormat::HFeed
        } else {
            continue;
        };
        let Some(url) = element.value().attr("href").and_then(|h| page.resolve(h)) else {
            continue;
        };
        let url = url.to_string();
        if feeds.iter().any(|f| f.url == url) {
            continue;
        }
        let title = element
            .value()
            .attr("title")
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        feeds.push(FeedLink { url, format, title });
        if feeds.len() >= MAX_LINKS_PER_KIND {
            break;
        }
    }
    feeds
}

/// Whether the page carries an h-feed, or h-entries not nested in another microformat.
fn has_h_feed(page: &Page) -> bool {
    let Some(classed) = selector("[class]") else {
        return false;
    };
    page.html.select(&classed).any(|e| {
        let has = |name: &str| e.value().classes().any(|c| c == name);
        if has("h-feed") {
            return true;
        }
        has("h-entry")
            && !e.ancestors().filter_map(ElementRef::wrap).any(|a| {
                a.value()
                    .classes()
                    .any(|c| c.starts_with("h-") && c.len() > 2)
            })
    })
}

/// `rel=me` links from `<link>` and `<a>`, absolute, without repeats.
fn rel_me_links(page: &Page) -> Vec<String> {
    let Some(candidates) = selector("link[href], a[href]") else {
        return Vec::new();
    };
    let mut found: Vec<String> = Vec::new();
    for element in page.html.select(&candidates) {
        if !element_has_rel(&element, "me") {
            continue;
        }
        if let Some(url) = element.value().attr("href").and_then(|h| page.resolve(h)) {
            let url = url.to_string();
            if !found.contains(&url) {
                found.push(url);
                if found.len() >= MAX_LINKS_PER_KIND {
                    break;
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_header_with_several_links_and_quoted_commas() {
        let links = parse_link_header(
            r#"<https://hub.example/>; rel="hub", </feed>; rel=self; title="a, b", <x>; rel="webmention other""#,
        );
        assert_eq!(links.len(), 3);
        assert!(links[0].has_rel("hub"));
        assert_eq!(links[1].target, "/feed");
        assert_eq!(links[1].param("title"), Some("a, b"));
        assert!(links[2].has_rel("webmention") && links[2].has_rel("other"));
    }

    #[test]
    fn nesting_cut_survives_truncated_and_odd_markup() {
        for html in [
            "",
            "<",
            "</",
            "<a",
            "</a",
            "<!--",
            "<!-- x",
            "<script",
            "<script>x",
            "<é>",
            "<a é='>'",
            "<div/><br></p>",
            "ü<div>ü</div>ü",
            "<STYLE>a<b</style><div>",
        ] {
            assert!(nesting_cut(html, MAX_NESTING) <= html.len());
        }
        let deep = "<div>".repeat(MAX_NESTING + 10);
        assert_eq!(nesting_cut(&deep, MAX_NESTING), MAX_NESTING * "<div>".len());
    }

    #[test]
    fn link_header_garbage_gives_no_links_and_no_panic() {
        for value in [
            "",
            ",,,",
            "<",
            "rel=hub",
            "<a>; rel=\"unterminated",
            "<a>;;;=;",
            "é<ü>;rel=é",
        ] {
            let _ = parse_link_header(value);
        }
        assert_eq!(
            parse_link_header("<a>; rel=\"unterminated")[0].rels,
            ["unterminated"]
        );
    }
}
