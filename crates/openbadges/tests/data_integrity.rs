//! Data Integrity (`eddsa-rdfc-2022`): 1EdTech's published vector, round trips, and failures.

use ed25519_dalek::{SigningKey, VerifyingKey};
use openbadges::proof::data_integrity::{self, KeyResolver, ResolveError};
use openbadges::proof::did_key::{self, DidKeyResolver};
use openbadges::proof::{canon, ProofError};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const VECTOR_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/1edtech");
const VECTOR_SECRET_HEX: &str = "6241a409e6707bb640a0140a8a32bc3d193c33a661747284d6adfa4ed4180be4";
const VECTOR_PUBLIC_HEX: &str = "4bdeafde2ea8beefadd8c699b5c7e0704cf51154d52e17b20b71337ca04cc5a5";
const VECTOR_VM: &str =
    "https://example.edu/issuers/565049#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi";
const VECTOR_PROOF_VALUE: &str =
    "z5x9aCBYovW3CQCbKdNyhEm7ffYSw1YpEdPywQJoNbzDD2gkzQDKJ1sYKJaWvqZtkMtSbz35HcbgXVEDYHxCzgkCr";
const VECTOR_DOCUMENT_HASH: &str =
    "87f65a76d40146205e3b3e06cb0fbd153f97f9ce70372390f52566bb7f9e0773";
const VECTOR_PROOF_HASH: &str = "d34009cea0dbc1ca941e09dc01c8c9d3e3ce3c5b853f67ee44698dcea10f5d19";
const VECTOR_SIGNATURE_HEX: &str = "f7a017acf7d27983267ec362657c0fb08e955549f49dac5bf36a03c4f2c3a4f1e3738a6c5ecd7ffba7135cb9cd754e6196f4b73082ea8df8e703c8ecd4333503";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex<const N: usize>(s: &str) -> [u8; N] {
    let mut out = [0u8; N];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("hex");
    }
    out
}

fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{VECTOR_DIR}/{name}")).expect("vector file")
}

fn signed_vector() -> Value {
    serde_json::from_str(&read("signed-credential.json")).expect("vector JSON")
}

fn unsigned_vector() -> Value {
    let mut doc = signed_vector();
    doc.as_object_mut().expect("object").remove("proof");
    doc
}

fn vector_key() -> SigningKey {
    SigningKey::from_bytes(&unhex::<32>(VECTOR_SECRET_HEX))
}

/// Resolves the vector's (https) verification method to the vector's key, and nothing else.
fn vector_resolver(vm: &str) -> Result<VerifyingKey, ResolveError> {
    if vm == VECTOR_VM {
        Ok(VerifyingKey::from_bytes(&unhex::<32>(VECTOR_PUBLIC_HEX))?)
    } else {
        Err(format!("unknown verification method {vm}").into())
    }
}

fn vector_proof_config() -> Value {
    json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ],
        "type": "DataIntegrityProof",
        "created": "2010-01-01T19:23:24Z",
        "verificationMethod": VECTOR_VM,
        "cryptosuite": "eddsa-rdfc-2022",
        "proofPurpose": "assertionMethod"
    })
}

#[test]
fn vector_key_matches_its_multikey() {
    let key = vector_key();
    assert_eq!(hex(key.verifying_key().as_bytes()), VECTOR_PUBLIC_HEX);
    assert_eq!(
        did_key::encode_public_key(&key.verifying_key()),
        "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
    );
}

#[test]
fn vector_document_canonical_nquads_match_exactly() {
    let nquads = canon::canonicalize(&unsigned_vector()).expect("canonicalizes");
    assert_eq!(nquads, read("obv3p0-document-canon.txt"));
    assert_eq!(
        hex(&Sha256::digest(nquads.as_bytes())),
        VECTOR_DOCUMENT_HASH
    );
}

#[test]
fn vector_proof_canonical_nquads_match_exactly() {
    let nquads = canon::canonicalize(&vector_proof_config()).expect("canonicalizes");
    assert_eq!(nquads, read("obv3p0-proof-canon.txt"));
    assert_eq!(hex(&Sha256::digest(nquads.as_bytes())), VECTOR_PROOF_HASH);
}

#[test]
fn vector_hash_data_signature_and_proof_value_match_exactly() {
    let data =
        data_integrity::hash_data(&unsigned_vector(), &vector_proof_config()).expect("hashes");
    assert_eq!(
        hex(&data),
        format!("{VECTOR_PROOF_HASH}{VECTOR_DOCUMENT_HASH}")
    );

    let signed = data_integrity::sign(
        &unsigned_vector(),
        &vector_key(),
        VECTOR_VM,
        "2010-01-01T19:23:24Z",
    )
    .expect("signs");
    assert_eq!(signed["proof"]["proofValue"], VECTOR_PROOF_VALUE);
    let (_, sig) = multibase::decode(VECTOR_PROOF_VALUE).expect("multibase");
    assert_eq!(hex(&sig), VECTOR_SIGNATURE_HEX);
    // The whole signed credential is the published one.
    assert_eq!(signed, signed_vector());
}

