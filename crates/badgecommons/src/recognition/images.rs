//! Badge images as uploaded by people: checked by their content (never by their name or declared
//! type) and made safe to serve before anything is stored.
//!
//! Two formats are accepted, the two that Open Badges can bake:
//!
//! - **PNG**: the header must decode with the `png` crate, the dimensions must be sane (at most
//!   [`MAX_PNG_SIDE`] pixels a side) and the whole first frame must decode to its `IEND`, so a
//!   truncated or corrupt file is refused here rather than shown broken later. The file is then
//!   rebuilt from its chunks keeping only the ones that draw the picture ([`PNG_CHUNKS_KEPT`]):
//!   text chunks can carry personal metadata and, worse, an `openbadges` assertion baked into some
//!   earlier badge, which would confuse whoever later bakes or verifies one of ours.
//! - **SVG**: parsed as XML and **sanitised** by [`sanitize_svg`]: the document is rebuilt from an
//!   allow-list of elements and attributes, so that nothing in it can run script, load anything
//!   from elsewhere or read files, whatever a browser or a badge baker does with it.
//!
//! Anything else (JPEG, GIF, WebP, garbage) is refused with an [`ImageError`] that names the
//! problem. The same checks serve the issuer's image.
//!
//! Why the SVG sanitiser is written here by hand: no maintained Rust crate sanitises SVG (ammonia,
//! the HTML sanitiser behind `syndication::sanitize`, drops `<svg>` altogether, and the SVG
//! renderers parse but do not clean). The approach follows DOMPurify's SVG profile: rebuild
//! rather than delete, allow-list rather than deny-list, and refuse what cannot be made safe
//! (DTDs) instead of guessing.

use std::io::Cursor;

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
use quick_xml::name::{Namespace, ResolveResult};
use quick_xml::reader::NsReader;
use quick_xml::Writer;

/// The largest image accepted, PNG or SVG.
pub const MAX_IMAGE_BYTES: usize = 512 * 1024;

/// The largest width or height of a PNG, in pixels.
pub const MAX_PNG_SIDE: u32 = 2048;

/// The deepest nesting of elements an SVG may have.
const MAX_SVG_DEPTH: usize = 256;

const SVG_NS: &[u8] = b"http://www.w3.org/2000/svg";
const XLINK_NS: &[u8] = b"http://www.w3.org/1999/xlink";
const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// What an image is, once checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageKind {
    Png,
    Svg,
}

impl ImageKind {
    /// The media type the image is served with.
    pub fn content_type(self) -> &'static str {
        match self {
            ImageKind::Png => "image/png",
            ImageKind::Svg => "image/svg+xml",
        }
    }

    /// The kind stored under `content_type`, if it is one this module produces.
    pub fn from_content_type(content_type: &str) -> Option<ImageKind> {
        match content_type {
            "image/png" => Some(ImageKind::Png),
            "image/svg+xml" => Some(ImageKind::Svg),
            _ => None,
        }
    }
}

/// An image that passed the checks: the bytes to store (a cleaned PNG, a sanitised SVG).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedImage {
    pub kind: ImageKind,
    pub bytes: Vec<u8>,
}

impl CheckedImage {
    pub fn content_type(&self) -> &'static str {
        self.kind.content_type()
    }
}

/// Why an uploaded image was refused; each message names the problem for the person uploading.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    #[error("The image file is empty.")]
    Empty,
    #[error("The image is {} KB; at most {} KB is accepted.", .0.div_ceil(1024), MAX_IMAGE_BYTES / 1024)]
    TooLarge(usize),
    #[error("{0} images are not accepted: upload a PNG or an SVG.")]
    UnsupportedFormat(&'static str),
    #[error("The file is not a PNG or SVG image.")]
    NotAnImage,
    #[error("The PNG image cannot be read ({0}): it may be truncated or corrupt.")]
    BrokenPng(String),
    #[error("The PNG image is {0}×{1} pixels; at most {MAX_PNG_SIDE}×{MAX_PNG_SIDE} is accepted.")]
    PngDimensions(u32, u32),
    #[error("The SVG image is not UTF-8 text.")]
    SvgNotUtf8,
    #[error(
        "SVG images with a DOCTYPE or entity declarations are refused: entities can expand to \
         gigabytes or read files from the server. Remove the <!DOCTYPE ...> part and upload it again."
    )]
    SvgDoctype,
    #[error("The SVG image is not well-formed XML: {0}.")]
    SvgMalformed(String),
    #[error(
        "The file is XML but not an SVG image: its root element is <{0}>, not <svg> in the \
         http://www.w3.org/2000/svg namespace."
    )]
    NotSvg(String),
    #[error("The SVG image nests its elements more than {MAX_SVG_DEPTH} deep.")]
    SvgTooDeep,
    #[error("The SVG image ends before all its elements are closed: it may be truncated.")]
    SvgTruncated,
    #[error("The image is not a usable data: URI: {0}.")]
    DataUri(String),
}

/// Checks an uploaded image by its content and returns what may be stored.
pub fn check_image(bytes: &[u8]) -> Result<CheckedImage, ImageError> {
    if bytes.is_empty() {
        return Err(ImageError::Empty);
    }
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(ImageError::TooLarge(bytes.len()));
    }
    if bytes.starts_with(PNG_SIGNATURE) {
        return Ok(CheckedImage {
            kind: ImageKind::Png,
            bytes: check_png(bytes)?,
        });
    }
    if let Some(format) = other_format(bytes) {
        return Err(ImageError::UnsupportedFormat(format));
    }
    if looks_like_xml(bytes) {
        return Ok(CheckedImage {
            kind: ImageKind::Svg,
            bytes: sanitize_svg(bytes)?,
        });
    }
    Err(ImageError::NotAnImage)
}

