//! Active contexts: JSON-LD 1.1 context processing (§4.1) and term definitions (§4.2) for the
//! bundled contexts, with every processed context kept and reused.
//!
//! An [`ActiveContext`] never changes once made; applying a scoped context to it gives a new
//! one, which [`apply_scoped`] caches under the pair (context, scoped context). A document's
//! nodes therefore cost a hash lookup per type, not a context processing.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use foldhash::fast::RandomState;
use serde_json::{Map, Value};

use super::Unsupported;
use crate::contexts;

/// How many processed contexts the process keeps (about 10 KB each); past it the cache starts
/// again. Documents choose their top-level context lists, so the number of combinations is
/// theirs to grow; a few credential kinds need a few dozen entries each.
const CACHE_LIMIT: usize = 512;

/// How deeply contexts may load other contexts (the bundled ones never nest).
const MAX_CONTEXT_NESTING: usize = 8;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn next_id() -> u64 {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

/// A scoped `@context` found in a term definition, with an identity for cache keys.
#[derive(Debug, Clone)]
pub(super) struct ScopedContext {
    id: u64,
    json: Arc<Value>,
}

/// The container mappings this processor supports (`@set` changes nothing in RDF).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum Container {
    #[default]
    None,
    List,
    Graph,
}

/// One term's definition. `iri` is `None` for a term mapped to `null` (explicitly undefined).
#[derive(Debug, Clone)]
pub(super) struct TermDefinition {
    pub(super) iri: Option<String>,
    pub(super) type_mapping: Option<String>,
    pub(super) container: Container,
    pub(super) scoped: Option<ScopedContext>,
    prefix: bool,
    protected: bool,
}

impl TermDefinition {
    /// Equal in everything but `protected`, as the protected-term rule compares them.
    fn same_as(&self, other: &TermDefinition) -> bool {
        self.iri == other.iri
            && self.type_mapping == other.type_mapping
            && self.container == other.container
            && self.prefix == other.prefix
            && match (&self.scoped, &other.scoped) {
                (None, None) => true,
                (Some(a), Some(b)) => a.json == b.json,
                _ => false,
            }
    }
}

/// The active context: term definitions, the vocabulary mapping and, after a type-scoped
/// context, the context to return to in nested nodes.
#[derive(Debug, Clone)]
pub(super) struct ActiveContext {
    id: u64,
    terms: HashMap<String, Arc<TermDefinition>, RandomState>,
    pub(super) vocab: Option<String>,
    pub(super) previous: Option<Arc<ActiveContext>>,
}

impl ActiveContext {
    fn empty() -> ActiveContext {
        ActiveContext {
            id: next_id(),
            terms: HashMap::default(),
            vocab: None,
            previous: None,
        }
    }

    pub(super) fn term(&self, term: &str) -> Option<&TermDefinition> {
        self.terms.get(term).map(|d| &**d)
    }

    /// IRI expansion (§5.2) of a value in a document (contexts are done while processing).
    pub(super) fn expand_iri(
        &self,
        value: &str,
        vocab: bool,
    ) -> Result<Option<String>, Unsupported> {
        expand_iri(self, value, vocab)
    }
}

#[derive(Hash, PartialEq, Eq)]
enum CacheKey {
    TopLevel(Vec<String>),
    Scoped {
        context: u64,
        scoped: u64,
        propagate: bool,
    },
}

fn cache() -> &'static Mutex<HashMap<CacheKey, Arc<ActiveContext>, RandomState>> {
    static CACHE: OnceLock<Mutex<HashMap<CacheKey, Arc<ActiveContext>, RandomState>>> =
        OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::default()))
}

fn cached(
    key: CacheKey,
    make: impl FnOnce() -> Result<ActiveContext, Unsupported>,
) -> Result<Arc<ActiveContext>, Unsupported> {
    if let Some(found) = cache().lock().ok().and_then(|c| c.get(&key).cloned()) {
        return Ok(found);
    }
    let made = Arc::new(make()?);
    if let Ok(mut c) = cache().lock() {
        if c.len() >= CACHE_LIMIT {
            c.clear();
        }
        c.insert(key, made.clone());
    }
    Ok(made)
}

