//! Open Badges 2.0 verification, hosted and signed, offline: documents are built here and served
//! by `verify::Offline` at http://example.org/... URLs; "now" is fixed.

use std::sync::OnceLock;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use openbadges::model::common::{hash_identity, HashAlgorithm};
use openbadges::verify::{
    verify_ob2_hosted, verify_ob2_hosted_url, verify_ob2_signed, Offline, Options, Report, Status,
};
use serde_json::{json, Value};

const ASSERTION: &str = "http://example.org/assertions/1";
const BADGE: &str = "http://example.org/badges/robotics";
const ISSUER: &str = "http://example.org/issuer";
const KEY: &str = "http://example.org/keys/1";
const REVOCATIONS: &str = "http://example.org/revocations";
/// 2024-06-01T00:00:00Z.
const NOW: i64 = 1_717_200_000;

fn options() -> Options {
    Options {
        recipient: None,
        now: Some(NOW),
    }
}

fn options_for(recipient: &str) -> Options {
    Options {
        recipient: Some(recipient.to_owned()),
        now: Some(NOW),
    }
}

fn assertion() -> Value {
    json!({
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": ASSERTION,
        "recipient": {"type": "email", "hashed": false, "identity": "ada@example.com"},
        "issuedOn": "2024-01-15T12:00:00Z",
        "badge": BADGE,
        "verification": {"type": "hosted"}
    })
}

fn badge_class() -> Value {
    json!({
        "@context": "https://w3id.org/openbadges/v2",
        "type": "BadgeClass",
        "id": BADGE,
        "name": "Robotics",
        "description": "Built a robot.",
        "image": "http://example.org/badges/robotics.png",
        "criteria": {"narrative": "Build a robot."},
        "issuer": ISSUER
    })
}

fn issuer() -> Value {
    json!({
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Issuer",
        "id": ISSUER,
        "name": "Example Robotics Club",
        "url": "http://example.org",
        "email": "club@example.org"
    })
}

fn bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap()
}

fn serve(assertion: &Value, badge: &Value, issuer: &Value) -> Offline {
    Offline::default()
        .with(ASSERTION, bytes(assertion))
        .with(BADGE, bytes(badge))
        .with(ISSUER, bytes(issuer))
}

fn hosted(fetch: &Offline, options: &Options) -> Report {
    pollster::block_on(verify_ob2_hosted_url(ASSERTION, options, fetch))
}

fn status(report: &Report, id: &str) -> Status {
    report
        .get(id)
        .unwrap_or_else(|| panic!("no {id} check in {report:#?}"))
        .status
}

fn message(report: &Report, id: &str) -> String {
    report.get(id).unwrap().message.clone()
}

// ---------------------------------------------------------------------------------------------
// Hosted
// ---------------------------------------------------------------------------------------------

#[test]
fn a_hosted_assertion_verifies_and_the_summary_says_what_it_is() {
    let report = hosted(&serve(&assertion(), &badge_class(), &issuer()), &options());
    assert!(report.valid, "{report:#?}");
    assert_eq!(report.format, "ob2-hosted");
    for id in [
        "assertion-fetch",
        "assertion",
        "assertion-id",
        "verification-type",
        "revocation",
        "badge-class",
        "issuer",
        "hosted-origin",
        "issued",
    ] {
        assert_eq!(status(&report, id), Status::Pass, "{id}: {report:#?}");
    }
    assert_eq!(status(&report, "expiry"), Status::Skipped);
    assert_eq!(status(&report, "recipient"), Status::Skipped);
    assert!(message(&report, "recipient").contains("No recipient identity was given"));
    let s = &report.summary;
    assert_eq!(s.version.as_deref(), Some("Open Badges 2.0"));
    assert_eq!(s.issuer_name.as_deref(), Some("Example Robotics Club"));
    assert_eq!(s.issuer_id.as_deref(), Some(ISSUER));
    assert_eq!(s.achievement_name.as_deref(), Some("Robotics"));
    assert_eq!(s.recipient.as_deref(), Some("ada@example.com"));
    assert_eq!(s.issued.as_deref(), Some("2024-01-15T12:00:00Z"));
    assert_eq!(s.expires, None);
    assert_eq!(s.revoked, Some(false));
}

