//! Open Badges 3.0 VC-JWT verification (`verify_ob3_jwt`): RS256, ES256 and EdDSA tokens made
//! with `jsonwebtoken` (and our own EdDSA signer), keys from `kid` (did:key, did:web, URLs) or an
//! inline `jwk`, refused algorithms, and claims that contradict the credential.

use std::sync::OnceLock;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::SigningKey;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use openbadges::proof::{did_key, jwt};
use openbadges::verify::{verify_ob3_jwt, Offline, Options, Report, Status};
use p256::pkcs8::EncodePrivateKey;
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use serde_json::{json, Map, Value};

/// 2025-06-15.
const NOW: i64 = 1_750_000_000;
const ISSUER: &str = "https://example.edu/issuers/1";
const SUBJECT: &str = "did:example:ebfeb1f712ebc6f1c276e12ec21";
const CREDENTIAL_ID: &str = "urn:uuid:6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

fn verify(compact: &str, fetch: &Offline) -> Report {
    let options = Options {
        now: Some(NOW),
        ..Options::default()
    };
    pollster::block_on(verify_ob3_jwt(compact, &options, fetch))
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

fn credential(issuer: &str) -> Value {
    json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ],
        "id": CREDENTIAL_ID,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Teamwork Badge",
        "issuer": { "id": issuer, "type": ["Profile"], "name": "JWT issuer" },
        "validFrom": "2024-03-01T12:00:00Z",
        "credentialSubject": {
            "id": SUBJECT,
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

/// The OB 3.0 VC-JWT payload: the credential plus iss, sub, jti, nbf (and exp).
fn payload(credential: &Value) -> Value {
    let mut map = credential.as_object().expect("object").clone();
    map.extend(jwt::registered_claims(credential));
    Value::Object(map)
}

// --- keys ----------------------------------------------------------------------------------

struct RsaKey {
    der: Vec<u8>,
    jwk: Value,
}

fn rsa_key() -> &'static RsaKey {
    static KEY: OnceLock<RsaKey> = OnceLock::new();
    KEY.get_or_init(|| {
        let private =
            rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).expect("RSA key generation");
        let der = private.to_pkcs1_der().expect("DER").as_bytes().to_vec();
        let jwk = json!({
            "kty": "RSA",
            "n": URL_SAFE_NO_PAD.encode(private.n().to_bytes_be()),
            "e": URL_SAFE_NO_PAD.encode(private.e().to_bytes_be()),
        });
        RsaKey { der, jwk }
    })
}

struct EcKey {
    der: Vec<u8>,
    jwk: Value,
}

fn ec_key() -> EcKey {
    let secret = p256::ecdsa::SigningKey::random(&mut rand::thread_rng());
    let der = secret.to_pkcs8_der().expect("DER").as_bytes().to_vec();
    let point = secret.verifying_key().to_encoded_point(false);
    let jwk = json!({
        "kty": "EC",
        "crv": "P-256",
        "x": URL_SAFE_NO_PAD.encode(point.x().expect("x")),
        "y": URL_SAFE_NO_PAD.encode(point.y().expect("y")),
    });
    EcKey { der, jwk }
}

/// PKCS#8 v1 DER of an Ed25519 private key (RFC 8410), what `jsonwebtoken` reads.
fn ed25519_pkcs8(key: &SigningKey) -> Vec<u8> {
    let mut der = vec![
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    der.extend_from_slice(key.as_bytes());
    der
}

fn encode(
    alg: Algorithm,
    kid: Option<&str>,
    jwk: Option<&Value>,
    claims: &Value,
    key: &EncodingKey,
) -> String {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    header.jwk = jwk.map(|j| serde_json::from_value(j.clone()).expect("JWK"));
    jsonwebtoken::encode(&header, claims, key).expect("encodes")
}

/// The issuer profile at ISSUER, listing `methods` as verification and assertion methods.
fn issuer_profile(methods: &[(&str, &Value)]) -> String {
    let vms: Vec<Value> = methods
        .iter()
        .map(|(id, jwk)| {
            json!({"id": format!("{ISSUER}#{id}"), "type": "JsonWebKey", "controller": ISSUER, "publicKeyJwk": jwk})
        })
        .collect();
    let assertion: Vec<Value> = methods
        .iter()
        .map(|(id, _)| json!(format!("{ISSUER}#{id}")))
        .collect();
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": ISSUER,
        "type": ["Profile"],
        "name": "JWT issuer",
        "verificationMethod": vms,
        "assertionMethod": assertion
    })
    .to_string()
}

