//! Data Integrity proofs with the `eddsa-rdfc-2022` cryptosuite.
//!
//! This is the embedded proof that Open Badges 3.0 credentials carry: a `DataIntegrityProof`
//! whose `proofValue` is an Ed25519 signature over two SHA-256 hashes, that of the canonical
//! N-Quads (RDFC-1.0) of the proof options and that of the credential without its proof.
//! [`sign`] makes one, [`verify`] checks one; both process JSON-LD with the contexts bundled in
//! [`crate::contexts`] only.
//!
//! ```
//! use ed25519_dalek::SigningKey;
//! use openbadges::proof::{data_integrity, did_key::{self, DidKeyResolver}};
//! use serde_json::json;
//!
//! let key = SigningKey::from_bytes(&[42u8; 32]);
//! let vm = did_key::verification_method(&key.verifying_key());
//! let credential = json!({
//!     "@context": [
//!         "https://www.w3.org/ns/credentials/v2",
//!         "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
//!     ],
//!     "id": "urn:uuid:5b8d1c1e-7f0e-4f39-9d5e-0d3c5a1b2c3d",
//!     "type": ["VerifiableCredential", "OpenBadgeCredential"],
//!     "issuer": { "id": did_key::did(&key.verifying_key()), "type": ["Profile"], "name": "Example" },
//!     "validFrom": "2024-01-01T00:00:00Z",
//!     "credentialSubject": {
//!         "type": ["AchievementSubject"],
//!         "achievement": {
//!             "id": "urn:uuid:0c5b1c8e-1111-4a4a-9b9b-222233334444",
//!             "type": ["Achievement"],
//!             "name": "Teamwork",
//!             "criteria": { "narrative": "Works well with others." }
//!         }
//!     }
//! });
//! let signed = data_integrity::sign(&credential, &key, &vm, "2024-01-01T00:00:00Z").unwrap();
//! let verified = data_integrity::verify(&signed, &DidKeyResolver).unwrap();
//! assert_eq!(verified.verification_method, vm);
//! ```

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::{canon, ProofError};

/// The proof `type` this module makes and checks.
pub const PROOF_TYPE: &str = "DataIntegrityProof";
/// The cryptosuite this module makes and checks.
pub const CRYPTOSUITE: &str = "eddsa-rdfc-2022";
/// The proof purpose of a credential's proof: the issuer asserts the claims.
pub const ASSERTION_METHOD: &str = "assertionMethod";

/// The error a [`KeyResolver`] returns; its message ends up in [`ProofError::KeyResolution`].
pub type ResolveError = Box<dyn std::error::Error + Send + Sync>;

/// Finds the Ed25519 public key of a verification method (a `did:key`, a `did:web` key, a URL).
///
/// [`crate::proof::did_key::DidKeyResolver`] handles `did:key`; the verification pipeline adds
/// `did:web` and issuer profiles through its `Fetch`. Closures work too:
///
/// ```
/// use openbadges::proof::data_integrity::{KeyResolver, ResolveError};
/// use ed25519_dalek::VerifyingKey;
///
/// let key = ed25519_dalek::SigningKey::from_bytes(&[1u8; 32]).verifying_key();
/// let resolver = move |vm: &str| -> Result<VerifyingKey, ResolveError> {
///     if vm == "https://example.edu/issuers/1#key-1" { Ok(key) } else { Err("unknown key".into()) }
/// };
/// assert!(resolver.resolve("https://example.edu/issuers/1#key-1").is_ok());
/// ```
pub trait KeyResolver {
    /// The public key of `verification_method`, or why there is none.
    fn resolve(&self, verification_method: &str) -> Result<VerifyingKey, ResolveError>;
}

impl<F> KeyResolver for F
where
    F: Fn(&str) -> Result<VerifyingKey, ResolveError>,
{
    fn resolve(&self, verification_method: &str) -> Result<VerifyingKey, ResolveError> {
        self(verification_method)
    }
}

/// What a successfully verified proof says.
///
/// The signature is good; whether the verification method belongs to the credential's issuer,
/// and whether `created`/`expires` are acceptable now, is for the caller to check.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedProof {
    /// The proof's `verificationMethod`: the id of the key that signed.
    pub verification_method: String,
    /// The key the signature verified with.
    pub public_key: VerifyingKey,
    /// The proof's `created` timestamp, if it has one.
    pub created: Option<String>,
    /// The proof's `expires` timestamp, if it has one.
    pub expires: Option<String>,
    /// The proof's `proofPurpose` (always [`ASSERTION_METHOD`] here).
    pub proof_purpose: String,
    /// The proof's `cryptosuite` (always [`CRYPTOSUITE`] here).
    pub cryptosuite: String,
}

