//! Every XSS vector in `xss_vectors.txt` must come out harmless, both when a
//! member writes it in a post (Markdown) and when it arrives as HTML (a feed
//! entry, a Webmention source).
//!
//! "Harmless" is checked by reading the output with a small, strict scanner
//! that states the policy independently of the sanitiser: every tag must be on
//! an allow-list, every attribute must be allowed on its tag, URL attributes
//! must use a safe scheme and classes must be the few the policy keeps. The
//! sanitiser re-serialises its output, so text never contains a raw `<` and
//! attributes are always written `name="value"`; anything else the scanner
//! meets is a failure too.
//!
//! The test can fail: if `clean_html` were the identity function, the very
//! first vector (`<script>alert(1)</script>`) would be reported, and
//! `the_scanner_rejects_the_raw_vectors` below checks that the scanner indeed
//! rejects most of the corpus when it is not sanitised.
//!
//! The corpus has one vector per line. A line is tested as written and, when
//! it contains the two-character sequences `\n` or `\t`, once more with those
//! turned into a newline or tab (so multi-line Markdown fits on one line).

use syndication::markdown;
use syndication::sanitize::clean_html;

const CORPUS: &str = include_str!("xss_vectors.txt");

/// Tags the policy may let through.
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

/// Attributes allowed on any tag.
const GENERIC_ATTRIBUTES: &[&str] = &["lang", "title"];

/// Attributes allowed on particular tags.
const TAG_ATTRIBUTES: &[(&str, &[&str])] = &[
    ("a", &["href", "hreflang", "class", "rel"]),
    ("code", &["class"]),
    ("del", &["datetime"]),
    ("img", &["src", "alt", "width", "height"]),
    ("ins", &["datetime"]),
    ("ol", &["start"]),
    ("td", &["align", "colspan", "rowspan"]),
    ("th", &["align", "colspan", "rowspan", "scope"]),
];

/// The vectors of the corpus, with the escaped variants added.
fn vectors() -> Vec<String> {
    let mut vectors = Vec::new();
    for line in CORPUS.lines().filter(|line| !line.trim().is_empty()) {
        vectors.push(line.to_owned());
        let unescaped = line.replace("\\n", "\n").replace("\\t", "\t");
        if unescaped != line {
            vectors.push(unescaped);
        }
    }
    vectors
}

#[test]
fn the_corpus_is_big_enough() {
    let lines = CORPUS
        .lines()
        .filter(|line| !line.trim().is_empty())
        .count();
    assert!(lines >= 100, "only {lines} vectors");
}

