//! Webmention (W3C Recommendation, 2017): telling a page that another page links to it, and
//! checking such a claim when one arrives.
//!
//! Sending has two steps: discover the target's endpoint ([`discover_endpoint`]) and POST the
//! form `source`, `target` to it ([`send`]). Receiving ends with [`verify`]: fetch the source,
//! confirm that it really links to the target, and read what it says (its h-entry).
//!
//! Endpoint discovery follows §3.1.2 of the spec to the letter, as the webmention.rocks test
//! suite checks it: the fetcher follows redirects and relative URLs resolve against the final
//! URL; the first HTTP `Link` header with `rel=webmention` (quoted, unquoted, or among other
//! rels) wins; else the first `<link>` or `<a>` element with `rel=webmention` and an `href`, in
//! document order; an empty `href` is the page itself; the query string is kept. Elements inside
//! comments or escaped as text are not elements to an HTML5 parser, so they never count (see
//! [`crate::discovery`] for the parser and the limits).
//!
//! Choices where the spec leaves room, each with its reason:
//!
//! - A target that answers with an error status (4xx, 5xx) is an error, not "no endpoint": a
//!   sender retries or records it.
//! - An endpoint must be http or https; anything else is an error (the app's fetcher would refuse
//!   it anyway, and saying why helps the member).
//! - Verification compares URLs after parsing (so `HTTP://Example.COM` equals
//!   `http://example.com/`) and without their fragments: a link to `/t/1#p3` mentions `/t/1`.
//!   The elements that count as linking are those with a URL attribute that points somewhere a
//!   reader sees: `a`/`area` `href`, `img`/`audio`/`video`/`source` `src`, `blockquote`/`q`
//!   `cite`; a URL that only appears as text does not count, as the spec says.
//! - 410 Gone means the source was deleted ([`Verified::Deleted`]); other errors are errors, so a
//!   passing outage does not delete a reply.
//! - Only HTML sources are understood (the spec also allows JSON and plain-text sources; they
//!   come out as [`Verified::NoLink`] here).
//! - The h-entry is read with the `microformats` crate (the Rust mf2 parser that follows the
//!   microformats2 parsing spec), through its canonical mf2 JSON: the first top-level h-entry,
//!   else the first h-entry of a top-level h-feed. No authorship algorithm: the author is the
//!   entry's own `author` property. Pages are cut at [`crate::discovery::MAX_NESTING`] levels
//!   before parsing; should one still nest deeper than [`MAX_MF2_DEPTH`] the mf2 parse is skipped
//!   (that parser recurses) and the mention is kept without an entry.

use scraper::node::Node;
use url::Url;

use crate::discovery::{self, Page};
use crate::feeds::{
    escape_text,
    hfeed::{self, has_type},
};
use crate::fetch::{Fetch, FetchError, Method, Request, Response};

/// How deeply nested a source page may be and still have its h-entry read.
pub const MAX_MF2_DEPTH: usize = 512;

/// The most characters of a name or author name kept from a source.
const MAX_TEXT_CHARS: usize = 1_000;

/// Why a Webmention could not be discovered, sent or verified.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WebmentionError {
    /// A URL given to this module is not an absolute http(s) URL.
    #[error("{url:?} is not an absolute http(s) URL")]
    BadUrl {
        /// The URL as given.
        url: String,
    },
    /// The network request failed (refused by the fetcher's guard, timed out, too large...).
    #[error("fetching {url} failed: {error}")]
    Fetch {
        /// What was being fetched.
        url: String,
        /// The fetcher's reason.
        error: FetchError,
    },
    /// The target or source answered with an error status.
    #[error("{url} answered HTTP {status}")]
    Status {
        /// What was fetched.
        url: String,
        /// The status.
        status: u16,
    },
    /// The target advertises an endpoint that is not http(s).
    #[error("the Webmention endpoint {endpoint:?} of {target} is not an http(s) URL")]
    BadEndpoint {
        /// The target.
        target: String,
        /// The endpoint as resolved.
        endpoint: String,
    },
    /// The target advertises no Webmention endpoint.
    #[error("{target} advertises no Webmention endpoint")]
    NoEndpoint {
        /// The target.
        target: String,
    },
    /// The endpoint refused the Webmention.
    #[error("the Webmention endpoint {endpoint} answered HTTP {status}")]
    Rejected {
        /// The endpoint.
        endpoint: String,
        /// Its status.
        status: u16,
    },
    /// The page could not be read (its URL is unusable).
    #[error(transparent)]
    Discovery(#[from] discovery::DiscoveryError),
}

