//! Tests of `openbadges::model`: the specification examples parse and round-trip, detection,
//! recipient hashes, JSON Schema validation, and hostile input.
//!
//! The examples are saved under `tests/fixtures/model/` (see the README there): every JSON block
//! of 1EdTech's OB 2.0 examples page, verbatim, plus a minimally repaired copy of the seven that
//! are not valid JSON as published, and the three OB 3.0 example credentials.

use std::path::{Path, PathBuf};

use openbadges::model::common::{hash_identity, HashAlgorithm, MAX_DOCUMENT_BYTES};
use openbadges::model::v2::{
    self, Assertion, BadgeClass, CryptographicKey, Endorsement, Profile, RevocationList,
};
use openbadges::model::v3::{self, validate_schema, EndorsementCredential, OpenBadgeCredential};
use openbadges::model::{detect, Detected, ModelError};
use serde_json::{json, Value};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/model")
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(fixtures().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn value(rel: &str) -> Value {
    serde_json::from_str(&read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Which 2.0 type each example is (fragments are parsed as the class they belong to).
fn ob2_kind(name: &str) -> &'static str {
    let n: u32 = name[..2].parse().unwrap_or(99);
    match n {
        0 | 3 | 5 | 8 | 12..=17 => "Assertion",
        1 | 9..=11 | 18..=20 => "BadgeClass",
        2 => "Profile",
        4 => "JwsHeader",
        6 => "CryptographicKey",
        7 => "RevocationList",
        21..=24 => "Endorsement",
        _ => "unknown",
    }
}

fn round_trip(kind: &str, text: &str) -> Result<Value, ModelError> {
    Ok(match kind {
        "Assertion" => Assertion::from_json(text)?.to_value()?,
        "BadgeClass" => BadgeClass::from_json(text)?.to_value()?,
        "Profile" => Profile::from_json(text)?.to_value()?,
        "CryptographicKey" => CryptographicKey::from_json(text)?.to_value()?,
        "RevocationList" => RevocationList::from_json(text)?.to_value()?,
        "Endorsement" => Endorsement::from_json(text)?.to_value()?,
        _ => serde_json::from_str(text)?,
    })
}

const OB2_INVALID_AS_PUBLISHED: [&str; 7] = [
    "01-badgeclass.json",
    "03-linkeddata.json",
    "10-criteria.json",
    "11-criteria.json",
    "14-evidence.json",
    "15-evidence.json",
    "21-endorsement.json",
];

#[test]
fn every_ob2_example_parses_and_round_trips() {
    let mut names: Vec<String> = std::fs::read_dir(fixtures().join("ob2"))
        .unwrap_or_else(|e| panic!("fixtures: {e}"))
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    names.sort();
    assert_eq!(names.len(), 25 + OB2_INVALID_AS_PUBLISHED.len());
    let mut checked = 0;
    for name in &names {
        let text = read(&format!("ob2/{name}"));
        let kind = ob2_kind(name);
        assert_ne!(kind, "unknown", "{name}");
        if OB2_INVALID_AS_PUBLISHED.contains(&name.as_str()) {
            // As published these are not JSON: a clear error, not a panic.
            let err = round_trip(kind, &text).expect_err(name);
            assert!(err.to_string().contains("line"), "{name}: {err}");
            continue;
        }
        let original: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let back = round_trip(kind, &text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(back, original, "{name} did not round-trip");
        checked += 1;
    }
    assert_eq!(checked, 25);
}

#[test]
fn ob2_examples_expose_their_fields() {
    let a = Assertion::from_json(&read("ob2/00-assertion.json")).unwrap();
    assert!(a.has_type("Assertion"));
    assert_eq!(
        a.badge.as_ref().and_then(|b| b.id()),
        Some("https://example.org/robotics-badge.json")
    );
    assert!(a.badge.as_ref().unwrap().is_reference());
    assert!(a.verification_object().unwrap().is_hosted());
    assert_eq!(
        a.issued_on.as_ref().unwrap().unix_seconds().unwrap(),
        1_483_228_799
    );
    assert_eq!(
        a.expires.as_ref().unwrap().unix_seconds().unwrap(),
        1_498_867_199
    );
    assert!(a.recipient.as_ref().unwrap().is_hashed());

    // Embedded BadgeClass and issuer Profile (the linked-data example).
    let linked = Assertion::from_json(&read("ob2/03-linkeddata.repaired.json")).unwrap();
    let badge = linked.badge.as_ref().unwrap().as_object().unwrap();
    assert_eq!(badge.name.as_deref(), Some("Awesome Robotics Badge"));
    let issuer = badge.issuer.as_ref().unwrap();
    assert_eq!(issuer.id(), Some("https://example.org/organization.json"));
    assert_eq!(
        issuer.as_object().unwrap().email.as_deref(),
        Some("steved@example.org")
    );

    // Signed: the JWS claims use `verification.type: SignedBadge` and a creator key.
    let signed = Assertion::from_json(&read("ob2/05-signedbadge.json")).unwrap();
    let v = signed.verification_object().unwrap();
    assert!(v.is_signed());
    assert_eq!(
        v.creator.as_ref().and_then(|c| c.id()),
        Some("https://example.org/publicKey.json")
    );

    let bc = BadgeClass::from_json(&read("ob2/01-badgeclass.repaired.json")).unwrap();
    assert_eq!(bc.alignment.as_ref().unwrap().len(), 2);
    assert_eq!(bc.tags.as_ref().unwrap().as_slice(), ["robots", "awesome"]);

    let key = CryptographicKey::from_json(&read("ob2/06-cryptographickey.json")).unwrap();
    assert_eq!(
        key.owner.as_deref(),
        Some("https://example.org/organization.json")
    );

    let list = RevocationList::from_json(&read("ob2/07-revocationlist.json")).unwrap();
    assert_eq!(
        list.revocation("urn:uuid:e79a6c18-787e-4868-8e65-e6a4530fb418"),
        Some(Some("Honor code violation"))
    );
    assert_eq!(list.revocation("abc123"), Some(Some("Issued in error.")));
    assert_eq!(
        list.revocation("urn:uuid:3c574c87-b96f-4f06-8eb5-68a29335b60e"),
        Some(None)
    );
    assert_eq!(list.revocation("urn:uuid:not-there"), None);

    let revoked = Assertion::from_json(&read("ob2/08-revoked-hosted-assertion.json")).unwrap();
    assert_eq!(revoked.revoked, Some(true));

    let image = Assertion::from_json(&read("ob2/17-image.json")).unwrap();
    let img = image.image.unwrap();
    assert_eq!(img.url(), Some("https://example.org/beths-robot-badge.png"));
    assert_eq!(
        img.as_object().unwrap().caption.as_deref(),
        Some("A pretty badge, with many happy trees.")
    );

    let evidence = Assertion::from_json(&read("ob2/15-evidence.repaired.json")).unwrap();
    assert_eq!(evidence.evidence.unwrap().len(), 2);

    // `version` is a number here; kept as found.
    let versioned = BadgeClass::from_json(&read("ob2/18-badgeclass-version-control.json")).unwrap();
    assert_eq!(versioned.version, Some(json!(2)));
}

#[test]
fn image_forms_and_data_uris() {
    let a = Assertion::from_json(r#"{"image": "data:image/png;base64,iVBORw0KGgo="}"#).unwrap();
    assert!(a.image.as_ref().unwrap().is_data_uri());
    let b = Assertion::from_json(r#"{"image": {"id": "DATA:image/svg+xml,<svg/>"}}"#).unwrap();
    assert!(b.image.as_ref().unwrap().is_data_uri());
    let c = Assertion::from_json(r#"{"image": "https://example.org/i.png"}"#).unwrap();
    assert!(!c.image.as_ref().unwrap().is_data_uri());
}

#[test]
fn context_variants_round_trip() {
    for ctx in [
        json!("https://w3id.org/openbadges/v2"),
        json!([
            "https://w3id.org/openbadges/v2",
            "https://w3id.org/openbadges/extensions/exampleExtension/context.json"
        ]),
        json!({"obi": "https://w3id.org/openbadges#"}),
        json!(["https://w3id.org/openbadges/v2", {"extra": "https://example.org/terms#extra"}]),
    ] {
        let doc = json!({"@context": ctx, "type": "Assertion", "id": "urn:uuid:1", "x-custom": {"kept": [1, 2.5, null]}});
        let a = Assertion::from_value(&doc).unwrap();
        assert_eq!(a.to_value().unwrap(), doc);
    }
}

#[test]
fn dates_iso_and_unix() {
    let cases = [
        (json!("2016-12-31T23:59:59Z"), 1_483_228_799),
        (json!("2016-12-31T23:59:59+00:00"), 1_483_228_799),
        (json!("2017-01-01T01:59:59+02:00"), 1_483_228_799),
        (json!("2016-12-31T23:59:59.500Z"), 1_483_228_799),
        (json!("2016-12-31T23:59:59"), 1_483_228_799),
        (json!("2016-12-31"), 1_483_142_400),
        (json!(1_483_228_799), 1_483_228_799),
        (json!("1483228799"), 1_483_228_799),
        (json!(1_483_228_799.9), 1_483_228_799),
    ];
    for (raw, want) in cases {
        let a = Assertion::from_value(&json!({"issuedOn": raw.clone()})).unwrap();
        let d = a.issued_on.as_ref().unwrap();
        assert_eq!(d.unix_seconds().unwrap(), want, "{raw}");
        assert_eq!(a.to_value().unwrap()["issuedOn"], raw, "raw value kept");
    }
    for bad in [json!("yesterday"), json!("2016-13-45T99:00:00Z"), json!("")] {
        let a = Assertion::from_value(&json!({"issuedOn": bad.clone()})).unwrap();
        let err = a.issued_on.unwrap().unix_seconds().unwrap_err();
        assert!(err.to_string().contains("invalid date"), "{bad}: {err}");
    }
}

#[test]
fn ob3_examples_parse_and_round_trip() {
    for name in ["basicOpenBadgeCredential.json", "fullOpenBadge.json"] {
        let text = read(&format!("ob3/{name}"));
        let vc = OpenBadgeCredential::from_json(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(vc.is_open_badge_credential(), "{name}");
        assert_eq!(vc.vc_version(), v3::VcVersion::V2_0);
        assert_eq!(
            vc.ob_context(),
            Some("https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json")
        );
        assert_eq!(vc.valid_from(), Some("2010-01-01T00:00:00Z"));
        assert_eq!(vc.valid_from_unix().unwrap(), Some(1_262_304_000));
        assert_eq!(
            vc.to_value().unwrap(),
            value(&format!("ob3/{name}")),
            "{name}"
        );
    }
    let text = read("ob3/endorsement.json");
    let e = EndorsementCredential::from_json(&text).unwrap();
    assert!(e.is_endorsement_credential());
    assert_eq!(e.valid_until(), Some("2030-01-01T00:00:00Z"));
    assert!(e.credential_statuses()[0].is_1edtech_revocation_list());
    assert_eq!(e.to_value().unwrap(), value("ob3/endorsement.json"));
}

#[test]
fn ob3_full_example_fields() {
    let vc = OpenBadgeCredential::from_json(&read("ob3/fullOpenBadge.json")).unwrap();
    assert_eq!(vc.issuer_id(), Some("https://1edtech.edu/issuers/565049"));
    let subject = &vc.credential_subject;
    assert_eq!(subject.credits_earned, Some(42.0));
    assert!(subject.matches_identity("student@1edtech.edu"));
    assert!(!subject.matches_identity("intruder@example.com"));
    let achievement = subject.achievement.as_ref().unwrap();
    assert_eq!(achievement.achievement_type.as_deref(), Some("Degree"));
    assert_eq!(achievement.result_description.as_ref().unwrap().len(), 3);
    let creator = achievement.creator.as_ref().unwrap();
    let endorsement = &creator.endorsement.as_ref().unwrap()[0];
    assert!(endorsement.is_endorsement_credential());
    assert_eq!(
        endorsement.proofs()[0].cryptosuite(),
        Some("eddsa-rdf-2022")
    );
    assert_eq!(
        endorsement.proofs()[0].proof_purpose(),
        Some("assertionMethod")
    );
    let results = subject.result.as_ref().unwrap();
    assert_eq!(results[0].value.as_deref(), Some("A"));
    assert_eq!(results[2].status.as_deref(), Some("Completed"));
    assert_eq!(vc.evidence.as_ref().unwrap().len(), 2);
}

#[test]
fn vcdm_1_1_dates_and_types() {
    let doc = json!({
        "@context": ["https://www.w3.org/2018/credentials/v1",
                     "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json"],
        "id": "urn:uuid:2", "type": ["VerifiableCredential", "AchievementCredential"],
        "name": "x", "issuer": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        "issuanceDate": "2022-01-01T00:00:00Z", "expirationDate": "2032-01-01T00:00:00Z",
        "credentialSubject": {"type": "AchievementSubject", "achievement": {
            "id": "urn:uuid:3", "type": "Achievement", "name": "x", "description": "x",
            "criteria": {"narrative": "x"}}},
        "credentialStatus": {"id": "https://example.org/status#5", "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation", "statusListIndex": "5",
            "statusListCredential": "https://example.org/status"}
    });
    let vc = OpenBadgeCredential::from_value(&doc).unwrap();
    assert!(vc.is_open_badge_credential());
    assert_eq!(vc.vc_version(), v3::VcVersion::V1_1);
    assert_eq!(vc.valid_from(), Some("2022-01-01T00:00:00Z"));
    assert_eq!(vc.valid_until(), Some("2032-01-01T00:00:00Z"));
    assert!(vc.issuer_id().unwrap().starts_with("did:key:"));
    let status = &vc.credential_statuses()[0];
    assert!(status.is_bitstring_status_list_entry());
    assert_eq!(status.status_list_index(), Some(5));
    assert_eq!(status.status_purpose(), Some("revocation"));
    assert_eq!(vc.to_value().unwrap(), doc);
    // The bundled schema wants `issuer` as a Profile object, not a bare DID.
    let problems = validate_schema(&doc);
    assert!(problems.iter().any(|p| p.path == "/issuer"), "{problems:?}");
    let mut with_profile = doc.clone();
    with_profile["issuer"] = json!({"id": doc["issuer"], "type": "Profile"});
    assert!(
        validate_schema(&with_profile).is_empty(),
        "{:?}",
        validate_schema(&with_profile)
    );

    // Only VerifiableCredential, or only OpenBadgeCredential: not an Open Badge credential.
    let mut half = doc.clone();
    half["type"] = json!(["VerifiableCredential"]);
    assert!(!OpenBadgeCredential::from_value(&half)
        .unwrap()
        .is_open_badge_credential());
    half["type"] = json!("OpenBadgeCredential");
    assert!(!OpenBadgeCredential::from_value(&half)
        .unwrap()
        .is_open_badge_credential());
}

#[test]
fn detection() {
    assert_eq!(
        detect(&value("ob2/00-assertion.json")),
        Detected::V2Assertion
    );
    assert_eq!(
        detect(&value("ob2/05-signedbadge.json")),
        Detected::V2Assertion
    );
    assert_eq!(
        detect(&value("ob2/08-revoked-hosted-assertion.json")),
        Detected::V2Assertion
    );
    assert_eq!(
        detect(&value("ob2/03-linkeddata.repaired.json")),
        Detected::V2Assertion
    );
    assert_eq!(
        detect(&value("ob3/basicOpenBadgeCredential.json")),
        Detected::V3Credential
    );
    assert_eq!(
        detect(&value("ob3/fullOpenBadge.json")),
        Detected::V3Credential
    );
    assert_eq!(
        detect(&value("ob3/endorsement.json")),
        Detected::V3Endorsement
    );
    // An OB 1.1-style assertion without `type`.
    assert_eq!(
        detect(&json!({"recipient": {"identity": "x"}, "badge": "https://example.org/b"})),
        Detected::V2Assertion
    );
    for (doc, needle) in [
        (value("ob2/01-badgeclass.repaired.json"), "BadgeClass"),
        (value("ob2/02-issuer.json"), "Issuer"),
        (value("ob2/24-endorsement.json"), "Endorsement"),
        (value("ob2/04-signedbadge.json"), "no `type`"),
        (
            json!({"@context": "https://www.w3.org/ns/credentials/v2", "type": ["VerifiableCredential"]}),
            "neither",
        ),
        (json!("just a string"), "a string"),
        (json!(null), "null"),
        (json!({"type": "Thing"}), "Thing"),
    ] {
        match detect(&doc) {
            Detected::Unknown(reason) => assert!(reason.contains(needle), "{reason}"),
            other => panic!("{doc}: {other:?}"),
        }
    }
}

#[test]
fn recipient_hash_matching() {
    let sha_salted = "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399";
    let sha_plain = "sha256$08168cd80dfd534ab0f10af10f1303fe00af2d43ab5c1432360d137f8197e17a";
    let md5_salted = "md5$ddd142639a792e74751ee7e129237efa";
    let md5_plain = "md5$b418773a2c51fb9777a1648346fa7394";
    let r = |identity: &str, salt: Option<&str>, hashed: bool| {
        let mut doc = json!({"type": "email", "hashed": hashed, "identity": identity});
        if let Some(s) = salt {
            doc["salt"] = json!(s);
        }
        serde_json::from_value::<v2::IdentityObject>(doc).unwrap()
    };
    assert!(r(sha_salted, Some("Kosher"), true).matches("a@example.com"));
    assert!(r(
        &sha_salted.to_uppercase().replace("SHA256", "sha256"),
        Some("Kosher"),
        true
    )
    .matches("a@example.com"));
    assert!(!r(sha_salted, Some("Kosher"), true).matches("b@example.com"));
    assert!(
        !r(sha_salted, None, true).matches("a@example.com"),
        "salt matters"
    );
    assert!(r(sha_plain, None, true).matches("a@example.com"));
    assert!(r(md5_salted, Some("Kosher"), true).matches("a@example.com"));
    assert!(r(md5_plain, None, true).matches("a@example.com"));
    assert!(!r(md5_plain, None, true).matches("a@example.org"));
    assert!(r("a@example.com", None, false).matches("a@example.com"));
    assert!(
        r("A@Example.com", None, false).matches("a@example.com"),
        "emails ignore ASCII case"
    );
    assert!(!r("a@example.com", None, false).matches("b@example.com"));
    // A missing `hashed` means plain.
    let absent: v2::IdentityObject =
        serde_json::from_value(json!({"type": "email", "identity": "a@example.com"})).unwrap();
    assert!(absent.matches("a@example.com"));

    // Malformed and unsupported hashes never match, and say why.
    let bad_alg = r("sha1$86f7e437faa5a7fce15d1ddcb9eaeaea377667b8", None, true);
    assert!(!bad_alg.matches("a@example.com"));
    assert!(matches!(
        bad_alg.check("a@example.com"),
        Err(ModelError::UnsupportedHash(_))
    ));
    for malformed in [
        "no-dollar-sign",
        "sha256$tooshort",
        "md5$zz2c51fb9777a1648346fa7394zzzzzz",
    ] {
        let m = r(malformed, None, true);
        assert!(!m.matches("a@example.com"));
        assert!(matches!(
            m.check("a@example.com"),
            Err(ModelError::MalformedHash(_))
        ));
    }

    assert_eq!(
        hash_identity(HashAlgorithm::Md5, "a@example.com", None),
        md5_plain
    );
    assert_eq!(
        hash_identity(HashAlgorithm::Sha256, "a@example.com", Some("Kosher")),
        sha_salted
    );

    // 3.0 IdentityObject, hashed.
    let id3: v3::IdentityObject = serde_json::from_value(json!({
        "type": "IdentityObject", "hashed": true, "identityHash": sha_salted,
        "identityType": "emailAddress", "salt": "Kosher"}))
    .unwrap();
    assert!(id3.matches("a@example.com"));
    assert!(!id3.matches("c@example.com"));
}

#[test]
fn schema_accepts_the_examples() {
    for name in [
        "basicOpenBadgeCredential.json",
        "fullOpenBadge.json",
        "endorsement.json",
    ] {
        let problems = validate_schema(&value(&format!("ob3/{name}")));
        assert!(problems.is_empty(), "{name}: {problems:#?}");
    }
}

#[test]
fn schema_reports_missing_issuer_and_bad_type() {
    let mut doc = value("ob3/basicOpenBadgeCredential.json");
    doc.as_object_mut().unwrap().remove("issuer");
    let problems = validate_schema(&doc);
    assert!(
        problems
            .iter()
            .any(|p| p.path == "/issuer" && p.message.contains("issuer")),
        "{problems:#?}"
    );

    let mut doc = value("ob3/basicOpenBadgeCredential.json");
    doc["type"] = json!(["VerifiableCredential", "SomethingElse"]);
    let problems = validate_schema(&doc);
    assert!(
        problems
            .iter()
            .any(|p| p.path == "/type" && p.message.contains("OpenBadgeCredential")),
        "{problems:#?}"
    );

    let mut doc = value("ob3/basicOpenBadgeCredential.json");
    doc["type"] = json!(42);
    let problems = validate_schema(&doc);
    assert!(problems.iter().any(|p| p.path == "/type"), "{problems:#?}");

    // A bad date is reported at the property the credential actually has.
    let mut doc = value("ob3/basicOpenBadgeCredential.json");
    doc["validFrom"] = json!("last tuesday");
    let problems = validate_schema(&doc);
    assert!(
        problems.iter().any(|p| p.path == "/validFrom"),
        "{problems:#?}"
    );

    // Missing validFrom on a VCDM 2.0 credential.
    let mut doc = value("ob3/basicOpenBadgeCredential.json");
    doc.as_object_mut().unwrap().remove("validFrom");
    let problems = validate_schema(&doc);
    assert!(
        problems.iter().any(|p| p.path == "/validFrom"),
        "{problems:#?}"
    );

    // Deep inside: an achievement without a name.
    let mut doc = value("ob3/basicOpenBadgeCredential.json");
    doc["credentialSubject"]["achievement"]
        .as_object_mut()
        .unwrap()
        .remove("name");
    let problems = validate_schema(&doc);
    assert!(
        problems
            .iter()
            .any(|p| p.path == "/credentialSubject/achievement/name"),
        "{problems:#?}"
    );
    assert!(problems.iter().all(|p| !p.to_string().is_empty()));

    // An endorsement with a wrong type.
    let mut doc = value("ob3/endorsement.json");
    doc["credentialSubject"]
        .as_object_mut()
        .unwrap()
        .remove("id");
    let problems = validate_schema(&doc);
    assert!(
        problems.iter().any(|p| p.path == "/credentialSubject/id"),
        "{problems:#?}"
    );
}

#[test]
fn schema_files_are_bundled_and_reference_nothing_remote() {
    for (text, variant, date) in [
        (v3::ACHIEVEMENT_CREDENTIAL_SCHEMA, "json", "issuanceDate"),
        (v3::ENDORSEMENT_CREDENTIAL_SCHEMA, "json", "issuanceDate"),
        (
            v3::ACHIEVEMENT_CREDENTIAL_SCHEMA_VC2,
            "json-ld",
            "validFrom",
        ),
        (
            v3::ENDORSEMENT_CREDENTIAL_SCHEMA_VC2,
            "json-ld",
            "validFrom",
        ),
    ] {
        let schema: Value = serde_json::from_str(text).unwrap();
        let id = schema["$id"].as_str().unwrap();
        assert!(
            id.starts_with(&format!(
                "https://purl.imsglobal.org/spec/ob/v3p0/schema/{variant}/ob_v3p0_"
            )),
            "{id}"
        );
        // The VCDM 1.1-era schemas require `issuanceDate`, the current ones `validFrom`.
        let required: Vec<&str> = schema["required"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(required.contains(&date), "{id}: {required:?}");
        // Every $ref is local to the file.
        let mut stack = vec![&schema];
        while let Some(v) = stack.pop() {
            match v {
                Value::Object(m) => {
                    if let Some(r) = m.get("$ref") {
                        assert!(r.as_str().unwrap().starts_with("#/"), "{r}");
                    }
                    stack.extend(m.values());
                }
                Value::Array(a) => stack.extend(a),
                _ => {}
            }
        }
    }
}

fn vector(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors/dcc")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn schema_accepts_vc2_and_vc11_vectors() {
    // VCDM 2.0 (current schema) and VCDM 1.1 (schema published with OB 3.0), as signed by the
    // DCC libraries, untouched.
    for name in ["vc2-ob303.json", "vc11-ob302.json"] {
        let problems = validate_schema(&vector(name));
        assert!(problems.is_empty(), "{name}: {problems:#?}");
    }
}

#[test]
fn vc2_credential_needs_valid_from() {
    for doc in [
        vector("vc2-ob303.json"),
        value("ob3/basicOpenBadgeCredential.json"),
    ] {
        // Without validFrom.
        let mut without = doc.clone();
        without.as_object_mut().unwrap().remove("validFrom");
        let problems = validate_schema(&without);
        assert!(
            problems
                .iter()
                .any(|p| p.path == "/validFrom" && p.message.contains("`validFrom`")),
            "{problems:#?}"
        );

        // The VCDM 1.1 `issuanceDate` does not stand in for it any more.
        let mut issuance = without.clone();
        issuance["issuanceDate"] = doc["validFrom"].clone();
        let problems = validate_schema(&issuance);
        let missing: Vec<_> = problems.iter().filter(|p| p.path == "/validFrom").collect();
        assert_eq!(missing.len(), 1, "{problems:#?}");
        assert!(missing[0].message.contains("`validFrom`"), "{problems:#?}");
        assert!(missing[0].message.contains("issuanceDate"), "{problems:#?}");

        // Nor does `validUntil` count without `validFrom`, and a bad date is reported as is.
        let mut bad = doc.clone();
        bad["validFrom"] = json!("2024-13-45");
        let problems = validate_schema(&bad);
        assert!(
            problems
                .iter()
                .any(|p| p.path == "/validFrom" && p.message.contains("date-time")),
            "{problems:#?}"
        );
    }
}

#[test]
fn vc2_schema_checks_context_and_type_itself() {
    let doc = vector("vc2-ob303.json");

    // @context must start with the VCDM 2.0 context, then the OB 3.0 one.
    let mut swapped = doc.clone();
    swapped["@context"] = json!([
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "https://www.w3.org/ns/credentials/v2"
    ]);
    let problems = validate_schema(&swapped);
    assert!(
        problems.iter().any(|p| p.path == "/@context/0"),
        "{problems:#?}"
    );

    // `type` is checked by the schema's `contains`: one problem, naming what is wanted.
    let mut wrong = doc.clone();
    wrong["type"] = json!(["VerifiableCredential", "SomethingElse"]);
    let problems = validate_schema(&wrong);
    let on_type: Vec<_> = problems.iter().filter(|p| p.path == "/type").collect();
    assert_eq!(on_type.len(), 1, "{problems:#?}");
    assert!(
        on_type[0].message.contains("\"OpenBadgeCredential\""),
        "{problems:#?}"
    );
    let mut no_vc = doc.clone();
    no_vc["type"] = json!(["OpenBadgeCredential"]);
    let problems = validate_schema(&no_vc);
    assert!(
        problems
            .iter()
            .any(|p| p.path == "/type" && p.message.contains("\"VerifiableCredential\"")),
        "{problems:#?}"
    );
    // A single string is not an array in the current schema.
    let mut single = doc.clone();
    single["credentialSubject"]["type"] = json!("AchievementSubject");
    let problems = validate_schema(&single);
    assert!(
        problems.iter().any(|p| p.path == "/credentialSubject/type"),
        "{problems:#?}"
    );

    // An endorsement on VCDM 2.0 without validFrom, and with a wrong type.
    let mut e = value("ob3/endorsement.json");
    e.as_object_mut().unwrap().remove("validFrom");
    e["type"] = json!(["VerifiableCredential", "EndorsementCredential", "Extra"]);
    let problems = validate_schema(&e);
    assert_eq!(
        problems.iter().map(|p| p.path.as_str()).collect::<Vec<_>>(),
        ["/validFrom"],
        "{problems:#?}"
    );

    // An endorsement embedded in a VCDM 2.0 credential is held to the current schema too.
    let mut full = value("ob3/fullOpenBadge.json");
    let embedded = full["endorsement"][0].as_object_mut().unwrap();
    let from = embedded.remove("validFrom").unwrap();
    embedded.insert("issuanceDate".into(), from);
    let problems = validate_schema(&full);
    assert!(
        problems
            .iter()
            .any(|p| p.path == "/endorsement/0/validFrom" && p.message.contains("issuanceDate")),
        "{problems:#?}"
    );
}

#[test]
fn vc2_single_proof_object_is_accepted_and_still_checked() {
    // Data Integrity signers (this crate's, the DCC libraries, 1EdTech's own test vector) write
    // `proof` as one object; VCDM 2.0 allows that, so it is checked as a one-element array.
    let doc = vector("vc2-ob303.json");
    assert!(doc["proof"].is_object());
    assert!(validate_schema(&doc).is_empty());
    let mut as_array = doc.clone();
    as_array["proof"] = json!([doc["proof"].clone()]);
    assert!(validate_schema(&as_array).is_empty());

    // The proof is still checked against the schema's `Proof`, and reported where it is.
    let mut bad = doc.clone();
    bad["proof"]["created"] = json!("yesterday");
    bad["proof"].as_object_mut().unwrap().remove("type");
    let mut paths: Vec<_> = validate_schema(&bad).into_iter().map(|p| p.path).collect();
    paths.sort();
    assert_eq!(paths, ["/proof/created", "/proof/type"]);
    let mut bad_in_array = as_array.clone();
    bad_in_array["proof"][0]
        .as_object_mut()
        .unwrap()
        .remove("type");
    let problems = validate_schema(&bad_in_array);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].path, "/proof/0/type");

    // Anything else than an object or an array of them is not a proof.
    for not_a_proof in [json!("z3abc"), json!(5), json!(["z3abc"])] {
        let mut odd = doc.clone();
        odd["proof"] = not_a_proof.clone();
        let problems = validate_schema(&odd);
        assert!(
            problems.iter().any(|p| p.path.starts_with("/proof")),
            "{not_a_proof}: {problems:#?}"
        );
    }

    // Only `proof` is accepted in compacted form: other sets must still be arrays.
    let mut compacted = doc.clone();
    compacted["credentialSubject"]["achievement"]["type"] = json!("Achievement");
    compacted["evidence"] = json!({"type": ["Evidence"], "narrative": "x"});
    let mut paths: Vec<_> = validate_schema(&compacted)
        .into_iter()
        .map(|p| p.path)
        .collect();
    paths.sort();
    paths.dedup();
    assert_eq!(
        paths,
        ["/credentialSubject/achievement/type", "/evidence"],
        "{compacted:#}"
    );
}

#[test]
fn vc11_credential_keeps_the_vc11_schema() {
    let doc = vector("vc11-ob302.json");
    assert!(validate_schema(&doc).is_empty());

    // It needs issuanceDate; validFrom does not stand in for it.
    let mut renamed = doc.clone();
    let from = renamed
        .as_object_mut()
        .unwrap()
        .remove("issuanceDate")
        .unwrap();
    renamed["validFrom"] = from;
    let problems = validate_schema(&renamed);
    assert!(
        problems
            .iter()
            .any(|p| p.path == "/issuanceDate" && p.message.contains("validFrom")),
        "{problems:#?}"
    );

    // The `type` rule the 1.1-era schema states only in prose is still enforced.
    let mut wrong = doc.clone();
    wrong["type"] = json!(["VerifiableCredential", "SomethingElse"]);
    let problems = validate_schema(&wrong);
    assert!(
        problems
            .iter()
            .any(|p| p.path == "/type" && p.message.contains("OpenBadgeCredential")),
        "{problems:#?}"
    );
}

fn nested(depth: usize) -> String {
    let mut s = String::with_capacity(depth * 8 + 16);
    for _ in 0..depth {
        s.push_str("{\"a\":[");
    }
    for _ in 0..depth {
        s.push_str("]}");
    }
    s
}

#[test]
fn deeply_nested_json_is_an_error_not_a_crash() {
    let deep = nested(10_000);
    let err = Assertion::from_json(&deep).unwrap_err();
    assert!(err.to_string().contains("recursion limit"), "{err}");
    let err = OpenBadgeCredential::from_json(&deep).unwrap_err();
    assert!(err.to_string().contains("recursion limit"), "{err}");
    let wrapped = format!(r#"{{"type": "Assertion", "badge": {deep}}}"#);
    assert!(Assertion::from_json(&wrapped).is_err());
    assert!(openbadges::model::common::parse_str::<Value>(&deep).is_err());

    // A value built in memory (not parsed) deeper than the schema limit is refused, not walked.
    let mut v = json!("leaf");
    for _ in 0..500 {
        v = json!({ "a": v });
    }
    let doc = json!({"type": ["VerifiableCredential", "OpenBadgeCredential"], "x": v});
    let problems = validate_schema(&doc);
    assert_eq!(problems.len(), 1);
    assert!(problems[0].message.contains("nested"), "{problems:?}");
    assert!(matches!(detect(&doc), Detected::V3Credential));
}

#[test]
fn huge_input() {
    // A large but legal string value parses.
    let big_name = "x".repeat(1 << 20);
    let a = Assertion::from_value(&json!({"type": "Assertion", "narrative": big_name})).unwrap();
    assert_eq!(a.narrative.as_ref().map(String::len), Some(1 << 20));
    // A document over the limit is refused before parsing.
    let huge = format!(r#"{{"narrative": "{}"}}"#, "y".repeat(MAX_DOCUMENT_BYTES));
    let err = Assertion::from_json(&huge).unwrap_err();
    assert!(matches!(err, ModelError::TooLarge { .. }));
    assert!(err.to_string().contains("bytes"), "{err}");
    // Not UTF-8, not JSON, empty.
    assert!(openbadges::model::common::parse_slice::<Assertion>(&[0xff, 0xfe, 0x00]).is_err());
    assert!(Assertion::from_json("").is_err());
    assert!(Assertion::from_json("null").is_err());
}

#[test]
fn wrong_types_everywhere_are_errors_with_messages() {
    let v2_cases = [
        r#"{"recipient": 5}"#,
        r#"{"recipient": {"identity": ["a"]}}"#,
        r#"{"recipient": {"identity": "a", "hashed": "yes"}}"#,
        r#"{"badge": 5}"#,
        r#"{"badge": {"name": ["not", "a", "string"]}}"#,
        r#"{"issuedOn": true}"#,
        r#"{"issuedOn": {"when": "now"}}"#,
        r#"{"type": 7}"#,
        r#"{"evidence": [1, 2]}"#,
        r#"{"@context": 3}"#,
        r#"{"verification": "hosted"}"#,
        r#"{"revoked": "true"}"#,
        r#"["an", "array"]"#,
        r#""a string""#,
    ];
    for case in v2_cases {
        let err = Assertion::from_json(case).expect_err(case);
        let msg = err.to_string();
        assert!(
            msg.starts_with("not a valid badge document"),
            "{case}: {msg}"
        );
        assert!(msg.len() > 30, "{case}: {msg}");
    }
    let base = value("ob3/basicOpenBadgeCredential.json");
    for (key, bad) in [
        ("issuer", json!(5)),
        ("credentialSubject", json!("x")),
        ("type", json!({"a": 1})),
        ("@context", json!(12)),
        ("validFrom", json!(2010)),
        ("credentialStatus", json!({"id": "x"})),
        ("endorsement", json!({"not": "an array"})),
        ("proof", json!("not a proof object")),
    ] {
        let mut doc = base.clone();
        doc[key] = bad;
        let err = OpenBadgeCredential::from_value(&doc)
            .expect_err(key)
            .to_string();
        assert!(
            err.starts_with("not a valid badge document"),
            "{key}: {err}"
        );
    }
    for key in ["issuer", "credentialSubject", "type", "@context"] {
        let mut doc = base.clone();
        doc.as_object_mut().unwrap().remove(key);
        let err = OpenBadgeCredential::from_value(&doc)
            .expect_err(key)
            .to_string();
        assert!(err.contains(key), "{key}: {err}");
    }
    // The schema validator never panics on wrong types either.
    for bad in [
        json!(null),
        json!([]),
        json!("x"),
        json!({"type": null}),
        json!({"@context": {}}),
    ] {
        assert!(!validate_schema(&bad).is_empty(), "{bad}");
    }
}
