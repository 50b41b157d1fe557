//! `credentialStatus`: revocation and suspension of Open Badges 3.0 credentials.
//!
//! Two status methods are checked:
//!
//! - `1EdTechRevocationList` (what Open Badges 3.0 names, 1EdTech's VCRL 1.0): the entry's `id`
//!   is the URL of a list of revoked credential ids (`revokedCredentials`, each an id or an
//!   object with an `id` and perhaps a `revocationReason`). The list is fetched; if it carries
//!   a Data Integrity proof, the proof must verify with a key of the credential's issuer.
//! - `BitstringStatusListEntry` (W3C Bitstring Status List, what wallets and the DCC verifier
//!   use; `StatusList2021Entry` is read the same way): the status list credential at
//!   `statusListCredential` is fetched, its Data Integrity proof verified with the same
//!   machinery as the credential's, its `encodedList` decoded (multibase base64url, GZIP, with a
//!   size limit) and the bit at `statusListIndex` read, for `statusPurpose` `revocation` or
//!   `suspension`.
//!
//! What cannot be checked is said: when a list cannot be fetched, does not verify, or is not
//! understood, the check is a **warning** "revocation could not be checked: …", never "not
//! revoked", and [`StatusOutcome::revoked`] stays `None`.

use std::io::Read;

use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::{Map, Value};

use super::fetch::Fetch;
use super::keys;
use super::report::{Check, Status};
use crate::proof::jwt::format_unix;

/// The largest decompressed bitstring accepted: 16 MiB (134 million entries). The W3C
/// specification's minimum list is 16 KiB; anything near this limit is hostile.
pub const MAX_BITSTRING_BYTES: usize = 16 * 1024 * 1024;

/// The result of checking all `credentialStatus` entries of a credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusOutcome {
    /// The checks made: `revocation` always; `suspension` when a suspension entry exists.
    pub checks: Vec<Check>,
    /// `Some(true)` revoked, `Some(false)` every revocation entry was checked and none is set,
    /// `None` when there is no revocation entry or one could not be checked.
    pub revoked: Option<bool>,
}

/// What one status entry said.
#[derive(Debug, Clone, PartialEq, Eq)]
enum EntryResult {
    /// The list says the status is set (revoked / suspended).
    Set(String),
    /// The list was checked and the status is not set.
    Clear(String),
    /// The list could not be checked; the reason.
    Unknown(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Revocation,
    Suspension,
    Other,
}

/// Checks every `credentialStatus` entry of `credential` (a JSON object) at time `now`
/// (Unix seconds): see the module documentation.
///
/// Never panics and never returns "not revoked" for a list it could not read or verify.
pub async fn check_status(credential: &Value, now: i64, fetch: &dyn Fetch) -> StatusOutcome {
    let entries: Vec<&Value> = match credential.get("credentialStatus") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v) => vec![v],
    };
    if entries.is_empty() {
        return StatusOutcome {
            checks: vec![check(
                "revocation",
                Status::Skipped,
                "the credential has no credentialStatus, so there is no revocation list to check",
            )],
            revoked: None,
        };
    }
    let issuer_id = issuer_id_of(credential);
    let credential_id = credential.get("id").and_then(Value::as_str);

    let mut revocation: Vec<EntryResult> = Vec::new();
    let mut suspension: Vec<EntryResult> = Vec::new();
    let mut other: Vec<String> = Vec::new();
    for entry in entries.into_iter().take(16) {
        let Some(entry) = entry.as_object() else {
            revocation.push(EntryResult::Unknown(
                "a credentialStatus entry is not a JSON object".into(),
            ));
            continue;
        };
        let kind = entry.get("type").and_then(Value::as_str).unwrap_or("");
        if kind == "1EdTechRevocationList" {
            revocation.push(check_1edtech(entry, credential_id, issuer_id, now, fetch).await);
        } else if kind == "BitstringStatusListEntry" || kind == "StatusList2021Entry" {
            let purpose = match entry.get("statusPurpose").and_then(Value::as_str) {
                Some("revocation") => Purpose::Revocation,
                Some("suspension") => Purpose::Suspension,
                _ => Purpose::Other,
            };
            if purpose == Purpose::Other {
                other.push(format!(
                    "a {kind} with statusPurpose {} was not checked",
                    describe(entry.get("statusPurpose"))
                ));
                continue;
            }
            let result = check_bitstring(entry, purpose, issuer_id, now, fetch).await;
            if purpose == Purpose::Revocation {
                revocation.push(result);
            } else {
                suspension.push(result);
            }
        } else {
            revocation.push(EntryResult::Unknown(format!(
                "the status method {} is not supported (1EdTechRevocationList and \
                 BitstringStatusListEntry are)",
                describe(entry.get("type"))
            )));
        }
    }

    let mut checks = Vec::new();
    let (status, message, revoked) = summarise(&revocation, "revocation", "revoked", &other);
    checks.push(check("revocation", status, message));
    if !suspension.is_empty() {
        let (status, message, _) = summarise(&suspension, "suspension", "suspended", &[]);
        checks.push(check("suspension", status, message));
    }
    StatusOutcome { checks, revoked }
}

