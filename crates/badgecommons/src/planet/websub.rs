//! WebSub, the subscriber side: when a polled feed advertises a hub, ask it to push updates to
//! `/planet/websub/{feed_id}`, answer its verification, take signed deliveries, renew the lease,
//! and fall back to polling when the hub fails. The protocol pieces are in `syndication::websub`.
//!
//! The state of a feed's subscription lives in its row (`websub_*`):
//!
//! | `websub_state` | meaning | `websub_lease_until` |
//! | --- | --- | --- |
//! | `requested` | asked, waiting for the hub's verification | the deadline for it (an hour) |
//! | `active` | verified: the hub pushes | the end of the lease |
//! | `renewing` | active, renewal asked | the end of the lease |
//! | `failed` | refused, denied, never verified or lapsed (`websub_error` says which) | when to try again (a day) |
//!
//! Choices: the hub and topic come from the response's `Link` headers first, then from the
//! feed's own links; without a `rel=self` the fetched URL is the topic, as most subscribers do.
//! A fresh random secret (32 bytes) goes with every subscription request; the callback answers a
//! verification only for the topic asked, and a delivery only with a valid `X-Hub-Signature`
//! (any of the methods `syndication::websub` accepts). A delivery with a bad or missing signature
//! is answered `202` and dropped, as §8 of the spec asks, so a forger learns nothing. A delivery
//! for a feed with no subscription is answered `410 Gone`, which tells the hub to stop (§7).
//! A lease is renewed in the hour before it ends (a lease of an hour or less, at once). While
//! subscribed, the feed is polled once a day as a safety net; any failure sends it back to
//! normal polling at once. The command line (`planet refresh`) never subscribes: it does not
//! know the public URL the hub must call. A delivery may be as large as any request body the
//! site takes (`web::MAX_BODY_BYTES`, 1 MiB); hubs push only the new entries, far less.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sqlx::Row as _;
use syndication::feeds::Feed;
use syndication::fetch::Response as Fetched;
use syndication::websub::{self as protocol, Mode};

use super::feeds::{self, FeedRow};
use super::polling::Poller;
use super::{entries, schedule};
use crate::store::{now, Db};
use crate::web::AppState;

/// How long a hub has to verify a subscription request.
const VERIFY_WITHIN_MS: i64 = 3600 * 1000;
/// How long after a failure the hub is asked again.
const RETRY_AFTER_MS: i64 = crate::store::DAY_MS;
/// A lease is renewed when less than this is left of it.
const RENEW_MARGIN_MS: i64 = 3600 * 1000;
/// The lease asked for (hubs decide; ten days is common).
const LEASE_WISH_SECONDS: u64 = 10 * 86_400;
/// The longest lease believed (a century would overflow nothing, but a year is plenty).
const MAX_LEASE_SECONDS: u64 = 365 * 86_400;

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/planet/websub/{feed_id}", get(verify).post(deliver))
}

/// An Atom document of this site as a response: `application/atom+xml`, and, when a hub is
/// configured (`--websub-hub`), advertising it and `self_url` both in `Link` headers and in the
/// document (`<link rel="hub">`), so readers can subscribe to pushes (WebSub §4).
pub(crate) fn atom_with_hub(state: &AppState, self_url: &str, atom_xml: String) -> Response {
    let content_type = (header::CONTENT_TYPE, "application/atom+xml; charset=utf-8");
    let Some(hub) = state.settings.websub_hub.as_deref() else {
        return ([content_type], atom_xml).into_response();
    };
    let link = format!("<{hub}>; rel=\"hub\", <{self_url}>; rel=\"self\"");
    let escape = |s: &str| quick_xml::escape::escape(s).into_owned();
    let hub_element = format!("<link href=\"{}\" rel=\"hub\"/>", escape(hub));
    // Right after the <feed ...> start tag: the writer emits the feed-level links there too.
    let xml = match atom_xml
        .find("<feed")
        .and_then(|at| atom_xml[at..].find('>').map(|end| at + end + 1))
    {
        Some(after) => format!("{}{hub_element}{}", &atom_xml[..after], &atom_xml[after..]),
        None => atom_xml,
    };
    ([content_type, (header::LINK, link.as_str())], xml).into_response()
}

