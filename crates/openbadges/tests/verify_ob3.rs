//! Open Badges 3.0 verification (`verify_ob3`): vectors, issuer keys, did:web, status lists,
//! validity and recipients. Everything is served offline through `verify::Offline`.

use std::io::Write;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::SigningKey;
use openbadges::proof::{data_integrity, did_key};
use openbadges::verify::{verify_ob3, Offline, Options, Report, Status};
use serde_json::{json, Value};

/// 2025-06-15: after every vector's validFrom.
const NOW: i64 = 1_750_000_000;
const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors");
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/verify_ob3");

fn options() -> Options {
    Options {
        now: Some(NOW),
        ..Options::default()
    }
}

fn read_json(path: &str) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("JSON")
}

fn status_of(report: &Report, id: &str) -> Status {
    report
        .get(id)
        .unwrap_or_else(|| panic!("no {id} check in {report:#?}"))
        .status
}

fn message_of<'a>(report: &'a Report, id: &str) -> &'a str {
    &report.get(id).expect("check").message
}

fn verify(doc: &Value, fetch: &Offline) -> Report {
    pollster::block_on(verify_ob3(doc, &options(), fetch))
}

fn credential(issuer: &str) -> Value {
    json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ],
        "id": "urn:uuid:3e5b1a8c-4f0e-4a7b-9c1d-2b3c4d5e6f70",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Teamwork Badge",
        "issuer": { "id": issuer, "type": ["Profile"], "name": "Badge Commons test issuer" },
        "validFrom": "2024-03-01T12:00:00Z",
        "credentialSubject": {
            "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://example.com/achievements/teamwork",
                "type": ["Achievement"],
                "name": "Teamwork",
                "description": "Collaborates within a group.",
                "criteria": { "narrative": "Nominated by peers." }
            }
        }
    })
}

fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

fn sign_with(doc: &Value, key: &SigningKey, vm: &str) -> Value {
    data_integrity::sign(doc, key, vm, "2024-03-01T12:00:00Z").expect("signs")
}

fn did_key_signed(seed: u8) -> Value {
    let k = key(seed);
    let vm = did_key::verification_method(&k.verifying_key());
    sign_with(&credential(&did_key::did(&k.verifying_key())), &k, &vm)
}

// --- vectors -------------------------------------------------------------------------------

fn onedtech_offline() -> Offline {
    Offline::default().with(
        "https://example.edu/issuers/565049",
        std::fs::read(format!("{FIXTURES}/onedtech-issuer.json")).expect("fixture"),
    )
}

#[test]
fn onedtech_vector_verifies() {
    let vc = read_json(&format!("{VECTORS}/1edtech/signed-credential.json"));
    let report = verify(&vc, &onedtech_offline());
    assert!(report.valid, "{report:#?}");
    assert_eq!(report.format, "ob3-data-integrity");
    for id in ["format", "schema", "proof", "issuer-key", "validity"] {
        assert_eq!(status_of(&report, id), Status::Pass, "{id}: {report:#?}");
    }
    assert_eq!(status_of(&report, "revocation"), Status::Skipped);
    assert_eq!(status_of(&report, "recipient"), Status::Skipped);
    let s = &report.summary;
    assert_eq!(s.version.as_deref(), Some("Open Badges 3.0"));
    assert_eq!(
        s.issuer_id.as_deref(),
        Some("https://example.edu/issuers/565049")
    );
    assert_eq!(s.issuer_name.as_deref(), Some("Example Corp"));
    assert_eq!(s.achievement_name.as_deref(), Some("Teamwork"));
    assert_eq!(
        s.recipient.as_deref(),
        Some("did:example:ebfeb1f712ebc6f1c276e12ec21")
    );
    assert_eq!(s.issued.as_deref(), Some("2010-01-01T00:00:00Z"));
    assert_eq!(s.expires, None);
    assert_eq!(s.revoked, None);
}

