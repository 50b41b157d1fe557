//! Our h-entry / h-card / h-feed parsing checked against the microformats
//! test suite (CC0), whose h-entry, h-card and h-feed cases are copied into
//! `tests/fixtures/microformats-tests/` (one `.html` fragment and the expected
//! `.json` per case, base URL `http://example.com/`).
//!
//! Two checks per case:
//!
//! 1. the `microformats` crate's mf2 JSON for the fragment equals the
//!    suite's expected `items` (after normalising whitespace in strings and
//!    dropping `lang`, which the suite does not always state), for every
//!    case not listed in [`KNOWN_DIFFERENCES`];
//! 2. where the fragment holds an h-entry or h-feed, [`syndication::feeds::parse`]
//!    reads the same entries (URL, name/title, published, author name)
//!    out of it as the suite's expected JSON says.

use std::path::PathBuf;

use serde_json::Value;

const BASE: &str = "http://example.com/";

fn suite_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/microformats-tests")
}

fn cases(kind: &str) -> Vec<(String, String, Value)> {
    let dir = suite_dir().join(kind);
    let mut out = Vec::new();
    let entries =
        std::fs::read_dir(&dir).unwrap_or_else(|error| panic!("{}: {error}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let html = std::fs::read_to_string(path.with_extension("html")).unwrap_or_default();
        let json: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_default())
            .unwrap_or(Value::Null);
        let name = format!(
            "{kind}/{}",
            path.file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
        );
        out.push((name, html, json));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Cases where the `microformats` crate (0.19) differs from the suite, and
/// why. Each is checked to still differ, so the list stays honest.
///
/// - `h-entry/encoding`: the crate writes text nodes into `content.html`
///   without escaping `<` and `&` (`x<y AT&T <b>NotBold</b>` instead of
///   `x&lt;y AT&amp;T &lt;b&gt;NotBold&lt;/b&gt;`). For the planet this is
///   safe — the HTML still goes through the sanitiser, so escaped markup in
///   the source can at worst become harmless allowed markup or be removed —
///   but text that shows code (`&lt;b&gt;`) is not shown as written.
const KNOWN_DIFFERENCES: &[&str] = &["h-entry/encoding"];

/// Normalises what the suite leaves open: whitespace inside strings, the
/// `lang` key, and URL spelling (`http://example.com` and
/// `http://example.com/` are the same URL; the crate writes the latter).
fn normalise(value: &Value) -> Value {
    match value {
        Value::String(text) => {
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let text = if text.starts_with("http://") || text.starts_with("https://") {
                url::Url::parse(&text).map(String::from).unwrap_or(text)
            } else {
                text
            };
            Value::String(text)
        }
        Value::Array(items) => Value::Array(items.iter().map(normalise).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(key, _)| key.as_str() != "lang")
                .map(|(key, value)| (key.clone(), normalise(value)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn base() -> url::Url {
    url::Url::parse(BASE).unwrap_or_else(|error| panic!("{error}"))
}

#[test]
fn the_parser_matches_the_suite_for_h_entry_h_card_and_h_feed() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for kind in ["h-entry", "h-card", "h-feed"] {
        for (name, html, expected) in cases(kind) {
            let got = match microformats::from_html(&html, &base()) {
                Ok(document) => serde_json::to_value(&document).unwrap_or(Value::Null),
                Err(error) => {
                    failures.push(format!("{name}: parse error {error}"));
                    continue;
                }
            };
            let same = normalise(&got["items"]) == normalise(&expected["items"]);
            let known = KNOWN_DIFFERENCES.contains(&name.as_str());
            if same == known {
                failures.push(format!(
                    "{name}: {}\n  got  {}\n  want {}",
                    if known {
                        "listed as a known difference but now matches"
                    } else {
                        "differs"
                    },
                    normalise(&got["items"]),
                    normalise(&expected["items"])
                ));
            }
            checked += 1;
        }
    }
    assert!(
        checked >= 25,
        "only {checked} cases found in {}",
        suite_dir().display()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The h-entries a case's expected JSON holds: the children of its first
/// h-feed, else its top-level h-entries (the same rule as `feeds`).
fn expected_entries(expected: &Value) -> Vec<Value> {
    let items = expected["items"].as_array().cloned().unwrap_or_default();
    let has = |item: &Value, kind: &str| {
        item["type"]
            .as_array()
            .is_some_and(|types| types.iter().any(|t| t == kind))
    };
    if let Some(feed) = items.iter().find(|item| has(item, "h-feed")) {
        return feed["children"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|c| has(c, "h-entry"))
            .collect();
    }
    items
        .into_iter()
        .filter(|item| has(item, "h-entry"))
        .collect()
}

fn first_url(item: &Value, property: &str) -> Option<String> {
    let value = item["properties"][property].get(0)?;
    let text = if value.get("type").is_some() {
        value["properties"]["url"]
            .get(0)
            .and_then(Value::as_str)
            .or(value["value"].as_str())
    } else {
        value.as_str().or(value["value"].as_str())
    }?;
    url::Url::parse(text.trim()).ok().map(String::from)
}

#[test]
fn feeds_reads_the_suites_h_entries() {
    let mut checked = 0;
    for kind in ["h-entry", "h-feed"] {
        for (name, html, expected) in cases(kind) {
            let want = expected_entries(&expected);
            if want.is_empty() {
                continue;
            }
            let feed = syndication::feeds::parse(html.as_bytes(), Some("text/html"), BASE)
                .unwrap_or_else(|error| panic!("{name}: {error}"));
            assert_eq!(feed.entries.len(), want.len(), "{name}");
            for (got, want) in feed.entries.iter().zip(&want) {
                assert_eq!(got.url, first_url(want, "url"), "{name}: url");
                let reply = first_url(want, "in-reply-to");
                assert_eq!(
                    got.in_reply_to.first().cloned(),
                    reply,
                    "{name}: in-reply-to"
                );
                let author = &want["properties"]["author"][0];
                let author_name = author["properties"]["name"][0].as_str().or(author.as_str());
                if let Some(author_name) = author_name {
                    assert_eq!(
                        got.author.as_ref().and_then(|a| a.name.as_deref()),
                        Some(author_name.trim()),
                        "{name}: author"
                    );
                }
                if let Some(published) = want["properties"]["published"][0].as_str() {
                    assert!(
                        got.published.is_some(),
                        "{name}: published {published} not read"
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 8, "only {checked} entries checked");
}
