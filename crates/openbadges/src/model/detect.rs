//! Telling what kind of badge document a JSON value is.

use serde_json::Value;

/// The kind of document [`detect`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detected {
    /// An Open Badges 2.0 (or 1.1) Assertion: `type` `Assertion`, or an Open Badges context with
    /// a `recipient` and `badge`, or a revoked hosted Assertion (`revoked: true`).
    V2Assertion,
    /// An Open Badges 3.0 `OpenBadgeCredential` / `AchievementCredential`.
    V3Credential,
    /// An Open Badges 3.0 `EndorsementCredential`.
    V3Endorsement,
    /// Something else; the text says what was found.
    Unknown(String),
}

const OB_V2_CONTEXTS: [&str; 4] = [
    "https://w3id.org/openbadges/v2",
    "https://w3id.org/openbadges/v1",
    "https://openbadgespec.org/v2/context.json",
    "https://openbadgespec.org/v1/context.json",
];

const VC_CONTEXTS: [&str; 2] = [
    "https://www.w3.org/2018/credentials/v1",
    "https://www.w3.org/ns/credentials/v2",
];

fn strings(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Classifies a JSON document as an Open Badges 2.0 Assertion, a 3.0 credential, a 3.0
/// endorsement, or something else, from its `type` and `@context` alone (nothing is fetched and
/// nothing is verified).
///
/// ```
/// use openbadges::model::{detect, Detected};
/// use serde_json::json;
/// let vc = json!({
///     "@context": ["https://www.w3.org/ns/credentials/v2",
///                  "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
///     "type": ["VerifiableCredential", "OpenBadgeCredential"]
/// });
/// assert_eq!(detect(&vc), Detected::V3Credential);
/// assert!(matches!(detect(&json!([1, 2])), Detected::Unknown(_)));
/// ```
pub fn detect(json: &Value) -> Detected {
    let Some(obj) = json.as_object() else {
        return Detected::Unknown(format!("expected a JSON object, found {}", kind_of(json)));
    };
    let types = strings(obj.get("type"));
    let contexts = strings(obj.get("@context"));
    let has_type = |t: &str| {
        types
            .iter()
            .any(|x| *x == t || x.ends_with(&format!("#{t}")))
    };
    let is_vc =
        has_type("VerifiableCredential") || contexts.iter().any(|c| VC_CONTEXTS.contains(c));
    if is_vc {
        if has_type("OpenBadgeCredential") || has_type("AchievementCredential") {
            return Detected::V3Credential;
        }
        if has_type("EndorsementCredential") {
            return Detected::V3Endorsement;
        }
        return Detected::Unknown(format!(
            "a Verifiable Credential whose type {types:?} names neither OpenBadgeCredential, \
             AchievementCredential nor EndorsementCredential"
        ));
    }
    let ob2_context = contexts.iter().any(|c| OB_V2_CONTEXTS.contains(c));
    if has_type("Assertion") {
        return Detected::V2Assertion;
    }
    for other in [
        "BadgeClass",
        "Issuer",
        "Profile",
        "Endorsement",
        "CryptographicKey",
        "RevocationList",
    ] {
        if has_type(other) {
            return Detected::Unknown(format!(
                "an Open Badges 2.0 {other}, not an Assertion or credential"
            ));
        }
    }
    if ob2_context || types.is_empty() {
        if obj.contains_key("recipient") && obj.contains_key("badge") {
            return Detected::V2Assertion;
        }
        if types.is_empty()
            && obj.get("revoked") == Some(&Value::Bool(true))
            && obj.contains_key("id")
        {
            return Detected::V2Assertion;
        }
    }
    if ob2_context {
        return Detected::Unknown(
            "an Open Badges 2.0 document that is not an Assertion (no `recipient` and `badge`)"
                .to_owned(),
        );
    }
    Detected::Unknown(if types.is_empty() {
        "no `type` and no Open Badges or Verifiable Credentials `@context`".to_owned()
    } else {
        format!("unrecognised type {types:?}")
    })
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