#[test]
fn onedtech_vector_without_its_issuer_document_fails_with_a_reason() {
    let vc = read_json(&format!("{VECTORS}/1edtech/signed-credential.json"));
    let report = verify(&vc, &Offline::default());
    assert!(!report.valid);
    assert_eq!(status_of(&report, "proof"), Status::Fail);
    assert!(
        message_of(&report, "proof").contains("could not be fetched"),
        "{report:#?}"
    );
}

#[test]
fn onedtech_vector_tampered_fails() {
    let mut vc = read_json(&format!("{VECTORS}/1edtech/signed-credential.json"));
    vc["credentialSubject"]["achievement"]["name"] = json!("Leadership");
    let report = verify(&vc, &onedtech_offline());
    assert!(!report.valid);
    assert_eq!(status_of(&report, "proof"), Status::Fail);
    assert!(message_of(&report, "proof").contains("signature does not match"));
}

#[test]
fn dcc_vectors_verify_and_tampered_ones_fail() {
    for name in ["vc2-ob303", "vc11-ob302"] {
        let vc = read_json(&format!("{VECTORS}/dcc/{name}.json"));
        let report = verify(&vc, &Offline::default());
        assert!(report.valid, "{name}: {report:#?}");
        assert_eq!(status_of(&report, "proof"), Status::Pass, "{name}");
        assert_eq!(status_of(&report, "issuer-key"), Status::Pass, "{name}");
        assert_eq!(status_of(&report, "format"), Status::Pass, "{name}");

        let tampered = read_json(&format!("{VECTORS}/dcc/{name}.tampered.json"));
        let report = verify(&tampered, &Offline::default());
        assert!(!report.valid, "{name} tampered");
        assert_eq!(status_of(&report, "proof"), Status::Fail, "{name} tampered");
    }
    let vc = read_json(&format!("{VECTORS}/dcc/vc11-ob302.json"));
    let report = verify(&vc, &Offline::default());
    assert!(message_of(&report, "format").contains("VC Data Model 1.1"));
    assert_eq!(
        report.summary.issued.as_deref(),
        Some("2024-05-01T00:00:00Z")
    );
}

// --- proofs and issuer keys ----------------------------------------------------------------

#[test]
fn did_key_credential_verifies() {
    let report = verify(&did_key_signed(9), &Offline::default());
    assert!(report.valid, "{report:#?}");
    assert_eq!(status_of(&report, "issuer-key"), Status::Pass);
}

#[test]
fn key_of_another_did_fails_issuer_key() {
    let issuer = key(1);
    let other = key(2);
    let doc = credential(&did_key::did(&issuer.verifying_key()));
    let vm = did_key::verification_method(&other.verifying_key());
    let signed = sign_with(&doc, &other, &vm);
    let report = verify(&signed, &Offline::default());
    assert!(!report.valid);
    // The signature itself is good: it is the key that is not the issuer's.
    assert_eq!(status_of(&report, "proof"), Status::Pass);
    assert_eq!(status_of(&report, "issuer-key"), Status::Fail);
    let expected = format!(
        "the proof was made with a key of {}, not of the issuer {}",
        did_key::did(&other.verifying_key()),
        did_key::did(&issuer.verifying_key())
    );
    assert!(
        message_of(&report, "issuer-key").starts_with(&expected),
        "{}",
        message_of(&report, "issuer-key")
    );
}

#[test]
fn right_signature_over_a_different_document_fails() {
    let signed = did_key_signed(9);
    let mut other = credential(&did_key::did(&key(9).verifying_key()));
    other["credentialSubject"]["id"] = json!("did:example:someone-else");
    other["proof"] = signed["proof"].clone();
    let report = verify(&other, &Offline::default());
    assert!(!report.valid);
    assert_eq!(status_of(&report, "proof"), Status::Fail);
}

#[test]
fn unbundled_context_is_a_clear_failure() {
    let k = key(9);
    let mut doc = credential(&did_key::did(&k.verifying_key()));
    let signed = sign_with(&doc, &k, &did_key::verification_method(&k.verifying_key()));
    doc = signed;
    doc["@context"]
        .as_array_mut()
        .expect("array")
        .push(json!("https://example.com/contexts/evil.jsonld"));
    let report = verify(&doc, &Offline::default());
    assert!(!report.valid);
    assert!(
        message_of(&report, "proof")
            .contains("https://example.com/contexts/evil.jsonld is not bundled"),
        "{report:#?}"
    );
}

