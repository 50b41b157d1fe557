//! A JSON-LD 1.1 "deserialize to RDF" for credentials whose contexts are all bundled, fast.
//!
//! Why by hand: the `json-ld` crate processes a node's type-scoped `@context` again every time it
//! meets the node, with no hook to reuse the result, and for an Open Badges credential that is
//! about 90% of verifying its proof (`bench/RESULTS.md`). This processor implements the JSON-LD
//! 1.1 algorithms (context processing, term definitions, IRI and value expansion, expansion, and
//! the RDF conversion) for the features the bundled contexts and credentials use, keeps every
//! processed context, and turns a document into quads in one walk.
//!
//! It is a fast path, not a second opinion: whatever it does not handle exactly (an inline
//! `@context`, a context that is not bundled, `@value`/`@list`/`@graph` objects written out, language
//! maps, `@json` values, doubles, IRIs relative to a base, protected-term redefinitions, and any
//! other error) makes [`to_rdf`] answer `None`, and the caller uses the full `json-ld` processor,
//! which also gives the errors their messages. Tests compare both processors' output on every
//! fixture and vector, and the `canonicalize` fuzz target compares them on arbitrary input.

mod context;
mod expand;
#[cfg(test)]
mod tests;

use oxrdf::Quad;
use serde_json::Value;

use crate::contexts;

/// This processor does not handle the document (or part of it); the full processor must.
#[derive(Debug)]
struct Unsupported;

/// The document's RDF quads, leaving out its top-level members named in `without`; `None` when
/// the full JSON-LD processor must do this document.
///
/// Blank nodes are labelled arbitrarily (canonicalization relabels them); duplicate quads may
/// occur (an RDF dataset is a set).
pub(super) fn to_rdf(document: &Value, without: &[&str]) -> Option<Vec<Quad>> {
    let node = document.as_object()?;
    let iris = contexts::bundled_list(document)?;
    let active = context::top_level(iris).ok()?;
    expand::document(&active, node, without).ok()
}
