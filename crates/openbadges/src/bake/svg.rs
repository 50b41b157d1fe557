//! SVG: the payload lives in an `<openbadges:assertion>` (2.0) or `<openbadges:credential>`
//! (3.0) element, the first child of the root `<svg>`, which declares the `openbadges`
//! namespace.
//!
//! Reading uses quick-xml's namespace-aware pull parser, which never expands entities and
//! never fetches anything. On top of that a DOCTYPE with an internal subset (the only place
//! entities can be declared) is refused outright, and so is a reference to an undeclared
//! entity inside the payload: XXE and billion-laughs documents get a clear error. A plain
//! `<!DOCTYPE svg PUBLIC ...>`, as graphics editors write, is accepted: it declares nothing.
//!
//! Baking copies the input text span by span, exactly as it was, and changes only the root
//! start tag (to declare the namespace), the new payload element after it, and the removal of
//! any earlier payload element.

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{QName, ResolveResult};
use quick_xml::NsReader;

use super::payload::PayloadKind;
use super::{BadgeVersion, BakeError, Found};

/// Every Open Badges payload element in the document, in document order.
pub(crate) fn payloads(svg: &str) -> Result<Vec<Found>, BakeError> {
    let mut reader = NsReader::from_str(svg);
    let mut found = Vec::new();
    let mut depth = 0usize;
    let mut root_seen = false;
    loop {
        let (ours, event) = next_event(&mut reader)?;
        match event {
            Event::DocType(doctype) => check_doctype(&doctype)?,
            Event::Start(start) if depth == 0 => {
                check_root(&reader, &start, root_seen)?;
                root_seen = true;
                depth = 1;
            }
            Event::Empty(start) if depth == 0 => {
                check_root(&reader, &start, root_seen)?;
                root_seen = true;
            }
            Event::Start(start) => match payload_version(ours, &start) {
                Some(version) => {
                    let verify = verify_attribute(&reader, &start)?;
                    let body = read_body(&mut reader)?;
                    found.push(element_payload(&reader, &start, version, verify, body)?);
                }
                None => depth += 1,
            },
            Event::Empty(start) => {
                if let Some(version) = payload_version(ours, &start) {
                    let verify = verify_attribute(&reader, &start)?;
                    found.push(element_payload(
                        &reader,
                        &start,
                        version,
                        verify,
                        String::new(),
                    )?);
                }
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Eof => {
                return if depth > 0 {
                    Err(BakeError::SvgTruncated)
                } else if !root_seen {
                    Err(no_root(&reader))
                } else {
                    Ok(found)
                };
            }
            _ => {}
        }
    }
}

/// Bakes `payload` into `svg`, replacing every earlier payload element of either version.
pub(crate) fn bake(
    svg: &str,
    version: BadgeVersion,
    payload: &str,
    kind: PayloadKind,
) -> Result<String, BakeError> {
    let element = payload_element(version, payload, kind);
    let mut out = String::with_capacity(svg.len() + element.len() + 64);
    let mut reader = NsReader::from_str(svg);
    let mut depth = 0usize;
    let mut root_seen = false;
    // Where the event just read starts in `svg`.
    let mut event_start = 0usize;
    loop {
        let (ours, event) = next_event(&mut reader)?;
        let event_end = position(&reader);
        let raw = svg.get(event_start..event_end).unwrap_or_default();
        match event {
            Event::DocType(doctype) => {
                check_doctype(&doctype)?;
                out.push_str(raw);
            }
            Event::Start(start) if depth == 0 => {
                check_root(&reader, &start, root_seen)?;
                root_seen = true;
                depth = 1;
                out.push_str(&root_start_tag(&reader, &start, raw, version)?);
                out.push_str(&element);
            }
            Event::Empty(start) if depth == 0 => {
                // `<svg/>` becomes `<svg ...>payload</svg>`.
                check_root(&reader, &start, root_seen)?;
                root_seen = true;
                out.push_str(&root_start_tag(&reader, &start, raw, version)?);
                out.push_str(&element);
                out.push_str("</");
                out.push_str(&String::from_utf8_lossy(start.name().as_ref()));
                out.push('>');
            }
            Event::Start(start) => {
                if payload_version(ours, &start).is_some() {
                    read_body(&mut reader)?;
                } else {
                    depth += 1;
                    out.push_str(raw);
                }
            }
            Event::Empty(start) => {
                if payload_version(ours, &start).is_none() {
                    out.push_str(raw);
                }
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                out.push_str(raw);
            }
            Event::Eof => {
                if depth > 0 {
                    return Err(BakeError::SvgTruncated);
                }
                if !root_seen {
                    return Err(no_root(&reader));
                }
                out.push_str(svg.get(event_start..).unwrap_or_default());
                return Ok(out);
            }
            _ => out.push_str(raw),
        }
        event_start = position(&reader);
    }
}

/// The element that carries `payload`, as the specs spell it:
///
/// - 2.0, URL: `<openbadges:assertion verify="URL"/>`
/// - 2.0, JWS: `<openbadges:assertion verify="JWS"/>`
/// - 2.0, JSON: `<openbadges:assertion verify="ID"><![CDATA[JSON]]></openbadges:assertion>`,
///   with `verify` the assertion's own URL (its `id`, or a 1.0 `verify.url`) when it has one
/// - 3.0, JWS: `<openbadges:credential verify="JWS"></openbadges:credential>`
/// - 3.0, JSON: `<openbadges:credential><![CDATA[JSON]]></openbadges:credential>`
fn payload_element(version: BadgeVersion, payload: &str, kind: PayloadKind) -> String {
    let name = version.svg_element();
    let verify = match kind {
        PayloadKind::Url | PayloadKind::Jws => Some(payload.trim().to_string()),
        PayloadKind::Json if version == BadgeVersion::V2 => hosted_url_of(payload),
        PayloadKind::Json => None,
    };
    let mut out = format!("<{name}");
    if let Some(verify) = verify {
        out.push_str(" verify=\"");
        out.push_str(&quick_xml::escape::escape(verify.as_str()));
        out.push('"');
    }
    match (kind, version) {
        (PayloadKind::Json, _) => {
            out.push('>');
            // `]]>` cannot appear inside CDATA, so it is split across two sections.
            out.push_str("<![CDATA[");
            out.push_str(&payload.replace("]]>", "]]]]><![CDATA[>"));
            out.push_str("]]>");
            out.push_str(&format!("</{name}>"));
        }
        (_, BadgeVersion::V2) => out.push_str("/>"),
        (_, BadgeVersion::V3) => out.push_str(&format!("></{name}>")),
    }
    out
}

/// The URL a 2.0 assertion is hosted at, for the `verify` attribute: its `id`, or the 1.0
/// `verify.url`, if either is an http(s) URL.
fn hosted_url_of(json: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(json).ok()?;
    let candidates = [
        value.get("id"),
        value.get("verify").and_then(|v| v.get("url")),
    ];
    let url = candidates
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str())
        .find(|s| PayloadKind::of(s).ok() == Some(PayloadKind::Url))
        .map(str::to_string);
    url
}