// --- RS256 ---------------------------------------------------------------------------------

fn rs256_token(claims: &Value) -> String {
    let k = rsa_key();
    encode(
        Algorithm::RS256,
        Some(&format!("{ISSUER}#rsa")),
        None,
        claims,
        &EncodingKey::from_rsa_der(&k.der),
    )
}

fn rs256_offline() -> Offline {
    Offline::default().with(ISSUER, issuer_profile(&[("rsa", &rsa_key().jwk)]))
}

#[test]
fn rs256_vc_jwt_verifies() {
    let token = rs256_token(&payload(&credential(ISSUER)));
    let report = verify(&token, &rs256_offline());
    assert!(report.valid, "{report:#?}");
    assert_eq!(report.format, "ob3-jwt");
    for id in [
        "jwt",
        "jwt-claims",
        "format",
        "schema",
        "issuer-key",
        "validity",
    ] {
        assert_eq!(status_of(&report, id), Status::Pass, "{id}: {report:#?}");
    }
    assert!(message_of(&report, "jwt").contains("RS256"));
    assert_eq!(report.summary.issuer_id.as_deref(), Some(ISSUER));
    assert_eq!(report.summary.achievement_name.as_deref(), Some("Teamwork"));
    assert_eq!(report.summary.recipient.as_deref(), Some(SUBJECT));
}

#[test]
fn rs256_key_from_a_jwk_url() {
    // kid is a URL serving a bare JWK, on another host than the issuer: it is the issuer's key
    // only because the issuer's profile lists it under assertionMethod.
    let key_url = "https://keys.example.edu/rsa-1.json";
    let k = rsa_key();
    let token = encode(
        Algorithm::RS256,
        Some(key_url),
        None,
        &payload(&credential(ISSUER)),
        &EncodingKey::from_rsa_der(&k.der),
    );
    let profile = json!({"id": ISSUER, "type": ["Profile"], "assertionMethod": [key_url]});
    let fetch = Offline::default()
        .with(key_url, k.jwk.to_string())
        .with(ISSUER, profile.to_string());
    let report = verify(&token, &fetch);
    assert!(report.valid, "{report:#?}");

    // Without the issuer listing it, the key is not the issuer's.
    let fetch = Offline::default().with(key_url, k.jwk.to_string());
    let report = verify(&token, &fetch);
    assert_eq!(status_of(&report, "jwt"), Status::Pass);
    assert_eq!(
        status_of(&report, "issuer-key"),
        Status::Fail,
        "{report:#?}"
    );
    assert!(message_of(&report, "issuer-key").contains("not of the issuer"));
}

#[test]
fn vcdm_1_1_vc_claim_verifies() {
    let mut vc = credential(ISSUER);
    let map = vc.as_object_mut().expect("object");
    map.insert(
        "@context".into(),
        json!([
            "https://www.w3.org/2018/credentials/v1",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json"
        ]),
    );
    map.remove("validFrom");
    map.insert("issuanceDate".into(), json!("2024-03-01T12:00:00Z"));
    map.insert("expirationDate".into(), json!("2030-03-01T12:00:00Z"));
    let mut claims = jwt::registered_claims(&vc);
    claims.insert("vc".into(), vc);
    let token = rs256_token(&Value::Object(claims));
    let report = verify(&token, &rs256_offline());
    assert!(report.valid, "{report:#?}");
    assert!(message_of(&report, "jwt-claims").contains("`vc` claim"));
    assert_eq!(
        report.summary.expires.as_deref(),
        Some("2030-03-01T12:00:00Z")
    );
}

