//! Signing an Open Badges 3.0 credential with the issuer's key, as a Data Integrity proof
//! (`eddsa-rdfc-2022`).

use ed25519_dalek::SigningKey;
use openbadges::proof::{data_integrity, did_key};
use serde_json::Value;

/// Why a credential could not be signed.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("the credential must be a JSON object")]
    NotAnObject,
    #[error("the issuer {issuer} is a did:key of another key than the one given ({key_did})")]
    KeyNotTheIssuers { issuer: String, key_did: String },
    #[error("{0}")]
    Proof(String),
}

/// The verification method the proof names: the key's own for a `did:key` issuer, otherwise
/// `{issuer}#key-1`, which the issuer's DID document or profile must list.
pub fn verification_method_for(issuer: &str, key: &SigningKey) -> Result<String, SignError> {
    let key_did = did_key::did(&key.verifying_key());
    if issuer.starts_with("did:key:") {
        if issuer != key_did {
            return Err(SignError::KeyNotTheIssuers {
                issuer: issuer.to_string(),
                key_did,
            });
        }
        return Ok(did_key::verification_method(&key.verifying_key()));
    }
    Ok(format!("{issuer}#key-1"))
}

/// Sets the credential's issuer to `issuer` (keeping an issuer profile's other fields) and adds
/// a Data Integrity proof created now.
pub fn sign_credential(
    credential: &Value,
    issuer: &str,
    key: &SigningKey,
) -> Result<Value, SignError> {
    let mut credential = credential.clone();
    let map = credential.as_object_mut().ok_or(SignError::NotAnObject)?;
    match map.get_mut("issuer") {
        Some(Value::Object(profile)) => {
            profile.insert("id".to_string(), Value::String(issuer.to_string()));
        }
        _ => {
            map.insert("issuer".to_string(), Value::String(issuer.to_string()));
        }
    }
    let method = verification_method_for(issuer, key)?;
    let created = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    data_integrity::sign(&credential, key, &method, &created)
        .map_err(|e| SignError::Proof(e.to_string()))
}

/// Sets the issuer like [`sign_credential`] and signs the credential as a VC-JWT (EdDSA), the
/// key named in the header's `kid`.
pub fn sign_credential_jwt(
    credential: &Value,
    issuer: &str,
    key: &SigningKey,
) -> Result<String, SignError> {
    let credential = with_issuer(credential, issuer)?;
    let method = verification_method_for(issuer, key)?;
    openbadges::proof::jwt::sign_ed25519(&credential, key, &method)
        .map_err(|e| SignError::Proof(e.to_string()))
}

/// The credential with its issuer's id set (an issuer profile keeps its other fields).
fn with_issuer(credential: &Value, issuer: &str) -> Result<Value, SignError> {
    let mut credential = credential.clone();
    let map = credential.as_object_mut().ok_or(SignError::NotAnObject)?;
    match map.get_mut("issuer") {
        Some(Value::Object(profile)) => {
            profile.insert("id".to_string(), Value::String(issuer.to_string()));
        }
        _ => {
            map.insert("issuer".to_string(), Value::String(issuer.to_string()));
        }
    }
    Ok(credential)
}
