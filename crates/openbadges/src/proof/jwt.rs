//! VC-JWT: Open Badges 3.0 credentials secured as a JSON Web Token (compact JWS).
//!
//! Open Badges 3.0 (section "JSON Web Token Proof Format") signs a credential as a JWT whose
//! payload is the credential itself, with the registered claims `iss` (the issuer's id), `sub`
//! (the subject's id), `nbf` (`validFrom`), `jti` (the credential's id) and `exp`
//! (`validUntil`); credentials of the VC Data Model 1.1 put the credential in a `vc` claim
//! instead. `RS256` is required, `ES256` and `EdDSA` are accepted as well. The public key comes
//! from the JOSE header: a `kid` to dereference, or an inline `jwk`.
//!
//! This module does the parts that need no network: [`decode`] splits and parses a compact
//! JWS, [`Algorithm::from_header`] refuses everything but the three algorithms (never `none`,
//! never an HMAC, so that a public key can never be used as an HMAC secret),
//! [`PublicKey::from_jwk`] reads a public JWK, [`DecodedJwt::verify_signature`] checks the
//! signature, [`check_claims`] compares the claims with the credential, and [`sign_ed25519`]
//! makes an `EdDSA` VC-JWT. Dereferencing a `kid` and deciding whether the key belongs to the
//! issuer is for [`crate::verify`].
//!
//! ```
//! use ed25519_dalek::SigningKey;
//! use openbadges::proof::{did_key, jwt};
//! use serde_json::json;
//!
//! let key = SigningKey::from_bytes(&[5u8; 32]);
//! let credential = json!({
//!     "@context": ["https://www.w3.org/ns/credentials/v2",
//!                  "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
//!     "id": "urn:uuid:00000000-0000-4000-8000-000000000001",
//!     "type": ["VerifiableCredential", "OpenBadgeCredential"],
//!     "issuer": {"id": did_key::did(&key.verifying_key()), "type": ["Profile"]},
//!     "validFrom": "2024-01-01T00:00:00Z",
//!     "credentialSubject": {"id": "did:example:alice", "type": ["AchievementSubject"]}
//! });
//! let vm = did_key::verification_method(&key.verifying_key());
//! let compact = jwt::sign_ed25519(&credential, &key, &vm).unwrap();
//! let decoded = jwt::decode(&compact).unwrap();
//! let public = jwt::PublicKey::Ed25519(key.verifying_key());
//! decoded.verify_signature(&public).unwrap();
//! assert!(jwt::check_claims(&decoded.payload, decoded.credential()).problems.is_empty());
//! ```

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde_json::{Map, Value};

use crate::model::common::MAX_DOCUMENT_BYTES;

/// The smallest RSA modulus accepted, in bits.
pub const MIN_RSA_BITS: usize = 2048;

/// Why a VC-JWT could not be read or did not verify.
///
/// Every variant's message is meant to be shown to a person as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwtError {
    /// The text is not a compact JWS (three base64url parts holding JSON objects).
    #[error("not a compact JWS: {0}")]
    Malformed(String),
    /// `alg` is `none`: an unsigned token.
    #[error("the JWT is unsigned (alg \"none\"); unsigned tokens are never accepted")]
    AlgNone,
    /// `alg` is an HMAC algorithm (`HS256`, …), which a verifier holding only public keys must
    /// never accept (the public key would be used as the shared secret).
    #[error("the JWT uses the HMAC algorithm {0}; HMAC is refused, because a credential must be signed with the issuer's private key and a public key must never serve as an HMAC secret")]
    Hmac(String),
    /// Any other algorithm this crate does not accept.
    #[error("the JWT algorithm {0:?} is not supported (RS256, ES256 and EdDSA are)")]
    UnsupportedAlgorithm(String),
    /// The header lists `crit` extensions, which this verifier does not understand.
    #[error("the JOSE header marks extensions as critical ({0}), which this verifier does not understand")]
    Critical(String),
    /// The public key is unusable or does not fit the algorithm.
    #[error("unusable public key: {0}")]
    BadKey(String),
    /// The signature does not verify with the key.
    #[error("the JWT signature does not verify: the token was changed after signing, or signed with another key")]
    SignatureMismatch,
    /// Signing failed.
    #[error("the JWT could not be signed: {0}")]
    Signing(String),
}

