//! Open Badges 2.0 hosted documents made by `examples/ob2_hosted_fixture.rs`, checked by
//! 1EdTech's validator (PyPI `openbadges` 1.1.2) and by ours. `tests/interop/ob2_validator.sh`
//! made the committed vectors in `tests/vectors/ob2-validator/` (see its README); the tests here
//! run without Python:
//!
//! - the documents parse with `model::v2` and serialise back unchanged;
//! - served by `Offline` at their ids, our verifier finds `assertion.json` valid for the recipient
//!   and `assertion-revoked.json` revoked, while the validator's recorded output says *valid* for
//!   both: 1EdTech's validator does not look at `revoked` on hosted assertions (its issues #212
//!   and #236), and ours must;
//! - over real HTTP, the script runs `badgecommons verify` against its `python -m http.server`.

use std::path::PathBuf;

use openbadges::model::v2::{Assertion, BadgeClass, Profile};
use openbadges::verify::{verify_url, Offline, Options, Report, Status};
use serde_json::Value;

/// The base URL the committed documents were made for.
const BASE: &str = "http://127.0.0.1:18452/";
const RECIPIENT: &str = "recipient@example.org";
/// 2025-06-15: after `issuedOn` (2024-03-01); the documents have no `expires`.
const NOW: i64 = 1_750_000_000;
const DOCUMENTS: [&str; 5] = [
    "issuer.json",
    "badge.json",
    "badge.png",
    "assertion.json",
    "assertion-revoked.json",
];

fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/ob2-validator")
}

fn read(rel: &str) -> Vec<u8> {
    let path = vectors().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read_text(rel: &str) -> String {
    String::from_utf8(read(rel)).expect("UTF-8")
}

fn json(rel: &str) -> Value {
    serde_json::from_slice(&read(rel)).expect("JSON")
}

fn options(recipient: &str) -> Options {
    Options {
        recipient: Some(recipient.to_owned()),
        now: Some(NOW),
    }
}

fn offline() -> Offline {
    DOCUMENTS.iter().fold(Offline::default(), |o, name| {
        o.with(&format!("{BASE}{name}"), read(&format!("served/{name}")))
    })
}

fn status(report: &Report, id: &str) -> Status {
    report
        .get(id)
        .unwrap_or_else(|| panic!("no {id} check in {report:#?}"))
        .status
}

fn assert_valid_for_recipient(report: &Report) {
    assert!(report.valid, "{report:#?}");
    assert_eq!(report.format, "ob2-hosted");
    for id in [
        "assertion-fetch",
        "assertion",
        "assertion-id",
        "verification-type",
        "badge-class",
        "issuer",
        "hosted-origin",
        "revocation",
        "issued",
        "recipient",
    ] {
        assert_eq!(status(report, id), Status::Pass, "{id}: {report:#?}");
    }
    assert_eq!(report.summary.revoked, Some(false));
    assert_eq!(
        report.summary.achievement_name.as_deref(),
        Some("Interoperability")
    );
}

fn assert_revoked(report: &Report) {
    assert!(
        !report.valid,
        "a revoked badge was reported valid: {report:#?}"
    );
    assert_eq!(status(report, "revocation"), Status::Fail, "{report:#?}");
    assert_eq!(report.summary.revoked, Some(true));
    assert!(
        report
            .get("revocation")
            .is_some_and(|c| c.message.contains("Awarded in error.")),
        "the revocation reason is shown: {report:#?}"
    );
}

#[test]
fn documents_parse_with_the_model_and_round_trip() {
    let assertion = Assertion::from_json(&read_text("served/assertion.json")).expect("assertion");
    assert_eq!(assertion.to_value().unwrap(), json("served/assertion.json"));
    assert_eq!(
        assertion.id.as_deref(),
        Some(&*format!("{BASE}assertion.json"))
    );
    let recipient = assertion.recipient.as_ref().expect("recipient");
    assert!(recipient.is_hashed());
    assert!(recipient.identity.starts_with("sha256$"));
    assert!(recipient.matches(RECIPIENT));
    assert!(!recipient.matches("someone-else@example.org"));
    assert!(assertion
        .verification_object()
        .is_some_and(|v| v.is_hosted()));

    let revoked =
        Assertion::from_json(&read_text("served/assertion-revoked.json")).expect("revoked");
    assert_eq!(
        revoked.to_value().unwrap(),
        json("served/assertion-revoked.json")
    );
    assert_eq!(revoked.revoked, Some(true));

    let badge = BadgeClass::from_json(&read_text("served/badge.json")).expect("badge");
    assert_eq!(badge.to_value().unwrap(), json("served/badge.json"));
    assert_eq!(
        badge.issuer.as_ref().and_then(|i| i.id()),
        Some(&*format!("{BASE}issuer.json"))
    );
    let issuer = Profile::from_json(&read_text("served/issuer.json")).expect("issuer");
    assert_eq!(issuer.to_value().unwrap(), json("served/issuer.json"));
    assert!(issuer.has_type("Issuer"));
    assert!(read("served/badge.png").starts_with(b"\x89PNG\r\n\x1a\n"));
}

#[test]
fn the_validator_found_our_assertion_valid_and_checked_the_recipient() {
    let valid = json("validator-assertion.json");
    assert_eq!(valid["report"]["valid"], Value::Bool(true), "{valid:#}");
    assert_eq!(valid["report"]["errorCount"], 0);
    assert_eq!(valid["report"]["openBadgesVersion"], "2.0");
    assert_eq!(
        valid["report"]["validationSubject"],
        format!("{BASE}assertion.json")
    );
    // The control: the same assertion against another email address is refused, so the
    // validator did compare the hashed recipient.
    let wrong = json("validator-wrong-recipient.json");
    assert_eq!(wrong["report"]["valid"], Value::Bool(false), "{wrong:#}");
    assert!(wrong["report"]["messages"]
        .to_string()
        .contains("did not match"));
}

#[test]
fn ours_says_revoked_where_the_validator_says_valid() {
    // What 1EdTech's validator said, recorded by the script: valid, no error, no warning.
    let theirs = json("validator-assertion-revoked.json");
    assert_eq!(theirs["report"]["valid"], Value::Bool(true), "{theirs:#}");
    assert_eq!(theirs["report"]["errorCount"], 0);
    // Ours, on the same documents.
    let ours = pollster::block_on(verify_url(
        &format!("{BASE}assertion-revoked.json"),
        &options(RECIPIENT),
        &offline(),
    ));
    assert_revoked(&ours);
}

#[test]
fn ours_agrees_with_the_validator_on_the_valid_assertion() {
    let fetch = offline();
    let ours = pollster::block_on(verify_url(
        &format!("{BASE}assertion.json"),
        &options(RECIPIENT),
        &fetch,
    ));
    assert_valid_for_recipient(&ours);
    // And, like the validator, refuses another recipient.
    let wrong = pollster::block_on(verify_url(
        &format!("{BASE}assertion.json"),
        &options("someone-else@example.org"),
        &fetch,
    ));
    assert!(!wrong.valid, "{wrong:#?}");
    assert_eq!(status(&wrong, "recipient"), Status::Fail);
}