/// The bundled contexts' `@context` values, parsed once.
fn bundled(iri: &str) -> Result<&'static Value, Unsupported> {
    static PARSED: OnceLock<HashMap<&'static str, Value>> = OnceLock::new();
    let parsed = PARSED.get_or_init(|| {
        contexts::BUNDLED
            .iter()
            .filter_map(|c| {
                let doc: Value = serde_json::from_str(c.json).ok()?;
                Some((c.iri, doc.get("@context")?.clone()))
            })
            .collect()
    });
    parsed.get(iri).ok_or(Unsupported)
}

/// The processed form of a top-level `@context` made of bundled context IRIs.
pub(super) fn top_level(iris: Vec<String>) -> Result<Arc<ActiveContext>, Unsupported> {
    let local = Value::Array(iris.iter().cloned().map(Value::String).collect());
    cached(CacheKey::TopLevel(iris), || {
        process(&Arc::new(ActiveContext::empty()), &local, false, true, 0)
    })
}

/// The active context after a type-scoped (`propagate: false`) or property-scoped
/// (`propagate: true`, which also overrides protection) context.
pub(super) fn apply_scoped(
    active: &Arc<ActiveContext>,
    scoped: &ScopedContext,
    propagate: bool,
) -> Result<Arc<ActiveContext>, Unsupported> {
    let key = CacheKey::Scoped {
        context: active.id,
        scoped: scoped.id,
        propagate,
    };
    cached(key, || {
        process(active, &scoped.json, propagate, propagate, 0)
    })
}

/// Context Processing (§4.1), for the features the bundled contexts use.
fn process(
    active: &Arc<ActiveContext>,
    local: &Value,
    override_protected: bool,
    propagate: bool,
    nesting: usize,
) -> Result<ActiveContext, Unsupported> {
    if nesting > MAX_CONTEXT_NESTING {
        return Err(Unsupported);
    }
    let mut result = ActiveContext {
        id: next_id(),
        ..(**active).clone()
    };
    let propagate = match local.get("@propagate") {
        None => propagate,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(Unsupported),
    };
    if !propagate && result.previous.is_none() {
        result.previous = Some(active.clone());
    }
    let items: &[Value] = match local {
        Value::Array(items) => items,
        single => std::slice::from_ref(single),
    };
    for item in items {
        match item {
            Value::Null => {
                if !override_protected && result.terms.values().any(|d| d.protected) {
                    return Err(Unsupported);
                }
                let previous = result.previous.take();
                result = ActiveContext::empty();
                if !propagate {
                    result.previous = previous;
                }
            }
            Value::String(iri) => {
                let loaded = bundled(iri)?;
                let here = Arc::new(result);
                result = process(&here, loaded, false, true, nesting + 1)?;
                // A loaded context keeps the caller's return point, not `here`.
                result.previous = here.previous.clone();
            }
            Value::Object(definitions) => define_all(&mut result, definitions, override_protected)?,
            _ => return Err(Unsupported),
        }
    }
    Ok(result)
}

/// The entries of one context object: its settings, then a definition per term.
fn define_all(
    result: &mut ActiveContext,
    local: &Map<String, Value>,
    override_protected: bool,
) -> Result<(), Unsupported> {
    for key in ["@base", "@import", "@language", "@direction"] {
        if local.contains_key(key) {
            return Err(Unsupported);
        }
    }
    match local.get("@version") {
        None => {}
        Some(v) if v.as_f64() == Some(1.1) => {}
        Some(_) => return Err(Unsupported),
    }
    match local.get("@vocab") {
        None => {}
        Some(Value::Null) => result.vocab = None,
        Some(Value::String(v)) => {
            let expanded = expand_iri(result, v, true)?.ok_or(Unsupported)?;
            if !is_absolute_iri(&expanded) {
                return Err(Unsupported);
            }
            result.vocab = Some(expanded);
        }
        Some(_) => return Err(Unsupported),
    }
    let protected = match local.get("@protected") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(Unsupported),
    };
    let mut defining = Defining {
        local,
        defined: HashMap::new(),
        protected,
        override_protected,
    };
    for term in local.keys() {
        if matches!(
            term.as_str(),
            "@version" | "@vocab" | "@protected" | "@propagate"
        ) {
            continue;
        }
        define_term(result, &mut defining, term)?;
    }
    Ok(())
}

/// The state of one context object's processing: which terms are done (`true`) or under way.
struct Defining<'a> {
    local: &'a Map<String, Value>,
    defined: HashMap<String, bool>,
    protected: bool,
    override_protected: bool,
}

