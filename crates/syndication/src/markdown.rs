//! Rendering of member-written Markdown to safe HTML.
//!
//! Members write posts in CommonMark with the GitHub extensions people expect:
//! tables, fenced code, strikethrough and task lists. Rendering works on
//! pulldown-cmark's event stream, one step at a time:
//!
//! 1. parse the Markdown into events;
//! 2. rewrite the text events outside code and links: bare `http(s)://` URLs
//!    become links (GitHub's "extended autolinks"), and `@username` becomes a
//!    link to the member's profile, marked up as a microformats2 `u-mention`;
//! 3. rewrite what pulldown-cmark would otherwise render with markup the
//!    sanitiser rightly refuses: table alignment becomes an `align` attribute
//!    instead of a `style`, and task list checkboxes become the characters ☐
//!    and ☑ instead of `<input>` form controls;
//! 4. write HTML, then pass it through the project's one sanitising policy,
//!    [`crate::sanitize::clean_html`].
//!
//! Raw HTML inside the Markdown is allowed through step 1–3 untouched and is
//! then cleaned like any other untrusted HTML in step 4: harmless formatting
//! stays, scripts and the like go.
//!
//! E-mail addresses are neither linked (the archive is public; there is no
//! reason to help address harvesters) nor read as mentions.

use linkify::{LinkFinder, LinkKind};
use pulldown_cmark::{
    Alignment, CowStr, Event, LinkType, Options, Parser, Tag, TagEnd, TextMergeStream,
};

use crate::sanitize::clean_html;

/// The longest username a mention can name, in characters.
const MAX_USERNAME_CHARS: usize = 32;

/// A post rendered to HTML, with what the app needs to know about it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rendered {
    /// Sanitised HTML, safe to embed in a page.
    pub html: String,
    /// The members the post mentions with `@username`: lowercased, each once,
    /// in the order of their first mention.
    pub mentions: Vec<String>,
}

/// Renders member-written Markdown to safe HTML.
///
/// `mention_base` is the URL that a username is appended to in order to link a
/// mention to the member's profile, for example `"/u/"` or
/// `"https://forum.example/u/"`. The username in the link is lowercased.
///
/// Never fails: any input gives some HTML, and the HTML is always sanitised.
pub fn render(markdown: &str, mention_base: &str) -> Rendered {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TASKLISTS);

    let parser = TextMergeStream::new(Parser::new_ext(markdown, options));
    let mut rewriter = Rewriter::new(mention_base);
    let mut events = Vec::new();
    for event in parser {
        rewriter.rewrite(event, &mut events);
    }

    let mut unsafe_html = String::with_capacity(markdown.len() + markdown.len() / 2);
    pulldown_cmark::html::push_html(&mut unsafe_html, events.into_iter());
    Rendered {
        html: clean_html(&unsafe_html),
        mentions: rewriter.mentions,
    }
}

/// Walks the event stream and rewrites the events that need it, remembering
/// where it is (in code, in a link, in a table) and whom the post mentions.
struct Rewriter<'b> {
    mention_base: &'b str,
    link_finder: LinkFinder,
    mentions: Vec<String>,
    /// Nesting depth of code blocks and raw `<code>`/`<pre>` elements.
    code_depth: usize,
    /// Nesting depth of links, images and raw `<a>` elements.
    link_depth: usize,
    table_alignments: Vec<Alignment>,
    in_table_head: bool,
    table_cell_index: usize,
}

impl<'b> Rewriter<'b> {
    fn new(mention_base: &'b str) -> Self {
        let mut link_finder = LinkFinder::new();
        link_finder.kinds(&[LinkKind::Url, LinkKind::Email]);
        Rewriter {
            mention_base,
            link_finder,
            mentions: Vec::new(),
            code_depth: 0,
            link_depth: 0,
            table_alignments: Vec::new(),
            in_table_head: false,
            table_cell_index: 0,
        }
    }