/// What an endpoint said to a Webmention that it accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendOutcome {
    /// The endpoint the Webmention went to.
    pub endpoint: String,
    /// Its status (2xx).
    pub status: u16,
    /// For 201 and 202, the `Location` the endpoint gave (a status page), made absolute.
    pub location: Option<String>,
}

/// The result of verifying a received Webmention.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verified {
    /// The source links to the target: the mention stands, with what the source says.
    Mention(Box<Mention>),
    /// The source does not (or no longer) link to the target: drop the mention.
    NoLink,
    /// The source answered 410 Gone: it was deleted; drop the mention.
    Deleted,
}

/// What kind of response a source is to the target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `in-reply-to` points at the target.
    Reply,
    /// `like-of` points at the target.
    Like,
    /// `repost-of` points at the target.
    Repost,
    /// `bookmark-of` points at the target.
    Bookmark,
}

/// The author of a source entry (its `author` h-card, or a plain name or URL).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Author {
    /// `name`.
    pub name: Option<String>,
    /// `url`.
    pub url: Option<String>,
    /// `photo`.
    pub photo: Option<String>,
}

/// A verified mention: the source and what its h-entry says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mention {
    /// The source's final URL (after redirects).
    pub source_url: String,
    /// Whether the source has an h-entry (otherwise only `source_url` is known).
    pub has_entry: bool,
    /// The entry's `url`, if given.
    pub url: Option<String>,
    /// The entry's `name`, if given.
    pub name: Option<String>,
    /// The author.
    pub author: Option<Author>,
    /// The entry's `content` as HTML, sanitised with [`crate::sanitize::clean_html_at`] (relative
    /// URLs made absolute against the source).
    pub content_html: Option<String>,
    /// `published`, as written (an ISO 8601 date-time in well-formed entries).
    pub published: Option<String>,
    /// Which of `in-reply-to`, `like-of`, `repost-of`, `bookmark-of` point at the target; empty
    /// for a plain mention.
    pub kinds: Vec<Kind>,
}

/// Parses `input` as an absolute http(s) URL.
fn http_url(input: &str) -> Result<Url, WebmentionError> {
    match Url::parse(input.trim()) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(url),
        _ => Err(WebmentionError::BadUrl {
            url: input.to_owned(),
        }),
    }
}

/// Fetches `url` with GET, mapping fetch errors.
async fn get(fetch: &dyn Fetch, url: &Url) -> Result<Response, WebmentionError> {
    let mut request = Request::get(url.as_str());
    request.accept = Some("text/html, application/xhtml+xml;q=0.9, */*;q=0.1".to_owned());
    fetch
        .fetch(&request)
        .await
        .map_err(|error| WebmentionError::Fetch {
            url: url.to_string(),
            error,
        })
}

/// Finds the Webmention endpoint of `target` (see the module doc for the rules).
///
/// `Ok(None)` means the target advertises none.
pub async fn discover_endpoint(
    fetch: &dyn Fetch,
    target: &str,
) -> Result<Option<String>, WebmentionError> {
    let target_url = http_url(target)?;
    let response = get(fetch, &target_url).await?;
    if response.status >= 400 {
        return Err(WebmentionError::Status {
            url: response.url,
            status: response.status,
        });
    }
    let page = Page::parse(&response)?;
    let links = discovery::link_headers(&response);
    let Some(endpoint) = discovery::webmention_endpoint(&page, &links) else {
        return Ok(None);
    };
    if !matches!(endpoint.scheme(), "http" | "https") {
        return Err(WebmentionError::BadEndpoint {
            target: target.to_owned(),
            endpoint: endpoint.to_string(),
        });
    }
    Ok(Some(endpoint.to_string()))
}

