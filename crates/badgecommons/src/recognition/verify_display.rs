//! What the `/verify` page shows of a verification: the report as a checklist, and what a
//! displayer must show beside it — the image, name, description, issuer, dates and the badge's
//! standing (valid, expired, revoked, or revocation could not be checked).
//!
//! The report's summary says most of it; the description and the image are read from the
//! documents the verifier saw: the input itself (pasted, or the payload of a baked image) and the
//! documents it fetched, which [`Recording`] keeps so that nothing is fetched twice. For an
//! Open Badges 2.0 assertion they come from the BadgeClass, preferring the published copy, as the
//! verifier does.
//!
//! Everything here came from outside. Text is escaped by the template; an image is shown only
//! through `<img>` (where an SVG cannot run scripts), from an http(s) URL or from a `data:` URI
//! of a raster or SVG image type, re-encoded here so that nothing else reaches the attribute.

use std::sync::Mutex;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use openbadges::bake::{self, ImageFormat};
use openbadges::proof::jws;
use openbadges::verify::{Fetch, FetchFailure, FetchedDocument, Report, Status};
use serde_json::Value;

use super::verify_page::{Input, MAX_IMAGE_BYTES};

/// How many fetched documents are kept for display, and how large each may be: enough for an
/// assertion, its BadgeClass and issuer, without holding every status list in memory.
const KEPT_DOCUMENTS: usize = 8;
const KEPT_DOCUMENT_BYTES: usize = 1024 * 1024;

/// A [`Fetch`] that passes every request to the guarded client and keeps a copy of what came
/// back, for the page to read the description and image from.
pub struct Recording<'a> {
    inner: &'a dyn Fetch,
    kept: Mutex<Vec<(String, FetchedDocument)>>,
}

impl<'a> Recording<'a> {
    pub fn new(inner: &'a dyn Fetch) -> Recording<'a> {
        Recording {
            inner,
            kept: Mutex::new(Vec::new()),
        }
    }

    /// The documents kept, each with the URL it was asked for.
    pub fn documents(&self) -> Vec<(String, FetchedDocument)> {
        self.kept
            .lock()
            .map(|kept| kept.clone())
            .unwrap_or_default()
    }
}

impl Fetch for Recording<'_> {
    fn fetch<'b>(
        &'b self,
        url: &'b str,
        accept: &'b str,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<FetchedDocument, FetchFailure>> + Send + 'b>,
    > {
        Box::pin(async move {
            let fetched = self.inner.fetch(url, accept).await;
            if let Ok(document) = &fetched {
                if document.body.len() <= KEPT_DOCUMENT_BYTES {
                    if let Ok(mut kept) = self.kept.lock() {
                        if kept.len() < KEPT_DOCUMENTS {
                            kept.push((url.to_string(), document.clone()));
                        }
                    }
                }
            }
            fetched
        })
    }

    fn plain_http_allowed(&self, host: &str) -> bool {
        self.inner.plain_http_allowed(host)
    }
}

/// Where the badge stands, in the order a displayer must say it: a revoked badge is "revoked"
/// before anything else, and "valid" is said only when nothing stands against it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    Revoked,
    Suspended,
    Expired,
    NotValid,
    /// Valid as far as could be checked, but the revocation (or suspension) list could not be
    /// read: the badge may have been revoked.
    RevocationUnknown,
    Valid,
}

impl Standing {
    pub fn of(report: &Report) -> Standing {
        let failed = |id: &str| report.get(id).is_some_and(|c| c.status == Status::Fail);
        let warned = |id: &str| report.get(id).is_some_and(|c| c.status == Status::Warning);
        if report.summary.revoked == Some(true) || failed("revocation") {
            Standing::Revoked
        } else if failed("suspension") {
            Standing::Suspended
        } else if is_expired(report) {
            Standing::Expired
        } else if !report.valid {
            Standing::NotValid
        } else if warned("revocation") || warned("suspension") {
            Standing::RevocationUnknown
        } else {
            Standing::Valid
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            Standing::Revoked => "Revoked",
            Standing::Suspended => "Suspended",
            Standing::Expired => "Expired",
            Standing::NotValid => "Not valid",
            Standing::RevocationUnknown => "Revocation could not be checked",
            Standing::Valid => "Valid",
        }
    }

