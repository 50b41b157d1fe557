//! Connecting a site to the planet: fetch the address a member gives, find its feeds and `rel=me`
//! links, and store the feeds chosen as `planet_feeds` rows, credited to that member (or to the
//! community when an admin adds a feed for nobody in particular).
//!
//! Choices:
//! - An address that is itself a feed (RSS, Atom or JSON Feed) is taken directly, as feed readers
//!   do; an HTML page is read for `rel=alternate` feeds and for an h-feed on the page itself.
//! - The feed offered first (pre-checked on the page, and the one the API adds) is the first
//!   `rel=alternate` feed in document order, else the page's own h-feed: a blog usually serves
//!   the same posts as RSS and Atom, and subscribing both would show every post twice.
//! - A feed URL belongs to one subscription: adding it again for the same member (or the
//!   community) gives back the existing feed; adding it for someone else is refused.

use syndication::discovery::{self, FeedFormat};
use syndication::fetch::{Fetch, Request};

use sqlx::Row as _;

use super::feeds::{self, NewFeed};
use crate::store::Db;
use crate::web::Failure;

/// The most feeds one site's page can offer on the connect page.
const MAX_CANDIDATES: usize = 20;

/// What the `Accept` header asks for: feeds first, then pages.
const ACCEPT: &str = "application/atom+xml, application/rss+xml, application/feed+json, \
                      application/json;q=0.9, text/html;q=0.9, application/xml;q=0.8, */*;q=0.5";

/// A feed found on a site, offered to the member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub url: String,
    /// `rss`, `atom`, `json` or `h-feed`, as `planet_feeds.format` and the API name them.
    pub format: &'static str,
    pub title: Option<String>,
}

/// What connecting a site found.
#[derive(Clone, Debug, Default)]
pub struct Found {
    /// The address after redirects.
    pub page_url: String,
    /// Feeds, the preferred one first.
    pub feeds: Vec<Candidate>,
    /// The page's `rel=me` links (other profiles of the same person).
    pub rel_me: Vec<String>,
}

fn format_name(format: FeedFormat) -> &'static str {
    match format {
        FeedFormat::Rss => "rss",
        FeedFormat::Atom => "atom",
        FeedFormat::JsonFeed => "json",
        FeedFormat::HFeed => "h-feed",
    }
}