#[test]
fn a_hosted_assertion_given_as_json_is_checked_on_the_hosted_copy() {
    let fetch = serve(&assertion(), &badge_class(), &issuer());
    // The copy in hand claims another recipient; only its id is used.
    let mut copy = assertion();
    copy["recipient"]["identity"] = json!("mallory@example.com");
    let report = pollster::block_on(verify_ob2_hosted(
        &copy,
        &options_for("mallory@example.com"),
        &fetch,
    ));
    assert!(!report.valid);
    assert_eq!(status(&report, "recipient"), Status::Fail);

    let report = pollster::block_on(verify_ob2_hosted(
        &copy,
        &options_for("ada@example.com"),
        &fetch,
    ));
    assert!(report.valid, "{report:#?}");
}

#[test]
fn http_410_means_revoked() {
    let fetch = Offline::default()
        .with_status(ASSERTION, 410)
        .with(BADGE, bytes(&badge_class()))
        .with(ISSUER, bytes(&issuer()));
    let report = hosted(&fetch, &options());
    assert!(!report.valid);
    assert_eq!(status(&report, "revocation"), Status::Fail);
    assert!(message(&report, "revocation").contains("410"));
    assert_eq!(report.summary.revoked, Some(true));
}

#[test]
fn revoked_true_means_revoked() {
    let revoked = json!({
        "@context": "https://w3id.org/openbadges/v2",
        "id": ASSERTION,
        "revoked": true,
        "revocationReason": "Awarded in error"
    });
    let report = hosted(&serve(&revoked, &badge_class(), &issuer()), &options());
    assert!(!report.valid);
    assert_eq!(status(&report, "revocation"), Status::Fail);
    assert!(message(&report, "revocation").contains("Awarded in error"));
    assert_eq!(report.summary.revoked, Some(true));

    let mut flagged = assertion();
    flagged["revoked"] = json!(true);
    let report = hosted(&serve(&flagged, &badge_class(), &issuer()), &options());
    assert!(!report.valid);
    assert_eq!(status(&report, "revocation"), Status::Fail);
}

#[test]
fn a_document_not_served_at_its_own_id_fails() {
    let mut elsewhere = assertion();
    elsewhere["id"] = json!("http://example.org/assertions/2");
    let report = hosted(&serve(&elsewhere, &badge_class(), &issuer()), &options());
    assert!(!report.valid);
    assert_eq!(status(&report, "assertion-id"), Status::Fail);
    assert!(message(&report, "assertion-id").contains("assertions/2"));

    let mut badge = badge_class();
    badge["id"] = json!("http://example.org/badges/other");
    let report = hosted(&serve(&assertion(), &badge, &issuer()), &options());
    assert!(!report.valid);
    assert_eq!(status(&report, "badge-class"), Status::Fail);

    let mut profile = issuer();
    profile["id"] = json!("http://example.org/other-issuer");
    let report = hosted(&serve(&assertion(), &badge_class(), &profile), &options());
    assert!(!report.valid);
    assert_eq!(status(&report, "issuer"), Status::Fail);
}

#[test]
fn an_unreachable_assertion_or_badge_class_fails() {
    let report = hosted(&Offline::default(), &options());
    assert!(!report.valid);
    assert_eq!(status(&report, "assertion-fetch"), Status::Fail);

    let fetch = Offline::default()
        .with(ASSERTION, bytes(&assertion()))
        .with(ISSUER, bytes(&issuer()));
    let report = hosted(&fetch, &options());
    assert!(!report.valid);
    assert_eq!(status(&report, "badge-class"), Status::Fail);

    let fetch = Offline::default().with_status(ASSERTION, 404);
    let report = hosted(&fetch, &options());
    assert!(message(&report, "assertion-fetch").contains("404"));
}

#[test]
fn an_assertion_hosted_off_the_issuers_origin_fails() {
    let url = "http://evil.example/assertions/1";
    let mut a = assertion();
    a["id"] = json!(url);
    let fetch = Offline::default()
        .with(url, bytes(&a))
        .with(BADGE, bytes(&badge_class()))
        .with(ISSUER, bytes(&issuer()));
    let report = pollster::block_on(verify_ob2_hosted_url(url, &options(), &fetch));
    assert!(!report.valid);
    assert_eq!(status(&report, "hosted-origin"), Status::Fail);
    assert!(message(&report, "hosted-origin").contains("evil.example"));
}