/// The name of a well-known image format this module does not accept, by its magic bytes.
fn other_format(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\xff\xd8\xff") {
        Some("JPEG")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("GIF")
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Some("WebP")
    } else if bytes.starts_with(b"BM") {
        Some("BMP")
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        Some("TIFF")
    } else if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        Some("AVIF/HEIC")
    } else if bytes.starts_with(b"\0\0\x01\0") {
        Some("ICO")
    } else {
        None
    }
}

/// Whether the bytes start like an XML document (after a byte-order mark and white space).
fn looks_like_xml(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'<')
}

/// The HTTP response serving a stored image (`content_type` as stored): cacheable for a while,
/// never sniffed as anything else, and an SVG under a policy that forbids scripts and every
/// load, in case a browser opens it as a document rather than an `<img>`.
pub fn serve(bytes: Vec<u8>, content_type: &str) -> Response {
    let kind = ImageKind::from_content_type(content_type);
    let content_type = kind.map_or("application/octet-stream", ImageKind::content_type);
    let mut response = (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=600"),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        bytes,
    )
        .into_response();
    if kind == Some(ImageKind::Svg) {
        response.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
        );
    }
    response
}

/// Reads an image from a `data:` URI (`data:image/png;base64,...`, `data:image/svg+xml;base64,...`
/// or `data:image/svg+xml,` followed by percent-encoded SVG) and checks it like an upload.
pub fn image_from_data_uri(uri: &str) -> Result<CheckedImage, ImageError> {
    let bad = |why: &str| ImageError::DataUri(why.to_string());
    let rest = uri
        .get(..5)
        .filter(|scheme| scheme.eq_ignore_ascii_case("data:"))
        .map(|_| &uri[5..])
        .ok_or_else(|| bad("it must start with data:"))?;
    let (meta, payload) = rest
        .split_once(',')
        .ok_or_else(|| bad("there is no comma before the data"))?;
    let mut params = meta.split(';').map(str::trim);
    let media_type = params.next().unwrap_or_default().to_ascii_lowercase();
    let base64 = params.any(|p| p.eq_ignore_ascii_case("base64"));
    if !matches!(media_type.as_str(), "image/png" | "image/svg+xml") {
        let shown = if media_type.is_empty() {
            "none".to_string()
        } else {
            media_type.chars().take(40).collect()
        };
        return Err(ImageError::DataUri(format!(
            "its media type is {shown}; use image/png or image/svg+xml"
        )));
    }
    let bytes = if base64 {
        let compact: Vec<u8> = payload
            .bytes()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        base64::engine::general_purpose::STANDARD
            .decode(&compact)
            .map_err(|e| ImageError::DataUri(format!("its base64 data is invalid ({e})")))?
    } else {
        percent_decode(payload).ok_or_else(|| bad("its percent-encoding is invalid"))?
    };
    check_image(&bytes)
}

/// Decodes `%XX` escapes; `None` on a malformed escape.
pub(super) fn percent_decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

/// The PNG chunks a cleaned PNG keeps: the image itself, its colour interpretation, and the
/// animation chunks of APNG. Text, EXIF and private chunks (a baked `openbadges` one) go.
pub const PNG_CHUNKS_KEPT: [&[u8; 4]; 13] = [
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT",
    b"pHYs", b"acTL", b"fcTL",
];

/// Decodes the whole PNG (header, dimensions, every row of the first frame, through `IEND`) and
/// returns it rebuilt from the chunks worth keeping.
fn check_png(bytes: &[u8]) -> Result<Vec<u8>, ImageError> {
    let broken = |e: png::DecodingError| ImageError::BrokenPng(e.to_string());
    let limits = png::Limits {
        bytes: 64 * 1024 * 1024,
    };
    let decoder = png::Decoder::new_with_limits(Cursor::new(bytes), limits);
    let mut reader = decoder.read_info().map_err(broken)?;
    let (width, height) = (reader.info().width, reader.info().height);
    if width == 0 || height == 0 || width > MAX_PNG_SIDE || height > MAX_PNG_SIDE {
        return Err(ImageError::PngDimensions(width, height));
    }
    while reader.next_row().map_err(broken)?.is_some() {}
    reader.finish().map_err(broken)?;
    Ok(keep_png_chunks(bytes))
}

/// The PNG with only the chunks in [`PNG_CHUNKS_KEPT`] (and APNG's `fdAT` frames), up to `IEND`.
/// The input has decoded already, so its chunk structure is sound; a chunk that would run past
/// the end stops the copy all the same.
fn keep_png_chunks(bytes: &[u8]) -> Vec<u8> {
    let mut out = PNG_SIGNATURE.to_vec();
    let mut at = PNG_SIGNATURE.len();
    while let Some(header) = bytes.get(at..at + 8) {
        let length = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let kind = &header[4..8];
        let end = at + 12 + length;
        let Some(chunk) = bytes.get(at..end) else {
            break;
        };
        if PNG_CHUNKS_KEPT.iter().any(|k| k.as_slice() == kind) || kind == b"fdAT" {
            out.extend_from_slice(chunk);
        }
        if kind == b"IEND" {
            break;
        }
        at = end;
    }
    out
}

/// The side, in pixels, of the PNG made for a badge class created without an image.
pub const DEFAULT_PNG_SIDE: u32 = 256;

/// A plain square PNG for a badge class created without an image (also what an SVG badge is
/// baked into when a PNG is asked for).
pub fn default_png() -> Vec<u8> {
    default_png_for("")
}