    /// Appends the rewritten form of `event` to `out`.
    fn rewrite<'a>(&mut self, event: Event<'a>, out: &mut Vec<Event<'a>>) {
        match event {
            Event::Text(text) if self.code_depth == 0 && self.link_depth == 0 => {
                self.link_text(&text, out);
            }
            Event::Start(Tag::CodeBlock(_)) => {
                self.code_depth += 1;
                out.push(event);
            }
            Event::End(TagEnd::CodeBlock) => {
                self.code_depth = self.code_depth.saturating_sub(1);
                out.push(event);
            }
            Event::Start(Tag::Link { .. } | Tag::Image { .. }) => {
                self.link_depth += 1;
                out.push(event);
            }
            Event::End(TagEnd::Link | TagEnd::Image) => {
                self.link_depth = self.link_depth.saturating_sub(1);
                out.push(event);
            }
            Event::InlineHtml(ref html) => {
                self.track_raw_html(html);
                out.push(event);
            }
            Event::Start(Tag::Table(ref alignments)) => {
                self.table_alignments = alignments.clone();
                out.push(event);
            }
            Event::Start(Tag::TableHead) => {
                self.in_table_head = true;
                self.table_cell_index = 0;
                out.push(event);
            }
            Event::End(TagEnd::TableHead) => {
                self.in_table_head = false;
                out.push(event);
            }
            Event::Start(Tag::TableRow) => {
                self.table_cell_index = 0;
                out.push(event);
            }
            // pulldown-cmark writes alignment as a `style` attribute, which the
            // sanitiser removes; write the cell tags here with `align` instead.
            Event::Start(Tag::TableCell) => {
                let align = match self.table_alignments.get(self.table_cell_index) {
                    Some(Alignment::Left) => " align=\"left\"",
                    Some(Alignment::Center) => " align=\"center\"",
                    Some(Alignment::Right) => " align=\"right\"",
                    Some(Alignment::None) | None => "",
                };
                out.push(Event::InlineHtml(
                    format!("<{}{align}>", self.cell_tag()).into(),
                ));
            }
            Event::End(TagEnd::TableCell) => {
                out.push(Event::InlineHtml(format!("</{}>", self.cell_tag()).into()));
                self.table_cell_index += 1;
            }
            // A checkbox is a form control; the sanitiser removes those.
            Event::TaskListMarker(checked) => {
                out.push(Event::Text(if checked { "☑ " } else { "☐ " }.into()));
            }
            other => out.push(other),
        }
    }

    fn cell_tag(&self) -> &'static str {
        if self.in_table_head {
            "th"
        } else {
            "td"
        }
    }

    /// Follows raw inline `<a>`, `<code>` and `<pre>` tags written in the
    /// Markdown, so that no link or mention is made inside them.
    fn track_raw_html(&mut self, html: &str) {
        let Some(tag) = html.trim().strip_prefix('<') else {
            return;
        };
        let (closing, tag) = match tag.strip_prefix('/') {
            Some(rest) => (true, rest),
            None => (false, tag),
        };
        let name: String = tag
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        let depth = match name.as_str() {
            "a" => &mut self.link_depth,
            "code" | "pre" => &mut self.code_depth,
            _ => return,
        };
        if closing {
            *depth = depth.saturating_sub(1);
        } else if !tag.trim_end().ends_with("/>") {
            *depth += 1;
        }
    }

    /// Turns one run of prose into text, URL links and mentions.
    fn link_text<'a>(&mut self, text: &str, out: &mut Vec<Event<'a>>) {
        let mut previous_char = None;
        for span in self.link_finder.spans(text) {
            let part = span.as_str();
            match span.kind() {
                Some(LinkKind::Url) if is_http_url(part) => {
                    out.push(Event::Start(Tag::Link {
                        link_type: LinkType::Autolink,
                        dest_url: CowStr::from(part.to_owned()),
                        title: CowStr::Borrowed(""),
                        id: CowStr::Borrowed(""),
                    }));
                    out.push(Event::Text(CowStr::from(part.to_owned())));
                    out.push(Event::End(TagEnd::Link));
                }
                // E-mail addresses and URLs of other schemes stay plain text,
                // and what looks like a mention inside them is not one.
                Some(_) => out.push(Event::Text(CowStr::from(part.to_owned()))),
                None => self.mention_text(part, previous_char, out),
            }
            previous_char = part.chars().next_back().or(previous_char);
        }
    }

    /// Turns `@username` in plain prose into mention links. `previous_char` is
    /// the character just before `text`, if any.
    fn mention_text<'a>(
        &mut self,
        text: &str,
        previous_char: Option<char>,
        out: &mut Vec<Event<'a>>,
    ) {
        let mut previous_char = previous_char;
        let mut plain_start = 0;
        let mut chars = text.char_indices().peekable();
        while let Some((index, c)) = chars.next() {
            if c == '@' && !previous_char.is_some_and(is_word_char) {
                // '@' is one byte long, so `index + 1` is a char boundary.
                let after_at = &text[index + 1..];
                if let Some(username) = mentioned_username(after_at) {
                    if plain_start < index {
                        out.push(Event::Text(CowStr::from(
                            text[plain_start..index].to_owned(),
                        )));
                    }
                    out.push(Event::InlineHtml(self.mention_link(username).into()));
                    plain_start = index + 1 + username.len();
                    while chars.next_if(|(next, _)| *next < plain_start).is_some() {}
                    previous_char = username.chars().next_back();
                    continue;
                }
            }
            previous_char = Some(c);
        }
        if plain_start < text.len() {
            out.push(Event::Text(CowStr::from(text[plain_start..].to_owned())));
        }
    }

    /// Records a mention and returns the HTML of its link.
    fn mention_link(&mut self, username: &str) -> String {
        let canonical = username.to_ascii_lowercase();
        let html = format!(
            r#"<a class="u-mention" href="{}{}">@{}</a>"#,
            escape_html(self.mention_base),
            escape_html(&canonical),
            escape_html(username),
        );
        if !self.mentions.contains(&canonical) {
            self.mentions.push(canonical);
        }
        html
    }
}

