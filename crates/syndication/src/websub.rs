//! WebSub (W3C Recommendation, 2018), the subscriber side: asking a hub for pushed updates of a
//! feed, answering the hub's verification of intent, checking the signature of each pushed
//! update, and deciding when to renew a lease.
//!
//! The hub and the topic (self) URL come from [`crate::discovery`] (`rel=hub`, `rel=self`). The
//! application owns the callback URL, stores the secret and the lease, and calls in here:
//!
//! 1. [`subscribe`] POSTs [`subscription_request`] to the hub (§5.1); `202 Accepted` is success.
//! 2. The hub GETs the callback; [`answer_challenge`] checks the query (§5.3) and gives the
//!    `hub.challenge` to echo with `200`, and the lease the hub granted.
//! 3. The hub POSTs updates to the callback; [`check_signature`] checks `X-Hub-Signature`
//!    (§8) before the body is trusted.
//! 4. [`renew_at`] says when to subscribe again, before the lease runs out.
//!
//! Choices where the spec leaves room, each with its reason:
//!
//! - Every subscription carries a `hub.secret`: without one, anyone who learns the callback URL
//!   can push content. The spec limits the secret to under 200 bytes; longer ones are refused
//!   here before asking, rather than failing at the hub.
//! - Only `202 Accepted` means success, as §5.1.2 says; other 2xx are errors too (a hub that
//!   answers `200` did not follow the protocol, and the verification may never come). The error
//!   names the status and the start of the hub's text ([`MAX_HUB_TEXT_CHARS`] characters).
//! - Verification compares `hub.topic` with the subscribed topic as exact strings, as the spec
//!   and the common subscribers (e.g. WordPress's PubSubHubbub plugin, Superfeedr's clients) do.
//!   `hub.lease_seconds` is required for `subscribe` (§5.3) and must be a plain number; it is
//!   absent for `unsubscribe`. A `hub.challenge` longer than [`MAX_CHALLENGE_CHARS`] is refused.
//! - Signatures: `sha256`, `sha384` and `sha512` are accepted, and `sha1` too, because the spec
//!   still lists it and widely deployed hubs (Google's pubsubhubbub.appspot.com,
//!   Superfeedr) sign with it by default; it is an HMAC, where SHA-1's collision weakness does
//!   not give forgeries. The comparison is constant-time (`hmac`'s `verify_slice`). With a
//!   secret set, a missing or malformed header is a rejection; the caller should still answer
//!   the hub with a 2xx and drop the content, as §8 asks, so an attacker learns nothing.
//! - Renewal: at 90% of the lease, but at least an hour before it ends (and never before the
//!   verification itself), like most subscribers that renew ahead of expiry.

use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};

use crate::fetch::{Fetch, FetchError, Method, Request};

/// The most characters of a hub's error text kept in a [`WebSubError::Refused`].
pub const MAX_HUB_TEXT_CHARS: usize = 200;

/// The longest `hub.challenge` echoed (hubs send a few dozen characters).
pub const MAX_CHALLENGE_CHARS: usize = 1_000;

/// The longest `hub.secret`, in bytes: the spec says "less than 200 bytes".
pub const MAX_SECRET_BYTES: usize = 199;

/// The longest `X-Hub-Signature` header considered, in bytes (a sha512 one is 7 + 128).
const MAX_SIGNATURE_HEADER_CHARS: usize = 200;

/// An hour: the least margin left before a lease ends.
const RENEWAL_MARGIN_SECONDS: i64 = 3_600;

/// What a request to the hub asks for, and what a verification must confirm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `hub.mode=subscribe`.
    Subscribe,
    /// `hub.mode=unsubscribe`.
    Unsubscribe,
}

impl Mode {
    /// The `hub.mode` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Subscribe => "subscribe",
            Mode::Unsubscribe => "unsubscribe",
        }
    }
}

/// A verification of intent that checked out: what to answer the hub.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    /// The `hub.challenge` to echo as the body of a `200` answer.
    pub challenge: String,
    /// The lease the hub granted, in seconds (`None` for an unsubscription).
    pub lease_seconds: Option<u64>,
}