fn summarise(
    results: &[EntryResult],
    what: &str,
    set_word: &str,
    notes: &[String],
) -> (Status, String, Option<bool>) {
    let join = |v: Vec<&String>| v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("; ");
    let note = if notes.is_empty() {
        String::new()
    } else {
        format!(" ({})", notes.join("; "))
    };
    let set: Vec<&String> = results
        .iter()
        .filter_map(|r| match r {
            EntryResult::Set(m) => Some(m),
            _ => None,
        })
        .collect();
    let unknown: Vec<&String> = results
        .iter()
        .filter_map(|r| match r {
            EntryResult::Unknown(m) => Some(m),
            _ => None,
        })
        .collect();
    let clear: Vec<&String> = results
        .iter()
        .filter_map(|r| match r {
            EntryResult::Clear(m) => Some(m),
            _ => None,
        })
        .collect();
    if !set.is_empty() {
        (
            Status::Fail,
            format!("the credential is {set_word}: {}{note}", join(set)),
            Some(true),
        )
    } else if !unknown.is_empty() {
        (
            Status::Warning,
            format!("{what} could not be checked: {}{note}", join(unknown)),
            None,
        )
    } else if !clear.is_empty() {
        (
            Status::Pass,
            format!("not {set_word}: {}{note}", join(clear)),
            Some(false),
        )
    } else {
        (
            Status::Skipped,
            format!("no {what} entry to check{note}"),
            None,
        )
    }
}

async fn check_1edtech(
    entry: &Map<String, Value>,
    credential_id: Option<&str>,
    issuer_id: Option<&str>,
    now: i64,
    fetch: &dyn Fetch,
) -> EntryResult {
    let Some(url) = entry.get("id").and_then(Value::as_str) else {
        return EntryResult::Unknown("the 1EdTechRevocationList entry has no `id` URL".into());
    };
    let Some(credential_id) = credential_id else {
        return EntryResult::Unknown(
            "the credential has no id to look up in its revocation list".into(),
        );
    };
    let list = match keys::fetch_json(url, "application/json, application/ld+json", fetch).await {
        Ok(list) => list,
        Err(e) => return EntryResult::Unknown(format!("the revocation list {e}")),
    };
    let signed = list.get("proof").is_some();
    if let Err(why) = authenticate_list(&list, url, issuer_id, now, fetch).await {
        return EntryResult::Unknown(why);
    }
    let holder = match list.get("revokedCredentials") {
        Some(_) => &list,
        None => match list.get("credentialSubject") {
            Some(Value::Array(a)) => a.first().unwrap_or(&Value::Null),
            Some(v) => v,
            None => &Value::Null,
        },
    };
    let Some(Value::Array(revoked)) = holder.get("revokedCredentials") else {
        return EntryResult::Unknown(format!(
            "the revocation list {} has no `revokedCredentials` list",
            short(url)
        ));
    };
    let how = if signed {
        "its proof verified"
    } else {
        "the list is not signed; it was read from the URL the signed credential names"
    };
    for item in revoked {
        let (id, reason) = match item {
            Value::String(s) => (Some(s.as_str()), None),
            Value::Object(o) => (
                o.get("id").and_then(Value::as_str),
                o.get("revocationReason").and_then(Value::as_str),
            ),
            _ => (None, None),
        };
        if id == Some(credential_id) {
            let reason = reason
                .map(|r| format!(" (reason: {})", short(r)))
                .unwrap_or_default();
            return EntryResult::Set(format!(
                "the revocation list {} lists {}{reason}",
                short(url),
                short(credential_id)
            ));
        }
    }
    EntryResult::Clear(format!(
        "the revocation list {} ({} entries; {how}) does not list {}",
        short(url),
        revoked.len(),
        short(credential_id)
    ))
}

