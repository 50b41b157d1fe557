//! Warm, in-process timing loops for `bench/verify.sh` and `bench/bake.sh` (not an API example).
//!
//! ```text
//! cargo run --release -p openbadges --example bench_loop -- verify CREDENTIAL.json ITERATIONS
//! cargo run --release -p openbadges --example bench_loop -- breakdown CREDENTIAL.json ITERATIONS
//! cargo run --release -p openbadges --example bench_loop -- bake IMAGE.png PAYLOAD ITERATIONS
//! ```
//!
//! Each mode warms up, then times ITERATIONS calls and prints one JSON line per measurement:
//! `{"what": ..., "iterations": N, "total_ms": ..., "per_op_us": ...}`.
//!
//! - `verify`: `proof::data_integrity::verify` with the did:key resolver (the proof alone, as
//!   the DCC library's `verifyCredential` checks it), and the full `verify::verify_ob3` pipeline
//!   offline (proof, issuer binding, JSON Schema, dates, status), on a credential parsed once.
//! - `breakdown`: where `verify` spends its time: JSON-LD to RDF of the document, RDFC-1.0 on
//!   top of it, the proof options' canonical form, and the Ed25519 signature check.
//! - `bake`: `bake::bake_png` (2.0 keyword, so that openbadges-bakery can do the same) then
//!   `bake::extract` of the result.

use std::time::Instant;

use openbadges::bake::{bake_png, extract, BadgeVersion};
use openbadges::proof::did_key::DidKeyResolver;
use openbadges::proof::{canon, data_integrity};
use openbadges::verify::{verify_ob3, Offline, Options};

fn time(what: &str, iterations: u32, mut f: impl FnMut()) {
    for _ in 0..(iterations / 10).clamp(10, 200) {
        f();
    }
    let start = Instant::now();
    for _ in 0..iterations {
        f();
    }
    let total = start.elapsed();
    println!(
        "{{\"what\": \"{what}\", \"iterations\": {iterations}, \"total_ms\": {:.3}, \"per_op_us\": {:.3}}}",
        total.as_secs_f64() * 1e3,
        total.as_secs_f64() * 1e6 / f64::from(iterations)
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["verify", file, n] => {
            let n: u32 = n.parse().expect("ITERATIONS");
            let text = std::fs::read_to_string(file).expect("read the credential");
            let credential: serde_json::Value = serde_json::from_str(&text).expect("JSON");
            data_integrity::verify(&credential, &DidKeyResolver).expect("the credential verifies");
            time("ours: data_integrity::verify (proof only)", n, || {
                data_integrity::verify(std::hint::black_box(&credential), &DidKeyResolver)
                    .expect("verifies");
            });

            let options = Options {
                now: Some(1_767_225_600),
                ..Options::default()
            }; // 2026-01-01
            let fetch = Offline::default();
            let report = pollster::block_on(verify_ob3(&credential, &options, &fetch));
            if !report.valid {
                eprintln!("verify_ob3 says not valid: {report:?}");
                std::process::exit(1);
            }
            time("ours: verify::verify_ob3 (full report, offline)", n, || {
                let report = pollster::block_on(verify_ob3(
                    std::hint::black_box(&credential),
                    &options,
                    &fetch,
                ));
                assert!(report.valid);
            });
        }
        ["breakdown", file, n] => {
            let n: u32 = n.parse().expect("ITERATIONS");
            let text = std::fs::read_to_string(file).expect("read the credential");
            let credential: serde_json::Value = serde_json::from_str(&text).expect("JSON");
            let mut document = credential.clone();
            let proof = document
                .as_object_mut()
                .unwrap()
                .remove("proof")
                .expect("a proof");
            let mut config = proof.as_object().unwrap().clone();
            let proof_value = config.remove("proofValue").unwrap();
            config.insert("@context".into(), credential["@context"].clone());
            let config = serde_json::Value::Object(config);

            time(
                "document: JSON-LD expansion to RDF (canon::to_rdf)",
                n,
                || {
                    canon::to_rdf(std::hint::black_box(&document)).unwrap();
                },
            );
            time(
                "document: to_rdf + RDFC-1.0 (canon::canonicalize)",
                n,
                || {
                    canon::canonicalize(std::hint::black_box(&document)).unwrap();
                },
            );
            time("proof options: canon::canonicalize", n, || {
                canon::canonicalize(std::hint::black_box(&config)).unwrap();
            });
            // The fixed cost of a call: the same top-level context and (almost) nothing else.
            let bare =
                serde_json::json!({"@context": credential["@context"], "id": "urn:example:1"});
            time(
                "fixed cost: canon::canonicalize of {@context, id}",
                n,
                || {
                    canon::canonicalize(std::hint::black_box(&bare)).unwrap();
                },
            );
            let typed = serde_json::json!({"@context": credential["@context"], "id": "urn:example:1", "type": proof["type"]});
            time(
                "fixed cost + proof type's scoped context: {@context, id, type}",
                n,
                || {
                    canon::canonicalize(std::hint::black_box(&typed)).unwrap();
                },
            );
            let data = data_integrity::hash_data(&document, &config).unwrap();
            let vm = proof["verificationMethod"].as_str().unwrap();
            let key = openbadges::proof::did_key::resolve_verification_method(vm).unwrap();
            let (_, sig) = multibase::decode(proof_value.as_str().unwrap()).unwrap();
            let sig = ed25519_dalek::Signature::from_slice(&sig).unwrap();
            time("Ed25519 verify_strict of the 64-byte hash data", n, || {
                key.verify_strict(std::hint::black_box(&data), &sig)
                    .unwrap();
            });
            time("did:key verification method to public key", n, || {
                openbadges::proof::did_key::resolve_verification_method(std::hint::black_box(vm))
                    .unwrap();
            });
            time("proofValue: multibase (base58btc) decode", n, || {
                multibase::decode(std::hint::black_box(proof_value.as_str().unwrap())).unwrap();
            });
            time("hash data: SHA-256 of both canonical forms", n, || {
                data_integrity::hash_data(std::hint::black_box(&document), &config).unwrap();
            });
            time("serde_json parse of the credential text", n, || {
                let _: serde_json::Value =
                    serde_json::from_str(std::hint::black_box(&text)).unwrap();
            });
        }
        ["bake", image, payload, n] => {
            let n: u32 = n.parse().expect("ITERATIONS");
            let png = std::fs::read(image).expect("read the image");
            let payload = std::fs::read_to_string(payload).expect("read the payload");
            let baked = bake_png(&png, BadgeVersion::V2, &payload).expect("bakes");
            assert_eq!(extract(&baked).expect("extracts").payload, payload.trim());
            time("ours: bake_png + extract", n, || {
                let baked = bake_png(std::hint::black_box(&png), BadgeVersion::V2, &payload)
                    .expect("bakes");
                std::hint::black_box(extract(&baked).expect("extracts"));
            });
        }
        _ => {
            eprintln!(
                "usage: bench_loop verify|breakdown CREDENTIAL.json N | bench_loop bake IMAGE.png PAYLOAD N"
            );
            std::process::exit(2);
        }
    }
}