/// Why a WebSub step failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WebSubError {
    /// The secret is empty or not under 200 bytes.
    #[error("the WebSub secret must be 1 to {MAX_SECRET_BYTES} bytes, not {len}")]
    BadSecret {
        /// Its length in bytes.
        len: usize,
    },
    /// The request to the hub got no response.
    #[error("asking the hub {hub} failed: {error}")]
    Fetch {
        /// The hub URL.
        hub: String,
        /// What the fetcher said.
        error: FetchError,
    },
    /// The hub answered with something other than `202 Accepted`.
    #[error("the hub {hub} answered {status}: {text}")]
    Refused {
        /// The hub URL.
        hub: String,
        /// The HTTP status.
        status: u16,
        /// The start of the hub's body, as text.
        text: String,
    },
    /// The hub says the subscription was denied (`hub.mode=denied`).
    #[error("the hub denied the subscription to {topic}: {reason}")]
    Denied {
        /// The topic, as the hub sent it.
        topic: String,
        /// The hub's `hub.reason`, if it gave one.
        reason: String,
    },
    /// A verification request is missing a parameter or has a bad one.
    #[error("bad verification request: {0}")]
    BadVerification(String),
    /// A verification names another mode than the one asked for.
    #[error("verification is for {got:?}, expected {expected:?}")]
    WrongMode {
        /// The `hub.mode` received.
        got: String,
        /// The mode asked for.
        expected: &'static str,
    },
    /// A verification names another topic than the one asked for.
    #[error("verification is for topic {got:?}, expected {expected:?}")]
    WrongTopic {
        /// The `hub.topic` received.
        got: String,
        /// The topic subscribed to.
        expected: String,
    },
    /// A pushed update has no `X-Hub-Signature` although a secret was set.
    #[error("the update has no X-Hub-Signature")]
    MissingSignature,
    /// The `X-Hub-Signature` header cannot be read.
    #[error("malformed X-Hub-Signature: {0}")]
    MalformedSignature(String),
    /// The signature does not match the body.
    #[error("the X-Hub-Signature does not match the body")]
    BadSignature,
}

/// The form POST that subscribes `callback` to `topic` at `hub` (§5.1).
///
/// `lease_seconds` is a wish; the hub decides and says so in its verification.
pub fn subscription_request(
    hub: &str,
    topic: &str,
    callback: &str,
    secret: &str,
    lease_seconds: Option<u64>,
) -> Request {
    let mut form = vec![
        ("hub.mode".to_owned(), Mode::Subscribe.as_str().to_owned()),
        ("hub.topic".to_owned(), topic.to_owned()),
        ("hub.callback".to_owned(), callback.to_owned()),
        ("hub.secret".to_owned(), secret.to_owned()),
    ];
    if let Some(lease) = lease_seconds {
        form.push(("hub.lease_seconds".to_owned(), lease.to_string()));
    }
    Request {
        method: Method::Post,
        url: hub.to_owned(),
        form,
        ..Request::default()
    }
}

/// The form POST that unsubscribes `callback` from `topic` at `hub` (§5.1).
pub fn unsubscription_request(hub: &str, topic: &str, callback: &str) -> Request {
    Request {
        method: Method::Post,
        url: hub.to_owned(),
        form: vec![
            ("hub.mode".to_owned(), Mode::Unsubscribe.as_str().to_owned()),
            ("hub.topic".to_owned(), topic.to_owned()),
            ("hub.callback".to_owned(), callback.to_owned()),
        ],
        ..Request::default()
    }
}

