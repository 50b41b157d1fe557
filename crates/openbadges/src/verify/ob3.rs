//! Verification of Open Badges 3.0 credentials: embedded Data Integrity proofs and VC-JWTs.
//!
//! [`verify_ob3`] checks a credential as JSON (with an `eddsa-rdfc-2022` proof);
//! [`verify_ob3_jwt`] checks a compact VC-JWT. Both follow the specification's "OpenBadgeCredential
//! Verification" and produce a [`Report`] with these checks (ids are stable):
//!
//! | id | what |
//! |---|---|
//! | `format` | an OpenBadgeCredential / AchievementCredential or EndorsementCredential, with a VC 1.1 or 2.0 context and an Open Badges 3.0.x context |
//! | `schema` | 1EdTech's JSON Schema ([`crate::model::v3::validate_schema`]) |
//! | `proof` | (JSON) the Data Integrity proof, with bundled JSON-LD contexts only |
//! | `jwt` | (VC-JWT) the JWS signature: RS256, ES256 or EdDSA, never `none` or HMAC |
//! | `jwt-claims` | (VC-JWT) `iss`, `sub`, `nbf`, `jti`, `exp` against the credential |
//! | `issuer-key` | the signing key belongs to the issuer |
//! | `validity` | `validFrom`/`validUntil` (or `issuanceDate`/`expirationDate`) against now |
//! | `revocation` | `credentialStatus` lists (see [`super::status`]); `suspension` too when present |
//! | `recipient` | the identity the caller gave, against `credentialSubject` |
//!
//! ```
//! use ed25519_dalek::SigningKey;
//! use openbadges::proof::{data_integrity, did_key};
//! use openbadges::verify::{verify_ob3, Offline, Options, Status};
//! use serde_json::json;
//!
//! let key = SigningKey::from_bytes(&[3u8; 32]);
//! let issuer = did_key::did(&key.verifying_key());
//! let credential = json!({
//!     "@context": ["https://www.w3.org/ns/credentials/v2",
//!                  "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
//!     "id": "urn:uuid:7d3a4c1e-0000-4000-8000-000000000001",
//!     "type": ["VerifiableCredential", "OpenBadgeCredential"],
//!     "name": "Teamwork",
//!     "issuer": {"id": issuer, "type": ["Profile"], "name": "Example"},
//!     "validFrom": "2024-01-01T00:00:00Z",
//!     "credentialSubject": {"id": "did:example:alice", "type": ["AchievementSubject"],
//!         "achievement": {"id": "urn:uuid:7d3a4c1e-0000-4000-8000-000000000002",
//!             "type": ["Achievement"], "name": "Teamwork", "description": "Works with others.",
//!             "criteria": {"narrative": "Peer nominated."}}}
//! });
//! let vm = did_key::verification_method(&key.verifying_key());
//! let signed = data_integrity::sign(&credential, &key, &vm, "2024-01-01T00:00:00Z").unwrap();
//! let options = Options { now: Some(1_750_000_000), ..Options::default() };
//! let report = pollster::block_on(verify_ob3(&signed, &options, &Offline::default()));
//! assert!(report.valid, "{report:#?}");
//! assert_eq!(report.get("proof").unwrap().status, Status::Pass);
//! assert_eq!(report.summary.achievement_name.as_deref(), Some("Teamwork"));
//! ```

use serde_json::{Map, Value};

use super::fetch::Fetch;
use super::keys;
use super::options::Options;
use super::report::{Report, Status};
use super::status;
use crate::model::v3::{
    validate_schema, IdentityObject, OB3_CONTEXTS, VC_V1_CONTEXT, VC_V2_CONTEXT,
};
use crate::model::{detect, Detected};
use crate::proof::data_integrity::{self, ResolveError, CRYPTOSUITE, PROOF_TYPE};
use crate::proof::jwt::{self, format_unix, PublicKey};

/// The `version` written into the report's summary.
pub const VERSION: &str = "Open Badges 3.0";

/// How many schema problems a `schema` failure lists.
const SCHEMA_PROBLEMS_SHOWN: usize = 5;