#[test]
fn no_vector_survives_markdown_rendering() {
    let failures: Vec<String> = vectors()
        .iter()
        .filter_map(|vector| {
            let rendered = markdown::render(vector, "/u/");
            check_html(&rendered.html)
                .err()
                .map(|problem| format!("{vector:?}\n  gave {:?}\n  {problem}", rendered.html))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "unsafe output:\n{}",
        failures.join("\n")
    );
}

#[test]
fn no_vector_survives_html_sanitising() {
    let failures: Vec<String> = vectors()
        .iter()
        .filter_map(|vector| {
            let html = clean_html(vector);
            check_html(&html)
                .err()
                .map(|problem| format!("{vector:?}\n  gave {html:?}\n  {problem}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "unsafe output:\n{}",
        failures.join("\n")
    );
}

#[test]
fn the_scanner_rejects_the_raw_vectors() {
    let rejected = vectors()
        .iter()
        .filter(|vector| check_html(vector).is_err())
        .count();
    assert!(
        rejected >= 100,
        "the scanner only rejects {rejected} raw vectors"
    );
}

#[test]
fn the_scanner_accepts_ordinary_safe_html() {
    let post = "# Hi\n\nSee [the badge](https://example.org/b?x=1&y=2) by @ann, \
                `code`, ![logo](https://example.org/l.png \"Logo\")\n\n\
                ```rust\nlet a = 1 < 2;\n```\n\n| a | b |\n|:-:|--|\n| 1 | 2 |\n";
    let html = markdown::render(post, "/u/").html;
    assert_eq!(check_html(&html), Ok(()), "{html}");
}

#[test]
fn the_scanner_rejects_known_bad_html() {
    for bad in [
        "<script>alert(1)</script>",
        r#"<img src="x" onerror="alert(1)">"#,
        r#"<a href="javascript:alert(1)">x</a>"#,
        "<a href=\" JaVa\tscript:alert(1)\">x</a>",
        r#"<blockquote cite="javascript:alert(1)">x</blockquote>"#,
        r#"<img src="/logout">"#,
        r#"<p style="color:red">x</p>"#,
        r#"<p class="notice">x</p>"#,
        "<!-- x -->",
        "<svg>",
    ] {
        assert!(check_html(bad).is_err(), "accepted {bad}");
    }
}

/// Scans sanitiser output and reports the first thing the policy forbids.
fn check_html(html: &str) -> Result<(), String> {
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        let closing = rest.starts_with('/');
        if closing {
            rest = &rest[1..];
        }
        let (tag, after_name) = split_name(rest);
        if tag.is_empty() {
            return Err(format!(
                "`<` that does not start a tag: {:?}",
                excerpt(rest)
            ));
        }
        if !ALLOWED_TAGS.contains(&tag) {
            return Err(format!("forbidden tag <{tag}>"));
        }
        rest = after_name;
        if closing {
            rest = rest
                .strip_prefix('>')
                .ok_or_else(|| format!("malformed end tag </{tag}"))?;
            continue;
        }
        loop {
            rest = rest.trim_start_matches(' ');
            if let Some(after_tag) = rest.strip_prefix('>') {
                rest = after_tag;
                break;
            }
            let (attribute, after_attribute) = split_name(rest);
            if attribute.is_empty() {
                return Err(format!(
                    "malformed attribute in <{tag}>: {:?}",
                    excerpt(rest)
                ));
            }
            let quoted = after_attribute
                .strip_prefix("=\"")
                .ok_or_else(|| format!("unquoted attribute {attribute} in <{tag}>"))?;
            let end = quoted
                .find('"')
                .ok_or_else(|| format!("unterminated attribute {attribute} in <{tag}>"))?;
            check_attribute(tag, attribute, &decode(&quoted[..end]))?;
            rest = &quoted[end + 1..];
        }
    }
    Ok(())
}

/// Splits a leading tag or attribute name (letters, digits, `-`, `:`) off `text`.
fn split_name(text: &str) -> (&str, &str) {
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == ':'))
        .unwrap_or(text.len());
    text.split_at(end)
}

fn check_attribute(tag: &str, attribute: &str, value: &str) -> Result<(), String> {
    let allowed_on_tag = TAG_ATTRIBUTES
        .iter()
        .find(|(allowed_tag, _)| *allowed_tag == tag)
        .is_some_and(|(_, attributes)| attributes.contains(&attribute));
    if !(allowed_on_tag || GENERIC_ATTRIBUTES.contains(&attribute)) {
        return Err(format!("forbidden attribute {attribute} on <{tag}>"));
    }
    let normalised: String = value
        .chars()
        .filter(|c| !(c.is_ascii_whitespace() || c.is_control()))
        .collect::<String>()
        .to_ascii_lowercase();
    match (tag, attribute) {
        ("img", "src")
            if !(normalised.starts_with("http://") || normalised.starts_with("https://")) =>
        {
            Err(format!(
                "image source {value:?} is not an absolute http(s) URL"
            ))
        }
        (_, "href") => match url_scheme(&normalised) {
            Some(scheme) if !["http", "https", "mailto"].contains(&scheme) => {
                Err(format!("{attribute} with scheme {scheme:?}: {value:?}"))
            }
            _ => Ok(()),
        },
        ("a", "rel") if value != "nofollow ugc noopener noreferrer" => {
            Err(format!("link rel {value:?}"))
        }
        ("a", "class")
            if !value
                .split(' ')
                .all(|class| ["u-mention", "mention"].contains(&class)) =>
        {
            Err(format!("link class {value:?}"))
        }
        ("code", "class") if !value.split(' ').all(|class| class.starts_with("language-")) => {
            Err(format!("code class {value:?}"))
        }
        _ => Ok(()),
    }
}

/// The scheme of a URL, if it has one. As in the WHATWG URL parser, text
/// before the first `:` is a scheme only if it is a letter followed by
/// letters, digits, `+`, `-` or `.`; otherwise the URL is relative (a path),
/// which is harmless.
fn url_scheme(url: &str) -> Option<&str> {
    let colon = url.find(':')?;
    let scheme = &url[..colon];
    let mut chars = scheme.chars();
    let starts_with_letter = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let is_scheme = starts_with_letter
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    is_scheme.then_some(scheme)
}

/// Undoes the escaping the serialiser applies inside attribute values.
fn decode(value: &str) -> String {
    value
        .replace("&quot;", "\"")
        .replace("&nbsp;", "\u{a0}")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn excerpt(text: &str) -> String {
    text.chars().take(40).collect()
}
