//! Inputs the fuzzers found that once crashed: each must now give an answer, not a panic.

use openbadges::proof::canon::canonicalize;
use openbadges::verify::{verify_bytes, Offline, Options};

fn regressions() -> Vec<(String, Vec<u8>)> {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz-regressions");
    let mut inputs: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .expect("regressions folder")
        .map(|entry| {
            let path = entry.expect("entry").path();
            (
                path.display().to_string(),
                std::fs::read(&path).expect("read"),
            )
        })
        .collect();
    inputs.sort();
    assert!(
        !inputs.is_empty(),
        "the fuzzers' findings are kept in {}",
        dir.display()
    );
    inputs
}

#[test]
fn canonicalizing_a_past_crash_gives_a_result_not_a_panic() {
    for (name, bytes) in regressions() {
        if let Ok(json) = serde_json::from_slice::<serde_json::Value>(&bytes) {
            // Either result is fine; reaching the next line is the point.
            let _ = canonicalize(&json);
            eprintln!("{name}: answered");
        }
    }
}

#[test]
fn verifying_a_past_crash_gives_a_report_with_a_reason() {
    let options = Options {
        recipient: None,
        now: Some(1_800_000_000),
    };
    for (name, bytes) in regressions() {
        let report = pollster::block_on(verify_bytes(&bytes, &options, &Offline::default()));
        assert!(
            !report.checks.is_empty(),
            "{name}: the report says what was checked"
        );
        assert!(
            report.checks.iter().all(|c| !c.message.is_empty()),
            "{name}: every check explains itself"
        );
    }
}
