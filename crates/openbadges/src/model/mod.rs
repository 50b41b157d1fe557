//! Open Badges 2.0 and 3.0 types (serde) and the bundled JSON-LD contexts.
//!
//! An Open Badge is a JSON document in which an **issuer** says that a **recipient** earned an
//! **achievement**. The two versions in use model that differently:
//!
//! | | Open Badges 2.0 ([`v2`]) | Open Badges 3.0 ([`v3`]) |
//! |---|---|---|
//! | the award | `Assertion` | `OpenBadgeCredential` (alias `AchievementCredential`), a W3C Verifiable Credential |
//! | the achievement | `BadgeClass` | `Achievement`, inside `credentialSubject` |
//! | the issuer | `Profile` (often typed `Issuer`) | `Profile`, in `issuer` |
//! | the recipient | `recipient`: an `IdentityObject`, often a salted hash of an email | `credentialSubject.id` (a DID or URL) and/or `identifier` |
//! | the proof | hosted at its `id` URL, or a JWS signature | an embedded Data Integrity proof, or a VC-JWT |
//!
//! The types here only describe documents: they parse what is found in the wild (linked or
//! embedded objects, one value or arrays, dates as strings or Unix timestamps) and keep every
//! unknown property so that a document serialises back unchanged. Checking signatures,
//! fetching linked documents and deciding validity is the job of [`crate::proof`] and
//! [`crate::verify`]. [`detect`] tells which kind of document a JSON value is, and
//! [`v3::validate_schema`] checks a 3.0 credential against 1EdTech's JSON Schema, bundled (the
//! current VCDM 2.0 schema, or the earlier one for a credential on VCDM 1.1).
//!
//! ```
//! use openbadges::model::{detect, Detected};
//! let doc = serde_json::json!({
//!     "@context": "https://w3id.org/openbadges/v2",
//!     "type": "Assertion",
//!     "id": "https://example.org/beths-robotics-badge.json"
//! });
//! assert_eq!(detect(&doc), Detected::V2Assertion);
//! ```

pub mod common;
mod detect;
pub mod v2;
pub mod v3;

pub use detect::{detect, Detected};

/// What can go wrong reading or interpreting a badge document.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The input is not JSON, is nested too deeply, or does not have the shape of the type asked
    /// for (serde_json's message names the line and column, or the missing field).
    #[error("not a valid badge document: {0}")]
    Json(#[from] serde_json::Error),
    /// The input is larger than [`common::MAX_DOCUMENT_BYTES`].
    #[error("document is {len} bytes, more than the {max} accepted")]
    TooLarge {
        /// Size of the input in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A hashed recipient identity is not of the form `algorithm$hexdigest`.
    #[error("hashed identity `{0}` is not of the form `sha256$<hex>` or `md5$<hex>`")]
    MalformedHash(String),
    /// A hashed recipient identity uses an algorithm Open Badges does not allow.
    #[error("unsupported identity hash algorithm `{0}`: Open Badges allows sha256 and md5")]
    UnsupportedHash(String),
    /// A date could not be read.
    #[error("invalid date `{value}`: {reason}")]
    Date {
        /// The value as found (shortened if long).
        value: String,
        /// Why it was refused.
        reason: String,
    },
}