#[test]
fn an_embedded_issuer_cannot_allow_the_attackers_host() {
    // Mallory hosts an assertion on her own host and embeds an issuer Profile that has the real
    // issuer's id but allows her origin; the Profile the issuer publishes does not.
    let url = "http://evil.example/assertions/1";
    let mut forged_issuer = issuer();
    forged_issuer["verification"] = json!({"allowedOrigins": "evil.example"});
    let mut forged_badge = badge_class();
    forged_badge["issuer"] = forged_issuer;

    // 1. The BadgeClass (without an id, so used as embedded) is in the assertion.
    let mut no_id = forged_badge.clone();
    no_id.as_object_mut().unwrap().remove("id");
    // 2. The BadgeClass is published on Mallory's host and embeds the issuer.
    let evil_badge = "http://evil.example/badges/1";
    let mut on_evil_host = forged_badge.clone();
    on_evil_host["id"] = json!(evil_badge);

    let mut allows_another = issuer();
    allows_another["verification"] = json!({"allowedOrigins": "badges.example.org"});
    for published in [issuer(), allows_another] {
        for badge in [no_id.clone(), json!(evil_badge)] {
            let mut a = assertion();
            a["id"] = json!(url);
            a["badge"] = badge;
            let fetch = Offline::default()
                .with(url, bytes(&a))
                .with(evil_badge, bytes(&on_evil_host))
                .with(ISSUER, bytes(&published));
            let report = pollster::block_on(verify_ob2_hosted_url(url, &options(), &fetch));
            assert!(!report.valid, "{report:#?}");
            assert_eq!(status(&report, "issuer"), Status::Pass, "{report:#?}");
            assert!(
                message(&report, "issuer").contains("replaced by the one fetched from its id"),
                "{report:#?}"
            );
            assert_eq!(
                status(&report, "hosted-origin"),
                Status::Fail,
                "{report:#?}"
            );
            assert!(message(&report, "hosted-origin").contains("evil.example"));
        }
    }

    // The issuer's own allowedOrigins still count when it publishes them.
    let mut allows_evil = issuer();
    allows_evil["verification"] = json!({"allowedOrigins": "evil.example"});
    let mut a = assertion();
    a["id"] = json!(url);
    a["badge"] = no_id;
    let fetch = Offline::default()
        .with(url, bytes(&a))
        .with(ISSUER, bytes(&allows_evil));
    let report = pollster::block_on(verify_ob2_hosted_url(url, &options(), &fetch));
    assert!(report.valid, "{report:#?}");
}

#[test]
fn an_embedded_badge_class_with_an_http_id_is_replaced_by_the_published_one() {
    let mut embedded = badge_class();
    embedded["name"] = json!("Forged Robotics Master");
    let mut forged_issuer = issuer();
    forged_issuer["name"] = json!("Forged Club");
    embedded["issuer"] = forged_issuer.clone();
    let mut a = assertion();
    a["badge"] = embedded;
    let report = hosted(&serve(&a, &badge_class(), &issuer()), &options());
    assert!(report.valid, "{report:#?}");
    assert_eq!(status(&report, "badge-class"), Status::Pass);
    assert!(
        message(&report, "badge-class")
            .contains(&format!("replaced by the one fetched from its id {BADGE}")),
        "{report:#?}"
    );
    assert!(message(&report, "issuer").contains(&format!("fetched from its id {ISSUER}")));
    assert_eq!(report.summary.achievement_name.as_deref(), Some("Robotics"));
    assert_eq!(
        report.summary.issuer_name.as_deref(),
        Some("Example Robotics Club")
    );

    // A published BadgeClass that embeds its issuer: the issuer is fetched from its id too.
    let mut published = badge_class();
    published["issuer"] = forged_issuer;
    let report = hosted(&serve(&assertion(), &published, &issuer()), &options());
    assert!(report.valid, "{report:#?}");
    assert!(
        message(&report, "issuer")
            .contains(&format!("replaced by the one fetched from its id {ISSUER}")),
        "{report:#?}"
    );
    assert_eq!(
        report.summary.issuer_name.as_deref(),
        Some("Example Robotics Club")
    );

    // Ids that cannot be fetched fail their check with the fetch error.
    let fetch = Offline::default()
        .with(ASSERTION, bytes(&a))
        .with(ISSUER, bytes(&issuer()));
    let report = hosted(&fetch, &options());
    assert!(!report.valid);
    assert_eq!(status(&report, "badge-class"), Status::Fail);
    assert!(
        message(&report, "badge-class").contains("not available offline"),
        "{report:#?}"
    );
    let fetch = Offline::default()
        .with(ASSERTION, bytes(&assertion()))
        .with(BADGE, bytes(&published));
    let report = hosted(&fetch, &options());
    assert!(!report.valid);
    assert_eq!(status(&report, "issuer"), Status::Fail);
    assert!(
        message(&report, "issuer").contains("not available offline"),
        "{report:#?}"
    );
}

