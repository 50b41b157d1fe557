//! `verify::input`: one entry point for images, JSON, JWS and URLs, and bad input of every kind.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use openbadges::bake::{bake_png, bake_svg, BadgeVersion};
use openbadges::verify::input::{verify_bytes, verify_url};
use openbadges::verify::{Offline, Options, Report, Status};
use serde_json::{json, Value};

const ASSERTION: &str = "http://example.org/assertions/1";
const BADGE: &str = "http://example.org/badges/robotics";
const ISSUER: &str = "http://example.org/issuer";
const KEY: &str = "http://example.org/keys/1";
/// 2024-06-01T00:00:00Z.
const NOW: i64 = 1_717_200_000;

/// A 1×1 grey PNG.
const PIXEL: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x3a, 0x7e, 0x9b,
    0x55, 0x00, 0x00, 0x00, 0x0a, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0xf8, 0x0f, 0x00, 0x01,
    0x01, 0x01, 0x00, 0x1c, 0xb0, 0x8c, 0x99, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];

const SVG: &str =
    r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle r="5"/></svg>"#;

fn options() -> Options {
    Options {
        recipient: Some("ada@example.com".into()),
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

fn world() -> Offline {
    let badge = json!({
        "type": "BadgeClass", "id": BADGE, "name": "Robotics", "issuer": ISSUER,
        "criteria": {"narrative": "Build a robot."}, "image": "http://example.org/b.png"
    });
    let issuer = json!({"type": "Issuer", "id": ISSUER, "name": "Example Robotics Club",
                        "publicKey": KEY});
    Offline::default()
        .with(ASSERTION, serde_json::to_vec(&assertion()).unwrap())
        .with(BADGE, serde_json::to_vec(&badge).unwrap())
        .with(ISSUER, serde_json::to_vec(&issuer).unwrap())
}

fn verify(input: &[u8], fetch: &Offline) -> Report {
    pollster::block_on(verify_bytes(input, &options(), fetch))
}

/// The report of input that cannot be read: format unknown, a failed `input` check.
fn assert_unreadable(report: &Report, what: &str) {
    assert!(!report.valid, "{what}: {report:#?}");
    assert_eq!(report.format, "unknown", "{what}: {report:#?}");
    let check = report
        .get("input")
        .unwrap_or_else(|| panic!("{what}: {report:#?}"));
    assert_eq!(check.status, Status::Fail);
    assert!(!check.message.is_empty());
}

#[test]
fn a_baked_png_of_a_hosted_assertion_url_verifies() {
    let png = bake_png(PIXEL, BadgeVersion::V2, ASSERTION).unwrap();
    let report = verify(&png, &world());
    assert!(report.valid, "{report:#?}");
    assert_eq!(report.format, "ob2-hosted");
    assert_eq!(report.checks[0].id, "baked");
    assert!(report.checks[0].message.contains("PNG"));
    assert_eq!(report.get("recipient").unwrap().status, Status::Pass);
    assert_eq!(report.summary.achievement_name.as_deref(), Some("Robotics"));
}

#[test]
fn a_baked_png_or_svg_with_the_assertion_json_verifies_against_the_hosted_copy() {
    let json = serde_json::to_string(&assertion()).unwrap();
    let png = bake_png(PIXEL, BadgeVersion::V2, &json).unwrap();
    let report = verify(&png, &world());
    assert!(report.valid, "{report:#?}");
    let svg = bake_svg(SVG, BadgeVersion::V2, &json).unwrap();
    let report = verify(svg.as_bytes(), &world());
    assert!(report.valid, "{report:#?}");
    assert!(report.checks[0].message.contains("SVG"));

    // The image verifies only as far as the hosted assertion does.
    let revoked = world().with_status(ASSERTION, 410);
    let report = verify(&png, &revoked);
    assert!(!report.valid);
    assert_eq!(report.get("revocation").unwrap().status, Status::Fail);
}

#[test]
fn json_text_and_a_url_as_text_are_dispatched() {
    let json = serde_json::to_vec(&assertion()).unwrap();
    let report = verify(&json, &world());
    assert!(report.valid, "{report:#?}");
    assert_eq!(report.format, "ob2-hosted");

    let report = verify(format!("  {ASSERTION}\n").as_bytes(), &world());
    assert!(report.valid, "{report:#?}");

    let report = pollster::block_on(verify_url(ASSERTION, &options(), &world()));
    assert!(report.valid, "{report:#?}");
    let report = pollster::block_on(verify_url(
        ASSERTION,
        &options(),
        &world().with_status(ASSERTION, 410),
    ));
    assert!(!report.valid);
    assert_eq!(report.format, "ob2-hosted");
    assert_eq!(report.summary.revoked, Some(true));
}

#[test]
fn a_url_serving_a_baked_image_is_verified() {
    let png = bake_png(PIXEL, BadgeVersion::V2, ASSERTION).unwrap();
    let fetch = world().with("http://example.org/badge.png", png);
    let report = pollster::block_on(verify_url(
        "http://example.org/badge.png",
        &options(),
        &fetch,
    ));
    assert!(report.valid, "{report:#?}");
}

#[test]
fn a_url_that_cannot_be_fetched_is_unreadable_input() {
    let report = pollster::block_on(verify_url(
        "http://example.org/nothing",
        &options(),
        &world(),
    ));
    assert_unreadable(&report, "unfetchable URL");
    let report = pollster::block_on(verify_url(
        "http://example.org/nothing",
        &options(),
        &world().with_status("http://example.org/nothing", 500),
    ));
    assert_unreadable(&report, "HTTP 500");
}

#[test]
fn a_signed_assertion_jws_is_dispatched_to_signed_verification() {
    use rsa::pkcs1::EncodeRsaPrivateKey;
    use rsa::pkcs8::{EncodePublicKey, LineEnding};
    let key = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap();
    let pem = rsa::RsaPublicKey::from(&key)
        .to_public_key_pem(LineEnding::LF)
        .unwrap();
    let mut a = assertion();
    a["id"] = json!("urn:uuid:1f0e2d3c-4b5a-4697-8877-665544332211");
    a["verification"] = json!({"type": "SignedBadge", "creator": KEY});
    let token = jsonwebtoken::encode(
        &Header::new(Algorithm::RS256),
        &a,
        &EncodingKey::from_rsa_der(key.to_pkcs1_der().unwrap().as_bytes()),
    )
    .unwrap();
    let fetch = world().with(
        KEY,
        serde_json::to_vec(
            &json!({"type": "CryptographicKey", "id": KEY, "owner": ISSUER,
                                   "publicKeyPem": pem}),
        )
        .unwrap(),
    );
    let report = verify(token.as_bytes(), &fetch);
    assert!(report.valid, "{report:#?}");
    assert_eq!(report.format, "ob2-signed");
    // The issuer publishes no revocation list: nothing to check, and it is not claimed.
    assert_eq!(report.get("revocation").unwrap().status, Status::Skipped);
    assert_eq!(report.summary.revoked, None);

    let png = bake_png(PIXEL, BadgeVersion::V2, &token).unwrap();
    let report = verify(&png, &fetch);
    assert!(report.valid, "{report:#?}");
    assert_eq!(report.format, "ob2-signed");

    // The payload of a signed assertion without its signature proves nothing.
    let report = verify(&serde_json::to_vec(&a).unwrap(), &fetch);
    assert!(!report.valid);
    assert_eq!(
        report.get("verification-type").unwrap().status,
        Status::Fail
    );
}

#[test]
fn an_ob3_credential_is_not_mistaken_for_ob2() {
    let vc = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2",
                     "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "did:example:1", "type": ["Profile"]},
        "credentialSubject": {"type": ["AchievementSubject"]}
    });
    let report = verify(&serde_json::to_vec(&vc).unwrap(), &world());
    assert!(
        !report.valid,
        "an unsigned credential cannot be valid: {report:#?}"
    );
    assert!(report.format.starts_with("ob3"), "{report:#?}");
    assert!(report.has(Status::Fail));

    // A VC-JWT goes to the OB 3.0 JWT verifier, whatever its (bogus) signature.
    use base64::Engine as _;
    let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    let claims = json!({"iss": "did:example:1", "vc": vc});
    let token = format!(
        "{}.{}.c2lnbmF0dXJl",
        b64(br#"{"alg":"RS256","typ":"JWT"}"#),
        b64(&serde_json::to_vec(&claims).unwrap())
    );
    let report = verify(token.as_bytes(), &world());
    assert!(!report.valid);
    assert_eq!(report.format, "ob3-jwt", "{report:#?}");
}

#[test]
fn garbage_gives_a_failed_input_check() {
    let mut noise = Vec::with_capacity(4096);
    let mut x: u32 = 0x1234_5678;
    for _ in 0..4096 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        noise.push(x.to_le_bytes()[0]);
    }
    for (what, input) in [
        ("random bytes", noise.clone()),
        ("a GIF", b"GIF89a\x01\x00\x01\x00".to_vec()),
        ("plain words", b"hello, is this a badge?".to_vec()),
        ("a JSON array", b"[1, 2, 3]".to_vec()),
        ("a JSON string", b"\"https://example.org\"".to_vec()),
        ("broken JSON", b"{\"type\": \"Assertion\",".to_vec()),
        ("JSON that is no badge", b"{\"hello\": \"world\"}".to_vec()),
        ("an ftp URL", b"ftp://example.org/a".to_vec()),
        ("XML that is no SVG", b"<html><body/></html>".to_vec()),
        ("an SVG without a badge", SVG.as_bytes().to_vec()),
        ("a PNG without a badge", PIXEL.to_vec()),
        ("invalid UTF-8", vec![0xff, 0xfe, 0xfd, b'{']),
    ] {
        assert_unreadable(&verify(&input, &world()), what);
    }
}

