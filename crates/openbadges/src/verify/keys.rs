//! Issuer keys: resolving verification methods and deciding whether they belong to the issuer.
//!
//! A proof names the key that made it: a Data Integrity `verificationMethod`, or a VC-JWT
//! header's `kid` (or an inline `jwk`). [`resolve_method`] turns such an id into a public key:
//!
//! - `did:key:z6Mk…` (Ed25519 multikey): decoded, nothing fetched;
//! - `did:web:host[:path…]#frag`: the DID document is fetched through [`Fetch`] from
//!   `https://host/.well-known/did.json` (or `https://host/path/did.json`), and the method's
//!   `publicKeyMultibase` or `publicKeyJwk` read;
//! - an `https://` URL: the document at the URL (without fragment) is fetched; it may be a JWK,
//!   a JWK Set, a `Multikey` document, or a controller document or issuer profile listing
//!   `verificationMethod`s.
//!
//! A key alone proves nothing about *who* signed: [`check_issuer_binding`] decides whether the
//! method belongs to the credential's issuer (the method's DID or URL, before `#`, is the
//! issuer's id, or the issuer's DID document lists it under `assertionMethod`), and
//! [`check_issuer_key`] does the same for a key that came without an id (an inline `jwk`).

use serde_json::{Map, Value};

use super::fetch::Fetch;
use crate::model::common::MAX_DOCUMENT_BYTES;
use crate::proof::did_key;
use crate::proof::jwt::PublicKey;

/// A verification method that was found, with its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedMethod {
    /// The method's id as it was asked for.
    pub id: String,
    /// The public key.
    pub key: PublicKey,
    /// The method's `controller`, when the document states one.
    pub controller: Option<String>,
    /// Where the key was found (`did:key`, a URL fetched), for messages.
    pub source: String,
}

/// Why a verification method or an issuer's document could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct KeyError(pub String);

/// The part of a method id before `#`: the DID or URL of its controller document.
pub fn method_base(id: &str) -> &str {
    id.split_once('#').map_or(id, |(base, _)| base)
}

/// The HTTPS URL of the DID document of a `did:web` DID (without fragment).
///
/// `did:web:example.com` → `https://example.com/.well-known/did.json`;
/// `did:web:example.com%3A8443:users:alice` → `https://example.com:8443/users/alice/did.json`.
///
/// # Errors
/// When the DID is not `did:web`, or its host or path contain characters that could change the
/// URL's meaning (`/`, `@`, `?`, spaces, …).
pub fn did_web_url(did: &str) -> Result<String, KeyError> {
    did_web_url_with_scheme(did, |_| false)
}

/// [`did_web_url`], with `http://` for hosts that `plain_http` allows (local test servers).
fn did_web_url_with_scheme(
    did: &str,
    plain_http: impl Fn(&str) -> bool,
) -> Result<String, KeyError> {
    let did = method_base(did);
    let rest = did
        .strip_prefix("did:web:")
        .ok_or_else(|| KeyError(format!("{} is not a did:web DID", short(did))))?;
    let mut parts = rest.split(':');
    let host_enc = parts.next().unwrap_or("");
    let host = host_enc.replace("%3A", ":").replace("%3a", ":");
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
        && !host.starts_with(['.', '-', ':']);
    if !host_ok {
        return Err(KeyError(format!(
            "{} does not name a valid host",
            short(did)
        )));
    }
    let path: Vec<&str> = parts.collect();
    for segment in &path {
        let ok = !segment.is_empty()
            && *segment != "."
            && *segment != ".."
            && segment
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '~'));
        if !ok {
            return Err(KeyError(format!(
                "{} has an invalid path segment {:?}",
                short(did),
                short(segment)
            )));
        }
    }
    let scheme = if plain_http(&host) { "http" } else { "https" };
    Ok(if path.is_empty() {
        format!("{scheme}://{host}/.well-known/did.json")
    } else {
        format!("{scheme}://{host}/{}/did.json", path.join("/"))
    })
}

