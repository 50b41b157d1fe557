//! Open Badges 2.0 verification: hosted assertions and JWS-signed assertions.
//!
//! Both follow the *Verification* section of the Open Badges 2.0 specification and produce a
//! [`Report`] whose checks have these ids:
//!
//! | id | hosted | signed | what it says |
//! |---|---|---|---|
//! | `input` | ✓ | | the assertion given could not be used to find the hosted one |
//! | `assertion-fetch` | ✓ | | the assertion was fetched from its URL (HTTP status) |
//! | `jws` | | ✓ | the JWS could be taken apart |
//! | `assertion` | ✓ | ✓ | the document is a readable Assertion |
//! | `assertion-id` | ✓ | | the hosted document's `id` is the URL it was fetched from |
//! | `verification-type` | ✓ | ✓ | the assertion declares the verification being done |
//! | `badge-class` | ✓ | ✓ | the BadgeClass was found (fetched documents must have the `id` they were fetched from); an embedded one with an http(s) `id` is replaced by the copy fetched from it, one without is used with a warning |
//! | `issuer` | ✓ | ✓ | the issuer Profile was found, likewise; an embedded one is always replaced by the copy fetched from its `id`, and fails without an http(s) `id` |
//! | `hosted-origin` | ✓ | | the assertion's URL is within the issuer's `verification` (`startsWith`, `allowedOrigins`) or on the issuer's origin |
//! | `issuer-key` | | ✓ | the signing key was fetched, is owned by the issuer and listed in its `publicKey` |
//! | `signature` | | ✓ | the JWS signature verifies with that key |
//! | `revocation` | ✓ | ✓ | HTTP 410 or `revoked: true` (hosted); the issuer's `revocationList` (signed) |
//! | `issued` | ✓ | ✓ | `issuedOn` is present and not in the future |
//! | `expiry` | ✓ | ✓ | `expires` has not passed (skipped when there is none) |
//! | `recipient` | ✓ | ✓ | the badge was awarded to [`Options::recipient`] (skipped without one) |
//!
//! A revocation list that cannot be fetched or read is a **warning** ("revocation could not be
//! checked"), never a pass.

use serde::de::DeserializeOwned;
use serde_json::Value;
use time::format_description::well_known::Rfc3339;

use super::{Fetch, FetchFailure, FetchedDocument, Options, Report, Status};
use crate::model::common::{parse_slice, truncate, HasId, IdOr};
use crate::model::v2::{
    Assertion, BadgeClass, CryptographicKey, DateValue, Profile, RevocationList,
};
use crate::proof::jws::{self, JwsError, PublicKey};

/// The `Accept` header for Open Badges 2.0 documents.
const ACCEPT: &str = "application/ld+json, application/json;q=0.9, */*;q=0.1";
/// The version named in every report's summary.
const VERSION: &str = "Open Badges 2.0";

/// Verifies an Open Badges 2.0 hosted assertion given as JSON.
///
/// As the specification says, the JSON in hand is trusted only to say where the assertion is
/// hosted: its `id` is fetched and everything is checked on the fetched copy (see
/// [`verify_ob2_hosted_url`]). An assertion without an http(s) `id`, or one that declares signed
/// verification, gives a failed check.
///
/// ```
/// use openbadges::verify::{verify_ob2_hosted, Offline, Options, Status};
/// use serde_json::json;
///
/// let assertion = json!({"type": "Assertion", "id": "https://example.org/a/1",
///                        "verification": {"type": "hosted"}});
/// // Nothing is served: the report says the assertion could not be fetched.
/// let report = pollster::block_on(verify_ob2_hosted(&assertion, &Options::default(), &Offline::default()));
/// assert!(!report.valid);
/// assert_eq!(report.get("assertion-fetch").unwrap().status, Status::Fail);
/// ```
pub async fn verify_ob2_hosted(assertion: &Value, options: &Options, fetch: &dyn Fetch) -> Report {
    let mut report = new_report("ob2-hosted");
    let parsed = match Assertion::from_value(assertion) {
        Ok(a) => a,
        Err(e) => {
            report.check(
                "input",
                Status::Fail,
                format!("The input is not an Open Badges 2.0 Assertion: {e}."),
            );
            return report;
        }
    };
    if parsed
        .verification_object()
        .is_some_and(|v| v.is_signed() && !v.is_hosted())
    {
        report.format = "ob2-signed".into();
        report.check(
            "verification-type",
            Status::Fail,
            "This assertion declares signed verification, but it was given as plain JSON without its signature: a signed badge is verified from its JWS.",
        );
        return report;
    }
    match parsed.id.as_deref() {
        Some(id) if is_http_url(id) => verify_ob2_hosted_url(id, options, fetch).await,
        Some(id) => {
            report.check(
                "input",
                Status::Fail,
                format!("The assertion's id {:?} is not an http(s) URL, so the hosted assertion cannot be fetched and checked.", truncate(id)),
            );
            report
        }
        None => {
            report.check(
                "input",
                Status::Fail,
                "The assertion has no id, so the hosted assertion cannot be fetched and checked.",
            );
            report
        }
    }
}

