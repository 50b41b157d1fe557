//! Validation against 1EdTech's JSON Schemas for Open Badges 3.0, bundled with the crate.
//!
//! Two generations of 1EdTech's schemas are bundled (see `src/model/schema/README.md` for their
//! origin), and a credential is checked against the one for the Verifiable Credentials Data
//! Model its `@context` starts with:
//!
//! - `https://www.w3.org/2018/credentials/v1` (VCDM 1.1, Open Badges 3.0.0 to 3.0.2): the
//!   schemas published with Open Badges 3.0 under
//!   `https://purl.imsglobal.org/spec/ob/v3p0/schema/json/`, which require `issuanceDate`;
//! - anything else, in particular `https://www.w3.org/ns/credentials/v2` (VCDM 2.0, Open Badges
//!   3.0.3): the current schemas (`.../schema/json-ld/` variant), which require `@context` to
//!   start with the VCDM 2.0 context, require `validFrom`, and check `type` with `contains`.
//!
//! Each schema is applied to the document as it is; nothing is renamed or filled in. The one
//! allowance is that, on VCDM 2.0, a `proof` written as a single object (as Data Integrity
//! signers write it, and as VCDM 2.0 allows) is checked as a one-element array (see
//! `single_proofs_as_arrays`). The schemas are compiled once each, on first use, from the
//! bundled copies only: the validator's retriever refuses every URI, so a `$ref` to anything not
//! bundled is an error, never a network fetch.

use std::sync::OnceLock;

use jsonschema::error::ValidationErrorKind;
use jsonschema::{Draft, Retrieve, Uri, Validator};
use serde_json::Value;

use super::VC_V1_CONTEXT;
use crate::model::detect::{detect, Detected};

/// 1EdTech's JSON Schema for `AchievementCredential` / `OpenBadgeCredential` as published with
/// Open Badges 3.0 on VCDM 1.1 (requires `issuanceDate`); used for credentials whose `@context`
/// starts with `https://www.w3.org/2018/credentials/v1`.
pub const ACHIEVEMENT_CREDENTIAL_SCHEMA: &str =
    include_str!("../schema/ob_v3p0_achievementcredential_schema.json");

/// 1EdTech's JSON Schema for `EndorsementCredential` as published with Open Badges 3.0 on
/// VCDM 1.1 (requires `issuanceDate`); used for endorsements whose `@context` starts with
/// `https://www.w3.org/2018/credentials/v1`.
pub const ENDORSEMENT_CREDENTIAL_SCHEMA: &str =
    include_str!("../schema/ob_v3p0_endorsementcredential_schema.json");

/// 1EdTech's current JSON Schema for `AchievementCredential` / `OpenBadgeCredential` (VCDM 2.0,
/// Open Badges 3.0.3: requires `validFrom`); used for every credential not on VCDM 1.1.
pub const ACHIEVEMENT_CREDENTIAL_SCHEMA_VC2: &str =
    include_str!("../schema/ob_v3p0_achievementcredential_schema.vc2.json");

/// 1EdTech's current JSON Schema for `EndorsementCredential` (VCDM 2.0, Open Badges 3.0.3:
/// requires `validFrom`); used for every endorsement not on VCDM 1.1.
pub const ENDORSEMENT_CREDENTIAL_SCHEMA_VC2: &str =
    include_str!("../schema/ob_v3p0_endorsementcredential_schema.vc2.json");

/// One way a document fails the schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaProblem {
    /// JSON Pointer to the offending value (`/credentialSubject/achievement/name`); for a
    /// missing required property, the pointer to where it should be (`/issuer`). The document
    /// root is the empty string.
    pub path: String,
    /// What is wrong, in words.
    pub message: String,
}

impl std::fmt::Display for SchemaProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let path = if self.path.is_empty() {
            "/"
        } else {
            &self.path
        };
        write!(f, "{path}: {}", self.message)
    }
}

/// Refuses every URI: schemas are resolved from bundled copies only.
struct NoRemote;

impl Retrieve for NoRemote {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        Err(format!("refusing to fetch {uri}: only bundled schemas are used").into())
    }
}