/// The username at the start of `text` (just after an `@`), if it is one:
/// `[A-Za-z0-9_][A-Za-z0-9_-]{0,31}`, not followed by another username
/// character (too long) or by `@` (an address on another server).
fn mentioned_username(text: &str) -> Option<&str> {
    let first = text.chars().next()?;
    if !(first.is_ascii_alphanumeric() || first == '_') {
        return None;
    }
    let length = text.chars().take_while(|&c| is_username_char(c)).count();
    if length > MAX_USERNAME_CHARS {
        return None;
    }
    // Username characters are ASCII: the char count is the byte length.
    let (username, rest) = text.split_at(length);
    if rest.starts_with('@') {
        return None;
    }
    Some(username)
}

fn is_username_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// A "word" character: a mention must not follow one (so `ann@example.org`
/// is not a mention of `example`).
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn is_http_url(url: &str) -> bool {
    let start: String = url.chars().take(8).collect::<String>().to_ascii_lowercase();
    start.starts_with("http://") || start.starts_with("https://")
}

/// Escapes text for use in HTML text or a double-quoted attribute.
fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://forum.example/u/";

    #[test]
    fn a_table_keeps_its_cells_and_alignment_without_style() {
        let rendered = render("| Badge | Holders |\n|:--|--:|\n| Mentor | 12 |\n", BASE);
        let html = &rendered.html;
        assert!(html.contains("<table>"), "{html}");
        assert!(html.contains(r#"<th align="left">Badge</th>"#), "{html}");
        assert!(html.contains(r#"<td align="right">12</td>"#), "{html}");
        assert!(!html.contains("style"), "{html}");
    }

    #[test]
    fn fenced_code_keeps_its_language_class() {
        let rendered = render("```rust\nfn main() {}\n```\n", BASE);
        assert!(
            rendered
                .html
                .contains(r#"<pre><code class="language-rust">fn main() {}"#),
            "{}",
            rendered.html
        );
    }

    #[test]
    fn a_bare_url_becomes_a_link() {
        let rendered = render("See https://example.org/badges?id=1 for more.", BASE);
        assert_eq!(
            rendered.html,
            "<p>See <a href=\"https://example.org/badges?id=1\" rel=\"nofollow ugc noopener noreferrer\">\
             https://example.org/badges?id=1</a> for more.</p>\n"
        );
    }

    #[test]
    fn a_url_inside_a_link_or_code_is_not_linked_again() {
        let rendered = render(
            "[https://a.example/](https://b.example/) `https://c.example/`",
            BASE,
        );
        assert_eq!(rendered.html.matches("<a ").count(), 1, "{}", rendered.html);
    }

    #[test]
    fn mentions_become_links_and_are_collected_once_lowercased() {
        let rendered = render("Thanks @Ann and @bob_2, and again @ann!", BASE);
        assert_eq!(rendered.mentions, ["ann", "bob_2"]);
        assert!(
            rendered.html.contains(
                r#"<a class="u-mention" href="https://forum.example/u/ann" rel="nofollow ugc noopener noreferrer">@Ann</a>"#
            ),
            "{}",
            rendered.html
        );
    }

    #[test]
    fn mentions_in_code_links_and_email_addresses_do_not_count() {
        let markdown = "`@inline` and\n\n```\n@block\n```\n\n\
                        mail ann@example.org or x.y@b.org, [@linked](https://e.example/), \
                        https://e.example/@url, @remote@social.example";
        let rendered = render(markdown, BASE);
        assert!(rendered.mentions.is_empty(), "{:?}", rendered.mentions);
        assert!(!rendered.html.contains("u-mention"), "{}", rendered.html);
    }

    #[test]
    fn a_mention_follows_punctuation_but_not_letters() {
        let rendered = render("(@cat) x@dog, \"@emu\"", BASE);
        assert_eq!(rendered.mentions, ["cat", "emu"]);
    }

    #[test]
    fn a_too_long_username_is_not_a_mention() {
        let rendered = render(&format!("@{}", "a".repeat(33)), BASE);
        assert!(rendered.mentions.is_empty());
        let rendered = render(&format!("@{}", "a".repeat(32)), BASE);
        assert_eq!(rendered.mentions.len(), 1);
    }

    #[test]
    fn raw_script_is_removed_and_the_text_around_it_stays() {
        let rendered = render("Hello <script>alert(1)</script> world", BASE);
        assert_eq!(rendered.html, "<p>Hello  world</p>\n");
    }

    #[test]
    fn links_are_marked_as_user_content() {
        let rendered = render("[a badge](https://example.org/b)", BASE);
        assert!(
            rendered
                .html
                .contains(r#"rel="nofollow ugc noopener noreferrer""#),
            "{}",
            rendered.html
        );
    }

    #[test]
    fn strikethrough_and_task_lists() {
        let rendered = render("~~old~~\n\n- [x] done\n- [ ] todo\n", BASE);
        assert!(
            rendered.html.contains("<del>old</del>"),
            "{}",
            rendered.html
        );
        assert!(rendered.html.contains("☑ done"), "{}", rendered.html);
        assert!(rendered.html.contains("☐ todo"), "{}", rendered.html);
        assert!(!rendered.html.contains("<input"), "{}", rendered.html);
    }

    #[test]
    fn the_mention_base_is_escaped() {
        let rendered = render("@ann", "/u/\"><script>x</script>");
        assert!(!rendered.html.contains("<script"), "{}", rendered.html);
        assert_eq!(rendered.mentions, ["ann"]);
    }
}
