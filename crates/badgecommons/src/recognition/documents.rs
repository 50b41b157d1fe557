//! The JSON-LD documents the community publishes about its awards: the Open Badges 3.0
//! credential (signed), the Open Badges 2.0 hosted assertion, the issuer's two profiles and the
//! revocation status list.
//!
//! Which URL is which id (DESIGN.md's URL scheme; every OB 2.0 id is the URL it is served at,
//! without content negotiation, as hosted verification compares them):
//!
//! | document | id |
//! | --- | --- |
//! | OB 3.0 credential | `{public}/credentials/{award}` |
//! | OB 2.0 assertion | `{public}/credentials/{award}/ob2.json` |
//! | OB 3.0 issuer Profile | the `did:web` DID |
//! | OB 2.0 issuer Profile | `{public}/issuer/ob2.json` |
//! | OB 3.0 Achievement / OB 2.0 BadgeClass | `{public}/badges/{id}` / `{public}/badges/{id}/ob2.json` |
//! | status list credential | `{public}/credentials/status/{n}` |
//!
//! Choices where the specifications leave one, as the DCC and 1EdTech examples do: the
//! recipient is a salted SHA-256 `IdentityObject` of the email address (never the address
//! itself); the award's narrative and evidence links become `Evidence` entries; status lists
//! are `BitstringStatusList`s of 131,072 entries (the minimum the specification recommends for
//! herd privacy), indices given out in order.

use std::io::Write;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use openbadges::model::common::{hash_identity, HashAlgorithm};
use serde_json::{json, Value};

use super::awards::Award;
use super::issuer_profile::IssuerProfile;
use crate::web::AppState;

/// A JSON(-LD) document as Open Badges tools fetch it: with its content type, readable from any
/// origin (browser-based verifiers and backpacks fetch across origins).
pub fn json_document(content_type: &'static str, value: &Value) -> axum::response::Response {
    use axum::http::{header, HeaderValue};
    use axum::response::IntoResponse;
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            ),
        ],
        value.to_string(),
    )
        .into_response()
}

/// Entries in one status list.
pub const STATUS_LIST_SIZE: i64 = 131_072;

const VC_V2: &str = "https://www.w3.org/ns/credentials/v2";
const OB_V3: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";

pub fn credential_url(state: &AppState, award_id: &str) -> String {
    state.url(&format!("/credentials/{award_id}"))
}

pub fn status_list_url(state: &AppState, list: i64) -> String {
    state.url(&format!("/credentials/status/{list}"))
}

/// The OB 3.0 issuer Profile (embedded in credentials, and at `/issuer/ob3.json`).
pub fn ob3_profile(state: &AppState, profile: &IssuerProfile) -> Value {
    let mut doc = json!({
        "id": state.issuer.did,
        "type": ["Profile"],
        "name": profile.name,
        "url": profile.url_or(state),
    });
    if !profile.email.is_empty() {
        doc["email"] = json!(profile.email);
    }
    if !profile.description.is_empty() {
        doc["description"] = json!(profile.description);
    }
    if profile.has_image {
        doc["image"] = json!({"id": state.url("/issuer/image"), "type": "Image"});
    }
    doc
}

/// The OB 2.0 issuer Profile at `/issuer/ob2.json` (and `/issuer` for `application/ld+json`).
pub fn ob2_profile(state: &AppState, profile: &IssuerProfile) -> Value {
    let mut doc = json!({
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Issuer",
        "id": state.url("/issuer/ob2.json"),
        "name": profile.name,
        "url": profile.url_or(state),
        "email": if profile.email.is_empty() { Value::Null } else { json!(profile.email) },
    });
    if doc["email"].is_null() {
        if let Some(map) = doc.as_object_mut() {
            map.remove("email");
        }
    }
    if !profile.description.is_empty() {
        doc["description"] = json!(profile.description);
    }
    if profile.has_image {
        doc["image"] = json!(state.url("/issuer/image"));
    }
    doc
}

