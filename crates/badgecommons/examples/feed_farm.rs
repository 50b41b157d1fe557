//! A local farm of generated feeds for `bench/planet.sh`: many feeds on many
//! "hosts" (ports of 127.0.0.1), each answering conditional requests the way
//! real servers do.
//!
//! ```text
//! feed_farm --feeds 10000 --hosts 100 --opml FILE [--sample-dir DIR --samples N]
//!           [--changing-every 20] [--max-seconds 900]
//! ```
//!
//! - Feed `n` lives on host `n % hosts` at `/feeds/{n}.xml`; even feeds are
//!   RSS 2.0, odd ones Atom, with 10 to 20 entries of a few hundred bytes of
//!   HTML, like blogs' feeds. The planet limits requests per host (the port
//!   counts as part of the host), so one port for 10,000 feeds would measure
//!   that limit, not the planet; 100 hosts of 100 feeds each is closer to a
//!   real community's subscriptions.
//! - Each answer has an `ETag` and a `Last-Modified`; a request whose
//!   `If-None-Match` holds the ETag, or whose `If-Modified-Since` repeats the
//!   `Last-Modified` (what clients echo back), gets `304 Not Modified`.
//! - `POST /next-round` (on any port) publishes a new entry in every
//!   `changing-every`th feed (default every 20th: 5 % change between two
//!   refreshes); `GET /stats` counts the 200 and 304 answers so far.
//! - The OPML file lists every feed; `--sample-dir` writes the first
//!   `--samples` feeds' bodies there for the parsing comparison.
//! - It stops by itself after `--max-seconds` (default 900), so a bench that
//!   dies never leaves it running.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{TimeZone, Utc};

/// 2024-05-01T00:00:00Z, the farm's fixed "now" for generated dates.
const EPOCH: i64 = 1_714_521_600;

struct Farm {
    feeds: u32,
    hosts: Vec<u16>,
    changing_every: u32,
    round: AtomicU32,
    full: AtomicU64,
    not_modified: AtomicU64,
}

impl Farm {
    /// The feed's version: 0 for steady feeds, the round for changing ones.
    fn version(&self, n: u32) -> u32 {
        if n % self.changing_every == 0 {
            self.round.load(Ordering::Relaxed)
        } else {
            0
        }
    }

    fn url(&self, n: u32) -> String {
        let port = self.hosts[n as usize % self.hosts.len()];
        format!("http://127.0.0.1:{port}/feeds/{n}.xml")
    }
}

fn http_date(seconds: i64) -> String {
    Utc.timestamp_opt(seconds, 0)
        .single()
        .map(|date| date.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
        .unwrap_or_default()
}

fn rfc3339(seconds: i64) -> String {
    Utc.timestamp_opt(seconds, 0)
        .single()
        .map(|date| date.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// Feed `n` at `version`: 10–20 entries, newest first, one more per version.
fn body(n: u32, version: u32, url: &str) -> String {
    let count = 10 + (n % 11) + version;
    let site = format!("https://site{n}.example.org");
    let newest = EPOCH + i64::from(version) * 3600;
    let entry_time = |i: u32| newest - i64::from(i) * 86_400 - i64::from(n % 3600);
    let paragraph = "Members wrote about open badges, verifiable credentials and how the \
        community recognises the work people do. <a href=\"/about\">More</a> and \
        <em>emphasis</em>, an image <img src=\"/img/badge.png\" alt=\"badge\"> and a list \
        <ul><li>one</li><li>two</li></ul>";
    let mut out = String::with_capacity(600 * count as usize + 512);
    if n % 2 == 0 {
        out.push_str(&format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" \
             xmlns:atom=\"http://www.w3.org/2005/Atom\"><channel><title>Site {n}</title>\
             <link>{site}/</link><description>Feed {n}</description>\
             <atom:link rel=\"self\" href=\"{url}\"/>\n"
        ));
        for i in 0..count {
            let serial = count - i;
            out.push_str(&format!(
                "<item><title>Post {serial} of site {n}</title><link>{site}/posts/{serial}</link>\
                 <guid>{site}/posts/{serial}</guid><pubDate>{}</pubDate>\
                 <category>badges</category><description><![CDATA[<p>{paragraph}</p>]]></description></item>\n",
                http_date(entry_time(i))
            ));
        }
        out.push_str("</channel></rss>\n");
    } else {
        out.push_str(&format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\
             <title>Site {n}</title><id>tag:site{n}.example.org,2024:feed</id>\
             <updated>{}</updated><link href=\"{site}/\"/><link rel=\"self\" href=\"{url}\"/>\
             <author><name>Member {n}</name></author>\n",
            rfc3339(newest)
        ));
        for i in 0..count {
            let serial = count - i;
            let date = rfc3339(entry_time(i));
            out.push_str(&format!(
                "<entry><title>Post {serial} of site {n}</title>\
                 <id>tag:site{n}.example.org,2024:{serial}</id><link href=\"{site}/posts/{serial}\"/>\
                 <published>{date}</published><updated>{date}</updated>\
                 <category term=\"credentials\"/><content type=\"html\">{}</content></entry>\n",
                escape(&format!("<p>{paragraph}</p>"))
            ));
        }
        out.push_str("</feed>\n");
    }
    out
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

async fn feed(
    State(farm): State<Arc<Farm>>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(n) = file
        .strip_suffix(".xml")
        .and_then(|n| n.parse::<u32>().ok())
        .filter(|n| *n < farm.feeds)
    else {
        return (StatusCode::NOT_FOUND, "no such feed").into_response();
    };
    let version = farm.version(n);
    let etag = format!("\"{n}-{version}\"");
    let last_modified = http_date(EPOCH + i64::from(version) * 3600);
    let header_is = |name: header::HeaderName, wanted: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.split(',').any(|part| part.trim() == wanted))
    };
    let fresh = if headers.contains_key(header::IF_NONE_MATCH) {
        header_is(header::IF_NONE_MATCH, &etag)
    } else {
        header_is(header::IF_MODIFIED_SINCE, &last_modified)
    };
    let validators = [(header::ETAG, etag), (header::LAST_MODIFIED, last_modified)];
    if fresh {
        farm.not_modified.fetch_add(1, Ordering::Relaxed);
        return (StatusCode::NOT_MODIFIED, validators).into_response();
    }
    farm.full.fetch_add(1, Ordering::Relaxed);
    let content_type = if n % 2 == 0 {
        "application/rss+xml; charset=utf-8"
    } else {
        "application/atom+xml; charset=utf-8"
    };
    (
        validators,
        [(header::CONTENT_TYPE, content_type)],
        body(n, version, &farm.url(n)),
    )
        .into_response()
}

