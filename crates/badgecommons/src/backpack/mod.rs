//! The backpack: members keep badges from anywhere here, beside the awards this community made
//! them, arrange them in collections they can share, and take everything away in one zip.
//!
//! An import is verified with `openbadges` (through the app's guarded fetcher, the member's
//! email address as the expected recipient) and stored WITH its report whatever the verdict: a
//! forged, tampered, expired or revoked badge is kept so the member can see why, but it is
//! marked and never shown as valid. A daily task re-verifies every stored badge, so that
//! revocations and expiries show. Imported badges are private until their holder shows them.
//!
//! Files: `store.rs` (queries), `routes.rs` (backpack page and API), `collections.rs`
//! (collections and their share pages), `export.rs` (the zip).

mod collections;
mod collections_api;
mod export;
mod routes;
pub mod store;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use openbadges::verify::{Options, Report, Status};
use serde_json::{json, Value};

use crate::recognition::Input;
use crate::web::AppState;
use store::{ImportedBadge, Verified};

pub use routes::{profile_badges, BadgeView, UPLOAD_PATHS};

/// The most badges one member may import: enough for a career, few enough that a daily
/// re-verification of everyone stays cheap.
pub const MAX_BADGES_PER_MEMBER: i64 = 500;

/// The largest pasted credential or URL stored (a signed OB 3.0 credential is a few KB).
pub const MAX_PAYLOAD_BYTES: usize = 256 * 1024;

/// How many re-verifications run at once: each may fetch several documents from other sites.
const REVERIFY_CONCURRENCY: usize = 4;

/// The pages and API routes of the backpack.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(routes::routes())
        .merge(collections::routes())
        .merge(collections_api::routes())
        .merge(export::routes())
}

/// Where a stored badge stands, from its last report: what a displayer must say about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    Valid,
    Revoked,
    Expired,
    NotValid,
}

impl Standing {
    pub fn of(badge: &ImportedBadge) -> Standing {
        if badge.revoked_at.is_some() {
            return Standing::Revoked;
        }
        if badge.valid_at.is_some() {
            return Standing::Valid;
        }
        let report: Value = serde_json::from_str(&badge.report).unwrap_or(Value::Null);
        let expired = report["checks"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["id"] == "expiry" && c["status"] == "fail");
        if expired {
            Standing::Expired
        } else {
            Standing::NotValid
        }
    }

    /// For an award of this community: valid unless revoked.
    pub fn of_award(revoked: bool) -> Standing {
        if revoked {
            Standing::Revoked
        } else {
            Standing::Valid
        }
    }

    /// The word shown and put in JSON: `valid`, `revoked`, `expired` or `not valid`.
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Valid => "valid",
            Standing::Revoked => "revoked",
            Standing::Expired => "expired",
            Standing::NotValid => "not valid",
        }
    }

    pub fn is_valid(self) -> bool {
        self == Standing::Valid
    }
}

/// What a report says, in the columns the backpack keeps.
fn verified(report: &Report) -> Verified {
    let revoked = report.summary.revoked == Some(true)
        || report
            .get("revocation")
            .is_some_and(|c| c.status == Status::Fail);
    Verified {
        format: report.format.clone(),
        // A revoked badge is never valid, even if a verifier only warned about it.
        valid: report.valid && !revoked,
        revoked,
        report: serde_json::to_string(report).unwrap_or_else(|_| "{}".to_owned()),
        badge_name: clip(report.summary.achievement_name.as_deref().unwrap_or("")),
        issuer_name: clip(report.summary.issuer_name.as_deref().unwrap_or("")),
        issued: clip(report.summary.issued.as_deref().unwrap_or("")),
        expires: clip(report.summary.expires.as_deref().unwrap_or("")),
    }
}

/// At most 300 characters of a name taken from a badge: it is someone else's text.
fn clip(text: &str) -> String {
    text.chars().take(300).collect()
}

/// Verifies `input` for the member whose address is `email`.
async fn verify(state: &AppState, input: &Input, email: &str) -> Report {
    let options = Options {
        recipient: Some(email.to_owned()),
        ..Options::default()
    };
    input.verify_with(&options, &*state.fetcher).await
}