/// Verifies the Open Badges 2.0 hosted assertion at `url`.
///
/// The assertion is fetched through `fetch`; HTTP 410 or `revoked: true` means revoked. Its
/// `id` must be the URL it came from; its BadgeClass and issuer Profile are fetched from their
/// ids, even when embedded (an embedded issuer Profile without an http(s) id fails, an embedded
/// BadgeClass without one is a warning), and must carry the `id` they were fetched from; the
/// assertion's URL must be within the issuer's `verification` rules (by default, on the
/// issuer's origin); `issuedOn` must not be in the future nor `expires` in the past; and with
/// [`Options::recipient`] the recipient must match, plain or hashed.
pub async fn verify_ob2_hosted_url(url: &str, options: &Options, fetch: &dyn Fetch) -> Report {
    let fetched = fetch.fetch(url, ACCEPT).await;
    hosted_from_response(url, fetched, options, fetch).await
}

/// Hosted verification once the assertion's URL has been fetched (the dispatcher fetches URLs
/// itself, to see what they are, and hands the answer on here).
pub(crate) async fn hosted_from_response(
    url: &str,
    fetched: Result<FetchedDocument, FetchFailure>,
    options: &Options,
    fetch: &dyn Fetch,
) -> Report {
    let mut report = new_report("ob2-hosted");
    let doc = match fetched {
        Ok(doc) => doc,
        Err(e) => {
            report.check(
                "assertion-fetch",
                Status::Fail,
                format!("The assertion could not be fetched from {url}: {e}."),
            );
            return report;
        }
    };
    if doc.status == 410 {
        report.summary.revoked = Some(true);
        let body: Option<Assertion> = parse_slice(&doc.body).ok();
        if let Some(a) = &body {
            fill_assertion_summary(&mut report, a);
        }
        let reason = body
            .and_then(|a| a.revocation_reason)
            .map(|r| format!(" Reason given: {}", truncate(&r)))
            .unwrap_or_default();
        report.check(
            "assertion-fetch",
            Status::Pass,
            format!("The issuer's server answered for {url}."),
        );
        report.check(
            "revocation",
            Status::Fail,
            format!("The issuer revoked this badge: {url} answers HTTP 410 Gone.{reason}"),
        );
        return report;
    }
    if !(200..300).contains(&doc.status) {
        report.check(
            "assertion-fetch",
            Status::Fail,
            format!(
                "The assertion could not be fetched from {url}: the server answered HTTP {}.",
                doc.status
            ),
        );
        return report;
    }
    report.check(
        "assertion-fetch",
        Status::Pass,
        format!("The assertion was fetched from {url}."),
    );
    let assertion: Assertion = match parse_document(&doc.body, "assertion") {
        Ok(a) => a,
        Err(message) => {
            report.check("assertion", Status::Fail, message);
            return report;
        }
    };
    fill_assertion_summary(&mut report, &assertion);
    report.check(
        "assertion",
        Status::Pass,
        "The hosted document is an Open Badges 2.0 Assertion.",
    );

    match assertion.id.as_deref() {
        Some(id) if id == url || id == doc.url => {
            report.check(
                "assertion-id",
                Status::Pass,
                format!("The assertion's id is the URL it is hosted at ({id})."),
            );
        }
        Some(id) => {
            report.check(
                "assertion-id",
                Status::Fail,
                format!("The document at {url} says its id is {}: a hosted assertion must be served at its own id.", truncate(id)),
            );
        }
        None => {
            report.check("assertion-id", Status::Fail, format!("The document at {url} has no id: a hosted assertion must be served at its own id."));
        }
    }

    match assertion.verification_object() {
        Some(v) if v.is_hosted() => {
            report.check(
                "verification-type",
                Status::Pass,
                "The assertion declares hosted verification.",
            );
        }
        Some(v) if v.is_signed() => {
            report.check(
                "verification-type",
                Status::Fail,
                "The hosted document declares signed verification: it must be verified from its JWS, not as a hosted assertion.",
            );
        }
        _ => {
            report.check(
                "verification-type",
                Status::Warning,
                "The assertion does not declare a verification type; it was verified as hosted because it was fetched from its id.",
            );
        }
    }

    if assertion.revoked == Some(true) {
        report.summary.revoked = Some(true);
        let reason = assertion
            .revocation_reason
            .as_deref()
            .map(|r| format!(" Reason given: {}", truncate(r)))
            .unwrap_or_default();
        report.check(
            "revocation",
            Status::Fail,
            format!(
                "The issuer revoked this badge: the hosted assertion says revoked: true.{reason}"
            ),
        );
    } else {
        report.summary.revoked = Some(false);
        report.check(
            "revocation",
            Status::Pass,
            "Not revoked: the issuer's server still serves the assertion and does not mark it revoked.",
        );
    }

    let (_badge, issuer) = badge_and_issuer(&mut report, &assertion, fetch, Mode::Hosted).await;
    if let Some(issuer) = &issuer {
        check_hosted_origin(&mut report, assertion.id.as_deref().unwrap_or(url), issuer);
    } else {
        report.check(
            "hosted-origin",
            Status::Fail,
            "Whether the assertion is hosted where its issuer allows could not be checked: the issuer Profile is not available.",
        );
    }
    check_dates(&mut report, &assertion, options);
    check_recipient(&mut report, &assertion, options);
    report
}

