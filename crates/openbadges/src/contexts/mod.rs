//! The JSON-LD contexts bundled with this crate, and a loader that serves only them.
//!
//! Data Integrity proofs are computed over the RDF form of a credential, and that form depends on
//! the JSON-LD contexts the credential names. Fetching those contexts at verification time would
//! make every verification depend on (and leak to) third-party servers, and would let whoever
//! controls a context URL change what a signature means. So this crate ships the contexts that
//! Open Badges and Verifiable Credentials use, byte for byte as published (see
//! `src/contexts/files/README.md` for where each came from), and [`BundledLoader`] serves those and
//! nothing else: any other context IRI is an error naming it, never a network fetch.
//!
//! ```
//! use openbadges::contexts;
//!
//! assert!(contexts::is_bundled("https://www.w3.org/ns/credentials/v2"));
//! assert!(contexts::get("https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json").is_some());
//! assert!(contexts::get("https://example.com/my-context.json").is_none());
//! ```

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use json_ld::syntax::Parse;
use json_ld::{Iri, IriBuf, LoadError, Loader, LoadingResult, RemoteDocument};

/// One bundled JSON-LD context: the IRI it is published at and its JSON text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BundledContext {
    /// The IRI that documents put in their `@context` to use this context.
    pub iri: &'static str,
    /// The context document, exactly as published.
    pub json: &'static str,
}

/// W3C Verifiable Credentials Data Model 1.1.
pub const CREDENTIALS_V1: &str = "https://www.w3.org/2018/credentials/v1";
/// W3C Verifiable Credentials Data Model 2.0.
pub const CREDENTIALS_V2: &str = "https://www.w3.org/ns/credentials/v2";
/// W3C Data Integrity v1 (used with VC 1.1 for `DataIntegrityProof`).
pub const DATA_INTEGRITY_V1: &str = "https://w3id.org/security/data-integrity/v1";
/// W3C Data Integrity v2 (used with VC 1.1 for `DataIntegrityProof`).
pub const DATA_INTEGRITY_V2: &str = "https://w3id.org/security/data-integrity/v2";
/// Multikey v1 (verification methods of type `Multikey`).
pub const MULTIKEY_V1: &str = "https://w3id.org/security/multikey/v1";
/// Ed25519Signature2020 v1 (older Ed25519 keys and proofs).
pub const ED25519_2020_V1: &str = "https://w3id.org/security/suites/ed25519-2020/v1";
/// Status List 2021 v1 (the `StatusList2021Entry`/`StatusList2021Credential` that older wallets
/// and issuers publish; Bitstring Status Lists need only the VC 2.0 context).
pub const STATUS_LIST_2021_V1: &str = "https://w3id.org/vc/status-list/2021/v1";
/// Open Badges 3.0, context version 3.0.3 (the current one).
pub const OB_V3P0_3_0_3: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
/// Open Badges 2.0.
pub const OB_V2: &str = "https://w3id.org/openbadges/v2";

/// Every bundled context, in no particular order.
pub const BUNDLED: &[BundledContext] = &[
    BundledContext {
        iri: CREDENTIALS_V1,
        json: include_str!("files/credentials-v1.json"),
    },
    BundledContext {
        iri: CREDENTIALS_V2,
        json: include_str!("files/credentials-v2.json"),
    },
    BundledContext {
        iri: "https://www.w3.org/ns/credentials/undefined-terms/v2",
        json: include_str!("files/credentials-undefined-terms-v2.json"),
    },
    BundledContext {
        iri: DATA_INTEGRITY_V1,
        json: include_str!("files/data-integrity-v1.json"),
    },
    BundledContext {
        iri: DATA_INTEGRITY_V2,
        json: include_str!("files/data-integrity-v2.json"),
    },
    BundledContext {
        iri: MULTIKEY_V1,
        json: include_str!("files/multikey-v1.json"),
    },
    BundledContext {
        iri: ED25519_2020_V1,
        json: include_str!("files/ed25519-signature-2020-v1.json"),
    },
    BundledContext {
        iri: STATUS_LIST_2021_V1,
        json: include_str!("files/vc-status-list-2021-v1.json"),
    },
    BundledContext {
        iri: "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
        json: include_str!("files/ob-v3p0-context.json"),
    },
    BundledContext {
        iri: "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
        json: include_str!("files/ob-v3p0-context-3.0.1.json"),
    },
    BundledContext {
        iri: "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
        json: include_str!("files/ob-v3p0-context-3.0.2.json"),
    },
    BundledContext {
        iri: OB_V3P0_3_0_3,
        json: include_str!("files/ob-v3p0-context-3.0.3.json"),
    },
    BundledContext {
        iri: OB_V2,
        json: include_str!("files/ob-v2.json"),
    },
    // The same Open Badges 2.0 context, at the address the 2.0 specification's site serves it.
    BundledContext {
        iri: "https://openbadgespec.org/v2/context.json",
        json: include_str!("files/ob-v2.json"),
    },
];

