//! When to poll a feed next: the adaptive interval, the server's own hints, and backoff.
//!
//! Choices, each with its reason:
//!
//! - **Never more often than every 15 minutes** ([`MIN_INTERVAL_MS`]), whatever the headers say:
//!   `Cache-Control`, `Expires`, `Retry-After` and RSS `<ttl>` may ask us to wait *longer*, never
//!   to come sooner. A planet is not a chat; this is also what Planet Venus and most readers do.
//! - **Adaptive interval**: a poll that brings something new (a new or changed entry) sets the
//!   interval back to 15 minutes; each poll that brings nothing (a 304, or the same entries)
//!   doubles it, up to a day ([`MAX_INTERVAL_MS`], also Miniflux's default ceiling). A quiet blog
//!   is then read a few times a day, an active one every quarter of an hour.
//! - **Hints** are capped at a day too: a feed that says `max-age` of a year is still read daily,
//!   so its status stays current. `Cache-Control: max-age` wins over `Expires`, as HTTP says;
//!   `Retry-After` (seconds or a date) counts on 429 and 503 answers, where it is defined.
//! - **Errors** back off exponentially: 15 minutes after the first, doubling with each further
//!   failure in a row, up to a day; a `Retry-After` may push it further (up to a day).
//! - **WebSub**: while a hub pushes the feed, it is polled once a day as a safety net
//!   ([`SUBSCRIBED_INTERVAL_MS`]).

use chrono::DateTime;

use crate::store::DAY_MS;

/// The shortest time between two polls of a feed.
pub(crate) const MIN_INTERVAL_MS: i64 = 15 * 60 * 1000;
/// The longest: a quiet feed, a failing feed, or a hint of a longer wait.
pub(crate) const MAX_INTERVAL_MS: i64 = DAY_MS;
/// The safety-net interval while a WebSub hub pushes the feed.
pub(crate) const SUBSCRIBED_INTERVAL_MS: i64 = DAY_MS;

/// The earliest time (Unix ms) the server asks us to come back, from the response's headers
/// (names in lower case) and the feed's `<ttl>`; `None` if it says nothing usable.
pub(crate) fn server_hint(
    status: u16,
    headers: &[(String, String)],
    ttl_minutes: Option<u32>,
    now: i64,
) -> Option<i64> {
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim())
    };
    let mut hints = Vec::new();
    let max_age = header("cache-control").and_then(max_age_seconds);
    match max_age {
        Some(seconds) => hints.push(now.saturating_add(seconds.saturating_mul(1000))),
        None => {
            if let Some(at) = header("expires").and_then(http_date) {
                hints.push(at);
            }
        }
    }
    if matches!(status, 429 | 503) {
        if let Some(value) = header("retry-after") {
            if let Ok(seconds) = value.parse::<i64>() {
                hints.push(now.saturating_add(seconds.max(0).saturating_mul(1000)));
            } else if let Some(at) = http_date(value) {
                hints.push(at);
            }
        }
    }
    if let Some(minutes) = ttl_minutes {
        hints.push(now.saturating_add(i64::from(minutes) * 60 * 1000));
    }
    hints.into_iter().max().filter(|&at| at > now)
}

/// `max-age` (or `s-maxage`, a shared cache's, which is what a planet is) of a `Cache-Control`.
fn max_age_seconds(value: &str) -> Option<i64> {
    value
        .split(',')
        .filter_map(|directive| directive.trim().split_once('='))
        .filter(|(name, _)| {
            name.trim().eq_ignore_ascii_case("max-age")
                || name.trim().eq_ignore_ascii_case("s-maxage")
        })
        .filter_map(|(_, seconds)| seconds.trim().trim_matches('"').parse::<i64>().ok())
        .map(|seconds| seconds.max(0))
        .max()
}

/// An HTTP date (RFC 9110 IMF-fixdate, which RFC 2822 parsing reads) as Unix ms.
fn http_date(value: &str) -> Option<i64> {
    DateTime::parse_from_rfc2822(value)
        .ok()
        .map(|at| at.timestamp_millis())
}

