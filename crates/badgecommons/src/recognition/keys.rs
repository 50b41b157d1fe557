//! The issuer's Ed25519 signing key, kept in a file only its owner can read (mode 0600).
//!
//! The file is JSON: the key's `did:key` and public Multikey (so a host can publish them) and
//! the 32-byte secret seed in base64url. Why not a PEM/PKCS#8 file: the tools of this ecosystem
//! (DID documents, Data Integrity) speak Multikey and DIDs, and one readable file says both.

use std::io::Write;
use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::SigningKey;
use openbadges::proof::did_key;
use rand::rngs::OsRng;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct KeyFile {
    #[serde(rename = "type")]
    kind: String,
    did: String,
    public_key_multibase: String,
    secret_key_seed: String,
}

const KIND: &str = "Ed25519 signing key (Badge Commons)";

/// Why a key file could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{path} already exists: refusing to overwrite a signing key")]
    Exists { path: String },
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not a Badge Commons key file: {reason}")]
    Invalid { path: String, reason: String },
}

/// Makes a new key and writes it to `path` (which must not exist), readable by its owner only.
pub fn generate_key_file(path: &Path) -> Result<SigningKey, KeyError> {
    let key = SigningKey::generate(&mut OsRng);
    let file = KeyFile {
        kind: KIND.to_string(),
        did: did_key::did(&key.verifying_key()),
        public_key_multibase: did_key::encode_public_key(&key.verifying_key()),
        secret_key_seed: URL_SAFE_NO_PAD.encode(key.to_bytes()),
    };
    let text = serde_json::to_string_pretty(&file).map_err(|e| KeyError::Invalid {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut out = options.open(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::AlreadyExists => KeyError::Exists {
            path: path.display().to_string(),
        },
        _ => KeyError::Write {
            path: path.display().to_string(),
            source,
        },
    })?;
    out.write_all(text.as_bytes())
        .and_then(|()| out.write_all(b"\n"))
        .map_err(|source| KeyError::Write {
            path: path.display().to_string(),
            source,
        })?;
    Ok(key)
}

/// Reads a key written by [`generate_key_file`].
pub fn read_key_file(path: &Path) -> Result<SigningKey, KeyError> {
    let invalid = |reason: String| KeyError::Invalid {
        path: path.display().to_string(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|source| KeyError::Read {
        path: path.display().to_string(),
        source,
    })?;
    let file: KeyFile = serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
    let seed = URL_SAFE_NO_PAD
        .decode(file.secret_key_seed.trim())
        .map_err(|e| invalid(format!("secretKeySeed: {e}")))?;
    let seed: [u8; 32] = seed
        .try_into()
        .map_err(|_| invalid("secretKeySeed must be 32 bytes".to_string()))?;
    let key = SigningKey::from_bytes(&seed);
    if did_key::did(&key.verifying_key()) != file.did {
        return Err(invalid(
            "its did does not belong to its secret key".to_string(),
        ));
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_file_is_private_round_trips_and_is_never_overwritten() {
        let dir = std::env::temp_dir().join(format!("bc-keys-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("issuer.key");
        let _ = std::fs::remove_file(&path);
        let key = generate_key_file(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "only the owner may read a signing key");
        }
        assert_eq!(read_key_file(&path).unwrap().to_bytes(), key.to_bytes());
        assert!(matches!(
            generate_key_file(&path),
            Err(KeyError::Exists { .. })
        ));
        std::fs::write(&path, "{\"type\":\"x\"}").unwrap();
        assert!(matches!(
            read_key_file(&path),
            Err(KeyError::Invalid { .. })
        ));
        std::fs::remove_dir_all(dir).ok();
    }
}
