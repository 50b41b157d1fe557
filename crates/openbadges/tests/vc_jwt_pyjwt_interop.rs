//! Open Badges 3.0 VC-JWTs signed by another implementation, PyJWT + cryptography (Python), verify
//! with ours; and the VC-JWT our signer makes, which `tests/interop/vc_jwt_pyjwt.sh` verifies
//! with PyJWT. The vectors are in `tests/vectors/vc-jwt-pyjwt/` (see its README); nothing here
//! needs Python.

use std::path::PathBuf;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::SigningKey;
use openbadges::proof::{did_key, jwt};
use openbadges::verify::{verify_ob3_jwt, Offline, Options, Report, Status};
use serde_json::{json, Value};

/// 2025-06-15: inside every vector's validity (2024-03-01 to 2034-03-01).
const NOW: i64 = 1_750_000_000;
const DID_WEB_DOCUMENT: &str = "https://pyjwt.example/.well-known/did.json";
/// RS256 and EdDSA, `kid` or inline `jwk`, did:web or did:key; ES256 too.
const THEIRS: [&str; 5] = [
    "rs256-jwk",
    "rs256-kid",
    "es256-kid",
    "eddsa-jwk",
    "eddsa-didkey",
];
/// The seed of the Ed25519 key our committed VC-JWT is signed with (a test key).
const OUR_SEED: [u8; 32] = [0x0b; 32];

fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/vc-jwt-pyjwt")
}

fn read(name: &str) -> String {
    let path = vectors().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn token(name: &str) -> String {
    read(&format!("{name}.jwt")).trim().to_owned()
}

fn with_did_web() -> Offline {
    Offline::default().with(DID_WEB_DOCUMENT, read("did.json"))
}

fn verify(compact: &str, fetch: &Offline) -> Report {
    let options = Options {
        recipient: None,
        now: Some(NOW),
    };
    pollster::block_on(verify_ob3_jwt(compact, &options, fetch))
}

fn status(report: &Report, id: &str) -> Status {
    report
        .get(id)
        .unwrap_or_else(|| panic!("no {id} check in {report:#?}"))
        .status
}

fn payload_of(compact: &str) -> Value {
    let body = compact.split('.').nth(1).expect("three parts");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(body).expect("base64url")).expect("JSON")
}

fn assert_accepted(name: &str, report: &Report) {
    assert!(report.valid, "{name}: {report:#?}");
    assert_eq!(report.format, "ob3-jwt");
    for id in ["jwt", "jwt-claims", "format", "issuer-key", "validity"] {
        assert_eq!(
            status(report, id),
            Status::Pass,
            "{name}, {id}: {report:#?}"
        );
    }
    assert!(
        !report.has(Status::Fail),
        "{name}: no check may fail: {report:#?}"
    );
}

#[test]
fn their_tokens_verify_with_ours() {
    let fetch = with_did_web();
    for name in THEIRS {
        let report = verify(&token(name), &fetch);
        assert_accepted(name, &report);
        assert_eq!(
            report.summary.achievement_name.as_deref(),
            Some("Interoperability"),
            "{name}"
        );
    }
}

#[test]
fn their_payload_is_the_credential_plus_the_claims_we_would_write() {
    for name in THEIRS {
        let credential: Value =
            serde_json::from_str(&read(&format!("{name}.credential.json"))).expect("JSON");
        let mut expected = credential.as_object().expect("object").clone();
        expected.extend(jwt::registered_claims(&credential));
        assert_eq!(
            payload_of(&token(name)),
            Value::Object(expected),
            "{name}: PyJWT's payload and our registered_claims disagree"
        );
    }
}

#[test]
fn tampered_copies_of_their_tokens_are_refused() {
    let fetch = with_did_web();
    for name in THEIRS {
        let compact = token(name);
        let mut parts: Vec<String> = compact.split('.').map(str::to_owned).collect();
        let mut payload = payload_of(&compact);
        payload["credentialSubject"]["achievement"]["name"] = json!("Interoperability (forged)");
        parts[1] = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload).unwrap());
        let report = verify(&parts.join("."), &fetch);
        assert!(!report.valid, "{name} tampered: {report:#?}");
        assert_eq!(status(&report, "jwt"), Status::Fail, "{name}: {report:#?}");
    }
}

#[test]
fn an_inline_jwk_alone_does_not_make_the_key_the_issuers() {
    // Without the issuer's DID document the token's own `jwk` verifies the signature but cannot
    // be tied to the issuer: not valid.
    for name in ["rs256-jwk", "eddsa-jwk"] {
        let report = verify(&token(name), &Offline::default());
        assert_eq!(status(&report, "jwt"), Status::Pass, "{name}: {report:#?}");
        assert_eq!(
            status(&report, "issuer-key"),
            Status::Fail,
            "{name}: {report:#?}"
        );
        assert!(!report.valid, "{name}");
    }
}

fn our_credential(issuer: &str) -> Value {
    json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ],
        "id": "urn:uuid:2f1e7a52-8c33-4b7e-9a61-0c5d3e2b1a90",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "crates/openbadges interop: eddsa-didkey",
        "issuer": { "id": issuer, "type": ["Profile"], "name": "crates/openbadges test issuer" },
        "validFrom": "2024-03-01T12:00:00Z",
        "validUntil": "2034-03-01T12:00:00Z",
        "credentialSubject": {
            "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://example.org/achievements/interop",
                "type": ["Achievement"],
                "name": "Interoperability",
                "description": "Signed by one implementation, verified by another.",
                "criteria": { "narrative": "Verify with PyJWT." }
            }
        }
    })
}

/// Our VC-JWT, signed with `jwt::sign_ed25519` (`kid` the did:key verification method). The
/// committed `ours-eddsa-didkey.jwt` is what `vc_jwt_pyjwt.sh` has PyJWT verify; Ed25519 is
/// deterministic, so this test keeps it equal to what the signer makes today. Run with
/// `VC_JWT_UPDATE=1` to rewrite it after a deliberate change.
#[test]
fn our_signer_makes_the_committed_token_and_ours_accepts_it() {
    let key = SigningKey::from_bytes(&OUR_SEED);
    let issuer = did_key::did(&key.verifying_key());
    let kid = did_key::verification_method(&key.verifying_key());
    let compact = jwt::sign_ed25519(&our_credential(&issuer), &key, &kid).expect("sign");
    let path = vectors().join("ours-eddsa-didkey.jwt");
    if std::env::var("VC_JWT_UPDATE").is_ok_and(|v| v == "1") {
        std::fs::write(&path, format!("{compact}\n")).expect("write");
    }
    assert_eq!(
        read("ours-eddsa-didkey.jwt").trim(),
        compact,
        "our signer no longer makes {} (VC_JWT_UPDATE=1 rewrites it; then run tests/interop/vc_jwt_pyjwt.sh)",
        path.display()
    );
    assert_accepted("ours-eddsa-didkey", &verify(&compact, &Offline::default()));
}

/// The ES256 token `vc_jwt_pyjwt.sh` has just made, named by `VC_JWT_EXTRA_ES256` (ECDSA
/// signatures differ every run, so the script cannot compare it with the committed one); without
/// the variable, the committed ES256 token.
#[test]
fn freshly_made_es256_token() {
    let path = std::env::var("VC_JWT_EXTRA_ES256").unwrap_or_else(|_| {
        format!(
            "{}/tests/vectors/vc-jwt-pyjwt/es256-kid.jwt",
            env!("CARGO_MANIFEST_DIR")
        )
    });
    let compact = std::fs::read_to_string(&path).expect("read the token");
    assert_accepted(&path, &verify(compact.trim(), &with_did_web()));
}