/// The callback URL for feed `feed_id`.
fn callback(public_url: &str, feed_id: i64) -> String {
    format!("{public_url}/planet/websub/{feed_id}")
}

/// Whether a hub pushes `feed` now (an active or renewing lease that has not ended).
pub(crate) fn is_subscribed(feed: &FeedRow, at: i64) -> bool {
    matches!(feed.websub_state.as_deref(), Some("active" | "renewing"))
        && feed.websub_lease_until.is_some_and(|until| until > at)
}

/// The hub and topic a fetched feed advertises: `Link` headers first, then the document.
pub(crate) fn advertised(response: &Fetched, feed: &Feed) -> Option<(String, String)> {
    let base = url::Url::parse(&response.url).ok()?;
    let absolute = |target: &str| base.join(target).ok().map(|u| u.to_string());
    let links = syndication::discovery::link_headers(response);
    let from_header = |rel: &str| {
        links
            .iter()
            .find(|link| link.has_rel(rel))
            .and_then(|link| absolute(&link.target))
    };
    let hub = from_header("hub").or_else(|| feed.hubs.first().cloned())?;
    let topic = from_header("self")
        .or_else(|| feed.self_url.clone())
        .unwrap_or_else(|| response.url.clone());
    let web = |u: &str| url::Url::parse(u).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
    (web(&hub) && web(&topic)).then_some((hub, topic))
}

/// After a poll read `feed`: subscribes when it advertises a hub and no subscription is active or
/// pending for it (or a failed one is due a retry). Returns whether a hub pushes the feed now.
pub(crate) async fn after_poll(
    poller: &Poller,
    public_url: &str,
    feed: &FeedRow,
    advertised: Option<(String, String)>,
) -> Result<bool, sqlx::Error> {
    let at = now();
    let Some((hub, topic)) = advertised else {
        // The hub may still push until the lease ends; nothing new is asked.
        return Ok(is_subscribed(feed, at));
    };
    let same = feed.websub_hub.as_deref() == Some(hub.as_str())
        && feed.websub_topic.as_deref() == Some(topic.as_str());
    let until = feed.websub_lease_until.unwrap_or(0);
    if same && until > at {
        match feed.websub_state.as_deref() {
            Some("active" | "renewing") => return Ok(true),
            Some("requested" | "failed") => return Ok(false),
            _ => {}
        }
    }
    if let Some(state @ ("requested" | "active" | "renewing")) = feed.websub_state.as_deref() {
        if same {
            fail(&poller.db, feed.id, lapse_words(state), None).await?;
        }
    }
    subscribe(poller, public_url, feed.id, &hub, &topic).await?;
    Ok(false)
}

/// Asks `hub` to push `topic`, with a fresh secret. The row says `requested` before the request
/// goes (the hub may verify before it answers); a refusal marks it `failed`.
async fn subscribe(
    poller: &Poller,
    public_url: &str,
    feed_id: i64,
    hub: &str,
    topic: &str,
) -> Result<(), sqlx::Error> {
    let secret = crate::accounts::tokens::new_token();
    sqlx::query(
        "UPDATE planet_feeds SET websub_hub = $1, websub_topic = $2, websub_secret = $3,
             websub_state = 'requested', websub_lease_until = $4
         WHERE id = $5",
    )
    .bind(hub)
    .bind(topic)
    .bind(&secret)
    .bind(now() + VERIFY_WITHIN_MS)
    .bind(feed_id)
    .execute(poller.db.pool())
    .await?;
    let asked = protocol::subscribe(
        &*poller.fetcher,
        hub,
        topic,
        &callback(public_url, feed_id),
        &secret,
        Some(LEASE_WISH_SECONDS),
    )
    .await;
    if let Err(error) = asked {
        fail(&poller.db, feed_id, &error.to_string(), Some(&secret)).await?;
    }
    Ok(())
}