/// Re-verifies one stored badge from what was imported and records the new report.
async fn reverify_one(state: &AppState, id: i64, email: &str) -> Result<(), sqlx::Error> {
    let Some(badge) = store::get_any(&state.db, id).await? else {
        return Ok(()); // deleted meanwhile
    };
    let input = match badge.source.as_str() {
        "url" => Input::Url(badge.payload.clone()),
        "image" => match store::image(&state.db, id).await? {
            Some((bytes, _)) => Input::Image(bytes.into()),
            None => Input::Text(badge.payload.clone()),
        },
        _ => Input::Text(badge.payload.clone()),
    };
    let report = verify(state, &input, email).await;
    store::update_verification(&state.db, id, &verified(&report)).await
}

/// Re-verifies every stored badge, a few at a time; returns how many were re-verified. Tests
/// call it directly; the server runs it daily (see [`spawn_daily_reverification`]).
pub async fn reverify_all(state: &AppState) -> Result<usize, sqlx::Error> {
    let badges = store::all_for_reverification(&state.db).await?;
    let permits = Arc::new(tokio::sync::Semaphore::new(REVERIFY_CONCURRENCY));
    let mut tasks = tokio::task::JoinSet::new();
    for (id, email) in badges {
        let state = state.clone();
        let permits = permits.clone();
        tasks.spawn(async move {
            // The semaphore is never closed, so acquiring only fails if it were.
            let _permit = permits.acquire_owned().await.ok();
            (id, reverify_one(&state, id, &email).await)
        });
    }
    let mut done = 0;
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((_, Ok(()))) => done += 1,
            Ok((id, Err(e))) => tracing::warn!(id, error = %e, "re-verifying a backpack badge"),
            Err(e) => tracing::warn!(error = %e, "a re-verification task failed"),
        }
    }
    Ok(done)
}

/// Starts the daily re-verification of every stored badge (first run a few minutes after
/// start, so that a restart does not wait a day and a crash loop does not hammer other sites).
pub fn spawn_daily_reverification(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(10 * 60)).await;
        let mut every_day = tokio::time::interval(Duration::from_secs(24 * 3600));
        loop {
            every_day.tick().await;
            match reverify_all(&state).await {
                Ok(n) => tracing::info!(badges = n, "re-verified the backpacks"),
                Err(e) => tracing::warn!(error = %e, "re-verifying the backpacks"),
            }
        }
    })
}

/// An imported badge as the API shows it (the report included, parsed).
pub fn badge_json(state: &AppState, badge: &ImportedBadge) -> Value {
    let standing = Standing::of(badge);
    json!({
        "id": badge.id,
        "source": badge.source,
        "format": badge.format,
        "name": badge.badge_name,
        "issuer": badge.issuer_name,
        "issued": badge.issued,
        "expires": none_if_empty(&badge.expires),
        "status": standing.as_str(),
        "valid": standing.is_valid(),
        "revoked": badge.revoked_at.is_some(),
        "shown": badge.hidden_at.is_none(),
        "verified_at": crate::web::Stamp(badge.verified_at).iso(),
        "credential_url": state.url(&format!("/backpack/badges/{}/credential", badge.id)),
        "report": serde_json::from_str::<Value>(&badge.report).unwrap_or(Value::Null),
    })
}

fn none_if_empty(text: &str) -> Value {
    if text.is_empty() {
        Value::Null
    } else {
        Value::String(text.to_owned())
    }
}

/// LinkedIn's add-to-profile link for a certification (no API key needed).
pub fn linkedin_url(
    name: &str,
    issuer: &str,
    issued: &str,
    cert_url: &str,
    cert_id: &str,
) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("startTask", "CERTIFICATION_NAME");
    query.append_pair("name", name);
    query.append_pair("organizationName", issuer);
    // `issued` is ISO 8601 (`2026-11-29T...`): its year and month, when it has them.
    if let Some(year) = issued
        .get(0..4)
        .filter(|y| y.bytes().all(|b| b.is_ascii_digit()))
    {
        query.append_pair("issueYear", year);
        if let Some(month) = issued
            .get(5..7)
            .and_then(|m| m.parse::<u32>().ok())
            .filter(|m| (1..=12).contains(m))
        {
            query.append_pair("issueMonth", &month.to_string());
        }
    }
    query.append_pair("certUrl", cert_url);
    query.append_pair("certId", cert_id);
    format!("https://www.linkedin.com/profile/add?{}", query.finish())
}