    pub fn explanation(&self) -> &'static str {
        match self {
            Standing::Revoked => "The issuer has revoked this badge.",
            Standing::Suspended => "The issuer has suspended this badge.",
            Standing::Expired => "The badge has expired.",
            Standing::NotValid => "At least one check failed: see the checks below.",
            Standing::RevocationUnknown => {
                "Every check that could be made passed, but the issuer's revocation list could \
                 not be read, so the badge may have been revoked."
            }
            Standing::Valid => "Every check that applies to this badge passed.",
        }
    }

    /// Whether to present it as a problem (the page says it in words too).
    pub fn is_problem(&self) -> bool {
        *self != Standing::Valid
    }
}

/// An expiry or validity check failed because the expiry date has passed (rather than because
/// the badge is not valid yet, or its dates cannot be read).
fn is_expired(report: &Report) -> bool {
    let failed = report
        .checks
        .iter()
        .find(|c| (c.id == "expiry" || c.id == "validity") && c.status == Status::Fail);
    let Some(check) = failed else {
        return false;
    };
    match report.summary.expires.as_deref().and_then(parse_date) {
        Some(expires) => expires <= chrono::Utc::now(),
        None => check.message.to_ascii_lowercase().contains("expired"),
    }
}

fn parse_date(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&chrono::Utc));
    }
    if let Ok(t) = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S") {
        return Some(t.and_utc());
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

/// An image safe to put in `<img src>`.
pub struct ImageView {
    pub src: String,
    pub alt: String,
}

/// One line of the checklist.
pub struct CheckRow {
    pub id: String,
    /// `pass`, `fail`, `warning` or `skipped`, shown as a word.
    pub status: &'static str,
    pub message: String,
    pub is_problem: bool,
}

/// The report as the page shows it.
pub struct ResultView {
    pub valid: bool,
    /// Whether the input was recognised as a badge at all (if not, there is nothing to describe).
    pub recognised: bool,
    pub format: String,
    pub version: Option<String>,
    pub standing: Standing,
    /// The revocation line: said as "not revoked" only when a list was read and checked.
    pub revocation: String,
    pub image: Option<ImageView>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub issuer_name: Option<String>,
    pub issuer_id: Option<String>,
    pub recipient: Option<String>,
    pub issued: Option<String>,
    pub expires: Option<String>,
    pub checks: Vec<CheckRow>,
}

impl ResultView {
    pub fn new(
        report: &Report,
        input: &Input,
        documents: &[(String, FetchedDocument)],
    ) -> ResultView {
        let summary = &report.summary;
        let badge = BadgeDocuments::find(input, documents);
        let name = summary
            .achievement_name
            .clone()
            .or_else(|| badge.text("name"));
        let description = badge.text("description");
        let alt = match &name {
            Some(name) => format!("Badge image: {name}"),
            None => "Badge image".to_string(),
        };
        let image = badge
            .image_uri()
            .and_then(|uri| safe_image_src(&uri))
            .or_else(|| match input {
                // A baked image is the badge's image when the badge names none.
                Input::Image(bytes) => uploaded_image_src(bytes),
                _ => None,
            })
            .map(|src| ImageView { src, alt });
        let revocation = match (summary.revoked, report.get("revocation").map(|c| c.status)) {
            (Some(true), _) | (_, Some(Status::Fail)) => "Revoked.",
            (Some(false), _) => "Not revoked: checked with the issuer.",
            (None, Some(Status::Warning)) => {
                "Could not be checked: the badge may have been revoked."
            }
            (None, Some(Status::Skipped)) => {
                "No revocation list: the badge names none, so there is nothing to check."
            }
            _ => "Not checked.",
        };
        ResultView {
            valid: report.valid,
            recognised: report.format != "unknown",
            format: report.format.clone(),
            version: summary.version.clone(),
            standing: Standing::of(report),
            revocation: revocation.to_string(),
            image,
            name,
            description,
            issuer_name: summary.issuer_name.clone(),
            issuer_id: summary.issuer_id.clone(),
            recipient: summary.recipient.clone(),
            issued: summary.issued.clone(),
            expires: summary.expires.clone(),
            checks: report
                .checks
                .iter()
                .map(|c| CheckRow {
                    id: c.id.clone(),
                    status: match c.status {
                        Status::Pass => "pass",
                        Status::Fail => "fail",
                        Status::Warning => "warning",
                        Status::Skipped => "skipped",
                    },
                    message: c.message.clone(),
                    is_problem: matches!(c.status, Status::Fail | Status::Warning),
                })
                .collect(),
        }
    }
}