#[test]
fn tampered_payload_fails() {
    let token = rs256_token(&payload(&credential(ISSUER)));
    let mut other = payload(&credential(ISSUER));
    other["credentialSubject"]["achievement"]["name"] = json!("Leadership");
    let parts: Vec<&str> = token.split('.').collect();
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(other.to_string()),
        parts[2]
    );
    let report = verify(&forged, &rs256_offline());
    assert!(!report.valid);
    assert_eq!(status_of(&report, "jwt"), Status::Fail);
    assert!(message_of(&report, "jwt").contains("does not verify"));
}

// --- refused algorithms --------------------------------------------------------------------

#[test]
fn alg_none_is_refused() {
    let header = URL_SAFE_NO_PAD.encode(json!({"alg": "none", "typ": "JWT"}).to_string());
    let body = URL_SAFE_NO_PAD.encode(payload(&credential(ISSUER)).to_string());
    for token in [format!("{header}.{body}."), format!("{header}.{body}.AAAA")] {
        let report = verify(&token, &rs256_offline());
        assert!(!report.valid);
        assert_eq!(status_of(&report, "jwt"), Status::Fail);
        assert!(
            message_of(&report, "jwt").contains("unsigned"),
            "{report:#?}"
        );
    }
}

#[test]
fn hs256_with_the_rsa_public_key_as_secret_is_refused() {
    let k = rsa_key();
    let claims = payload(&credential(ISSUER));
    // The classic key-confusion attack: HMAC keyed with the issuer's public key, in every form
    // a verifier might hold it.
    let secrets = [
        k.jwk.to_string().into_bytes(),
        URL_SAFE_NO_PAD
            .decode(k.jwk["n"].as_str().expect("n"))
            .expect("n"),
    ];
    for alg in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
        for secret in &secrets {
            let token = encode(
                alg,
                Some(&format!("{ISSUER}#rsa")),
                None,
                &claims,
                &EncodingKey::from_secret(secret),
            );
            let report = verify(&token, &rs256_offline());
            assert!(!report.valid);
            assert_eq!(status_of(&report, "jwt"), Status::Fail);
            assert!(message_of(&report, "jwt").contains("HMAC"), "{report:#?}");
        }
    }
}

#[test]
fn other_algorithms_and_key_mismatches_are_refused() {
    let k = rsa_key();
    let claims = payload(&credential(ISSUER));
    let token = encode(
        Algorithm::PS256,
        Some(&format!("{ISSUER}#rsa")),
        None,
        &claims,
        &EncodingKey::from_rsa_der(&k.der),
    );
    let report = verify(&token, &rs256_offline());
    assert!(!report.valid);
    assert!(message_of(&report, "jwt").contains("not supported"));

    // An EdDSA token whose kid points at the RSA key.
    let ed = SigningKey::from_bytes(&[7u8; 32]);
    let token = encode(
        Algorithm::EdDSA,
        Some(&format!("{ISSUER}#rsa")),
        None,
        &claims,
        &EncodingKey::from_ed_der(&ed25519_pkcs8(&ed)),
    );
    let report = verify(&token, &rs256_offline());
    assert!(!report.valid);
    assert!(message_of(&report, "jwt").contains("EdDSA but the key is an RSA key"));

    // A `crit` header.
    let header = URL_SAFE_NO_PAD.encode(
        json!({"alg": "RS256", "kid": format!("{ISSUER}#rsa"), "crit": ["b64"], "b64": false})
            .to_string(),
    );
    let token = format!("{header}.e30.AAAA");
    let report = verify(&token, &rs256_offline());
    assert!(!report.valid);
    assert!(message_of(&report, "jwt").contains("critical"));
}

// --- EdDSA ---------------------------------------------------------------------------------