/// Verifies an Open Badges 2.0 signed assertion: a JWS in compact serialisation whose payload
/// is the assertion's JSON.
///
/// The algorithm must be RS256 (or another RSA algorithm, or ES256/ES384) and fit the key;
/// `alg: none` and HMAC are refused. The key is the CryptographicKey named by the assertion's
/// `verification.creator` (or, without one, the keys the issuer Profile lists in `publicKey`),
/// fetched through `fetch`; it must be owned by the issuer and listed in the issuer Profile,
/// which is fetched from its `id`. Then the issuer's `revocationList` is checked (a warning when
/// it cannot be fetched), and the dates and recipient as for hosted assertions.
///
/// ```
/// use openbadges::verify::{verify_ob2_signed, Offline, Options, Status};
///
/// // {"alg":"none"} . {"id":"urn:uuid:1"} . (no signature)
/// let token = "eyJhbGciOiJub25lIn0.eyJpZCI6InVybjp1dWlkOjEifQ.";
/// let report = pollster::block_on(verify_ob2_signed(token, &Options::default(), &Offline::default()));
/// assert!(!report.valid);
/// assert!(report.get("signature").unwrap().message.contains("none"));
/// ```
pub async fn verify_ob2_signed(jws_text: &str, options: &Options, fetch: &dyn Fetch) -> Report {
    let mut report = new_report("ob2-signed");
    let decoded = match jws::decode_unverified(jws_text) {
        Ok(d) => d,
        Err(e) => {
            report.check(
                "jws",
                Status::Fail,
                format!("The signed assertion could not be read: {e}."),
            );
            return report;
        }
    };
    report.check("jws", Status::Pass, "The input is a compact JWS.");
    let payload = match decoded.payload_json() {
        Ok(v) => v,
        Err(e) => {
            report.check(
                "assertion",
                Status::Fail,
                format!("The JWS payload must be the assertion's JSON: {e}."),
            );
            return report;
        }
    };
    if !payload.is_object() {
        report.check(
            "assertion",
            Status::Fail,
            "The JWS payload is not a JSON object, so it is not an Open Badges 2.0 Assertion.",
        );
        return report;
    }
    let assertion = match Assertion::from_value(&payload) {
        Ok(a) => a,
        Err(e) => {
            report.check(
                "assertion",
                Status::Fail,
                format!("The JWS payload is not an Open Badges 2.0 Assertion: {e}."),
            );
            return report;
        }
    };
    fill_assertion_summary(&mut report, &assertion);
    report.check(
        "assertion",
        Status::Pass,
        "The JWS payload is an Open Badges 2.0 Assertion.",
    );

    // Refuse unusable algorithms before fetching anything.
    let alg_ok = match decoded.header.get("alg") {
        Some(Value::String(alg)) => jws::algorithm(alg).map(|_| ()),
        Some(_) => Err(JwsError::Malformed(
            "the header's alg is not a string".into(),
        )),
        None => Err(JwsError::AlgNone),
    };
    if let Err(e) = alg_ok {
        report.check(
            "signature",
            Status::Fail,
            format!("The signature cannot be trusted: {e}."),
        );
        return report;
    }

    match assertion.verification_object() {
        Some(v) if v.is_signed() => {
            report.check(
                "verification-type",
                Status::Pass,
                "The assertion declares signed verification.",
            );
        }
        Some(v) if v.is_hosted() => {
            report.check(
                "verification-type",
                Status::Fail,
                "The signed payload declares hosted verification: a signed badge must declare SignedBadge verification.",
            );
        }
        _ => {
            report.check(
                "verification-type",
                Status::Fail,
                "The signed assertion does not declare a verification type (SignedBadge).",
            );
        }
    }

    let (_badge, issuer) = badge_and_issuer(&mut report, &assertion, fetch, Mode::Signed).await;
    let Some(issuer) = issuer else {
        report.check(
            "issuer-key",
            Status::Fail,
            "The signing key cannot be trusted: the issuer Profile that must list it is not available.",
        );
        return report;
    };
    let keys = issuer_keys(&mut report, &assertion, &issuer, fetch).await;
    if keys.is_empty() {
        report.check(
            "signature",
            Status::Fail,
            "The signature could not be checked: no usable public key of the issuer was found.",
        );
        return report;
    }
    let mut failures = Vec::new();
    let mut verified = None;
    for (key_id, key) in &keys {
        match jws::verify(&decoded, key) {
            Ok(alg) => {
                verified = Some(format!(
                    "The {} signature verifies with the issuer's key {key_id}.",
                    alg.name()
                ));
                break;
            }
            Err(e) => failures.push(format!("with {key_id}: {e}")),
        }
    }
    match verified {
        Some(message) => {
            report.check("signature", Status::Pass, message);
        }
        None => {
            report.check(
                "signature",
                Status::Fail,
                format!("The signature does not verify ({}).", failures.join("; ")),
            );
        }
    }

    check_signed_revocation(&mut report, &assertion, &issuer, fetch).await;
    check_dates(&mut report, &assertion, options);
    check_recipient(&mut report, &assertion, options);
    report
}