/// A plain square PNG, [`DEFAULT_PNG_SIDE`] pixels wide, of a colour chosen from `seed` (a badge's
/// name), so that badges without images of their own still look different.
pub fn default_png_for(seed: &str) -> Vec<u8> {
    square_png(seed, DEFAULT_PNG_SIDE)
}

fn square_png(seed: &str, side: u32) -> Vec<u8> {
    // Calm colours that both white and black text read on.
    const COLOURS: [[u8; 3]; 8] = [
        [0x2e, 0x6d, 0xb4],
        [0x3c, 0x8d, 0x5a],
        [0xb5, 0x5d, 0x2b],
        [0x7b, 0x4f, 0xa8],
        [0xa8, 0x3b, 0x5c],
        [0x1f, 0x8a, 0x8a],
        [0x8a, 0x7a, 0x1f],
        [0x55, 0x5f, 0x6e],
    ];
    let hash = seed
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    let colour = COLOURS[hash as usize % COLOURS.len()];
    let side = side.clamp(1, MAX_PNG_SIDE);
    let pixels: Vec<u8> = colour
        .iter()
        .copied()
        .cycle()
        .take(side as usize * side as usize * 3)
        .collect();
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    // Writing to a Vec cannot fail, and the pixels have exactly the declared size.
    let written = encoder
        .write_header()
        .and_then(|mut writer| writer.write_image_data(&pixels));
    debug_assert!(written.is_ok(), "{written:?}");
    out
}

/// An SVG document showing a PNG (embedded as a `data:` URI) at its own size: the SVG form of a
/// PNG badge, for baking an SVG credential.
pub fn png_in_svg(png: &[u8]) -> String {
    let (width, height) = match png.get(16..24) {
        Some(ihdr) if png.starts_with(PNG_SIGNATURE) => (
            u32::from_be_bytes([ihdr[0], ihdr[1], ihdr[2], ihdr[3]]),
            u32::from_be_bytes([ihdr[4], ihdr[5], ihdr[6], ihdr[7]]),
        ),
        _ => (DEFAULT_PNG_SIDE, DEFAULT_PNG_SIDE),
    };
    let data = base64::engine::general_purpose::STANDARD.encode(png);
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" \
         xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\"><image width=\"{width}\" height=\"{height}\" \
         xlink:href=\"data:image/png;base64,{data}\"/></svg>\n"
    )
}

// ---------------------------------------------------------------------------------------------
// SVG

/// The SVG elements kept: shapes, text, structure, paint servers, clipping, masking and filters.
/// Left out, with their whole content: `script`; `foreignObject` (HTML inside SVG); animation
/// (`animate`, `set`, ...: `<set attributeName="href" to="javascript:...">` turns a harmless link
/// into script); `metadata` and every element of another namespace (editor data, RDF);
/// `iframe`, `audio`, `video`, `canvas`; SVG fonts; `cursor`; `view`.
const SVG_ELEMENTS: &[&str] = &[
    "svg",
    "g",
    "defs",
    "symbol",
    "use",
    "switch",
    "title",
    "desc",
    "path",
    "rect",
    "circle",
    "ellipse",
    "line",
    "polyline",
    "polygon",
    "text",
    "tspan",
    "textPath",
    "image",
    "linearGradient",
    "radialGradient",
    "stop",
    "pattern",
    "clipPath",
    "mask",
    "marker",
    "style",
    "filter",
    "feBlend",
    "feColorMatrix",
    "feComponentTransfer",
    "feComposite",
    "feConvolveMatrix",
    "feDiffuseLighting",
    "feDisplacementMap",
    "feDistantLight",
    "feDropShadow",
    "feFlood",
    "feFuncA",
    "feFuncB",
    "feFuncG",
    "feFuncR",
    "feGaussianBlur",
    "feImage",
    "feMerge",
    "feMergeNode",
    "feMorphology",
    "feOffset",
    "fePointLight",
    "feSpecularLighting",
    "feSpotLight",
    "feTile",
    "feTurbulence",
];

/// Elements removed but whose content is kept: a link (`<a>`) means nothing in a badge image,
/// but the shapes it wraps are the picture.
const SVG_UNWRAPPED: &[&str] = &["a"];

/// Elements whose text content is kept (elsewhere only white space is).
const SVG_TEXT_ELEMENTS: &[&str] = &["text", "tspan", "textPath", "title", "desc", "style"];