/// The signature algorithms accepted for VC-JWTs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256: the algorithm Open Badges 3.0 requires.
    Rs256,
    /// ECDSA on P-256 with SHA-256.
    Es256,
    /// Ed25519.
    EdDsa,
}

impl Algorithm {
    /// The `alg` value.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Rs256 => "RS256",
            Algorithm::Es256 => "ES256",
            Algorithm::EdDsa => "EdDSA",
        }
    }

    /// Reads the header's `alg`, refusing `none`, HMAC and every other algorithm.
    ///
    /// # Errors
    /// [`JwtError::AlgNone`], [`JwtError::Hmac`] or [`JwtError::UnsupportedAlgorithm`].
    pub fn from_header(alg: Option<&Value>) -> Result<Algorithm, JwtError> {
        let alg = match alg {
            Some(Value::String(s)) => s.as_str(),
            Some(other) => return Err(JwtError::UnsupportedAlgorithm(shorten(&other.to_string()))),
            None => return Err(JwtError::Malformed("the JOSE header has no `alg`".into())),
        };
        match alg {
            "RS256" => Ok(Algorithm::Rs256),
            "ES256" => Ok(Algorithm::Es256),
            "EdDSA" => Ok(Algorithm::EdDsa),
            a if a.eq_ignore_ascii_case("none") => Err(JwtError::AlgNone),
            a if a.to_ascii_uppercase().starts_with("HS") => Err(JwtError::Hmac(shorten(a))),
            a => Err(JwtError::UnsupportedAlgorithm(shorten(a))),
        }
    }
}

/// A public key that can check a VC-JWT signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKey {
    /// An Ed25519 key (`EdDSA`; also what Data Integrity `eddsa-rdfc-2022` uses).
    Ed25519(VerifyingKey),
    /// An RSA key: big-endian modulus and exponent, without leading zero bytes.
    Rsa {
        /// The modulus.
        n: Vec<u8>,
        /// The public exponent.
        e: Vec<u8>,
    },
    /// A P-256 key: the affine coordinates, 32 bytes each.
    P256 {
        /// x coordinate.
        x: [u8; 32],
        /// y coordinate.
        y: [u8; 32],
    },
}