/// Signs `document` with an `eddsa-rdfc-2022` Data Integrity proof.
///
/// Returns the document with a `proof` member: `type` `DataIntegrityProof`, `cryptosuite`
/// `eddsa-rdfc-2022`, `created`, the given `verificationMethod`, `proofPurpose`
/// `assertionMethod`, and the `proofValue` (base58btc multibase of the 64-byte signature).
/// `created` should be an XML Schema dateTime such as `2024-01-01T00:00:00Z`.
///
/// # Errors
/// When the document is not a JSON object with an `@context`, already has a `proof`, or cannot
/// be canonicalized (see [`canon::canonicalize`]).
pub fn sign(
    document: &Value,
    key: &SigningKey,
    verification_method: &str,
    created: &str,
) -> Result<Value, ProofError> {
    let map = document
        .as_object()
        .ok_or_else(|| ProofError::InvalidDocument("it is not a JSON object".into()))?;
    if map.contains_key("proof") {
        return Err(ProofError::InvalidDocument(
            "it already has a `proof`; sign the document without it".into(),
        ));
    }
    let context = map
        .get("@context")
        .ok_or_else(|| ProofError::InvalidDocument("it has no `@context`".into()))?;

    let mut options = Map::new();
    options.insert("type".into(), PROOF_TYPE.into());
    options.insert("created".into(), created.into());
    options.insert("verificationMethod".into(), verification_method.into());
    options.insert("cryptosuite".into(), CRYPTOSUITE.into());
    options.insert("proofPurpose".into(), ASSERTION_METHOD.into());

    let mut config = options.clone();
    config.insert("@context".into(), context.clone());
    let data = hash_data(document, &Value::Object(config))?;
    let signature = key.sign(&data);

    options.insert(
        "proofValue".into(),
        multibase::encode(multibase::Base::Base58Btc, signature.to_bytes()).into(),
    );
    let mut signed = map.clone();
    signed.insert("proof".into(), Value::Object(options));
    Ok(Value::Object(signed))
}

/// Verifies the `eddsa-rdfc-2022` Data Integrity proof of `document`.
///
/// Follows the Data Integrity and EdDSA cryptosuite specifications: the proof must be a
/// `DataIntegrityProof` with cryptosuite `eddsa-rdfc-2022` and purpose `assertionMethod`; a
/// `@context` in the proof must match the start of the document's; the proof options take the
/// document's `@context`; the hashes of their canonical N-Quads and of the document without its
/// proof are verified against `proofValue` with the key `resolver` gives for the
/// `verificationMethod`. When `proof` is a list, the first `eddsa-rdfc-2022` proof is checked
/// (and the others are left out of the document, as for a proof set).
///
/// # Errors
/// [`ProofError::SignatureMismatch`] when the document or proof was changed or another key
/// signed; [`ProofError::ContextNotBundled`] naming a context this crate does not bundle; and the
/// other [`ProofError`] variants for malformed or unsupported proofs and unresolvable keys.
pub fn verify(document: &Value, resolver: &dyn KeyResolver) -> Result<VerifiedProof, ProofError> {
    let map = document
        .as_object()
        .ok_or_else(|| ProofError::InvalidDocument("it is not a JSON object".into()))?;
    let proof = select_proof(map.get("proof").ok_or(ProofError::NoProof)?)?;

    let purpose = string_member(proof, "proofPurpose")?;
    if purpose != ASSERTION_METHOD {
        return Err(ProofError::WrongPurpose {
            expected: ASSERTION_METHOD.into(),
            found: purpose.into(),
        });
    }
    let verification_method = string_member(proof, "verificationMethod")?;
    let signature = decode_proof_value(string_member(proof, "proofValue")?)?;
    let created = optional_string_member(proof, "created")?;
    let expires = optional_string_member(proof, "expires")?;

    let context = map
        .get("@context")
        .ok_or_else(|| ProofError::InvalidDocument("it has no `@context`".into()))?;
    let mut config = proof.clone();
    config.remove("proofValue");
    if let Some(proof_context) = config.get("@context") {
        if !context_starts_with(context, proof_context) {
            return Err(ProofError::ContextMismatch);
        }
    }
    config.insert("@context".into(), context.clone());

    let public_key =
        resolver
            .resolve(verification_method)
            .map_err(|e| ProofError::KeyResolution {
                verification_method: verification_method.into(),
                reason: e.to_string(),
            })?;

    let data = signed_hashes(
        &canon::canonicalize(&Value::Object(config))?,
        &canon::canonicalize_without(document, "proof")?,
    );
    public_key
        .verify_strict(&data, &signature)
        .map_err(|_| ProofError::SignatureMismatch)?;

    Ok(VerifiedProof {
        verification_method: verification_method.into(),
        public_key,
        created: created.map(str::to_owned),
        expires: expires.map(str::to_owned),
        proof_purpose: purpose.into(),
        cryptosuite: CRYPTOSUITE.into(),
    })
}