/// The root start tag with `xmlns:openbadges` declaring `version`'s namespace: appended to the
/// tag as it was written, or, when the tag already declares the prefix, the tag rebuilt from
/// its attributes with the declaration replaced.
fn root_start_tag(
    reader: &NsReader<&[u8]>,
    start: &BytesStart<'_>,
    raw: &str,
    version: BadgeVersion,
) -> Result<String, BakeError> {
    let declaration = format!(" xmlns:openbadges=\"{}\"", version.svg_namespace());
    let mut attributes = Vec::new();
    let mut declared = false;
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|e| xml_error(reader, e.into()))?;
        if attribute.key == QName(b"xmlns:openbadges") {
            declared = true;
        } else {
            attributes.push(attribute);
        }
    }
    if !declared {
        let inner = raw
            .strip_suffix("/>")
            .or_else(|| raw.strip_suffix('>'))
            .unwrap_or(raw);
        return Ok(format!("{inner}{declaration}>"));
    }
    let mut tag = format!("<{}", String::from_utf8_lossy(start.name().as_ref()));
    for attribute in attributes {
        // The raw value is already escaped; keep the quote that cannot clash with it.
        let value = String::from_utf8_lossy(&attribute.value);
        let quote = if value.contains('"') { '\'' } else { '"' };
        tag.push_str(&format!(
            " {}={quote}{value}{quote}",
            String::from_utf8_lossy(attribute.key.as_ref())
        ));
    }
    tag.push_str(&declaration);
    tag.push('>');
    Ok(tag)
}