impl PublicKey {
    /// Reads a public JWK (`kty` `RSA`, `EC` with `crv` `P-256`, or `OKP` with `crv`
    /// `Ed25519`).
    ///
    /// # Errors
    /// [`JwtError::BadKey`] when it is not such a key, when members are missing or of the wrong
    /// length, or when it contains private key material (`d`), which a JWK in a credential or
    /// DID document must never carry.
    pub fn from_jwk(jwk: &Value) -> Result<PublicKey, JwtError> {
        let obj = jwk
            .as_object()
            .ok_or_else(|| JwtError::BadKey("the JWK is not a JSON object".into()))?;
        if obj.contains_key("d") {
            return Err(JwtError::BadKey(
                "the JWK contains private key material (`d`); it must never be published".into(),
            ));
        }
        let member = |name: &str| -> Result<Vec<u8>, JwtError> {
            let text = obj.get(name).and_then(Value::as_str).ok_or_else(|| {
                JwtError::BadKey(format!("the JWK has no string member `{name}`"))
            })?;
            URL_SAFE_NO_PAD
                .decode(text.trim_end_matches('='))
                .map_err(|e| JwtError::BadKey(format!("the JWK's `{name}` is not base64url: {e}")))
        };
        let kty = obj.get("kty").and_then(Value::as_str).unwrap_or("");
        let crv = obj.get("crv").and_then(Value::as_str).unwrap_or("");
        match kty {
            "OKP" if crv == "Ed25519" => {
                let x: [u8; 32] = member("x")?.try_into().map_err(|_| {
                    JwtError::BadKey("an Ed25519 JWK's `x` must be 32 bytes".into())
                })?;
                VerifyingKey::from_bytes(&x)
                    .map(PublicKey::Ed25519)
                    .map_err(|_| JwtError::BadKey("`x` is not a valid Ed25519 public key".into()))
            }
            "EC" if crv == "P-256" => {
                let x: [u8; 32] = member("x")?
                    .try_into()
                    .map_err(|_| JwtError::BadKey("a P-256 JWK's `x` must be 32 bytes".into()))?;
                let y: [u8; 32] = member("y")?
                    .try_into()
                    .map_err(|_| JwtError::BadKey("a P-256 JWK's `y` must be 32 bytes".into()))?;
                Ok(PublicKey::P256 { x, y })
            }
            "RSA" => {
                let n = strip_zeros(member("n")?);
                let e = strip_zeros(member("e")?);
                if n.len() * 8 < MIN_RSA_BITS {
                    return Err(JwtError::BadKey(format!(
                        "the RSA modulus has {} bits; at least {MIN_RSA_BITS} are required",
                        n.len() * 8
                    )));
                }
                if e.is_empty() || e.len() > 8 {
                    return Err(JwtError::BadKey("the RSA exponent is unusable".into()));
                }
                Ok(PublicKey::Rsa { n, e })
            }
            "oct" => Err(JwtError::BadKey(
                "a symmetric (`oct`) key cannot verify a credential".into(),
            )),
            other => Err(JwtError::BadKey(format!(
                "unsupported JWK: kty {:?} crv {:?} (RSA, EC P-256 and OKP Ed25519 are supported)",
                shorten(other),
                shorten(crv)
            ))),
        }
    }

    /// The key as a public JWK.
    pub fn to_jwk(&self) -> Value {
        let b64 = |b: &[u8]| Value::String(URL_SAFE_NO_PAD.encode(b));
        let mut map = Map::new();
        match self {
            PublicKey::Ed25519(k) => {
                map.insert("kty".into(), "OKP".into());
                map.insert("crv".into(), "Ed25519".into());
                map.insert("x".into(), b64(k.as_bytes()));
            }
            PublicKey::Rsa { n, e } => {
                map.insert("kty".into(), "RSA".into());
                map.insert("n".into(), b64(n));
                map.insert("e".into(), b64(e));
            }
            PublicKey::P256 { x, y } => {
                map.insert("kty".into(), "EC".into());
                map.insert("crv".into(), "P-256".into());
                map.insert("x".into(), b64(x));
                map.insert("y".into(), b64(y));
            }
        }
        Value::Object(map)
    }

    /// A short description for messages (`Ed25519 key`, `RSA key (2048 bits)`, `P-256 key`).
    pub fn describe(&self) -> String {
        match self {
            PublicKey::Ed25519(_) => "Ed25519 key".into(),
            PublicKey::Rsa { n, .. } => format!("RSA key ({} bits)", n.len() * 8),
            PublicKey::P256 { .. } => "P-256 key".into(),
        }
    }
}

fn strip_zeros(mut bytes: Vec<u8>) -> Vec<u8> {
    let leading = bytes.iter().take_while(|b| **b == 0).count();
    bytes.drain(..leading);
    bytes
}

/// A compact JWS, split and parsed (nothing verified yet).
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedJwt {
    /// The JOSE header.
    pub header: Map<String, Value>,
    /// The JWT payload (claims).
    pub payload: Map<String, Value>,
    /// The accepted algorithm named by `alg`.
    pub algorithm: Algorithm,
    signing_input: String,
    signature: Vec<u8>,
}