/// Fetches `url` and parses it as a JSON object.
///
/// # Errors
/// When the fetch fails, the status is not 2xx, the body is too large, or not a JSON object.
pub async fn fetch_json(url: &str, accept: &str, fetch: &dyn Fetch) -> Result<Value, KeyError> {
    let doc = fetch
        .fetch(url, accept)
        .await
        .map_err(|e| KeyError(format!("{} could not be fetched: {e}", short(url))))?;
    if !(200..300).contains(&doc.status) {
        return Err(KeyError(format!(
            "{} answered with HTTP status {}",
            short(url),
            doc.status
        )));
    }
    if doc.body.len() > MAX_DOCUMENT_BYTES {
        return Err(KeyError(format!(
            "{} sent {} bytes, more than the {MAX_DOCUMENT_BYTES} accepted",
            short(url),
            doc.body.len()
        )));
    }
    match serde_json::from_slice::<Value>(&doc.body) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err(KeyError(format!(
            "{} did not send a JSON object",
            short(url)
        ))),
        Err(e) => Err(KeyError(format!("{} did not send JSON: {e}", short(url)))),
    }
}

/// The DID document (or controller document) of a DID or URL: did:key documents are derived,
/// did:web documents and URLs fetched (the document's `id` must be the DID or URL asked for).
///
/// # Errors
/// When it cannot be fetched or derived, or its `id` is another.
pub async fn controller_document(id: &str, fetch: &dyn Fetch) -> Result<Value, KeyError> {
    let base = method_base(id);
    if base.starts_with("did:key:") {
        let key =
            did_key::resolve_verification_method(base).map_err(|e| KeyError(e.to_string()))?;
        return Ok(did_key::did_document(&key));
    }
    let (url, accept) = if base.starts_with("did:web:") {
        (
            did_web_url_with_scheme(base, |host| fetch.plain_http_allowed(host))?,
            "application/did+json, application/json",
        )
    } else if base.starts_with("https://") || base.starts_with("http://") {
        (
            base.to_owned(),
            "application/did+json, application/ld+json, application/json",
        )
    } else {
        return Err(KeyError(format!(
            "{} cannot be resolved: only did:key, did:web and https URLs are supported",
            short(base)
        )));
    };
    let doc = fetch_json(&url, accept, fetch).await?;
    if let Some(doc_id) = doc.get("id").and_then(Value::as_str) {
        if doc_id != base {
            return Err(KeyError(format!(
                "the document at {} has id {}, not {}",
                short(&url),
                short(doc_id),
                short(base)
            )));
        }
    }
    Ok(doc)
}

/// Resolves a verification method id to its public key (see the module documentation).
///
/// # Errors
/// When the id's scheme is unsupported, a document cannot be fetched or parsed, the method is
/// not in it, or its key is unusable.
pub async fn resolve_method(id: &str, fetch: &dyn Fetch) -> Result<ResolvedMethod, KeyError> {
    let base = method_base(id);
    if base.starts_with("did:key:") {
        let key = did_key::resolve_verification_method(id).map_err(|e| KeyError(e.to_string()))?;
        return Ok(ResolvedMethod {
            id: id.to_owned(),
            key: PublicKey::Ed25519(key),
            controller: Some(base.to_owned()),
            source: "did:key".into(),
        });
    }
    let is_url = base.starts_with("https://") || base.starts_with("http://");
    if !base.starts_with("did:web:") && !is_url {
        return Err(KeyError(format!(
            "{} cannot be resolved: only did:key, did:web and https URLs are supported",
            short(id)
        )));
    }
    let source = if is_url {
        base.to_owned()
    } else {
        did_web_url_with_scheme(base, |host| fetch.plain_http_allowed(host))?
    };
    let doc = if is_url {
        // The document may be a bare key (JWK, Multikey) without the controller's id.
        fetch_json(
            base,
            "application/did+json, application/ld+json, application/json",
            fetch,
        )
        .await?
    } else {
        controller_document(base, fetch).await?
    };
    let method = find_method(&doc, id, base)
        .ok_or_else(|| KeyError(format!("{} is not listed in {}", short(id), short(&source))))?;
    let key = key_of(&method).map_err(|e| KeyError(format!("{}: {e}", short(id))))?;
    let controller = method
        .get("controller")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| doc.get("id").and_then(Value::as_str).map(str::to_owned));
    Ok(ResolvedMethod {
        id: id.to_owned(),
        key,
        controller,
        source,
    })
}

