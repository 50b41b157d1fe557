//! JSON Web Signatures in compact serialisation (RFC 7515), as Open Badges 2.0 signed assertions
//! use them: `header.payload.signature`, each part base64url, the payload the assertion's JSON.
//!
//! Verification here never lets the token choose how it is checked against a key it does not
//! fit. The header's `alg` is read, but:
//!
//! - `none` (an unsigned token) is refused: [`JwsError::AlgNone`];
//! - every HMAC algorithm (`HS256`, `HS384`, `HS512`) is refused: [`JwsError::Hmac`]. A verifier
//!   that let the header pick HMAC would check the token with the issuer's *public* key as the
//!   shared secret, and anyone can compute such a MAC;
//! - the algorithm must fit the key: `RS*`/`PS*` need an RSA key, `ES256` a P-256 key and
//!   `ES384` a P-384 key ([`JwsError::KeyMismatch`] otherwise).
//!
//! Public keys come as PEM, the `publicKeyPem` of an Open Badges 2.0 `CryptographicKey`:
//! `PUBLIC KEY` (SubjectPublicKeyInfo, RSA or EC) or `RSA PUBLIC KEY` (PKCS#1).
//!
//! ```
//! use openbadges::proof::jws::{self, JwsError};
//!
//! // A token whose header says {"alg":"none"}: decoding works, verification never does.
//! let token = "eyJhbGciOiJub25lIn0.eyJpZCI6InVybjp1dWlkOjEifQ.";
//! let decoded = jws::decode_unverified(token).unwrap();
//! assert_eq!(decoded.alg(), Some("none"));
//! assert_eq!(decoded.payload_json().unwrap()["id"], "urn:uuid:1");
//! assert!(matches!(jws::algorithm(decoded.alg().unwrap()), Err(JwsError::AlgNone)));
//! ```

use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;

use crate::model::common::MAX_DOCUMENT_BYTES;

/// Why a JWS could not be read or did not verify. Every message can be shown as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwsError {
    /// The text is not a compact JWS (three base64url parts, a JSON header).
    #[error("not a compact JWS: {0}")]
    Malformed(String),
    /// The header says `alg: none`: the token is not signed at all.
    #[error(
        "the JWS header says alg \"none\": the token is not signed, so it proves nothing; refused"
    )]
    AlgNone,
    /// The header asks for an HMAC algorithm.
    #[error("the JWS header asks for {0}, a shared-secret (HMAC) algorithm; a signed badge is checked with the issuer's public key, and a token that asks for HMAC could have been made by anyone with that public key as the secret; refused")]
    Hmac(String),
    /// The header names an algorithm this crate does not verify.
    #[error("unsupported JWS algorithm {0:?} (supported: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384)")]
    UnsupportedAlgorithm(String),
    /// The public key could not be read.
    #[error("the public key could not be read: {0}")]
    BadKey(String),
    /// The algorithm does not fit the key's type.
    #[error("the JWS algorithm {alg} does not fit the key, which is {key}")]
    KeyMismatch {
        /// The header's algorithm.
        alg: String,
        /// What the key is, e.g. `an RSA key`.
        key: String,
    },
    /// The signature does not match the header and payload under this key.
    #[error("the signature does not match: the assertion was changed after signing, or it was signed with another key")]
    SignatureMismatch,
}

/// A compact JWS taken apart, not yet verified: nothing in it is to be trusted until
/// [`verify`] says so.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedJws {
    /// The protected header, a JSON object.
    pub header: serde_json::Map<String, Value>,
    /// The payload bytes (for an Open Badges 2.0 signed assertion, its JSON).
    pub payload: Vec<u8>,
    /// `base64url(header) "." base64url(payload)`, exactly as in the token: what was signed.
    signing_input: String,
    /// The signature part, base64url without padding.
    signature: String,
}

impl DecodedJws {
    /// The header's `alg`, if it is a string.
    pub fn alg(&self) -> Option<&str> {
        self.header.get("alg").and_then(Value::as_str)
    }

    /// The payload parsed as JSON (at most [`MAX_DOCUMENT_BYTES`] bytes, nesting at most 128
    /// deep).
    ///
    /// # Errors
    /// [`JwsError::Malformed`] when the payload is not JSON.
    pub fn payload_json(&self) -> Result<Value, JwsError> {
        crate::model::common::parse_slice::<Value>(&self.payload)
            .map_err(|e| JwsError::Malformed(format!("the payload is not JSON: {e}")))
    }
}

