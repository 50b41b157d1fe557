//! Baking: credentials inside PNG (`iTXt`) and SVG images, and getting them out again.
//!
//! A badge is usually shown as an image. *Baking* puts the badge itself inside that image, so
//! that wherever the picture goes (an email, a portfolio, a download folder) the proof goes with
//! it, and software that knows Open Badges can take it out again and verify it. Only PNG and
//! SVG can be baked. What goes in, the *payload*, is text of one of three kinds
//! ([`PayloadKind`]):
//!
//! | | Open Badges 2.0 | Open Badges 3.0 |
//! |---|---|---|
//! | hosted URL | the assertion's URL | — (not allowed) |
//! | JSON | the assertion | the OpenBadgeCredential, with its embedded proof |
//! | compact JWS | a signed assertion | a VC-JWT |
//!
//! Where it goes follows the 1EdTech baking specifications (OB 2.0 *Baking*, OB 3.0 *Baked
//! Badge*):
//!
//! - **PNG**: an `iTXt` chunk with keyword `openbadges` (2.0) or `openbadgecredential` (3.0),
//!   uncompressed, present once. The first badges (before 2013) put a hosted URL in a `tEXt`
//!   chunk `openbadges`; extraction still reads those, and a compressed `iTXt` too (inflated
//!   up to [`MAX_INFLATED_PAYLOAD`] bytes, no more).
//! - **SVG**: the root `<svg>` declares `xmlns:openbadges` (`http://openbadges.org` for 2.0,
//!   `https://purl.imsglobal.org/ob/v3p0` for 3.0) and its first child is
//!   `<openbadges:assertion>` (2.0) or `<openbadges:credential>` (3.0). JSON goes in the body
//!   as CDATA; a URL or a JWS goes in the `verify` attribute.
//!
//! The specifications say that a payload must appear only once, and leave a baker free to
//! overwrite an old one. Here [`bake`] always replaces every earlier payload, of either version,
//! so a baked image carries exactly one. [`extract`] reads every payload in the image, not only
//! the first: if two of them differ (two chunks, or a 2.0 and a 3.0 payload), it says so with
//! [`BakeError::ConflictingPayloads`] instead of guessing which one the image means.
//!
//! Nothing here panics on any input, and nothing is fetched: every damaged PNG, every SVG with
//! entity declarations, every payload that is not what it claims gives a [`BakeError`] that
//! says what is wrong.
//!
//! ```
//! use openbadges::bake::{bake, extract, BadgeVersion, ImageFormat, PayloadKind};
//!
//! let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle r="5"/></svg>"#;
//! let credential = r#"{"type": ["VerifiableCredential", "OpenBadgeCredential"]}"#;
//!
//! let baked = bake(svg.as_bytes(), BadgeVersion::V3, credential)?;
//! let found = extract(&baked)?;
//! assert_eq!(found.format, ImageFormat::Svg);
//! assert_eq!(found.version, BadgeVersion::V3);
//! assert_eq!(found.kind, PayloadKind::Json);
//! assert_eq!(found.payload, credential);
//! # Ok::<(), openbadges::bake::BakeError>(())
//! ```

mod error;
mod payload;
mod png;
mod svg;

use std::fmt;

pub use error::BakeError;
pub use payload::{version_for, PayloadKind};

/// The most bytes a compressed `iTXt` payload may inflate to (1 MiB). A credential is a few
/// kilobytes; the limit is there so that a small "zip bomb" chunk cannot exhaust memory.
pub const MAX_INFLATED_PAYLOAD: usize = 1024 * 1024;

/// Which Open Badges version a payload belongs to, which decides where it is baked.
///
/// ```
/// use openbadges::bake::BadgeVersion;
///
/// assert_eq!(BadgeVersion::V3.png_keyword(), "openbadgecredential");
/// assert_eq!(BadgeVersion::V2.svg_element(), "openbadges:assertion");
/// assert_eq!(BadgeVersion::V2.to_string(), "2.0");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BadgeVersion {
    /// Open Badges 2.0 (and the 1.x badges before it): an Assertion.
    V2,
    /// Open Badges 3.0: an OpenBadgeCredential, a W3C Verifiable Credential.
    V3,
}

