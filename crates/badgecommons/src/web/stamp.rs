//! Timestamps as pages show them: a machine-readable ISO 8601 form for `<time datetime>` and
//! microformats, and a short human form.

use chrono::{DateTime, Utc};

/// A moment, stored as Unix milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Stamp(pub i64);

impl Stamp {
    pub fn datetime(self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.0).unwrap_or_default()
    }

    /// `2026-11-27T10:00:00Z`
    pub fn iso(&self) -> String {
        self.datetime()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }

    /// `27 Nov 2026, 10:00 UTC`
    pub fn human(&self) -> String {
        self.datetime().format("%-d %b %Y, %H:%M UTC").to_string()
    }
}