/// Asks `hub` to push `topic` to `callback`, signed with `secret`.
///
/// Success means the hub accepted the request (`202`); the subscription is active only once
/// the hub's verification has been answered ([`answer_challenge`]).
pub async fn subscribe(
    fetch: &dyn Fetch,
    hub: &str,
    topic: &str,
    callback: &str,
    secret: &str,
    lease_seconds: Option<u64>,
) -> Result<(), WebSubError> {
    if secret.is_empty() || secret.len() > MAX_SECRET_BYTES {
        return Err(WebSubError::BadSecret { len: secret.len() });
    }
    let request = subscription_request(hub, topic, callback, secret, lease_seconds);
    send(fetch, &request).await
}

/// Asks `hub` to stop pushing `topic` to `callback`; `202` is success.
pub async fn unsubscribe(
    fetch: &dyn Fetch,
    hub: &str,
    topic: &str,
    callback: &str,
) -> Result<(), WebSubError> {
    send(fetch, &unsubscription_request(hub, topic, callback)).await
}

/// Sends a request to the hub; anything but `202 Accepted` is an error with the hub's text.
async fn send(fetch: &dyn Fetch, request: &Request) -> Result<(), WebSubError> {
    let response = fetch
        .fetch(request)
        .await
        .map_err(|error| WebSubError::Fetch {
            hub: request.url.clone(),
            error,
        })?;
    if response.status == 202 {
        return Ok(());
    }
    let text: String = String::from_utf8_lossy(&response.body)
        .chars()
        .take(MAX_HUB_TEXT_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    Err(WebSubError::Refused {
        hub: request.url.clone(),
        status: response.status,
        text: text.trim().to_owned(),
    })
}

/// Checks a verification of intent (the hub's GET of the callback, its query decoded into
/// pairs) against what was asked, and gives the challenge to echo (§5.3).
///
/// A `hub.mode=denied` request (§5.2) is [`WebSubError::Denied`], with the hub's reason; the
/// caller answers it with a 2xx and marks the subscription refused.
pub fn answer_challenge(
    query: &[(String, String)],
    expected_topic: &str,
    expected_mode: Mode,
) -> Result<Challenge, WebSubError> {
    let param = |name: &str| {
        query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let mode =
        param("hub.mode").ok_or_else(|| WebSubError::BadVerification("no hub.mode".to_owned()))?;
    let topic = param("hub.topic")
        .ok_or_else(|| WebSubError::BadVerification("no hub.topic".to_owned()))?;
    if mode == "denied" {
        return Err(WebSubError::Denied {
            topic: truncate(topic, MAX_HUB_TEXT_CHARS),
            reason: truncate(param("hub.reason").unwrap_or(""), MAX_HUB_TEXT_CHARS),
        });
    }
    if mode != expected_mode.as_str() {
        return Err(WebSubError::WrongMode {
            got: truncate(mode, MAX_HUB_TEXT_CHARS),
            expected: expected_mode.as_str(),
        });
    }
    if topic != expected_topic {
        return Err(WebSubError::WrongTopic {
            got: truncate(topic, MAX_HUB_TEXT_CHARS),
            expected: expected_topic.to_owned(),
        });
    }
    let challenge = param("hub.challenge")
        .ok_or_else(|| WebSubError::BadVerification("no hub.challenge".to_owned()))?;
    if challenge.is_empty() || challenge.chars().count() > MAX_CHALLENGE_CHARS {
        return Err(WebSubError::BadVerification(format!(
            "hub.challenge must be 1 to {MAX_CHALLENGE_CHARS} characters"
        )));
    }
    let lease_seconds = match expected_mode {
        Mode::Unsubscribe => None,
        Mode::Subscribe => {
            let lease = param("hub.lease_seconds")
                .ok_or_else(|| WebSubError::BadVerification("no hub.lease_seconds".to_owned()))?;
            // Plain digits only: `u64::from_str` would also take a leading `+`.
            if lease.is_empty() || !lease.bytes().all(|b| b.is_ascii_digit()) {
                return Err(WebSubError::BadVerification(format!(
                    "hub.lease_seconds {:?} is not a number",
                    truncate(lease, 40)
                )));
            }
            Some(lease.parse::<u64>().map_err(|_| {
                WebSubError::BadVerification(format!(
                    "hub.lease_seconds {:?} is too large",
                    truncate(lease, 40)
                ))
            })?)
        }
    };
    Ok(Challenge {
        challenge: challenge.to_owned(),
        lease_seconds,
    })
}

/// Checks the `X-Hub-Signature` of a pushed update (§8): `method=hexdigest`, the HMAC of `body`
/// under `secret`, with `method` one of `sha1`, `sha256`, `sha384`, `sha512`.
///
/// An empty `secret` means the subscription has none: any update passes. Otherwise a missing,
/// malformed or wrong signature is an error, and the body must not be used.
pub fn check_signature(
    header: Option<&str>,
    secret: &[u8],
    body: &[u8],
) -> Result<(), WebSubError> {
    if secret.is_empty() {
        return Ok(());
    }
    let header = header.ok_or(WebSubError::MissingSignature)?.trim();
    if header.len() > MAX_SIGNATURE_HEADER_CHARS {
        return Err(WebSubError::MalformedSignature(format!(
            "longer than {MAX_SIGNATURE_HEADER_CHARS} bytes"
        )));
    }
    let (method, hex) = header
        .split_once('=')
        .ok_or_else(|| WebSubError::MalformedSignature("no method=signature".to_owned()))?;
    let signature = decode_hex(hex.trim())
        .ok_or_else(|| WebSubError::MalformedSignature("the signature is not hex".to_owned()))?;
    let verified = match method.trim().to_ascii_lowercase().as_str() {
        "sha1" => verify::<Hmac<sha1::Sha1>>(secret, body, &signature),
        "sha256" => verify::<Hmac<sha2::Sha256>>(secret, body, &signature),
        "sha384" => verify::<Hmac<sha2::Sha384>>(secret, body, &signature),
        "sha512" => verify::<Hmac<sha2::Sha512>>(secret, body, &signature),
        other => {
            return Err(WebSubError::MalformedSignature(format!(
                "unknown method {:?}",
                truncate(other, 20)
            )))
        }
    };
    if verified {
        Ok(())
    } else {
        Err(WebSubError::BadSignature)
    }
}

/// HMAC of `body`, compared with `signature` in constant time (a wrong length fails too).
fn verify<M: Mac + hmac::digest::KeyInit>(secret: &[u8], body: &[u8], signature: &[u8]) -> bool {
    match <M as hmac::digest::KeyInit>::new_from_slice(secret) {
        Ok(mut mac) => {
            mac.update(body);
            mac.verify_slice(signature).is_ok()
        }
        // HMAC takes keys of any length; this arm is unreachable in practice.
        Err(_) => false,
    }
}

/// Lower- or upper-case hex into bytes; `None` if odd-length, empty or not hex.
fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if hex.is_empty() || hex.len() % 2 != 0 {
        return None;
    }
    hex.as_bytes()
        .chunks(2)
        .map(|pair| {
            let high = (pair[0] as char).to_digit(16)?;
            let low = (pair[1] as char).to_digit(16)?;
            u8::try_from(high * 16 + low).ok()
        })
        .collect()
}

/// When to renew a lease verified at `verified_at` for `lease_seconds`: at 90% of the lease,
/// but at least an hour before it ends, and never before `verified_at` (a lease of an hour or
/// less is renewed at once).
pub fn renew_at(verified_at: DateTime<Utc>, lease_seconds: u64) -> DateTime<Utc> {
    // Leases beyond ~292 billion years do not fit a Duration; cap at a century, which is
    // later than any renewal that matters.
    let lease = i64::try_from(lease_seconds)
        .unwrap_or(i64::MAX)
        .min(100 * 365 * 86_400);
    let at_ninety_percent = lease - lease / 10;
    let margin_before_end = lease - RENEWAL_MARGIN_SECONDS;
    let after = at_ninety_percent.min(margin_before_end).max(0);
    verified_at
        .checked_add_signed(Duration::seconds(after))
        .unwrap_or(verified_at)
}

/// The first `max` characters of `s`.
fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}