#[test]
fn an_embedded_badge_class_without_an_id_is_a_warning() {
    for id in [None, Some("urn:uuid:5b6d1d7e-6f1a-4d8e-9a44-1c2d3e4f5a6b")] {
        let mut embedded = badge_class();
        match id {
            Some(id) => embedded["id"] = json!(id),
            None => {
                embedded.as_object_mut().unwrap().remove("id");
            }
        }
        let mut a = assertion();
        a["badge"] = embedded;
        let fetch = Offline::default()
            .with(ASSERTION, bytes(&a))
            .with(ISSUER, bytes(&issuer()));
        let report = hosted(&fetch, &options());
        assert!(report.valid, "{report:#?}");
        assert_eq!(status(&report, "badge-class"), Status::Warning);
        assert!(
            message(&report, "badge-class")
                .contains("could not be checked against a published copy"),
            "{report:#?}"
        );
        assert_eq!(report.summary.achievement_name.as_deref(), Some("Robotics"));
        assert_eq!(status(&report, "issuer"), Status::Pass);
        assert_eq!(status(&report, "hosted-origin"), Status::Pass);
    }
}

#[test]
fn an_embedded_issuer_without_an_http_id_fails_hosted_verification() {
    for id in [None, Some("urn:uuid:0f3c9a5e-2b1d-4c7e-8f6a-9d8c7b6a5e4f")] {
        let mut embedded = issuer();
        match id {
            Some(id) => embedded["id"] = json!(id),
            None => {
                embedded.as_object_mut().unwrap().remove("id");
            }
        }
        // Served as the published BadgeClass, and embedded in the assertion without an id.
        let mut published = badge_class();
        published["issuer"] = embedded;
        let mut no_id = published.clone();
        no_id.as_object_mut().unwrap().remove("id");
        for badge in [json!(BADGE), no_id] {
            let mut a = assertion();
            a["badge"] = badge;
            let report = hosted(&serve(&a, &published, &issuer()), &options());
            assert!(!report.valid, "{report:#?}");
            assert_eq!(status(&report, "issuer"), Status::Fail);
            let m = message(&report, "issuer");
            assert!(m.contains("embedded in the BadgeClass"), "{m}");
            assert!(m.contains("its Profile is published at"), "{m}");
            assert!(m.contains("verification rules"), "{m}");
            assert_eq!(status(&report, "hosted-origin"), Status::Fail);
        }
    }
}

#[test]
fn the_issuers_starts_with_and_allowed_origins_are_enforced() {
    let url = "http://badges.example.net/org/assertions/1";
    let mut a = assertion();
    a["id"] = json!(url);
    let run = |verification: Value| {
        let mut profile = issuer();
        profile["verification"] = verification;
        let fetch = Offline::default()
            .with(url, bytes(&a))
            .with(BADGE, bytes(&badge_class()))
            .with(ISSUER, bytes(&profile));
        pollster::block_on(verify_ob2_hosted_url(url, &options(), &fetch))
    };
    let ok = run(
        json!({"type": "VerificationObject", "allowedOrigins": "badges.example.net",
                        "startsWith": "http://badges.example.net/org/"}),
    );
    assert!(ok.valid, "{ok:#?}");
    assert_eq!(status(&ok, "hosted-origin"), Status::Pass);

    let ok = run(json!({"allowedOrigins": ["other.example", "BADGES.example.net"]}));
    assert_eq!(status(&ok, "hosted-origin"), Status::Pass);

    let bad = run(json!({"startsWith": ["http://badges.example.net/another-org/"]}));
    assert!(!bad.valid);
    assert_eq!(status(&bad, "hosted-origin"), Status::Fail);

    let bad = run(json!({"allowedOrigins": "example.org"}));
    assert!(!bad.valid);
    assert_eq!(status(&bad, "hosted-origin"), Status::Fail);
}