/// The unsigned OB 3.0 credential of an award; `achievement` is the badge class's OB 3.0
/// Achievement.
pub fn ob3_credential(
    state: &AppState,
    award: &Award,
    achievement: Value,
    profile: &IssuerProfile,
) -> Value {
    let mut subject = json!({
        "type": ["AchievementSubject"],
        "identifier": [{
            "type": "IdentityObject",
            "identityType": "emailAddress",
            "hashed": true,
            "identityHash": hash_identity(HashAlgorithm::Sha256, &award.recipient_email, Some(&award.recipient_salt)),
            "salt": award.recipient_salt,
        }],
        "achievement": achievement,
    });
    if let Some(user) = &award.recipient_username {
        subject["id"] = json!(state.url(&format!("/u/{user}")));
    }
    let list = award.status_index / STATUS_LIST_SIZE;
    let list_url = status_list_url(state, list);
    let mut credential = json!({
        "@context": [VC_V2, OB_V3],
        "id": credential_url(state, &award.id),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": award.badge_name,
        "issuer": ob3_profile(state, profile),
        "validFrom": crate::web::Stamp(award.issued_at).iso(),
        "credentialSubject": subject,
        "credentialStatus": {
            "id": format!("{list_url}#{}", award.status_index),
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": (award.status_index % STATUS_LIST_SIZE).to_string(),
            "statusListCredential": list_url,
        },
    });
    let evidence = evidence_entries(award);
    if !evidence.is_empty() {
        credential["evidence"] = Value::Array(evidence);
    }
    credential
}

fn evidence_entries(award: &Award) -> Vec<Value> {
    let mut entries = Vec::new();
    if !award.narrative.is_empty() {
        entries.push(json!({
            "type": ["Evidence"],
            "name": "Why this was awarded",
            "narrative": award.narrative,
        }));
    }
    for link in &award.evidence {
        let mut entry = json!({"id": link.url, "type": ["Evidence"]});
        if !link.name.is_empty() {
            entry["name"] = json!(link.name);
        }
        entries.push(entry);
    }
    entries
}

/// The OB 2.0 hosted assertion of an award, at `/credentials/{id}/ob2.json`.
pub fn ob2_assertion(state: &AppState, award: &Award) -> Value {
    let id = state.url(&format!("/credentials/{}/ob2.json", award.id));
    let mut doc = json!({
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": id,
        "recipient": {
            "type": "email",
            "hashed": true,
            "salt": award.recipient_salt,
            "identity": hash_identity(HashAlgorithm::Sha256, &award.recipient_email, Some(&award.recipient_salt)),
        },
        "badge": state.url(&format!("/badges/{}/ob2.json", award.badge_class_id)),
        "issuedOn": crate::web::Stamp(award.issued_at).iso(),
        "verification": {"type": "hosted"},
        "image": state.url(&format!("/badges/{}/image", award.badge_class_id)),
    });
    if !award.narrative.is_empty() {
        doc["narrative"] = json!(award.narrative);
    }
    if !award.evidence.is_empty() {
        doc["evidence"] = Value::Array(
            award
                .evidence
                .iter()
                .map(|e| {
                    let mut entry = json!({"id": e.url});
                    if !e.name.is_empty() {
                        entry["name"] = json!(e.name);
                    }
                    entry
                })
                .collect(),
        );
    }
    if award.revoked_at.is_some() {
        doc["revoked"] = json!(true);
        doc["revocationReason"] = json!(award.revocation_reason);
    }
    doc
}

/// The unsigned status list credential number `list`, with the bits of `revoked` (indices within
/// the whole numbering) set.
pub fn status_list_credential(
    state: &AppState,
    list: i64,
    revoked: &[i64],
    now_millis: i64,
) -> Value {
    let mut bits = vec![0u8; (STATUS_LIST_SIZE / 8) as usize];
    for index in revoked {
        let within = index - list * STATUS_LIST_SIZE;
        if (0..STATUS_LIST_SIZE).contains(&within) {
            // Bit 0 is the most significant bit of the first byte (Bitstring Status List §3).
            bits[(within / 8) as usize] |= 0x80 >> (within % 8);
        }
    }
    let url = status_list_url(state, list);
    json!({
        "@context": [VC_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": state.issuer.did,
        "validFrom": crate::web::Stamp(now_millis).iso(),
        "credentialSubject": {
            "id": format!("{url}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": format!("u{}", URL_SAFE_NO_PAD.encode(gzip(&bits))),
        },
    })
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}