#[test]
fn missing_proof_fails() {
    let doc = credential(&did_key::did(&key(9).verifying_key()));
    let report = verify(&doc, &Offline::default());
    assert!(!report.valid);
    assert!(message_of(&report, "proof").contains("no `proof`"));
    assert_eq!(status_of(&report, "issuer-key"), Status::Skipped);
}

fn did_web_document(did: &str, vm_fragment: &str, key: &SigningKey, jwk: bool) -> Value {
    let method = if jwk {
        json!({
            "id": format!("{did}#{vm_fragment}"),
            "type": "JsonWebKey2020",
            "controller": did,
            "publicKeyJwk": {
                "kty": "OKP", "crv": "Ed25519",
                "x": URL_SAFE_NO_PAD.encode(key.verifying_key().as_bytes())
            }
        })
    } else {
        json!({
            "id": format!("#{vm_fragment}"),
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": did_key::encode_public_key(&key.verifying_key())
        })
    };
    json!({
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [method],
        "assertionMethod": [format!("#{vm_fragment}")]
    })
}

#[test]
fn did_web_uses_plain_http_only_for_hosts_the_fetcher_allows() {
    let k = key(23);
    let did = "did:web:127.0.0.1%3A8080";
    let signed = sign_with(&credential(did), &k, &format!("{did}#key-1"));
    let document = did_web_document(did, "key-1", &k, false).to_string();
    let local = Offline::default()
        .with(
            "http://127.0.0.1:8080/.well-known/did.json",
            document.clone(),
        )
        .with_plain_http_host("127.0.0.1:8080");
    let report = verify(&signed, &local);
    assert!(report.valid, "{report:#?}");

    // The same document served over plain HTTP is not fetched for any other host: did:web
    // means HTTPS.
    let not_allowed =
        Offline::default().with("http://127.0.0.1:8080/.well-known/did.json", document);
    let report = verify(&signed, &not_allowed);
    assert!(!report.valid);
    assert!(
        message_of(&report, "proof").contains("https://127.0.0.1:8080/.well-known/did.json"),
        "{report:#?}"
    );
}

#[test]
fn did_web_issuer_resolves_through_fetch() {
    let k = key(21);
    let did = "did:web:badges.example.org";
    let signed = sign_with(&credential(did), &k, &format!("{did}#key-1"));
    let fetch = Offline::default().with(
        "https://badges.example.org/.well-known/did.json",
        did_web_document(did, "key-1", &k, false).to_string(),
    );
    let report = verify(&signed, &fetch);
    assert!(report.valid, "{report:#?}");
    assert_eq!(status_of(&report, "issuer-key"), Status::Pass);

    // With a path, a port and a JWK.
    let did = "did:web:badges.example.org%3A8443:issuers:42";
    let signed = sign_with(&credential(did), &k, &format!("{did}#jwk"));
    let fetch = Offline::default().with(
        "https://badges.example.org:8443/issuers/42/did.json",
        did_web_document(did, "jwk", &k, true).to_string(),
    );
    let report = verify(&signed, &fetch);
    assert!(report.valid, "{report:#?}");

    // Unreachable DID document: the proof cannot be checked.
    let report = verify(&signed, &Offline::default());
    assert!(!report.valid);
    assert!(message_of(&report, "proof").contains("not available offline"));

    // A DID document whose key is another: the signature does not match.
    let fetch = Offline::default().with(
        "https://badges.example.org:8443/issuers/42/did.json",
        did_web_document(did, "jwk", &key(22), true).to_string(),
    );
    let report = verify(&signed, &fetch);
    assert_eq!(status_of(&report, "proof"), Status::Fail);

    // A DID document served for another DID is refused.
    let fetch = Offline::default().with(
        "https://badges.example.org:8443/issuers/42/did.json",
        did_web_document("did:web:evil.example", "jwk", &k, true).to_string(),
    );
    let report = verify(&signed, &fetch);
    assert_eq!(status_of(&report, "proof"), Status::Fail);
    assert!(message_of(&report, "proof").contains("has id did:web:evil.example"));
}