/// Splits and parses a compact JWS and checks its `alg`.
///
/// # Errors
/// [`JwtError::Malformed`] when it is not three base64url parts with JSON object header and
/// payload (or is larger than [`MAX_DOCUMENT_BYTES`]); the errors of
/// [`Algorithm::from_header`]; [`JwtError::Critical`] when the header has `crit`.
pub fn decode(compact: &str) -> Result<DecodedJwt, JwtError> {
    let compact = compact.trim();
    if compact.len() > MAX_DOCUMENT_BYTES {
        return Err(JwtError::Malformed(format!(
            "it is {} bytes long, more than the {MAX_DOCUMENT_BYTES} accepted",
            compact.len()
        )));
    }
    let parts: Vec<&str> = compact.split('.').collect();
    if parts.len() != 3 {
        return Err(JwtError::Malformed(format!(
            "it has {} dot-separated parts; a compact JWS has 3",
            parts.len()
        )));
    }
    let object = |part: &str, what: &str| -> Result<Map<String, Value>, JwtError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|e| JwtError::Malformed(format!("the {what} is not base64url: {e}")))?;
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(map)) => Ok(map),
            Ok(_) => Err(JwtError::Malformed(format!(
                "the {what} is not a JSON object"
            ))),
            Err(e) => Err(JwtError::Malformed(format!("the {what} is not JSON: {e}"))),
        }
    };
    let header = object(parts[0], "JOSE header")?;
    let algorithm = Algorithm::from_header(header.get("alg"))?;
    if let Some(crit) = header.get("crit") {
        return Err(JwtError::Critical(shorten(&crit.to_string())));
    }
    let payload = object(parts[1], "JWT payload")?;
    let signature = URL_SAFE_NO_PAD
        .decode(parts[2])
        .map_err(|e| JwtError::Malformed(format!("the signature is not base64url: {e}")))?;
    Ok(DecodedJwt {
        header,
        payload,
        algorithm,
        signing_input: format!("{}.{}", parts[0], parts[1]),
        signature,
    })
}

impl DecodedJwt {
    /// The header's `kid`, if it is a string.
    pub fn kid(&self) -> Option<&str> {
        self.header.get("kid").and_then(Value::as_str)
    }

    /// The header's `jwk`, if present.
    pub fn jwk(&self) -> Option<&Value> {
        self.header.get("jwk")
    }

    /// The credential the token carries: the `vc` claim (VC Data Model 1.1 style) when it is an
    /// object, otherwise the payload itself (VC-JWT for VC Data Model 2.0 and Open Badges 3.0).
    pub fn credential(&self) -> &Map<String, Value> {
        match self.payload.get("vc") {
            Some(Value::Object(vc)) => vc,
            _ => &self.payload,
        }
    }

    /// Whether the credential is in a `vc` claim (VC Data Model 1.1 style).
    pub fn uses_vc_claim(&self) -> bool {
        matches!(self.payload.get("vc"), Some(Value::Object(_)))
    }

    /// Checks the signature with `key`.
    ///
    /// # Errors
    /// [`JwtError::BadKey`] when the key does not fit the algorithm (an RSA key for `ES256`,
    /// say) or is not a valid key; [`JwtError::SignatureMismatch`] when the signature is wrong.
    pub fn verify_signature(&self, key: &PublicKey) -> Result<(), JwtError> {
        let message = self.signing_input.as_bytes();
        match (self.algorithm, key) {
            (Algorithm::EdDsa, PublicKey::Ed25519(k)) => {
                let signature = Signature::from_slice(&self.signature)
                    .map_err(|_| JwtError::SignatureMismatch)?;
                k.verify_strict(message, &signature)
                    .map_err(|_| JwtError::SignatureMismatch)
            }
            (Algorithm::Rs256, PublicKey::Rsa { n, e }) => {
                let decoding = jsonwebtoken::DecodingKey::from_rsa_raw_components(n, e);
                jose_verify(
                    &self.signature,
                    message,
                    &decoding,
                    jsonwebtoken::Algorithm::RS256,
                )
            }
            (Algorithm::Es256, PublicKey::P256 { x, y }) => {
                let decoding = jsonwebtoken::DecodingKey::from_ec_components(
                    &URL_SAFE_NO_PAD.encode(x),
                    &URL_SAFE_NO_PAD.encode(y),
                )
                .map_err(|e| JwtError::BadKey(e.to_string()))?;
                jose_verify(
                    &self.signature,
                    message,
                    &decoding,
                    jsonwebtoken::Algorithm::ES256,
                )
            }
            (alg, key) => Err(JwtError::BadKey(format!(
                "the token says {} but the key is an {}",
                alg.name(),
                key.describe()
            ))),
        }
    }
}