async fn next_round(State(farm): State<Arc<Farm>>) -> String {
    let round = farm.round.fetch_add(1, Ordering::Relaxed) + 1;
    let changed = farm.feeds.div_ceil(farm.changing_every);
    format!("round {round}: {changed} feeds have a new entry\n")
}

async fn stats(State(farm): State<Arc<Farm>>) -> String {
    format!(
        "{{\"full\":{},\"not_modified\":{}}}\n",
        farm.full.load(Ordering::Relaxed),
        farm.not_modified.load(Ordering::Relaxed)
    )
}

struct Options {
    feeds: u32,
    hosts: u16,
    opml: String,
    sample_dir: Option<String>,
    samples: u32,
    changing_every: u32,
    max_seconds: u64,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        feeds: 10_000,
        hosts: 100,
        opml: String::new(),
        sample_dir: None,
        samples: 200,
        changing_every: 20,
        max_seconds: 900,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        let number = || {
            value
                .parse::<u64>()
                .map_err(|_| format!("{flag}: not a number"))
        };
        match flag.as_str() {
            "--feeds" => options.feeds = number()?.clamp(1, 1_000_000) as u32,
            "--hosts" => options.hosts = number()?.clamp(1, 1000) as u16,
            "--opml" => options.opml = value,
            "--sample-dir" => options.sample_dir = Some(value),
            "--samples" => options.samples = number()?.min(u64::from(u32::MAX)) as u32,
            "--changing-every" => options.changing_every = number()?.clamp(1, 1_000_000) as u32,
            "--max-seconds" => options.max_seconds = number()?.max(1),
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    if options.opml.is_empty() {
        return Err("--opml FILE is required".to_string());
    }
    Ok(options)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("feed_farm: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let options = options()?;
    let mut listeners = Vec::new();
    for _ in 0..options.hosts {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|error| format!("bind: {error}"))?;
        listeners.push(listener);
    }
    let hosts = listeners
        .iter()
        .map(|listener| listener.local_addr().map(|address| address.port()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| error.to_string())?;
    let farm = Arc::new(Farm {
        feeds: options.feeds,
        hosts,
        changing_every: options.changing_every,
        round: AtomicU32::new(0),
        full: AtomicU64::new(0),
        not_modified: AtomicU64::new(0),
    });
    let mut opml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\"><head>\
         <title>feed_farm</title></head><body>\n",
    );
    for n in 0..options.feeds {
        opml.push_str(&format!(
            // Short lines: 10,000 of them must stay under the planet's 1 MiB OPML limit.
            "<outline type=\"rss\" text=\"{n}\" xmlUrl=\"{}\"/>\n",
            farm.url(n)
        ));
    }
    opml.push_str("</body></opml>\n");
    std::fs::write(&options.opml, opml).map_err(|error| format!("{}: {error}", options.opml))?;
    if let Some(dir) = &options.sample_dir {
        std::fs::create_dir_all(dir).map_err(|error| format!("{dir}: {error}"))?;
        for n in 0..options.samples.min(options.feeds) {
            let path = format!("{dir}/farm-{n}.xml");
            std::fs::write(&path, body(n, 0, &farm.url(n)))
                .map_err(|error| format!("{path}: {error}"))?;
        }
    }
    let app = Router::new()
        .route("/feeds/{file}", get(feed))
        .route("/next-round", post(next_round))
        .route("/stats", get(stats))
        .with_state(farm.clone());
    let mut servers = tokio::task::JoinSet::new();
    for listener in listeners {
        let app = app.clone();
        servers.spawn(async move { axum::serve(listener, app).await });
    }
    println!(
        "feed_farm: {} feeds on {} ports of 127.0.0.1, control on port {}",
        options.feeds,
        farm.hosts.len(),
        farm.hosts[0]
    );
    tokio::select! {
        _ = tokio::time::sleep(Duration::from_secs(options.max_seconds)) => {
            eprintln!("feed_farm: stopping after {} s (--max-seconds)", options.max_seconds);
        }
        _ = tokio::signal::ctrl_c() => {}
        Some(result) = servers.join_next() => {
            return Err(format!("a listener stopped: {result:?}"));
        }
    }
    Ok(())
}