/// The credential (or assertion) the input carried, and the achievement or BadgeClass it names.
struct BadgeDocuments {
    credential: Option<Value>,
    badge: Option<Value>,
}

impl BadgeDocuments {
    fn find(input: &Input, documents: &[(String, FetchedDocument)]) -> BadgeDocuments {
        let credential = match input {
            Input::Url(url) => {
                fetched(documents, url).and_then(|body| document_in(body, documents, 0))
            }
            Input::Text(text) => document_in(text.as_bytes(), documents, 0),
            Input::Image(bytes) => document_in(bytes, documents, 0),
        };
        let badge = credential.as_ref().and_then(|c| badge_of(c, documents));
        BadgeDocuments { credential, badge }
    }

    /// A text property of the achievement or BadgeClass.
    fn text(&self, key: &str) -> Option<String> {
        self.badge
            .as_ref()
            .and_then(|b| b.get(key))
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| t.chars().take(2000).collect())
    }

    /// The image the badge names: the achievement's or BadgeClass's, else the credential's own.
    fn image_uri(&self) -> Option<String> {
        let of = |doc: &Option<Value>| doc.as_ref().and_then(|d| image_reference(d.get("image")?));
        of(&self.badge).or_else(|| of(&self.credential))
    }
}

/// The body fetched for `url`, if it was kept.
fn fetched<'a>(documents: &'a [(String, FetchedDocument)], url: &str) -> Option<&'a [u8]> {
    documents
        .iter()
        .find(|(asked, document)| asked == url || document.url == url)
        .map(|(_, document)| document.body.as_slice())
}

/// The JSON document in some input, following what the verifier follows: a baked image's
/// payload, a JWT's credential, a URL already fetched. Read without trusting it: the report says
/// whether it verified.
fn document_in(bytes: &[u8], documents: &[(String, FetchedDocument)], depth: u8) -> Option<Value> {
    if depth > 3 {
        return None;
    }
    if ImageFormat::sniff(bytes) == Some(ImageFormat::Png) {
        let payload = bake::extract(bytes).ok()?.payload;
        return document_in(payload.as_bytes(), documents, depth + 1);
    }
    let text = std::str::from_utf8(bytes).ok()?;
    let text = text.trim_start_matches('\u{feff}').trim();
    if text.starts_with('{') {
        return serde_json::from_str::<Value>(text)
            .ok()
            .filter(Value::is_object);
    }
    if text.starts_with('<') {
        let payload = bake::extract(bytes).ok()?.payload;
        return document_in(payload.as_bytes(), documents, depth + 1);
    }
    if text.starts_with("http://") || text.starts_with("https://") {
        let body = fetched(documents, text)?;
        return document_in(body, documents, depth + 1);
    }
    let payload = jws::decode_unverified(text).ok()?.payload_json().ok()?;
    // A VC 1.1 JWT carries the credential in `vc`; a VC 2.0 one is the credential.
    match payload.get("vc") {
        Some(vc @ Value::Object(_)) => Some(vc.clone()),
        _ => Some(payload).filter(Value::is_object),
    }
}

/// The achievement (Open Badges 3.0) or BadgeClass (2.0) of a credential or assertion.
fn badge_of(credential: &Value, documents: &[(String, FetchedDocument)]) -> Option<Value> {
    let subject = match credential.get("credentialSubject") {
        Some(Value::Array(subjects)) => subjects.first(),
        other => other,
    };
    if let Some(achievement) = subject.and_then(|s| s.get("achievement")) {
        return Some(achievement.clone()).filter(Value::is_object);
    }
    // Open Badges 2.0: the published BadgeClass the verifier fetched, else an embedded one.
    let badge = credential.get("badge")?;
    let id = match badge {
        Value::String(id) => Some(id.as_str()),
        Value::Object(class) => class.get("id").and_then(Value::as_str),
        _ => None,
    };
    let published = id.and_then(|id| {
        documents.iter().find_map(|(asked, document)| {
            let value: Value = serde_json::from_slice(&document.body).ok()?;
            let same = asked == id
                || document.url == id
                || value.get("id").and_then(Value::as_str) == Some(id);
            same.then_some(value).filter(Value::is_object)
        })
    });
    published.or_else(|| Some(badge.clone()).filter(Value::is_object))
}