#[test]
fn empty_input_says_so() {
    for input in [&b""[..], b"   \n\t"] {
        let report = verify(input, &world());
        assert_unreadable(&report, "empty");
        assert!(report.get("input").unwrap().message.contains("empty"));
    }
}

#[test]
fn a_truncated_or_corrupt_png_gives_a_failed_check() {
    let png = bake_png(PIXEL, BadgeVersion::V2, ASSERTION).unwrap();
    for cut in [1, 4, 8, 12, 20, png.len() / 2, png.len() - 1] {
        let report = verify(&png[..cut], &world());
        assert_unreadable(&report, &format!("PNG cut at {cut}"));
    }
    let mut corrupt = png.clone();
    let middle = corrupt.len() / 2;
    corrupt[middle] ^= 0x55;
    assert_unreadable(&verify(&corrupt, &world()), "flipped byte");
}

#[test]
fn json_nested_ten_thousand_deep_gives_a_failed_check() {
    let deep_array = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let deep_object = format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
    let deep_assertion = format!(
        "{{\"type\":\"Assertion\",\"id\":\"{ASSERTION}\",\"x\":{}{}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    for (what, input) in [
        ("array", deep_array),
        ("object", deep_object),
        ("assertion", deep_assertion),
    ] {
        let report = verify(input.as_bytes(), &world());
        assert_unreadable(&report, what);
    }
}