/// The 64 bytes an `eddsa-rdfc-2022` signature covers: SHA-256 of the canonical proof
/// configuration, then SHA-256 of the canonical document.
///
/// `unsecured_document` is the document without `proof`; `proof_config` is the proof without
/// `proofValue` and with the document's `@context`.
///
/// # Errors
/// When either cannot be canonicalized (see [`canon::canonicalize`]).
pub fn hash_data(unsecured_document: &Value, proof_config: &Value) -> Result<Vec<u8>, ProofError> {
    Ok(signed_hashes(
        &canon::canonicalize(proof_config)?,
        &canon::canonicalize(unsecured_document)?,
    ))
}

fn signed_hashes(proof_nquads: &str, document_nquads: &str) -> Vec<u8> {
    let mut data = Vec::with_capacity(64);
    data.extend_from_slice(&Sha256::digest(proof_nquads.as_bytes()));
    data.extend_from_slice(&Sha256::digest(document_nquads.as_bytes()));
    data
}

fn select_proof(proof: &Value) -> Result<&Map<String, Value>, ProofError> {
    let candidates: Vec<&Value> = match proof {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    let first = candidates
        .first()
        .ok_or_else(|| ProofError::MalformedProof("`proof` is an empty list".into()))?;
    let is_ours = |p: &&Value| {
        p.get("type").and_then(Value::as_str) == Some(PROOF_TYPE)
            && p.get("cryptosuite").and_then(Value::as_str) == Some(CRYPTOSUITE)
    };
    match candidates.iter().copied().find(is_ours) {
        Some(p) => p
            .as_object()
            .ok_or_else(|| ProofError::MalformedProof("the proof is not a JSON object".into())),
        None => Err(ProofError::UnsupportedProof {
            proof_type: describe(first.get("type")),
            cryptosuite: describe(first.get("cryptosuite")),
        }),
    }
}

fn describe(value: Option<&Value>) -> String {
    match value {
        None => "(none)".into(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn string_member<'a>(proof: &'a Map<String, Value>, name: &str) -> Result<&'a str, ProofError> {
    optional_string_member(proof, name)?
        .ok_or_else(|| ProofError::MalformedProof(format!("it has no `{name}`")))
}

fn optional_string_member<'a>(
    proof: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a str>, ProofError> {
    match proof.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ProofError::MalformedProof(format!(
            "`{name}` is not a string"
        ))),
    }
}

fn decode_proof_value(value: &str) -> Result<Signature, ProofError> {
    if !value.starts_with('z') {
        return Err(ProofError::MalformedProof(
            "`proofValue` is not multibase base58btc (it must start with 'z')".into(),
        ));
    }
    let (_, bytes) = multibase::decode(value)
        .map_err(|e| ProofError::MalformedProof(format!("`proofValue` does not decode: {e}")))?;
    let bytes: [u8; 64] = bytes.as_slice().try_into().map_err(|_| {
        ProofError::MalformedProof(format!(
            "`proofValue` is {} bytes long; an Ed25519 signature is 64",
            bytes.len()
        ))
    })?;
    Ok(Signature::from_bytes(&bytes))
}

/// Whether the document's `@context` starts with every entry of the proof's, in order.
fn context_starts_with(document: &Value, proof: &Value) -> bool {
    fn as_list(v: &Value) -> Vec<&Value> {
        match v {
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        }
    }
    let (document, proof) = (as_list(document), as_list(proof));
    proof.len() <= document.len() && proof.iter().zip(&document).all(|(p, d)| p == d)
}
