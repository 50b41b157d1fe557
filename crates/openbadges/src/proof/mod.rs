//! Proofs: Data Integrity `eddsa-rdfc-2022`, VC-JWT, and Open Badges 2.0 signed JWS.
//!
//! - [`data_integrity`]: sign and verify `DataIntegrityProof`s with the `eddsa-rdfc-2022`
//!   cryptosuite, as Open Badges 3.0 credentials carry them.
//! - [`canon`]: JSON-LD to RDF and RDF Dataset Canonicalization (RDFC-1.0), with bundled
//!   contexts only.
//! - [`did_key`]: Ed25519 `did:key` identifiers and Multikey `publicKeyMultibase` values.

pub mod canon;
pub mod data_integrity;
pub mod did_key;
mod jsonld;
pub mod jws;
pub mod jwt;
mod rdfc;

/// Why a Data Integrity proof could not be made or did not verify.
///
/// Every variant's message is meant to be shown to a person as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofError {
    /// The document is not something a proof can be made or checked over.
    #[error("the document cannot be signed or verified: {0}")]
    InvalidDocument(String),
    /// The document carries no `proof`.
    #[error("the credential has no `proof`")]
    NoProof,
    /// The proof is not a `DataIntegrityProof` with the `eddsa-rdfc-2022` cryptosuite.
    #[error("unsupported proof: type {proof_type:?} with cryptosuite {cryptosuite:?} (only DataIntegrityProof with eddsa-rdfc-2022 is supported)")]
    UnsupportedProof {
        /// The proof's `type`, as found.
        proof_type: String,
        /// The proof's `cryptosuite`, as found.
        cryptosuite: String,
    },
    /// A required member of the proof is missing or has the wrong form.
    #[error("the proof is malformed: {0}")]
    MalformedProof(String),
    /// The proof was made for another purpose than the one required.
    #[error("the proof's purpose is {found:?}, but {expected:?} is required")]
    WrongPurpose {
        /// The purpose required (`assertionMethod` for credentials).
        expected: String,
        /// The purpose the proof states.
        found: String,
    },
    /// The proof's `@context` is not a prefix of the document's `@context`.
    #[error("the proof's @context does not match the start of the credential's @context")]
    ContextMismatch,
    /// The document (or a context it uses) names a JSON-LD context this crate does not bundle.
    #[error("JSON-LD context {0} is not bundled with this library, so the proof cannot be checked (contexts are never fetched from the network)")]
    ContextNotBundled(String),
    /// JSON-LD processing failed (invalid JSON-LD, or a term that no context defines).
    #[error("JSON-LD processing failed: {0}")]
    JsonLd(String),
    /// RDF Dataset Canonicalization failed or was refused.
    #[error("RDF canonicalization failed: {0}")]
    Canonicalization(String),
    /// The public key for the proof's verification method could not be found.
    #[error("no usable public key for verification method {verification_method}: {reason}")]
    KeyResolution {
        /// The proof's `verificationMethod`.
        verification_method: String,
        /// Why the key could not be had.
        reason: String,
    },
    /// The signature does not match: the credential (or its proof) was changed after signing,
    /// or it was signed with another key.
    #[error("the signature does not match the credential: it was changed after signing, or signed with another key")]
    SignatureMismatch,
}