fn new_report(format: &str) -> Report {
    let mut report = Report::new(format);
    report.summary.version = Some(VERSION.to_owned());
    report
}

fn is_http_url(s: &str) -> bool {
    let lower = |p: &str| s.get(..p.len()).is_some_and(|x| x.eq_ignore_ascii_case(p));
    (lower("https://") || lower("http://"))
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Parses a fetched body as a `T`, with a message naming `what` on failure.
fn parse_document<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, String> {
    let value: Value =
        parse_slice(body).map_err(|e| format!("The {what} document is not readable JSON: {e}."))?;
    if !value.is_object() {
        return Err(format!("The {what} document is not a JSON object."));
    }
    crate::model::common::from_value(&value)
        .map_err(|e| format!("The {what} document does not have the expected shape: {e}."))
}

/// Fetches a linked document and checks it is served at its own `id`.
async fn fetch_linked<T: DeserializeOwned + HasId>(
    url: &str,
    what: &str,
    fetch: &dyn Fetch,
) -> Result<T, String> {
    if !is_http_url(url) {
        return Err(format!(
            "The {what} {:?} is not an http(s) URL, so it cannot be fetched.",
            truncate(url)
        ));
    }
    let doc = fetch
        .fetch(url, ACCEPT)
        .await
        .map_err(|e| format!("The {what} could not be fetched from {url}: {e}."))?;
    if !(200..300).contains(&doc.status) {
        return Err(format!(
            "The {what} could not be fetched from {url}: the server answered HTTP {}.",
            doc.status
        ));
    }
    let parsed: T = parse_document(&doc.body, what)?;
    match parsed.id() {
        Some(id) if id == url || id == doc.url => Ok(parsed),
        Some(id) => Err(format!(
            "The {what} fetched from {url} says its id is {}: it must be served at its own id.",
            truncate(id)
        )),
        None => Err(format!(
            "The {what} fetched from {url} has no id: it must be served at its own id."
        )),
    }
}

/// Which verification asks for the BadgeClass and issuer: it decides what an issuer Profile
/// without a published copy would have been needed for, as said in the `issuer` check.
#[derive(Clone, Copy)]
enum Mode {
    Hosted,
    Signed,
}

/// Finds the BadgeClass and the issuer Profile, recording the `badge-class` and `issuer` checks.
///
/// Embedded copies are not believed when a published one can be had: whoever hosts or signs the
/// assertion wrote them. A BadgeClass embedded in the assertion, or an issuer Profile embedded
/// in the BadgeClass, whose `id` is an http(s) URL is fetched from that id and the fetched copy
/// is used instead (it must carry that id; a failed fetch fails the check). An embedded
/// BadgeClass without an http(s) id is used as it is, with a warning. An embedded issuer
/// Profile without one fails the `issuer` check: Open Badges 2.0 requires the issuer's id to
/// be the IRI its Profile is published at, and only that published Profile may say where its
/// hosted assertions live (`verification`) or which keys sign for it (`publicKey`).
async fn badge_and_issuer(
    report: &mut Report,
    assertion: &Assertion,
    fetch: &dyn Fetch,
    mode: Mode,
) -> (Option<BadgeClass>, Option<Profile>) {
    let badge = match &assertion.badge {
        Some(IdOr::Id(url)) => match fetch_linked::<BadgeClass>(url, "BadgeClass", fetch).await {
            Ok(b) => {
                report.check(
                    "badge-class",
                    Status::Pass,
                    format!("The BadgeClass was fetched from its id {url}."),
                );
                Some(b)
            }
            Err(message) => {
                report.check("badge-class", Status::Fail, message);
                None
            }
        },
        Some(IdOr::Object(b)) => match b.id.as_deref() {
            Some(url) if is_http_url(url) => {
                match fetch_linked::<BadgeClass>(url, "BadgeClass", fetch).await {
                    Ok(published) => {
                        report.check(
                            "badge-class",
                            Status::Pass,
                            format!("The BadgeClass embedded in the assertion was replaced by the one fetched from its id {url}."),
                        );
                        Some(published)
                    }
                    Err(message) => {
                        report.check("badge-class", Status::Fail, message);
                        None
                    }
                }
            }
            other => {
                let why = unpublished(other);
                report.check(
                    "badge-class",
                    Status::Warning,
                    format!("The BadgeClass is embedded in the assertion and {why}, so it could not be checked against a published copy; it is used as embedded."),
                );
                Some((**b).clone())
            }
        },
        None => {
            report.check(
                "badge-class",
                Status::Fail,
                "The assertion names no BadgeClass (badge).",
            );
            None
        }
    };
    let Some(badge) = badge else {
        report.check(
            "issuer",
            Status::Fail,
            "The issuer is unknown because the BadgeClass is not available.",
        );
        return (None, None);
    };
    // The name shown is the one of the BadgeClass actually used, not of an embedded copy.
    report.summary.achievement_name = badge.name.clone();
    let issuer = match &badge.issuer {
        Some(IdOr::Id(url)) => fetch_issuer(report, url, fetch, false).await,
        Some(IdOr::Object(p)) => match p.id.as_deref() {
            Some(url) if is_http_url(url) => fetch_issuer(report, url, fetch, true).await,
            other => {
                let why = unpublished(other);
                let needed = match mode {
                    Mode::Hosted => "so the verification rules that say where its hosted assertions may live (and by default its origin) cannot be checked",
                    Mode::Signed => "so the keys it authorises to sign (publicKey) cannot be checked",
                };
                report.check(
                    "issuer",
                    Status::Fail,
                    format!("The issuer Profile embedded in the BadgeClass cannot be trusted: {why}, while Open Badges 2.0 requires an issuer's id to be the URL its Profile is published at. Only that published Profile is believed, {needed}."),
                );
                None
            }
        },
        None => {
            report.check("issuer", Status::Fail, "The BadgeClass names no issuer.");
            None
        }
    };
    if let Some(p) = &issuer {
        report.summary.issuer_id = p.id.clone();
        report.summary.issuer_name = p.name.clone();
    } else if let Some(id) = badge.issuer.as_ref().and_then(IdOr::id) {
        report.summary.issuer_id = Some(id.to_owned());
    }
    (Some(badge), issuer)
}

/// Why an embedded document's `id` cannot lead to a published copy.
fn unpublished(id: Option<&str>) -> String {
    match id {
        Some(id) => format!("its id {:?} is not an http(s) URL", truncate(id)),
        None => "it has no id".to_owned(),
    }
}

/// Fetches the issuer Profile from `url` and records the `issuer` check; `embedded` says that
/// the BadgeClass embedded a copy, which the fetched one replaces.
async fn fetch_issuer(
    report: &mut Report,
    url: &str,
    fetch: &dyn Fetch,
    embedded: bool,
) -> Option<Profile> {
    match fetch_linked::<Profile>(url, "issuer Profile", fetch).await {
        Ok(p) => {
            let message = if embedded {
                format!("The issuer Profile embedded in the BadgeClass was replaced by the one fetched from its id {url}.")
            } else {
                format!("The issuer Profile was fetched from its id {url}.")
            };
            report.check("issuer", Status::Pass, message);
            Some(p)
        }
        Err(message) => {
            report.check("issuer", Status::Fail, message);
            None
        }
    }
}

/// `scheme://host[:port]` of an http(s) URL, lowercased, default ports dropped; and the host.
fn origin(url: &str) -> Option<(String, String)> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let (host, port) = if let Some(stripped) = hostport.strip_prefix('[') {
        let (h, after) = stripped.split_once(']')?;
        (format!("[{h}]"), after.strip_prefix(':').unwrap_or(""))
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h.to_owned(), p),
            None => (hostport.to_owned(), ""),
        }
    };
    let host = host.to_ascii_lowercase();
    if host.is_empty() {
        return None;
    }
    let default_port = if scheme == "https" { "443" } else { "80" };
    let origin = if port.is_empty() || port == default_port {
        format!("{scheme}://{host}")
    } else {
        format!("{scheme}://{host}:{port}")
    };
    Some((origin, host))
}

