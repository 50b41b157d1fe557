//! The fast path against the full processors: same canonical N-Quads, or it steps aside.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::proof::canon::{canonicalize, canonicalize_full};

/// The fast path's answer for `document` (`None`: it left the document to the full processor).
fn fast(document: &Value) -> Option<String> {
    let quads = super::to_rdf(document, &[])?;
    Some(match crate::proof::rdfc::canonicalize_distinct(&quads) {
        Some(nquads) => nquads,
        None => panic!("blank nodes with equal first-degree hashes in {document}"),
    })
}

/// Compares both processors on `document`; true when the fast path handled it.
fn compare(document: &Value, what: &str) -> bool {
    let full = canonicalize_full(document);
    match fast(document) {
        Some(fast) => {
            let full = match full {
                Ok(full) => full,
                // The json-ld crate panics on IRIs whose percent-escapes are not UTF-8 (which
                // RFC 3987 allows); the fast path takes them as they are, as jsonld.js does.
                Err(e) if e.to_string().contains("could not handle") => return true,
                Err(e) => {
                    panic!("{what}: the fast path accepted what the full processor refuses ({e})")
                }
            };
            assert_eq!(fast, full, "{what}: the two processors differ");
            assert_eq!(canonicalize(document).as_ref(), Ok(&full), "{what}");
            true
        }
        None => {
            assert_eq!(canonicalize(document), full, "{what}");
            false
        }
    }
}

/// A credential, the credential without its proof, and its proof options: what is hashed.
fn signed_parts(document: &Value) -> Vec<(String, Value)> {
    let mut parts = vec![("document".to_owned(), document.clone())];
    let Some(proof) = document.get("proof").and_then(Value::as_object) else {
        return parts;
    };
    let mut unsigned = document.clone();
    if let Some(map) = unsigned.as_object_mut() {
        map.remove("proof");
    }
    parts.push(("without proof".to_owned(), unsigned));
    let mut options = proof.clone();
    options.remove("proofValue");
    if let Some(context) = document.get("@context") {
        options.insert("@context".to_owned(), context.clone());
    }
    parts.push(("proof options".to_owned(), Value::Object(options)));
    parts
}

fn json_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            json_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "json") {
            found.push(path);
        }
    }
}

#[test]
fn every_fixture_and_vector_canonicalizes_the_same_on_both_paths() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut files = Vec::new();
    json_files(&root, &mut files);
    assert!(
        files.len() > 40,
        "fixtures not found under {}",
        root.display()
    );
    let mut handled = Vec::new();
    for file in &files {
        let Ok(document) =
            serde_json::from_str::<Value>(&std::fs::read_to_string(file).unwrap_or_default())
        else {
            continue;
        };
        for (part, value) in signed_parts(&document) {
            let what = format!("{} ({part})", file.display());
            if compare(&value, &what) {
                handled.push(what);
            }
        }
    }
    // The signed Open Badges 3.0 vectors must take the fast path, or it is not doing its job.
    for expected in [
        "vectors/1edtech/signed-credential.json (without proof)",
        "vectors/1edtech/signed-credential.json (proof options)",
        "vectors/dcc/vc2-ob303.json (without proof)",
        "vectors/dcc/vc2-ob303.json (proof options)",
        "vectors/dcc/vc11-ob302.json (without proof)",
        "vectors/dcc/vc11-ob302.json (proof options)",
        "vectors/ours/vc2-ob303-control-chars.json (without proof)",
        "fixtures/model/ob3/basicOpenBadgeCredential.json (document)",
    ] {
        assert!(
            handled.iter().any(|h| h.ends_with(expected)),
            "the fast path did not handle {expected}; it handled {handled:#?}"
        );
    }
}

fn credential(extra: Value) -> Value {
    let mut document = json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ],
        "id": "urn:uuid:7a2d0b44-0000-4000-8000-000000000001",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "https://example.org/issuer", "type": ["Profile"], "name": "Example"},
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://example.org/achievements/1",
                "type": ["Achievement"],
                "name": "Teamwork",
                "criteria": {"narrative": "Works well with others."}
            }
        }
    });
    if let (Some(map), Value::Object(extra)) = (document.as_object_mut(), extra) {
        map.extend(extra);
    }
    document
}