/// Attributes without a namespace that are kept: geometry, presentation, text layout, filter
/// parameters, accessibility. Every event handler (`on*`) is absent by construction; `href` is
/// checked separately ([`is_local_reference`]), `style` and paint values too ([`is_safe_css`]).
const SVG_ATTRIBUTES: &[&str] = &[
    // core and structure
    "id",
    "class",
    "style",
    "lang",
    "tabindex",
    "role",
    "aria-label",
    "aria-labelledby",
    "aria-describedby",
    "aria-hidden",
    "version",
    "baseProfile",
    "viewBox",
    "preserveAspectRatio",
    "transform",
    "href",
    "requiredExtensions",
    "systemLanguage",
    // geometry
    "x",
    "y",
    "x1",
    "y1",
    "x2",
    "y2",
    "cx",
    "cy",
    "r",
    "rx",
    "ry",
    "fx",
    "fy",
    "fr",
    "width",
    "height",
    "d",
    "points",
    "pathLength",
    // paint and presentation
    "fill",
    "fill-opacity",
    "fill-rule",
    "stroke",
    "stroke-width",
    "stroke-opacity",
    "stroke-linecap",
    "stroke-linejoin",
    "stroke-miterlimit",
    "stroke-dasharray",
    "stroke-dashoffset",
    "opacity",
    "color",
    "display",
    "visibility",
    "overflow",
    "clip",
    "clip-path",
    "clip-rule",
    "mask",
    "filter",
    "marker-start",
    "marker-mid",
    "marker-end",
    "paint-order",
    "vector-effect",
    "shape-rendering",
    "text-rendering",
    "image-rendering",
    "color-interpolation",
    "color-interpolation-filters",
    "color-rendering",
    "mix-blend-mode",
    "isolation",
    "transform-origin",
    "transform-box",
    // gradients, patterns, markers, clipping, masking
    "offset",
    "stop-color",
    "stop-opacity",
    "gradientUnits",
    "gradientTransform",
    "spreadMethod",
    "patternUnits",
    "patternContentUnits",
    "patternTransform",
    "clipPathUnits",
    "maskUnits",
    "maskContentUnits",
    "markerUnits",
    "markerWidth",
    "markerHeight",
    "refX",
    "refY",
    "orient",
    // text
    "font-family",
    "font-size",
    "font-size-adjust",
    "font-weight",
    "font-style",
    "font-variant",
    "font-stretch",
    "font-kerning",
    "text-anchor",
    "dominant-baseline",
    "alignment-baseline",
    "baseline-shift",
    "letter-spacing",
    "word-spacing",
    "text-decoration",
    "writing-mode",
    "direction",
    "unicode-bidi",
    "dx",
    "dy",
    "rotate",
    "textLength",
    "lengthAdjust",
    "startOffset",
    "method",
    "spacing",
    "side",
    "white-space",
    // filters
    "filterUnits",
    "primitiveUnits",
    "in",
    "in2",
    "result",
    "stdDeviation",
    "mode",
    "operator",
    "k1",
    "k2",
    "k3",
    "k4",
    "type",
    "values",
    "tableValues",
    "slope",
    "intercept",
    "amplitude",
    "exponent",
    "order",
    "kernelMatrix",
    "divisor",
    "bias",
    "targetX",
    "targetY",
    "edgeMode",
    "kernelUnitLength",
    "preserveAlpha",
    "surfaceScale",
    "diffuseConstant",
    "specularConstant",
    "specularExponent",
    "azimuth",
    "elevation",
    "pointsAtX",
    "pointsAtY",
    "pointsAtZ",
    "limitingConeAngle",
    "scale",
    "xChannelSelector",
    "yChannelSelector",
    "radius",
    "baseFrequency",
    "numOctaves",
    "seed",
    "stitchTiles",
    "z",
    "flood-color",
    "flood-opacity",
    "lighting-color",
];

/// What happens to an element and, until it ends, to its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Keep {
    /// Written out, with its allowed attributes.
    Element,
    /// Not written; its content is.
    Unwrap,
    /// Neither it nor anything inside.
    Drop,
    /// A `<style>` element: its text is gathered and written only if it is safe CSS.
    Style,
}

/// An open element of the input.
#[derive(Clone, Copy, Debug)]
struct Frame {
    keep: Keep,
    /// Its text content is kept (it is, or is unwrapped inside, a text element).
    text: bool,
}

