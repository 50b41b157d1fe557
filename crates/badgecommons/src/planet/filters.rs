//! The planet's filters: the community's (in `planet_settings`) and each feed's own, so a personal
//! blog only contributes what is on topic.
//!
//! A filter is a list of tags and a list of words (newline-separated in the database). An entry
//! passes a filter when the filter is empty, or when one of the entry's tags (categories) is one
//! of the filter's tags, or one of the filter's words occurs in its title, summary or content
//! text. An entry is shown only if it passes both the community's filter and its feed's.
//!
//! Choices: tags compare whole and case-insensitively (tags are stored lower case). Words match
//! case-insensitively at the *start* of a word of the text, so `badge` finds "Badges" and
//! "badge-making" but `art` does not find "start"; a filter word may be a phrase ("open
//! badges"). Words are looked for in the text of the HTML (tags dropped, common entities
//! decoded), so markup and URLs in attributes never match.

use sqlx::Row as _;

use crate::store::Db;

/// One filter: tags or words; empty lets everything through.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Filter {
    tags: Vec<String>,
    words: Vec<String>,
}

/// What the filters look at in an entry.
pub(crate) struct EntryText<'a> {
    pub title: Option<&'a str>,
    pub summary_html: Option<&'a str>,
    pub content_html: Option<&'a str>,
    /// Lower case.
    pub tags: &'a [String],
}

impl Filter {
    /// A filter from the stored newline-separated lists (blank lines ignored).
    pub(crate) fn from_lists(tags: &str, words: &str) -> Filter {
        let list = |text: &str| {
            text.lines()
                .map(|line| {
                    line.split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                        .to_lowercase()
                })
                .filter(|line| !line.is_empty())
                .collect::<Vec<_>>()
        };
        Filter {
            tags: list(tags),
            words: list(words),
        }
    }

    fn is_empty(&self) -> bool {
        self.tags.is_empty() && self.words.is_empty()
    }

    /// Whether `entry` passes this filter.
    pub(crate) fn passes(&self, entry: &EntryText<'_>) -> bool {
        if self.is_empty() {
            return true;
        }
        if entry.tags.iter().any(|tag| self.tags.contains(tag)) {
            return true;
        }
        if self.words.is_empty() {
            return false;
        }
        let mut text = html_text(&escape_text(entry.title.unwrap_or(""))).to_lowercase();
        for html in [entry.summary_html, entry.content_html]
            .into_iter()
            .flatten()
        {
            text.push(' ');
            text.push_str(&html_text(html).to_lowercase());
        }
        self.words.iter().any(|word| starts_a_word(&text, word))
    }
}

/// Whether `word` occurs in `text` where a word starts (after a non-alphanumeric or at the start).
fn starts_a_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(at, _)| {
        text[..at]
            .chars()
            .next_back()
            .is_none_or(|before| !before.is_alphanumeric())
    })
}

/// Plain text as HTML, so it reads back unchanged through [`html_text`].
fn escape_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The text of (sanitised) HTML: tags dropped, the common entities decoded, spaces collapsed.
pub(super) fn html_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                // A tag separates words ("a<br>b" is two words).
                text.push(' ');
            }
            '>' if in_tag => in_tag = false,
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    let decoded = text
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    // One space between words, so a phrase matches across tags and line breaks.
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The community's filter (`planet_settings`).
pub(crate) async fn community_filter(db: &Db) -> Result<Filter, sqlx::Error> {
    let lists = super::subscriptions::community_filter(db).await?;
    Ok(Filter::from_lists(&lists.tags, &lists.words))
}

/// Decides `shown` again for the stored entries of one feed (`Some(id)`) or of all feeds, after
/// a filter was changed; returns how many entries changed.
pub(crate) async fn reapply(db: &Db, feed_id: Option<i64>) -> Result<u64, sqlx::Error> {
    let community = community_filter(db).await?;
    let feeds = sqlx::query(
        "SELECT id, filter_tags, filter_words FROM planet_feeds WHERE $1 = 0 OR id = $2",
    )
    .bind(i64::from(feed_id.is_some()))
    .bind(feed_id.unwrap_or(0))
    .fetch_all(db.pool())
    .await?;
    let mut changed = 0;
    for feed in feeds {
        let id: i64 = feed.try_get("id")?;
        let own = Filter::from_lists(
            &feed.try_get::<String, _>("filter_tags")?,
            &feed.try_get::<String, _>("filter_words")?,
        );
        let entries = sqlx::query(
            "SELECT id, title, summary_html, content_html, tags, shown
             FROM planet_entries WHERE feed_id = $1",
        )
        .bind(id)
        .fetch_all(db.pool())
        .await?;
        for entry in entries {
            let tags: String = entry.try_get("tags")?;
            let tags: Vec<String> = tags.lines().map(str::to_owned).collect();
            let title: Option<String> = entry.try_get("title")?;
            let summary: Option<String> = entry.try_get("summary_html")?;
            let content: Option<String> = entry.try_get("content_html")?;
            let text = EntryText {
                title: title.as_deref(),
                summary_html: summary.as_deref(),
                content_html: content.as_deref(),
                tags: &tags,
            };
            let shown = community.passes(&text) && own.passes(&text);
            let was: i64 = entry.try_get("shown")?;
            if (was != 0) != shown {
                sqlx::query("UPDATE planet_entries SET shown = $1 WHERE id = $2")
                    .bind(i64::from(shown))
                    .bind(entry.try_get::<i64, _>("id")?)
                    .execute(db.pool())
                    .await?;
                changed += 1;
            }
        }
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry<'a>(title: &'a str, content: &'a str, tags: &'a [String]) -> EntryText<'a> {
        EntryText {
            title: Some(title),
            summary_html: None,
            content_html: Some(content),
            tags,
        }
    }

    #[test]
    fn empty_filter_lets_everything_through() {
        assert!(Filter::from_lists("", "\n \n").passes(&entry("x", "y", &[])));
    }

    #[test]
    fn tags_or_words_let_an_entry_through() {
        let filter = Filter::from_lists("Credentials\n", "badge\nopen source");
        let tagged = vec!["credentials".to_string()];
        assert!(filter.passes(&entry("Holiday", "<p>Sun</p>", &tagged)));
        assert!(filter.passes(&entry("New BADGES here", "", &[])));
        assert!(filter.passes(&entry("x", "<p>We love <em>Open</em> Source</p>", &[])));
        assert!(!filter.passes(&entry("Holiday", "<p>Sun and sea</p>", &[])));
    }

    #[test]
    fn words_match_at_word_starts_in_text_not_markup() {
        let filter = Filter::from_lists("", "art");
        assert!(!filter.passes(&entry("Start", "<p>restart</p>", &[])));
        assert!(filter.passes(&entry("x", "<p>Modern&nbsp;art</p>", &[])));
        let filter = Filter::from_lists("", "badge");
        assert!(!filter.passes(&entry(
            "x",
            r#"<a href="https://example.org/badge">link</a>"#,
            &[]
        )));
        assert!(filter.passes(&entry("x", "<p>a<br>badge</p>", &[])));
    }
}