/// Takes a compact JWS apart without verifying anything.
///
/// Surrounding whitespace is ignored, and so is trailing `=` padding on a part (some 2.0-era
/// signers wrote it); the signed bytes are the parts exactly as given. The signature part may be
/// empty (as in an `alg: none` token), so that [`verify`] can say what is wrong with it.
///
/// # Errors
/// [`JwsError::Malformed`] when the text does not have three base64url parts (header and payload
/// not empty), or the
/// header is not a JSON object, or the token is larger than the crate's document limit.
pub fn decode_unverified(token: &str) -> Result<DecodedJws, JwsError> {
    let token = token.trim();
    if token.len() > 2 * MAX_DOCUMENT_BYTES {
        return Err(JwsError::Malformed(format!(
            "the token is {} bytes, more than accepted",
            token.len()
        )));
    }
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return Err(JwsError::Malformed(format!(
            "expected three parts separated by dots (header.payload.signature), found {}",
            parts.len()
        )));
    }
    for (part, name) in parts.iter().zip(["header", "payload"]) {
        if part.trim_end_matches('=').is_empty() {
            return Err(JwsError::Malformed(format!("the {name} part is empty")));
        }
    }
    let header_bytes = b64(parts[0], "header")?;
    let header = match serde_json::from_slice::<Value>(&header_bytes) {
        Ok(Value::Object(map)) => map,
        Ok(_) => {
            return Err(JwsError::Malformed(
                "the header is not a JSON object".into(),
            ))
        }
        Err(e) => return Err(JwsError::Malformed(format!("the header is not JSON: {e}"))),
    };
    let payload = b64(parts[1], "payload")?;
    // Check the signature is base64url now, so that verification failures mean what they say.
    let signature = parts[2].trim_end_matches('=');
    b64(signature, "signature")?;
    Ok(DecodedJws {
        header,
        payload,
        signing_input: format!("{}.{}", parts[0], parts[1]),
        signature: signature.to_owned(),
    })
}

fn b64(part: &str, name: &str) -> Result<Vec<u8>, JwsError> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|e| JwsError::Malformed(format!("the {name} part is not base64url: {e}")))
}

/// A signature algorithm this crate verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwsAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256: what Open Badges 2.0 recommends.
    Rs256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    Rs384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    Rs512,
    /// RSASSA-PSS with SHA-256.
    Ps256,
    /// RSASSA-PSS with SHA-384.
    Ps384,
    /// RSASSA-PSS with SHA-512.
    Ps512,
    /// ECDSA on P-256 with SHA-256.
    Es256,
    /// ECDSA on P-384 with SHA-384.
    Es384,
}

impl JwsAlgorithm {
    fn jwt(self) -> Algorithm {
        match self {
            JwsAlgorithm::Rs256 => Algorithm::RS256,
            JwsAlgorithm::Rs384 => Algorithm::RS384,
            JwsAlgorithm::Rs512 => Algorithm::RS512,
            JwsAlgorithm::Ps256 => Algorithm::PS256,
            JwsAlgorithm::Ps384 => Algorithm::PS384,
            JwsAlgorithm::Ps512 => Algorithm::PS512,
            JwsAlgorithm::Es256 => Algorithm::ES256,
            JwsAlgorithm::Es384 => Algorithm::ES384,
        }
    }

    /// The name as JOSE writes it, e.g. `RS256`.
    pub fn name(self) -> &'static str {
        match self {
            JwsAlgorithm::Rs256 => "RS256",
            JwsAlgorithm::Rs384 => "RS384",
            JwsAlgorithm::Rs512 => "RS512",
            JwsAlgorithm::Ps256 => "PS256",
            JwsAlgorithm::Ps384 => "PS384",
            JwsAlgorithm::Ps512 => "PS512",
            JwsAlgorithm::Es256 => "ES256",
            JwsAlgorithm::Es384 => "ES384",
        }
    }

    fn fits(self, key: &KeyType) -> bool {
        match self {
            JwsAlgorithm::Rs256
            | JwsAlgorithm::Rs384
            | JwsAlgorithm::Rs512
            | JwsAlgorithm::Ps256
            | JwsAlgorithm::Ps384
            | JwsAlgorithm::Ps512 => *key == KeyType::Rsa,
            JwsAlgorithm::Es256 => *key == KeyType::EcP256,
            JwsAlgorithm::Es384 => *key == KeyType::EcP384,
        }
    }
}

