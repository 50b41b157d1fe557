//! `openbadges::bake::extract` on arbitrary bytes: any PNG, SVG or garbage must give an
//! `Extracted` or a `BakeError`, never a panic, a hang or an unbounded allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod common;

fuzz_target!(|data: &[u8]| {
    common::report_only_escaping_panics();
    if let Ok(found) = openbadges::bake::extract(data) {
        // What came out must be the image's own format.
        assert_eq!(
            openbadges::bake::ImageFormat::sniff(data),
            Some(found.format)
        );
    }
});
