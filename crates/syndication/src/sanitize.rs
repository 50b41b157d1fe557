//! The one HTML sanitising policy of Badge Commons.
//!
//! All HTML that comes from outside (rendered member Markdown, feed entries,
//! Webmention sources) is hostile until it has been through [`clean_html`].
//! The policy is an allow-list built on [`ammonia`], which parses the input with
//! a real HTML5 parser (html5ever) and serialises a fresh tree, so malformed
//! tags, odd quoting and entity tricks cannot survive as markup.
//!
//! What it keeps, and why:
//!
//! - **Text structure and formatting**: paragraphs, line breaks, rules,
//!   headings, emphasis, strikethrough, inline and block code, quotes, lists,
//!   definition lists, tables (with the `align` attribute on cells, which is how
//!   the Markdown renderer expresses column alignment), images, links. This is
//!   roughly ammonia's default list without the rarely-needed layout tags.
//! - **Links** (`a href`): only `http`, `https` and `mailto` URLs, plus relative
//!   URLs (a post may link to another page of the forum). Every link gets
//!   `rel="nofollow ugc noopener noreferrer"`: the content is user-generated,
//!   should not pass search-engine reputation, and a linked page must not get a
//!   handle on ours.
//! - **Images** (`img src`): only absolute `http` and `https` URLs. A relative
//!   image URL would make every reader's browser send a GET request to this
//!   site (a cheap cross-site-request trick), and `data:` URLs can carry
//!   anything, so both are dropped. HTML published elsewhere (a feed entry, a
//!   Webmention source) goes through [`clean_html_at`] with its own URL, which
//!   makes its relative links and images absolute against that site instead.
//! - **Classes**: `language-*` on `code` (for syntax highlighting of fenced
//!   code) and `u-mention` / `mention` on `a` (microformats2 mentions). No other
//!   class survives, so user content cannot borrow the site's own styling (for
//!   example to imitate a moderator notice).
//!
//! What it removes:
//!
//! - every `style` attribute and `<style>` element (CSS can exfiltrate data and
//!   overlay the page), every event handler attribute (`on*`), `id` and `name`
//!   (they could clobber DOM globals or hijack fragment links);
//! - `script`, `iframe`, `object`, `embed`, `svg`, `math`, `form` and its
//!   controls, `meta`, `base`, `link`, `template` and friends. For the elements
//!   listed in [`DROPPED_WITH_CONTENT`] the content goes too, since it is code
//!   or markup that was never meant to be read as text; other unknown elements
//!   are unwrapped and their text kept;
//! - `cite` attributes: browsers do not follow them, and ammonia does not
//!   check their URL scheme, so a `javascript:` URL would pass unnoticed;
//! - HTML comments (they can hide conditional-comment tricks for old browsers).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use ammonia::{Builder, UrlRelative};

/// The value of `rel` on every link in sanitised HTML.
pub const LINK_REL: &str = "nofollow ugc noopener noreferrer";

/// Elements that are removed together with everything inside them.
pub const DROPPED_WITH_CONTENT: &[&str] = &[
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "noscript",
    "noembed", "noframes", "template", "textarea", "select", "title", "xmp", "svg", "math",
];

/// Elements kept by the policy.
const ALLOWED_TAGS: &[&str] = &[
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "code",
    "dd",
    "del",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "small",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
];

/// Attributes kept on specific elements (besides the generic `lang` and `title`).
const ALLOWED_TAG_ATTRIBUTES: &[(&str, &[&str])] = &[
    ("a", &["href", "hreflang", "class"]),
    ("abbr", &["title"]),
    ("code", &["class"]),
    ("del", &["datetime"]),
    ("img", &["src", "alt", "width", "height"]),
    ("ins", &["datetime"]),
    ("ol", &["start"]),
    ("td", &["align", "colspan", "rowspan"]),
    ("th", &["align", "colspan", "rowspan", "scope"]),
];

/// Classes kept on links: microformats2 mentions.
const LINK_CLASSES: &[&str] = &["u-mention", "mention"];

/// The compiled policy, built once on first use.
static POLICY: LazyLock<Builder<'static>> = LazyLock::new(|| policy(filter_attribute));

/// An attribute rule of the policy (see [`filter_attribute`]).
type AttributeRule = for<'v> fn(&str, &str, &'v str) -> Option<Cow<'v, str>>;

/// The policy's builder, with `attribute_rule` deciding attributes by their value.
fn policy(attribute_rule: AttributeRule) -> Builder<'static> {
    let mut builder = Builder::empty();
    builder
        .tags(ALLOWED_TAGS.iter().copied().collect())
        .clean_content_tags(DROPPED_WITH_CONTENT.iter().copied().collect())
        .generic_attributes(["lang", "title"].into_iter().collect())
        .tag_attributes(
            ALLOWED_TAG_ATTRIBUTES
                .iter()
                .map(|(tag, attributes)| (*tag, attributes.iter().copied().collect()))
                .collect::<HashMap<&str, HashSet<&str>>>(),
        )
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .url_relative(UrlRelative::PassThrough)
        .link_rel(Some(LINK_REL))
        .strip_comments(true)
        .attribute_filter(attribute_rule);
    builder
}

/// Sanitises untrusted HTML with the project's one policy (see the module
/// documentation) and returns HTML that is safe to embed in a page.
///
/// Never fails: anything the policy does not understand is removed.
pub fn clean_html(untrusted_html: &str) -> String {
    POLICY.clean(untrusted_html).to_string()
}