#[test]
fn expired_and_future_dated_assertions_fail() {
    let mut a = assertion();
    a["expires"] = json!("2024-03-01T00:00:00Z");
    let report = hosted(&serve(&a, &badge_class(), &issuer()), &options());
    assert!(!report.valid);
    assert_eq!(status(&report, "expiry"), Status::Fail);
    assert_eq!(
        report.summary.expires.as_deref(),
        Some("2024-03-01T00:00:00Z")
    );

    a["expires"] = json!("2030-01-01T00:00:00Z");
    let report = hosted(&serve(&a, &badge_class(), &issuer()), &options());
    assert!(report.valid);
    assert_eq!(status(&report, "expiry"), Status::Pass);

    let mut a = assertion();
    a["issuedOn"] = json!("2025-01-01T00:00:00Z");
    let report = hosted(&serve(&a, &badge_class(), &issuer()), &options());
    assert!(!report.valid);
    assert_eq!(status(&report, "issued"), Status::Fail);
    assert!(message(&report, "issued").contains("future"));
}

#[test]
fn plain_recipients_match_or_not() {
    let fetch = serve(&assertion(), &badge_class(), &issuer());
    let report = hosted(&fetch, &options_for("Ada@Example.com"));
    assert!(report.valid, "{report:#?}");
    assert_eq!(status(&report, "recipient"), Status::Pass);

    let report = hosted(&fetch, &options_for("bob@example.com"));
    assert!(!report.valid);
    assert_eq!(status(&report, "recipient"), Status::Fail);
}

#[test]
fn hashed_recipients_match_with_sha256_and_salt_and_with_md5() {
    for (algorithm, salt) in [
        (HashAlgorithm::Sha256, Some("deadsea")),
        (HashAlgorithm::Sha256, None),
        (HashAlgorithm::Md5, Some("pepper")),
        (HashAlgorithm::Md5, None),
    ] {
        let mut a = assertion();
        a["recipient"] = json!({
            "type": "email",
            "hashed": true,
            "identity": hash_identity(algorithm, "ada@example.com", salt),
        });
        if let Some(salt) = salt {
            a["recipient"]["salt"] = json!(salt);
        }
        let fetch = serve(&a, &badge_class(), &issuer());

        let report = hosted(&fetch, &options_for("ada@example.com"));
        assert!(report.valid, "{algorithm:?} {salt:?}: {report:#?}");
        assert_eq!(status(&report, "recipient"), Status::Pass);
        assert_eq!(report.summary.recipient.as_deref(), Some("ada@example.com"));

        let report = hosted(&fetch, &options_for("eve@example.com"));
        assert!(!report.valid);
        assert_eq!(status(&report, "recipient"), Status::Fail);
        assert_eq!(report.summary.recipient, None);

        let report = hosted(&fetch, &options());
        assert_eq!(status(&report, "recipient"), Status::Skipped);
        assert!(message(&report, "recipient").contains("hashed"));
    }
}

#[test]
fn a_malformed_hash_fails_with_a_reason() {
    let mut a = assertion();
    a["recipient"] = json!({"type": "email", "hashed": true, "identity": "sha1$abcdef"});
    let report = hosted(
        &serve(&a, &badge_class(), &issuer()),
        &options_for("ada@example.com"),
    );
    assert_eq!(status(&report, "recipient"), Status::Fail);
    assert!(
        message(&report, "recipient").contains("sha1"),
        "{report:#?}"
    );
}

#[test]
fn a_hosted_assertion_that_is_not_json_fails_cleanly() {
    let fetch = Offline::default().with(ASSERTION, b"<html>not here</html>".to_vec());
    let report = hosted(&fetch, &options());
    assert!(!report.valid);
    assert_eq!(status(&report, "assertion"), Status::Fail);
}

// ---------------------------------------------------------------------------------------------
// Signed
// ---------------------------------------------------------------------------------------------

struct RsaKeys {
    private_der: Vec<u8>,
    public_pem: String,
}

fn rsa_key(which: usize) -> &'static RsaKeys {
    static KEYS: OnceLock<Vec<RsaKeys>> = OnceLock::new();
    &KEYS.get_or_init(|| {
        use rsa::pkcs1::EncodeRsaPrivateKey;
        use rsa::pkcs8::{EncodePublicKey, LineEnding};
        (0..2)
            .map(|_| {
                let key = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap();
                RsaKeys {
                    private_der: key.to_pkcs1_der().unwrap().as_bytes().to_vec(),
                    public_pem: rsa::RsaPublicKey::from(&key)
                        .to_public_key_pem(LineEnding::LF)
                        .unwrap(),
                }
            })
            .collect()
    })[which]
}

