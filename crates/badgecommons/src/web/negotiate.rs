//! Content negotiation: which of the representations a route offers the `Accept` header prefers.
//!
//! One rule for every route that serves HTML to people and JSON to programs (badge classes,
//! credentials, the issuer, Webmention status pages). The choice RFC 9110 leaves open is how to
//! break ties; like Apache's negotiation, a more specific match wins over a wildcard at the same
//! quality (so `application/json, */*` gets JSON, and a browser's `text/html, …, */*;q=0.8` gets
//! HTML), and the route's own order of preference breaks what is left. A missing or unreadable
//! header, or one that refuses everything offered, gets the route's first representation.

use axum::http::{header, HeaderMap};

/// The media type in `offered` that the request's `Accept` header prefers; `offered[0]` when the
/// header says nothing usable. `offered` lists the route's types, its favourite first.
pub fn preferred<'a>(headers: &HeaderMap, offered: &[&'a str]) -> &'a str {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let ranges: Vec<(String, f32)> = accept.split(',').filter_map(media_range).collect();
    let mut best: Option<(f32, u8, &'a str)> = None;
    for &media in offered {
        let Some((q, specificity)) = quality(&ranges, media) else {
            continue;
        };
        if q <= 0.0 {
            continue;
        }
        // Strictly better only: an earlier (preferred) type keeps a tie.
        if best.is_none_or(|(bq, bs, _)| (q, specificity) > (bq, bs)) {
            best = Some((q, specificity, media));
        }
    }
    best.map_or_else(|| offered.first().copied().unwrap_or(""), |(_, _, m)| m)
}

/// One `Accept` item as (lower-case media range, q).
fn media_range(item: &str) -> Option<(String, f32)> {
    let mut parts = item.split(';').map(str::trim);
    let media = parts.next().filter(|m| !m.is_empty())?.to_ascii_lowercase();
    let q = parts
        .find_map(|p| p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")))
        .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
    Some((media, q.clamp(0.0, 1.0)))
}

/// The q of the most specific range matching `media`, with that specificity (2 exact, 1
/// `type/*`, 0 `*/*`); no header at all counts as `*/*`.
fn quality(ranges: &[(String, f32)], media: &str) -> Option<(f32, u8)> {
    if ranges.is_empty() {
        return Some((1.0, 0));
    }
    let main_type = media.split('/').next().unwrap_or(media);
    ranges
        .iter()
        .filter_map(|(range, q)| {
            let specificity = if range == media {
                2
            } else if range.strip_suffix("/*") == Some(main_type) {
                1
            } else if range == "*/*" {
                0
            } else {
                return None;
            };
            Some((specificity, *q))
        })
        .max_by_key(|(specificity, _)| *specificity)
        .map(|(specificity, q)| (q, specificity))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    const OFFERED: &[&str] = &["text/html", "application/ld+json", "application/json"];

    fn pick(accept: &str) -> &'static str {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_str(accept).expect("header"),
        );
        preferred(&headers, OFFERED)
    }

    #[test]
    fn browsers_get_html_and_programs_get_json() {
        assert_eq!(
            pick("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
            "text/html"
        );
        assert_eq!(pick("application/ld+json"), "application/ld+json");
        assert_eq!(pick("application/json"), "application/json");
        assert_eq!(pick("application/json, */*"), "application/json");
        assert_eq!(
            pick("application/ld+json, application/json;q=0.9, */*;q=0.1"),
            "application/ld+json"
        );
    }

    #[test]
    fn quality_values_decide_and_zero_refuses() {
        assert_eq!(pick("text/html, application/json;q=0.5"), "text/html");
        assert_eq!(
            pick("text/html;q=0.4, application/json;q=0.5"),
            "application/json"
        );
        assert_eq!(pick("application/json;q=0"), "text/html");
        assert_eq!(pick("application/*"), "application/ld+json");
    }

    #[test]
    fn nothing_usable_gets_the_first_offered() {
        assert_eq!(preferred(&HeaderMap::new(), OFFERED), "text/html");
        assert_eq!(pick("*/*"), "text/html");
        assert_eq!(pick("image/png"), "text/html");
        assert_eq!(pick(";;, q=x"), "text/html");
    }
}