#[test]
fn jwt_looking_strings_give_a_failed_check() {
    use base64::Engine as _;
    let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    let inputs = [
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl".to_owned(),
        "eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln".to_owned(),
        "aaaa.bbbb.cccc".to_owned(),
        "....".to_owned(),
        "a.b".to_owned(),
        format!("{}.{}.", b64(b"{\"alg\":\"none\"}"), b64(b"[1,2]")),
        format!("{}.{}.c2ln", b64(b"not json"), b64(b"{}")),
        format!(
            "{}.{}.c2ln",
            b64(b"{\"alg\":\"RS256\"}"),
            b64(format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).as_bytes())
        ),
    ];
    for input in &inputs {
        let report = verify(input.as_bytes(), &world());
        assert!(!report.valid, "{input}: {report:#?}");
        assert!(
            report.has(Status::Fail),
            "{input}: a failed check is expected: {report:#?}"
        );
    }
    // An alg-none OB 2.0 assertion is recognised as such and refused.
    let token = format!(
        "{}.{}.",
        b64(b"{\"alg\":\"none\"}"),
        b64(&serde_json::to_vec(&assertion()).unwrap())
    );
    let report = verify(token.as_bytes(), &world());
    assert!(!report.valid);
    assert_eq!(report.format, "ob2-signed");
    assert_eq!(report.get("signature").unwrap().status, Status::Fail);
}

#[test]
fn a_url_loop_ends() {
    // An image whose baked payload is the URL of the image itself.
    let url = "http://example.org/loop.png";
    let png = bake_png(PIXEL, BadgeVersion::V2, url).unwrap();
    let fetch = Offline::default().with(url, png);
    let report = pollster::block_on(verify_url(url, &options(), &fetch));
    assert!(!report.valid);
    assert!(report.has(Status::Fail));
}