/// Reads a header `alg`, refusing `none`, HMAC and anything not supported.
///
/// ```
/// use openbadges::proof::jws::{algorithm, JwsAlgorithm, JwsError};
/// assert_eq!(algorithm("RS256").unwrap(), JwsAlgorithm::Rs256);
/// assert!(matches!(algorithm("HS256"), Err(JwsError::Hmac(_))));
/// assert!(matches!(algorithm("None"), Err(JwsError::AlgNone)));
/// ```
///
/// # Errors
/// [`JwsError::AlgNone`], [`JwsError::Hmac`] or [`JwsError::UnsupportedAlgorithm`].
pub fn algorithm(alg: &str) -> Result<JwsAlgorithm, JwsError> {
    Ok(match alg {
        "RS256" => JwsAlgorithm::Rs256,
        "RS384" => JwsAlgorithm::Rs384,
        "RS512" => JwsAlgorithm::Rs512,
        "PS256" => JwsAlgorithm::Ps256,
        "PS384" => JwsAlgorithm::Ps384,
        "PS512" => JwsAlgorithm::Ps512,
        "ES256" => JwsAlgorithm::Es256,
        "ES384" => JwsAlgorithm::Es384,
        a if a.eq_ignore_ascii_case("none") || a.is_empty() => return Err(JwsError::AlgNone),
        a if a.len() >= 2 && a[..2].eq_ignore_ascii_case("HS") => {
            return Err(JwsError::Hmac(crate::model::common::truncate(a)))
        }
        a => {
            return Err(JwsError::UnsupportedAlgorithm(
                crate::model::common::truncate(a),
            ))
        }
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyType {
    Rsa,
    EcP256,
    EcP384,
}

/// A public key read from PEM, ready to verify signatures with.
#[derive(Clone)]
pub struct PublicKey {
    key_type: KeyType,
    /// PKCS#1 `RSAPublicKey` DER for RSA, the SEC1 point for EC.
    der: Vec<u8>,
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublicKey")
            .field("type", &self.describe())
            .finish_non_exhaustive()
    }
}

const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_EC: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const OID_P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];

impl PublicKey {
    /// Reads a PEM public key: `-----BEGIN PUBLIC KEY-----` (SubjectPublicKeyInfo with an RSA,
    /// P-256 or P-384 key) or `-----BEGIN RSA PUBLIC KEY-----` (PKCS#1).
    ///
    /// # Errors
    /// [`JwsError::BadKey`] saying what was found instead (a private key, a certificate,
    /// another curve, damaged base64 or DER...).
    pub fn from_pem(pem: &str) -> Result<PublicKey, JwsError> {
        let pem = pem.trim();
        let (label, body) = pem_body(pem)?;
        let der = base64::engine::general_purpose::STANDARD
            .decode(body)
            .map_err(|e| JwsError::BadKey(format!("the PEM body is not base64: {e}")))?;
        match label {
            "PUBLIC KEY" => Self::from_spki_der(&der),
            "RSA PUBLIC KEY" => Ok(PublicKey {
                key_type: KeyType::Rsa,
                der,
            }),
            l if l.contains("PRIVATE") => Err(JwsError::BadKey(format!(
                "this is a private key ({l}), not a public key"
            ))),
            l => Err(JwsError::BadKey(format!(
                "expected a PUBLIC KEY or RSA PUBLIC KEY PEM block, found {}",
                crate::model::common::truncate(l)
            ))),
        }
    }

    /// Reads a DER SubjectPublicKeyInfo (RSA, P-256 or P-384).
    ///
    /// # Errors
    /// [`JwsError::BadKey`] when it is not one.
    pub fn from_spki_der(der: &[u8]) -> Result<PublicKey, JwsError> {
        let bad = |m: &str| JwsError::BadKey(format!("not a SubjectPublicKeyInfo: {m}"));
        let (spki, rest) = der_take(der, 0x30).ok_or_else(|| bad("no outer SEQUENCE"))?;
        if !rest.is_empty() {
            return Err(bad("trailing bytes"));
        }
        let (alg, rest) = der_take(spki, 0x30).ok_or_else(|| bad("no AlgorithmIdentifier"))?;
        let (bits, rest) = der_take(rest, 0x03).ok_or_else(|| bad("no BIT STRING"))?;
        if !rest.is_empty() {
            return Err(bad("trailing bytes"));
        }
        let (oid, params) = der_take(alg, 0x06).ok_or_else(|| bad("no algorithm OID"))?;
        let key = match bits.split_first() {
            Some((0, key)) if !key.is_empty() => key.to_vec(),
            _ => return Err(bad("the key BIT STRING is empty or not byte-aligned")),
        };
        let key_type = if oid == OID_RSA {
            KeyType::Rsa
        } else if oid == OID_EC {
            let (curve, _) = der_take(params, 0x06).ok_or_else(|| bad("EC key without a curve"))?;
            if curve == OID_P256 {
                KeyType::EcP256
            } else if curve == OID_P384 {
                KeyType::EcP384
            } else {
                return Err(JwsError::BadKey(
                    "an EC key on a curve other than P-256 or P-384".into(),
                ));
            }
        } else {
            return Err(JwsError::BadKey(
                "the key is neither RSA nor EC (P-256, P-384)".into(),
            ));
        };
        Ok(PublicKey { key_type, der: key })
    }

    /// What kind of key this is, in words: `an RSA key`, `a P-256 key`, `a P-384 key`.
    pub fn describe(&self) -> &'static str {
        match self.key_type {
            KeyType::Rsa => "an RSA key",
            KeyType::EcP256 => "a P-256 key",
            KeyType::EcP384 => "a P-384 key",
        }
    }

    fn decoding_key(&self) -> DecodingKey {
        match self.key_type {
            KeyType::Rsa => DecodingKey::from_rsa_der(&self.der),
            KeyType::EcP256 | KeyType::EcP384 => DecodingKey::from_ec_der(&self.der),
        }
    }
}