/// Whether a method reference (absolute, or relative `#frag`) names `id` within a document
/// whose base is `base`.
fn names(reference: &str, id: &str, base: &str) -> bool {
    if reference == id {
        return true;
    }
    match (reference.strip_prefix('#'), id.split_once('#')) {
        (Some(frag), Some((b, f))) => b == base && f == frag,
        _ => false,
    }
}

/// Finds the verification method `id` in a fetched document.
fn find_method(doc: &Value, id: &str, base: &str) -> Option<Map<String, Value>> {
    let obj = doc.as_object()?;
    let fragment = id.split_once('#').map(|(_, f)| f);
    // A bare JWK.
    if obj.contains_key("kty") {
        let kid_ok = match obj.get("kid").and_then(Value::as_str) {
            None => true,
            Some(kid) => kid == id || Some(kid) == fragment || names(kid, id, base),
        };
        return kid_ok.then(|| jwk_method(obj));
    }
    // A JWK Set.
    if let Some(Value::Array(keys)) = obj.get("keys") {
        let objects: Vec<&Map<String, Value>> = keys.iter().filter_map(Value::as_object).collect();
        let by_kid = objects.iter().find(|k| {
            k.get("kid")
                .and_then(Value::as_str)
                .is_some_and(|kid| kid == id || Some(kid) == fragment || names(kid, id, base))
        });
        return match by_kid {
            Some(k) => Some(jwk_method(k)),
            None if objects.len() == 1 && fragment.is_none() => Some(jwk_method(objects[0])),
            None => None,
        };
    }
    // A single Multikey (or other) verification method document.
    if obj.contains_key("publicKeyMultibase") || obj.contains_key("publicKeyJwk") {
        let own_id = obj.get("id").and_then(Value::as_str);
        if own_id.is_none_or(|own| own == id || own == base) {
            return Some(obj.clone());
        }
    }
    // A controller document / DID document / issuer profile.
    for list in [
        "verificationMethod",
        "assertionMethod",
        "authentication",
        "publicKey",
    ] {
        let entries: Vec<&Value> = match obj.get(list) {
            Some(Value::Array(a)) => a.iter().collect(),
            Some(v @ Value::Object(_)) => vec![v],
            _ => continue,
        };
        for entry in entries {
            if let Some(m) = entry.as_object() {
                if m.get("id")
                    .and_then(Value::as_str)
                    .is_some_and(|mid| names(mid, id, base))
                {
                    return Some(m.clone());
                }
            }
        }
    }
    None
}

fn jwk_method(jwk: &Map<String, Value>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("publicKeyJwk".into(), Value::Object(jwk.clone()));
    m
}

/// The public key of a verification method object.
fn key_of(method: &Map<String, Value>) -> Result<PublicKey, String> {
    if let Some(mb) = method.get("publicKeyMultibase") {
        let mb = mb
            .as_str()
            .ok_or_else(|| "`publicKeyMultibase` is not a string".to_owned())?;
        return did_key::decode_public_key(mb)
            .map(PublicKey::Ed25519)
            .map_err(|e| e.to_string());
    }
    if let Some(jwk) = method.get("publicKeyJwk") {
        return PublicKey::from_jwk(jwk).map_err(|e| e.to_string());
    }
    if let Some(b58) = method.get("publicKeyBase58").and_then(Value::as_str) {
        // Ed25519VerificationKey2018: the raw 32 bytes in base58btc, without multibase prefix.
        let (_, bytes) = multibase::decode(format!("z{b58}")).map_err(|e| e.to_string())?;
        let raw: [u8; 32] = bytes
            .try_into()
            .map_err(|_| "`publicKeyBase58` is not a 32-byte Ed25519 key".to_owned())?;
        return ed25519_dalek::VerifyingKey::from_bytes(&raw)
            .map(PublicKey::Ed25519)
            .map_err(|_| "`publicKeyBase58` is not a valid Ed25519 key".to_owned());
    }
    Err("the method has no `publicKeyMultibase` or `publicKeyJwk`".into())
}

