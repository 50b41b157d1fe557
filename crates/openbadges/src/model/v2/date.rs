//! Open Badges 2.0 dates: ISO 8601 strings or Unix timestamps.

use serde::{Deserialize, Serialize};
use time::format_description::well_known::{Iso8601, Rfc3339};
use time::{Date, OffsetDateTime, PrimitiveDateTime};

use crate::model::common::truncate;
use crate::model::ModelError;

/// A date as Open Badges 2.0 writes it in `issuedOn` and `expires`: an ISO 8601 string
/// (`"2016-12-31T23:59:59Z"`, `"2016-12-31T23:59:59+00:00"`) or, as the specification also
/// allows, a Unix timestamp in seconds (`1483228799`, sometimes as a string of digits).
///
/// The raw value is kept (so the document round-trips); [`DateValue::unix_seconds`] interprets
/// it.
///
/// ```
/// use openbadges::model::v2::DateValue;
/// let iso: DateValue = serde_json::from_str(r#""2016-12-31T23:59:59Z""#).unwrap();
/// let unix: DateValue = serde_json::from_str("1483228799").unwrap();
/// assert_eq!(iso.unix_seconds().unwrap(), 1_483_228_799);
/// assert_eq!(unix.unix_seconds().unwrap(), 1_483_228_799);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DateValue {
    /// A Unix timestamp in seconds.
    Timestamp(i64),
    /// A JSON number that is not an integer (fractional seconds).
    Fractional(f64),
    /// A string: ISO 8601 / RFC 3339, or digits of a Unix timestamp.
    Text(String),
}

impl DateValue {
    /// Seconds since 1970-01-01T00:00:00Z.
    ///
    /// Accepts RFC 3339 date-times, ISO 8601 date-times with or without an offset (none means
    /// UTC, as 2.0 validators assume), plain dates (`2016-12-31`, midnight UTC), and Unix
    /// timestamps as numbers or digit strings.
    ///
    /// # Errors
    /// [`ModelError::Date`] with the reason when the value is none of those.
    pub fn unix_seconds(&self) -> Result<i64, ModelError> {
        match self {
            DateValue::Timestamp(t) => Ok(*t),
            DateValue::Fractional(f) => {
                if f.is_finite() && f.abs() < 1e15 {
                    // Truncation towards zero is intended: timestamps are compared to the second.
                    #[allow(clippy::cast_possible_truncation)]
                    Ok(f.trunc() as i64)
                } else {
                    Err(ModelError::Date {
                        value: f.to_string(),
                        reason: "timestamp out of range".to_owned(),
                    })
                }
            }
            DateValue::Text(s) => parse_date_text(s),
        }
    }

    /// The date as an [`OffsetDateTime`] in UTC.
    ///
    /// # Errors
    /// As [`DateValue::unix_seconds`], or when the instant is outside what `time` represents.
    pub fn to_offset_date_time(&self) -> Result<OffsetDateTime, ModelError> {
        let secs = self.unix_seconds()?;
        OffsetDateTime::from_unix_timestamp(secs).map_err(|e| ModelError::Date {
            value: secs.to_string(),
            reason: e.to_string(),
        })
    }
}

/// Parses an ISO 8601 / RFC 3339 date(-time) string, or a digit string, into Unix seconds.
///
/// # Errors
/// [`ModelError::Date`] when the text is not a date this crate understands.
pub fn parse_date_text(s: &str) -> Result<i64, ModelError> {
    let t = s.trim();
    if !t.is_empty() && t.len() <= 16 && t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse::<i64>().map_err(|e| ModelError::Date {
            value: truncate(s),
            reason: e.to_string(),
        });
    }
    if let Ok(dt) = OffsetDateTime::parse(t, &Rfc3339) {
        return Ok(dt.unix_timestamp());
    }
    if let Ok(dt) = OffsetDateTime::parse(t, &Iso8601::DEFAULT) {
        return Ok(dt.unix_timestamp());
    }
    if let Ok(dt) = PrimitiveDateTime::parse(t, &Iso8601::DEFAULT) {
        return Ok(dt.assume_utc().unix_timestamp());
    }
    if let Ok(d) = Date::parse(t, &Iso8601::DEFAULT) {
        return Ok(d.midnight().assume_utc().unix_timestamp());
    }
    Err(ModelError::Date {
        value: truncate(s),
        reason: "not an ISO 8601 date-time (e.g. 2016-12-31T23:59:59Z) or a Unix timestamp"
            .to_owned(),
    })
}
