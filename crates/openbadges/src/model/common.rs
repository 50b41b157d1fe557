//! Building blocks shared by the 2.0 and 3.0 types: values that may be an IRI or an embedded
//! object, values that may be one or many, the JSON-LD `@context`, parsing with limits, and
//! recipient identity hashing.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::ModelError;

/// Unknown properties of an object, kept so that a document survives a parse and re-serialise
/// unchanged (Open Badges is extensible: issuers add properties through extensions and extra
/// JSON-LD contexts).
pub type Extra = Map<String, Value>;

/// The largest document [`parse_str`] and [`parse_slice`] accept: 8 MiB.
///
/// Badge documents are a few kilobytes; even ones with embedded data-URI images stay far below
/// this. Anything larger is refused before parsing so that hostile input cannot make the parser
/// allocate without bound.
pub const MAX_DOCUMENT_BYTES: usize = 8 * 1024 * 1024;

/// Parses a JSON document into `T`, refusing documents over [`MAX_DOCUMENT_BYTES`].
///
/// serde_json refuses nesting deeper than 128 levels, so hostile, deeply nested input is an
/// error, not a stack overflow.
///
/// # Errors
/// [`ModelError::TooLarge`] for oversized input, [`ModelError::Json`] for malformed JSON or
/// JSON of the wrong shape (the message names the line, column and the offending field).
///
/// # Example
/// ```
/// use openbadges::model::{common::parse_str, v2::Assertion};
/// let a: Assertion = parse_str(r#"{"id": "https://example.org/a", "type": "Assertion"}"#).unwrap();
/// assert_eq!(a.id.as_deref(), Some("https://example.org/a"));
/// assert!(parse_str::<Assertion>("[[[").is_err());
/// ```
pub fn parse_str<T: DeserializeOwned>(json: &str) -> Result<T, ModelError> {
    parse_slice(json.as_bytes())
}

/// Like [`parse_str`], for bytes (for example a payload extracted from a baked image).
///
/// # Errors
/// As [`parse_str`].
pub fn parse_slice<T: DeserializeOwned>(json: &[u8]) -> Result<T, ModelError> {
    if json.len() > MAX_DOCUMENT_BYTES {
        return Err(ModelError::TooLarge {
            len: json.len(),
            max: MAX_DOCUMENT_BYTES,
        });
    }
    Ok(serde_json::from_slice(json)?)
}

/// Converts an already parsed [`Value`] into `T`.
///
/// # Errors
/// [`ModelError::Json`] when the value has the wrong shape.
pub fn from_value<T: DeserializeOwned>(value: &Value) -> Result<T, ModelError> {
    Ok(T::deserialize(value)?)
}

/// A property that holds either an IRI naming a resource or the resource itself, embedded.
///
/// Open Badges documents link to each other: an Assertion's `badge` may be the URL of its
/// BadgeClass (`"badge": "https://example.org/robotics-badge.json"`) or a copy of that
/// BadgeClass (`"badge": {"id": "...", "type": "BadgeClass", ...}`). Both are common in the wild
/// and both round-trip unchanged.
///
/// ```
/// use openbadges::model::{common::IdOr, v2::BadgeClass};
/// let linked: IdOr<BadgeClass> = serde_json::from_str(r#""https://example.org/b.json""#).unwrap();
/// assert_eq!(linked.id(), Some("https://example.org/b.json"));
/// assert!(linked.as_object().is_none());
/// let embedded: IdOr<BadgeClass> =
///     serde_json::from_str(r#"{"id": "https://example.org/b.json", "name": "Robotics"}"#).unwrap();
/// assert_eq!(embedded.id(), Some("https://example.org/b.json"));
/// assert_eq!(embedded.as_object().and_then(|b| b.name.as_deref()), Some("Robotics"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum IdOr<T> {
    /// A reference: the IRI (usually an HTTPS URL or a `urn:uuid:`) of the resource.
    Id(String),
    /// The resource embedded in place.
    Object(Box<T>),
}

/// Types that have an optional `id` property, so that [`IdOr::id`] can answer for both forms.
pub trait HasId {
    /// The object's `id`, if it has one.
    fn id(&self) -> Option<&str>;
}

