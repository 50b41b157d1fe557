//! Polling the planet's feeds: a job per feed, kept in `planet_feeds` (see `feeds` for the
//! claims), run by a background task in the server and by `badgecommons planet refresh`.
//!
//! Each round claims the due feeds in batches and fetches them concurrently through the guarded
//! client, with at most [`PER_HOST`] requests at a time to one host and [`CONCURRENT`] in all.
//! A slow or hostile feed only holds its own host's places: the fetcher bounds its time and size,
//! and other hosts go on meanwhile. A poll is a conditional GET with the stored validators; a 200
//! is parsed (on a blocking thread: sanitising a thousand entries is CPU work) and its entries
//! stored; a 304 is a success with nothing to read; anything else is recorded in words on the
//! feed (`last_error`) and retried with backoff (`schedule`). A 410 Gone stops the polling.
//!
//! While a WebSub hub pushes a feed (see `websub`), it is polled once a day as a safety net.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use syndication::fetch::{Request, Response};
use tokio::sync::Semaphore;
use tokio::task::{JoinHandle, JoinSet};

use super::entries::{self, Stored};
use super::feeds::{self, FeedRow, Success, NEVER};
use super::{schedule, websub};
use crate::net::{FetchError, GuardedClient};
use crate::store::{now, Db};
use crate::web::AppState;

/// Requests to one host at a time.
pub const PER_HOST: usize = 2;
/// Requests at a time in all.
pub const CONCURRENT: usize = 16;
/// Feeds claimed at once; more are claimed as these finish.
const BATCH: i64 = 64;
/// How often the server looks for due feeds (and WebSub leases to renew).
const ROUND: Duration = Duration::from_secs(30);

const ACCEPT: &str = "application/atom+xml, application/rss+xml, application/feed+json, \
     application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.8, */*;q=0.5";

/// What polling needs: the database, the fetcher and, in the server, the site's public URL for
/// WebSub callbacks (`None` on the command line, which does not subscribe).
#[derive(Clone)]
pub(crate) struct Poller {
    pub db: Db,
    pub fetcher: Arc<GuardedClient>,
    pub public_url: Option<String>,
}

impl Poller {
    pub(crate) fn of(state: &AppState) -> Poller {
        Poller {
            db: state.db.clone(),
            fetcher: state.fetcher.clone(),
            public_url: Some(state.settings.public_url.clone()),
        }
    }
}

/// How one poll of one feed went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A 200 with a feed: entries new and replaced.
    Fetched { new: usize, updated: usize },
    /// A 304: nothing changed.
    NotModified,
    /// The feed is gone (410) and no longer polled.
    Gone,
    /// A failure, in words (also recorded on the feed).
    Failed(String),
    /// Another process was polling it already.
    Busy,
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Fetched { new, updated } => write!(f, "{new} new, {updated} updated"),
            Outcome::NotModified => f.write_str("not modified"),
            Outcome::Gone => f.write_str("gone (410): no longer polled"),
            Outcome::Failed(error) => write!(f, "error: {error}"),
            Outcome::Busy => f.write_str("being polled by another process"),
        }
    }
}

/// One feed's poll: which feed, and how it went.
#[derive(Clone, Debug)]
pub struct PollReport {
    pub feed_id: i64,
    pub url: String,
    pub outcome: Outcome,
}

