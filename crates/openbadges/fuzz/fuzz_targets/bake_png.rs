//! Bake then extract, on arbitrary PNG-ish bytes and an arbitrary payload.
//!
//! The input is split at the first NUL byte: before it, a flag byte and the payload (lossy
//! UTF-8); after it, the image. Flag bit 0 picks the version (2.0 or 3.0); with bit 1 set the
//! payload text is wrapped as a JSON object `{"p": TEXT}`, so that most inputs are bakeable.
//! When the image does not start with the PNG signature, the signature is put in front, so
//! that most inputs reach the chunk walker. Whenever `bake_png` accepts an image and
//! a payload, extracting from the result must give that payload back (trimmed), of the same
//! version.
#![no_main]

use libfuzzer_sys::fuzz_target;

mod common;
use openbadges::bake::{bake_png, extract, BadgeVersion};

const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

fuzz_target!(|data: &[u8]| {
    common::report_only_escaping_panics();
    let (head, image) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let (version, payload) = match head.split_first() {
        Some((flag, rest)) => {
            let v = if flag & 1 == 0 {
                BadgeVersion::V2
            } else {
                BadgeVersion::V3
            };
            let text = String::from_utf8_lossy(rest).into_owned();
            if flag & 2 == 0 {
                (v, text)
            } else {
                (v, serde_json::json!({ "p": text }).to_string())
            }
        }
        None => (BadgeVersion::V3, String::new()),
    };
    let mut png = Vec::with_capacity(image.len() + SIGNATURE.len());
    if !image.starts_with(SIGNATURE) {
        png.extend_from_slice(SIGNATURE);
    }
    png.extend_from_slice(image);

    if let Ok(baked) = bake_png(&png, version, &payload) {
        let found = extract(&baked).unwrap_or_else(|e| {
            panic!("bake_png accepted the image and payload, but extract failed: {e}")
        });
        assert_eq!(found.version, version, "version changed in the round trip");
        // Extraction trims surrounding whitespace (documented on `Extracted::payload`).
        assert_eq!(
            found.payload,
            payload.trim(),
            "payload changed in the round trip"
        );
    }
});