/// [`clean_html`] for HTML published at `base` (a feed entry, a Webmention source): relative
/// URLs are made absolute against `base` in the same pass, so links and images point where their
/// author meant, not at this site. A relative image is kept then, since it resolves to the
/// author's site. A `base` that is not http(s) resolves nothing ([`clean_html`] as it is).
///
/// One pass rather than "make absolute, then sanitise": parsing the HTML is most of the cost of
/// reading a feed, and the planet reads many. The resolving builder is made once per thread and
/// only its base changes, because building the policy costs about as much as cleaning an entry.
pub fn clean_html_at(untrusted_html: &str, base: &url::Url) -> String {
    if !matches!(base.scheme(), "http" | "https") {
        return clean_html(untrusted_html);
    }
    thread_local! {
        static RESOLVING: std::cell::RefCell<Builder<'static>> =
            std::cell::RefCell::new(policy(filter_attribute_resolving));
    }
    RESOLVING.with(|builder| {
        let mut builder = builder.borrow_mut();
        builder.url_relative(UrlRelative::RewriteWithBase(base.clone()));
        builder.clean(untrusted_html).to_string()
    })
}

/// [`filter_attribute`], letting relative image URLs through to be resolved against the base.
fn filter_attribute_resolving<'v>(
    element: &str,
    attribute: &str,
    value: &'v str,
) -> Option<Cow<'v, str>> {
    let relative = || {
        matches!(
            url::Url::parse(value),
            Err(url::ParseError::RelativeUrlWithoutBase)
        )
    };
    if (element, attribute) == ("img", "src") && relative() {
        return Some(Cow::Borrowed(value));
    }
    filter_attribute(element, attribute, value)
}

/// The attribute rules that depend on the value, not only the name.
///
/// Ammonia calls this for attributes that passed the name allow-list, before it
/// checks URL schemes; returning `None` drops the attribute.
fn filter_attribute<'v>(element: &str, attribute: &str, value: &'v str) -> Option<Cow<'v, str>> {
    match (element, attribute) {
        ("img", "src") => is_absolute_http_url(value).then_some(Cow::Borrowed(value)),
        ("code", "class") => keep_classes(value, |class| {
            class.strip_prefix("language-").is_some_and(|language| {
                !language.is_empty() && language.chars().all(is_language_char)
            })
        }),
        ("a", "class") => keep_classes(value, |class| LINK_CLASSES.contains(&class)),
        _ => Some(Cow::Borrowed(value)),
    }
}

/// Keeps the classes of a `class` attribute that `keep` accepts; drops the
/// attribute when none is left.
fn keep_classes<'v>(value: &'v str, keep: impl Fn(&str) -> bool) -> Option<Cow<'v, str>> {
    let kept: Vec<&str> = value
        .split_ascii_whitespace()
        .filter(|class| keep(class))
        .collect();
    if kept.is_empty() {
        None
    } else {
        Some(Cow::Owned(kept.join(" ")))
    }
}

/// Characters allowed in a code language name (`rust`, `c++`, `objective-c`, `c#`).
fn is_language_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '#' | '.')
}

/// Whether a URL is absolute and uses `http` or `https`.
fn is_absolute_http_url(value: &str) -> bool {
    let value = value.trim_start();
    let lowercase_start: String = value
        .chars()
        .take(8)
        .collect::<String>()
        .to_ascii_lowercase();
    lowercase_start.starts_with("http://") || lowercase_start.starts_with("https://")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_formatting_and_text() {
        let html = clean_html("<p>Hello <strong>badge</strong> <em>earners</em></p>");
        assert_eq!(html, "<p>Hello <strong>badge</strong> <em>earners</em></p>");
    }

    #[test]
    fn removes_script_with_its_content_but_keeps_the_text_around_it() {
        let html = clean_html("before<script>alert(1)</script>after");
        assert_eq!(html, "beforeafter");
    }

    #[test]
    fn links_get_the_user_content_rel() {
        let html = clean_html(r#"<a href="https://example.org/" rel="author">x</a>"#);
        assert_eq!(
            html,
            r#"<a href="https://example.org/" rel="nofollow ugc noopener noreferrer">x</a>"#
        );
    }

    #[test]
    fn relative_links_are_kept() {
        let html = clean_html(r#"<a href="/t/42">topic</a>"#);
        assert!(html.contains(r#"href="/t/42""#), "{html}");
    }

    #[test]
    fn javascript_and_data_links_lose_their_href() {
        for url in [
            "javascript:alert(1)",
            "jav&#x09;ascript:alert(1)",
            "data:text/html,x",
            "vbscript:x",
        ] {
            let html = clean_html(&format!(r#"<a href="{url}">x</a>"#));
            assert!(!html.contains("href"), "{url} gave {html}");
        }
    }

    #[test]
    fn images_need_an_absolute_http_source() {
        assert!(clean_html(r#"<img src="https://example.org/a.png">"#).contains("src="));
        assert!(!clean_html(r#"<img src="/logout">"#).contains("src="));
        assert!(!clean_html(r#"<img src="mailto:a@example.org">"#).contains("src="));
        assert!(!clean_html(r#"<img src="data:image/png;base64,AAAA">"#).contains("src="));
    }

    #[test]
    fn only_language_classes_on_code_and_mention_classes_on_links() {
        let html = clean_html(r#"<code class="language-rust admin-badge">x</code>"#);
        assert_eq!(html, r#"<code class="language-rust">x</code>"#);
        let html = clean_html(r#"<a class="u-mention notice" href="/u/ann">@ann</a>"#);
        assert!(html.contains(r#"class="u-mention""#), "{html}");
        assert!(!html.contains("notice"), "{html}");
        let html = clean_html(r#"<p class="notice">x</p>"#);
        assert_eq!(html, "<p>x</p>");
    }

    #[test]
    fn style_attributes_and_event_handlers_are_removed() {
        let html = clean_html(r#"<p style="position:fixed" onclick="x()" id="main">x</p>"#);
        assert_eq!(html, "<p>x</p>");
    }
}