/// Polls feed `feed_id` at once, due or not, claiming it as the job does so the background task
/// does not fetch it a second time. Call it right after `feeds::add_feed`. If another process is
/// polling it just now, waits (a little longer than one fetch may take) for that poll to end.
pub async fn poll_now(state: &AppState, feed_id: i64) -> Result<PollReport, sqlx::Error> {
    let poller = Poller::of(state);
    let patience = state.settings.fetch.timeout + Duration::from_secs(10);
    let started = std::time::Instant::now();
    loop {
        if let Some(feed) = feeds::claim(&poller.db, feed_id).await? {
            return Ok(poll_claimed(&poller, feed).await);
        }
        if !feeds::is_claimed(&poller.db, feed_id).await? || started.elapsed() > patience {
            return Ok(PollReport {
                feed_id,
                url: String::new(),
                outcome: Outcome::Busy,
            });
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Polls every feed that is due now (or every feed, `all`), concurrently within the limits, and
/// calls `each` with each report as it comes. Returns the reports; errors only for the database.
pub(crate) async fn poll_round(
    poller: &Poller,
    all: bool,
    mut each: impl FnMut(&PollReport),
) -> Result<Vec<PollReport>, sqlx::Error> {
    let mut pending_ids = if all {
        feeds::all_feeds(&poller.db).await?
    } else {
        Vec::new()
    };
    pending_ids.reverse();
    let mut hosts: HashMap<String, Arc<Semaphore>> = HashMap::new();
    let overall = Arc::new(Semaphore::new(CONCURRENT));
    let mut running = JoinSet::new();
    let mut reports = Vec::new();
    let mut exhausted = false;
    loop {
        // Claim more while fewer than a batch are queued, so claims are not held long unused.
        if !exhausted && running.len() < BATCH as usize {
            let claimed = if all {
                let mut claimed = Vec::new();
                while claimed.len() < BATCH as usize {
                    let Some((id, url)) = pending_ids.pop() else {
                        break;
                    };
                    match feeds::claim(&poller.db, id).await? {
                        Some(feed) => claimed.push(feed),
                        None => {
                            let report = PollReport {
                                feed_id: id,
                                url,
                                outcome: Outcome::Busy,
                            };
                            each(&report);
                            reports.push(report);
                        }
                    }
                }
                claimed
            } else {
                feeds::claim_due(&poller.db, BATCH).await?
            };
            if claimed.is_empty() {
                exhausted = true;
            }
            for feed in claimed {
                let host = host_of(&feed.url);
                let semaphore = hosts
                    .entry(host)
                    .or_insert_with(|| Arc::new(Semaphore::new(PER_HOST)))
                    .clone();
                let overall = overall.clone();
                let poller = poller.clone();
                running.spawn(async move {
                    // The host's place first: a feed waiting for its host holds no general place.
                    let _host = semaphore.acquire_owned().await;
                    let _any = overall.acquire_owned().await;
                    let mut feed = feed;
                    match feeds::renew_claim(&poller.db, &mut feed).await {
                        Ok(true) => poll_claimed(&poller, feed).await,
                        Ok(false) => PollReport {
                            feed_id: feed.id,
                            url: feed.url,
                            outcome: Outcome::Busy,
                        },
                        Err(error) => PollReport {
                            feed_id: feed.id,
                            url: feed.url,
                            outcome: Outcome::Failed(format!(
                                "the feed could not be claimed: {error}"
                            )),
                        },
                    }
                });
            }
        }
        match running.join_next().await {
            Some(Ok(report)) => {
                each(&report);
                reports.push(report);
            }
            // A poll that panicked: its claim goes stale and another round takes it over.
            Some(Err(error)) => tracing::error!(%error, "a feed poll failed"),
            None if exhausted => break,
            None => {}
        }
    }
    Ok(reports)
}

/// How many feeds `poll_round` would poll (for a progress bar).
pub(crate) async fn count(db: &Db, all: bool) -> Result<i64, sqlx::Error> {
    use sqlx::Row as _;
    let row =
        sqlx::query("SELECT COUNT(*) AS n FROM planet_feeds WHERE $1 = 1 OR next_poll_at <= $2")
            .bind(i64::from(all))
            .bind(now())
            .fetch_one(db.pool())
            .await?;
    row.try_get("n")
}

fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str()
                .map(|h| format!("{h}:{}", u.port_or_known_default().unwrap_or(0)))
        })
        .unwrap_or_default()
}