/// Rebuilds an SVG document from an allow-list, or refuses it.
///
/// Kept: the elements in [`SVG_ELEMENTS`] in the SVG namespace (or with no namespace at all,
/// which browsers would not draw, so they are put in it), their attributes in [`SVG_ATTRIBUTES`]
/// plus `xml:space`/`xml:lang`, text inside text elements, and `<style>` elements whose CSS loads
/// nothing. Removed: everything else, notably `script`, `foreignObject`, animation, every `on*`
/// attribute, any `href` or `xlink:href` that is not a same-document fragment (`#id`), any value
/// containing `javascript:` or a `url(...)` that points outside the document, comments and
/// processing instructions. Refused outright: a DOCTYPE (and so any entity declaration), entity
/// references other than XML's five, text that is not UTF-8, malformed XML, a root that is not
/// `<svg>`, nesting deeper than [`MAX_SVG_DEPTH`]. The output declares the SVG namespace (and
/// the XLink one, for `xlink:href`) on its root and is well-formed XML.
pub fn sanitize_svg(bytes: &[u8]) -> Result<Vec<u8>, ImageError> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(ImageError::TooLarge(bytes.len()));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| ImageError::SvgNotUtf8)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let malformed = |e: quick_xml::Error| ImageError::SvgMalformed(e.to_string());
    let write_failed = |e: std::io::Error| ImageError::SvgMalformed(e.to_string());

    let mut reader = NsReader::from_str(text);
    let mut out = Writer::new(Vec::with_capacity(text.len()));
    out.get_mut()
        .extend_from_slice(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");

    let mut stack: Vec<Frame> = Vec::new();
    let mut root_done = false;
    let mut style_text = String::new();
    loop {
        let (namespace, event) = reader.read_resolved_event().map_err(malformed)?;
        match event {
            Event::DocType(_) => return Err(ImageError::SvgDoctype),
            Event::Start(ref start) | Event::Empty(ref start) => {
                let empty = matches!(event, Event::Empty(_));
                if root_done && stack.is_empty() {
                    return Err(ImageError::SvgMalformed(
                        "it has more than one root element".to_string(),
                    ));
                }
                if stack.len() >= MAX_SVG_DEPTH {
                    return Err(ImageError::SvgTooDeep);
                }
                let local = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                let in_svg = match &namespace {
                    ResolveResult::Bound(Namespace(ns)) => *ns == SVG_NS,
                    ResolveResult::Unbound => true,
                    ResolveResult::Unknown(_) => false,
                };
                let is_root = stack.is_empty();
                if is_root && !(in_svg && local == "svg") {
                    let shown = String::from_utf8_lossy(start.name().as_ref()).into_owned();
                    return Err(ImageError::NotSvg(shown.chars().take(60).collect()));
                }
                let parent = stack.last().copied();
                let keep = if parent.is_some_and(|p| matches!(p.keep, Keep::Drop | Keep::Style))
                    || !in_svg
                {
                    Keep::Drop
                } else if local == "style" {
                    Keep::Style
                } else if SVG_ELEMENTS.contains(&local.as_str()) {
                    Keep::Element
                } else if SVG_UNWRAPPED.contains(&local.as_str()) {
                    Keep::Unwrap
                } else {
                    Keep::Drop
                };
                let text = match keep {
                    Keep::Element => SVG_TEXT_ELEMENTS.contains(&local.as_str()),
                    Keep::Unwrap => parent.is_some_and(|p| p.text),
                    Keep::Drop | Keep::Style => false,
                };
                match keep {
                    Keep::Element => {
                        let element = clean_element(&reader, start, &local, is_root)?;
                        let event = if empty {
                            Event::Empty(element)
                        } else {
                            Event::Start(element)
                        };
                        out.write_event(event).map_err(write_failed)?;
                    }
                    Keep::Style => style_text.clear(),
                    Keep::Unwrap | Keep::Drop => {}
                }
                if empty {
                    root_done |= is_root;
                } else {
                    stack.push(Frame { keep, text });
                }
            }
            Event::End(ref end) => {
                let Some(frame) = stack.pop() else {
                    return Err(ImageError::SvgMalformed(
                        "an end tag closes nothing".to_string(),
                    ));
                };
                match frame.keep {
                    Keep::Element => {
                        let local = String::from_utf8_lossy(end.local_name().as_ref()).into_owned();
                        out.write_event(Event::End(BytesEnd::new(local)))
                            .map_err(write_failed)?;
                    }
                    Keep::Style if !style_text.trim().is_empty() && is_safe_css(&style_text) => {
                        out.write_event(Event::Start(BytesStart::new("style")))
                            .map_err(write_failed)?;
                        out.write_event(Event::Text(BytesText::new(&style_text)))
                            .map_err(write_failed)?;
                        out.write_event(Event::End(BytesEnd::new("style")))
                            .map_err(write_failed)?;
                    }
                    Keep::Style | Keep::Unwrap | Keep::Drop => {}
                }
                root_done |= stack.is_empty();
            }
            Event::Text(ref t) => {
                let unescaped = t.unescape().map_err(malformed)?;
                write_text(
                    &mut out,
                    &stack,
                    &without_controls(&unescaped),
                    &mut style_text,
                )?;
            }
            Event::CData(ref c) => {
                let raw = std::str::from_utf8(c.as_ref()).map_err(|_| ImageError::SvgNotUtf8)?;
                write_text(&mut out, &stack, &without_controls(raw), &mut style_text)?;
            }
            // Comments can hide conditional markup for old renderers; declarations and
            // processing instructions (`<?xml-stylesheet href=...?>`) can load things.
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(ImageError::SvgTruncated);
    }
    if !root_done {
        return Err(ImageError::NotSvg("(none)".to_string()));
    }
    Ok(out.into_inner())
}

/// Writes character data where it belongs: kept inside text elements, gathered inside `<style>`,
/// white space kept elsewhere (the layout of the markup), anything else dropped.
fn write_text(
    out: &mut Writer<Vec<u8>>,
    stack: &[Frame],
    text: &str,
    style_text: &mut String,
) -> Result<(), ImageError> {
    let Some(frame) = stack.last() else {
        return Ok(());
    };
    match frame.keep {
        Keep::Drop => Ok(()),
        Keep::Style => {
            style_text.push_str(text);
            Ok(())
        }
        Keep::Element | Keep::Unwrap if frame.text || text.trim().is_empty() => out
            .write_event(Event::Text(BytesText::new(text)))
            .map_err(|e| ImageError::SvgMalformed(e.to_string())),
        Keep::Element | Keep::Unwrap => Ok(()),
    }
}

/// The element `local` with only its allowed, safe attributes; the root also gets the namespace
/// declarations.
fn clean_element(
    reader: &NsReader<&[u8]>,
    start: &BytesStart,
    local: &str,
    is_root: bool,
) -> Result<BytesStart<'static>, ImageError> {
    let mut element = BytesStart::new(local.to_string());
    if is_root {
        element.push_attribute(("xmlns", "http://www.w3.org/2000/svg"));
        element.push_attribute(("xmlns:xlink", "http://www.w3.org/1999/xlink"));
    }
    for attribute in start.attributes() {
        let attribute =
            attribute.map_err(|e| ImageError::SvgMalformed(format!("bad attribute: {e}")))?;
        let key = attribute.key;
        if key.as_namespace_binding().is_some() {
            continue;
        }
        let value = attribute
            .unescape_value()
            .map_err(|e| ImageError::SvgMalformed(e.to_string()))?;
        let name = match key.as_ref() {
            b"xml:space" => "xml:space".to_string(),
            b"xml:lang" => "xml:lang".to_string(),
            _ => {
                let (namespace, attribute_local) = reader.resolve_attribute(key);
                let attribute_local = String::from_utf8_lossy(attribute_local.as_ref());
                match namespace {
                    ResolveResult::Unbound if SVG_ATTRIBUTES.contains(&&*attribute_local) => {
                        attribute_local.into_owned()
                    }
                    ResolveResult::Bound(Namespace(ns))
                        if ns == XLINK_NS && attribute_local == "href" =>
                    {
                        "xlink:href".to_string()
                    }
                    _ => continue,
                }
            }
        };
        let safe = if name == "href" || name == "xlink:href" {
            is_local_reference(&value)
        } else {
            is_safe_css(&value)
        };
        if safe {
            element.push_attribute((name.as_str(), without_controls(&value).as_str()));
        }
    }
    Ok(element)
}