impl BadgeVersion {
    /// The keyword of the PNG `iTXt` chunk: `openbadges` or `openbadgecredential`.
    pub fn png_keyword(self) -> &'static str {
        match self {
            BadgeVersion::V2 => "openbadges",
            BadgeVersion::V3 => "openbadgecredential",
        }
    }

    /// The namespace bound to the `openbadges` prefix in SVG: `http://openbadges.org` or
    /// `https://purl.imsglobal.org/ob/v3p0`.
    pub fn svg_namespace(self) -> &'static str {
        match self {
            BadgeVersion::V2 => "http://openbadges.org",
            BadgeVersion::V3 => "https://purl.imsglobal.org/ob/v3p0",
        }
    }

    /// The SVG element that carries the payload: `openbadges:assertion` or
    /// `openbadges:credential`.
    pub fn svg_element(self) -> &'static str {
        match self {
            BadgeVersion::V2 => "openbadges:assertion",
            BadgeVersion::V3 => "openbadges:credential",
        }
    }
}

impl fmt::Display for BadgeVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BadgeVersion::V2 => "2.0",
            BadgeVersion::V3 => "3.0",
        })
    }
}

/// The two image formats that can carry a baked badge.
///
/// ```
/// use openbadges::bake::ImageFormat;
///
/// assert_eq!(ImageFormat::sniff(b"\x89PNG\r\n\x1a\n..."), Some(ImageFormat::Png));
/// assert_eq!(ImageFormat::sniff(b"  <?xml version=\"1.0\"?><svg/>"), Some(ImageFormat::Svg));
/// assert_eq!(ImageFormat::sniff(b"GIF89a"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageFormat {
    /// Portable Network Graphics.
    Png,
    /// Scalable Vector Graphics (XML).
    Svg,
}

impl ImageFormat {
    /// Tells the format from the first bytes: the PNG signature, or XML markup (after an
    /// optional UTF-8 byte order mark and whitespace) for SVG. Whether an XML document really is
    /// an SVG is checked when it is parsed.
    pub fn sniff(image: &[u8]) -> Option<ImageFormat> {
        if image.starts_with(&png::SIGNATURE) {
            return Some(ImageFormat::Png);
        }
        let text = image.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(image);
        match text.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'<') => Some(ImageFormat::Svg),
            _ => None,
        }
    }

    /// The MIME type: `image/png` or `image/svg+xml`.
    pub fn mime_type(self) -> &'static str {
        match self {
            ImageFormat::Png => "image/png",
            ImageFormat::Svg => "image/svg+xml",
        }
    }
}

impl fmt::Display for ImageFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ImageFormat::Png => "PNG",
            ImageFormat::Svg => "SVG",
        })
    }
}

/// A payload taken out of a baked image.
///
/// `payload` is the text as baked, with surrounding whitespace removed (an SVG body is often
/// indented); nothing else is changed, so a signature over it still checks.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Extracted {
    /// The image format it came from.
    pub format: ImageFormat,
    /// The version the image's chunk or element says it is.
    pub version: BadgeVersion,
    /// What the payload is: a hosted URL, JSON, or a compact JWS.
    pub kind: PayloadKind,
    /// The payload text.
    pub payload: String,
}

/// Bakes `payload` into a PNG or SVG image, telling which by its first bytes.
///
/// The payload must be JSON, a compact JWS, or (for 2.0 only) an http(s) URL; see
/// [`bake_png`] and [`bake_svg`] for where it goes.
///
/// ```
/// use openbadges::bake::{bake, BadgeVersion, BakeError};
///
/// let svg = b"<svg xmlns='http://www.w3.org/2000/svg'/>";
/// let baked = bake(svg, BadgeVersion::V2, "https://example.org/assertions/1")?;
/// let text = String::from_utf8(baked).unwrap();
/// assert!(text.contains(r#"<openbadges:assertion verify="https://example.org/assertions/1"/>"#));
///
/// assert!(matches!(bake(b"GIF89a", BadgeVersion::V2, "{}"), Err(BakeError::UnknownFormat)));
/// # Ok::<(), BakeError>(())
/// ```
pub fn bake(image: &[u8], version: BadgeVersion, payload: &str) -> Result<Vec<u8>, BakeError> {
    match ImageFormat::sniff(image) {
        Some(ImageFormat::Png) => bake_png(image, version, payload),
        Some(ImageFormat::Svg) => Ok(bake_svg(svg_text(image)?, version, payload)?.into_bytes()),
        None => Err(not_an_image(image)),
    }
}