/// Polls a feed this process has claimed, records the outcome and releases the claim. A
/// database failure half-way releases the claim without recording (the feed is due again).
async fn poll_claimed(poller: &Poller, feed: FeedRow) -> PollReport {
    let feed_id = feed.id;
    let url = feed.url.clone();
    let outcome = match poll(poller, &feed).await {
        Ok(outcome) => outcome,
        Err(error) => {
            tracing::warn!(feed_id, %error, "cannot record a feed poll");
            if let Err(error) = feeds::release(&poller.db, feed_id).await {
                tracing::warn!(feed_id, %error, "cannot release a feed's claim");
            }
            Outcome::Failed(format!("the poll could not be recorded: {error}"))
        }
    };
    PollReport {
        feed_id,
        url,
        outcome,
    }
}

async fn poll(poller: &Poller, feed: &FeedRow) -> Result<Outcome, sqlx::Error> {
    let request = Request {
        accept: Some(ACCEPT.to_owned()),
        if_none_match: feed.etag.clone(),
        if_modified_since: feed.last_modified.clone(),
        ..Request::get(&feed.url)
    };
    let response = match poller.fetcher.send(&request).await {
        Ok(response) => response,
        Err(error) => return failed(poller, feed, fetch_error_words(&error), None).await,
    };
    let at = now();
    let hint = |ttl| schedule::server_hint(response.status, &response.headers, ttl, at);
    match response.status {
        304 => {
            let (next_poll_at, interval_ms) = next_after_success(feed, false, hint(None), at);
            feeds::record_success(
                &poller.db,
                feed.id,
                &Success {
                    etag: header(&response, "etag").or(feed.etag.clone()),
                    last_modified: header(&response, "last-modified")
                        .or(feed.last_modified.clone()),
                    next_poll_at,
                    interval_ms,
                    ..Success::default()
                },
            )
            .await?;
            Ok(Outcome::NotModified)
        }
        410 => {
            feeds::record_error(
                &poller.db,
                feed.id,
                "the server answered 410 Gone: the feed was removed, so it is no longer polled",
                feed.error_count + 1,
                NEVER,
            )
            .await?;
            Ok(Outcome::Gone)
        }
        200..=299 => {
            let body_response = response.clone();
            let parsed = tokio::task::spawn_blocking(move || {
                syndication::feeds::parse(
                    &body_response.body,
                    body_response.header("content-type"),
                    &body_response.url,
                )
            })
            .await;
            let parsed = match parsed {
                Ok(Ok(parsed)) => parsed,
                Ok(Err(error)) => return failed(poller, feed, error.to_string(), None).await,
                Err(_) => {
                    let words = "the feed could not be read (the parser stopped)".to_owned();
                    return failed(poller, feed, words, None).await;
                }
            };
            let stored = entries::store(&poller.db, feed, &parsed.entries).await?;
            let subscribed = match &poller.public_url {
                Some(public_url) => {
                    let advertised = websub::advertised(&response, &parsed);
                    websub::after_poll(poller, public_url, feed, advertised).await?
                }
                None => websub::is_subscribed(feed, at),
            };
            let brought_something = stored.new + stored.updated > 0;
            let (next_poll_at, interval_ms) = if subscribed {
                (at + schedule::SUBSCRIBED_INTERVAL_MS, feed.interval_ms)
            } else {
                next_after_success(feed, brought_something, hint(parsed.ttl_minutes), at)
            };
            feeds::record_success(
                &poller.db,
                feed.id,
                &Success {
                    etag: header(&response, "etag"),
                    last_modified: header(&response, "last-modified"),
                    title: parsed.title.clone().map(|t| t.replace('\0', "")),
                    format: Some(parsed.format.name()),
                    next_poll_at,
                    interval_ms,
                },
            )
            .await?;
            let Stored { new, updated } = stored;
            Ok(Outcome::Fetched { new, updated })
        }
        status => {
            let words = format!("the server answered {}", status_words(status));
            failed(poller, feed, words, hint(None)).await
        }
    }
}

fn next_after_success(
    feed: &FeedRow,
    brought_something: bool,
    hint: Option<i64>,
    at: i64,
) -> (i64, i64) {
    if websub::is_subscribed(feed, at) {
        return (at + schedule::SUBSCRIBED_INTERVAL_MS, feed.interval_ms);
    }
    schedule::after_success(at, feed.interval_ms, brought_something, hint)
}