/// The `hosted-origin` check: the issuer's `verification.startsWith` / `allowedOrigins`, or by
/// default the issuer id's origin.
fn check_hosted_origin(report: &mut Report, assertion_id: &str, issuer: &Profile) {
    let Some((assertion_origin, assertion_host)) = origin(assertion_id) else {
        report.check(
            "hosted-origin",
            Status::Fail,
            format!(
                "The assertion's id {:?} is not an http(s) URL.",
                truncate(assertion_id)
            ),
        );
        return;
    };
    let rules = issuer.verification.as_ref();
    let starts_with: Vec<&String> = rules
        .and_then(|v| v.starts_with.as_ref())
        .map(|s| s.iter().collect())
        .unwrap_or_default();
    let allowed: Vec<&String> = rules
        .and_then(|v| v.allowed_origins.as_ref())
        .map(|s| s.iter().collect())
        .unwrap_or_default();
    if starts_with.is_empty() && allowed.is_empty() {
        let issuer_origin = issuer.id.as_deref().and_then(origin);
        match issuer_origin {
            Some((o, _)) if o == assertion_origin => {
                report.check(
                    "hosted-origin",
                    Status::Pass,
                    format!("The assertion is hosted on its issuer's origin ({o}), as required when the issuer declares no verification rules."),
                );
            }
            Some((o, _)) => {
                report.check(
                    "hosted-origin",
                    Status::Fail,
                    format!("The assertion is hosted on {assertion_origin}, but its issuer's id is on {o} and the issuer allows no other origin: anyone could host such an assertion."),
                );
            }
            None => {
                report.check(
                    "hosted-origin",
                    Status::Fail,
                    "The issuer's id is not an http(s) URL and the issuer declares no verification rules, so whether the issuer hosts this assertion cannot be checked.",
                );
            }
        }
        return;
    }
    if !starts_with.is_empty()
        && !starts_with
            .iter()
            .any(|p| assertion_id.starts_with(p.as_str()))
    {
        report.check(
            "hosted-origin",
            Status::Fail,
            format!(
                "The assertion's id {assertion_id} does not start with any prefix its issuer allows ({}).",
                starts_with.iter().map(|s| truncate(s)).collect::<Vec<_>>().join(", ")
            ),
        );
        return;
    }
    if !allowed.is_empty()
        && !allowed
            .iter()
            .any(|h| h.trim().eq_ignore_ascii_case(&assertion_host))
    {
        report.check(
            "hosted-origin",
            Status::Fail,
            format!(
                "The assertion is hosted on {assertion_host}, which is not among the origins its issuer allows ({}).",
                allowed.iter().map(|s| truncate(s)).collect::<Vec<_>>().join(", ")
            ),
        );
        return;
    }
    report.check("hosted-origin", Status::Pass, "The assertion's id is within the hosting rules its issuer declares (verification.startsWith / allowedOrigins).");
}