#[test]
fn key_listed_in_the_issuers_assertion_method_belongs_to_the_issuer() {
    let k = key(23);
    let did = "did:web:school.example";
    let vm = did_key::verification_method(&k.verifying_key());
    let signed = sign_with(&credential(did), &k, &vm);
    let mut document = did_web_document(did, "key-1", &key(24), false);
    let fetch = Offline::default().with(
        "https://school.example/.well-known/did.json",
        document.to_string(),
    );
    let report = verify(&signed, &fetch);
    assert_eq!(status_of(&report, "proof"), Status::Pass);
    assert_eq!(status_of(&report, "issuer-key"), Status::Fail);

    document["assertionMethod"]
        .as_array_mut()
        .expect("array")
        .push(json!(vm));
    let fetch = Offline::default().with(
        "https://school.example/.well-known/did.json",
        document.to_string(),
    );
    let report = verify(&signed, &fetch);
    assert!(report.valid, "{report:#?}");
    assert!(message_of(&report, "issuer-key").contains("assertionMethod"));
}

// --- format, schema ------------------------------------------------------------------------

#[test]
fn not_a_credential_is_a_format_failure_and_never_panics() {
    let inputs = [
        json!(null),
        json!([1, 2, 3]),
        json!("text"),
        json!({}),
        json!({"@context": "https://w3id.org/openbadges/v2", "type": "Assertion", "id": "x"}),
        json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"]}),
        json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential", "OpenBadgeCredential"]}),
        json!({"@context": 5, "type": ["VerifiableCredential", "OpenBadgeCredential"], "proof": []}),
    ];
    for input in inputs {
        let report = verify(&input, &Offline::default());
        assert!(!report.valid, "{input}");
        assert_eq!(status_of(&report, "format"), Status::Fail, "{input}");
        assert!(!message_of(&report, "format").is_empty());
    }
    // Odd shapes inside a recognised credential.
    let mut odd = did_key_signed(9);
    odd["credentialSubject"] = json!([1, "x", null]);
    odd["issuer"] = json!(42);
    odd["validFrom"] = json!({"a": 1});
    odd["credentialStatus"] = json!([7, {"type": 3}, {"type": "BitstringStatusListEntry"}]);
    odd["proof"]["verificationMethod"] = json!("did:key:");
    let report = pollster::block_on(verify_ob3(
        &odd,
        &Options {
            recipient: Some("a@example.com".into()),
            now: Some(NOW),
        },
        &Offline::default(),
    ));
    assert!(!report.valid);
}

#[test]
fn schema_problems_fail_with_paths() {
    let k = key(9);
    let mut doc = credential(&did_key::did(&k.verifying_key()));
    doc["credentialSubject"]
        .as_object_mut()
        .expect("object")
        .remove("achievement");
    let signed = sign_with(&doc, &k, &did_key::verification_method(&k.verifying_key()));
    let report = verify(&signed, &Offline::default());
    assert!(!report.valid);
    assert_eq!(status_of(&report, "schema"), Status::Fail);
    assert!(
        message_of(&report, "schema").contains("/credentialSubject"),
        "{}",
        message_of(&report, "schema")
    );
}

// --- validity ------------------------------------------------------------------------------

fn signed_with_dates(from: &str, until: Option<&str>) -> Value {
    let k = key(9);
    let mut doc = credential(&did_key::did(&k.verifying_key()));
    doc["validFrom"] = json!(from);
    if let Some(until) = until {
        doc["validUntil"] = json!(until);
    }
    sign_with(&doc, &k, &did_key::verification_method(&k.verifying_key()))
}

