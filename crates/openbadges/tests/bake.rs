//! Baking and extraction, as a badge holder and a verifier meet them: images baked and read
//! back, re-baked, damaged, and hostile.

use std::io::Write as _;

use openbadges::bake::{
    bake, bake_png, bake_svg, extract, extract_png, extract_svg, BadgeVersion, BakeError,
    ImageFormat, PayloadKind, MAX_INFLATED_PAYLOAD,
};

const PLAIN_PNG: &[u8] = include_bytes!("fixtures/bake/plain.png");
const PLAIN_SVG: &str = include_str!("fixtures/bake/plain.svg");

const URL: &str = "https://badges.example.org/assertions/1";
const ASSERTION: &str = r#"{"@context":"https://w3id.org/openbadges/v2","id":"https://badges.example.org/assertions/1","type":"Assertion","recipient":{"type":"email","identity":"alice@example.org"},"issuedOn":"2024-01-01T00:00:00Z","verification":{"type":"hosted"},"badge":"https://badges.example.org/badges/5"}"#;
const CREDENTIAL: &str = r#"{
  "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
  "id": "http://example.edu/credentials/3732",
  "type": ["VerifiableCredential", "OpenBadgeCredential"],
  "issuer": {"id": "https://example.edu/issuers/565049", "type": "Profile", "name": "Example <University> & \"Friends\""},
  "validFrom": "2010-01-01T00:00:00Z",
  "credentialSubject": {"id": "did:example:ebfeb1f712ebc6f1c276e12ec21", "note": "a ]]> inside a string"}
}"#;
// Header {"alg":"EdDSA"}; payload and signature are only the right shape.
const JWS: &str = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJkaWQ6ZXhhbXBsZToxIn0.c2lnbmF0dXJl";

/// Every payload each version may bake, with the kind extraction should report.
fn cases() -> Vec<(BadgeVersion, &'static str, PayloadKind)> {
    vec![
        (BadgeVersion::V2, URL, PayloadKind::Url),
        (BadgeVersion::V2, ASSERTION, PayloadKind::Json),
        (BadgeVersion::V2, JWS, PayloadKind::Jws),
        (BadgeVersion::V3, CREDENTIAL, PayloadKind::Json),
        (BadgeVersion::V3, JWS, PayloadKind::Jws),
    ]
}

// --- PNG building blocks -----------------------------------------------------------------

fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.finalize().to_be_bytes());
    out
}

/// `PLAIN_PNG` with `extra` chunks inserted after IHDR (which is 8 + 25 bytes long).
fn png_with(extra: &[Vec<u8>]) -> Vec<u8> {
    let mut png = PLAIN_PNG[..33].to_vec();
    for e in extra {
        png.extend_from_slice(e);
    }
    png.extend_from_slice(&PLAIN_PNG[33..]);
    png
}

fn itxt(keyword: &str, text: &str) -> Vec<u8> {
    let mut data = keyword.as_bytes().to_vec();
    data.extend_from_slice(&[0, 0, 0, 0, 0]);
    data.extend_from_slice(text.as_bytes());
    chunk(b"iTXt", &data)
}

fn compressed_itxt(keyword: &str, text: &[u8]) -> Vec<u8> {
    let mut data = keyword.as_bytes().to_vec();
    // Compressed, zlib, language tag "en", translated keyword "Open Badges".
    data.extend_from_slice(b"\0\x01\x00en\0Open Badges\0");
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(text).unwrap();
    data.extend_from_slice(&z.finish().unwrap());
    chunk(b"iTXt", &data)
}

/// The (type, offset) of every chunk, read independently of the library.
fn chunk_list(png: &[u8]) -> Vec<([u8; 4], usize, Vec<u8>)> {
    let mut out = Vec::new();
    let mut pos = 8;
    while pos + 12 <= png.len() {
        let len = u32::from_be_bytes(png[pos..pos + 4].try_into().unwrap()) as usize;
        let kind: [u8; 4] = png[pos + 4..pos + 8].try_into().unwrap();
        out.push((kind, pos, png[pos..pos + 12 + len].to_vec()));
        pos += 12 + len;
    }
    out
}

// --- round trips ---------------------------------------------------------------------------

#[test]
fn every_payload_round_trips_through_png() {
    for (version, payload, kind) in cases() {
        let baked = bake_png(PLAIN_PNG, version, payload).unwrap();
        let found = extract(&baked).unwrap();
        assert_eq!(found.format, ImageFormat::Png);
        assert_eq!(found.version, version);
        assert_eq!(found.kind, kind);
        assert_eq!(found.payload, payload.trim());
    }
}