/// Sends a Webmention: discovers the endpoint of `target` and POSTs `source` and `target` to it.
///
/// Any 2xx is success; for 201 and 202 the `Location` (a status page) is recorded.
pub async fn send(
    fetch: &dyn Fetch,
    source: &str,
    target: &str,
) -> Result<SendOutcome, WebmentionError> {
    http_url(source)?;
    let endpoint =
        discover_endpoint(fetch, target)
            .await?
            .ok_or_else(|| WebmentionError::NoEndpoint {
                target: target.to_owned(),
            })?;
    let request = Request {
        method: Method::Post,
        url: endpoint.clone(),
        form: vec![
            ("source".to_owned(), source.to_owned()),
            ("target".to_owned(), target.to_owned()),
        ],
        ..Request::default()
    };
    let response = fetch
        .fetch(&request)
        .await
        .map_err(|error| WebmentionError::Fetch {
            url: endpoint.clone(),
            error,
        })?;
    if !(200..300).contains(&response.status) {
        return Err(WebmentionError::Rejected {
            endpoint,
            status: response.status,
        });
    }
    let location = if matches!(response.status, 201 | 202) {
        response.header("location").and_then(|l| {
            Url::parse(&response.url)
                .ok()
                .and_then(|base| base.join(l.trim()).ok())
                .map(|u| u.to_string())
        })
    } else {
        None
    };
    Ok(SendOutcome {
        endpoint,
        status: response.status,
        location,
    })
}

/// Verifies a received Webmention: fetches `source`, checks that it links to `target`, and reads
/// its h-entry. Call it again when the sender re-sends: the answer reflects the source as it is
/// now (updated, gone, or no longer linking).
pub async fn verify(
    fetch: &dyn Fetch,
    source: &str,
    target: &str,
) -> Result<Verified, WebmentionError> {
    let source_url = http_url(source)?;
    let target_url = http_url(target)?;
    let response = get(fetch, &source_url).await?;
    if response.status == 410 {
        return Ok(Verified::Deleted);
    }
    if response.status >= 400 {
        return Err(WebmentionError::Status {
            url: response.url,
            status: response.status,
        });
    }
    let page = Page::parse(&response)?;
    let target_key = comparable(&target_url);
    let entry = if nesting_depth(&page) <= MAX_MF2_DEPTH {
        read_entry(&page, &target_key)
    } else {
        None
    };
    let links_in_markup = links_to(&page, &target_key);
    let linked_by_entry = entry.as_ref().is_some_and(|m| !m.kinds.is_empty());
    if !links_in_markup && !linked_by_entry {
        return Ok(Verified::NoLink);
    }
    let mut mention = entry.unwrap_or_default();
    mention.source_url = page.url.to_string();
    Ok(Verified::Mention(Box::new(mention)))
}

/// A URL as compared for "links to": parsed (so normalised) and without its fragment.
fn comparable(url: &Url) -> String {
    let mut url = url.clone();
    url.set_fragment(None);
    url.to_string()
}

/// Whether an element a reader sees points at the target.
fn links_to(page: &Page, target_key: &str) -> bool {
    const LINKING: &[(&str, &str)] = &[
        ("a[href]", "href"),
        ("area[href]", "href"),
        ("img[src]", "src"),
        ("audio[src]", "src"),
        ("video[src]", "src"),
        ("source[src]", "src"),
        ("blockquote[cite]", "cite"),
        ("q[cite]", "cite"),
    ];
    LINKING.iter().any(|(css, attr)| {
        discovery::selector(css).is_some_and(|s| {
            page.html.select(&s).any(|e| {
                e.value()
                    .attr(attr)
                    .and_then(|v| page.resolve(v))
                    .is_some_and(|u| comparable(&u) == target_key)
            })
        })
    })
}