/// Create Term Definition (§4.2), for the features the bundled contexts use.
fn define_term(
    active: &mut ActiveContext,
    defining: &mut Defining<'_>,
    term: &str,
) -> Result<(), Unsupported> {
    match defining.defined.get(term) {
        Some(true) => return Ok(()),
        Some(false) => return Err(Unsupported), // a cyclic definition
        None => {}
    }
    if term.is_empty() || term.starts_with('@') {
        return Err(Unsupported);
    }
    defining.defined.insert(term.to_owned(), false);
    let value = defining.local.get(term).ok_or(Unsupported)?;
    let previous = active.terms.remove(term);
    let simple_term = value.is_string();
    let empty = Map::new();
    let (id, entries) = match value {
        Value::Null => (Some(&Value::Null), &empty),
        Value::String(_) => (Some(value), &empty),
        Value::Object(entries) => (entries.get("@id"), entries),
        _ => return Err(Unsupported),
    };
    for key in entries.keys() {
        if !matches!(
            key.as_str(),
            "@id" | "@type" | "@container" | "@context" | "@protected" | "@prefix"
        ) {
            return Err(Unsupported);
        }
    }
    let protected = match entries.get("@protected") {
        None => defining.protected,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(Unsupported),
    };
    let type_mapping = match entries.get("@type") {
        None => None,
        Some(Value::String(t)) => {
            let expanded = expand_iri_defining(active, t, defining)?.ok_or(Unsupported)?;
            match expanded.as_str() {
                "@id" | "@vocab" | "@json" | "@none" => {}
                iri if is_absolute_iri(iri) => {}
                _ => return Err(Unsupported),
            }
            Some(expanded)
        }
        Some(_) => return Err(Unsupported),
    };
    let compact_prefix = compact_iri_colon(term);
    let iri = match id {
        Some(Value::Null) => None,
        Some(Value::String(id)) if id != term => {
            if looks_like_keyword(id) && !is_keyword(id) {
                return Err(Unsupported);
            }
            let iri = expand_iri_defining(active, id, defining)?.ok_or(Unsupported)?;
            if iri == "@context" || !(is_keyword(&iri) || is_absolute_iri(&iri)) {
                return Err(Unsupported);
            }
            if compact_prefix.is_some() || term.contains('/') {
                defining.defined.insert(term.to_owned(), true);
                if expand_iri_defining(active, term, defining)?.as_deref() != Some(&iri) {
                    return Err(Unsupported);
                }
            }
            Some(iri)
        }
        Some(Value::String(_)) | None => Some(iri_of_term(active, defining, term, compact_prefix)?),
        Some(_) => return Err(Unsupported),
    };
    let prefix = match entries.get("@prefix") {
        None => {
            simple_term
                && !term.contains([':', '/'])
                && iri.as_deref().is_some_and(|i| {
                    i.ends_with([':', '/', '?', '#', '[', ']', '@']) || i.starts_with("_:")
                })
        }
        Some(Value::Bool(b)) if !term.contains([':', '/']) => *b,
        Some(_) => return Err(Unsupported),
    };
    let container = match entries.get("@container") {
        None => Container::None,
        Some(c) => container(c)?,
    };
    let scoped = entries.get("@context").map(|json| ScopedContext {
        id: next_id(),
        json: Arc::new(json.clone()),
    });
    let mut definition = TermDefinition {
        iri,
        type_mapping,
        container,
        scoped,
        prefix,
        protected,
    };
    if let Some(previous) = previous {
        if previous.protected && !defining.override_protected {
            if !definition.same_as(&previous) {
                return Err(Unsupported); // a protected term redefinition: the full processor says so
            }
            definition = (*previous).clone();
        }
    }
    active.terms.insert(term.to_owned(), Arc::new(definition));
    defining.defined.insert(term.to_owned(), true);
    Ok(())
}

/// The IRI of a term defined without an `@id` (or with its own name as `@id`).
fn iri_of_term(
    active: &mut ActiveContext,
    defining: &mut Defining<'_>,
    term: &str,
    compact_prefix: Option<usize>,
) -> Result<String, Unsupported> {
    if let Some(colon) = compact_prefix {
        let (prefix, suffix) = (&term[..colon], &term[colon + 1..]);
        if defining.local.contains_key(prefix) {
            define_term(active, defining, prefix)?;
        }
        return match active.term(prefix).and_then(|d| d.iri.as_deref()) {
            Some(prefix_iri) => Ok(format!("{prefix_iri}{suffix}")),
            None if is_absolute_iri(term) => Ok(term.to_owned()),
            None => Err(Unsupported),
        };
    }
    if term.contains('/') {
        return match expand_iri_defining(active, term, defining)? {
            Some(iri) if is_absolute_iri(&iri) => Ok(iri),
            _ => Err(Unsupported),
        };
    }
    match &active.vocab {
        Some(vocab) => Ok(format!("{vocab}{term}")),
        None => Err(Unsupported),
    }
}