#[test]
fn eddsa_with_did_key_verifies() {
    let k = SigningKey::from_bytes(&[11u8; 32]);
    let issuer = did_key::did(&k.verifying_key());
    let vm = did_key::verification_method(&k.verifying_key());
    let vc = credential(&issuer);

    // Ours.
    let token = jwt::sign_ed25519(&vc, &k, &vm).expect("signs");
    let report = verify(&token, &Offline::default());
    assert!(report.valid, "{report:#?}");
    assert!(message_of(&report, "jwt").contains("EdDSA"));

    // jsonwebtoken's.
    let token = encode(
        Algorithm::EdDSA,
        Some(&vm),
        None,
        &payload(&vc),
        &EncodingKey::from_ed_der(&ed25519_pkcs8(&k)),
    );
    let report = verify(&token, &Offline::default());
    assert!(report.valid, "{report:#?}");

    // A did:key of someone else.
    let other = SigningKey::from_bytes(&[12u8; 32]);
    let other_vm = did_key::verification_method(&other.verifying_key());
    let token = jwt::sign_ed25519(&vc, &other, &other_vm).expect("signs");
    let report = verify(&token, &Offline::default());
    assert!(!report.valid);
    assert_eq!(status_of(&report, "jwt"), Status::Pass);
    assert_eq!(status_of(&report, "issuer-key"), Status::Fail);
    assert!(message_of(&report, "issuer-key").starts_with(&format!(
        "the proof was made with a key of {}, not of the issuer {issuer}",
        did_key::did(&other.verifying_key())
    )));
}

#[test]
fn eddsa_with_did_web_kid_verifies() {
    let k = SigningKey::from_bytes(&[13u8; 32]);
    let did = "did:web:issuer.example";
    let document = json!({
        "id": did,
        "verificationMethod": [{
            "id": format!("{did}#key-1"),
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": did_key::encode_public_key(&k.verifying_key())
        }],
        "assertionMethod": ["#key-1"]
    });
    let fetch = Offline::default().with(
        "https://issuer.example/.well-known/did.json",
        document.to_string(),
    );
    // A relative kid is taken relative to the issuer.
    for kid in [
        format!("{did}#key-1"),
        "#key-1".to_owned(),
        "key-1".to_owned(),
    ] {
        let token = jwt::sign_ed25519(&credential(did), &k, &kid).expect("signs");
        let report = verify(&token, &fetch);
        assert!(report.valid, "{kid}: {report:#?}");
    }
}

// --- ES256 and inline JWKs -----------------------------------------------------------------

#[test]
fn es256_with_inline_jwk_bound_to_a_did_web_issuer() {
    let ec = ec_key();
    let did = "did:web:ec.example";
    let vc = credential(did);
    let token = encode(
        Algorithm::ES256,
        None,
        Some(&ec.jwk),
        &payload(&vc),
        &EncodingKey::from_ec_der(&ec.der),
    );
    let document = json!({
        "id": did,
        "verificationMethod": [{"id": "#p256", "type": "JsonWebKey2020", "controller": did, "publicKeyJwk": ec.jwk}],
        "assertionMethod": ["#p256"]
    });
    let fetch = Offline::default().with(
        "https://ec.example/.well-known/did.json",
        document.to_string(),
    );
    let report = verify(&token, &fetch);
    assert!(report.valid, "{report:#?}");
    assert!(message_of(&report, "jwt").contains("ES256"));
    assert!(message_of(&report, "issuer-key").contains("#p256"));

    // The same token, but the issuer's document lists another key: the inline key is anyone's.
    let stranger = ec_key();
    let document = json!({
        "id": did,
        "verificationMethod": [{"id": "#p256", "type": "JsonWebKey2020", "controller": did, "publicKeyJwk": stranger.jwk}],
        "assertionMethod": ["#p256"]
    });
    let fetch = Offline::default().with(
        "https://ec.example/.well-known/did.json",
        document.to_string(),
    );
    let report = verify(&token, &fetch);
    assert!(!report.valid);
    assert_eq!(status_of(&report, "jwt"), Status::Pass);
    assert_eq!(status_of(&report, "issuer-key"), Status::Fail);

    // An inline JWK with private material is refused.
    let mut leaked = ec.jwk.clone();
    leaked["d"] = json!("AAAA");
    let header = URL_SAFE_NO_PAD.encode(json!({"alg": "ES256", "jwk": leaked}).to_string());
    let parts: Vec<&str> = token.split('.').collect();
    let report = verify(&format!("{header}.{}.{}", parts[1], parts[2]), &fetch);
    assert!(!report.valid);
    assert!(message_of(&report, "jwt").contains("private key"));
}