/// `text` without control characters (tab and line breaks apart), which character references
/// (`&#1;`) can smuggle in although XML forbids them: the output must stay well-formed.
fn without_controls(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
        .collect()
}

/// Whether an `href` points inside this document (`#id`), the only kind an image may follow.
fn is_local_reference(value: &str) -> bool {
    value.trim().strip_prefix('#').is_some_and(|id| {
        !id.is_empty()
            && id
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
    })
}

/// Whether an attribute value or a stylesheet loads or runs nothing: no `javascript:` (however
/// spaced or cased), no `url(...)` other than a fragment `url(#id)`, no `image-set(...)` (which
/// loads bare strings), no `@import`, no CSS escapes (which could spell any of those), no
/// `expression(`, `behavior:` or `-moz-binding` (old engines that run code from CSS).
fn is_safe_css(value: &str) -> bool {
    let squeezed: String = value
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .flat_map(char::to_lowercase)
        .collect();
    if value.contains('\\')
        || [
            "javascript:",
            "vbscript:",
            "@import",
            "expression(",
            "behavior:",
            "-moz-binding",
            "image-set(",
        ]
        .iter()
        .any(|bad| squeezed.contains(bad))
    {
        return false;
    }
    let mut rest = squeezed.as_str();
    while let Some(at) = rest.find("url(") {
        rest = &rest[at + 4..];
        let target = rest.trim_start_matches(['"', '\'']);
        if !target.starts_with('#') {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(svg: &str) -> String {
        String::from_utf8(sanitize_svg(svg.as_bytes()).expect("sanitised")).expect("utf-8")
    }

    /// The output parses as XML with an `svg` root in the SVG namespace.
    fn assert_valid_svg(svg: &str) {
        let mut reader = NsReader::from_str(svg);
        loop {
            match reader.read_resolved_event().expect("well-formed output") {
                (ns, Event::Start(e) | Event::Empty(e)) => {
                    assert_eq!(e.local_name().as_ref(), b"svg");
                    assert_eq!(ns, ResolveResult::Bound(Namespace(SVG_NS)));
                    break;
                }
                (_, Event::Eof) => panic!("no root in {svg}"),
                _ => {}
            }
        }
    }

    const CIRCLE: &str = r##"<circle cx="10" cy="10" r="5" fill="#c00"/>"##;

    #[test]
    fn a_plain_svg_keeps_its_shapes() {
        let out = clean(&format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 20 20" width="20">{CIRCLE}<text x="1" y="2">Hi &amp; bye</text></svg>"#
        ));
        assert_valid_svg(&out);
        assert!(
            out.contains(r##"<circle cx="10" cy="10" r="5" fill="#c00"/>"##),
            "{out}"
        );
        assert!(out.contains("Hi &amp; bye"), "{out}");
        assert!(out.contains(r#"viewBox="0 0 20 20""#), "{out}");
    }

    #[test]
    fn script_elements_go_with_their_content() {
        let out = clean(&format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><script><![CDATA[alert(2)]]></script>{CIRCLE}</svg>"#
        ));
        assert!(!out.contains("script") && !out.contains("alert"), "{out}");
        assert!(out.contains("<circle"), "{out}");
    }

    #[test]
    fn event_handlers_go_in_any_case() {
        let out = clean(&format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><g ONCLICK="alert(2)" onMouseOver="x()">{CIRCLE}</g></svg>"#
        ));
        assert!(!out.to_lowercase().contains(" on"), "{out}");
        assert!(!out.contains("alert"), "{out}");
        assert!(out.contains("<g>"), "{out}");
    }

    #[test]
    fn uppercase_script_is_not_an_allowed_element() {
        let out = clean(&format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg"><SCRIPT>alert(1)</SCRIPT><Script>alert(2)</Script>{CIRCLE}</svg>"#
        ));
        assert!(
            !out.to_lowercase().contains("script") && !out.contains("alert"),
            "{out}"
        );
    }

    #[test]
    fn javascript_links_are_unwrapped_and_their_shapes_kept() {
        let out = clean(&format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><a href="javascript:alert(1)">{CIRCLE}</a><a xlink:href="JaVaScRiPt:alert(2)"><rect width="1" height="1"/></a></svg>"#
        ));
        assert!(!out.to_lowercase().contains("javascript"), "{out}");
        assert!(!out.contains("<a"), "{out}");
        assert!(out.contains("<circle") && out.contains("<rect"), "{out}");
    }

    #[test]
    fn external_references_are_dropped_and_fragments_kept() {
        let out = clean(
            r##"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">
              <defs><circle id="dot" r="2"/></defs>
              <image href="http://evil.example/x.png" width="5" height="5"/>
              <image xlink:href="https://evil.example/y.png"/>
              <use href="other.svg#x"/>
              <use xlink:href="#dot" x="3"/>
              <use href="data:image/svg+xml,&lt;svg/&gt;"/>
              <feImage href="//evil.example/z"/>
            </svg>"##,
        );
        assert_valid_svg(&out);
        assert!(
            !out.contains("evil") && !out.contains("other.svg") && !out.contains("data:"),
            "{out}"
        );
        assert!(out.contains(r##"<use xlink:href="#dot" x="3"/>"##), "{out}");
    }

    #[test]
    fn foreign_object_and_html_inside_it_go() {
        let out = clean(&format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg"><foreignObject width="9" height="9"><body xmlns="http://www.w3.org/1999/xhtml"><iframe src="http://evil.example"/><script>alert(1)</script></body></foreignObject>{CIRCLE}</svg>"#
        ));
        assert!(
            !out.contains("foreignObject") && !out.contains("iframe") && !out.contains("evil"),
            "{out}"
        );
        assert!(out.contains("<circle"), "{out}");
    }

    #[test]
    fn doctypes_and_entity_declarations_are_refused() {
        let laughs = r#"<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><svg xmlns="http://www.w3.org/2000/svg"><text>&lol2;</text></svg>"#;
        assert_eq!(sanitize_svg(laughs.as_bytes()), Err(ImageError::SvgDoctype));
        let external = r#"<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg"><text>&xxe;</text></svg>"#;
        assert_eq!(
            sanitize_svg(external.as_bytes()),
            Err(ImageError::SvgDoctype)
        );
        let public = r#"<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd"><svg xmlns="http://www.w3.org/2000/svg"/>"#;
        assert_eq!(sanitize_svg(public.as_bytes()), Err(ImageError::SvgDoctype));
        assert!(ImageError::SvgDoctype.to_string().contains("DOCTYPE"));
    }

    #[test]
    fn undeclared_entities_are_refused() {
        let svg = r#"<svg xmlns="http://www.w3.org/2000/svg"><text>&xxe;</text></svg>"#;
        assert!(matches!(
            sanitize_svg(svg.as_bytes()),
            Err(ImageError::SvgMalformed(_))
        ));
    }

    #[test]
    fn cdata_script_in_a_style_or_text_is_only_text() {
        let out = clean(
            r#"<svg xmlns="http://www.w3.org/2000/svg"><text><![CDATA[<script>alert(1)</script>]]></text></svg>"#,
        );
        assert!(
            out.contains("&lt;script&gt;") && !out.contains("<script"),
            "{out}"
        );
    }

    #[test]
    fn javascript_and_remote_urls_in_styles_go() {
        let out = clean(
            r##"<svg xmlns="http://www.w3.org/2000/svg">
              <style>@import url(http://evil.example/a.css); circle { fill: red }</style>
              <style>rect { fill: url(#grad) } .st0{fill:#FFF}</style>
              <style>g { background: url( 'https://evil.example/b.png' ) }</style>
              <style>@\69mport 'x.css';</style>
              <rect style="fill: url(http://evil.example/c)" width="1" height="1"/>
              <rect style="background: JAVA&#x0A;SCRIPT:alert(1)" width="2" height="2"/>
              <rect style="fill:red; stroke: url(#g)" fill="url( &quot;//evil.example/d&quot; )" width="3" height="3"/>
            </svg>"##,
        );
        assert_valid_svg(&out);
        assert!(
            !out.contains("evil")
                && !out.contains("import")
                && !out.to_lowercase().contains("script"),
            "{out}"
        );
        assert!(out.contains(".st0{fill:#FFF}"), "{out}");
        assert!(
            out.contains(r#"style="fill:red; stroke: url(#g)""#),
            "{out}"
        );
        assert!(!out.contains(r#"fill="url"#), "{out}");
    }

    #[test]
    fn image_set_and_control_characters_go() {
        let out = clean(
            r#"<svg xmlns="http://www.w3.org/2000/svg"><rect style="background: image-set('https://evil.example/i.png' 1x)" aria-label="good behavior" width="1"/><text>a&#1;b</text></svg>"#,
        );
        assert_valid_svg(&out);
        assert!(!out.contains("evil"), "{out}");
        assert!(out.contains(r#"aria-label="good behavior""#), "{out}");
        assert!(out.contains("<text>ab</text>"), "{out}");
    }

    #[test]
    fn animation_that_could_rewrite_links_goes() {
        let out = clean(&format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg"><a><set attributeName="href" to="javascript:alert(1)"/>{CIRCLE}</a><animate attributeName="href" values="javascript:alert(2)"/></svg>"#
        ));
        assert!(
            !out.contains("set") && !out.contains("animate") && !out.contains("javascript"),
            "{out}"
        );
        assert!(out.contains("<circle"), "{out}");
    }

    #[test]
    fn namespaced_elements_and_attributes_are_resolved_not_trusted_by_prefix() {
        // An `svg:` prefix bound to SVG is SVG; an attribute in an unknown namespace, or an
        // `xlink:` prefix bound to something else, is not.
        let out = clean(
            r##"<svg:svg xmlns:svg="http://www.w3.org/2000/svg" xmlns:ev="http://www.w3.org/2001/xml-events" xmlns:xlink="http://evil.example/not-xlink" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape">
              <svg:circle r="3" ev:event="click" xlink:href="#x" inkscape:label="l"/>
              <inkscape:script>alert(1)</inkscape:script>
              <svg:script>alert(2)</svg:script>
            </svg:svg>"##,
        );
        assert_valid_svg(&out);
        assert!(out.contains(r#"<circle r="3"/>"#), "{out}");
        assert!(
            !out.contains("alert") && !out.contains("ev:") && !out.contains("inkscape"),
            "{out}"
        );
    }

    #[test]
    fn entity_encoded_javascript_in_attributes_is_decoded_first() {
        let out = clean(
            r#"<svg xmlns="http://www.w3.org/2000/svg"><rect fill="&#106;avascript:alert(1)" href="&#x23;ok" width="1"/></svg>"#,
        );
        assert!(!out.contains("avascript"), "{out}");
    }

    #[test]
    fn an_svg_without_namespace_gets_one() {
        let out = clean(&format!(r#"<svg viewBox="0 0 1 1">{CIRCLE}</svg>"#));
        assert_valid_svg(&out);
        assert!(out.contains("<circle"), "{out}");
    }

    #[test]
    fn other_xml_and_broken_xml_are_refused() {
        assert!(matches!(
            sanitize_svg(b"<html><body/></html>"),
            Err(ImageError::NotSvg(name)) if name == "html"
        ));
        assert!(matches!(
            sanitize_svg(br#"<svg xmlns="http://www.w3.org/1999/xhtml"/>"#),
            Err(ImageError::NotSvg(_))
        ));
        assert_eq!(
            sanitize_svg(br#"<svg xmlns="http://www.w3.org/2000/svg"><g>"#),
            Err(ImageError::SvgTruncated)
        );
        assert!(matches!(
            sanitize_svg(br#"<svg xmlns="http://www.w3.org/2000/svg"><g></svg>"#),
            Err(ImageError::SvgMalformed(_))
        ));
        assert_eq!(
            sanitize_svg(b"<svg>\xff</svg>"),
            Err(ImageError::SvgNotUtf8)
        );
        let deep = format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg">{}{}</svg>"#,
            "<g>".repeat(300),
            "</g>".repeat(300)
        );
        assert_eq!(sanitize_svg(deep.as_bytes()), Err(ImageError::SvgTooDeep));
    }

    #[test]
    fn processing_instructions_and_comments_go() {
        let out = clean(
            r#"<?xml-stylesheet href="http://evil.example/s.css"?><!-- <script>x</script> --><svg xmlns="http://www.w3.org/2000/svg"><!--[if IE]>x<![endif]--><g/></svg>"#,
        );
        assert!(!out.contains("evil") && !out.contains("<!--"), "{out}");
    }

    #[test]
    fn images_are_recognised_by_content_not_name() {
        assert_eq!(check_image(b""), Err(ImageError::Empty));
        assert_eq!(
            check_image(b"\xff\xd8\xff\xe0\0\x10JFIF"),
            Err(ImageError::UnsupportedFormat("JPEG"))
        );
        assert_eq!(
            check_image(b"GIF89a...."),
            Err(ImageError::UnsupportedFormat("GIF"))
        );
        assert_eq!(check_image(b"hello, world"), Err(ImageError::NotAnImage));
        let big = vec![b' '; MAX_IMAGE_BYTES + 1];
        assert_eq!(
            check_image(&big),
            Err(ImageError::TooLarge(MAX_IMAGE_BYTES + 1))
        );
    }

    #[test]
    fn a_generated_png_passes_and_a_truncated_one_does_not() {
        let png = square_png("Helper", 64);
        let checked = check_image(&png).expect("valid PNG");
        assert_eq!(checked.kind, ImageKind::Png);
        assert_eq!(checked.bytes, png);
        for cut in [20, 40, png.len() - 20, png.len() - 4] {
            assert!(
                matches!(check_image(&png[..cut]), Err(ImageError::BrokenPng(_))),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn png_text_chunks_are_removed() {
        let png = square_png("x", 8);
        // Insert a tEXt chunk after IHDR (8 signature + 25 IHDR bytes).
        let data = b"openbadges\0{}";
        let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
        chunk.extend_from_slice(b"tEXt");
        chunk.extend_from_slice(data);
        let crc = crc32(&chunk[4..]);
        chunk.extend_from_slice(&crc.to_be_bytes());
        let mut with_text = png[..33].to_vec();
        with_text.extend_from_slice(&chunk);
        with_text.extend_from_slice(&png[33..]);
        let checked = check_image(&with_text).expect("valid PNG");
        assert_eq!(checked.bytes, png);
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn oversized_png_dimensions_are_refused() {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, 4096, 1);
        encoder.set_color(png::ColorType::Grayscale);
        let mut writer = encoder.write_header().expect("header");
        writer.write_image_data(&[0u8; 4096]).expect("data");
        drop(writer);
        assert_eq!(check_image(&out), Err(ImageError::PngDimensions(4096, 1)));
    }

    #[test]
    fn a_png_wrapped_in_svg_keeps_its_size() {
        let svg = png_in_svg(&square_png("w", 12));
        assert!(
            svg.contains(r#"width="12" height="12" viewBox="0 0 12 12""#),
            "{svg}"
        );
        assert!(svg.contains("data:image/png;base64,iVBORw0KGgo"), "{svg}");
        let mut reader = NsReader::from_str(&svg);
        while !matches!(reader.read_event().expect("well-formed"), Event::Eof) {}
    }

    #[test]
    fn data_uris_in_base64_and_percent_encoding() {
        let png = square_png("d", 4);
        let uri = format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(&png)
        );
        assert_eq!(image_from_data_uri(&uri).expect("png").kind, ImageKind::Png);
        let svg = "data:image/svg+xml,%3Csvg%20xmlns%3D%22http%3A%2F%2Fwww.w3.org%2F2000%2Fsvg%22%3E%3Cscript%3Ex%3C%2Fscript%3E%3C%2Fsvg%3E";
        let checked = image_from_data_uri(svg).expect("svg");
        assert_eq!(checked.kind, ImageKind::Svg);
        assert!(!String::from_utf8_lossy(&checked.bytes).contains("script"));
        assert!(matches!(
            image_from_data_uri("data:image/png;base64,!!!"),
            Err(ImageError::DataUri(_))
        ));
        assert!(matches!(
            image_from_data_uri("data:image/jpeg;base64,AAAA"),
            Err(ImageError::DataUri(_))
        ));
        assert!(matches!(
            image_from_data_uri("https://example.org/x.png"),
            Err(ImageError::DataUri(_))
        ));
        assert!(matches!(
            image_from_data_uri("data:image/svg+xml,%zz"),
            Err(ImageError::DataUri(_))
        ));
    }
}