#[test]
fn every_payload_round_trips_through_svg() {
    for (version, payload, kind) in cases() {
        let baked = bake_svg(PLAIN_SVG, version, payload).unwrap();
        let found = extract(baked.as_bytes()).unwrap();
        assert_eq!(found.format, ImageFormat::Svg);
        assert_eq!(found.version, version, "{baked}");
        assert_eq!(found.kind, kind);
        assert_eq!(found.payload, payload.trim());
    }
}

#[test]
fn the_sniffing_bake_picks_the_format() {
    let png = bake(PLAIN_PNG, BadgeVersion::V2, URL).unwrap();
    assert_eq!(extract_png(&png).unwrap().payload, URL);
    let svg = bake(PLAIN_SVG.as_bytes(), BadgeVersion::V2, URL).unwrap();
    assert_eq!(
        extract_svg(std::str::from_utf8(&svg).unwrap())
            .unwrap()
            .payload,
        URL
    );
}

#[test]
fn a_baked_png_has_one_uncompressed_itxt_right_after_ihdr_and_every_other_chunk_intact() {
    let baked = bake_png(PLAIN_PNG, BadgeVersion::V3, JWS).unwrap();
    let chunks = chunk_list(&baked);
    let kinds: Vec<&[u8; 4]> = chunks.iter().map(|c| &c.0).collect();
    assert_eq!(
        kinds,
        [b"IHDR", b"iTXt", b"tEXt", b"IDAT", b"IDAT", b"IEND"]
    );
    let itxt = &chunks[1].2;
    assert!(itxt[8..].starts_with(b"openbadgecredential\0\0\0\0\0eyJ"));
    let original: Vec<Vec<u8>> = chunk_list(PLAIN_PNG).into_iter().map(|c| c.2).collect();
    let kept: Vec<Vec<u8>> = chunks
        .into_iter()
        .filter(|c| &c.0 != b"iTXt")
        .map(|c| c.2)
        .collect();
    assert_eq!(kept, original);
}