/// Checks that a fetched list is the credential issuer's: its `id` (when present) is the URL it
/// was fetched from, its `issuer` (when present) is the credential's issuer, its validity
/// period includes `now`, and its proof (when present, or when `require_proof`) verifies with a
/// key of its issuer.
async fn authenticate_list(
    list: &Value,
    url: &str,
    issuer_id: Option<&str>,
    now: i64,
    fetch: &dyn Fetch,
) -> Result<(), String> {
    if let Some(id) = list.get("id").and_then(Value::as_str) {
        if id != url {
            return Err(format!(
                "the list fetched from {} says its id is {}",
                short(url),
                short(id)
            ));
        }
    }
    let list_issuer = issuer_id_of(list);
    if let (Some(list_issuer), Some(issuer)) = (list_issuer, issuer_id) {
        if list_issuer != issuer {
            return Err(format!(
                "the list {} was issued by {}, not by the credential's issuer {}",
                short(url),
                short(list_issuer),
                short(issuer)
            ));
        }
    }
    for (names, before) in [
        (["validFrom", "issuanceDate"], true),
        (["validUntil", "expirationDate"], false),
    ] {
        if let Some(text) = names
            .iter()
            .find_map(|n| list.get(*n).and_then(Value::as_str))
        {
            match crate::model::v2::parse_date_text(text) {
                Ok(t) if before && t > now => {
                    return Err(format!(
                        "the list {} is not valid before {}",
                        short(url),
                        format_unix(t)
                    ))
                }
                Ok(t) if !before && t < now => {
                    return Err(format!(
                        "the list {} expired on {}",
                        short(url),
                        format_unix(t)
                    ))
                }
                Ok(_) => {}
                Err(e) => return Err(format!("the list {} has a bad date: {e}", short(url))),
            }
        }
    }
    if list.get("proof").is_some() {
        let vm = super::ob3::verify_embedded(list, fetch)
            .await
            .map_err(|e| format!("the list {} does not verify: {e}", short(url)))?;
        let owner = list_issuer.or(issuer_id).ok_or_else(|| {
            format!(
                "the list {} names no issuer to check its key against",
                short(url)
            )
        })?;
        keys::check_issuer_binding(&vm, owner, fetch)
            .await
            .map_err(|e| format!("the list {} does not verify: {e}", short(url)))?;
    }
    Ok(())
}

async fn check_bitstring(
    entry: &Map<String, Value>,
    purpose: Purpose,
    issuer_id: Option<&str>,
    now: i64,
    fetch: &dyn Fetch,
) -> EntryResult {
    let purpose_word = if purpose == Purpose::Revocation {
        "revocation"
    } else {
        "suspension"
    };
    let Some(url) = entry.get("statusListCredential").and_then(Value::as_str) else {
        return EntryResult::Unknown("the status entry has no `statusListCredential` URL".into());
    };
    let index = match entry.get("statusListIndex") {
        Some(Value::String(s)) => s.trim().parse::<u64>().ok(),
        Some(Value::Number(n)) => n.as_u64(),
        _ => None,
    };
    let Some(index) = index else {
        return EntryResult::Unknown(format!(
            "the status entry's statusListIndex {} is not a number",
            describe(entry.get("statusListIndex"))
        ));
    };
    match entry.get("statusSize") {
        None => {}
        Some(v) if v.as_u64() == Some(1) || v.as_str() == Some("1") => {}
        Some(v) => {
            return EntryResult::Unknown(format!(
                "statusSize {} is not supported (only 1)",
                short(&v.to_string())
            ))
        }
    }
    let list = match keys::fetch_json(url, "application/vc+ld+json, application/json", fetch).await
    {
        Ok(list) => list,
        Err(e) => return EntryResult::Unknown(format!("the status list {e}")),
    };
    let types = strings(list.get("type"));
    if !types
        .iter()
        .any(|t| *t == "BitstringStatusListCredential" || *t == "StatusList2021Credential")
    {
        return EntryResult::Unknown(format!(
            "the document at {} is not a BitstringStatusListCredential",
            short(url)
        ));
    }
    if list.get("proof").is_none() {
        return EntryResult::Unknown(format!(
            "the status list {} has no proof, so it cannot be trusted",
            short(url)
        ));
    }
    if let Err(why) = authenticate_list(&list, url, issuer_id, now, fetch).await {
        return EntryResult::Unknown(why);
    }
    let subject = match list.get("credentialSubject") {
        Some(Value::Array(a)) => a.first().unwrap_or(&Value::Null),
        Some(v) => v,
        None => &Value::Null,
    };
    let list_purposes = strings(subject.get("statusPurpose"));
    if !list_purposes.contains(&purpose_word) {
        return EntryResult::Unknown(format!(
            "the status list {} is for {:?}, not {purpose_word}",
            short(url),
            list_purposes
        ));
    }
    let Some(encoded) = subject.get("encodedList").and_then(Value::as_str) else {
        return EntryResult::Unknown(format!("the status list {} has no encodedList", short(url)));
    };
    let bits = match decode_bitstring(encoded) {
        Ok(bits) => bits,
        Err(e) => {
            return EntryResult::Unknown(format!(
                "the status list {}'s encodedList cannot be read: {e}",
                short(url)
            ))
        }
    };
    let total = bits.len() as u64 * 8;
    if index >= total {
        return EntryResult::Unknown(format!(
            "statusListIndex {index} is beyond the status list {}'s {total} entries",
            short(url)
        ));
    }
    // Index 0 is the most significant bit of the first byte.
    let byte = bits[(index / 8) as usize];
    let set = byte & (0x80 >> (index % 8)) != 0;
    if set {
        EntryResult::Set(format!(
            "the status list {} marks entry {index} ({purpose_word})",
            short(url)
        ))
    } else {
        EntryResult::Clear(format!(
            "the status list {} (proof verified) does not mark entry {index}",
            short(url)
        ))
    }
}

