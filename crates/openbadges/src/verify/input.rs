//! One entry point for every kind of input: [`verify_bytes`] (and [`verify_url`]).
//!
//! It tells what it was given and hands it to the right verifier:
//!
//! | input | verified as |
//! |---|---|
//! | a baked PNG or SVG | its payload, taken out with [`crate::bake::extract`], as below |
//! | Open Badges 2.0 JSON (hosted) | [`verify_ob2_hosted`](super::verify_ob2_hosted), from its `id` |
//! | Open Badges 3.0 JSON | the OB 3.0 verifier (Data Integrity proof) |
//! | a compact JWS / JWT | its payload is decoded *without being trusted* to choose: an OB 2.0 assertion → [`verify_ob2_signed`](super::verify_ob2_signed); a Verifiable Credential → the OB 3.0 VC-JWT verifier |
//! | an `http(s)://` URL | fetched, and what comes back is dispatched the same way (a hosted assertion, a baked image, JSON or a JWS) |
//!
//! Whatever the input, the answer is a [`Report`]: input that cannot be read gives a report of
//! format `unknown` with a failed `input` check saying what was seen. Nothing panics.
//!
//! ```
//! use openbadges::verify::{input::verify_bytes, Offline, Options, Status};
//!
//! let report = pollster::block_on(verify_bytes(b"GIF89a...", &Options::default(), &Offline::default()));
//! assert!(!report.valid);
//! assert_eq!(report.format, "unknown");
//! assert_eq!(report.get("input").unwrap().status, Status::Fail);
//! ```

use std::future::Future;
use std::pin::Pin;

use serde_json::Value;

use super::{ob2, Fetch, Options, Report, Status};
use crate::bake::{self, ImageFormat};
use crate::model::{detect, Detected};
use crate::proof::jws;

/// How many times a URL or baked payload may lead to another (an image whose payload is a URL
/// that serves an image...): enough for every real case, few enough that a loop ends.
const MAX_DEPTH: u8 = 3;

/// The `Accept` header for a URL whose content is not known yet.
const ACCEPT_ANY: &str =
    "application/ld+json, application/json;q=0.9, image/png;q=0.8, image/svg+xml;q=0.8, */*;q=0.1";

type ReportFuture<'a> = Pin<Box<dyn Future<Output = Report> + Send + 'a>>;

/// Verifies a badge given as bytes: a baked PNG or SVG, Open Badges 2.0 or 3.0 JSON, a compact
/// JWS or VC-JWT, or an http(s) URL as text (see the [module documentation](self)).
///
/// Never panics: unreadable input gives a report of format `unknown` with a failed `input`
/// check.
pub async fn verify_bytes(input: &[u8], options: &Options, fetch: &dyn Fetch) -> Report {
    dispatch_bytes(input, options, fetch, 0).await
}

/// Verifies whatever `url` serves: a hosted Open Badges 2.0 assertion (HTTP 410 meaning
/// revoked), a baked image, JSON or a JWS.
///
/// A URL that cannot be fetched gives a report of format `unknown` with a failed `input` check,
/// except that an answer of HTTP 410 Gone is taken as a revoked hosted assertion.
pub async fn verify_url(url: &str, options: &Options, fetch: &dyn Fetch) -> Report {
    dispatch_url(url, options, fetch, 0).await
}

fn unknown(message: impl Into<String>) -> Report {
    let mut report = Report::new("unknown");
    report.check("input", Status::Fail, message);
    report
}

/// A short, printable description of the first bytes of unrecognised input.
fn describe_start(input: &[u8]) -> String {
    let head = &input[..input.len().min(24)];
    match std::str::from_utf8(head) {
        Ok(text) if text.chars().all(|c| !c.is_control() || c.is_whitespace()) => {
            format!("text starting with {:?}", text.trim())
        }
        _ => format!(
            "bytes starting with {}",
            head.iter()
                .take(12)
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    }
}

fn dispatch_bytes<'a>(
    input: &'a [u8],
    options: &'a Options,
    fetch: &'a dyn Fetch,
    depth: u8,
) -> ReportFuture<'a> {
    Box::pin(async move {
        if input.iter().all(u8::is_ascii_whitespace) {
            return unknown("The input is empty: there is nothing to verify.");
        }
        let text = std::str::from_utf8(input)
            .ok()
            .map(|t| t.trim_start_matches('\u{feff}').trim());
        if let Some(text) = text {
            if text.starts_with('{')
                || text.starts_with('[')
                || is_http_url(text)
                || looks_like_jws(text)
            {
                return dispatch_text(text, options, fetch, depth).await;
            }
        }
        let png_start = !input.is_empty()
            && (input.starts_with(b"\x89PNG")
                || b"\x89PNG\r\n\x1a\n".starts_with(&input[..input.len().min(8)]));
        if png_start || ImageFormat::sniff(input).is_some() {
            return dispatch_image(input, options, fetch, depth).await;
        }
        unknown(format!(
            "The input is not a badge: not a PNG or SVG image, not JSON, not a JWS and not an http(s) URL ({}).",
            describe_start(input)
        ))
    })
}

fn dispatch_image<'a>(
    image: &'a [u8],
    options: &'a Options,
    fetch: &'a dyn Fetch,
    depth: u8,
) -> ReportFuture<'a> {
    Box::pin(async move {
        let format =
            ImageFormat::sniff(image).map_or_else(|| "image".to_owned(), |f| format!("{f} image"));
        let extracted = match bake::extract(image) {
            Ok(e) => e,
            Err(e) => return unknown(format!("No badge could be taken out of the {format}: {e}.")),
        };
        if depth >= MAX_DEPTH {
            return unknown(
                "The baked payload leads to yet another badge; giving up to avoid a loop.",
            );
        }
        let mut report = dispatch_text(&extracted.payload, options, fetch, depth + 1).await;
        report.checks.insert(
            0,
            super::Check {
                id: "baked".into(),
                status: Status::Pass,
                message: format!(
                    "An Open Badges {} payload was taken out of the {} image.",
                    extracted.version, extracted.format
                ),
            },
        );
        report
    })
}