#[test]
fn a_baked_svg_differs_from_the_original_only_by_the_declaration_and_the_element() {
    let baked = bake_svg(PLAIN_SVG, BadgeVersion::V3, JWS).unwrap();
    let element = format!(r#"<openbadges:credential verify="{JWS}"></openbadges:credential>"#);
    let declaration = r#" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0""#;
    assert!(baked.contains(&format!(r#"viewBox="0 0 64 64"{declaration}>{element}"#)));
    assert_eq!(
        baked.replace(&element, "").replace(declaration, ""),
        PLAIN_SVG
    );
}

#[test]
fn the_v2_svg_bakes_a_json_assertion_as_the_spec_example_does() {
    let baked = bake_svg(PLAIN_SVG, BadgeVersion::V2, ASSERTION).unwrap();
    assert!(baked.contains(&format!(
        r#"<openbadges:assertion verify="{URL}"><![CDATA[{ASSERTION}]]></openbadges:assertion>"#
    )));
    assert!(baked.contains(r#"xmlns:openbadges="http://openbadges.org""#));
}

#[test]
fn json_containing_the_cdata_terminator_survives_an_svg() {
    let baked = bake_svg(PLAIN_SVG, BadgeVersion::V3, CREDENTIAL).unwrap();
    assert!(baked.contains("]]]]><![CDATA[>"));
    assert_eq!(extract_svg(&baked).unwrap().payload, CREDENTIAL.trim());
}

#[test]
fn a_self_closing_svg_root_is_opened_up() {
    let baked = bake_svg(
        "<svg xmlns='http://www.w3.org/2000/svg'/>",
        BadgeVersion::V2,
        URL,
    )
    .unwrap();
    assert_eq!(
        baked,
        format!(
            "<svg xmlns='http://www.w3.org/2000/svg' xmlns:openbadges=\"http://openbadges.org\">\
             <openbadges:assertion verify=\"{URL}\"/></svg>"
        )
    );
}

#[test]
fn a_url_with_an_ampersand_is_escaped_in_the_attribute() {
    let url = "https://example.org/a?x=1&y=2";
    let baked = bake_svg(PLAIN_SVG, BadgeVersion::V2, url).unwrap();
    assert!(baked.contains("verify=\"https://example.org/a?x=1&amp;y=2\""));
    assert_eq!(extract_svg(&baked).unwrap().payload, url);
}

// --- re-baking -----------------------------------------------------------------------------

#[test]
fn rebaking_a_png_replaces_the_payload_of_either_version_and_the_legacy_text() {
    let legacy = png_with(&[chunk(b"tEXt", format!("openbadges\0{URL}").as_bytes())]);
    let once = bake_png(&legacy, BadgeVersion::V2, ASSERTION).unwrap();
    let twice = bake_png(&once, BadgeVersion::V3, CREDENTIAL).unwrap();
    let thrice = bake_png(&twice, BadgeVersion::V3, JWS).unwrap();
    let found = extract(&thrice).unwrap();
    assert_eq!(
        (found.version, found.payload.as_str()),
        (BadgeVersion::V3, JWS)
    );
    let text_chunks = chunk_list(&thrice)
        .into_iter()
        .filter(|c| &c.0 == b"iTXt" || c.2[8..].starts_with(b"openbadges"))
        .count();
    assert_eq!(text_chunks, 1);
    // Baking is idempotent: the same payload gives the same bytes.
    assert_eq!(bake_png(&thrice, BadgeVersion::V3, JWS).unwrap(), thrice);
}

#[test]
fn rebaking_an_svg_replaces_the_element_and_the_namespace() {
    let v2 = bake_svg(PLAIN_SVG, BadgeVersion::V2, ASSERTION).unwrap();
    let v3 = bake_svg(&v2, BadgeVersion::V3, JWS).unwrap();
    assert_eq!(v3.matches("<openbadges:").count(), 1, "{v3}");
    assert_eq!(v3.matches("xmlns:openbadges=").count(), 1, "{v3}");
    assert!(!v3.contains("http://openbadges.org"));
    let found = extract_svg(&v3).unwrap();
    assert_eq!(
        (found.version, found.payload.as_str()),
        (BadgeVersion::V3, JWS)
    );
    assert_eq!(bake_svg(&v3, BadgeVersion::V3, JWS).unwrap(), v3);
    // Baking the original payload again gives the original image back.
    let again = bake_svg(&v3, BadgeVersion::V2, ASSERTION).unwrap();
    assert_eq!(again, v2);
}

// --- what other bakers write ---------------------------------------------------------------

#[test]
fn a_legacy_text_chunk_is_read() {
    let png = png_with(&[chunk(b"tEXt", format!("openbadges\0{URL}").as_bytes())]);
    let found = extract(&png).unwrap();
    assert_eq!(
        (found.version, found.kind, found.payload.as_str()),
        (BadgeVersion::V2, PayloadKind::Url, URL)
    );
}

#[test]
fn a_compressed_itxt_is_read() {
    let png = png_with(&[compressed_itxt(
        "openbadgecredential",
        CREDENTIAL.as_bytes(),
    )]);
    let found = extract(&png).unwrap();
    assert_eq!(found.version, BadgeVersion::V3);
    assert_eq!(found.payload, CREDENTIAL.trim());
}

#[test]
fn the_same_payload_under_both_keywords_is_read_as_version_3() {
    let png = png_with(&[itxt("openbadges", JWS), itxt("openbadgecredential", JWS)]);
    assert_eq!(extract(&png).unwrap().version, BadgeVersion::V3);
}

#[test]
fn an_svg_with_an_indented_cdata_body_and_a_verify_attribute_gives_the_body() {
    let svg = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org" viewBox="0 0 512 512">
  <openbadges:assertion verify="{URL}">
    <![CDATA[
      {ASSERTION}
    ]]>
  </openbadges:assertion>
</svg>"#
    );
    let found = extract(svg.as_bytes()).unwrap();
    assert_eq!(
        (found.kind, found.payload.as_str()),
        (PayloadKind::Json, ASSERTION)
    );
}

#[test]
fn an_svg_element_with_another_prefix_is_found_by_its_namespace() {
    let svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:ob="https://purl.imsglobal.org/ob/v3p0"><ob:credential verify="{JWS}"/></svg>"#
    );
    assert_eq!(extract(svg.as_bytes()).unwrap().version, BadgeVersion::V3);
}

#[test]
fn a_byte_order_mark_before_an_svg_is_fine() {
    let baked = bake_svg(PLAIN_SVG, BadgeVersion::V2, URL).unwrap();
    let with_bom = [b"\xEF\xBB\xBF".as_slice(), baked.as_bytes()].concat();
    assert_eq!(extract(&with_bom).unwrap().payload, URL);
}

// --- conflicts -----------------------------------------------------------------------------

#[test]
fn two_different_itxt_payloads_are_reported_not_guessed() {
    let png = png_with(&[itxt("openbadges", URL), itxt("openbadges", JWS)]);
    let err = extract(&png).unwrap_err();
    assert!(matches!(err, BakeError::ConflictingPayloads { .. }));
    assert_eq!(
        err.to_string(),
        "two different Open Badges payloads in one image: iTXt `openbadges` chunk at offset 33 \
         and iTXt `openbadges` chunk at offset 99"
    );
}

#[test]
fn a_version_2_and_a_version_3_payload_that_differ_are_reported() {
    let png = png_with(&[
        itxt("openbadges", ASSERTION),
        itxt("openbadgecredential", JWS),
    ]);
    assert!(matches!(
        extract(&png),
        Err(BakeError::ConflictingPayloads { .. })
    ));
    let legacy_and_new = png_with(&[
        chunk(b"tEXt", format!("openbadges\0{URL}").as_bytes()),
        itxt("openbadges", ASSERTION),
    ]);
    assert!(matches!(
        extract(&legacy_and_new),
        Err(BakeError::ConflictingPayloads { .. })
    ));
}

#[test]
fn an_svg_with_differing_2_0_and_3_0_payloads_is_reported() {
    let svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org" xmlns:ob3="https://purl.imsglobal.org/ob/v3p0">
  <openbadges:assertion verify="{URL}"/>
  <g><ob3:credential><![CDATA[{CREDENTIAL}]]></ob3:credential></g>
</svg>"#
    );
    let err = extract(svg.as_bytes()).unwrap_err();
    assert!(
        matches!(err, BakeError::ConflictingPayloads { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("<openbadges:assertion>"));
    assert!(err.to_string().contains("<ob3:credential>"));
    // Baking resolves the conflict: both go, the new payload stays.
    let baked = bake_svg(&svg, BadgeVersion::V2, URL).unwrap();
    assert_eq!(extract_svg(&baked).unwrap().payload, URL);
    assert!(!baked.contains("ob3:credential"));
}

// --- damaged PNGs --------------------------------------------------------------------------

#[test]
fn every_truncation_of_a_baked_png_is_an_error() {
    for (version, payload, _) in cases() {
        let baked = bake_png(PLAIN_PNG, version, payload).unwrap();
        for len in 0..baked.len() {
            let prefix = &baked[..len];
            let result = extract(prefix);
            assert!(result.is_err(), "prefix of {len} bytes was accepted");
            assert!(
                bake_png(prefix, version, payload).is_err(),
                "prefix of {len} bytes was baked"
            );
        }
    }
}

#[test]
fn truncations_say_what_is_missing() {
    let baked = bake_png(PLAIN_PNG, BadgeVersion::V2, URL).unwrap();
    assert!(matches!(
        extract(&baked[..4]),
        Err(BakeError::Truncated { offset: 0, .. })
    ));
    assert!(matches!(
        extract(&baked[..12]),
        Err(BakeError::Truncated { offset: 8, .. })
    ));
    assert!(matches!(
        extract(&baked[..50]),
        Err(BakeError::ChunkPastEnd { offset: 33, .. })
    ));
    let without_iend = &baked[..baked.len() - 12];
    assert_eq!(extract(without_iend), Err(BakeError::MissingIend));
    assert_eq!(
        extract(without_iend).unwrap_err().to_string(),
        "truncated PNG: there is no IEND chunk"
    );
}

#[test]
fn a_corrupted_crc_names_the_chunk_and_its_offset() {
    let mut baked = bake_png(PLAIN_PNG, BadgeVersion::V2, URL).unwrap();
    // The payload's last byte, just before the iTXt chunk's CRC.
    let itxt_end = 33 + 12 + "openbadges".len() + 5 + URL.len();
    baked[itxt_end - 5] ^= 0x01;
    let err = extract(&baked).unwrap_err();
    assert_eq!(err.to_string(), "iTXt chunk CRC mismatch at offset 33");

    let mut pixels = bake_png(PLAIN_PNG, BadgeVersion::V2, URL).unwrap();
    let last = pixels.len() - 20; // inside the last IDAT
    pixels[last] ^= 0x80;
    assert!(matches!(
        extract(&pixels),
        Err(BakeError::CrcMismatch { ref chunk_type, .. }) if chunk_type == "IDAT"
    ));
}

#[test]
fn bad_chunk_lengths_are_refused() {
    let baked = bake_png(PLAIN_PNG, BadgeVersion::V2, URL).unwrap();
    let mut huge = baked.clone();
    huge[33..37].copy_from_slice(&0xFFFF_FFFFu32.to_be_bytes());
    assert_eq!(
        extract(&huge),
        Err(BakeError::BadChunkLength {
            offset: 33,
            length: 0xFFFF_FFFF
        })
    );
    let mut beyond = baked.clone();
    beyond[33..37].copy_from_slice(&100_000u32.to_be_bytes());
    let err = extract(&beyond).unwrap_err();
    assert!(matches!(err, BakeError::ChunkPastEnd { offset: 33, .. }));
    assert!(err.to_string().contains("declares 100000 bytes"), "{err}");
    let mut short = baked;
    short[33..37].copy_from_slice(&3u32.to_be_bytes());
    assert!(extract(&short).is_err());
}

#[test]
fn the_signature_is_checked() {
    let mut png = PLAIN_PNG.to_vec();
    png[1] = b'X';
    assert_eq!(extract_png(&png), Err(BakeError::PngSignature));
    assert_eq!(
        extract_png(&png).unwrap_err().to_string(),
        "not a PNG: the signature is wrong"
    );
    assert_eq!(extract(b""), Err(BakeError::UnknownFormat));
    assert_eq!(extract(b"GIF89a"), Err(BakeError::UnknownFormat));
}

#[test]
fn flipping_any_single_byte_never_panics_and_never_yields_a_different_payload() {
    let baked = bake_png(PLAIN_PNG, BadgeVersion::V3, CREDENTIAL).unwrap();
    for i in 0..baked.len() {
        for mask in [0x01u8, 0x80, 0xFF] {
            let mut damaged = baked.clone();
            damaged[i] ^= mask;
            if let Ok(found) = extract(&damaged) {
                // Only bytes no check covers (none in a PNG) could pass, and then unchanged.
                assert_eq!(found.payload, CREDENTIAL.trim(), "byte {i} mask {mask:#x}");
            }
        }
    }
}

#[test]
fn a_zip_bomb_is_refused() {
    // 16 MiB of zeros deflates to a few kilobytes.
    let bomb = vec![b'0'; 16 * MAX_INFLATED_PAYLOAD];
    let png = png_with(&[compressed_itxt("openbadges", &bomb)]);
    assert!(png.len() < 64 * 1024);
    let err = extract(&png).unwrap_err();
    assert_eq!(err, BakeError::InflateLimit { offset: 33 });
    assert!(err.to_string().contains("inflates past the limit"), "{err}");
    // Exactly at the limit is still accepted (if it were a valid payload).
    let at_limit = format!("{{\"a\":\"{}\"}}", "x".repeat(MAX_INFLATED_PAYLOAD - 8));
    assert_eq!(at_limit.len(), MAX_INFLATED_PAYLOAD);
    let png = png_with(&[compressed_itxt("openbadges", at_limit.as_bytes())]);
    assert_eq!(extract(&png).unwrap().kind, PayloadKind::Json);
}

#[test]
fn a_corrupt_compressed_stream_is_refused() {
    let mut data = b"openbadges\0\x01\x00\0\0".to_vec();
    data.extend_from_slice(b"\x78\x9c this is not deflate");
    let png = png_with(&[chunk(b"iTXt", &data)]);
    assert!(matches!(
        extract(&png),
        Err(BakeError::Inflate { offset: 33, .. })
    ));
}

#[test]
fn itxt_text_must_be_utf8() {
    let png = png_with(&[chunk(b"iTXt", b"openbadges\0\0\0\0\0https://x.org/\xFF")]);
    assert!(matches!(extract(&png), Err(BakeError::NotUtf8 { .. })));
}

#[test]
fn an_image_without_a_payload_says_so() {
    assert_eq!(extract(PLAIN_PNG), Err(BakeError::NoPayload));
    assert_eq!(extract(PLAIN_SVG.as_bytes()), Err(BakeError::NoPayload));
}

#[test]
fn a_payload_that_is_not_a_badge_is_refused_on_both_sides() {
    assert!(matches!(
        bake_png(PLAIN_PNG, BadgeVersion::V2, "hello"),
        Err(BakeError::UnrecognisedPayload { .. })
    ));
    assert!(matches!(
        bake_svg(PLAIN_SVG, BadgeVersion::V3, URL),
        Err(BakeError::PayloadNotAllowed { .. })
    ));
    assert!(matches!(
        bake_png(PLAIN_PNG, BadgeVersion::V3, "{\"unterminated\": "),
        Err(BakeError::InvalidJson { .. })
    ));
    let png = png_with(&[itxt("openbadges", "hello")]);
    assert!(matches!(
        extract(&png),
        Err(BakeError::UnrecognisedPayload { .. })
    ));
}

// --- hostile SVG ---------------------------------------------------------------------------

const BILLION_LAUGHS: &str = r#"<?xml version="1.0"?>
<!DOCTYPE svg [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">
  <openbadges:assertion>&lol3;</openbadges:assertion>
</svg>"#;

const XXE: &str = r#"<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">
  <openbadges:assertion verify="&xxe;"/>
</svg>"#;

#[test]
fn entity_declarations_are_refused_when_extracting_and_baking() {
    for svg in [BILLION_LAUGHS, XXE] {
        assert_eq!(extract(svg.as_bytes()), Err(BakeError::SvgDoctype));
        assert_eq!(
            bake_svg(svg, BadgeVersion::V2, URL),
            Err(BakeError::SvgDoctype)
        );
    }
    assert!(extract(XXE.as_bytes())
        .unwrap_err()
        .to_string()
        .contains("entity expansion is never performed"));
}

#[test]
fn an_undeclared_entity_in_the_payload_is_refused() {
    let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org"><openbadges:assertion verify="&xxe;"/></svg>"#;
    assert!(matches!(
        extract(svg.as_bytes()),
        Err(BakeError::SvgEntity { .. })
    ));
    let body = r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org"><openbadges:assertion>&lol9;</openbadges:assertion></svg>"#;
    assert!(matches!(
        extract(body.as_bytes()),
        Err(BakeError::SvgEntity { .. })
    ));
}

#[test]
fn a_public_doctype_without_declarations_is_accepted() {
    // PLAIN_SVG has `<!DOCTYPE svg PUBLIC ...>`, as editors write.
    assert!(PLAIN_SVG.contains("<!DOCTYPE svg PUBLIC"));
    let baked = bake_svg(PLAIN_SVG, BadgeVersion::V2, URL).unwrap();
    assert_eq!(extract_svg(&baked).unwrap().payload, URL);
}

#[test]
fn xml_that_is_not_an_svg_or_not_well_formed_is_refused() {
    assert_eq!(
        extract(b"<html><body/></html>"),
        Err(BakeError::NotSvg {
            root: "html".into()
        })
    );
    assert!(matches!(
        extract(b"<svg><g></svg>"),
        Err(BakeError::Xml { .. })
    ));
    assert!(matches!(
        extract(b"<svg/><svg/>"),
        Err(BakeError::Xml { .. })
    ));
    assert!(matches!(
        extract(b"<!-- nothing -->"),
        Err(BakeError::Xml { .. })
    ));
    assert!(matches!(
        extract(b"<svg>\xFF</svg>"),
        Err(BakeError::NotUtf8 { .. })
    ));
    let empty = r#"<svg xmlns:openbadges="http://openbadges.org"><openbadges:assertion/></svg>"#;
    assert_eq!(
        extract(empty.as_bytes()).unwrap_err().to_string(),
        "empty openbadges:assertion element: it has neither a body nor a verify attribute"
    );
}

#[test]
fn every_truncation_of_a_baked_svg_is_an_error_until_the_root_closes() {
    let baked = bake_svg(PLAIN_SVG, BadgeVersion::V3, CREDENTIAL).unwrap();
    let complete = baked.rfind("</svg>").unwrap() + "</svg>".len();
    for len in 0..baked.len() {
        let Some(prefix) = baked.get(..len) else {
            continue; // not a char boundary
        };
        let result = extract(prefix.as_bytes());
        if len < complete {
            assert!(result.is_err(), "prefix of {len} bytes was accepted");
            assert!(bake_svg(prefix, BadgeVersion::V2, URL).is_err());
        } else {
            assert_eq!(result.unwrap().payload, CREDENTIAL.trim());
        }
    }
}

#[test]
fn damaging_any_byte_of_a_baked_svg_never_panics() {
    let baked = bake_svg(PLAIN_SVG, BadgeVersion::V2, ASSERTION).unwrap();
    for i in 0..baked.len() {
        for replacement in [b'<', b'>', b'&', b'"', b']', b'\0', 0xFF] {
            let mut damaged = baked.clone().into_bytes();
            damaged[i] = replacement;
            let _ = extract(&damaged);
            if let Ok(text) = std::str::from_utf8(&damaged) {
                let _ = bake_svg(text, BadgeVersion::V3, JWS);
            }
        }
    }
}