/// A compiled schema, with its JSON kept to describe failed `contains` checks.
struct Compiled {
    validator: Validator,
    schema: Value,
}

fn compile(text: &str) -> Result<Compiled, String> {
    let schema: Value =
        serde_json::from_str(text).map_err(|e| format!("bundled schema is not JSON: {e}"))?;
    let validator = jsonschema::options()
        .with_draft(Draft::Draft201909)
        .should_validate_formats(true)
        .with_retriever(NoRemote)
        .build(&schema)
        .map_err(|e| format!("bundled schema does not compile: {e}"))?;
    Ok(Compiled { validator, schema })
}

/// Which generation of 1EdTech's schemas a document is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Generation {
    /// `@context` starts with the VCDM 1.1 context: the schemas published with Open Badges 3.0.
    Vc11,
    /// Anything else: the current (VCDM 2.0) schemas.
    Vc2,
}

/// The generation for `doc`: VCDM 1.1 only when the first `@context` entry (or the only one,
/// if `@context` is a string) is the VCDM 1.1 context. A document that starts with neither
/// context gets the current schema, whose `@context` rule then reports it.
fn generation(doc: &Value) -> Generation {
    let first = match doc.get("@context") {
        Some(Value::String(s)) => Some(s.as_str()),
        Some(Value::Array(a)) => a.first().and_then(Value::as_str),
        _ => None,
    };
    if first == Some(VC_V1_CONTEXT) {
        Generation::Vc11
    } else {
        Generation::Vc2
    }
}

/// The compiled schema for a generation and kind, compiled on first use and kept.
fn compiled(generation: Generation, endorsement: bool) -> &'static Result<Compiled, String> {
    static VC11_ACHIEVEMENT: OnceLock<Result<Compiled, String>> = OnceLock::new();
    static VC11_ENDORSEMENT: OnceLock<Result<Compiled, String>> = OnceLock::new();
    static VC2_ACHIEVEMENT: OnceLock<Result<Compiled, String>> = OnceLock::new();
    static VC2_ENDORSEMENT: OnceLock<Result<Compiled, String>> = OnceLock::new();
    let (cell, text) = match (generation, endorsement) {
        (Generation::Vc11, false) => (&VC11_ACHIEVEMENT, ACHIEVEMENT_CREDENTIAL_SCHEMA),
        (Generation::Vc11, true) => (&VC11_ENDORSEMENT, ENDORSEMENT_CREDENTIAL_SCHEMA),
        (Generation::Vc2, false) => (&VC2_ACHIEVEMENT, ACHIEVEMENT_CREDENTIAL_SCHEMA_VC2),
        (Generation::Vc2, true) => (&VC2_ENDORSEMENT, ENDORSEMENT_CREDENTIAL_SCHEMA_VC2),
    };
    cell.get_or_init(|| compile(text))
}

