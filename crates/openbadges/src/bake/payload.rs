//! What a baked payload is: a hosted assertion URL, a JSON document or a compact JWS.

use base64::Engine as _;

use super::{BadgeVersion, BakeError};

/// The kind of text baked into an image.
///
/// Open Badges 2.0 bakes a hosted assertion's URL, the assertion's JSON, or a signed assertion
/// (a compact JWS). Open Badges 3.0 bakes the credential's JSON (with an embedded proof) or a
/// VC-JWT, which is a compact JWS too.
///
/// ```
/// use openbadges::bake::PayloadKind;
///
/// assert_eq!(PayloadKind::of("https://example.org/assertions/1").unwrap(), PayloadKind::Url);
/// assert_eq!(PayloadKind::of(r#"{"type": "Assertion"}"#).unwrap(), PayloadKind::Json);
/// assert_eq!(PayloadKind::of("eyJhbGciOiJSUzI1NiJ9.e30.c2ln").unwrap(), PayloadKind::Jws);
/// assert!(PayloadKind::of("hello").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PayloadKind {
    /// An `http:` or `https:` URL where a hosted Open Badges 2.0 assertion lives.
    Url,
    /// A JSON object: an Open Badges 2.0 assertion or an Open Badges 3.0 credential.
    Json,
    /// A JWS in compact serialisation (`header.payload.signature`): a signed 2.0 assertion or
    /// a 3.0 VC-JWT.
    Jws,
}

impl PayloadKind {
    /// Classifies a payload, ignoring whitespace around it.
    ///
    /// A payload starting with `{` must be a valid JSON object; a compact JWS is three
    /// base64url parts whose first decodes to a JSON object (the JOSE header); a URL has the
    /// `http` or `https` scheme and no whitespace. Anything else is an error that says what
    /// was seen.
    ///
    /// ```
    /// use openbadges::bake::{BakeError, PayloadKind};
    ///
    /// let err = PayloadKind::of("{not json").unwrap_err();
    /// assert!(matches!(err, BakeError::InvalidJson { .. }));
    /// ```
    pub fn of(payload: &str) -> Result<PayloadKind, BakeError> {
        let text = payload.trim();
        if text.starts_with('{') {
            // serde_json stops at 128 levels of nesting, so a deeply nested document is an
            // error here, not a stack overflow.
            return match serde_json::from_str::<serde_json::Value>(text) {
                Ok(serde_json::Value::Object(_)) => Ok(PayloadKind::Json),
                Ok(_) => Err(BakeError::InvalidJson {
                    reason: "not an object".into(),
                }),
                Err(e) => Err(BakeError::InvalidJson {
                    reason: e.to_string(),
                }),
            };
        }
        if is_compact_jws(text) {
            return Ok(PayloadKind::Jws);
        }
        if is_http_url(text) {
            return Ok(PayloadKind::Url);
        }
        let reason = if text.is_empty() {
            "it is empty".to_string()
        } else {
            let shown: String = text.chars().take(40).collect();
            let more = if shown.len() < text.len() { "…" } else { "" };
            format!("it starts with {shown:?}{more}")
        };
        Err(BakeError::UnrecognisedPayload { reason })
    }
}

/// Classifies `payload` and checks that `version` may bake it: 3.0 has no hosted URLs.
pub(crate) fn check_for_baking(
    payload: &str,
    version: BadgeVersion,
) -> Result<PayloadKind, BakeError> {
    let kind = PayloadKind::of(payload)?;
    if version == BadgeVersion::V3 && kind == PayloadKind::Url {
        return Err(BakeError::PayloadNotAllowed {
            version,
            kind: "a URL (3.0 bakes the credential's JSON or a compact JWS)",
        });
    }
    Ok(kind)
}

