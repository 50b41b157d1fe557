//! JSON-LD to RDF, then RDF Dataset Canonicalization (RDFC-1.0), with bundled contexts only.
//!
//! [`canonicalize`] turns a JSON-LD document into its canonical N-Quads: the exact bytes that an
//! `eddsa-rdfc-2022` proof hashes. Contexts come from [`crate::contexts`] only; a context that is
//! not bundled fails with [`ProofError::ContextNotBundled`] naming it.
//!
//! Two processors do the work. A fast path (`proof::jsonld` and `proof::rdfc`, private) handles
//! what credentials use, with every processed context kept for reuse; whatever it does not
//! handle goes to the full `json-ld` and `rdf-canon` crates, which also word the errors. Both
//! give the same bytes: tests compare them on every fixture and vector.
//!
//! ```
//! use serde_json::json;
//! let nquads = openbadges::proof::canon::canonicalize(&json!({
//!     "@context": ["https://www.w3.org/ns/credentials/v2"],
//!     "id": "urn:example:1",
//!     "name": "Tab\there",
//! })).unwrap();
//! assert_eq!(nquads, "<urn:example:1> <https://schema.org/name> \"Tab\\there\" .\n");
//! ```

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::{Mutex, Once, OnceLock};

use json_ld::rdf_types::{self, generator, Id, LiteralType, Term};
use json_ld::syntax::{Parse, TryFromJson};
use json_ld::{Context, Expand, IriBuf, Process, RdfQuads};
use oxrdf::{BlankNode, GraphName, Literal, NamedNode, Quad, Subject};
use rdf_canon::{CanonicalizationError, CanonicalizationOptions};
use serde_json::Value;
use sha2::Sha256;

use super::ProofError;
use crate::contexts::{self, BundledLoader};

/// The most calls to RDFC-1.0's Hash N-Degree Quads algorithm one canonicalization may make.
///
/// Credentials have few blank nodes and almost never need that algorithm at all; a document
/// crafted to need it many times (poison graphs) is refused instead of burning CPU. rdf-canon's
/// own default is no limit.
pub const HNDQ_CALL_LIMIT: usize = 4_000;

/// How deeply a document's JSON may nest before it is refused (JSON-LD processing recurses).
pub const MAX_DEPTH: usize = 96;

const XSD_STRING: &str = "http://www.w3.org/2001/XMLSchema#string";

/// Canonical N-Quads (RDFC-1.0, SHA-256) of a JSON-LD document, using bundled contexts only.
///
/// Lines are sorted and each ends with `" .\n"`, as the Data Integrity hashes need them.
///
/// # Errors
/// [`ProofError::ContextNotBundled`] for a context this crate does not bundle,
/// [`ProofError::JsonLd`] when the document is not valid JSON-LD (or uses a term that no context
/// defines, which would otherwise be silently dropped from what is signed),
/// [`ProofError::Canonicalization`] when RDFC-1.0 gives up (for example on a poison graph), and
/// [`ProofError::InvalidDocument`] for documents nested deeper than [`MAX_DEPTH`].
pub fn canonicalize(document: &Value) -> Result<String, ProofError> {
    canonical_nquads(&to_rdf(document)?)
}

fn canonical_nquads(quads: &[Quad]) -> Result<String, ProofError> {
    match super::rdfc::canonicalize_distinct(quads) {
        Some(nquads) => Ok(nquads),
        None => canonicalize_quads_full(quads),
    }
}

/// [`canonicalize`] of `document` without its top-level member `key` (a credential without its
/// `proof`), without copying the document when the fast path can do it.
pub(crate) fn canonicalize_without(document: &Value, key: &str) -> Result<String, ProofError> {
    check_depth(document)?;
    let quads = match super::jsonld::to_rdf(document, &[key]) {
        Some(quads) => quads,
        None => {
            let mut copy = document.clone();
            if let Some(map) = copy.as_object_mut() {
                map.remove(key);
            }
            to_rdf_full(&copy)?
        }
    };
    canonical_nquads(&quads)
}

/// [`canonicalize`] by the full `json-ld` and `rdf-canon` processors alone, without the fast
/// path: for comparing the two in tests and fuzzing.
#[doc(hidden)]
pub fn canonicalize_full(document: &Value) -> Result<String, ProofError> {
    check_depth(document)?;
    canonicalize_quads_full(&to_rdf_full(document)?)
}