/// Bakes `payload` into a PNG.
///
/// Every chunk of the input is checked (signature, lengths, CRCs, `IHDR` first, `IEND` last),
/// every earlier Open Badges chunk is removed (`iTXt` `openbadges` or `openbadgecredential`, and
/// the legacy `tEXt`), and one uncompressed `iTXt` chunk with the version's keyword is written
/// directly after `IHDR`, before any palette or image data. Every other byte is copied
/// unchanged.
///
/// ```
/// use openbadges::bake::{bake_png, extract, BadgeVersion, PayloadKind};
///
/// // A 1×1 grey PNG.
/// # let pixel: &[u8] = &[
/// #     0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
/// #     0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x3a,
/// #     0x7e, 0x9b, 0x55, 0x00, 0x00, 0x00, 0x0a, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0xf8,
/// #     0x0f, 0x00, 0x01, 0x01, 0x01, 0x00, 0x1c, 0xb0, 0x8c, 0x99, 0x00, 0x00, 0x00, 0x00, 0x49,
/// #     0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
/// # ];
/// let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJkaWQ6ZXhhbXBsZToxIn0.c2lnbmF0dXJl";
/// let baked = bake_png(pixel, BadgeVersion::V3, jwt)?;
///
/// let found = extract(&baked)?;
/// assert_eq!((found.version, found.kind), (BadgeVersion::V3, PayloadKind::Jws));
/// assert_eq!(found.payload, jwt);
///
/// // Baking again replaces the payload rather than adding a second one.
/// let rebaked = bake_png(&baked, BadgeVersion::V2, "https://example.org/assertions/1")?;
/// assert_eq!(extract(&rebaked)?.version, BadgeVersion::V2);
/// # Ok::<(), openbadges::bake::BakeError>(())
/// ```
pub fn bake_png(png: &[u8], version: BadgeVersion, payload: &str) -> Result<Vec<u8>, BakeError> {
    payload::check_for_baking(payload, version)?;
    png::bake(png, version, payload)
}

/// Bakes `payload` into an SVG document.
///
/// The root `<svg>` gets `xmlns:openbadges` bound to the version's namespace (replacing an
/// earlier binding of that prefix), and the payload element becomes its first child; any
/// earlier `openbadges:assertion` or `openbadges:credential` element is removed. JSON goes in
/// the body as CDATA (for 2.0 the `verify` attribute then carries the assertion's `id` URL, as
/// in the specification's example); a URL or a JWS goes in `verify`. The rest of the document
/// is copied unchanged, byte for byte.
///
/// A document with a DOCTYPE that declares entities is refused ([`BakeError::SvgDoctype`]).
///
/// ```
/// use openbadges::bake::{bake_svg, BadgeVersion};
///
/// let svg = r#"<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>"#;
/// let assertion = r#"{"id": "https://example.org/a/1", "type": "Assertion"}"#;
/// let baked = bake_svg(svg, BadgeVersion::V2, assertion)?;
/// assert_eq!(
///     baked,
///     r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">"#.to_owned()
///         + r#"<openbadges:assertion verify="https://example.org/a/1"><![CDATA["#
///         + assertion
///         + r#"]]></openbadges:assertion><rect width="1" height="1"/></svg>"#
/// );
/// # Ok::<(), openbadges::bake::BakeError>(())
/// ```
pub fn bake_svg(svg: &str, version: BadgeVersion, payload: &str) -> Result<String, BakeError> {
    let kind = payload::check_for_baking(payload, version)?;
    svg::bake(svg, version, payload, kind)
}