fn signed_assertion() -> Value {
    json!({
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": "urn:uuid:2d3a8c4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e",
        "recipient": {"type": "email", "hashed": true, "salt": "deadsea",
                      "identity": hash_identity(HashAlgorithm::Sha256, "ada@example.com", Some("deadsea"))},
        "issuedOn": "2024-01-15T12:00:00Z",
        "badge": BADGE,
        "verification": {"type": "SignedBadge", "creator": KEY}
    })
}

fn signing_issuer() -> Value {
    let mut p = issuer();
    p["publicKey"] = json!(KEY);
    p["revocationList"] = json!(REVOCATIONS);
    p
}

fn crypto_key(pem: &str) -> Value {
    json!({
        "@context": "https://w3id.org/openbadges/v2",
        "type": "CryptographicKey",
        "id": KEY,
        "owner": ISSUER,
        "publicKeyPem": pem
    })
}

fn revocation_list(revoked: Value) -> Value {
    json!({
        "@context": "https://w3id.org/openbadges/v2",
        "type": "RevocationList",
        "id": REVOCATIONS,
        "issuer": ISSUER,
        "revokedAssertions": revoked
    })
}

fn signed_world(pem: &str) -> Offline {
    Offline::default()
        .with(BADGE, bytes(&badge_class()))
        .with(ISSUER, bytes(&signing_issuer()))
        .with(KEY, bytes(&crypto_key(pem)))
        .with(
            REVOCATIONS,
            bytes(&revocation_list(json!(["urn:uuid:someone-else"]))),
        )
}

fn sign_rs256(payload: &Value, key: &RsaKeys) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::RS256),
        payload,
        &EncodingKey::from_rsa_der(&key.private_der),
    )
    .unwrap()
}

fn signed(token: &str, fetch: &Offline, options: &Options) -> Report {
    pollster::block_on(verify_ob2_signed(token, options, fetch))
}

#[test]
fn an_rs256_signed_assertion_verifies() {
    let key = rsa_key(0);
    let token = sign_rs256(&signed_assertion(), key);
    let report = signed(
        &token,
        &signed_world(&key.public_pem),
        &options_for("ada@example.com"),
    );
    assert!(report.valid, "{report:#?}");
    assert_eq!(report.format, "ob2-signed");
    for id in [
        "jws",
        "assertion",
        "verification-type",
        "badge-class",
        "issuer",
        "issuer-key",
        "signature",
        "revocation",
        "issued",
        "recipient",
    ] {
        assert_eq!(status(&report, id), Status::Pass, "{id}: {report:#?}");
    }
    assert!(message(&report, "signature").contains("RS256"));
    assert_eq!(report.summary.revoked, Some(false));
    assert_eq!(report.summary.issuer_id.as_deref(), Some(ISSUER));
    assert_eq!(report.summary.achievement_name.as_deref(), Some("Robotics"));
    assert_eq!(report.summary.recipient.as_deref(), Some("ada@example.com"));
}

#[test]
fn without_a_creator_the_issuers_listed_keys_are_tried() {
    let key = rsa_key(0);
    let mut a = signed_assertion();
    a["verification"] = json!({"type": "signed"});
    let report = signed(
        &sign_rs256(&a, key),
        &signed_world(&key.public_pem),
        &options(),
    );
    assert!(report.valid, "{report:#?}");
}

#[test]
fn an_es256_signed_assertion_verifies() {
    use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
    let secret = p256::SecretKey::random(&mut rand::thread_rng());
    let pem = secret
        .public_key()
        .to_public_key_pem(LineEnding::LF)
        .unwrap();
    let der = secret.to_pkcs8_der().unwrap();
    let token = jsonwebtoken::encode(
        &Header::new(Algorithm::ES256),
        &signed_assertion(),
        &EncodingKey::from_ec_der(der.as_bytes()),
    )
    .unwrap();
    let report = signed(&token, &signed_world(&pem), &options());
    assert!(report.valid, "{report:#?}");
    assert!(message(&report, "signature").contains("ES256"));

    // The same token against an RSA key: the algorithm does not fit.
    let report = signed(&token, &signed_world(&rsa_key(0).public_pem), &options());
    assert!(!report.valid);
    assert!(message(&report, "signature").contains("does not fit"));
}