/// The references listed under `assertionMethod` in a controller document, as absolute ids.
fn assertion_methods(doc: &Value, base: &str) -> Vec<(String, Option<Map<String, Value>>)> {
    let entries: Vec<&Value> = match doc.get("assertionMethod") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v) => vec![v],
        None => Vec::new(),
    };
    let absolute = |r: &str| {
        if r.starts_with('#') {
            format!("{base}{r}")
        } else {
            r.to_owned()
        }
    };
    entries
        .into_iter()
        .filter_map(|e| match e {
            Value::String(r) => Some((absolute(r), None)),
            Value::Object(m) => m
                .get("id")
                .and_then(Value::as_str)
                .map(|r| (absolute(r), Some(m.clone()))),
            _ => None,
        })
        .collect()
}

/// Decides whether the verification method `method_id` belongs to the issuer `issuer_id`.
///
/// It does when the method's DID or URL (before `#`) is the issuer's id, or when the issuer's
/// DID document (or controller document) lists the method under `assertionMethod`. Returns a
/// message for the report either way.
///
/// # Errors
/// The message saying whose key it is instead, e.g. "the proof was made with a key of
/// did:key:zB…, not of the issuer did:key:zA…".
pub async fn check_issuer_binding(
    method_id: &str,
    issuer_id: &str,
    fetch: &dyn Fetch,
) -> Result<String, String> {
    let base = method_base(method_id);
    if base == issuer_id {
        return Ok(format!(
            "the key {} belongs to the issuer {}",
            short(method_id),
            short(issuer_id)
        ));
    }
    let not_issuers = |why: &str| {
        format!(
            "the proof was made with a key of {}, not of the issuer {}{why}",
            short(base),
            short(issuer_id)
        )
    };
    match controller_document(issuer_id, fetch).await {
        Ok(doc) => {
            let listed = assertion_methods(&doc, method_base(issuer_id))
                .iter()
                .any(|(r, _)| r == method_id);
            if listed {
                Ok(format!(
                    "the key {} is listed in the issuer {}'s assertionMethod",
                    short(method_id),
                    short(issuer_id)
                ))
            } else {
                Err(not_issuers(
                    " (the issuer's document does not list it under assertionMethod)",
                ))
            }
        }
        Err(e) => Err(not_issuers(&format!(
            " (the issuer's document could not be checked: {e})"
        ))),
    }
}

/// Decides whether a key that came without an id (a VC-JWT's inline `jwk`) is a key of the
/// issuer: the issuer's `did:key`, or a method listed under `assertionMethod` in the issuer's
/// DID or controller document, must have the same key.
///
/// # Errors
/// A message saying that nothing ties the key to the issuer, and why.
pub async fn check_issuer_key(
    key: &PublicKey,
    issuer_id: &str,
    fetch: &dyn Fetch,
) -> Result<String, String> {
    let doc = controller_document(issuer_id, fetch).await.map_err(|e| {
        format!(
            "the token's own key (`jwk`) cannot be tied to the issuer {}: {e}",
            short(issuer_id)
        )
    })?;
    let base = method_base(issuer_id);
    for (reference, embedded) in assertion_methods(&doc, base) {
        let method = embedded.or_else(|| find_method(&doc, &reference, base));
        if let Some(method) = method {
            if key_of(&method).is_ok_and(|k| &k == key) {
                return Ok(format!(
                    "the token's key is the issuer's assertion method {}",
                    short(&reference)
                ));
            }
        }
    }
    Err(format!(
        "the token carries its own key (`jwk`), and it is not one of the issuer {}'s assertion keys",
        short(issuer_id)
    ))
}

fn short(s: &str) -> String {
    const MAX: usize = 200;
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(MAX).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_web_urls() {
        assert_eq!(
            did_web_url("did:web:example.com").unwrap(),
            "https://example.com/.well-known/did.json"
        );
        assert_eq!(
            did_web_url("did:web:example.com%3A8443:users:alice#key-1").unwrap(),
            "https://example.com:8443/users/alice/did.json"
        );
        for bad in [
            "did:web:",
            "did:web:evil.com/x",
            "did:web:a@b",
            "did:web:example.com:..",
            "did:web:example.com::x",
            "did:key:z6Mk",
        ] {
            assert!(did_web_url(bad).is_err(), "{bad}");
        }
    }
}