/// The keys a signature may be checked with, after the `issuer-key` check(s).
async fn issuer_keys(
    report: &mut Report,
    assertion: &Assertion,
    issuer: &Profile,
    fetch: &dyn Fetch,
) -> Vec<(String, PublicKey)> {
    let issuer_id = issuer.id.clone().unwrap_or_default();
    let listed: Vec<&IdOr<CryptographicKey>> = issuer
        .public_key
        .as_ref()
        .map(|k| k.iter().collect())
        .unwrap_or_default();
    let creator = assertion
        .verification_object()
        .and_then(|v| v.creator.as_ref());
    // Candidate key ids: the creator, or every key the issuer lists.
    let candidates: Vec<String> = match creator {
        Some(c) => match c.id() {
            Some(id) => vec![id.to_owned()],
            None => {
                report.check("issuer-key", Status::Fail, "The assertion's verification.creator has no id, so the signing key cannot be found.");
                return Vec::new();
            }
        },
        None => listed
            .iter()
            .filter_map(|k| k.id().map(str::to_owned))
            .collect(),
    };
    if candidates.is_empty() {
        report.check(
            "issuer-key",
            Status::Fail,
            "No signing key: the assertion has no verification.creator and the issuer Profile lists no publicKey.",
        );
        return Vec::new();
    }
    let mut keys = Vec::new();
    for key_id in candidates {
        if !listed.iter().any(|k| k.id() == Some(key_id.as_str())) {
            report.check(
                "issuer-key",
                Status::Fail,
                format!("The key {} is not listed in the issuer Profile's publicKey, so the issuer has not authorised it.", truncate(&key_id)),
            );
            continue;
        }
        let key: CryptographicKey = match fetch_linked(&key_id, "CryptographicKey", fetch).await {
            Ok(k) => k,
            Err(message) => {
                report.check("issuer-key", Status::Fail, message);
                continue;
            }
        };
        if key.owner.as_deref() != Some(issuer_id.as_str()) {
            report.check(
                "issuer-key",
                Status::Fail,
                format!(
                    "The key {key_id} belongs to {}, not to the issuer {issuer_id}.",
                    key.owner
                        .as_deref()
                        .map_or("no one (it has no owner)".to_owned(), truncate)
                ),
            );
            continue;
        }
        let Some(pem) = key.public_key_pem.as_deref() else {
            report.check(
                "issuer-key",
                Status::Fail,
                format!("The key {key_id} has no publicKeyPem."),
            );
            continue;
        };
        match PublicKey::from_pem(pem) {
            Ok(k) => {
                report.check(
                    "issuer-key",
                    Status::Pass,
                    format!(
                        "The key {key_id} ({}) is owned by the issuer and listed in its Profile.",
                        k.describe()
                    ),
                );
                keys.push((key_id, k));
            }
            Err(e) => {
                report.check(
                    "issuer-key",
                    Status::Fail,
                    format!("The key {key_id}: {e}."),
                );
            }
        }
    }
    keys
}