fn jose_verify(
    signature: &[u8],
    message: &[u8],
    key: &jsonwebtoken::DecodingKey,
    alg: jsonwebtoken::Algorithm,
) -> Result<(), JwtError> {
    match jsonwebtoken::crypto::verify(&URL_SAFE_NO_PAD.encode(signature), message, key, alg) {
        Ok(true) => Ok(()),
        Ok(false) => Err(JwtError::SignatureMismatch),
        Err(e) => Err(JwtError::BadKey(e.to_string())),
    }
}

/// What [`check_claims`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClaimsCheck {
    /// Claims that contradict the credential (or a required claim that is missing): the
    /// credential is not valid.
    pub problems: Vec<String>,
    /// Claims that are missing but whose absence does not contradict the credential.
    pub notes: Vec<String>,
    /// Claims that were checked and agree.
    pub agreed: Vec<String>,
    /// `nbf` as Unix seconds, when present.
    pub not_before: Option<i64>,
    /// `exp` as Unix seconds, when present: the credential's `validUntil` when it has none.
    pub expires: Option<i64>,
}

/// Compares the registered claims of a VC-JWT payload with the credential it carries, as Open
/// Badges 3.0 "Verify a Credential VC-JWT Signature" requires.
///
/// - `iss` must be present and equal the issuer's id;
/// - `sub`, when present, must equal `credentialSubject.id`;
/// - `nbf`, when present, must equal `validFrom` (or `issuanceDate`) to the second;
/// - `jti`, when present, must equal the credential's `id`;
/// - `exp`, when present, must equal `validUntil` (or `expirationDate`) when the credential has
///   one; otherwise it becomes the end of validity ([`ClaimsCheck::expires`]).
///
/// Missing `sub`, `nbf` and `jti` are noted, not failed: the payload is signed either way.
pub fn check_claims(payload: &Map<String, Value>, credential: &Map<String, Value>) -> ClaimsCheck {
    let mut out = ClaimsCheck::default();
    let issuer_id = match credential.get("issuer") {
        Some(Value::String(s)) => Some(s.as_str()),
        Some(Value::Object(o)) => o.get("id").and_then(Value::as_str),
        _ => None,
    };
    let string_claim = |name: &str| payload.get(name).and_then(Value::as_str);

    match (string_claim("iss"), issuer_id) {
        (Some(iss), Some(id)) if iss == id => out.agreed.push(format!("iss = {}", shorten(iss))),
        (Some(iss), Some(id)) => out.problems.push(format!(
            "`iss` is {} but the credential's issuer is {}",
            shorten(iss),
            shorten(id)
        )),
        (Some(_), None) => out
            .problems
            .push("the credential has no issuer id to compare `iss` with".into()),
        (None, _) => out
            .problems
            .push("the JWT has no `iss` claim (it is required and must be the issuer's id)".into()),
    }

    let subject_id = match credential.get("credentialSubject") {
        Some(Value::Object(o)) => o.get("id").and_then(Value::as_str),
        Some(Value::Array(a)) => a.first().and_then(|s| s.get("id")).and_then(Value::as_str),
        _ => None,
    };
    match (payload.get("sub"), subject_id) {
        (Some(Value::String(sub)), Some(id)) if sub == id => {
            out.agreed.push(format!("sub = {}", shorten(sub)))
        }
        (Some(Value::String(sub)), Some(id)) => out.problems.push(format!(
            "`sub` is {} but credentialSubject.id is {}",
            shorten(sub),
            shorten(id)
        )),
        (Some(Value::String(sub)), None) => out.problems.push(format!(
            "`sub` is {} but the credentialSubject has no id",
            shorten(sub)
        )),
        (Some(other), _) => out.problems.push(format!(
            "`sub` is not a string: {}",
            shorten(&other.to_string())
        )),
        (None, Some(_)) => out.notes.push("no `sub` claim".into()),
        (None, None) => {}
    }

    match (
        payload.get("jti"),
        credential.get("id").and_then(Value::as_str),
    ) {
        (Some(Value::String(jti)), Some(id)) if jti == id => {
            out.agreed.push(format!("jti = {}", shorten(jti)))
        }
        (Some(Value::String(jti)), Some(id)) => out.problems.push(format!(
            "`jti` is {} but the credential's id is {}",
            shorten(jti),
            shorten(id)
        )),
        (Some(Value::String(jti)), None) => out.problems.push(format!(
            "`jti` is {} but the credential has no id",
            shorten(jti)
        )),
        (Some(other), _) => out.problems.push(format!(
            "`jti` is not a string: {}",
            shorten(&other.to_string())
        )),
        (None, Some(_)) => out.notes.push("no `jti` claim".into()),
        (None, None) => {}
    }

    let date_of = |names: [&str; 2]| -> Result<Option<i64>, String> {
        for name in names {
            if let Some(v) = credential.get(name) {
                let text = v
                    .as_str()
                    .ok_or_else(|| format!("`{name}` is not a string"))?;
                return crate::model::v2::parse_date_text(text)
                    .map(Some)
                    .map_err(|e| e.to_string());
            }
        }
        Ok(None)
    };

    for (claim, names, slot) in [
        ("nbf", ["validFrom", "issuanceDate"], 0),
        ("exp", ["validUntil", "expirationDate"], 1),
    ] {
        let value = match payload.get(claim) {
            None => {
                if claim == "nbf" {
                    out.notes.push("no `nbf` claim".into());
                }
                continue;
            }
            Some(v) => v,
        };
        let Some(seconds) = numeric_date(value) else {
            out.problems.push(format!(
                "`{claim}` is not a NumericDate: {}",
                shorten(&value.to_string())
            ));
            continue;
        };
        if slot == 0 {
            out.not_before = Some(seconds);
        } else {
            out.expires = Some(seconds);
        }
        match date_of(names) {
            Ok(Some(date)) if date == seconds => out
                .agreed
                .push(format!("{claim} = {}", format_unix(seconds))),
            Ok(Some(date)) => out.problems.push(format!(
                "`{claim}` is {} but the credential's {} is {}",
                format_unix(seconds),
                names[0],
                format_unix(date)
            )),
            Ok(None) if claim == "exp" => out.agreed.push(format!(
                "exp = {} (the credential's end of validity)",
                format_unix(seconds)
            )),
            Ok(None) => out.problems.push(format!(
                "`nbf` is {} but the credential has no {}",
                format_unix(seconds),
                names[0]
            )),
            Err(e) => out.problems.push(format!(
                "cannot compare `{claim}`: the credential's date is unreadable: {e}"
            )),
        }
    }
    out
}

