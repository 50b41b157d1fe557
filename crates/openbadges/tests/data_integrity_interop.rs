//! Interop with the Digital Credentials Consortium's JavaScript libraries (`tests/interop/`).
//!
//! `tests/vectors/dcc/` holds credentials their libraries signed (see the README there); ours
//! must verify them and reject the tampered copies. `tests/vectors/ours/` holds credentials we
//! signed, which `tests/interop/run.sh` checks with their verifier; here we check that our signer
//! still produces them byte for byte.

use ed25519_dalek::SigningKey;
use openbadges::proof::data_integrity;
use openbadges::proof::did_key::{self, DidKeyResolver};
use openbadges::proof::ProofError;
use serde_json::Value;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors");

fn load(path: &str) -> Value {
    let text = std::fs::read_to_string(format!("{DIR}/{path}")).expect("vector file");
    serde_json::from_str(&text).expect("vector JSON")
}

/// The DCC script's fixed seed: bytes 1, 2, ..., 32.
fn dcc_key() -> SigningKey {
    let mut seed = [0u8; 32];
    for (i, b) in seed.iter_mut().enumerate() {
        *b = i as u8 + 1;
    }
    SigningKey::from_bytes(&seed)
}

const DCC_FILES: [&str; 2] = ["vc2-ob303", "vc11-ob302"];

#[test]
fn dcc_signed_credentials_verify() {
    for name in DCC_FILES {
        let doc = load(&format!("dcc/{name}.json"));
        let verified =
            data_integrity::verify(&doc, &DidKeyResolver).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            verified.verification_method,
            did_key::verification_method(&dcc_key().verifying_key()),
            "{name}"
        );
        assert_eq!(doc["issuer"]["id"], did_key::did(&verified.public_key));
    }
}

#[test]
fn dcc_tampered_credentials_fail() {
    for name in DCC_FILES {
        let doc = load(&format!("dcc/{name}.tampered.json"));
        assert_eq!(
            data_integrity::verify(&doc, &DidKeyResolver),
            Err(ProofError::SignatureMismatch),
            "{name}"
        );
    }
}

#[test]
fn we_reproduce_dcc_proof_values_from_the_same_key() {
    let key = dcc_key();
    let vm = did_key::verification_method(&key.verifying_key());
    for name in DCC_FILES {
        let theirs = load(&format!("dcc/{name}.json"));
        let mut unsigned = theirs.clone();
        unsigned.as_object_mut().expect("object").remove("proof");
        let created = theirs["proof"]["created"].as_str().expect("created");
        let ours = data_integrity::sign(&unsigned, &key, &vm, created).expect("signs");
        assert_eq!(ours["proof"], theirs["proof"], "{name}");
    }
}

#[test]
fn our_committed_credentials_are_what_we_sign() {
    // `tests/vectors/ours/*.json` are checked by the DCC verifier in tests/interop/run.sh.
    let key = dcc_key();
    let vm = did_key::verification_method(&key.verifying_key());
    {
        let name = "vc2-ob303-control-chars";
        let committed = load(&format!("ours/{name}.json"));
        let mut unsigned = committed.clone();
        unsigned.as_object_mut().expect("object").remove("proof");
        let signed =
            data_integrity::sign(&unsigned, &key, &vm, "2024-05-02T00:00:00Z").expect("signs");
        assert_eq!(signed, committed, "{name}");
        assert!(data_integrity::verify(&committed, &DidKeyResolver).is_ok());
    }
}
