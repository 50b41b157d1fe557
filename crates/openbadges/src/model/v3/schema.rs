//! Validation against 1EdTech's JSON Schema for Open Badges 3.0, bundled with the crate.
//!
//! The schemas are 1EdTech's own files (see `src/model/schema/README.md` for their origin), the
//! versions published with Open Badges 3.0 under
//! `https://purl.imsglobal.org/spec/ob/v3p0/schema/json/`. They are compiled once, from the
//! bundled copies only: the validator's retriever refuses every URI, so a `$ref` to anything not
//! bundled is an error, never a network fetch.
//!
//! Those schema versions predate VC Data Model 2.0 and require `issuanceDate`. Open Badges 3.0.3
//! moved to VCDM 2.0 (`validFrom`/`validUntil`), so for a credential that has `validFrom` and no
//! `issuanceDate` (at the top or in an embedded endorsement), the schema is applied to a copy in
//! which `issuanceDate`/`expirationDate` carry the `validFrom`/`validUntil` values; the
//! `date-time` format is then checked on those values all the same. Problems are reported at the
//! paths of the original document.

use std::sync::OnceLock;

use jsonschema::error::ValidationErrorKind;
use jsonschema::{Draft, Retrieve, Uri, Validator};
use serde_json::Value;

use crate::model::detect::{detect, Detected};

/// 1EdTech's JSON Schema for `AchievementCredential` / `OpenBadgeCredential`, as bundled.
pub const ACHIEVEMENT_CREDENTIAL_SCHEMA: &str =
    include_str!("../schema/ob_v3p0_achievementcredential_schema.json");

/// 1EdTech's JSON Schema for `EndorsementCredential`, as bundled.
pub const ENDORSEMENT_CREDENTIAL_SCHEMA: &str =
    include_str!("../schema/ob_v3p0_endorsementcredential_schema.json");

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

fn compile(text: &str) -> Result<Validator, String> {
    let schema: Value =
        serde_json::from_str(text).map_err(|e| format!("bundled schema is not JSON: {e}"))?;
    jsonschema::options()
        .with_draft(Draft::Draft201909)
        .should_validate_formats(true)
        .with_retriever(NoRemote)
        .build(&schema)
        .map_err(|e| format!("bundled schema does not compile: {e}"))
}

fn achievement_validator() -> &'static Result<Validator, String> {
    static V: OnceLock<Result<Validator, String>> = OnceLock::new();
    V.get_or_init(|| compile(ACHIEVEMENT_CREDENTIAL_SCHEMA))
}

fn endorsement_validator() -> &'static Result<Validator, String> {
    static V: OnceLock<Result<Validator, String>> = OnceLock::new();
    V.get_or_init(|| compile(ENDORSEMENT_CREDENTIAL_SCHEMA))
}

/// Checks an Open Badges 3.0 credential against 1EdTech's JSON Schema and returns every
/// problem found (empty when it conforms).
///
/// An `EndorsementCredential` is checked against the EndorsementCredential schema; anything
/// else against the AchievementCredential schema. Besides the schema's keywords, the `type` rule
/// that the bundled schema states in prose (one item `VerifiableCredential`, one
/// `OpenBadgeCredential`/`AchievementCredential` or `EndorsementCredential`; later schema
/// versions enforce it with `contains`) is checked too. See the module documentation for how
/// VCDM 2.0 dates are handled.
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
    let validator = if endorsement {
        endorsement_validator()
    } else {
        achievement_validator()
    };
    let validator = match validator {
        Ok(v) => v,
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
    check_type_rule(doc, endorsement, &mut problems);
    let view = vcdm2_view(doc);
    let vcdm2 = declares_vcdm2(doc);
    for error in validator.iter_errors(&view) {
        let mut path = error.instance_path().as_str().to_owned();
        let mut message = match error.kind() {
            ValidationErrorKind::Required { property } => {
                let name = property
                    .as_str()
                    .map_or_else(|| property.to_string(), str::to_owned);
                if name == "issuanceDate" && vcdm2 {
                    path.push_str("/validFrom");
                    "required property `validFrom` (VCDM 2.0; `issuanceDate` in VCDM 1.1) is \
                     missing"
                        .to_owned()
                } else {
                    path.push('/');
                    path.push_str(&escape_pointer(&name));
                    format!("required property `{name}` is missing")
                }
            }
            _ => error.to_string(),
        };
        let renamed = path
            .replace("/issuanceDate", "/validFrom")
            .replace("/expirationDate", "/validUntil");
        if renamed != path && doc.pointer(&renamed).is_some() && doc.pointer(&path).is_none() {
            message.push_str(" (checked as the VCDM 1.1 `issuanceDate`/`expirationDate`)");
            path = renamed;
        }
        problems.push(SchemaProblem { path, message });
    }
    problems
}

fn declares_vcdm2(doc: &Value) -> bool {
    match doc.get("@context") {
        Some(Value::String(s)) => s == super::VC_V2_CONTEXT,
        Some(Value::Array(a)) => a.iter().any(|c| c.as_str() == Some(super::VC_V2_CONTEXT)),
        _ => false,
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

/// A copy of `doc` in which every credential object (one with `validFrom` and a `type` that
/// includes `VerifiableCredential`, and no `issuanceDate`) also carries `issuanceDate` /
/// `expirationDate`, replacing `validFrom` / `validUntil`. Walks with an explicit stack, so
/// depth cannot overflow.
fn vcdm2_view(doc: &Value) -> Value {
    let mut view = doc.clone();
    let mut stack: Vec<&mut Value> = vec![&mut view];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                let is_vc = match map.get("type") {
                    Some(Value::String(s)) => s == "VerifiableCredential",
                    Some(Value::Array(a)) => {
                        a.iter().any(|t| t.as_str() == Some("VerifiableCredential"))
                    }
                    _ => false,
                };
                if is_vc && !map.contains_key("issuanceDate") {
                    if let Some(from) = map.remove("validFrom") {
                        map.insert("issuanceDate".to_owned(), from);
                    }
                    if !map.contains_key("expirationDate") {
                        if let Some(until) = map.remove("validUntil") {
                            map.insert("expirationDate".to_owned(), until);
                        }
                    }
                }
                stack.extend(map.values_mut());
            }
            Value::Array(items) => stack.extend(items.iter_mut()),
            _ => {}
        }
    }
    view
}