/// The label and base64 body of the first PEM block.
fn pem_body(pem: &str) -> Result<(&str, String), JwsError> {
    let bad = |m: &str| JwsError::BadKey(format!("not PEM: {m}"));
    let start = pem
        .find("-----BEGIN ")
        .ok_or_else(|| bad("no -----BEGIN line"))?;
    let after = &pem[start + "-----BEGIN ".len()..];
    let label_end = after
        .find("-----")
        .ok_or_else(|| bad("unterminated BEGIN line"))?;
    let label = &after[..label_end];
    let body_start = &after[label_end + 5..];
    let end_marker = format!("-----END {label}-----");
    let body_end = body_start
        .find(&end_marker)
        .ok_or_else(|| bad("no matching -----END line"))?;
    let body: String = body_start[..body_end]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    Ok((label, body))
}

/// Takes one DER element with tag `tag` from the front of `input`: its contents and the rest.
fn der_take(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&t, rest) = input.split_first()?;
    if t != tag {
        return None;
    }
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let mut len = 0usize;
        for &b in &rest[..n] {
            len = (len << 8) | usize::from(b);
        }
        rest = &rest[n..];
        len
    };
    if rest.len() < len {
        return None;
    }
    Some(rest.split_at(len))
}

/// Verifies a decoded JWS with `key`, the algorithm read from the header but only among those
/// that fit the key (see the module documentation). Returns the algorithm used.
///
/// # Errors
/// [`JwsError::AlgNone`], [`JwsError::Hmac`], [`JwsError::UnsupportedAlgorithm`],
/// [`JwsError::KeyMismatch`], [`JwsError::BadKey`] (a key the crypto library refuses) or
/// [`JwsError::SignatureMismatch`].
pub fn verify(jws: &DecodedJws, key: &PublicKey) -> Result<JwsAlgorithm, JwsError> {
    let alg_text = match jws.header.get("alg") {
        Some(Value::String(s)) => s.as_str(),
        Some(_) => {
            return Err(JwsError::Malformed(
                "the header's alg is not a string".into(),
            ))
        }
        None => return Err(JwsError::AlgNone),
    };
    let alg = algorithm(alg_text)?;
    if !alg.fits(&key.key_type) {
        return Err(JwsError::KeyMismatch {
            alg: alg.name().to_owned(),
            key: key.describe().to_owned(),
        });
    }
    match jsonwebtoken::crypto::verify(
        &jws.signature,
        jws.signing_input.as_bytes(),
        &key.decoding_key(),
        alg.jwt(),
    ) {
        Ok(true) => Ok(alg),
        Ok(false) => Err(JwsError::SignatureMismatch),
        Err(e) => match e.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidSignature => Err(JwsError::SignatureMismatch),
            _ => Err(JwsError::BadKey(e.to_string())),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_lengths_are_bounds_checked() {
        assert!(der_take(&[0x30, 0x82, 0xff, 0xff, 0], 0x30).is_none());
        assert!(der_take(&[0x30, 0x85, 1, 1, 1, 1, 1], 0x30).is_none());
        assert!(der_take(&[0x30], 0x30).is_none());
        assert_eq!(
            der_take(&[0x30, 1, 7, 9], 0x30),
            Some((&[7u8][..], &[9u8][..]))
        );
    }

    #[test]
    fn pem_that_is_not_a_public_key_is_refused() {
        assert!(PublicKey::from_pem("hello").is_err());
        let private = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----";
        let err = PublicKey::from_pem(private).unwrap_err();
        assert!(err.to_string().contains("private key"), "{err}");
        let junk = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----";
        assert!(PublicKey::from_pem(junk).is_err());
    }

    #[test]
    fn malformed_tokens_are_errors() {
        for t in [
            "",
            "a.b",
            "a.b.c.d",
            "!!.e30.e30",
            ".e30.e30",
            "e30..c2ln",
            "WzFd.e30.c2ln",
        ] {
            assert!(decode_unverified(t).is_err(), "{t}");
        }
    }
}