/// Why a subscription in `state` (`requested`, `active` or `renewing`) whose deadline passed is
/// given up.
fn lapse_words(state: &str) -> &'static str {
    if state == "requested" {
        "the hub did not verify the subscription within an hour"
    } else {
        "the hub's lease ended without a renewal"
    }
}

/// Marks the subscription failed (`words` in `websub_error`), to be asked again in a day, and
/// makes the feed due for a normal poll at once. With `secret`, only if that is still the
/// subscription's secret (a newer request is not undone).
async fn fail(db: &Db, feed_id: i64, words: &str, secret: Option<&str>) -> Result<(), sqlx::Error> {
    let at = now();
    sqlx::query(
        "UPDATE planet_feeds SET websub_state = 'failed', websub_error = $1,
             websub_lease_until = $2,
             next_poll_at = CASE WHEN next_poll_at > $3 THEN $3 ELSE next_poll_at END
         WHERE id = $4 AND ($5 = '' OR websub_secret = $5)",
    )
    .bind(words)
    .bind(at + RETRY_AFTER_MS)
    .bind(at)
    .bind(feed_id)
    .bind(secret.unwrap_or(""))
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Renews the leases that end within the hour, and gives up (back to polling) on those that
/// ended or whose verification never came. Run by the poller each round.
pub(crate) async fn maintain(poller: &Poller) -> Result<(), sqlx::Error> {
    let Some(public_url) = &poller.public_url else {
        return Ok(());
    };
    let at = now();
    let expired = sqlx::query(
        "SELECT id, websub_state FROM planet_feeds
         WHERE websub_state IN ('requested', 'active', 'renewing') AND websub_lease_until <= $1",
    )
    .bind(at)
    .fetch_all(poller.db.pool())
    .await?;
    for row in expired {
        let id: i64 = row.try_get("id")?;
        let state: String = row.try_get("websub_state")?;
        fail(&poller.db, id, lapse_words(&state), None).await?;
    }
    let due = sqlx::query(
        "SELECT id, websub_hub, websub_topic FROM planet_feeds
         WHERE websub_state = 'active' AND websub_lease_until <= $1",
    )
    .bind(at + RENEW_MARGIN_MS)
    .fetch_all(poller.db.pool())
    .await?;
    for row in due {
        let id: i64 = row.try_get("id")?;
        let (Some(hub), Some(topic)) = (
            row.try_get::<Option<String>, _>("websub_hub")?,
            row.try_get::<Option<String>, _>("websub_topic")?,
        ) else {
            continue;
        };
        // The claim: one process renews.
        let won = sqlx::query(
            "UPDATE planet_feeds SET websub_state = 'renewing'
             WHERE id = $1 AND websub_state = 'active'",
        )
        .bind(id)
        .execute(poller.db.pool())
        .await?
        .rows_affected()
            == 1;
        if !won {
            continue;
        }
        let secret: Option<String> =
            sqlx::query("SELECT websub_secret FROM planet_feeds WHERE id = $1")
                .bind(id)
                .fetch_one(poller.db.pool())
                .await?
                .try_get("websub_secret")?;
        // The same secret: deliveries signed with it keep passing while the hub switches.
        let secret = secret.unwrap_or_else(crate::accounts::tokens::new_token);
        let asked = protocol::subscribe(
            &*poller.fetcher,
            &hub,
            &topic,
            &callback(public_url, id),
            &secret,
            Some(LEASE_WISH_SECONDS),
        )
        .await;
        if let Err(error) = asked {
            fail(
                &poller.db,
                id,
                &format!("renewal refused: {error}"),
                Some(&secret),
            )
            .await?;
        }
    }
    Ok(())
}

fn pairs(query: Option<String>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

fn text(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}

/// The hub's verification of intent (§5.3): echo the challenge for the topic we asked about.
async fn verify(
    State(state): State<AppState>,
    Path(feed_id): Path<i64>,
    RawQuery(query): RawQuery,
) -> Response {
    let query = pairs(query);
    let feed = match feeds::find(&state.db, feed_id).await {
        Ok(Some(feed)) => feed,
        Ok(None) => return text(StatusCode::NOT_FOUND, "No such feed.".into()),
        Err(error) => return text(StatusCode::SERVICE_UNAVAILABLE, format!("{error}")),
    };
    let pending = matches!(
        feed.websub_state.as_deref(),
        Some("requested" | "active" | "renewing")
    );
    let Some(topic) = feed.websub_topic.clone().filter(|_| pending) else {
        return text(
            StatusCode::NOT_FOUND,
            "No subscription was asked for this feed.".into(),
        );
    };
    match protocol::answer_challenge(&query, &topic, Mode::Subscribe) {
        Ok(challenge) => {
            let lease = challenge.lease_seconds.unwrap_or(0).min(MAX_LEASE_SECONDS) as i64;
            let at = now();
            let recorded = sqlx::query(
                "UPDATE planet_feeds SET websub_state = 'active', websub_lease_until = $1,
                     websub_error = NULL, next_poll_at = $2
                 WHERE id = $3",
            )
            .bind(at + lease * 1000)
            .bind(at + schedule::SUBSCRIBED_INTERVAL_MS)
            .bind(feed_id)
            .execute(state.db.pool())
            .await;
            match recorded {
                Ok(_) => text(StatusCode::OK, challenge.challenge),
                Err(error) => text(StatusCode::SERVICE_UNAVAILABLE, format!("{error}")),
            }
        }
        Err(protocol::WebSubError::Denied { reason, .. }) => {
            let words = format!("the hub denied the subscription: {reason}");
            match fail(&state.db, feed_id, &words, None).await {
                Ok(()) => text(StatusCode::OK, String::new()),
                Err(error) => text(StatusCode::SERVICE_UNAVAILABLE, format!("{error}")),
            }
        }
        Err(error) => text(StatusCode::NOT_FOUND, error.to_string()),
    }
}

/// A pushed update (§7, §8): stored only with a valid signature.
async fn deliver(
    State(state): State<AppState>,
    Path(feed_id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let feed = match feeds::find(&state.db, feed_id).await {
        Ok(feed) => feed,
        Err(error) => return text(StatusCode::SERVICE_UNAVAILABLE, format!("{error}")),
    };
    let Some(feed) = feed.filter(|feed| is_subscribed(feed, now())) else {
        return text(StatusCode::GONE, "There is no subscription here.".into());
    };
    let secret = feed.websub_secret.clone().unwrap_or_default();
    let signature = headers.get("x-hub-signature").and_then(|v| v.to_str().ok());
    if let Err(error) = protocol::check_signature(signature, secret.as_bytes(), &body) {
        tracing::warn!(feed_id, %error, "WebSub delivery dropped");
        return text(StatusCode::ACCEPTED, String::new());
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let base = feed
        .websub_topic
        .clone()
        .unwrap_or_else(|| feed.url.clone());
    let parsed = tokio::task::spawn_blocking(move || {
        syndication::feeds::parse(&body, content_type.as_deref(), &base)
    })
    .await;
    let parsed = match parsed {
        Ok(Ok(parsed)) => parsed,
        Ok(Err(error)) => return text(StatusCode::BAD_REQUEST, error.to_string()),
        Err(_) => {
            return text(
                StatusCode::BAD_REQUEST,
                "The update could not be read.".into(),
            )
        }
    };
    let stored = entries::store(&state.db, &feed, &parsed.entries).await;
    let recorded = match stored {
        Ok(_) => sqlx::query("UPDATE planet_feeds SET last_success_at = $1 WHERE id = $2")
            .bind(now())
            .bind(feed_id)
            .execute(state.db.pool())
            .await
            .map(|_| ()),
        Err(error) => Err(error),
    };
    match recorded {
        Ok(()) => text(StatusCode::ACCEPTED, String::new()),
        Err(error) => text(StatusCode::SERVICE_UNAVAILABLE, format!("{error}")),
    }
}