/// The `revocation` check of a signed assertion.
async fn check_signed_revocation(
    report: &mut Report,
    assertion: &Assertion,
    issuer: &Profile,
    fetch: &dyn Fetch,
) {
    if assertion.revoked == Some(true) {
        report.summary.revoked = Some(true);
        report.check(
            "revocation",
            Status::Fail,
            "The assertion itself says revoked: true.",
        );
        return;
    }
    let list = match &issuer.revocation_list {
        None => {
            report.check(
                "revocation",
                Status::Skipped,
                "The issuer publishes no revocation list, so there is nothing to check revocation against.",
            );
            return;
        }
        Some(IdOr::Object(list)) => (**list).clone(),
        Some(IdOr::Id(url)) => {
            match fetch_linked::<RevocationList>(url, "revocation list", fetch).await {
                Ok(list) => list,
                Err(message) => {
                    report.check(
                    "revocation",
                    Status::Warning,
                    format!("Revocation could not be checked: {message} The badge may have been revoked."),
                );
                    return;
                }
            }
        }
    };
    let uid = assertion.extra.get("uid").and_then(Value::as_str);
    let hit = assertion
        .id
        .as_deref()
        .and_then(|id| list.revocation(id))
        .or_else(|| uid.and_then(|u| list.revocation(u)));
    match hit {
        Some(reason) => {
            report.summary.revoked = Some(true);
            let reason = reason
                .map(|r| format!(" Reason given: {}", truncate(r)))
                .unwrap_or_default();
            report.check(
                "revocation",
                Status::Fail,
                format!(
                    "The issuer revoked this badge: it is on the issuer's revocation list.{reason}"
                ),
            );
        }
        None if assertion.id.is_none() && uid.is_none() => {
            report.check(
                "revocation",
                Status::Warning,
                "Revocation could not be checked: the assertion has neither an id nor a uid to look up in the revocation list.",
            );
        }
        None => {
            report.summary.revoked = Some(false);
            report.check(
                "revocation",
                Status::Pass,
                "Not revoked: the assertion is not on the issuer's revocation list.",
            );
        }
    }
}

fn iso(date: &DateValue) -> Option<String> {
    date.to_offset_date_time()
        .ok()
        .and_then(|d| d.format(&Rfc3339).ok())
}