/// Verifies an Open Badges 3.0 credential (OpenBadgeCredential, AchievementCredential or
/// EndorsementCredential) secured with an embedded `eddsa-rdfc-2022` Data Integrity proof.
///
/// Checks, in order: `format`, `schema`, `proof`, `issuer-key`, `validity`, `revocation`
/// (and `suspension` when the credential has such a status entry), `recipient` (see the module
/// documentation). Keys (`did:web`, URLs) and status lists are fetched through `fetch`; JSON-LD
/// contexts never are: a context that is not bundled makes `proof` fail, naming it. The report's
/// `format` is `ob3-data-integrity` (`unknown` when the document is not an Open Badges 3.0
/// credential). Never panics.
pub async fn verify_ob3(document: &Value, options: &Options, fetch: &dyn Fetch) -> Report {
    let mut report = Report::new("ob3-data-integrity");
    let Some(credential) = document.as_object() else {
        report.format = "unknown".into();
        report.check(
            "format",
            Status::Fail,
            "not an Open Badges 3.0 credential: the document is not a JSON object",
        );
        skip_rest(&mut report, &REST_DI, "the document is not a credential");
        return report;
    };
    if !check_format(&mut report, document) {
        report.format = "unknown".into();
        skip_rest(
            &mut report,
            &REST_DI,
            "the document is not an Open Badges 3.0 credential",
        );
        return report;
    }
    report.summary.version = Some(VERSION.into());
    fill_summary(&mut report, credential);
    check_schema(&mut report, document);

    // proof
    let issuer_id = issuer_id_of(credential).map(str::to_owned);
    let method = selected_method(document);
    match verify_embedded(document, fetch).await {
        Ok(vm) => {
            report.check(
                "proof",
                Status::Pass,
                format!("the {CRYPTOSUITE} Data Integrity proof verifies with the key {vm}"),
            );
        }
        Err(e) => {
            report.check(
                "proof",
                Status::Fail,
                format!("the proof does not verify: {e}"),
            );
        }
    }

    // issuer-key
    match (method, issuer_id.as_deref()) {
        (_, None) => {
            report.check(
                "issuer-key",
                Status::Fail,
                "the credential names no issuer id, so its key cannot be tied to an issuer",
            );
        }
        (None, Some(_)) => {
            report.check(
                "issuer-key",
                Status::Skipped,
                "the credential has no proof naming a verification method",
            );
        }
        (Some(vm), Some(issuer)) => issuer_binding(&mut report, &vm, issuer, fetch).await,
    }

    check_validity(&mut report, credential, None, None, options.now());
    check_revocation(&mut report, document, options.now(), fetch).await;
    check_recipient(&mut report, credential, options);
    report
}