impl<T: HasId> IdOr<T> {
    /// The IRI of the resource: the string itself, or the embedded object's `id`.
    pub fn id(&self) -> Option<&str> {
        match self {
            IdOr::Id(id) => Some(id),
            IdOr::Object(obj) => obj.id(),
        }
    }
}

impl<T> IdOr<T> {
    /// The embedded object, when the property was not just an IRI.
    pub fn as_object(&self) -> Option<&T> {
        match self {
            IdOr::Id(_) => None,
            IdOr::Object(obj) => Some(obj),
        }
    }

    /// Whether the property is only a reference that must be fetched to learn more.
    pub fn is_reference(&self) -> bool {
        matches!(self, IdOr::Id(_))
    }
}

/// A property that holds one value or an array of values.
///
/// JSON-LD treats `"tags": "robots"` and `"tags": ["robots"]` alike, and Open Badges documents
/// use both. The form is kept so that the document serialises back as it came.
///
/// ```
/// use openbadges::model::common::OneOrMany;
/// let one: OneOrMany<String> = serde_json::from_str(r#""Assertion""#).unwrap();
/// let many: OneOrMany<String> = serde_json::from_str(r#"["Assertion", "Extension"]"#).unwrap();
/// assert_eq!(one.as_slice(), ["Assertion".to_string()]);
/// assert_eq!(many.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    /// A single value, written without brackets.
    One(T),
    /// An array of values.
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    /// The values as a slice, whichever the form.
    pub fn as_slice(&self) -> &[T] {
        match self {
            OneOrMany::One(v) => std::slice::from_ref(v),
            OneOrMany::Many(v) => v,
        }
    }

    /// An iterator over the values.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.as_slice().iter()
    }

    /// How many values there are.
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// Whether there are no values (an empty array).
    pub fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }
}

impl OneOrMany<String> {
    /// Whether one of the values equals `s` (used for `type` checks).
    pub fn contains_str(&self, s: &str) -> bool {
        self.iter().any(|v| v == s)
    }
}

/// One entry of a JSON-LD `@context`: the URL of a published context, or an inline context
/// object that defines terms in place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ContextEntry {
    /// The URL of a context document, e.g. `https://w3id.org/openbadges/v2`.
    Iri(String),
    /// An inline context object.
    Inline(Extra),
}

/// The JSON-LD `@context` of a document: a single URL, an inline object, or an array of them.
///
/// It tells a JSON-LD processor what each property means; for plain JSON processing it tells
/// which specification and version a document follows. Open Badges 2.0 documents use
/// `https://w3id.org/openbadges/v2`; Open Badges 3.0 credentials list the Verifiable
/// Credentials context first and an OB 3.0 context second.
pub type Context = OneOrMany<ContextEntry>;

/// The context URLs (not inline objects) of a `@context`, in order.
pub fn context_iris(context: &Context) -> Vec<&str> {
    context
        .iter()
        .filter_map(|e| match e {
            ContextEntry::Iri(s) => Some(s.as_str()),
            ContextEntry::Inline(_) => None,
        })
        .collect()
}

/// Hash algorithms Open Badges allows for recipient identities (`sha256$…`, `md5$…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlgorithm {
    /// SHA-256, written `sha256$<64 hex digits>`. Recommended.
    Sha256,
    /// MD5, written `md5$<32 hex digits>`. Allowed by Open Badges 2.0 for old badges; weak.
    Md5,
}