/// A JSON NumericDate (seconds; fractions are truncated).
fn numeric_date(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && f.abs() < 1e15)
                .map(|f| f.floor() as i64)
        }),
        _ => None,
    }
}

/// Formats Unix seconds as an RFC 3339 date-time (`2024-01-01T00:00:00Z`), or the number when
/// out of range.
pub fn format_unix(seconds: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| seconds.to_string())
}

/// The registered claims Open Badges 3.0 puts next to a credential in a VC-JWT payload: `iss`,
/// `sub`, `jti`, `nbf` and `exp`, from the issuer's id, `credentialSubject.id`, `id`,
/// `validFrom`/`issuanceDate` and `validUntil`/`expirationDate` (those present).
pub fn registered_claims(credential: &Value) -> Map<String, Value> {
    let mut claims = Map::new();
    let issuer = match credential.get("issuer") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Object(o)) => o.get("id").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    };
    if let Some(iss) = issuer {
        claims.insert("iss".into(), iss.into());
    }
    if let Some(sub) = credential
        .get("credentialSubject")
        .and_then(|s| s.get("id"))
        .and_then(Value::as_str)
    {
        claims.insert("sub".into(), sub.into());
    }
    if let Some(jti) = credential.get("id").and_then(Value::as_str) {
        claims.insert("jti".into(), jti.into());
    }
    for (claim, names) in [
        ("nbf", ["validFrom", "issuanceDate"]),
        ("exp", ["validUntil", "expirationDate"]),
    ] {
        if let Some(t) = names
            .iter()
            .find_map(|n| credential.get(*n).and_then(Value::as_str))
            .and_then(|s| crate::model::v2::parse_date_text(s).ok())
        {
            claims.insert(claim.into(), t.into());
        }
    }
    claims
}

