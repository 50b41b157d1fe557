//! Data Integrity (`eddsa-rdfc-2022`) hot paths: verifying a credential and canonicalizing it.
//!
//! `cargo bench -p openbadges --bench data_integrity`
//!
//! - `verify/1edtech-vector`: 1EdTech's signed Open Badges 3.0 test vector (VC 2.0, OB 3.0.3,
//!   an https verification method resolved to the vector's key), as `tests/data_integrity.rs`.
//! - `verify/dcc-vc2-ob303`: the credential the DCC JavaScript libraries signed (did:key).
//! - `canonicalize/*`: RDFC-1.0 N-Quads of the vector's document and of its proof options.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use ed25519_dalek::VerifyingKey;
use openbadges::proof::canon;
use openbadges::proof::data_integrity::{self, ResolveError};
use openbadges::proof::did_key::DidKeyResolver;
use serde_json::{json, Value};

const VECTOR: &str = include_str!("../tests/vectors/1edtech/signed-credential.json");
const DCC_VC2: &str = include_str!("../tests/vectors/dcc/vc2-ob303.json");
const VECTOR_PUBLIC_HEX: &str = "4bdeafde2ea8beefadd8c699b5c7e0704cf51154d52e17b20b71337ca04cc5a5";
const VECTOR_VM: &str =
    "https://example.edu/issuers/565049#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi";

fn vector_key() -> VerifyingKey {
    let mut bytes = [0u8; 32];
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = u8::from_str_radix(&VECTOR_PUBLIC_HEX[2 * i..2 * i + 2], 16).unwrap();
    }
    VerifyingKey::from_bytes(&bytes).unwrap()
}

fn bench_verify(c: &mut Criterion) {
    let vector: Value = serde_json::from_str(VECTOR).unwrap();
    let key = vector_key();
    let resolver = move |vm: &str| -> Result<VerifyingKey, ResolveError> {
        if vm == VECTOR_VM {
            Ok(key)
        } else {
            Err(format!("unknown verification method {vm}").into())
        }
    };
    data_integrity::verify(&vector, &resolver).expect("the vector verifies");
    c.bench_function("verify/1edtech-vector", |b| {
        b.iter(|| data_integrity::verify(black_box(&vector), &resolver).unwrap())
    });

    let dcc: Value = serde_json::from_str(DCC_VC2).unwrap();
    data_integrity::verify(&dcc, &DidKeyResolver).expect("the DCC credential verifies");
    c.bench_function("verify/dcc-vc2-ob303", |b| {
        b.iter(|| data_integrity::verify(black_box(&dcc), &DidKeyResolver).unwrap())
    });
}

fn bench_canonicalize(c: &mut Criterion) {
    let mut document: Value = serde_json::from_str(VECTOR).unwrap();
    document.as_object_mut().unwrap().remove("proof");
    let proof_config = json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ],
        "type": "DataIntegrityProof",
        "created": "2010-01-01T19:23:24Z",
        "verificationMethod": VECTOR_VM,
        "cryptosuite": "eddsa-rdfc-2022",
        "proofPurpose": "assertionMethod"
    });
    c.bench_function("canonicalize/1edtech-document", |b| {
        b.iter(|| canon::canonicalize(black_box(&document)).unwrap())
    });
    c.bench_function("canonicalize/1edtech-proof-options", |b| {
        b.iter(|| canon::canonicalize(black_box(&proof_config)).unwrap())
    });
}

criterion_group!(benches, bench_verify, bench_canonicalize);
criterion_main!(benches);