/// Three base64url parts; the first must decode to a JSON object, the JOSE header. Trailing
/// `=` padding is tolerated because some 2.0-era signers wrote it.
fn is_compact_jws(text: &str) -> bool {
    let parts: Vec<&str> = text.split('.').collect();
    if parts.len() != 3 || parts[0].is_empty() || parts[2].is_empty() {
        return false;
    }
    let base64url = |p: &str| {
        p.trim_end_matches('=')
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if !parts.iter().all(|p| base64url(p)) {
        return false;
    }
    let Ok(header) =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(parts[0].trim_end_matches('='))
    else {
        return false;
    };
    matches!(
        serde_json::from_slice::<serde_json::Value>(&header),
        Ok(serde_json::Value::Object(_))
    )
}

fn is_http_url(text: &str) -> bool {
    let lower_starts = |prefix: &str| {
        text.get(..prefix.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
    };
    (lower_starts("https://") || lower_starts("http://"))
        && text.len() > "http://".len()
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Which version's keyword a payload is baked under: 3.0 for an OpenBadgeCredential or
/// EndorsementCredential (as JSON, or as the payload of a VC-JWT, including the VC 1.1 `vc`
/// claim), 2.0 for an assertion URL, assertion JSON or an OB 2.0 signed JWS.
///
/// ```
/// use openbadges::bake::{version_for, BadgeVersion};
///
/// assert_eq!(version_for("https://example.org/assertions/1").unwrap(), BadgeVersion::V2);
/// let vc = r#"{"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential", "OpenBadgeCredential"]}"#;
/// assert_eq!(version_for(vc).unwrap(), BadgeVersion::V3);
/// ```
pub fn version_for(payload: &str) -> Result<crate::bake::BadgeVersion, BakeError> {
    use crate::bake::BadgeVersion;
    use crate::model::{detect, Detected};
    use base64::Engine;

    let text = payload.trim();
    let document = match PayloadKind::of(text)? {
        PayloadKind::Url => return Ok(BadgeVersion::V2),
        PayloadKind::Json => {
            serde_json::from_str::<serde_json::Value>(text).map_err(|e| BakeError::InvalidJson {
                reason: e.to_string(),
            })?
        }
        PayloadKind::Jws => {
            let claims = text.split('.').nth(1).unwrap_or_default();
            let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(claims.trim_end_matches('='))
                .map_err(|e| BakeError::InvalidJson {
                    reason: format!("the JWS payload is not base64url: {e}"),
                })?;
            let claims: serde_json::Value =
                serde_json::from_slice(&bytes).map_err(|e| BakeError::InvalidJson {
                    reason: format!("the JWS payload is not JSON: {e}"),
                })?;
            match claims.get("vc") {
                Some(vc) => vc.clone(),
                None => claims,
            }
        }
    };
    match detect(&document) {
        Detected::V3Credential | Detected::V3Endorsement => Ok(BadgeVersion::V3),
        Detected::V2Assertion => Ok(BadgeVersion::V2),
        Detected::Unknown(reason) => Err(BakeError::UnrecognisedPayload { reason }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_must_be_an_object() {
        assert!(matches!(
            PayloadKind::of("{]"),
            Err(BakeError::InvalidJson { .. })
        ));
        assert_eq!(PayloadKind::of("  {\"a\":1}\n").unwrap(), PayloadKind::Json);
    }

    #[test]
    fn deeply_nested_json_is_an_error_not_a_crash() {
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(matches!(
            PayloadKind::of(&deep),
            Err(BakeError::InvalidJson { .. })
        ));
    }

    #[test]
    fn a_jws_needs_a_json_header() {
        // "eyJ9" is not valid JSON once decoded; "e30" decodes to "{}".
        assert!(PayloadKind::of("abc.def.ghi").is_err());
        assert_eq!(PayloadKind::of("e30.e30.c2ln").unwrap(), PayloadKind::Jws);
        assert_eq!(PayloadKind::of("e30=.e30.c2ln").unwrap(), PayloadKind::Jws);
        assert!(PayloadKind::of("e30..").is_err());
    }

    #[test]
    fn urls_are_http_or_https_only() {
        assert_eq!(
            PayloadKind::of("HTTPS://x.org/a").unwrap(),
            PayloadKind::Url
        );
        assert!(PayloadKind::of("ftp://x.org/a").is_err());
        assert!(PayloadKind::of("https://x.org/a b").is_err());
        assert!(PayloadKind::of("http://").is_err());
    }

    #[test]
    fn version_3_does_not_bake_urls() {
        assert!(matches!(
            check_for_baking("https://x.org/a", BadgeVersion::V3),
            Err(BakeError::PayloadNotAllowed { .. })
        ));
        assert!(check_for_baking("https://x.org/a", BadgeVersion::V2).is_ok());
    }
}
