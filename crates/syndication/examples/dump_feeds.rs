//! Prints, as JSON, what [`syndication::feeds::parse`] reads out of feed
//! files, so an independent parser (Python's feedparser, through
//! `tests/interop/compare_feeds.py`) can be compared with it; or, with
//! `--time N`, how long parsing each file takes (for `bench/planet.sh`).
//!
//! ```text
//! cargo run -p syndication --example dump_feeds -- [--base URL] FILE...
//! cargo run --release -p syndication --example dump_feeds -- --time 200 FILE...
//! ```
//!
//! Each file is read as if fetched from `BASE` + its file name (default
//! `https://feeds.example.org/corpus/`), with the content type its extension
//! suggests; a parse error is printed for that file instead of failing the
//! run, because the comparison wants to see errors too. Dates are printed as
//! RFC 3339 in UTC, to the second, which is what feedparser keeps.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use serde_json::{json, Value};

const DEFAULT_BASE: &str = "https://feeds.example.org/corpus/";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut base = DEFAULT_BASE.to_string();
    let mut iterations: Option<u32> = None;
    let mut files = Vec::new();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--base" => match args.next() {
                Some(value) => base = value,
                None => return usage("--base needs a URL"),
            },
            "--time" => match args.next().and_then(|value| value.parse().ok()) {
                Some(value) if value > 0 => iterations = Some(value),
                _ => return usage("--time needs a positive number of iterations"),
            },
            _ => files.push(arg),
        }
    }
    if files.is_empty() {
        return usage("no feed files given");
    }
    let mut inputs = Vec::with_capacity(files.len());
    for file in &files {
        match std::fs::read(file) {
            Ok(bytes) => inputs.push((file.as_str(), bytes)),
            Err(error) => {
                eprintln!("dump_feeds: {file}: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    let output = match iterations {
        None => Value::Array(
            inputs
                .iter()
                .map(|(file, bytes)| dump(file, bytes, &base))
                .collect(),
        ),
        Some(iterations) => time(&inputs, &base, iterations),
    };
    println!(
        "{}",
        serde_json::to_string_pretty(&output).unwrap_or_default()
    );
    ExitCode::SUCCESS
}

fn usage(problem: &str) -> ExitCode {
    eprintln!("dump_feeds: {problem}\nusage: dump_feeds [--base URL] [--time ITERATIONS] FILE...");
    ExitCode::from(2)
}

/// The file name, the URL it is read as coming from, and its content type.
fn describe(file: &str, base: &str) -> (String, String, &'static str) {
    let name = Path::new(file)
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or(file)
        .to_string();
    let content_type = match Path::new(&name).extension().and_then(|ext| ext.to_str()) {
        Some("json") => "application/feed+json",
        Some("html") => "text/html",
        _ => "application/xml",
    };
    let url = format!("{base}{name}");
    (name, url, content_type)
}

fn dump(file: &str, bytes: &[u8], base: &str) -> Value {
    let (name, url, content_type) = describe(file, base);
    match syndication::feeds::parse(bytes, Some(content_type), &url) {
        Err(error) => json!({ "file": name, "error": error.to_string() }),
        Ok(feed) => {
            let date = |date: Option<chrono::DateTime<chrono::Utc>>| {
                date.map(|date| date.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            };
            let entries: Vec<Value> = feed
                .entries
                .iter()
                .map(|entry| {
                    json!({
                        "title": entry.title,
                        "url": entry.url,
                        "id": entry.id,
                        "published": date(entry.published),
                        "updated": date(entry.updated),
                    })
                })
                .collect();
            json!({
                "file": name,
                "format": feed.format.name(),
                "title": feed.title,
                "entries": entries,
            })
        }
    }
}

/// Parses every input `iterations` times and reports the mean time per
/// parse of each, in microseconds, and of the whole set.
fn time(inputs: &[(&str, Vec<u8>)], base: &str, iterations: u32) -> Value {
    let mut per_file = serde_json::Map::new();
    let mut total = 0.0;
    for (file, bytes) in inputs {
        let (name, url, content_type) = describe(file, base);
        // One untimed run, so first-use costs (lazy statics) are not counted.
        let _ = syndication::feeds::parse(bytes, Some(content_type), &url);
        let start = Instant::now();
        for _ in 0..iterations {
            let parsed = syndication::feeds::parse(bytes, Some(content_type), &url);
            std::hint::black_box(&parsed);
        }
        let micros = start.elapsed().as_secs_f64() * 1e6 / f64::from(iterations);
        total += micros;
        per_file.insert(name, json!(micros));
    }
    json!({
        "iterations": iterations,
        "total_us": total,
        "per_file_us": per_file,
    })
}