/// How deeply the page's elements nest, counted without recursion.
fn nesting_depth(page: &Page) -> usize {
    let mut depth = 0usize;
    let mut deepest = 0usize;
    for edge in page.html.tree.root().traverse() {
        match edge {
            ego_tree::iter::Edge::Open(node) if matches!(node.value(), Node::Element(_)) => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            ego_tree::iter::Edge::Close(node) if matches!(node.value(), Node::Element(_)) => {
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
    }
    deepest
}

/// Reads the source's h-entry (the first top-level one, or the first in a top-level h-feed)
/// through the microformats parser's canonical JSON.
fn read_entry(page: &Page, target_key: &str) -> Option<Mention> {
    let html = page.html.html();
    let document = microformats::from_html(&html, &page.url).ok()?;
    let json = serde_json::to_value(&document).ok()?;
    let items = json.get("items")?.as_array()?;
    let entry = items.iter().find(|i| has_type(i, "h-entry")).or_else(|| {
        items
            .iter()
            .filter(|i| has_type(i, "h-feed"))
            .filter_map(|f| f.get("children").and_then(|c| c.as_array()))
            .flatten()
            .find(|i| has_type(i, "h-entry"))
    })?;
    let props = entry.get("properties")?;

    let kinds = [
        ("in-reply-to", Kind::Reply),
        ("like-of", Kind::Like),
        ("repost-of", Kind::Repost),
        ("bookmark-of", Kind::Bookmark),
    ]
    .into_iter()
    .filter(|(name, _)| {
        values(props, name).any(|v| {
            url_of(v)
                .and_then(|u| page.resolve(&u))
                .is_some_and(|u| comparable(&u) == target_key)
        })
    })
    .map(|(_, kind)| kind)
    .collect();

    let content_html = values(props, "content").next().map(|c| match c {
        serde_json::Value::Object(o) => match o.get("html").and_then(|h| h.as_str()) {
            // Relative links in the source point at the source's site, not at ours.
            Some(html) => crate::sanitize::clean_html_at(html, &page.base),
            None => escape_text(o.get("value").and_then(|v| v.as_str()).unwrap_or("")),
        },
        other => escape_text(other.as_str().unwrap_or("")),
    });

    let author = values(props, "author").next().map(|a| author_of(page, a));
    let mention = Mention {
        source_url: String::new(),
        has_entry: true,
        url: first_url(page, props, "url"),
        name: first_text(props, "name"),
        author,
        content_html,
        published: first_text(props, "published"),
        kinds,
    };
    Some(mention)
}

/// The values of one property of an mf2 JSON item.
fn values<'a>(
    props: &'a serde_json::Value,
    name: &str,
) -> impl Iterator<Item = &'a serde_json::Value> + 'a {
    props
        .get(name)
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
}

/// A property value as a URL string: a plain string, an image `{value, alt}`, or an embedded
/// item (h-cite, h-card) by its `url` property or its `value`.
fn url_of(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Object(o) => o
            .get("properties")
            .and_then(|p| p.get("url"))
            .and_then(|u| u.as_array())
            .and_then(|u| u.first())
            .and_then(url_of)
            .or_else(|| o.get("value").and_then(|v| v.as_str()).map(str::to_owned)),
        _ => None,
    }
}

/// A property value as text ([`hfeed::text_of`]), bounded to [`MAX_TEXT_CHARS`].
fn text_of(value: &serde_json::Value) -> Option<String> {
    hfeed::text_of(value).map(|text| text.chars().take(MAX_TEXT_CHARS).collect())
}

fn first_text(props: &serde_json::Value, name: &str) -> Option<String> {
    values(props, name).find_map(text_of)
}

fn first_url(page: &Page, props: &serde_json::Value, name: &str) -> Option<String> {
    values(props, name)
        .find_map(url_of)
        .and_then(|u| page.resolve(&u))
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .map(|u| u.to_string())
}

/// The author: an h-card's name/url/photo, or a plain value that is a URL or a name.
fn author_of(page: &Page, value: &serde_json::Value) -> Author {
    if let Some(props) = value.get("properties") {
        return Author {
            name: first_text(props, "name"),
            url: first_url(page, props, "url"),
            photo: first_url(page, props, "photo"),
        };
    }
    match text_of(value) {
        Some(text) if Url::parse(&text).is_ok() => Author {
            url: Some(text),
            ..Author::default()
        },
        name => Author {
            name,
            ..Author::default()
        },
    }
}
