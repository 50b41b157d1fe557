//! `openbadges::verify::verify_bytes` on arbitrary bytes, offline (nothing is fetched) and at a
//! fixed "now": any input must give a report, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod common;
use openbadges::verify::{verify_bytes, Offline, Options};

fuzz_target!(|data: &[u8]| {
    common::report_only_escaping_panics();
    let options = Options {
        now: Some(1_735_689_600), // 2025-01-01T00:00:00Z
        ..Options::default()
    };
    let fetch = Offline::default();
    let _report = pollster::block_on(verify_bytes(data, &options, &fetch));
});
