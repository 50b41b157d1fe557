//! `openbadges::proof::canon::canonicalize` on arbitrary JSON: JSON-LD expansion with bundled
//! contexts and RDFC-1.0 must give N-Quads or a `ProofError`, never a panic, a stack overflow or
//! an endless loop.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    common::report_only_escaping_panics();
    if let Ok(document) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = openbadges::proof::canon::canonicalize(&document);
    }
});