#[test]
fn credentials_using_each_supported_feature_take_the_fast_path_and_agree() {
    let cases = [
        // Plain: type-scoped contexts of the credential, subject, achievement and profile.
        ("plain", credential(json!({}))),
        // Numbers and booleans, strings needing escapes.
        (
            "scalars",
            credential(json!({"credentialSubject": {
                "type": ["AchievementSubject"],
                "achievement": {
                    "id": "https://example.org/achievements/1",
                    "type": ["Achievement"],
                    "name": "Tab\there, \"quoted\", back\\slash, line\nbreak, bell\u{7}, é, 🎉",
                    "criteria": {"narrative": "x"},
                    "resultDescription": [{
                        "id": "urn:uuid:11111111-2222-4333-8444-555555555555",
                        "type": ["ResultDescription"],
                        "name": "Score",
                        "resultType": "ScaledScore",
                        "valueMax": "100",
                        "requiredLevel": "urn:uuid:11111111-2222-4333-8444-555555555556",
                        "allowedValue": ["low", "middle", "high"]
                    }]
                },
                "result": [{"type": ["Result"], "value": "90", "resultDescription": "urn:uuid:11111111-2222-4333-8444-555555555555"}],
                "creditsEarned": 3,
                "activityStartDate": "2024-01-01T00:00:00Z"
            }})),
        ),
        // An empty list container and a one-item one.
        (
            "lists",
            credential(json!({"credentialSubject": {
                "type": ["AchievementSubject"],
                "achievement": {
                    "id": "https://example.org/achievements/1",
                    "type": ["Achievement"],
                    "name": "Lists",
                    "criteria": {"narrative": "x"},
                    "resultDescription": [
                        {"id": "urn:example:rd1", "type": ["ResultDescription"], "name": "a", "resultType": "Status", "allowedValue": []},
                        {"id": "urn:example:rd2", "type": ["ResultDescription"], "name": "b", "resultType": "Status", "allowedValue": "only"}
                    ]
                }
            }})),
        ),
        // Blank node identifiers written out, and a node referred to twice.
        (
            "blank node ids",
            credential(json!({
                "issuer": {"id": "_:issuer", "type": ["Profile"], "name": "Example"},
                "credentialSubject": {
                    "id": "_:subject",
                    "type": ["AchievementSubject"],
                    "achievement": {"id": "_:a", "type": ["Achievement"], "name": "N", "criteria": {"narrative": "x"}}
                }
            })),
        ),
        // A term only a vocabulary mapping (@vocab) gives a meaning, and a full IRI as key.
        (
            "vocab and IRI keys",
            credential(json!({
                "@context": [
                    "https://www.w3.org/ns/credentials/v2",
                    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
                    "https://www.w3.org/ns/credentials/undefined-terms/v2"
                ],
                "madeUpTerm": "issuer-dependent",
                "type": ["VerifiableCredential", "OpenBadgeCredential", "MadeUpType"],
                "https://example.org/vocab#custom": "value",
                "evidence": [{"id": "https://example.org/evidence/1", "type": ["Evidence"], "name": "E", "narrative": "n"}]
            })),
        ),
        // An endorsement with its own proof: a graph container inside the document.
        (
            "graph container",
            credential(json!({"credentialSubject": {
                "type": ["AchievementSubject"],
                "achievement": {
                    "id": "https://example.org/achievements/1",
                    "type": ["Achievement"],
                    "name": "Endorsed",
                    "criteria": {"narrative": "x"},
                    "endorsement": [{
                        "@context": [
                            "https://www.w3.org/ns/credentials/v2",
                            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
                        ],
                        "type": ["VerifiableCredential", "EndorsementCredential"]
                    }]
                }
            }})),
        ),
        (
            "proof options",
            json!({
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "type": "DataIntegrityProof",
                "cryptosuite": "eddsa-rdfc-2022",
                "created": "2024-01-01T00:00:00Z",
                "verificationMethod": "did:key:z6MkjLrk3gKS2nnkeWcmcxiZPGskmesDpuwRBorgHxUXfxnG#z6MkjLrk3gKS2nnkeWcmcxiZPGskmesDpuwRBorgHxUXfxnG",
                "proofPurpose": "assertionMethod"
            }),
        ),
        (
            "a credential with its proof",
            credential(json!({"proof": {
                "type": "DataIntegrityProof",
                "cryptosuite": "eddsa-rdfc-2022",
                "created": "2024-01-01T00:00:00Z",
                "verificationMethod": "https://example.org/issuer#key-1",
                "proofPurpose": "assertionMethod",
                "proofValue": "z3FXQjecWufY46yg5abdVZsXqLhxhueuSoZgNSARiKBk9czhSePTFehP8c3PGfb6a22gkfUKKiQ3wNEa6PyPeDsj6"
            }})),
        ),
    ];
    for (what, document) in cases {
        let endorsement_inline_context = what == "graph container";
        let handled = compare(&document, what);
        // An inline @context (the endorsement's) is the full processor's to do.
        assert_eq!(handled, !endorsement_inline_context, "{what}");
    }
}

#[test]
fn what_the_fast_path_does_not_handle_goes_to_the_full_processor() {
    let cases = [
        (
            "context not bundled",
            json!({"@context": ["https://example.org/ctx.json"], "name": "x"}),
        ),
        (
            "inline context",
            json!({"@context": [{"name": "https://schema.org/name"}], "name": "x"}),
        ),
        (
            "a double",
            credential(
                json!({"credentialSubject": {"type": ["AchievementSubject"], "creditsEarned": 1.5}}),
            ),
        ),
        ("relative id", credential(json!({"id": "relative/path"}))),
        (
            "id with a space",
            credential(json!({"id": "https://example.org/a b"})),
        ),
        (
            "a written-out value object",
            credential(json!({"name": {"@value": "x", "@language": "en"}})),
        ),
        (
            "protected term redefined",
            json!({"@context": [
                "https://www.w3.org/ns/credentials/v2",
                "https://www.w3.org/2018/credentials/v1"
            ], "type": ["VerifiableCredential"]}),
        ),
        (
            "a term no context defines (VC 1.1 has no @vocab)",
            json!({
                "@context": ["https://www.w3.org/2018/credentials/v1"],
                "type": ["VerifiableCredential"],
                "undefinedThing": "x"
            }),
        ),
        (
            "JSON literal",
            credential(
                json!({"credentialSchema": [{"id": "https://example.org/s", "type": "JsonSchema", "jsonSchema": {"a": 1}}]}),
            ),
        ),
    ];
    for (what, document) in cases {
        assert!(
            !compare(&document, what),
            "{what}: the fast path should have stepped aside"
        );
    }
}
