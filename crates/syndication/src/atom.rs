//! Writing Atom 1.0 feeds (RFC 4287).
//!
//! Every page of Badge Commons that lists things (a category, a topic, a
//! member's posts, the planet) has an Atom feed beside it. The app gathers the
//! facts into a [`FeedInfo`] and some [`FeedEntry`] values; [`atom_feed`] turns
//! them into the XML document.
//!
//! Each feed links to the HTML page it mirrors (`rel="alternate"`) and to
//! itself (`rel="self"`, which feed readers and WebSub hubs need). Entry
//! content is HTML, carried escaped (`type="html"`); it should already have
//! been through [`crate::sanitize::clean_html`], because feed readers differ in
//! how much they clean themselves.

use atom_syndication::{Content, Entry, Feed, Link, Person, Text};
use chrono::{DateTime, Utc};

/// What a feed says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedInfo {
    /// A permanent, unique IRI for the feed; usually its own URL.
    pub id: String,
    /// The title shown in feed readers.
    pub title: String,
    /// The HTML page this feed mirrors.
    pub html_url: String,
    /// The URL the feed itself is served from.
    pub self_url: String,
    /// When anything in the feed last changed.
    pub updated: DateTime<Utc>,
}

/// One entry of a feed: a topic or a post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEntry {
    /// A permanent, unique IRI for the entry; usually its permalink.
    pub id: String,
    /// The entry's title, as plain text.
    pub title: String,
    /// The entry's HTML page.
    pub url: String,
    /// The display name of the author.
    pub author_name: String,
    /// The author's profile page, if they have one.
    pub author_url: Option<String>,
    /// When the entry was first published.
    pub published: DateTime<Utc>,
    /// When the entry was last edited.
    pub updated: DateTime<Utc>,
    /// The entry's content, as sanitised HTML.
    pub content_html: String,
}

/// Writes an Atom 1.0 feed document.
///
/// Entries are written in the order given. Never fails: every value is
/// escaped by the XML writer.
pub fn atom_feed(info: &FeedInfo, entries: &[FeedEntry]) -> String {
    let mut feed = Feed::default();
    feed.set_id(info.id.as_str());
    feed.set_title(Text::plain(info.title.as_str()));
    feed.set_updated(info.updated.fixed_offset());
    feed.set_links(vec![
        link(&info.html_url, "alternate", "text/html"),
        link(&info.self_url, "self", "application/atom+xml"),
    ]);
    feed.set_entries(entries.iter().map(atom_entry).collect::<Vec<_>>());

    match feed.write_to(Vec::new()) {
        // The writer only writes valid UTF-8 from the `String`s it is given.
        Ok(bytes) => String::from_utf8(bytes)
            .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned()),
        // Writing into memory does not fail in practice; an empty document is
        // still better than a panic in a request handler.
        Err(_) => String::new(),
    }
}

fn atom_entry(entry: &FeedEntry) -> Entry {
    let mut author = Person::default();
    author.set_name(entry.author_name.as_str());
    author.set_uri(entry.author_url.clone());

    let mut content = Content::default();
    content.set_content_type("html".to_owned());
    content.set_value(entry.content_html.clone());

    let mut atom_entry = Entry::default();
    atom_entry.set_id(entry.id.as_str());
    atom_entry.set_title(Text::plain(entry.title.as_str()));
    atom_entry.set_links(vec![link(&entry.url, "alternate", "text/html")]);
    atom_entry.set_authors(vec![author]);
    atom_entry.set_published(entry.published.fixed_offset());
    atom_entry.set_updated(entry.updated.fixed_offset());
    atom_entry.set_content(content);
    atom_entry
}

fn link(href: &str, rel: &str, mime_type: &str) -> Link {
    let mut link = Link::default();
    link.set_href(href);
    link.set_rel(rel);
    link.set_mime_type(mime_type.to_owned());
    link
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 14, hour, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn entry(number: u32, title: &str, content_html: &str) -> FeedEntry {
        FeedEntry {
            id: format!("https://forum.example/t/{number}"),
            title: title.to_owned(),
            url: format!("https://forum.example/t/{number}"),
            author_name: "Ann & Co".to_owned(),
            author_url: Some("https://forum.example/u/ann".to_owned()),
            published: at(9),
            updated: at(10),
            content_html: content_html.to_owned(),
        }
    }

    #[test]
    fn a_feed_reads_back_with_its_entries_links_and_escaped_content() {
        let info = FeedInfo {
            id: "https://forum.example/c/general.atom".to_owned(),
            title: "General <discussion>".to_owned(),
            html_url: "https://forum.example/c/general".to_owned(),
            self_url: "https://forum.example/c/general.atom".to_owned(),
            updated: at(11),
        };
        let entries = [
            entry(1, "Welcome & hello", "<p>Hi <strong>all</strong></p>"),
            entry(2, "Badges <3", "<p>a &lt; b</p>"),
        ];

        let xml = atom_feed(&info, &entries);
        assert!(!xml.contains("<strong>"), "content must be escaped: {xml}");

        let feed = Feed::read_from(xml.as_bytes()).expect("the feed parses");
        assert_eq!(feed.title().as_str(), "General <discussion>");
        assert_eq!(feed.id(), info.id);
        assert_eq!(feed.updated(), &at(11).fixed_offset());
        let links: Vec<_> = feed
            .links()
            .iter()
            .map(|l| (l.rel(), l.href(), l.mime_type()))
            .collect();
        assert_eq!(
            links,
            [
                (
                    "alternate",
                    "https://forum.example/c/general",
                    Some("text/html")
                ),
                (
                    "self",
                    "https://forum.example/c/general.atom",
                    Some("application/atom+xml")
                ),
            ]
        );

        assert_eq!(feed.entries().len(), 2);
        let titles: Vec<_> = feed.entries().iter().map(|e| e.title().as_str()).collect();
        assert_eq!(titles, ["Welcome & hello", "Badges <3"]);

        let first = &feed.entries()[0];
        let content = first.content().expect("content");
        assert_eq!(content.content_type(), Some("html"));
        assert_eq!(content.value(), Some("<p>Hi <strong>all</strong></p>"));
        assert_eq!(
            feed.entries()[1].content().and_then(|c| c.value()),
            Some("<p>a &lt; b</p>")
        );
        assert_eq!(first.authors()[0].name(), "Ann & Co");
        assert_eq!(
            first.authors()[0].uri(),
            Some("https://forum.example/u/ann")
        );
        assert_eq!(first.published(), Some(&at(9).fixed_offset()));
        assert_eq!(first.links()[0].href(), "https://forum.example/t/1");
    }

    #[test]
    fn an_empty_feed_is_still_a_valid_document() {
        let info = FeedInfo {
            id: "urn:x".to_owned(),
            title: String::new(),
            html_url: "/".to_owned(),
            self_url: "/feed.atom".to_owned(),
            updated: at(0),
        };
        let feed = Feed::read_from(atom_feed(&info, &[]).as_bytes()).expect("the feed parses");
        assert!(feed.entries().is_empty());
    }
}