/// Takes the baked payload out of a PNG or SVG image, telling which by its first bytes.
///
/// The whole image is read, not just up to the first payload, so that damage anywhere is
/// reported and so that two differing payloads are found: that is
/// [`BakeError::ConflictingPayloads`]. Identical copies (say the same credential under both
/// PNG keywords) are accepted; the version is then 3.0 if any copy says so.
///
/// ```
/// use openbadges::bake::{extract, BadgeVersion, BakeError, PayloadKind};
///
/// let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">
///   <openbadges:assertion verify="https://example.org/assertions/123"/>
/// </svg>"#;
/// let found = extract(svg)?;
/// assert_eq!(found.version, BadgeVersion::V2);
/// assert_eq!(found.kind, PayloadKind::Url);
/// assert_eq!(found.payload, "https://example.org/assertions/123");
///
/// let plain = br#"<svg xmlns="http://www.w3.org/2000/svg"/>"#;
/// assert!(matches!(extract(plain), Err(BakeError::NoPayload)));
/// # Ok::<(), BakeError>(())
/// ```
pub fn extract(image: &[u8]) -> Result<Extracted, BakeError> {
    match ImageFormat::sniff(image) {
        Some(ImageFormat::Png) => extract_png(image),
        Some(ImageFormat::Svg) => extract_svg(svg_text(image)?),
        None => Err(not_an_image(image)),
    }
}

/// Takes the baked payload out of a PNG: the `iTXt` chunk `openbadges` or
/// `openbadgecredential` (compressed or not), or the legacy `tEXt` chunk `openbadges`.
///
/// Every chunk's length and CRC is checked, so a truncated or corrupted file is an error even
/// when the payload itself is intact: a damaged file is not something to vouch for.
///
/// ```
/// use openbadges::bake::{extract_png, BakeError};
///
/// assert!(matches!(extract_png(b"not a png"), Err(BakeError::PngSignature)));
/// ```
pub fn extract_png(png: &[u8]) -> Result<Extracted, BakeError> {
    resolve(png::payloads(png)?, ImageFormat::Png)
}

/// Takes the baked payload out of an SVG document: the body of the `openbadges:assertion` or
/// `openbadges:credential` element if it has one, else its `verify` attribute.
///
/// ```
/// use openbadges::bake::{extract_svg, BakeError};
///
/// let billion_laughs = r#"<?xml version="1.0"?>
/// <!DOCTYPE svg [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
/// <svg xmlns="http://www.w3.org/2000/svg">&lol2;</svg>"#;
/// assert!(matches!(extract_svg(billion_laughs), Err(BakeError::SvgDoctype)));
/// ```
pub fn extract_svg(svg: &str) -> Result<Extracted, BakeError> {
    let svg = svg.strip_prefix('\u{FEFF}').unwrap_or(svg);
    resolve(svg::payloads(svg)?, ImageFormat::Svg)
}

/// A payload found in an image, with where it was found (for conflict messages).
struct Found {
    version: BadgeVersion,
    text: String,
    place: String,
}

/// One answer from every payload found, or an error if they disagree.
fn resolve(found: Vec<Found>, format: ImageFormat) -> Result<Extracted, BakeError> {
    let first = found.first().ok_or(BakeError::NoPayload)?;
    let text = first.text.trim();
    if let Some(other) = found.iter().find(|f| f.text.trim() != text) {
        return Err(BakeError::ConflictingPayloads {
            first: first.place.clone(),
            second: other.place.clone(),
        });
    }
    let version = if found.iter().any(|f| f.version == BadgeVersion::V3) {
        BadgeVersion::V3
    } else {
        BadgeVersion::V2
    };
    Ok(Extracted {
        format,
        version,
        kind: PayloadKind::of(text)?,
        payload: text.to_string(),
    })
}

/// The image as UTF-8 text, without a byte order mark.
fn svg_text(image: &[u8]) -> Result<&str, BakeError> {
    let image = image.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(image);
    std::str::from_utf8(image).map_err(|_| BakeError::NotUtf8 {
        what: "the SVG document".into(),
    })
}

/// The error for bytes that sniff as neither format: a truncated PNG signature says so.
fn not_an_image(image: &[u8]) -> BakeError {
    if !image.is_empty() && png::SIGNATURE.starts_with(image) {
        BakeError::Truncated {
            what: "the signature",
            offset: 0,
        }
    } else {
        BakeError::UnknownFormat
    }
}