/// Reads the next event, and whether its element name is in an Open Badges namespace: either
/// version's, or the `openbadges` prefix left undeclared (as careless bakers write it).
fn next_event<'i>(reader: &mut NsReader<&'i [u8]>) -> Result<(bool, Event<'i>), BakeError> {
    match reader.read_resolved_event() {
        Ok((ns, event)) => {
            let ours = match ns {
                ResolveResult::Bound(namespace) => {
                    namespace.as_ref() == BadgeVersion::V2.svg_namespace().as_bytes()
                        || namespace.as_ref() == BadgeVersion::V3.svg_namespace().as_bytes()
                }
                ResolveResult::Unknown(prefix) => prefix.as_slice() == b"openbadges",
                ResolveResult::Unbound => false,
            };
            Ok((ours, event))
        }
        Err(e) => Err(xml_error(reader, e)),
    }
}

/// The version whose payload `start` carries, if it is a payload element: `assertion` (2.0)
/// or `credential` (3.0) in an Open Badges namespace (`ours`). The local name decides the
/// version, whichever of the two namespaces is bound, so that an element left with the other
/// version's namespace declaration is still found (and then replaced or reported).
fn payload_version(ours: bool, start: &BytesStart<'_>) -> Option<BadgeVersion> {
    if !ours {
        return None;
    }
    match start.local_name().as_ref() {
        b"assertion" => Some(BadgeVersion::V2),
        b"credential" => Some(BadgeVersion::V3),
        _ => None,
    }
}

/// The unescaped `verify` attribute of a payload element, if it has one.
fn verify_attribute(
    reader: &NsReader<&[u8]>,
    start: &BytesStart<'_>,
) -> Result<Option<String>, BakeError> {
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|e| xml_error(reader, e.into()))?;
        if attribute.key == QName(b"verify") {
            let value = attribute
                .unescape_value()
                .map_err(|e| BakeError::SvgEntity {
                    reason: e.to_string(),
                })?;
            return Ok(Some(value.into_owned()));
        }
    }
    Ok(None)
}

/// Reads the text and CDATA inside a payload element up to its end tag, and returns them joined.
/// Text inside nested elements is not part of the payload and is skipped.
fn read_body(reader: &mut NsReader<&[u8]>) -> Result<String, BakeError> {
    let mut body = String::new();
    let mut nested = 0usize;
    loop {
        match reader.read_event().map_err(|e| xml_error(reader, e))? {
            Event::Text(text) if nested == 0 => {
                let text = text.unescape().map_err(|e| BakeError::SvgEntity {
                    reason: e.to_string(),
                })?;
                body.push_str(&text);
            }
            Event::CData(cdata) if nested == 0 => {
                body.push_str(&String::from_utf8_lossy(&cdata));
            }
            Event::Start(_) => nested += 1,
            Event::End(_) if nested == 0 => return Ok(body),
            Event::End(_) => nested -= 1,
            Event::Eof => return Err(BakeError::SvgTruncated),
            _ => {}
        }
    }
}

