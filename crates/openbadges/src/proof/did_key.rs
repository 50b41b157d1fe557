//! Ed25519 `did:key` identifiers and Multikey public keys.
//!
//! An Ed25519 public key is written as the multicodec prefix `0xed 0x01` followed by the 32 key
//! bytes, multibase-encoded in base58btc: a string starting `z6Mk`. That string is the Multikey
//! `publicKeyMultibase`; `did:key:` in front of it is the DID, and the DID with the same string as
//! fragment (`did:key:z6Mk…#z6Mk…`) is its only verification method.
//!
//! ```
//! use ed25519_dalek::SigningKey;
//! use openbadges::proof::did_key;
//!
//! let key = SigningKey::from_bytes(&[7u8; 32]).verifying_key();
//! let vm = did_key::verification_method(&key);
//! assert!(vm.starts_with("did:key:z6Mk"));
//! assert_eq!(did_key::resolve_verification_method(&vm).unwrap(), key);
//! ```

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use ed25519_dalek::VerifyingKey;
use serde_json::{json, Value};

use super::data_integrity::{KeyResolver, ResolveError};

/// The multicodec prefix of an Ed25519 public key (`0xed`, as an unsigned varint).
pub const ED25519_PUB_MULTICODEC: [u8; 2] = [0xed, 0x01];

/// Why a `did:key` or a `publicKeyMultibase` could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DidKeyError {
    /// The identifier does not start with `did:key:`.
    #[error("{0:?} is not a did:key identifier")]
    NotDidKey(String),
    /// The key is not multibase base58btc (it must start with `z`).
    #[error("the key {0:?} is not multibase base58btc (it must start with 'z')")]
    NotBase58Btc(String),
    /// The multibase text does not decode.
    #[error("the key {key:?} does not decode: {reason}")]
    Undecodable {
        /// The key text.
        key: String,
        /// What the decoder said.
        reason: String,
    },
    /// The key is not an Ed25519 public key (wrong multicodec prefix or length).
    #[error("the key {0:?} is not an Ed25519 public key (multicodec 0xed01 followed by 32 bytes)")]
    NotEd25519(String),
    /// The bytes are not a valid Ed25519 point.
    #[error("the key {0:?} is not a valid Ed25519 public key")]
    InvalidKey(String),
    /// The verification method's fragment is not the key of its DID.
    #[error("verification method {0:?}: the fragment must repeat the did:key's key")]
    FragmentMismatch(String),
}

/// The Multikey `publicKeyMultibase` of an Ed25519 public key (`z6Mk…`).
pub fn encode_public_key(key: &VerifyingKey) -> String {
    let mut bytes = Vec::with_capacity(34);
    bytes.extend_from_slice(&ED25519_PUB_MULTICODEC);
    bytes.extend_from_slice(key.as_bytes());
    multibase::encode(multibase::Base::Base58Btc, bytes)
}

/// Decodes a Multikey `publicKeyMultibase` holding an Ed25519 public key.
///
/// # Errors
/// When the text is not base58btc multibase, not an Ed25519 multicodec key, or not a valid point.
pub fn decode_public_key(multibase_key: &str) -> Result<VerifyingKey, DidKeyError> {
    // Decoding decompresses a curve point (a field square root), several microseconds of a
    // verification; issuers are few and sign many credentials, so decoded keys are kept (up to
    // a bound).
    const KEPT: usize = 1_024;
    static DECODED: OnceLock<Mutex<HashMap<String, VerifyingKey>>> = OnceLock::new();
    let decoded = DECODED.get_or_init(Default::default);
    if let Some(key) = decoded
        .lock()
        .ok()
        .and_then(|d| d.get(multibase_key).copied())
    {
        return Ok(key);
    }
    let key = decode_uncached(multibase_key)?;
    if let Ok(mut d) = decoded.lock() {
        if d.len() >= KEPT {
            d.clear();
        }
        d.insert(multibase_key.to_owned(), key);
    }
    Ok(key)
}