/// Checks that `input` is an absolute http(s) address, with a message saying what is wrong.
pub fn checked_url(input: &str) -> Result<String, Failure> {
    let input = input.trim();
    if input.is_empty() {
        return Err(Failure::Invalid(
            "Give the address of your site or of its feed.".to_string(),
        ));
    }
    let url = url::Url::parse(input).map_err(|e| {
        Failure::Invalid(format!(
            "{input:?} is not a web address ({e}): give a full address such as https://example.org/"
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(Failure::Invalid(format!(
            "{input:?} is not a web address: it must start with http:// or https://"
        )));
    }
    Ok(url.to_string())
}

fn looks_like_html(content_type: Option<&str>, body: &[u8]) -> bool {
    if content_type.is_some_and(|t| t.to_ascii_lowercase().contains("html")) {
        return true;
    }
    let start: Vec<u8> = body
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take(15)
        .map(u8::to_ascii_lowercase)
        .collect();
    start.starts_with(b"<!doctype html") || start.starts_with(b"<html")
}

/// Fetches `input` and finds what it offers: the address itself when it is a feed, else the
/// feeds its page links to and its h-feed.
pub async fn find(fetcher: &dyn Fetch, input: &str) -> Result<Found, Failure> {
    let url = checked_url(input)?;
    let request = Request {
        accept: Some(ACCEPT.to_string()),
        ..Request::get(&url)
    };
    let response = fetcher
        .fetch(&request)
        .await
        .map_err(|e| Failure::Invalid(format!("Could not fetch {url}: {e}.")))?;
    if !(200..300).contains(&response.status) {
        return Err(Failure::Invalid(format!(
            "Could not fetch {url}: the site answered HTTP {}.",
            response.status
        )));
    }
    let content_type = response.header("content-type");
    if !looks_like_html(content_type, &response.body) {
        return match syndication::feeds::parse(&response.body, content_type, &response.url) {
            Ok(feed) => Ok(Found {
                page_url: response.url.clone(),
                feeds: vec![Candidate {
                    url: response.url.clone(),
                    format: feed.format.name(),
                    title: feed.title,
                }],
                rel_me: Vec::new(),
            }),
            Err(e) => Err(Failure::Invalid(format!(
                "No feed found at {url}: it is neither a web page nor a feed we can read ({e})."
            ))),
        };
    }
    let discovered = discovery::discover(&response)
        .map_err(|e| Failure::Invalid(format!("Could not read {url}: {e}.")))?;
    let mut feeds: Vec<Candidate> = discovered
        .feeds
        .iter()
        .map(|f| Candidate {
            url: f.url.clone(),
            format: format_name(f.format),
            title: f.title.clone(),
        })
        .collect();
    if discovered.has_h_feed && !feeds.iter().any(|f| f.url == discovered.page_url) {
        feeds.push(Candidate {
            url: discovered.page_url.clone(),
            format: "h-feed",
            title: Some("This page (h-feed)".to_string()),
        });
    }
    // rel=feed links point at h-feed pages; a real feed file is the better default.
    feeds.sort_by_key(|f| f.format == "h-feed");
    feeds.truncate(MAX_CANDIDATES);
    if feeds.is_empty() {
        return Err(Failure::Invalid(format!(
            "No feed found at {url}: the page links to no RSS, Atom or JSON Feed and carries no h-feed."
        )));
    }
    Ok(Found {
        page_url: discovered.page_url,
        feeds,
        rel_me: discovered.rel_me,
    })
}

/// A feed stored for the planet.
#[derive(Clone, Debug)]
pub struct Subscribed {
    pub id: i64,
    pub url: String,
    /// Added now (false: it was already there for the same member).
    pub new: bool,
}

/// Stores `url` as a feed of `member_id` (`None`: the community's), found on `site_url`.
pub async fn add_feed(
    db: &Db,
    url: &str,
    site_url: Option<&str>,
    title: Option<&str>,
    member_id: Option<i64>,
    added_by: Option<i64>,
) -> Result<Subscribed, Failure> {
    let url = checked_url(url)?;
    let existing = sqlx::query("SELECT id, member_id FROM planet_feeds WHERE url = $1")
        .bind(&url)
        .fetch_optional(db.pool())
        .await?;
    if let Some(row) = existing {
        let owner: Option<i64> = row.try_get("member_id")?;
        if owner != member_id {
            return Err(Failure::Conflict(format!(
                "The feed {url} is already on the planet for someone else."
            )));
        }
        return Ok(Subscribed {
            id: row.try_get("id")?,
            url,
            new: false,
        });
    }
    let added = feeds::add_feed(
        db,
        NewFeed {
            url: &url,
            site_url,
            title,
            member_id,
            added_by,
        },
    )
    .await?;
    let Some(id) = added else {
        // Someone added the same feed at the same moment.
        return Err(Failure::Conflict(format!(
            "The feed {url} was just added by someone else."
        )));
    };
    Ok(Subscribed { id, url, new: true })
}

/// A filter as a member or admin edits it: tags and words, stored newline-separated and lower
/// case (both empty: everything passes). Which entries pass is decided by `filters`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FilterLists {
    pub tags: String,
    pub words: String,
}

impl FilterLists {
    /// Normalises what a form gave (one per line or comma-separated) to the stored form.
    pub fn from_input(tags: &str, words: &str) -> FilterLists {
        let normal = |text: &str| {
            let mut items: Vec<String> = Vec::new();
            for item in text.split(['\n', ',']).map(|t| t.trim().to_lowercase()) {
                if !item.is_empty() && !items.contains(&item) {
                    items.push(item);
                }
            }
            items.join("\n")
        };
        FilterLists {
            tags: normal(tags),
            words: normal(words),
        }
    }

    /// As a form shows it: comma-separated.
    pub fn tags_input(&self) -> String {
        self.tags.lines().collect::<Vec<_>>().join(", ")
    }

    pub fn words_input(&self) -> String {
        self.words.lines().collect::<Vec<_>>().join(", ")
    }
}

/// The community's filter (`planet_settings`, one row), as stored.
pub(crate) async fn community_filter(db: &Db) -> Result<FilterLists, sqlx::Error> {
    let row = sqlx::query("SELECT filter_tags, filter_words FROM planet_settings WHERE id = 1")
        .fetch_optional(db.pool())
        .await?;
    Ok(match row {
        Some(row) => FilterLists {
            tags: row.try_get("filter_tags")?,
            words: row.try_get("filter_words")?,
        },
        None => FilterLists::default(),
    })
}

#[cfg(test)]
mod tests {
    use syndication::fetch::Canned;

    use super::*;

    const PAGE: &str = r#"<!doctype html><html><head>
        <link rel="alternate" type="application/atom+xml" href="/atom.xml" title="Atom">
        <link rel="alternate" type="application/feed+json" href="/feed.json">
        <link rel="me" href="https://social.example/@ada"></head>
        <body><div class="h-feed"><div class="h-entry"><a class="u-url p-name" href="/1">One</a></div></div></body></html>"#;

    const RSS: &str = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Ada</title>
        <link>https://ada.example/</link><description>d</description></channel></rss>"#;

    fn fetcher() -> Canned {
        Canned::default()
            .with(
                "https://ada.example/",
                200,
                &[("content-type", "text/html")],
                PAGE,
            )
            .with(
                "https://ada.example/rss",
                200,
                &[("content-type", "text/xml")],
                RSS,
            )
            .with("https://ada.example/gone", 410, &[], "")
            .with(
                "https://ada.example/text",
                200,
                &[("content-type", "text/plain")],
                "hello",
            )
    }

    fn block<T>(future: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(future)
    }

    #[test]
    fn a_page_offers_its_feeds_then_its_own_h_feed() {
        let found = block(find(&fetcher(), " https://ada.example/ ")).expect("found");
        let offered: Vec<(&str, &str)> = found
            .feeds
            .iter()
            .map(|f| (f.url.as_str(), f.format))
            .collect();
        assert_eq!(
            offered,
            [
                ("https://ada.example/atom.xml", "atom"),
                ("https://ada.example/feed.json", "json"),
                ("https://ada.example/", "h-feed"),
            ]
        );
        assert_eq!(found.rel_me, ["https://social.example/@ada"]);
    }

    #[test]
    fn a_feed_address_is_taken_as_it_is() {
        let found = block(find(&fetcher(), "https://ada.example/rss")).expect("found");
        assert_eq!(found.feeds.len(), 1);
        assert_eq!(found.feeds[0].format, "rss");
        assert_eq!(found.feeds[0].title.as_deref(), Some("Ada"));
    }

    #[test]
    fn problems_are_said_in_words() {
        let problem = |url: &str| match block(find(&fetcher(), url)) {
            Err(Failure::Invalid(message)) => message,
            other => panic!("{url}: {other:?}"),
        };
        assert!(problem("").contains("Give the address"));
        assert!(problem("ada.example").contains("not a web address"));
        assert!(problem("mailto:ada@example.org").contains("http:// or https://"));
        assert!(problem("https://ada.example/gone").contains("HTTP 410"));
        assert!(problem("https://ada.example/text").contains("No feed found"));
        assert!(problem("https://elsewhere.example/").contains("Could not fetch"));
    }

    #[test]
    fn filters_from_forms_are_stored_lower_case_one_per_line() {
        let filter = FilterLists::from_input("Badges, credentials\n badges ,,", "Open Badges");
        assert_eq!(filter.tags, "badges\ncredentials");
        assert_eq!(filter.words, "open badges");
        assert_eq!(filter.tags_input(), "badges, credentials");
    }
}