/// The URI an `image` property names: a string, or an Image object's `id`.
fn image_reference(image: &Value) -> Option<String> {
    match image {
        Value::String(uri) => Some(uri.clone()),
        Value::Object(object) => object.get("id").and_then(Value::as_str).map(str::to_string),
        _ => None,
    }
}

/// Image types a browser shows in `<img>` without running anything.
const SHOWN_TYPES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/svg+xml"];

/// The `src` for an image URI from a credential, or `None` when it is not safe to show: http(s)
/// URLs as parsed (and so re-serialised), and `data:` URIs of the image types above, decoded and
/// encoded again as base64.
fn safe_image_src(uri: &str) -> Option<String> {
    let uri = uri.trim();
    if uri.len() >= 5 && uri[..5].eq_ignore_ascii_case("data:") {
        let (meta, data) = uri[5..].split_once(',')?;
        let mut meta_parts = meta.split(';');
        let media_type = meta_parts.next()?.trim().to_ascii_lowercase();
        let is_base64 = meta_parts.any(|p| p.trim().eq_ignore_ascii_case("base64"));
        if !SHOWN_TYPES.contains(&media_type.as_str()) {
            return None;
        }
        let bytes = if is_base64 {
            let compact: String = data.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            STANDARD.decode(compact).ok()?
        } else {
            super::images::percent_decode(data)?
        };
        if bytes.is_empty() || bytes.len() > MAX_IMAGE_BYTES {
            return None;
        }
        return Some(format!(
            "data:{media_type};base64,{}",
            STANDARD.encode(bytes)
        ));
    }
    let url = url::Url::parse(uri).ok()?;
    (matches!(url.scheme(), "http" | "https") && url.host().is_some()).then(|| url.to_string())
}

/// The uploaded baked image itself, as a `data:` URI.
fn uploaded_image_src(bytes: &[u8]) -> Option<String> {
    let format = ImageFormat::sniff(bytes)?;
    Some(format!(
        "data:{};base64,{}",
        format.mime_type(),
        STANDARD.encode(bytes)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_urls_and_image_data_uris_are_shown() {
        assert_eq!(
            safe_image_src("https://example.org/badge.png").as_deref(),
            Some("https://example.org/badge.png")
        );
        assert_eq!(
            safe_image_src("data:image/png;base64,iVBORw0KGgo=").as_deref(),
            Some("data:image/png;base64,iVBORw0KGgo=")
        );
        assert_eq!(
            safe_image_src("data:image/svg+xml,%3Csvg%2F%3E").as_deref(),
            Some("data:image/svg+xml;base64,PHN2Zy8+")
        );
        for refused in [
            "javascript:alert(1)",
            "data:text/html;base64,PHNjcmlwdD4=",
            "data:image/png;base64,not base64!",
            "file:///etc/passwd",
            "ftp://example.org/x.png",
            "urn:uuid:1234",
            "",
        ] {
            assert_eq!(safe_image_src(refused), None, "{refused}");
        }
        let quoted = safe_image_src("https://example.org/a\"onerror=\"x.png").unwrap();
        assert!(!quoted.contains('"'), "{quoted}");
    }

    #[test]
    fn a_revocation_warning_is_never_valid_and_never_not_revoked() {
        let mut report = Report::new("ob3-data-integrity");
        report.check("proof", Status::Pass, "The signature is valid.");
        report.check(
            "revocation",
            Status::Warning,
            "revocation could not be checked: the list could not be fetched",
        );
        assert_eq!(Standing::of(&report), Standing::RevocationUnknown);
        let view = ResultView::new(&report, &Input::Text(String::new()), &[]);
        assert!(!view.revocation.to_lowercase().contains("not revoked"));
    }

    #[test]
    fn an_expiry_in_the_past_is_expired_and_not_yet_valid_is_not() {
        let mut report = Report::new("ob3-data-integrity");
        report.summary.expires = Some("2020-01-01T00:00:00Z".to_string());
        report.check("validity", Status::Fail, "expired on 2020-01-01T00:00:00Z");
        assert_eq!(Standing::of(&report), Standing::Expired);
        let mut report = Report::new("ob3-data-integrity");
        report.summary.expires = Some("2999-01-01T00:00:00Z".to_string());
        report.check(
            "validity",
            Status::Fail,
            "not yet valid: valid from 2998-01-01",
        );
        assert_eq!(Standing::of(&report), Standing::NotValid);
    }
}