fn canonicalize_quads_full(quads: &[Quad]) -> Result<String, ProofError> {
    let dataset = oxrdf::Dataset::from_iter(quads);
    let options = CanonicalizationOptions {
        hndq_call_limit: Some(HNDQ_CALL_LIMIT),
    };
    rdf_canon::canonicalize_with::<Sha256>(&dataset, &options).map_err(|e| match e {
        CanonicalizationError::HndqCallLimitExceeded(limit) => ProofError::Canonicalization(
            format!("the document's blank nodes need more than {limit} steps of RDFC-1.0 hashing to tell apart; refused as a likely denial-of-service"),
        ),
        other => ProofError::Canonicalization(other.to_string()),
    })
}

/// The RDF quads of a JSON-LD document (JSON-LD 1.1 "deserialize to RDF"), bundled contexts only.
///
/// # Errors
/// As [`canonicalize`].
pub fn to_rdf(document: &Value) -> Result<Vec<Quad>, ProofError> {
    check_depth(document)?;
    match super::jsonld::to_rdf(document, &[]) {
        Some(quads) => Ok(quads),
        None => to_rdf_full(document),
    }
}

fn to_rdf_full(document: &Value) -> Result<Vec<Quad>, ProofError> {
    let loader = BundledLoader::new();
    // The JSON-LD crates panic on some hostile input (fuzzing found IRIs whose percent-escapes
    // are not UTF-8); a verifier must answer those with an error, so their panics stop here.
    let result = catch_quietly(|| pollster::block_on(to_rdf_async(document, &loader)))
    .unwrap_or_else(|_| {
        Err(ProofError::JsonLd(
            "the JSON-LD processor could not handle this document (it contains an IRI or value it cannot process)".to_string(),
        ))
    });
    match (result, loader.refused()) {
        (Ok(quads), _) => Ok(quads),
        (Err(_), Some(iri)) => Err(ProofError::ContextNotBundled(iri)),
        (Err(e), None) => Err(e),
    }
}