fn fill_assertion_summary(report: &mut Report, assertion: &Assertion) {
    report.summary.issued = assertion.issued_on.as_ref().and_then(iso);
    report.summary.expires = assertion.expires.as_ref().and_then(iso);
    // A plain identity is shown; a hashed one only once the caller's identity matched it.
    report.summary.recipient = assertion
        .recipient
        .as_ref()
        .filter(|r| !r.is_hashed() && !r.identity.is_empty())
        .map(|r| r.identity.clone());
    if let Some(IdOr::Object(b)) = &assertion.badge {
        if let Some(name) = &b.name {
            report.summary.achievement_name = Some(name.clone());
        }
    }
}

/// The `issued` and `expiry` checks.
fn check_dates(report: &mut Report, assertion: &Assertion, options: &Options) {
    let now = options.now();
    match assertion.issued_on.as_ref().map(DateValue::unix_seconds) {
        None => {
            report.check(
                "issued",
                Status::Fail,
                "The assertion has no issuedOn date, which Open Badges 2.0 requires.",
            );
        }
        Some(Err(e)) => {
            report.check(
                "issued",
                Status::Fail,
                format!("The issuedOn date cannot be read: {e}."),
            );
        }
        Some(Ok(t)) if t > now => {
            report.check(
                "issued",
                Status::Fail,
                format!(
                    "The assertion says it was issued on {}, which is in the future.",
                    report
                        .summary
                        .issued
                        .clone()
                        .unwrap_or_else(|| t.to_string())
                ),
            );
        }
        Some(Ok(t)) => {
            report.check(
                "issued",
                Status::Pass,
                format!(
                    "Issued on {}.",
                    report
                        .summary
                        .issued
                        .clone()
                        .unwrap_or_else(|| t.to_string())
                ),
            );
        }
    }
    match assertion.expires.as_ref().map(DateValue::unix_seconds) {
        None => {
            report.check(
                "expiry",
                Status::Skipped,
                "The assertion has no expiry date.",
            );
        }
        Some(Err(e)) => {
            report.check(
                "expiry",
                Status::Fail,
                format!("The expires date cannot be read: {e}."),
            );
        }
        Some(Ok(t)) => {
            let shown = report
                .summary
                .expires
                .clone()
                .unwrap_or_else(|| t.to_string());
            if t <= now {
                report.check(
                    "expiry",
                    Status::Fail,
                    format!("The badge expired on {shown}."),
                );
            } else {
                report.check(
                    "expiry",
                    Status::Pass,
                    format!("The badge is valid until {shown}."),
                );
            }
        }
    }
}

/// The `recipient` check.
fn check_recipient(report: &mut Report, assertion: &Assertion, options: &Options) {
    let Some(recipient) = &assertion.recipient else {
        report.check("recipient", Status::Fail, "The assertion has no recipient.");
        return;
    };
    let kind = recipient.type_.as_deref().unwrap_or("email");
    let Some(candidate) = options.recipient.as_deref() else {
        let how = if recipient.is_hashed() {
            "a hashed"
        } else {
            "a plain"
        };
        report.check(
            "recipient",
            Status::Skipped,
            format!("No recipient identity was given, so whom the badge was awarded to was not checked (it names {how} {kind} identity)."),
        );
        return;
    };
    match recipient.check(candidate) {
        Ok(true) => {
            report.summary.recipient = Some(candidate.to_owned());
            report.check(
                "recipient",
                Status::Pass,
                format!("The badge was awarded to {candidate} ({kind})."),
            );
        }
        Ok(false) => {
            report.check("recipient", Status::Fail, format!("The badge was not awarded to {candidate}: the recipient {kind} identity does not match."));
        }
        Err(e) => {
            report.check(
                "recipient",
                Status::Fail,
                format!("The recipient identity cannot be checked: {e}."),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::origin;

    #[test]
    fn origins_are_normalised() {
        assert_eq!(
            origin("https://Example.org/a").unwrap().0,
            "https://example.org"
        );
        assert_eq!(
            origin("https://example.org:443/a").unwrap().0,
            "https://example.org"
        );
        assert_eq!(
            origin("http://example.org:8080?x").unwrap().0,
            "http://example.org:8080"
        );
        assert_eq!(
            origin("https://user@evil.org@example.org/").unwrap().1,
            "example.org"
        );
        assert_eq!(origin("http://[::1]:80/").unwrap().0, "http://[::1]");
        assert!(origin("ftp://example.org/").is_none());
        assert!(origin("https:///x").is_none());
    }
}