fn decode_uncached(multibase_key: &str) -> Result<VerifyingKey, DidKeyError> {
    if !multibase_key.starts_with('z') {
        return Err(DidKeyError::NotBase58Btc(multibase_key.to_owned()));
    }
    let (_, bytes) = multibase::decode(multibase_key).map_err(|e| DidKeyError::Undecodable {
        key: multibase_key.to_owned(),
        reason: e.to_string(),
    })?;
    let raw = bytes
        .strip_prefix(&ED25519_PUB_MULTICODEC)
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| DidKeyError::NotEd25519(multibase_key.to_owned()))?;
    VerifyingKey::from_bytes(&raw).map_err(|_| DidKeyError::InvalidKey(multibase_key.to_owned()))
}

/// The `did:key` DID of an Ed25519 public key (`did:key:z6Mk…`).
pub fn did(key: &VerifyingKey) -> String {
    format!("did:key:{}", encode_public_key(key))
}

/// The verification method id of an Ed25519 `did:key` (`did:key:z6Mk…#z6Mk…`).
pub fn verification_method(key: &VerifyingKey) -> String {
    let mb = encode_public_key(key);
    format!("did:key:{mb}#{mb}")
}

/// The public key in a `did:key` DID (`did:key:z6Mk…`, with or without a `#fragment`).
///
/// A fragment, if present, must repeat the key (as in `did:key:z6Mk…#z6Mk…`).
///
/// # Errors
/// When the DID is not an Ed25519 `did:key` or the fragment names another key.
pub fn resolve_verification_method(id: &str) -> Result<VerifyingKey, DidKeyError> {
    let rest = id
        .strip_prefix("did:key:")
        .ok_or_else(|| DidKeyError::NotDidKey(id.to_owned()))?;
    let (key, fragment) = match rest.split_once('#') {
        Some((key, fragment)) => (key, Some(fragment)),
        None => (rest, None),
    };
    if fragment.is_some_and(|f| f != key) {
        return Err(DidKeyError::FragmentMismatch(id.to_owned()));
    }
    decode_public_key(key)
}

/// The DID document of an Ed25519 `did:key`, with its Multikey verification method usable for
/// `assertionMethod` and `authentication`.
pub fn did_document(key: &VerifyingKey) -> Value {
    let did = did(key);
    let vm = verification_method(key);
    json!({
        "@context": [
            "https://www.w3.org/ns/did/v1",
            crate::contexts::MULTIKEY_V1,
        ],
        "id": did,
        "verificationMethod": [{
            "id": vm,
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": encode_public_key(key),
        }],
        "authentication": [vm],
        "assertionMethod": [vm],
        "capabilityDelegation": [vm],
        "capabilityInvocation": [vm],
    })
}

/// A [`KeyResolver`] for `did:key` verification methods only (nothing is fetched).
///
/// Other verification methods (`did:web`, HTTPS URLs) are refused; the verification pipeline
/// resolves those through its `Fetch`.
#[derive(Debug, Clone, Copy, Default)]
pub struct DidKeyResolver;

impl KeyResolver for DidKeyResolver {
    fn resolve(&self, verification_method: &str) -> Result<VerifyingKey, ResolveError> {
        Ok(resolve_verification_method(verification_method)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vector_key_round_trips() {
        // The key of 1EdTech's Open Badges 3.0 Data Integrity test vector.
        let mb = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi";
        let key = decode_public_key(mb).expect("decodes");
        assert_eq!(
            key.as_bytes()[..4],
            [0x4b, 0xde, 0xaf, 0xde],
            "public key bytes"
        );
        assert_eq!(encode_public_key(&key), mb);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(matches!(
            resolve_verification_method("did:web:example.com#key-1"),
            Err(DidKeyError::NotDidKey(_))
        ));
        assert!(matches!(
            decode_public_key("f00"),
            Err(DidKeyError::NotBase58Btc(_))
        ));
        assert!(matches!(
            decode_public_key("z0OIl"),
            Err(DidKeyError::Undecodable { .. })
        ));
        // A base58btc secp256k1 key (multicodec 0xe7).
        assert!(matches!(
            decode_public_key("zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme"),
            Err(DidKeyError::NotEd25519(_))
        ));
        let key =
            decode_public_key("z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi").expect("decodes");
        let other = ed25519_dalek::SigningKey::from_bytes(&[1u8; 32]).verifying_key();
        let mixed = format!("{}#{}", did(&key), encode_public_key(&other));
        assert!(matches!(
            resolve_verification_method(&mixed),
            Err(DidKeyError::FragmentMismatch(_))
        ));
    }
}