#[test]
fn a_tampered_payload_fails() {
    let key = rsa_key(0);
    let token = sign_rs256(&signed_assertion(), key);
    let parts: Vec<&str> = token.split('.').collect();
    let mut changed = signed_assertion();
    changed["recipient"]["identity"] = json!(hash_identity(
        HashAlgorithm::Sha256,
        "mallory@example.com",
        Some("deadsea")
    ));
    use base64::Engine as _;
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes(&changed));
    let forged = format!("{}.{}.{}", parts[0], payload, parts[2]);
    let report = signed(
        &forged,
        &signed_world(&key.public_pem),
        &options_for("mallory@example.com"),
    );
    assert!(!report.valid);
    assert_eq!(status(&report, "signature"), Status::Fail);
    assert!(message(&report, "signature").contains("does not match"));
}

#[test]
fn a_signature_by_another_key_fails() {
    let token = sign_rs256(&signed_assertion(), rsa_key(1));
    let report = signed(&token, &signed_world(&rsa_key(0).public_pem), &options());
    assert!(!report.valid);
    assert_eq!(status(&report, "signature"), Status::Fail);
}

#[test]
fn alg_none_is_refused() {
    use base64::Engine as _;
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes(v));
    let key = rsa_key(0);
    for alg in ["none", "None", "NONE"] {
        for sig in ["", "c2lnbmF0dXJl"] {
            let token = format!(
                "{}.{}.{sig}",
                b64(&json!({"alg": alg, "typ": "JWT"})),
                b64(&signed_assertion())
            );
            let report = signed(&token, &signed_world(&key.public_pem), &options());
            assert!(!report.valid, "{alg} {sig}");
            assert_eq!(status(&report, "signature"), Status::Fail);
            assert!(
                message(&report, "signature").contains("not signed"),
                "{report:#?}"
            );
        }
    }
    // A header without alg at all.
    let token = format!("{}.{}.c2ln", b64(&json!({})), b64(&signed_assertion()));
    let report = signed(&token, &signed_world(&key.public_pem), &options());
    assert!(!report.valid);
}

#[test]
fn hmac_with_the_public_key_as_secret_is_refused() {
    let key = rsa_key(0);
    for alg in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
        let token = jsonwebtoken::encode(
            &Header::new(alg),
            &signed_assertion(),
            &EncodingKey::from_secret(key.public_pem.as_bytes()),
        )
        .unwrap();
        let report = signed(&token, &signed_world(&key.public_pem), &options());
        assert!(!report.valid, "{alg:?}");
        assert_eq!(status(&report, "signature"), Status::Fail);
        assert!(
            message(&report, "signature").contains("HMAC"),
            "{report:#?}"
        );
    }
}

#[test]
fn a_key_owned_by_someone_else_or_not_listed_by_the_issuer_fails() {
    let key = rsa_key(0);
    let token = sign_rs256(&signed_assertion(), key);

    let mut foreign = crypto_key(&key.public_pem);
    foreign["owner"] = json!("http://evil.example/issuer");
    let fetch = signed_world(&key.public_pem).with(KEY, bytes(&foreign));
    let report = signed(&token, &fetch, &options());
    assert!(!report.valid);
    assert_eq!(status(&report, "issuer-key"), Status::Fail);
    assert!(message(&report, "issuer-key").contains("evil.example"));

    let mut unlisted = signing_issuer();
    unlisted["publicKey"] = json!("http://example.org/keys/other");
    let fetch = signed_world(&key.public_pem).with(ISSUER, bytes(&unlisted));
    let report = signed(&token, &fetch, &options());
    assert!(!report.valid);
    assert_eq!(status(&report, "issuer-key"), Status::Fail);
    assert!(message(&report, "issuer-key").contains("not listed"));

    // The key cannot be fetched.
    let fetch = Offline::default()
        .with(BADGE, bytes(&badge_class()))
        .with(ISSUER, bytes(&signing_issuer()));
    let report = signed(&token, &fetch, &options());
    assert!(!report.valid);
    assert_eq!(status(&report, "issuer-key"), Status::Fail);
}