/// After a successful poll: the next poll time and the interval to keep.
pub(crate) fn after_success(
    now: i64,
    interval_ms: i64,
    brought_something: bool,
    hint: Option<i64>,
) -> (i64, i64) {
    let interval = if brought_something {
        MIN_INTERVAL_MS
    } else {
        interval_ms
            .clamp(MIN_INTERVAL_MS, MAX_INTERVAL_MS)
            .saturating_mul(2)
            .min(MAX_INTERVAL_MS)
    };
    (later_of(now, now + interval, hint), interval)
}

/// After the `failures`-th failure in a row: when to try again.
pub(crate) fn after_error(now: i64, failures: i64, hint: Option<i64>) -> i64 {
    let doublings = u32::try_from(failures.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    let backoff = MIN_INTERVAL_MS
        .saturating_mul(1_i64 << doublings)
        .min(MAX_INTERVAL_MS);
    later_of(now, now + backoff, hint)
}

/// `planned`, or the server's hint when that is later, but never more than a day ahead.
fn later_of(now: i64, planned: i64, hint: Option<i64>) -> i64 {
    match hint {
        Some(at) if at > planned => at.min(now + MAX_INTERVAL_MS),
        _ => planned,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000_000;
    const MINUTE: i64 = 60_000;

    fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn hints_ask_for_longer_waits_and_max_age_beats_expires() {
        let two_hours = server_hint(
            200,
            &headers(&[
                ("cache-control", "public, max-age=7200"),
                ("expires", "Thu, 01 Jan 2037 00:00:00 GMT"),
            ]),
            None,
            NOW,
        );
        assert_eq!(two_hours, Some(NOW + 120 * MINUTE));
        let expires = server_hint(
            200,
            &headers(&[("expires", "Tue, 14 Nov 2023 23:13:20 GMT")]),
            None,
            NOW,
        );
        assert_eq!(expires, Some(NOW + 60 * MINUTE));
        assert_eq!(
            server_hint(200, &[], Some(90), NOW),
            Some(NOW + 90 * MINUTE)
        );
        assert_eq!(
            server_hint(200, &headers(&[("retry-after", "600")]), None, NOW),
            None,
            "Retry-After only counts on 429/503"
        );
        assert_eq!(
            server_hint(503, &headers(&[("retry-after", "600")]), None, NOW),
            Some(NOW + 10 * MINUTE)
        );
        assert_eq!(
            server_hint(200, &headers(&[("cache-control", "no-cache")]), None, NOW),
            None
        );
    }

    #[test]
    fn quiet_feeds_slow_down_to_a_day_and_news_brings_them_back() {
        let (next, interval) = after_success(NOW, MIN_INTERVAL_MS, false, None);
        assert_eq!(interval, 30 * MINUTE);
        assert_eq!(next, NOW + 30 * MINUTE);
        let (_, interval) = after_success(NOW, 16 * 60 * MINUTE, false, None);
        assert_eq!(interval, MAX_INTERVAL_MS);
        let (next, interval) = after_success(NOW, MAX_INTERVAL_MS, true, None);
        assert_eq!((next, interval), (NOW + 15 * MINUTE, MIN_INTERVAL_MS));
        // A hint never shortens the wait below the interval, and never beyond a day.
        let (next, _) = after_success(NOW, MIN_INTERVAL_MS, true, Some(NOW + MINUTE));
        assert_eq!(next, NOW + 15 * MINUTE);
        let (next, _) = after_success(NOW, MIN_INTERVAL_MS, true, Some(NOW + 30 * DAY_MS));
        assert_eq!(next, NOW + DAY_MS);
    }

    #[test]
    fn errors_back_off_exponentially_up_to_a_day() {
        assert_eq!(after_error(NOW, 1, None), NOW + 15 * MINUTE);
        assert_eq!(after_error(NOW, 2, None), NOW + 30 * MINUTE);
        assert_eq!(after_error(NOW, 3, None), NOW + 60 * MINUTE);
        assert_eq!(after_error(NOW, 40, None), NOW + DAY_MS);
        assert_eq!(
            after_error(NOW, 1, Some(NOW + 120 * MINUTE)),
            NOW + 120 * MINUTE
        );
    }
}