/// Checks an Open Badges 3.0 credential against 1EdTech's JSON Schema and returns every
/// problem found (empty when it conforms).
///
/// The schema generation follows the credential's `@context` (see the module documentation): a
/// credential on VCDM 2.0 (`https://www.w3.org/ns/credentials/v2` first) is checked against
/// the current schemas, which require `validFrom`; one on VCDM 1.1
/// (`https://www.w3.org/2018/credentials/v1` first) against the schemas published with Open
/// Badges 3.0, which require `issuanceDate`. An `EndorsementCredential` is checked against the
/// EndorsementCredential schema, anything else against the AchievementCredential schema. The
/// current schemas check the `type` rule (one item `VerifiableCredential`, one
/// `OpenBadgeCredential`/`AchievementCredential` or `EndorsementCredential`) themselves; the
/// VCDM 1.1 ones state it only in prose, so for those it is checked here. On VCDM 2.0, a
/// `proof` written as a single object is checked as a one-element array (the current schemas
/// want an array; VCDM 2.0 and Data Integrity signers use a single object).
///
/// ```
/// use openbadges::model::v3::validate_schema;
/// let mut vc = serde_json::json!({
///   "@context": ["https://www.w3.org/ns/credentials/v2",
///                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
///   "id": "urn:uuid:1", "type": ["VerifiableCredential", "OpenBadgeCredential"],
///   "name": "Teamwork", "validFrom": "2010-01-01T00:00:00Z",
///   "issuer": {"id": "https://example.com/issuer", "type": ["Profile"]},
///   "credentialSubject": {"type": ["AchievementSubject"], "achievement": {
///     "id": "https://example.com/a", "type": ["Achievement"], "name": "Teamwork",
///     "description": "Works well with others", "criteria": {"narrative": "Peer nominated"}}}
/// });
/// assert!(validate_schema(&vc).is_empty());
/// vc.as_object_mut().unwrap().remove("issuer");
/// let problems = validate_schema(&vc);
/// assert_eq!(problems[0].path, "/issuer");
/// ```
pub fn validate_schema(doc: &Value) -> Vec<SchemaProblem> {
    let endorsement = detect(doc) == Detected::V3Endorsement;
    let generation = generation(doc);
    let compiled = match compiled(generation, endorsement) {
        Ok(c) => c,
        Err(e) => {
            return vec![SchemaProblem {
                path: String::new(),
                message: e.clone(),
            }]
        }
    };
    let depth = depth_of(doc);
    if depth > MAX_DEPTH {
        return vec![SchemaProblem {
            path: String::new(),
            message: format!(
                "document is nested {depth} levels deep; at most {MAX_DEPTH} are accepted"
            ),
        }];
    }
    let mut problems = Vec::new();
    let (view, wrapped) = match generation {
        Generation::Vc11 => {
            check_type_rule(doc, endorsement, &mut problems);
            (None, Vec::new())
        }
        Generation::Vc2 => single_proofs_as_arrays(doc),
    };
    let instance = view.as_ref().unwrap_or(doc);
    for error in compiled.validator.iter_errors(instance) {
        let mut path = unwrap_proof_path(error.instance_path().as_str(), &wrapped);
        let message = match error.kind() {
            ValidationErrorKind::Required { property } => {
                let name = property
                    .as_str()
                    .map_or_else(|| property.to_string(), str::to_owned);
                let hint = renamed_hint(doc.pointer(&path), &name);
                path.push('/');
                path.push_str(&escape_pointer(&name));
                format!("required property `{name}` is missing{hint}")
            }
            ValidationErrorKind::Contains => {
                let wanted = compiled
                    .schema
                    .pointer(error.schema_path().as_str())
                    .and_then(|c| c.get("enum"))
                    .and_then(Value::as_array)
                    .map(|items| {
                        items
                            .iter()
                            .map(Value::to_string)
                            .collect::<Vec<_>>()
                            .join(" or ")
                    });
                match wanted {
                    Some(wanted) => format!("{} must include {wanted}", error.instance()),
                    None => error.to_string(),
                }
            }
            _ => error.to_string(),
        };
        problems.push(SchemaProblem { path, message });
    }
    problems
}