/// Verifies an Open Badges 3.0 credential secured as a VC-JWT (compact JWS).
///
/// The payload is the credential itself with the registered claims (VC-JWT for VC Data Model 2.0
/// and Open Badges 3.0) or, VC Data Model 1.1 style, has the credential in a `vc` claim; both are
/// read. Checks: `jwt` (the signature: `RS256`, `ES256` or `EdDSA`; `alg: none` and HMAC
/// algorithms are refused; the key from the header's `kid`, resolved as a verification method
/// — `did:key`, `did:web` or a URL to a JWK, JWK Set or Multikey document, fetched through
/// `fetch` — or from an inline `jwk`), `jwt-claims` (`iss`, `sub`, `nbf`, `jti`, `exp` against
/// the credential), `format`, `schema`, `issuer-key`, `validity` (with `exp` as the end of
/// validity when the credential has none), `revocation`, `recipient`. The report's `format` is
/// `ob3-jwt`. Never panics.
pub async fn verify_ob3_jwt(compact: &str, options: &Options, fetch: &dyn Fetch) -> Report {
    let mut report = Report::new("ob3-jwt");
    let decoded = match jwt::decode(compact) {
        Ok(d) => d,
        Err(e) => {
            report.check("jwt", Status::Fail, format!("the VC-JWT is refused: {e}"));
            skip_rest(&mut report, &REST_JWT, "the token could not be read");
            return report;
        }
    };
    let credential_map = decoded.credential().clone();
    let credential = Value::Object(credential_map.clone());
    let issuer_id = issuer_id_of(&credential_map)
        .map(str::to_owned)
        .or_else(|| {
            decoded
                .payload
                .get("iss")
                .and_then(Value::as_str)
                .map(str::to_owned)
        });

    // jwt: the key and the signature.
    let kid = decoded.kid().map(|k| absolute_kid(k, issuer_id.as_deref()));
    let key: Result<(PublicKey, Option<String>), String> = match (&kid, decoded.jwk()) {
        (Some(kid), _) => keys::resolve_method(kid, fetch)
            .await
            .map(|m| (m.key, Some(kid.clone())))
            .map_err(|e| format!("the key {kid} could not be resolved: {e}")),
        (None, Some(jwk)) => PublicKey::from_jwk(jwk)
            .map(|k| (k, None))
            .map_err(|e| format!("the header's `jwk` is refused: {e}")),
        (None, None) => {
            Err("the JOSE header has neither `kid` nor `jwk`, so there is no key".into())
        }
    };
    match &key {
        Ok((k, id)) => match decoded.verify_signature(k) {
            Ok(()) => {
                let from = id
                    .as_deref()
                    .map_or_else(|| "the header's `jwk`".to_owned(), str::to_owned);
                report.check(
                    "jwt",
                    Status::Pass,
                    format!(
                        "the {} signature verifies with the {} from {from}",
                        decoded.algorithm.name(),
                        k.describe()
                    ),
                );
            }
            Err(e) => {
                report.check("jwt", Status::Fail, e.to_string());
            }
        },
        Err(e) => {
            report.check(
                "jwt",
                Status::Fail,
                format!("the signature cannot be checked: {e}"),
            );
        }
    }

    // jwt-claims
    let claims = jwt::check_claims(&decoded.payload, &credential_map);
    let style = if decoded.uses_vc_claim() {
        "`vc` claim (VC Data Model 1.1)"
    } else {
        "payload (VC-JWT)"
    };
    if !claims.problems.is_empty() {
        report.check(
            "jwt-claims",
            Status::Fail,
            format!(
                "the JWT claims contradict the credential in the {style}: {}",
                claims.problems.join("; ")
            ),
        );
    } else if !claims.notes.is_empty() {
        report.check(
            "jwt-claims",
            Status::Warning,
            format!(
                "the JWT claims agree with the credential in the {style} ({}), but: {}",
                claims.agreed.join(", "),
                claims.notes.join("; ")
            ),
        );
    } else {
        report.check(
            "jwt-claims",
            Status::Pass,
            format!(
                "the JWT claims agree with the credential in the {style}: {}",
                claims.agreed.join(", ")
            ),
        );
    }

    if !check_format(&mut report, &credential) {
        skip_rest(
            &mut report,
            &[
                "schema",
                "issuer-key",
                "validity",
                "revocation",
                "recipient",
            ],
            "the token does not carry an Open Badges 3.0 credential",
        );
        return report;
    }
    report.summary.version = Some(VERSION.into());
    fill_summary(&mut report, &credential_map);
    if report.summary.expires.is_none() {
        report.summary.expires = claims.expires.map(format_unix);
    }
    check_schema(&mut report, &credential);

    // issuer-key
    match (issuer_id.as_deref(), &key) {
        (None, _) => {
            report.check(
                "issuer-key",
                Status::Fail,
                "the credential names no issuer id, so its key cannot be tied to an issuer",
            );
        }
        (Some(_), Err(e)) => {
            report.check("issuer-key", Status::Fail, format!("no key to check: {e}"));
        }
        (Some(issuer), Ok((_, Some(kid)))) => {
            issuer_binding(&mut report, kid, issuer, fetch).await;
        }
        (Some(issuer), Ok((k, None))) => match keys::check_issuer_key(k, issuer, fetch).await {
            Ok(msg) => {
                report.check("issuer-key", Status::Pass, msg);
            }
            Err(msg) => {
                report.check("issuer-key", Status::Fail, msg);
            }
        },
    }

    check_validity(
        &mut report,
        &credential_map,
        claims.not_before,
        claims.expires,
        options.now(),
    );
    check_revocation(&mut report, &credential, options.now(), fetch).await;
    check_recipient(&mut report, &credential_map, options);
    report
}

