//! The fast JSON-LD/RDFC path against the full `json-ld` and `rdf-canon` processors on
//! arbitrary JSON: where the full processors give canonical N-Quads, `canonicalize` must give
//! the same bytes; where they refuse, so must it (except for IRIs with percent-escapes that are
//! not UTF-8, which the json-ld crate cannot process and the fast path takes as they are).
#![no_main]

use libfuzzer_sys::fuzz_target;
use openbadges::proof::canon::{canonicalize, canonicalize_full};

mod common;

fuzz_target!(|data: &[u8]| {
    common::report_only_escaping_panics();
    let Ok(document) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    match (canonicalize_full(&document), canonicalize(&document)) {
        (Ok(full), fast) => assert_eq!(Ok(full), fast, "the fast path differs"),
        (Err(full), Ok(fast)) => assert!(
            full.to_string().contains("could not handle"),
            "the fast path accepted what the full processors refuse ({full}):\n{fast}"
        ),
        (Err(_), Err(_)) => {}
    }
});