#[test]
fn vector_verifies() {
    let verified = data_integrity::verify(&signed_vector(), &vector_resolver).expect("verifies");
    assert_eq!(verified.verification_method, VECTOR_VM);
    assert_eq!(verified.created.as_deref(), Some("2010-01-01T19:23:24Z"));
    assert_eq!(verified.proof_purpose, "assertionMethod");
}

fn did_key_credential(key: &SigningKey) -> Value {
    json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ],
        "id": "urn:uuid:2f4f2f0a-8a43-4b8e-9d2b-7b3c8f5d0e11",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": did_key::did(&key.verifying_key()),
            "type": ["Profile"],
            "name": "Badge Commons test issuer"
        },
        "validFrom": "2024-03-01T12:00:00Z",
        "name": "Teamwork Badge",
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

fn signed_did_key_credential() -> (SigningKey, Value) {
    let key = SigningKey::from_bytes(&[9u8; 32]);
    let vm = did_key::verification_method(&key.verifying_key());
    let signed = data_integrity::sign(&did_key_credential(&key), &key, &vm, "2024-03-01T12:00:00Z")
        .expect("signs");
    (key, signed)
}

#[test]
fn sign_then_verify_with_did_key() {
    let (key, signed) = signed_did_key_credential();
    let proof = &signed["proof"];
    assert_eq!(proof["type"], "DataIntegrityProof");
    assert_eq!(proof["cryptosuite"], "eddsa-rdfc-2022");
    assert_eq!(proof["proofPurpose"], "assertionMethod");
    assert!(proof["proofValue"]
        .as_str()
        .is_some_and(|v| v.starts_with('z')));
    let verified = data_integrity::verify(&signed, &DidKeyResolver).expect("verifies");
    assert_eq!(verified.public_key, key.verifying_key());
    assert_eq!(
        verified.verification_method,
        did_key::verification_method(&key.verifying_key())
    );
}

#[test]
fn tampered_document_fails() {
    let (_, mut signed) = signed_did_key_credential();
    signed["credentialSubject"]["achievement"]["name"] = json!("Leadership");
    assert_eq!(
        data_integrity::verify(&signed, &DidKeyResolver),
        Err(ProofError::SignatureMismatch)
    );

    let mut vector = signed_vector();
    vector["validFrom"] = json!("2010-01-02T00:00:00Z");
    assert_eq!(
        data_integrity::verify(&vector, &vector_resolver),
        Err(ProofError::SignatureMismatch)
    );
}

#[test]
fn tampered_proof_fails() {
    let (_, signed) = signed_did_key_credential();
    let mut later = signed.clone();
    later["proof"]["created"] = json!("2024-03-02T12:00:00Z");
    assert_eq!(
        data_integrity::verify(&later, &DidKeyResolver),
        Err(ProofError::SignatureMismatch)
    );

    let mut flipped = signed.clone();
    let value = flipped["proof"]["proofValue"]
        .as_str()
        .expect("string")
        .to_owned();
    let (_, mut sig) = multibase::decode(&value).expect("multibase");
    sig[10] ^= 1;
    flipped["proof"]["proofValue"] = json!(multibase::encode(multibase::Base::Base58Btc, sig));
    assert_eq!(
        data_integrity::verify(&flipped, &DidKeyResolver),
        Err(ProofError::SignatureMismatch)
    );

    let mut purpose = signed.clone();
    purpose["proof"]["proofPurpose"] = json!("authentication");
    assert!(matches!(
        data_integrity::verify(&purpose, &DidKeyResolver),
        Err(ProofError::WrongPurpose { .. })
    ));

    let mut suite = signed;
    suite["proof"]["cryptosuite"] = json!("ecdsa-rdfc-2019");
    assert!(matches!(
        data_integrity::verify(&suite, &DidKeyResolver),
        Err(ProofError::UnsupportedProof { .. })
    ));
}

#[test]
fn right_signature_over_a_different_document_fails() {
    let (key, signed) = signed_did_key_credential();
    let mut other = did_key_credential(&key);
    other["credentialSubject"]["id"] = json!("did:example:someone-else");
    other["proof"] = signed["proof"].clone();
    assert_eq!(
        data_integrity::verify(&other, &DidKeyResolver),
        Err(ProofError::SignatureMismatch)
    );
}

#[test]
fn key_of_another_did_fails() {
    let (_, mut signed) = signed_did_key_credential();
    let other = SigningKey::from_bytes(&[10u8; 32]);
    signed["proof"]["verificationMethod"] =
        json!(did_key::verification_method(&other.verifying_key()));
    assert_eq!(
        data_integrity::verify(&signed, &DidKeyResolver),
        Err(ProofError::SignatureMismatch)
    );
    let mut web = signed_vector();
    web["proof"]["verificationMethod"] = json!("did:web:example.com#key-1");
    assert!(matches!(
        data_integrity::verify(&web, &DidKeyResolver),
        Err(ProofError::KeyResolution { .. })
    ));
}