/// The one JSON-LD compaction accepted on VCDM 2.0: a `proof` given as a single object.
///
/// The current schemas type `proof` as an array of `Proof`, following the Open Badges JSON
/// binding ("sequence values MUST be represented as a JSON array"), but VCDM 2.0 and Data
/// Integrity let `proof` be "a single object, or an unordered set of objects", and single
/// objects are what Data Integrity signers produce: this crate's `proof::data_integrity::sign`,
/// the DCC libraries, and 1EdTech's own signed Open Badges 3.0 test vector. So, for every
/// credential object in the document (one whose `type` includes `VerifiableCredential`), a
/// single `proof` object is checked as a one-element array; each proof is still checked against
/// the schema's `Proof` definition. Returns the copy (`None` when nothing was wrapped) and the
/// JSON Pointers of the wrapped `proof` values. Walks with an explicit stack.
fn single_proofs_as_arrays(doc: &Value) -> (Option<Value>, Vec<String>) {
    let mut view = doc.clone();
    let mut wrapped = Vec::new();
    let mut stack: Vec<(&mut Value, String)> = vec![(&mut view, String::new())];
    while let Some((v, at)) = stack.pop() {
        match v {
            Value::Object(map) => {
                let is_vc = match map.get("type") {
                    Some(Value::String(s)) => s == "VerifiableCredential",
                    Some(Value::Array(a)) => {
                        a.iter().any(|t| t.as_str() == Some("VerifiableCredential"))
                    }
                    _ => false,
                };
                if is_vc {
                    if let Some(proof) = map.get_mut("proof") {
                        if proof.is_object() {
                            *proof = Value::Array(vec![proof.take()]);
                            wrapped.push(format!("{at}/proof"));
                        }
                    }
                }
                for (k, child) in map.iter_mut() {
                    let child_at = format!("{at}/{}", escape_pointer(k));
                    stack.push((child, child_at));
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter_mut().enumerate() {
                    stack.push((child, format!("{at}/{i}")));
                }
            }
            _ => {}
        }
    }
    if wrapped.is_empty() {
        (None, wrapped)
    } else {
        (Some(view), wrapped)
    }
}

/// Maps a path in the view made by [`single_proofs_as_arrays`] back to the document: inside a
/// wrapped `proof`, `/proof/0` is the `/proof` object itself.
fn unwrap_proof_path(path: &str, wrapped: &[String]) -> String {
    for w in wrapped {
        if let Some(rest) = path
            .strip_prefix(w.as_str())
            .and_then(|r| r.strip_prefix("/0"))
        {
            if rest.is_empty() || rest.starts_with('/') {
                return format!("{w}{rest}");
            }
        }
    }
    path.to_owned()
}

/// A hint for a required date property that is missing while its name in the other VCDM
/// version is present in the same object, e.g. `issuanceDate` in a VCDM 2.0 credential.
fn renamed_hint(object: Option<&Value>, missing: &str) -> &'static str {
    let (other, hint) = match missing {
        "validFrom" => (
            "issuanceDate",
            " (`issuanceDate` is the VCDM 1.1 name; a credential on VCDM 2.0 needs `validFrom`)",
        ),
        "issuanceDate" => (
            "validFrom",
            " (`validFrom` is the VCDM 2.0 name; a credential on VCDM 1.1 needs `issuanceDate`)",
        ),
        _ => return "",
    };
    match object {
        Some(Value::Object(map)) if map.contains_key(other) => hint,
        _ => "",
    }
}

/// The deepest nesting [`validate_schema`] accepts: serde_json's own parser limit, so any
/// document parsed from text passes, while values built in memory cannot make validation
/// recurse without bound.
pub const MAX_DEPTH: usize = 128;

/// Nesting depth of a value, measured without recursion.
fn depth_of(doc: &Value) -> usize {
    let mut max = 0;
    let mut stack = vec![(doc, 1usize)];
    while let Some((v, d)) = stack.pop() {
        max = max.max(d);
        if d > MAX_DEPTH {
            break;
        }
        match v {
            Value::Object(m) => stack.extend(m.values().map(|c| (c, d + 1))),
            Value::Array(a) => stack.extend(a.iter().map(|c| (c, d + 1))),
            _ => {}
        }
    }
    max
}

fn escape_pointer(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

fn check_type_rule(doc: &Value, endorsement: bool, problems: &mut Vec<SchemaProblem>) {
    let types: Vec<&str> = match doc.get("type") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => return, // a missing or non-string `type` is reported by the schema itself
    };
    if !types.contains(&"VerifiableCredential") {
        problems.push(SchemaProblem {
            path: "/type".to_owned(),
            message: format!("`type` {types:?} must include \"VerifiableCredential\""),
        });
    }
    let ok = if endorsement {
        types.contains(&"EndorsementCredential")
    } else {
        types.contains(&"OpenBadgeCredential") || types.contains(&"AchievementCredential")
    };
    if !ok {
        let wanted = if endorsement {
            "\"EndorsementCredential\""
        } else {
            "\"OpenBadgeCredential\" or \"AchievementCredential\""
        };
        problems.push(SchemaProblem {
            path: "/type".to_owned(),
            message: format!("`type` {types:?} must include {wanted}"),
        });
    }
}