#[test]
fn expired_and_not_yet_valid_fail() {
    let report = verify(
        &signed_with_dates("2020-01-01T00:00:00Z", Some("2021-01-01T00:00:00Z")),
        &Offline::default(),
    );
    assert!(!report.valid);
    assert_eq!(status_of(&report, "proof"), Status::Pass);
    assert_eq!(status_of(&report, "validity"), Status::Fail);
    assert!(message_of(&report, "validity").contains("expired on 2021-01-01T00:00:00Z"));
    assert_eq!(
        report.summary.expires.as_deref(),
        Some("2021-01-01T00:00:00Z")
    );

    let report = verify(
        &signed_with_dates("2030-01-01T00:00:00Z", None),
        &Offline::default(),
    );
    assert!(!report.valid);
    assert!(message_of(&report, "validity").contains("not yet valid"));
    assert!(message_of(&report, "validity").contains("2030-01-01T00:00:00Z"));

    let report = verify(
        &signed_with_dates("2020-01-01T00:00:00Z", Some("2030-01-01T00:00:00Z")),
        &Offline::default(),
    );
    assert!(report.valid, "{report:#?}");
    assert_eq!(status_of(&report, "validity"), Status::Pass);
}

// --- recipient -----------------------------------------------------------------------------

#[test]
fn recipient_is_compared_with_id_and_hashed_identifiers() {
    let k = key(9);
    let mut doc = credential(&did_key::did(&k.verifying_key()));
    doc["credentialSubject"]["identifier"] = json!([{
        "type": "IdentityObject",
        "hashed": true,
        "identityHash": openbadges::model::common::hash_identity(
            openbadges::model::common::HashAlgorithm::Sha256, "alice@example.com", Some("pepper")),
        "identityType": "emailAddress",
        "salt": "pepper"
    }]);
    let signed = sign_with(&doc, &k, &did_key::verification_method(&k.verifying_key()));
    let with = |recipient: &str| {
        pollster::block_on(verify_ob3(
            &signed,
            &Options {
                recipient: Some(recipient.into()),
                now: Some(NOW),
            },
            &Offline::default(),
        ))
    };
    let report = with("alice@example.com");
    assert!(report.valid, "{report:#?}");
    assert!(message_of(&report, "recipient").contains("hashed emailAddress"));
    let report = with("did:example:ebfeb1f712ebc6f1c276e12ec21");
    assert_eq!(status_of(&report, "recipient"), Status::Pass);
    let report = with("mallory@example.com");
    assert!(!report.valid);
    assert_eq!(status_of(&report, "recipient"), Status::Fail);
}

// --- status lists --------------------------------------------------------------------------

const LIST_URL: &str = "https://status.example.org/lists/1";

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).expect("gzip");
    e.finish().expect("gzip")
}

fn status_list(signer: &SigningKey, issuer: &str, set: &[usize]) -> Value {
    let mut bits = vec![0u8; 16 * 1024];
    for i in set {
        bits[i / 8] |= 0x80 >> (i % 8);
    }
    let list = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {
            "id": format!("{LIST_URL}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": format!("u{}", URL_SAFE_NO_PAD.encode(gzip(&bits)))
        }
    });
    sign_with(
        &list,
        signer,
        &did_key::verification_method(&signer.verifying_key()),
    )
}

fn credential_with_status(k: &SigningKey, index: usize) -> Value {
    let mut doc = credential(&did_key::did(&k.verifying_key()));
    doc["credentialStatus"] = json!({
        "id": format!("{LIST_URL}#{index}"),
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": index.to_string(),
        "statusListCredential": LIST_URL
    });
    sign_with(&doc, k, &did_key::verification_method(&k.verifying_key()))
}

#[test]
fn bitstring_status_list_revoked_and_not_revoked() {
    let k = key(31);
    let issuer = did_key::did(&k.verifying_key());
    let fetch = Offline::default().with(LIST_URL, status_list(&k, &issuer, &[5]).to_string());

    let report = verify(&credential_with_status(&k, 5), &fetch);
    assert!(!report.valid);
    assert_eq!(status_of(&report, "proof"), Status::Pass, "{report:#?}");
    assert_eq!(
        status_of(&report, "revocation"),
        Status::Fail,
        "{report:#?}"
    );
    assert!(message_of(&report, "revocation").contains("revoked"));
    assert_eq!(report.summary.revoked, Some(true));

    let report = verify(&credential_with_status(&k, 6), &fetch);
    assert!(report.valid, "{report:#?}");
    assert_eq!(status_of(&report, "revocation"), Status::Pass);
    assert!(message_of(&report, "revocation").starts_with("not revoked"));
    assert_eq!(report.summary.revoked, Some(false));
}