thread_local! {
    static CATCHING: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f`, turning a panic into `Err` without the panic message on standard error: a hostile
/// document is an expected input, not a bug to report.
///
/// The process's panic hook is wrapped once so that it stays silent only on this thread and only
/// while `f` runs; every other panic is reported by the hook that was there before.
fn catch_quietly<T>(f: impl FnOnce() -> T) -> std::thread::Result<T> {
    static WRAP_HOOK: Once = Once::new();
    WRAP_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !CATCHING.with(Cell::get) {
                previous(info);
            }
        }));
    });
    CATCHING.with(|c| c.set(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    CATCHING.with(|c| c.set(false));
    result
}

fn check_depth(document: &Value) -> Result<(), ProofError> {
    let mut stack = vec![(document, 0usize)];
    while let Some((value, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            return Err(ProofError::InvalidDocument(format!(
                "the JSON nests more than {MAX_DEPTH} levels deep"
            )));
        }
        match value {
            Value::Array(items) => stack.extend(items.iter().map(|v| (v, depth + 1))),
            Value::Object(map) => stack.extend(map.values().map(|v| (v, depth + 1))),
            _ => {}
        }
    }
    Ok(())
}

/// The key of the processed-context cache: the top-level `@context` IRIs, in order.
type ContextKey = Vec<String>;

fn context_cache() -> &'static Mutex<HashMap<ContextKey, Context>> {
    static CACHE: OnceLock<Mutex<HashMap<ContextKey, Context>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

fn json_ld_error(e: impl std::fmt::Display) -> ProofError {
    ProofError::JsonLd(e.to_string())
}

fn expansion_options() -> json_ld::expansion::Options {
    json_ld::expansion::Options {
        ordered: false,
        policy: json_ld::expansion::Policy {
            // Refuse terms that no context defines instead of silently leaving them out of what
            // is signed (the "safe mode" of the JavaScript implementations).
            allow_undefined: false,
            ..Default::default()
        },
        ..Default::default()
    }
}

async fn processed_context(
    key: &ContextKey,
    loader: &BundledLoader,
) -> Result<Context, ProofError> {
    if let Some(ctx) = context_cache()
        .lock()
        .ok()
        .and_then(|c| c.get(key).cloned())
    {
        return Ok(ctx);
    }
    let json = json_ld::syntax::Value::Array(
        key.iter()
            .map(|s| json_ld::syntax::Value::String(s.as_str().into()))
            .collect(),
    );
    let syntax_ctx =
        json_ld::syntax::context::Context::try_from_json(json).map_err(json_ld_error)?;
    let mut vocabulary = ();
    let processed = syntax_ctx
        .process_full(
            &mut vocabulary,
            &Context::new(None),
            loader,
            None,
            json_ld::context_processing::Options::default(),
            (),
        )
        .await
        .map_err(json_ld_error)?
        .into_processed();
    if let Ok(mut cache) = context_cache().lock() {
        cache.insert(key.clone(), processed.clone());
    }
    Ok(processed)
}

async fn to_rdf_async(document: &Value, loader: &BundledLoader) -> Result<Vec<Quad>, ProofError> {
    // With a top-level context made of bundled IRIs only, start from its cached processed form
    // and expand the rest of the document; otherwise let JSON-LD process whatever is there.
    let (active, body) = match contexts::bundled_list(document) {
        Some(key) => {
            let ctx = processed_context(&key, loader).await?;
            let mut body = document.clone();
            if let Some(map) = body.as_object_mut() {
                map.remove("@context");
            }
            (ctx, body)
        }
        None => (Context::new(None), document.clone()),
    };
    let text = serde_json::to_string(&body).map_err(json_ld_error)?;
    let (json, _) = json_ld::syntax::Value::parse_str(&text).map_err(json_ld_error)?;
    let mut vocabulary = ();
    let mut expanded = json
        .expand_full(
            &mut vocabulary,
            active,
            None,
            loader,
            expansion_options(),
            (),
        )
        .await
        .map_err(json_ld_error)?;

    let mut generator = generator::Blank::new_with_prefix("obgen".to_owned());
    // Give every node without an `@id` a blank node (and relabel the document's own `_:` ids),
    // as JSON-LD's "deserialize to RDF" does through its node map.
    expanded.relabel_and_canonicalize_with(&mut vocabulary, &mut generator);
    let mut quads = Vec::new();
    for rdf_types::Quad(s, p, o, g) in expanded.rdf_quads(&mut generator, None) {
        let subject = match s.as_ref() {
            Id::Iri(i) => Subject::NamedNode(named(i)),
            Id::Blank(b) => Subject::BlankNode(blank(b.as_str())?),
        };
        let predicate = match p.as_ref() {
            Id::Iri(i) => named(i),
            // Generalized RDF is not produced; a blank predicate cannot occur, but is not a panic.
            Id::Blank(_) => continue,
        };
        let object: oxrdf::Term = match o {
            Term::Id(Id::Iri(i)) => named(&i).into(),
            Term::Id(Id::Blank(b)) => blank(b.as_str())?.into(),
            Term::Literal(l) => match l.type_ {
                LiteralType::Any(t) if t.as_str() == XSD_STRING => {
                    Literal::new_simple_literal(l.value).into()
                }
                LiteralType::Any(t) => Literal::new_typed_literal(l.value, named(&t)).into(),
                LiteralType::LangString(tag) => {
                    Literal::new_language_tagged_literal_unchecked(l.value, tag.as_str()).into()
                }
            },
        };
        let graph = match g {
            None => GraphName::DefaultGraph,
            Some(Id::Iri(i)) => GraphName::NamedNode(named(i)),
            Some(Id::Blank(b)) => GraphName::BlankNode(blank(b.as_str())?),
        };
        quads.push(Quad::new(subject, predicate, object, graph));
    }
    Ok(quads)
}

fn named(iri: &IriBuf) -> NamedNode {
    NamedNode::new_unchecked(iri.as_str())
}

fn blank(id: &str) -> Result<BlankNode, ProofError> {
    BlankNode::new(id.strip_prefix("_:").unwrap_or(id))
        .map_err(|e| ProofError::JsonLd(format!("blank node identifier {id}: {e}")))
}