#[test]
fn an_embedded_issuer_is_not_trusted_for_keys() {
    // The signer embeds an issuer that "lists" its key; the real issuer Profile does not.
    let key = rsa_key(0);
    let mut badge = badge_class();
    let mut fake = signing_issuer();
    fake["publicKey"] = json!(KEY);
    badge["issuer"] = fake;
    let mut a = signed_assertion();
    a["badge"] = badge;
    let token = sign_rs256(&a, key);
    let mut real = signing_issuer();
    real["publicKey"] = json!("http://example.org/keys/real");
    let fetch = signed_world(&key.public_pem).with(ISSUER, bytes(&real));
    let report = signed(&token, &fetch, &options());
    assert!(!report.valid, "{report:#?}");
    assert_eq!(status(&report, "issuer-key"), Status::Fail);
}

#[test]
fn an_embedded_issuer_without_an_http_id_fails_signed_verification() {
    let key = rsa_key(0);
    let mut embedded = signing_issuer();
    embedded.as_object_mut().unwrap().remove("id");
    // Served as the published BadgeClass, and embedded in the assertion without an id.
    let mut published = badge_class();
    published["issuer"] = embedded;
    let mut no_id = published.clone();
    no_id.as_object_mut().unwrap().remove("id");
    for badge in [json!(BADGE), no_id] {
        let mut a = signed_assertion();
        a["badge"] = badge;
        let token = sign_rs256(&a, key);
        let fetch = signed_world(&key.public_pem).with(BADGE, bytes(&published));
        let report = signed(&token, &fetch, &options());
        assert!(!report.valid, "{report:#?}");
        assert_eq!(status(&report, "issuer"), Status::Fail);
        assert!(
            message(&report, "issuer").contains("publicKey"),
            "{report:#?}"
        );
        assert_eq!(status(&report, "issuer-key"), Status::Fail);
    }
}

#[test]
fn listed_on_the_revocation_list_fails() {
    let key = rsa_key(0);
    let a = signed_assertion();
    let token = sign_rs256(&a, key);
    for entry in [
        json!(a["id"]),
        json!({"id": a["id"], "revocationReason": "Cheated"}),
    ] {
        let fetch = signed_world(&key.public_pem).with(
            REVOCATIONS,
            bytes(&revocation_list(json!(["urn:uuid:x", entry]))),
        );
        let report = signed(&token, &fetch, &options());
        assert!(!report.valid);
        assert_eq!(status(&report, "revocation"), Status::Fail);
        assert_eq!(report.summary.revoked, Some(true));
    }
}

#[test]
fn an_unreachable_revocation_list_is_a_warning_never_not_revoked() {
    let key = rsa_key(0);
    let token = sign_rs256(&signed_assertion(), key);
    let fetch = Offline::default()
        .with(BADGE, bytes(&badge_class()))
        .with(ISSUER, bytes(&signing_issuer()))
        .with(KEY, bytes(&crypto_key(&key.public_pem)));
    let report = signed(&token, &fetch, &options());
    assert!(report.valid, "{report:#?}");
    assert_eq!(status(&report, "revocation"), Status::Warning);
    assert!(message(&report, "revocation").contains("Revocation could not be checked"));
    assert_eq!(report.summary.revoked, None);

    // Served, but not a revocation list.
    let fetch = signed_world(&key.public_pem).with(REVOCATIONS, b"[1,2,3]".to_vec());
    let report = signed(&token, &fetch, &options());
    assert_eq!(status(&report, "revocation"), Status::Warning);
    assert_eq!(report.summary.revoked, None);
}

#[test]
fn a_signed_assertion_checks_dates_and_recipient_too() {
    let key = rsa_key(0);
    let mut a = signed_assertion();
    a["expires"] = json!("2024-02-01T00:00:00Z");
    let token = sign_rs256(&a, key);
    let report = signed(
        &token,
        &signed_world(&key.public_pem),
        &options_for("eve@example.com"),
    );
    assert!(!report.valid);
    assert_eq!(status(&report, "signature"), Status::Pass);
    assert_eq!(status(&report, "expiry"), Status::Fail);
    assert_eq!(status(&report, "recipient"), Status::Fail);
}

#[test]
fn a_signed_payload_that_is_not_an_assertion_fails() {
    use base64::Engine as _;
    let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    let header = b64(br#"{"alg":"RS256"}"#);
    for payload in [&b"not json"[..], b"[1]", b"{\"recipient\": 5}"] {
        let token = format!("{header}.{}.c2ln", b64(payload));
        let report = signed(&token, &Offline::default(), &options());
        assert!(!report.valid);
        assert_eq!(status(&report, "assertion"), Status::Fail);
    }
    let report = signed("not a jws", &Offline::default(), &options());
    assert_eq!(status(&report, "jws"), Status::Fail);
}