#[test]
fn context_that_is_not_bundled_fails_naming_it() {
    let key = SigningKey::from_bytes(&[9u8; 32]);
    let mut doc = did_key_credential(&key);
    doc["@context"]
        .as_array_mut()
        .expect("array")
        .push(json!("https://example.com/contexts/evil.jsonld"));
    let vm = did_key::verification_method(&key.verifying_key());
    let err = data_integrity::sign(&doc, &key, &vm, "2024-03-01T12:00:00Z").expect_err("refused");
    assert_eq!(
        err,
        ProofError::ContextNotBundled("https://example.com/contexts/evil.jsonld".into())
    );
    assert!(err
        .to_string()
        .contains("https://example.com/contexts/evil.jsonld is not bundled"));

    // The same on verification, also when the unbundled context sits inside an inline context.
    let (_, mut signed) = signed_did_key_credential();
    signed["@context"]
        .as_array_mut()
        .expect("array")
        .push(json!({ "@import": "https://example.com/contexts/imported.jsonld" }));
    assert_eq!(
        data_integrity::verify(&signed, &DidKeyResolver),
        Err(ProofError::ContextNotBundled(
            "https://example.com/contexts/imported.jsonld".into()
        ))
    );
}

#[test]
fn undefined_terms_are_refused_not_dropped() {
    // VC 1.1 has no @vocab: a term no context defines would vanish from what is signed.
    let doc = json!({
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiableCredential"],
        "notDefinedAnywhere": "changeable without breaking the signature"
    });
    assert!(matches!(
        canon::canonicalize(&doc),
        Err(ProofError::JsonLd(_))
    ));
}

#[test]
fn control_characters_are_escaped_as_rdfc_1_0_requires() {
    let doc = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:example:controls",
        "name": "tab\there vt\u{000B}here bs\u{0008}here soh\u{0001}here del\u{007F}here quote\"back\\slash nl\ncr\rff\u{000C}é😀"
    });
    let expected = "<urn:example:controls> <https://schema.org/name> \"tab\\there vt\\u000Bhere bs\\bhere soh\\u0001here del\\u007Fhere quote\\\"back\\\\slash nl\\ncr\\rff\\fé😀\" .\n";
    assert_eq!(canon::canonicalize(&doc).expect("canonicalizes"), expected);

    // And a credential with them signs and verifies.
    let key = SigningKey::from_bytes(&[9u8; 32]);
    let mut cred = did_key_credential(&key);
    cred["credentialSubject"]["achievement"]["criteria"]["narrative"] =
        json!("Step 1:\tlisten\u{000B}\u{0008}\u{0001}\u{007F}");
    let vm = did_key::verification_method(&key.verifying_key());
    let signed = data_integrity::sign(&cred, &key, &vm, "2024-03-01T12:00:00Z").expect("signs");
    assert!(data_integrity::verify(&signed, &DidKeyResolver).is_ok());
}

#[test]
fn malformed_input_is_an_error_not_a_panic() {
    let cases = [
        json!(null),
        json!([]),
        json!({"proof": {}}),
        json!({"@context": [], "proof": []}),
        json!({"@context": "https://www.w3.org/ns/credentials/v2", "proof": {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022"}}),
        json!({"@context": "https://www.w3.org/ns/credentials/v2", "proof": {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "proofPurpose": "assertionMethod", "verificationMethod": VECTOR_VM, "proofValue": "zzzz"}}),
        json!({"@context": "https://www.w3.org/ns/credentials/v2", "proof": {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "proofPurpose": "assertionMethod", "verificationMethod": VECTOR_VM, "proofValue": 5}}),
        json!({"@context": 17, "proof": {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "proofPurpose": "assertionMethod", "verificationMethod": VECTOR_VM, "proofValue": VECTOR_PROOF_VALUE}}),
    ];
    for case in cases {
        assert!(
            data_integrity::verify(&case, &vector_resolver).is_err(),
            "{case}"
        );
    }
    let mut deep = json!("x");
    for _ in 0..500 {
        deep = json!({ "https://example.com/p": deep });
    }
    assert!(matches!(
        canon::canonicalize(&deep),
        Err(ProofError::InvalidDocument(_))
    ));
}

#[test]
fn cached_context_path_equals_full_json_ld_processing() {
    // A top-level context of bundled IRIs only is served from the processed-context cache; an
    // inline object in the list forces full processing. Both must give the same N-Quads.
    let mut uncached = unsigned_vector();
    uncached["@context"]
        .as_array_mut()
        .expect("array")
        .push(json!({}));
    let cached = canon::canonicalize(&unsigned_vector()).expect("canonicalizes");
    assert_eq!(
        canon::canonicalize(&uncached).expect("canonicalizes"),
        cached
    );
    assert_eq!(cached, read("obv3p0-document-canon.txt"));
}

#[test]
fn closures_are_key_resolvers() {
    let key = vector_key().verifying_key();
    let resolver = move |_: &str| -> Result<VerifyingKey, ResolveError> { Ok(key) };
    assert!(resolver.resolve("anything").is_ok());
    assert!(data_integrity::verify(&signed_vector(), &resolver).is_ok());
}