const REST_DI: [&str; 6] = [
    "schema",
    "proof",
    "issuer-key",
    "validity",
    "revocation",
    "recipient",
];
const REST_JWT: [&str; 7] = [
    "jwt-claims",
    "format",
    "schema",
    "issuer-key",
    "validity",
    "revocation",
    "recipient",
];

fn skip_rest(report: &mut Report, ids: &[&str], why: &str) {
    for id in ids {
        report.check(id, Status::Skipped, format!("not checked: {why}"));
    }
}

/// A relative `kid` (`#key-1`, `key-1`) is taken relative to the issuer's id.
fn absolute_kid(kid: &str, issuer: Option<&str>) -> String {
    match issuer {
        Some(iss) if kid.starts_with('#') => format!("{}{kid}", keys::method_base(iss)),
        Some(iss) if !kid.contains(':') => format!("{}#{kid}", keys::method_base(iss)),
        _ => kid.to_owned(),
    }
}

async fn issuer_binding(report: &mut Report, vm: &str, issuer: &str, fetch: &dyn Fetch) {
    match keys::check_issuer_binding(vm, issuer, fetch).await {
        Ok(msg) => {
            report.check("issuer-key", Status::Pass, msg);
        }
        Err(msg) => {
            report.check("issuer-key", Status::Fail, msg);
        }
    }
}