fn assert_unchecked(report: &Report, why: &str) {
    assert!(report.valid, "{report:#?}");
    assert_eq!(
        status_of(report, "revocation"),
        Status::Warning,
        "{report:#?}"
    );
    let message = message_of(report, "revocation");
    assert!(
        message.starts_with("revocation could not be checked: "),
        "{message}"
    );
    assert!(message.contains(why), "{message}");
    assert!(!message.contains("not revoked"), "{message}");
    assert_eq!(report.summary.revoked, None);
}

#[test]
fn unreachable_status_list_is_a_warning_never_not_revoked() {
    let k = key(31);
    let report = verify(&credential_with_status(&k, 5), &Offline::default());
    assert_unchecked(&report, "could not be fetched");

    let fetch = Offline::default().with_status(LIST_URL, 500);
    let report = verify(&credential_with_status(&k, 5), &fetch);
    assert_unchecked(&report, "HTTP status 500");

    let fetch = Offline::default().with(LIST_URL, "<html>not json</html>");
    let report = verify(&credential_with_status(&k, 5), &fetch);
    assert_unchecked(&report, "did not send JSON");
}

#[test]
fn status_list_that_does_not_verify_is_a_warning() {
    let k = key(31);
    let issuer = did_key::did(&k.verifying_key());

    // Tampered after signing: index 5 cleared, so an attacker could "un-revoke".
    let mut tampered = status_list(&k, &issuer, &[5]);
    let clean = status_list(&k, &issuer, &[]);
    tampered["credentialSubject"]["encodedList"] =
        clean["credentialSubject"]["encodedList"].clone();
    let fetch = Offline::default().with(LIST_URL, tampered.to_string());
    let report = verify(&credential_with_status(&k, 5), &fetch);
    assert_unchecked(&report, "does not verify");

    // Signed by someone else, claiming the issuer.
    let forged = status_list(&key(32), &issuer, &[]);
    let fetch = Offline::default().with(LIST_URL, forged.to_string());
    let report = verify(&credential_with_status(&k, 5), &fetch);
    assert_unchecked(&report, "not of the issuer");

    // Issued (and properly signed) by another issuer.
    let other = key(33);
    let foreign = status_list(&other, &did_key::did(&other.verifying_key()), &[]);
    let fetch = Offline::default().with(LIST_URL, foreign.to_string());
    let report = verify(&credential_with_status(&k, 5), &fetch);
    assert_unchecked(&report, "not by the credential's issuer");

    // No proof at all.
    let mut unsigned = status_list(&k, &issuer, &[]);
    unsigned.as_object_mut().expect("object").remove("proof");
    let fetch = Offline::default().with(LIST_URL, unsigned.to_string());
    let report = verify(&credential_with_status(&k, 5), &fetch);
    assert_unchecked(&report, "has no proof");

    // Index beyond the list.
    let fetch = Offline::default().with(LIST_URL, status_list(&k, &issuer, &[]).to_string());
    let report = verify(&credential_with_status(&k, 1_000_000), &fetch);
    assert_unchecked(&report, "beyond");
}