/// The payload of one element: its body if it has one (JSON), else its `verify` attribute
/// (a URL or a JWS), as the baking specification says.
fn element_payload(
    reader: &NsReader<&[u8]>,
    start: &BytesStart<'_>,
    version: BadgeVersion,
    verify: Option<String>,
    body: String,
) -> Result<Found, BakeError> {
    let element = String::from_utf8_lossy(start.name().as_ref()).into_owned();
    let text = if !body.trim().is_empty() {
        body
    } else if let Some(verify) = verify.filter(|v| !v.trim().is_empty()) {
        verify
    } else {
        return Err(BakeError::EmptyPayloadElement { element });
    };
    Ok(Found {
        version,
        text,
        place: format!("<{element}> element before byte {}", position(reader)),
    })
}

/// A DOCTYPE is accepted only without an internal subset, so that it declares no entities.
fn check_doctype(doctype: &[u8]) -> Result<(), BakeError> {
    if doctype.contains(&b'[') || doctype.windows(8).any(|w| w == b"<!ENTITY") {
        return Err(BakeError::SvgDoctype);
    }
    Ok(())
}

fn check_root(
    reader: &NsReader<&[u8]>,
    start: &BytesStart<'_>,
    root_seen: bool,
) -> Result<(), BakeError> {
    if root_seen {
        return Err(BakeError::Xml {
            position: reader.buffer_position(),
            reason: "a second root element after </svg>".into(),
        });
    }
    if start.local_name().as_ref() != b"svg" {
        return Err(BakeError::NotSvg {
            root: String::from_utf8_lossy(start.name().as_ref()).into_owned(),
        });
    }
    Ok(())
}

fn position(reader: &NsReader<&[u8]>) -> usize {
    usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX)
}

fn no_root(reader: &NsReader<&[u8]>) -> BakeError {
    BakeError::Xml {
        position: reader.buffer_position(),
        reason: "the document has no root element".into(),
    }
}

fn xml_error(reader: &NsReader<&[u8]>, error: quick_xml::Error) -> BakeError {
    if let quick_xml::Error::Escape(e) = &error {
        return BakeError::SvgEntity {
            reason: e.to_string(),
        };
    }
    BakeError::Xml {
        position: reader.error_position(),
        reason: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bake_jws(svg: &str) -> String {
        bake(svg, BadgeVersion::V3, "e30.e30.c2ln", PayloadKind::Jws).unwrap()
    }

    #[test]
    fn a_root_that_already_declares_the_prefix_is_rebuilt_with_safe_quotes() {
        let svg =
            r#"<svg style='font: "A"' xmlns:openbadges="http://openbadges.org" a="1"><g/></svg>"#;
        assert_eq!(
            bake_jws(svg),
            "<svg style='font: \"A\"' a=\"1\" xmlns:openbadges=\"https://purl.imsglobal.org/ob/v3p0\">\
             <openbadges:credential verify=\"e30.e30.c2ln\"></openbadges:credential><g/></svg>"
        );
    }

    #[test]
    fn a_payload_element_anywhere_is_removed_and_comments_stay() {
        let svg = r#"<svg xmlns:openbadges="http://openbadges.org"><!-- c --><g><openbadges:assertion verify="https://x.org/a"><x>t</x></openbadges:assertion></g></svg>"#;
        let baked = bake_jws(svg);
        assert!(
            baked.ends_with("</openbadges:credential><!-- c --><g></g></svg>"),
            "{baked}"
        );
    }

    #[test]
    fn an_undeclared_openbadges_prefix_is_still_found() {
        let svg = r#"<svg><openbadges:assertion verify="https://x.org/a"/></svg>"#;
        let found = payloads(svg).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].text, "https://x.org/a");
    }

    #[test]
    fn text_inside_nested_elements_is_not_part_of_the_payload() {
        let svg = r#"<svg xmlns:openbadges="http://openbadges.org"><openbadges:assertion><![CDATA[{"a":1}]]><desc>no</desc></openbadges:assertion></svg>"#;
        assert_eq!(payloads(svg).unwrap()[0].text, r#"{"a":1}"#);
    }
}