#[test]
fn es256_with_kid_verifies() {
    let ec = ec_key();
    let token = encode(
        Algorithm::ES256,
        Some(&format!("{ISSUER}#ec")),
        None,
        &payload(&credential(ISSUER)),
        &EncodingKey::from_ec_der(&ec.der),
    );
    let fetch = Offline::default().with(ISSUER, issuer_profile(&[("ec", &ec.jwk)]));
    let report = verify(&token, &fetch);
    assert!(report.valid, "{report:#?}");
}

// --- claims --------------------------------------------------------------------------------

fn with_claim(name: &str, value: Value) -> Report {
    let mut claims = payload(&credential(ISSUER));
    claims[name] = value;
    verify(&rs256_token(&claims), &rs256_offline())
}

#[test]
fn mismatched_claims_fail() {
    for (name, value, expected) in [
        (
            "iss",
            json!("https://evil.example/issuer"),
            "`iss` is https://evil.example/issuer",
        ),
        (
            "sub",
            json!("did:example:mallory"),
            "`sub` is did:example:mallory",
        ),
        ("jti", json!("urn:uuid:other"), "`jti` is urn:uuid:other"),
        ("nbf", json!(1_600_000_000), "`nbf` is 2020-09-13T12:26:40Z"),
        (
            "exp",
            json!(1_900_000_000),
            "`exp` is 2030-03-17T17:46:40Z but the credential's validUntil",
        ),
    ] {
        let mut claims = payload(&credential(ISSUER));
        if name == "exp" {
            claims["validUntil"] = json!("2031-01-01T00:00:00Z");
        }
        claims[name] = value;
        let report = verify(&rs256_token(&claims), &rs256_offline());
        assert!(!report.valid, "{name}");
        assert_eq!(status_of(&report, "jwt"), Status::Pass, "{name}");
        assert_eq!(status_of(&report, "jwt-claims"), Status::Fail, "{name}");
        assert!(
            message_of(&report, "jwt-claims").contains(expected),
            "{name}: {}",
            message_of(&report, "jwt-claims")
        );
    }
    let mut claims = payload(&credential(ISSUER));
    claims.as_object_mut().expect("object").remove("iss");
    let report = verify(&rs256_token(&claims), &rs256_offline());
    assert!(!report.valid);
    assert!(message_of(&report, "jwt-claims").contains("no `iss`"));
}

#[test]
fn exp_claim_ends_validity_when_the_credential_has_none() {
    let report = with_claim("exp", json!(1_700_000_000));
    assert!(!report.valid);
    assert_eq!(
        status_of(&report, "jwt-claims"),
        Status::Pass,
        "{report:#?}"
    );
    assert_eq!(status_of(&report, "validity"), Status::Fail);
    assert!(message_of(&report, "validity").contains("expired on 2023-11-14T22:13:20Z (exp)"));
    assert_eq!(
        report.summary.expires.as_deref(),
        Some("2023-11-14T22:13:20Z")
    );
}

#[test]
fn missing_optional_claims_warn() {
    let mut claims = payload(&credential(ISSUER));
    let map: &mut Map<String, Value> = claims.as_object_mut().expect("object");
    map.remove("sub");
    map.remove("nbf");
    let report = verify(&rs256_token(&claims), &rs256_offline());
    assert!(report.valid, "{report:#?}");
    assert_eq!(status_of(&report, "jwt-claims"), Status::Warning);
}

#[test]
fn garbage_never_panics() {
    let inputs = [
        "",
        ".",
        "..",
        "a.b.c",
        "e30.e30.e30",
        "eyJhbGciOiJSUzI1NiJ9.e30.",
        "eyJhbGciOiJSUzI1NiJ9.W10.AA",
        "eyJhbGciOiJFZERTQSIsImp3ayI6eyJrdHkiOiJPS1AiLCJjcnYiOiJFZDI1NTE5IiwieCI6IkFBIn19.e30.AA",
        "eyJhbGciOiJFUzI1NiIsImp3ayI6eyJrdHkiOiJFQyIsImNydiI6IlAtMjU2IiwieCI6IkFBIiwieSI6IkFBIn19.e30.AA",
        "\u{0}\u{1}.\u{2}.\u{3}",
    ];
    for input in inputs {
        let report = verify(input, &Offline::default());
        assert!(!report.valid, "{input}");
        assert_eq!(status_of(&report, "jwt"), Status::Fail, "{input}");
    }
}