/// Checks a candidate identity (e.g. an email address) against a recipient identity as Open
/// Badges writes it.
///
/// - Not hashed: the identity is compared with the candidate as is (ASCII case-insensitively
///   when `case_insensitive`, which callers set for email addresses).
/// - Hashed: `identity` is `algorithm$hexdigest`; the digest of `candidate + salt` (UTF-8; the
///   salt is empty when absent) is compared with the hex digest, case-insensitively (the
///   specification allows upper- or lowercase hex).
///
/// # Errors
/// [`ModelError::MalformedHash`] when a hashed identity lacks the `algorithm$` prefix or the
/// digest is not hex of the right length; [`ModelError::UnsupportedHash`] for an algorithm other
/// than `sha256` or `md5`.
///
/// # Example
/// ```
/// use openbadges::model::common::identity_matches;
/// // The example from the Open Badges specification: 'a@example.com' salted with 'Kosher'.
/// let id = "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399";
/// assert!(identity_matches(id, true, Some("Kosher"), "a@example.com", false).unwrap());
/// assert!(!identity_matches(id, true, Some("Kosher"), "b@example.com", false).unwrap());
/// ```
pub fn identity_matches(
    identity: &str,
    hashed: bool,
    salt: Option<&str>,
    candidate: &str,
    case_insensitive: bool,
) -> Result<bool, ModelError> {
    if !hashed {
        return Ok(if case_insensitive {
            identity.trim().eq_ignore_ascii_case(candidate.trim())
        } else {
            identity.trim() == candidate.trim()
        });
    }
    let (alg, digest) = identity
        .split_once('$')
        .ok_or_else(|| ModelError::MalformedHash(truncate(identity)))?;
    let algorithm = match alg.to_ascii_lowercase().as_str() {
        "sha256" => HashAlgorithm::Sha256,
        "md5" => HashAlgorithm::Md5,
        _ => return Err(ModelError::UnsupportedHash(truncate(alg))),
    };
    let expected_len = match algorithm {
        HashAlgorithm::Sha256 => 64,
        HashAlgorithm::Md5 => 32,
    };
    if digest.len() != expected_len || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ModelError::MalformedHash(truncate(identity)));
    }
    let mut input = String::with_capacity(candidate.len() + salt.map_or(0, str::len));
    input.push_str(candidate);
    input.push_str(salt.unwrap_or(""));
    let computed = match algorithm {
        HashAlgorithm::Sha256 => hex(&Sha256::digest(input.as_bytes())),
        HashAlgorithm::Md5 => hex(&md5::Md5::digest(input.as_bytes())),
    };
    Ok(computed.eq_ignore_ascii_case(digest))
}

/// Computes `algorithm$hexdigest` for an identity and optional salt, the form issuers write into
/// `recipient.identity` (2.0) or `identityHash` (3.0).
///
/// ```
/// use openbadges::model::common::{hash_identity, HashAlgorithm};
/// assert_eq!(
///     hash_identity(HashAlgorithm::Sha256, "a@example.com", Some("Kosher")),
///     "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399"
/// );
/// ```
pub fn hash_identity(algorithm: HashAlgorithm, identity: &str, salt: Option<&str>) -> String {
    let mut input = identity.to_owned();
    input.push_str(salt.unwrap_or(""));
    match algorithm {
        HashAlgorithm::Sha256 => format!("sha256${}", hex(&Sha256::digest(input.as_bytes()))),
        HashAlgorithm::Md5 => format!("md5${}", hex(&md5::Md5::digest(input.as_bytes()))),
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

/// Shortens untrusted text quoted in error messages.
pub(crate) fn truncate(s: &str) -> String {
    const MAX: usize = 80;
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(MAX).collect();
        t.push('…');
        t
    }
}

/// `from_json`, `from_value` and `to_value` for a document type of either version.
macro_rules! json_document {
    ($t:ty) => {
        impl $t {
            /// Parses this type from JSON text (at most
            /// [`MAX_DOCUMENT_BYTES`](crate::model::common::MAX_DOCUMENT_BYTES)).
            ///
            /// # Errors
            /// [`ModelError`](crate::model::ModelError) when the text is not JSON, too large or
            /// too deep, or not of this shape.
            pub fn from_json(json: &str) -> Result<Self, crate::model::ModelError> {
                crate::model::common::parse_str(json)
            }

            /// Converts an already parsed JSON value into this type.
            ///
            /// # Errors
            /// [`ModelError::Json`](crate::model::ModelError::Json) when the value is not of
            /// this shape.
            pub fn from_value(value: &serde_json::Value) -> Result<Self, crate::model::ModelError> {
                crate::model::common::from_value(value)
            }

            /// Serialises back to a JSON value, unknown properties included.
            ///
            /// # Errors
            /// [`ModelError::Json`](crate::model::ModelError::Json) only if a kept property
            /// cannot be represented (not expected for values that came from JSON).
            pub fn to_value(&self) -> Result<serde_json::Value, crate::model::ModelError> {
                Ok(serde_json::to_value(self)?)
            }
        }
    };
}
pub(crate) use json_document;