/// The JSON text of the bundled context published at `iri`, if there is one.
pub fn get(iri: &str) -> Option<&'static str> {
    BUNDLED.iter().find(|c| c.iri == iri).map(|c| c.json)
}

/// Whether a context published at `iri` is bundled with this crate.
pub fn is_bundled(iri: &str) -> bool {
    get(iri).is_some()
}

/// The document's top-level `@context` as a list of bundled context IRIs, when it is exactly
/// that (the usual case for credentials, and the one that processed contexts are cached for).
pub(crate) fn bundled_list(document: &serde_json::Value) -> Option<Vec<String>> {
    use serde_json::Value;
    let iris: Vec<String> = match document.get("@context")? {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<_>>()?,
        _ => return None,
    };
    if iris.is_empty() || !iris.iter().all(|i| is_bundled(i)) {
        return None;
    }
    Some(iris)
}

/// The IRIs of all bundled contexts.
pub fn iris() -> impl Iterator<Item = &'static str> {
    BUNDLED.iter().map(|c| c.iri)
}

/// A context was asked for that this crate does not bundle.
///
/// Verification never fetches contexts from the network; a credential that uses any other
/// context cannot be checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("JSON-LD context {iri} is not bundled with this library (contexts are never fetched from the network)")]
pub struct ContextNotBundled {
    /// The IRI that was asked for.
    pub iri: String,
}

/// A bundled context whose JSON does not parse: a bug in this crate, reported rather than a panic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bundled JSON-LD context {iri} does not parse: {reason}")]
pub struct BundledContextInvalid {
    /// The context's IRI.
    pub iri: String,
    /// What the parser said.
    pub reason: String,
}

/// Parsed bundled contexts, parsed once on first use.
fn parsed() -> &'static HashMap<&'static str, Result<json_ld::syntax::Value, String>> {
    static PARSED: OnceLock<HashMap<&'static str, Result<json_ld::syntax::Value, String>>> =
        OnceLock::new();
    PARSED.get_or_init(|| {
        BUNDLED
            .iter()
            .map(|c| {
                let value = json_ld::syntax::Value::parse_str(c.json)
                    .map(|(v, _)| v)
                    .map_err(|e| e.to_string());
                (c.iri, value)
            })
            .collect()
    })
}

/// A [`json_ld::Loader`] that serves the bundled contexts and refuses everything else.
///
/// It remembers the first IRI it had to refuse, so that callers can report *which* context was
/// missing rather than a generic loading error (see [`BundledLoader::refused`]).
#[derive(Debug, Default)]
pub struct BundledLoader {
    refused: Mutex<Option<String>>,
}

impl BundledLoader {
    /// A loader that serves only the bundled contexts.
    pub fn new() -> Self {
        Self::default()
    }

    /// The first context IRI this loader was asked for and could not serve, if any.
    pub fn refused(&self) -> Option<String> {
        self.refused.lock().ok().and_then(|r| r.clone())
    }

    fn refuse(&self, iri: &str) {
        if let Ok(mut refused) = self.refused.lock() {
            if refused.is_none() {
                *refused = Some(iri.to_owned());
            }
        }
    }
}

impl Loader for BundledLoader {
    async fn load(&self, url: &Iri) -> LoadingResult<IriBuf> {
        match parsed().get(url.as_str()) {
            Some(Ok(value)) => Ok(RemoteDocument::new(
                Some(url.to_owned()),
                None,
                value.clone(),
            )),
            Some(Err(reason)) => Err(LoadError::new(
                url.to_owned(),
                BundledContextInvalid {
                    iri: url.as_str().to_owned(),
                    reason: reason.clone(),
                },
            )),
            None => {
                self.refuse(url.as_str());
                Err(LoadError::new(
                    url.to_owned(),
                    ContextNotBundled {
                        iri: url.as_str().to_owned(),
                    },
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_context_parses_and_has_a_context() {
        for c in BUNDLED {
            let value: serde_json::Value = serde_json::from_str(c.json)
                .unwrap_or_else(|e| panic!("{} does not parse: {e}", c.iri));
            assert!(value.get("@context").is_some(), "{} has no @context", c.iri);
            assert!(matches!(parsed().get(c.iri), Some(Ok(_))), "{}", c.iri);
        }
    }

    #[test]
    fn loader_refuses_other_iris_and_names_them() {
        let loader = BundledLoader::new();
        let iri = IriBuf::new("https://example.com/ctx.json".to_owned()).expect("valid IRI");
        let result = pollster::block_on(loader.load(&iri));
        assert!(result.is_err());
        assert_eq!(
            loader.refused().as_deref(),
            Some("https://example.com/ctx.json")
        );
        let ok = IriBuf::new(CREDENTIALS_V2.to_owned()).expect("valid IRI");
        assert!(pollster::block_on(loader.load(&ok)).is_ok());
    }
}
