//! The community as an issuer: its `did:web` identity and Ed25519 signing keys.
//!
//! The DID follows from the public URL (`--public-url`): `https://badges.example.org` is
//! `did:web:badges.example.org`, a port becomes `%3A8080`, a path adds `:segments` (the DID
//! document is then served at `{path}/did.json`, which the router answers as `/did.json`).
//!
//! Keys live in `{data_dir}/keys/issuer-{created_ms}.json`, written with mode 0600 by
//! `recognition::keys`, generated on first start and never deleted: the DID document lists every
//! key the community ever signed with, so credentials signed before a rotation stay verifiable,
//! and the newest key signs. Several processes sharing one PostgreSQL share the keys directory
//! (or a copy of it); a process that finds no key makes one, so copy the directory before
//! starting a second machine.

use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use openbadges::proof::did_key;
use serde_json::{json, Value};

use super::keys::{self, KeyError};

/// The issuer's identity and keys, loaded once at start-up.
pub struct Issuer {
    /// `did:web:…` of the public URL.
    pub did: String,
    /// Oldest first; the last one signs.
    keys: Vec<IssuerKey>,
}

struct IssuerKey {
    verification_method: String,
    key: SigningKey,
}

impl std::fmt::Debug for Issuer {
    // Never the secret keys, not even in debug logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issuer")
            .field("did", &self.did)
            .field(
                "keys",
                &self
                    .keys
                    .iter()
                    .map(|k| k.verification_method.as_str())
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// Why the issuer could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum IssuerError {
    #[error("the public URL {0:?} cannot name a did:web issuer: {1}")]
    PublicUrl(String, String),
    #[error("cannot use the keys directory {path}: {source}")]
    KeysDir {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Key(#[from] KeyError),
}

impl Issuer {
    /// Loads the issuer's keys from `{data_dir}/keys`, making the first one if there is none.
    pub fn load_or_create(data_dir: &Path, public_url: &str) -> Result<Issuer, IssuerError> {
        let did = did_web(public_url)?;
        let dir = keys_dir(data_dir);
        let mut files = key_files(&dir)?;
        if files.is_empty() {
            files.push(new_key_file(&dir)?);
        }
        let keys = files
            .iter()
            .map(|path| {
                let key = keys::read_key_file(path)?;
                let fragment = did_key::encode_public_key(&key.verifying_key());
                Ok(IssuerKey {
                    verification_method: format!("{did}#{fragment}"),
                    key,
                })
            })
            .collect::<Result<Vec<_>, KeyError>>()?;
        Ok(Issuer { did, keys })
    }

    /// The key that signs now, and its verification method id.
    pub fn signing_key(&self) -> (&SigningKey, &str) {
        // `load_or_create` never leaves the list empty.
        let newest = &self.keys[self.keys.len() - 1];
        (&newest.key, &newest.verification_method)
    }

    /// The DID document served at `/.well-known/did.json`: every key, each usable for
    /// `assertionMethod`.
    pub fn did_document(&self) -> Value {
        let methods: Vec<Value> = self
            .keys
            .iter()
            .map(|k| {
                json!({
                    "id": k.verification_method,
                    "type": "Multikey",
                    "controller": self.did,
                    "publicKeyMultibase": did_key::encode_public_key(&k.key.verifying_key()),
                })
            })
            .collect();
        let ids: Vec<&str> = self
            .keys
            .iter()
            .map(|k| k.verification_method.as_str())
            .collect();
        json!({
            "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
            "id": self.did,
            "verificationMethod": methods,
            "assertionMethod": ids,
        })
    }
}

/// Adds a new signing key (key rotation); earlier keys stay in the DID document. Returns the
/// new key's file.
pub fn rotate_key(data_dir: &Path) -> Result<PathBuf, IssuerError> {
    new_key_file(&keys_dir(data_dir))
}

fn keys_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("keys")
}

/// The issuer key files, oldest first (their names carry the creation time).
fn key_files(dir: &Path) -> Result<Vec<PathBuf>, IssuerError> {
    let io = |source| IssuerError::KeysDir {
        path: dir.display().to_string(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("issuer-") && n.ends_with(".json"))
        })
        .collect();
    files.sort_by_key(|path| created_of(path));
    Ok(files)
}

fn created_of(path: &Path) -> (u64, String) {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let millis = name
        .trim_start_matches("issuer-")
        .trim_end_matches(".json")
        .parse()
        .unwrap_or(0);
    (millis, name.to_owned())
}

fn new_key_file(dir: &Path) -> Result<PathBuf, IssuerError> {
    std::fs::create_dir_all(dir).map_err(|source| IssuerError::KeysDir {
        path: dir.display().to_string(),
        source,
    })?;
    let mut millis = crate::store::now().max(0);
    loop {
        let path = dir.join(format!("issuer-{millis}.json"));
        match keys::generate_key_file(&path) {
            Ok(_) => return Ok(path),
            // Two keys in one millisecond (or two processes racing): take the next name.
            Err(KeyError::Exists { .. }) => millis += 1,
            Err(e) => return Err(e.into()),
        }
    }
}

/// The `did:web` DID of a public URL (`http(s)://host[:port][/path]`).
pub fn did_web(public_url: &str) -> Result<String, IssuerError> {
    let bad = |why: &str| IssuerError::PublicUrl(public_url.to_owned(), why.to_owned());
    let url = url::Url::parse(public_url).map_err(|e| bad(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("it must be an http(s) URL"));
    }
    let host = url.host_str().ok_or_else(|| bad("it has no host"))?;
    let mut did = format!("did:web:{host}");
    if let Some(port) = url.port() {
        did.push_str(&format!("%3A{port}"));
    }
    for segment in url.path_segments().into_iter().flatten() {
        if segment.is_empty() {
            continue;
        }
        if !segment
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '~'))
        {
            return Err(bad("its path has characters a did:web cannot carry"));
        }
        did.push(':');
        did.push_str(segment);
    }
    Ok(did)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_did_follows_the_public_url() {
        assert_eq!(
            did_web("https://badges.example.org").unwrap(),
            "did:web:badges.example.org"
        );
        assert_eq!(
            did_web("http://127.0.0.1:8080/").unwrap(),
            "did:web:127.0.0.1%3A8080"
        );
        assert_eq!(
            did_web("https://example.org/community/badges").unwrap(),
            "did:web:example.org:community:badges"
        );
        assert!(did_web("ftp://example.org").is_err());
        assert!(did_web("not a url").is_err());
    }

    #[test]
    fn keys_are_made_once_kept_private_and_rotation_keeps_the_old_ones() {
        let dir = std::env::temp_dir().join(format!("bc-issuer-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let first = Issuer::load_or_create(&dir, "https://badges.example.org").unwrap();
        let again = Issuer::load_or_create(&dir, "https://badges.example.org").unwrap();
        assert_eq!(first.signing_key().1, again.signing_key().1, "same key");
        #[cfg(unix)]
        for path in key_files(&keys_dir(&dir)).unwrap() {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        rotate_key(&dir).unwrap();
        let rotated = Issuer::load_or_create(&dir, "https://badges.example.org").unwrap();
        assert_ne!(
            rotated.signing_key().1,
            first.signing_key().1,
            "new key signs"
        );
        let doc = rotated.did_document();
        let methods = doc["assertionMethod"].as_array().unwrap();
        assert_eq!(methods.len(), 2, "the old key stays: {doc}");
        assert!(methods.iter().any(|m| m == first.signing_key().1));
        assert!(!format!("{rotated:?}").contains("secret"));
        std::fs::remove_dir_all(dir).ok();
    }
}