/// The `verificationMethod` of the proof [`data_integrity::verify`] would check: the first
/// `eddsa-rdfc-2022` `DataIntegrityProof` (or the first proof when none is).
fn selected_method(document: &Value) -> Option<String> {
    let proofs: Vec<&Value> = match document.get("proof")? {
        Value::Array(a) => a.iter().collect(),
        v => vec![v],
    };
    let chosen = proofs
        .iter()
        .find(|p| {
            p.get("type").and_then(Value::as_str) == Some(PROOF_TYPE)
                && p.get("cryptosuite").and_then(Value::as_str) == Some(CRYPTOSUITE)
        })
        .or(proofs.first())?;
    chosen
        .get("verificationMethod")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// Verifies the embedded `eddsa-rdfc-2022` proof of `document`, resolving its verification
/// method through `fetch` (see [`keys::resolve_method`]). Returns the verification method's id.
///
/// Whether that method belongs to the document's issuer is not checked here.
pub(crate) async fn verify_embedded(document: &Value, fetch: &dyn Fetch) -> Result<String, String> {
    let resolved = match selected_method(document) {
        Some(vm) => Some((vm.clone(), keys::resolve_method(&vm, fetch).await)),
        None => None,
    };
    let resolver = |vm: &str| -> Result<ed25519_dalek::VerifyingKey, ResolveError> {
        match &resolved {
            Some((id, Ok(method))) if id == vm => match &method.key {
                PublicKey::Ed25519(k) => Ok(*k),
                other => Err(format!(
                    "it is an {}, but {CRYPTOSUITE} needs an Ed25519 key",
                    other.describe()
                )
                .into()),
            },
            Some((id, Err(e))) if id == vm => Err(e.to_string().into()),
            _ => Err("the verification method was not resolved".into()),
        }
    };
    data_integrity::verify(document, &resolver)
        .map(|v| v.verification_method)
        .map_err(|e| e.to_string())
}

fn strings(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// `format`: the document must be an OB 3.0 credential with the right contexts.
fn check_format(report: &mut Report, document: &Value) -> bool {
    let kind = match detect(document) {
        Detected::V3Credential => "OpenBadgeCredential",
        Detected::V3Endorsement => "EndorsementCredential",
        Detected::V2Assertion => {
            report.check(
                "format",
                Status::Fail,
                "this is an Open Badges 2.0 Assertion, not an Open Badges 3.0 credential",
            );
            return false;
        }
        Detected::Unknown(what) => {
            report.check(
                "format",
                Status::Fail,
                format!("not an Open Badges 3.0 credential: {what}"),
            );
            return false;
        }
    };
    let contexts = strings(document.get("@context"));
    let vc = match contexts.first() {
        Some(&VC_V2_CONTEXT) => "VC Data Model 2.0",
        Some(&VC_V1_CONTEXT) => "VC Data Model 1.1",
        _ => {
            report.check(
                "format",
                Status::Fail,
                format!(
                    "a {kind}, but its @context does not start with the Verifiable Credentials \
                     context ({VC_V2_CONTEXT} or {VC_V1_CONTEXT})"
                ),
            );
            return false;
        }
    };
    let Some(ob) = contexts.iter().find(|c| OB3_CONTEXTS.contains(c)) else {
        report.check(
            "format",
            Status::Fail,
            format!("a {kind} ({vc}), but its @context names no Open Badges 3.0 context"),
        );
        return false;
    };
    let types = strings(document.get("type"));
    if !types.contains(&"VerifiableCredential") {
        report.check(
            "format",
            Status::Fail,
            format!("a {kind}, but its type does not include VerifiableCredential"),
        );
        return false;
    }
    report.check(
        "format",
        Status::Pass,
        format!("an Open Badges 3.0 {kind} ({vc}, context {ob})"),
    );
    true
}

fn check_schema(report: &mut Report, document: &Value) {
    let problems = validate_schema(document);
    if problems.is_empty() {
        report.check(
            "schema",
            Status::Pass,
            "the credential conforms to 1EdTech's Open Badges 3.0 JSON Schema",
        );
    } else {
        let shown: Vec<String> = problems
            .iter()
            .take(SCHEMA_PROBLEMS_SHOWN)
            .map(ToString::to_string)
            .collect();
        let more = problems.len().saturating_sub(SCHEMA_PROBLEMS_SHOWN);
        let more = if more > 0 {
            format!(" (and {more} more)")
        } else {
            String::new()
        };
        report.check(
            "schema",
            Status::Fail,
            format!(
                "the credential does not conform to 1EdTech's JSON Schema: {}{more}",
                shown.join("; ")
            ),
        );
    }
}

fn issuer_id_of(credential: &Map<String, Value>) -> Option<&str> {
    match credential.get("issuer") {
        Some(Value::String(s)) => Some(s),
        Some(Value::Object(o)) => o.get("id").and_then(Value::as_str),
        _ => None,
    }
}

fn subjects(credential: &Map<String, Value>) -> Vec<&Map<String, Value>> {
    match credential.get("credentialSubject") {
        Some(Value::Object(o)) => vec![o],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_object).collect(),
        _ => Vec::new(),
    }
}

fn fill_summary(report: &mut Report, credential: &Map<String, Value>) {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    let s = &mut report.summary;
    s.issuer_id = issuer_id_of(credential).map(str::to_owned);
    s.issuer_name = credential.get("issuer").and_then(|i| text(i.get("name")));
    let subject = subjects(credential).into_iter().next();
    s.achievement_name = subject
        .and_then(|sub| sub.get("achievement"))
        .and_then(|a| text(a.get("name")))
        .or_else(|| text(credential.get("name")));
    s.recipient = subject.and_then(|sub| {
        text(sub.get("id")).or_else(|| {
            let ids = sub.get("identifier")?.as_array()?;
            let first = ids.first()?;
            let kind = text(first.get("identityType")).unwrap_or_else(|| "identity".into());
            if first.get("hashed").and_then(Value::as_bool) == Some(true) {
                Some(format!("hashed {kind}"))
            } else {
                text(first.get("identityHash"))
            }
        })
    });
    s.issued = text(credential.get("validFrom")).or_else(|| text(credential.get("issuanceDate")));
    s.expires =
        text(credential.get("validUntil")).or_else(|| text(credential.get("expirationDate")));
}

/// `validity`: the validity period against now. `nbf`/`exp` (from a VC-JWT) stand in for a
/// missing `validFrom`/`validUntil`.
fn check_validity(
    report: &mut Report,
    credential: &Map<String, Value>,
    nbf: Option<i64>,
    exp: Option<i64>,
    now: i64,
) {
    let date = |names: [&str; 2]| -> Result<Option<(String, i64)>, String> {
        for name in names {
            if let Some(v) = credential.get(name) {
                let text = v
                    .as_str()
                    .ok_or_else(|| format!("`{name}` is not a string"))?;
                return crate::model::v2::parse_date_text(text)
                    .map(|t| Some((name.to_owned(), t)))
                    .map_err(|e| format!("`{name}` is not a date: {e}"));
            }
        }
        Ok(None)
    };
    let from = date(["validFrom", "issuanceDate"])
        .map(|d| d.or_else(|| nbf.map(|t| ("nbf".to_owned(), t))));
    let until = date(["validUntil", "expirationDate"])
        .map(|d| d.or_else(|| exp.map(|t| ("exp".to_owned(), t))));
    let (from, until) = match (from, until) {
        (Ok(f), Ok(u)) => (f, u),
        (Err(e), _) | (_, Err(e)) => {
            report.check(
                "validity",
                Status::Fail,
                format!("the validity period cannot be read: {e}"),
            );
            return;
        }
    };
    let now_text = format_unix(now);
    if let Some((name, t)) = &from {
        if *t > now {
            report.check(
                "validity",
                Status::Fail,
                format!(
                    "not yet valid: valid from {} ({name}), and it is now {now_text}",
                    format_unix(*t)
                ),
            );
            return;
        }
    }
    if let Some((name, t)) = &until {
        if *t < now {
            report.check(
                "validity",
                Status::Fail,
                format!(
                    "expired on {} ({name}); it is now {now_text}",
                    format_unix(*t)
                ),
            );
            return;
        }
    }
    let message = match (&from, &until) {
        (None, None) => {
            report.check(
                "validity",
                Status::Skipped,
                "the credential states no validity period",
            );
            return;
        }
        (Some((_, f)), None) => format!("valid since {} with no end date", format_unix(*f)),
        (None, Some((_, u))) => format!("valid until {}", format_unix(*u)),
        (Some((_, f)), Some((_, u))) => {
            format!("valid from {} until {}", format_unix(*f), format_unix(*u))
        }
    };
    report.check("validity", Status::Pass, message);
}

async fn check_revocation(report: &mut Report, credential: &Value, now: i64, fetch: &dyn Fetch) {
    let outcome = status::check_status(credential, now, fetch).await;
    for c in outcome.checks {
        report.check(&c.id, c.status, c.message);
    }
    report.summary.revoked = outcome.revoked;
}

/// `recipient`: the identity the caller knows against `credentialSubject.id` and
/// `credentialSubject.identifier` (plain or hashed).
fn check_recipient(report: &mut Report, credential: &Map<String, Value>, options: &Options) {
    let Some(known) = options.recipient.as_deref() else {
        report.check(
            "recipient",
            Status::Skipped,
            "no recipient identity was given to compare with",
        );
        return;
    };
    let subjects = subjects(credential);
    for subject in &subjects {
        if subject.get("id").and_then(Value::as_str) == Some(known) {
            report.check(
                "recipient",
                Status::Pass,
                format!("the credential was issued to {known} (credentialSubject.id)"),
            );
            return;
        }
        if let Some(Value::Array(ids)) = subject.get("identifier") {
            for id in ids {
                let Ok(identity) = serde_json::from_value::<IdentityObject>(id.clone()) else {
                    continue;
                };
                if identity.matches(known) {
                    let how = if identity.hashed { "hashed" } else { "plain" };
                    let kind = identity.identity_type.as_deref().unwrap_or("identity");
                    report.check(
                        "recipient",
                        Status::Pass,
                        format!("the credential was issued to {known} ({how} {kind})"),
                    );
                    return;
                }
            }
        }
    }
    report.check(
        "recipient",
        Status::Fail,
        format!(
            "the credential was not issued to {known}: neither credentialSubject.id nor any \
             identifier matches"
        ),
    );
}
