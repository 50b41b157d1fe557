//! The one entry model that every feed format is read into.
//!
//! The planet stores and shows entries without caring whether they came from
//! RSS, Atom, JSON Feed or an h-feed, so the model keeps only what the planet
//! uses: identity (id, URL), words (title, summary, content), dates, the
//! author, categories and the IndieWeb response properties of h-entry. HTML
//! fields are always the output of [`crate::sanitize::clean_html`]: a value
//! of this model can be shown as it is.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// The format a feed was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FeedFormat {
    /// RSS 0.91 or 0.92.
    Rss0,
    /// RSS 1.0 (RDF Site Summary).
    Rss1,
    /// RSS 2.0.
    Rss2,
    /// Atom 1.0 (RFC 4287).
    Atom,
    /// JSON Feed 1.0 or 1.1.
    JsonFeed,
    /// A microformats2 h-feed (or top-level h-entries) in an HTML page.
    HFeed,
}

impl FeedFormat {
    /// A short lower-case name, as the planet's API shows it (`"rss"`,
    /// `"atom"`, `"json"`, `"h-feed"`).
    pub fn name(self) -> &'static str {
        match self {
            FeedFormat::Rss0 | FeedFormat::Rss1 | FeedFormat::Rss2 => "rss",
            FeedFormat::Atom => "atom",
            FeedFormat::JsonFeed => "json",
            FeedFormat::HFeed => "h-feed",
        }
    }
}

/// A parsed feed: its few feed-level facts and its entries.
#[derive(Clone, Debug, PartialEq)]
pub struct Feed {
    /// The format it was read from.
    pub format: FeedFormat,
    /// The feed's title, as plain text.
    pub title: Option<String>,
    /// The site the feed belongs to (RSS `<link>`, Atom `rel=alternate`,
    /// JSON Feed `home_page_url`, h-feed `url` or the page itself), absolute.
    pub home_page_url: Option<String>,
    /// The feed's own URL as it states it (Atom/RSS `rel=self`, JSON Feed
    /// `feed_url`), absolute; WebSub needs it next to the hub.
    pub self_url: Option<String>,
    /// WebSub hubs the feed advertises (`rel=hub`, JSON Feed `hubs`),
    /// absolute. A `Link` HTTP header is the fetcher's business, not this
    /// parser's.
    pub hubs: Vec<String>,
    /// RSS `<ttl>`: minutes the publisher asks readers to cache the feed.
    pub ttl_minutes: Option<u32>,
    /// The entries, in document order (see [`super::MAX_ENTRIES`] for which
    /// are kept when there are too many).
    pub entries: Vec<Entry>,
}

/// The author of an entry (an Atom `<author>`, an RSS `<author>` or
/// `<dc:creator>`, a JSON Feed author, an h-card).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Author {
    /// The name, as plain text.
    pub name: Option<String>,
    /// The author's home page, absolute.
    pub url: Option<String>,
    /// A photo or avatar, absolute.
    pub photo: Option<String>,
}

/// One entry (an RSS item, an Atom entry, a JSON Feed item, an h-entry).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Entry {
    /// The publisher's identifier (Atom `<id>`, RSS `<guid>`, JSON Feed `id`,
    /// h-entry `uid`), when it gives one; never invented.
    pub id: Option<String>,
    /// The entry's permalink, absolute.
    pub url: Option<String>,
    /// The title, as plain text. `None` for untitled posts (notes), including
    /// an h-entry whose name is only the start of its content.
    pub title: Option<String>,
    /// The summary, sanitised HTML.
    pub summary_html: Option<String>,
    /// The full content, sanitised HTML, relative URLs made absolute.
    pub content_html: Option<String>,
    /// When it was first published.
    pub published: Option<DateTime<Utc>>,
    /// When it was last updated.
    pub updated: Option<DateTime<Utc>>,
    /// Its author (the first one when the format allows several); an entry
    /// without its own author takes the feed's.
    pub author: Option<Author>,
    /// Categories or tags, as plain text.
    pub categories: Vec<String>,
    /// h-entry `in-reply-to`: the URLs this entry replies to.
    pub in_reply_to: Vec<String>,
    /// h-entry `like-of`.
    pub like_of: Vec<String>,
    /// h-entry `repost-of`.
    pub repost_of: Vec<String>,
    /// h-entry `bookmark-of`.
    pub bookmark_of: Vec<String>,
}

impl Entry {
    /// The key the planet de-duplicates entries by: the id when the publisher
    /// gives one, else the URL, else a hash of the title and content.
    ///
    /// The three kinds are prefixed (`id:`, `url:`, `sha256:`) so an id that
    /// happens to equal some other entry's URL cannot collide with it. The
    /// hash covers the title and the content (or the summary when there is no
    /// content), separated by a NUL byte so `("ab", "c")` and `("a", "bc")`
    /// differ. It is taken over the sanitised HTML, which is what is stored,
    /// so the key is stable across fetches of the same feed.
    pub fn dedup_key(&self) -> String {
        if let Some(id) = self.id.as_deref().filter(|id| !id.trim().is_empty()) {
            return format!("id:{}", id.trim());
        }
        if let Some(url) = self.url.as_deref().filter(|url| !url.is_empty()) {
            return format!("url:{url}");
        }
        let mut hasher = Sha256::new();
        hasher.update(self.title.as_deref().unwrap_or("").as_bytes());
        hasher.update([0u8]);
        let body = self
            .content_html
            .as_deref()
            .or(self.summary_html.as_deref())
            .unwrap_or("");
        hasher.update(body.as_bytes());
        let digest = hasher.finalize();
        let mut key = String::with_capacity(7 + 64);
        key.push_str("sha256:");
        for byte in digest {
            key.push_str(&format!("{byte:02x}"));
        }
        key
    }

    /// The date the planet sorts by: when it was published, else updated.
    pub fn date(&self) -> Option<DateTime<Utc>> {
        self.published.or(self.updated)
    }
}