#[test]
fn onedtech_revocation_list() {
    let k = key(41);
    let issuer = did_key::did(&k.verifying_key());
    let mut doc = credential(&issuer);
    let list_url = "https://example.org/revocations/1";
    doc["credentialStatus"] = json!({ "id": list_url, "type": "1EdTechRevocationList" });
    let signed = sign_with(&doc, &k, &did_key::verification_method(&k.verifying_key()));
    let credential_id = doc["id"].as_str().expect("id");

    let revoked = json!({
        "id": list_url,
        "issuer": issuer,
        "revokedCredentials": [
            { "id": "urn:uuid:00000000-0000-4000-8000-000000000000" },
            { "id": credential_id, "revocationReason": "Issued in error." }
        ]
    });
    let report = verify(
        &signed,
        &Offline::default().with(list_url, revoked.to_string()),
    );
    assert!(!report.valid);
    assert_eq!(status_of(&report, "revocation"), Status::Fail);
    assert!(message_of(&report, "revocation").contains("Issued in error."));
    assert_eq!(report.summary.revoked, Some(true));

    let clear = json!({ "id": list_url, "issuer": issuer, "revokedCredentials": [] });
    let report = verify(
        &signed,
        &Offline::default().with(list_url, clear.to_string()),
    );
    assert!(report.valid, "{report:#?}");
    assert_eq!(report.summary.revoked, Some(false));

    // A list published by someone else does not count.
    let foreign =
        json!({ "id": list_url, "issuer": "did:example:other", "revokedCredentials": [] });
    let report = verify(
        &signed,
        &Offline::default().with(list_url, foreign.to_string()),
    );
    assert_unchecked(&report, "not by the credential's issuer");

    let report = verify(&signed, &Offline::default());
    assert_unchecked(&report, "could not be fetched");
}

#[test]
fn unknown_status_method_is_a_warning() {
    let k = key(9);
    let mut doc = credential(&did_key::did(&k.verifying_key()));
    doc["credentialStatus"] =
        json!({ "id": "https://example.org/status/1", "type": "CredentialStatusList2017" });
    let signed = sign_with(&doc, &k, &did_key::verification_method(&k.verifying_key()));
    let report = verify(&signed, &Offline::default());
    assert_unchecked(&report, "not supported");
}

/// A StatusList2021 list, as older issuers and wallets publish (VC 1.1, its own context).
fn status_list_2021(signer: &SigningKey, issuer: &str, set: &[usize]) -> Value {
    let mut bits = vec![0u8; 16 * 1024];
    for i in set {
        bits[i / 8] |= 0x80 >> (i % 8);
    }
    let list = json!({
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "https://w3id.org/vc/status-list/2021/v1",
            "https://w3id.org/security/data-integrity/v2"
        ],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "StatusList2021Credential"],
        "issuer": issuer,
        "issuanceDate": "2024-01-01T00:00:00Z",
        "credentialSubject": {
            "id": format!("{LIST_URL}#list"),
            "type": "StatusList2021",
            "statusPurpose": "revocation",
            "encodedList": URL_SAFE_NO_PAD.encode(gzip(&bits))
        }
    });
    sign_with(
        &list,
        signer,
        &did_key::verification_method(&signer.verifying_key()),
    )
}

#[test]
fn status_list_2021_is_checked_like_a_bitstring_list() {
    let k = key(32);
    let issuer = did_key::did(&k.verifying_key());
    let fetch = Offline::default().with(LIST_URL, status_list_2021(&k, &issuer, &[9]).to_string());
    let with_entry = |index: usize| {
        let mut doc = credential(&issuer);
        doc["@context"]
            .as_array_mut()
            .expect("context list")
            .push(json!("https://w3id.org/vc/status-list/2021/v1"));
        doc["credentialStatus"] = json!({
            "id": format!("{LIST_URL}#{index}"),
            "type": "StatusList2021Entry",
            "statusPurpose": "revocation",
            "statusListIndex": index.to_string(),
            "statusListCredential": LIST_URL
        });
        sign_with(&doc, &k, &did_key::verification_method(&k.verifying_key()))
    };

    let report = verify(&with_entry(9), &fetch);
    assert_eq!(status_of(&report, "proof"), Status::Pass, "{report:#?}");
    assert_eq!(
        status_of(&report, "revocation"),
        Status::Fail,
        "{report:#?}"
    );
    assert_eq!(report.summary.revoked, Some(true));

    let report = verify(&with_entry(10), &fetch);
    assert_eq!(
        status_of(&report, "revocation"),
        Status::Pass,
        "the list's proof verifies: {report:#?}"
    );
    assert_eq!(report.summary.revoked, Some(false));
}