/// Signs `credential` as an `EdDSA` VC-JWT in the Open Badges 3.0 form: the payload is the
/// credential with the [`registered_claims`] added, the JOSE header `{"alg": "EdDSA", "typ":
/// "JWT", "kid": kid}`.
///
/// # Errors
/// [`JwtError::Signing`] when the credential is not a JSON object.
pub fn sign_ed25519(credential: &Value, key: &SigningKey, kid: &str) -> Result<String, JwtError> {
    let mut payload = credential
        .as_object()
        .cloned()
        .ok_or_else(|| JwtError::Signing("the credential is not a JSON object".into()))?;
    for (k, v) in registered_claims(credential) {
        payload.insert(k, v);
    }
    let header = serde_json::json!({ "alg": "EdDSA", "typ": "JWT", "kid": kid });
    let encode = |v: &Value| -> Result<String, JwtError> {
        serde_json::to_vec(&with_sorted_keys(v))
            .map(|b| URL_SAFE_NO_PAD.encode(b))
            .map_err(|e| JwtError::Signing(e.to_string()))
    };
    let input = format!("{}.{}", encode(&header)?, encode(&Value::Object(payload))?);
    let signature = key.sign(input.as_bytes());
    Ok(format!(
        "{input}.{}",
        URL_SAFE_NO_PAD.encode(signature.to_bytes())
    ))
}

/// `value` with every object's members in key order, so that the same credential always makes
/// the same token: serde_json keeps insertion order or sorts depending on a crate feature that
/// any other dependency in a build may switch on.
fn with_sorted_keys(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), with_sorted_keys(&map[k.as_str()])))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(with_sorted_keys).collect()),
        other => other.clone(),
    }
}

fn shorten(s: &str) -> String {
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
    use serde_json::json;

    #[test]
    fn refuses_none_and_hmac() {
        assert_eq!(
            Algorithm::from_header(Some(&json!("none"))),
            Err(JwtError::AlgNone)
        );
        assert_eq!(
            Algorithm::from_header(Some(&json!("NONE"))),
            Err(JwtError::AlgNone)
        );
        assert!(matches!(
            Algorithm::from_header(Some(&json!("HS256"))),
            Err(JwtError::Hmac(_))
        ));
        assert!(matches!(
            Algorithm::from_header(Some(&json!("PS256"))),
            Err(JwtError::UnsupportedAlgorithm(_))
        ));
        assert!(matches!(
            Algorithm::from_header(None),
            Err(JwtError::Malformed(_))
        ));
    }

    #[test]
    fn bad_input_never_panics() {
        for text in [
            "",
            ".",
            "..",
            "a.b.c",
            "e30.e30.",
            "e30.e30.e30.e30",
            "😀.😀.😀",
        ] {
            assert!(decode(text).is_err(), "{text}");
        }
        for jwk in [
            json!({"kty": "OKP", "crv": "Ed25519", "x": ""}),
            json!({"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}),
            json!({"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}),
            json!({"kty": "RSA", "n": "AQAB", "e": "AQAB"}),
            json!({"kty": "oct", "k": "c2VjcmV0"}),
            json!({"kty": "OKP", "crv": "Ed25519", "x": "x", "d": "y"}),
            json!([1]),
        ] {
            assert!(PublicKey::from_jwk(&jwk).is_err(), "{jwk}");
        }
    }
}
