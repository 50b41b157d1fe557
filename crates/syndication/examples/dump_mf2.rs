//! Prints, as JSON, the microformats2 document (`items`, `rels`,
//! `rel-urls`) that the `microformats` crate — the parser
//! `syndication::feeds` reads h-feeds with — makes of HTML files, so
//! `tests/interop/compare_mf2.py` can compare it with Python's mf2py.
//!
//! ```text
//! cargo run -p syndication --example dump_mf2 -- BASE_URL FILE [BASE_URL FILE]...
//! ```
//!
//! Arguments come in pairs: the URL the page is read as coming from (for
//! relative URLs), then the file. Output: a JSON array of
//! `{"file", "mf2"}` or `{"file", "error"}`, one per pair; an unparseable
//! page is reported in the output rather than ending the run.

use std::process::ExitCode;

use serde_json::{json, Value};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() || args.len() % 2 != 0 {
        eprintln!("usage: dump_mf2 BASE_URL FILE [BASE_URL FILE]...");
        return ExitCode::from(2);
    }
    let mut out = Vec::new();
    for pair in args.chunks(2) {
        let (base, file) = (&pair[0], &pair[1]);
        out.push(match dump(base, file) {
            Ok(mf2) => json!({ "file": file, "mf2": mf2 }),
            Err(error) => json!({ "file": file, "error": error }),
        });
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&Value::Array(out)).unwrap_or_default()
    );
    ExitCode::SUCCESS
}

fn dump(base: &str, file: &str) -> Result<Value, String> {
    let base = url::Url::parse(base).map_err(|error| format!("base URL {base:?}: {error}"))?;
    let bytes = std::fs::read(file).map_err(|error| format!("{file}: {error}"))?;
    // Pages here are ours or the suite's, UTF-8; lossy like browsers for the rest.
    let html = String::from_utf8_lossy(&bytes);
    let document = microformats::from_html(&html, &base).map_err(|error| error.to_string())?;
    serde_json::to_value(&document).map_err(|error| error.to_string())
}