/// Decodes a Bitstring Status List `encodedList`: multibase base64url (`u…`; a StatusList2021
/// list without the multibase prefix is accepted too), then GZIP, at most
/// [`MAX_BITSTRING_BYTES`] once decompressed.
///
/// # Errors
/// A message when it is not base64url, not GZIP, or decompresses to more than the limit.
pub fn decode_bitstring(encoded: &str) -> Result<Vec<u8>, String> {
    let text = encoded.trim();
    let body = text.strip_prefix('u').unwrap_or(text);
    let compressed = URL_SAFE_NO_PAD
        .decode(body.trim_end_matches('='))
        .or_else(|_| URL_SAFE.decode(body))
        .or_else(|_| URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')))
        .map_err(|e| format!("not base64url: {e}"))?;
    let mut out = Vec::new();
    let decoder = flate2::read::GzDecoder::new(compressed.as_slice());
    decoder
        .take(MAX_BITSTRING_BYTES as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("not GZIP: {e}"))?;
    if out.len() > MAX_BITSTRING_BYTES {
        return Err(format!(
            "it decompresses to more than {MAX_BITSTRING_BYTES} bytes"
        ));
    }
    if out.is_empty() {
        return Err("it is empty".into());
    }
    Ok(out)
}

fn issuer_id_of(doc: &Value) -> Option<&str> {
    match doc.get("issuer") {
        Some(Value::String(s)) => Some(s),
        Some(Value::Object(o)) => o.get("id").and_then(Value::as_str),
        _ => None,
    }
}

fn strings(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn describe(v: Option<&Value>) -> String {
    match v {
        None => "(none)".into(),
        Some(Value::String(s)) => short(s),
        Some(other) => short(&other.to_string()),
    }
}

fn check(id: &str, status: Status, message: impl Into<String>) -> Check {
    Check {
        id: id.into(),
        status,
        message: message.into(),
    }
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
    use std::io::Write;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn decodes_multibase_gzip_and_refuses_bombs() {
        let encoded = format!("u{}", URL_SAFE_NO_PAD.encode(gzip(&[0x80, 0, 1])));
        assert_eq!(decode_bitstring(&encoded).unwrap(), vec![0x80, 0, 1]);
        let bomb = gzip(&vec![0u8; MAX_BITSTRING_BYTES + 10]);
        let encoded = format!("u{}", URL_SAFE_NO_PAD.encode(bomb));
        assert!(decode_bitstring(&encoded)
            .unwrap_err()
            .contains("decompresses to more"));
        assert!(decode_bitstring("u!!!").is_err());
        assert!(decode_bitstring("uAAAA").is_err());
    }
}