fn dispatch_text<'a>(
    text: &'a str,
    options: &'a Options,
    fetch: &'a dyn Fetch,
    depth: u8,
) -> ReportFuture<'a> {
    Box::pin(async move {
        let text = text.trim();
        if text.starts_with('{') || text.starts_with('[') {
            let value: Value = match crate::model::common::parse_slice(text.as_bytes()) {
                Ok(v) => v,
                Err(e) => {
                    return unknown(format!(
                        "The input looks like JSON but cannot be read: {e}."
                    ))
                }
            };
            return dispatch_json(&value, options, fetch).await;
        }
        if is_http_url(text) {
            if depth >= MAX_DEPTH {
                return unknown("The URL leads to yet another URL; giving up to avoid a loop.");
            }
            return dispatch_url(text, options, fetch, depth + 1).await;
        }
        if looks_like_jws(text) {
            return dispatch_jws(text, options, fetch).await;
        }
        unknown(format!(
            "The text is not a badge: not JSON, not a compact JWS and not an http(s) URL ({}).",
            describe_start(text.as_bytes())
        ))
    })
}

async fn dispatch_json(value: &Value, options: &Options, fetch: &dyn Fetch) -> Report {
    match detect(value) {
        Detected::V2Assertion => ob2::verify_ob2_hosted(value, options, fetch).await,
        Detected::V3Credential | Detected::V3Endorsement => ob3_json(value, options, fetch).await,
        Detected::Unknown(what) => unknown(format!(
            "The JSON is not a badge that can be verified: {what}."
        )),
    }
}

async fn dispatch_jws(text: &str, options: &Options, fetch: &dyn Fetch) -> Report {
    let decoded = match jws::decode_unverified(text) {
        Ok(d) => d,
        Err(e) => {
            return unknown(format!(
                "The input looks like a JWS/JWT but cannot be read: {e}."
            ))
        }
    };
    let payload = match decoded.payload_json() {
        Ok(v) => v,
        Err(e) => return unknown(format!("The JWS/JWT cannot be verified: {e}.")),
    };
    // The payload only chooses the verifier; each verifier trusts nothing until it checks it.
    let is_vc = payload.get("vc").is_some_and(Value::is_object)
        || matches!(
            detect(&payload),
            Detected::V3Credential | Detected::V3Endorsement
        );
    if is_vc {
        return ob3_jwt(text, options, fetch).await;
    }
    match detect(&payload) {
        Detected::V2Assertion => ob2::verify_ob2_signed(text, options, fetch).await,
        Detected::Unknown(what) => unknown(format!(
            "The JWS/JWT payload is neither an Open Badges 2.0 assertion nor a Verifiable Credential: {what}."
        )),
        _ => unknown("The JWS/JWT payload is not a badge."),
    }
}

fn dispatch_url<'a>(
    url: &'a str,
    options: &'a Options,
    fetch: &'a dyn Fetch,
    depth: u8,
) -> ReportFuture<'a> {
    Box::pin(async move {
        let fetched = fetch.fetch(url, ACCEPT_ANY).await;
        let doc = match fetched {
            Ok(doc) => doc,
            Err(e) => return unknown(format!("{url} could not be fetched: {e}.")),
        };
        if doc.status == 410 {
            // Gone: how a hosted Open Badges 2.0 assertion says it was revoked.
            return ob2::hosted_from_response(url, Ok(doc), options, fetch).await;
        }
        if !(200..300).contains(&doc.status) {
            return unknown(format!(
                "{url} could not be fetched: the server answered HTTP {}.",
                doc.status
            ));
        }
        let body = &doc.body;
        let text = std::str::from_utf8(body)
            .ok()
            .map(|t| t.trim_start_matches('\u{feff}').trim());
        if let Some(text) = text.filter(|t| t.starts_with('{')) {
            let value: Value = match crate::model::common::parse_slice(text.as_bytes()) {
                Ok(v) => v,
                Err(e) => return unknown(format!("{url} serves JSON that cannot be read: {e}.")),
            };
            if detect(&value) == Detected::V2Assertion {
                // A hosted assertion: verify what was fetched, against the URL it came from.
                return ob2::hosted_from_response(url, Ok(doc), options, fetch).await;
            }
            return dispatch_json(&value, options, fetch).await;
        }
        if depth >= MAX_DEPTH {
            return unknown("The URL serves yet another reference; giving up to avoid a loop.");
        }
        dispatch_bytes(body, options, fetch, depth + 1).await
    })
}

fn is_http_url(text: &str) -> bool {
    let lower = |p: &str| {
        text.get(..p.len())
            .is_some_and(|x| x.eq_ignore_ascii_case(p))
    };
    (lower("https://") || lower("http://"))
        && text.len() > "https://".len()
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Two dots and base64url characters only: worth trying as a JWS (which then says what is
/// wrong with it, if anything).
fn looks_like_jws(text: &str) -> bool {
    text.bytes().filter(|b| *b == b'.').count() == 2
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'='))
}

/// Open Badges 3.0 JSON (Data Integrity proof).
async fn ob3_json(value: &Value, options: &Options, fetch: &dyn Fetch) -> Report {
    super::ob3::verify_ob3(value, options, fetch).await
}

/// Open Badges 3.0 VC-JWT.
async fn ob3_jwt(text: &str, options: &Options, fetch: &dyn Fetch) -> Report {
    super::ob3::verify_ob3_jwt(text, options, fetch).await
}