async fn failed(
    poller: &Poller,
    feed: &FeedRow,
    words: String,
    hint: Option<i64>,
) -> Result<Outcome, sqlx::Error> {
    let failures = feed.error_count + 1;
    let next = schedule::after_error(now(), failures, hint);
    feeds::record_error(&poller.db, feed.id, &words, failures, next).await?;
    Ok(Outcome::Failed(words))
}

fn header(response: &Response, name: &str) -> Option<String> {
    response
        .header(name)
        .map(|v| v.replace('\0', ""))
        .filter(|v| !v.is_empty() && v.len() <= 1024)
}

/// "404 Not Found", "599" for a status without a name.
fn status_words(status: u16) -> String {
    match reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
    {
        Some(reason) => format!("{status} {reason}"),
        None => status.to_string(),
    }
}

/// A fetch failure in words a feed's owner understands.
fn fetch_error_words(error: &FetchError) -> String {
    match error {
        FetchError::BadUrl(_) => "the feed's address is not a valid http(s) URL".to_owned(),
        FetchError::Forbidden { address, kind, .. } => {
            format!("refused to fetch: the feed's server {address} is a {kind} address")
        }
        FetchError::TooLarge { limit, .. } => {
            format!("the response was larger than {}", size_words(*limit))
        }
        FetchError::Failed { reason, .. } => {
            if reason.starts_with("no complete answer") || reason.starts_with("too many redirects")
            {
                reason.clone()
            } else {
                format!("the server could not be reached: {reason}")
            }
        }
    }
}

/// "5 MiB", "512 KiB", "100 bytes".
fn size_words(bytes: usize) -> String {
    const KIB: usize = 1024;
    if bytes >= KIB * KIB && bytes % (KIB * KIB) == 0 {
        format!("{} MiB", bytes / (KIB * KIB))
    } else if bytes >= KIB && bytes % KIB == 0 {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// `badgecommons planet refresh`: polls every feed due now (every feed with `all`) once, with
/// the job's limits, calling `each` per feed as it finishes; `total` first gets how many feeds
/// are to be polled. Errors only when the database cannot be used.
pub async fn refresh(
    db: &Db,
    fetcher: GuardedClient,
    all: bool,
    total: impl FnOnce(u64),
    each: impl FnMut(&PollReport),
) -> Result<Vec<PollReport>, sqlx::Error> {
    total(u64::try_from(count(db, all).await?).unwrap_or(0));
    let poller = Poller {
        db: db.clone(),
        fetcher: Arc::new(fetcher),
        public_url: None,
    };
    poll_round(&poller, all, each).await
}

/// One round of the server's poller: WebSub upkeep (renewals, lapsed leases), then every feed
/// that is due.
pub async fn run_round(state: &AppState) -> Result<Vec<PollReport>, sqlx::Error> {
    let poller = Poller::of(state);
    websub::maintain(&poller).await?;
    poll_round(&poller, false, |_| {}).await
}

/// Starts the server's poller: a round now and every [`ROUND`].
pub fn spawn(state: AppState) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match run_round(&state).await {
                Ok(reports) if !reports.is_empty() => {
                    tracing::info!(polled = reports.len(), "planet feeds polled")
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "cannot poll the planet's feeds"),
            }
            tokio::time::sleep(ROUND).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_read_as_sentences() {
        assert_eq!(status_words(404), "404 Not Found");
        assert_eq!(size_words(5 * 1024 * 1024), "5 MiB");
        assert_eq!(
            fetch_error_words(&FetchError::TooLarge {
                url: "http://x/".into(),
                limit: 5 * 1024 * 1024
            }),
            "the response was larger than 5 MiB"
        );
        assert_eq!(
            fetch_error_words(&FetchError::Failed {
                url: "http://x/".into(),
                reason: "no complete answer within 10 s".into()
            }),
            "no complete answer within 10 s"
        );
    }
}
