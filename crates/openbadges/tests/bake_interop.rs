//! Images baked by another implementation, openbadges-bakery 2.0.0 (PyPI), extract with ours.
//! How the vectors were made: `tests/vectors/bakery/README.md`.
//!
//! The other direction (bakery extracting what we bake) needs Python, so it is a script,
//! `tests/interop/bakery_roundtrip.sh`; it calls the last test of this file, with `$BAKE_INTEROP_OUT` set, to
//! write our baked images.

use std::path::{Path, PathBuf};

use openbadges::bake::{bake, extract, BadgeVersion, ImageFormat, PayloadKind};

/// The committed vectors, or freshly baked ones in `$BAKERY_VECTORS` (the interop script).
fn vectors() -> PathBuf {
    std::env::var_os("BAKERY_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/bakery"))
}

fn read(name: &str) -> Vec<u8> {
    let path = vectors().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn payload(kind: &str) -> String {
    String::from_utf8(read(&format!("assertion.{kind}"))).unwrap()
}

#[test]
fn pngs_baked_by_bakery_extract_with_ours() {
    for (kind, expected) in [
        ("json", PayloadKind::Json),
        ("jws", PayloadKind::Jws),
        ("url", PayloadKind::Url),
    ] {
        let found = extract(&read(&format!("bakery-{kind}.png"))).unwrap();
        assert_eq!(found.format, ImageFormat::Png);
        assert_eq!(found.version, BadgeVersion::V2);
        assert_eq!(found.kind, expected, "{kind}");
        assert_eq!(found.payload, payload(kind));
    }
}

#[test]
fn svgs_baked_by_bakery_extract_with_ours() {
    // bakery writes the payload as CDATA every time, and also puts the assertion's URL (for
    // JSON) or the JWS in `verify`; the body is what the specification says to read.
    for (kind, expected) in [
        ("json", PayloadKind::Json),
        ("jws", PayloadKind::Jws),
        ("url", PayloadKind::Url),
    ] {
        let found = extract(&read(&format!("bakery-{kind}.svg"))).unwrap();
        assert_eq!(found.format, ImageFormat::Svg);
        assert_eq!(found.version, BadgeVersion::V2);
        assert_eq!(found.kind, expected, "{kind}");
        assert_eq!(found.payload, payload(kind));
    }
}

#[test]
fn rebaking_a_bakery_image_replaces_its_payload() {
    for name in ["bakery-json.png", "bakery-json.svg"] {
        let baked = bake(&read(name), BadgeVersion::V2, &payload("jws")).unwrap();
        let found = extract(&baked).unwrap();
        assert_eq!(found.payload, payload("jws"), "{name}");
    }
}

/// Bakes the same plain images and payloads as the bakery vectors and checks ours extract them;
/// `tests/interop/bakery_roundtrip.sh` sets `$BAKE_INTEROP_OUT` to keep the images
/// (`ours-{json,jws,url}.{png,svg}`) and hand them to bakery.
#[test]
fn images_baked_by_ours_for_the_bakery_round_trip() {
    let out = match std::env::var_os("BAKE_INTEROP_OUT") {
        Some(dir) => PathBuf::from(dir),
        None => {
            let dir = std::env::temp_dir().join(format!("bake-interop-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            dir
        }
    };
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bake");
    for ext in ["png", "svg"] {
        let plain = std::fs::read(fixtures.join(format!("plain.{ext}"))).unwrap();
        for kind in ["json", "jws", "url"] {
            let baked = bake(&plain, BadgeVersion::V2, &payload(kind)).unwrap();
            assert_eq!(
                extract(&baked).unwrap().payload,
                payload(kind),
                "{kind}.{ext}"
            );
            std::fs::write(out.join(format!("ours-{kind}.{ext}")), baked).unwrap();
        }
    }
}