fn container(value: &Value) -> Result<Container, Unsupported> {
    let names: Vec<&str> = match value {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().ok_or(Unsupported))
            .collect::<Result<_, _>>()?,
        _ => return Err(Unsupported),
    };
    let mut container = Container::None;
    for name in names {
        container = match (name, container) {
            ("@set", c) => c,
            ("@list", Container::None) => Container::List,
            ("@graph", Container::None) => Container::Graph,
            _ => return Err(Unsupported),
        };
    }
    Ok(container)
}

/// IRI Expansion (§5.2) while a context is processed: terms that the context object defines
/// further on, and that `value` refers to, are defined first.
fn expand_iri_defining(
    active: &mut ActiveContext,
    value: &str,
    defining: &mut Defining<'_>,
) -> Result<Option<String>, Unsupported> {
    let prefix = compact_iri_colon(value).map(|colon| &value[..colon]);
    for term in std::iter::once(value).chain(prefix) {
        if defining.local.contains_key(term) && defining.defined.get(term) != Some(&true) {
            define_term(active, defining, term)?;
        }
    }
    expand_iri(active, value, true)
}

/// IRI Expansion (§5.2): a term, compact IRI, absolute IRI or (with `vocab`) a word of the
/// vocabulary, to an absolute IRI or keyword. `Ok(None)` is a term explicitly mapped to `null`.
fn expand_iri(
    active: &ActiveContext,
    value: &str,
    vocab: bool,
) -> Result<Option<String>, Unsupported> {
    if is_keyword(value) {
        return Ok(Some(value.to_owned()));
    }
    if looks_like_keyword(value) {
        return Err(Unsupported);
    }
    if let Some(definition) = active.term(value) {
        match &definition.iri {
            Some(iri) if is_keyword(iri) => return Ok(Some(iri.clone())),
            iri if vocab => return Ok(iri.clone()),
            _ => {}
        }
    }
    if let Some(colon) = compact_iri_colon(value) {
        let (prefix, suffix) = (&value[..colon], &value[colon + 1..]);
        if prefix == "_" || suffix.starts_with("//") {
            return Ok(Some(value.to_owned()));
        }
        if let Some(definition) = active.term(prefix) {
            if let (Some(iri), true) = (&definition.iri, definition.prefix) {
                return Ok(Some(format!("{iri}{suffix}")));
            }
        }
        if is_absolute_iri(value) {
            return Ok(Some(value.to_owned()));
        }
    }
    if vocab {
        if let Some(v) = &active.vocab {
            return Ok(Some(format!("{v}{value}")));
        }
    }
    // Relative to a base IRI, which credentials do not have: left to the full processor.
    Err(Unsupported)
}

const KEYWORDS: &[&str] = &[
    "@base",
    "@container",
    "@context",
    "@default",
    "@direction",
    "@embed",
    "@explicit",
    "@graph",
    "@id",
    "@import",
    "@included",
    "@index",
    "@json",
    "@language",
    "@list",
    "@nest",
    "@none",
    "@omitDefault",
    "@prefix",
    "@preserve",
    "@propagate",
    "@protected",
    "@requireAll",
    "@reverse",
    "@set",
    "@type",
    "@value",
    "@version",
    "@vocab",
];

pub(super) fn is_keyword(value: &str) -> bool {
    KEYWORDS.contains(&value)
}

/// `@` followed by letters only: reserved for future keywords, which processors ignore.
fn looks_like_keyword(value: &str) -> bool {
    value.len() > 1 && value.starts_with('@') && value[1..].bytes().all(|b| b.is_ascii_alphabetic())
}

/// An absolute IRI (a scheme, then a valid IRI), as the RDF it becomes needs.
pub(super) fn is_absolute_iri(value: &str) -> bool {
    json_ld::Iri::new(value).is_ok()
}

/// Where the prefix of a compact IRI (`prefix:suffix`) ends: a colon after the first character.
fn compact_iri_colon(value: &str) -> Option<usize> {
    value.get(1..)?.find(':').map(|i| i + 1)
}
