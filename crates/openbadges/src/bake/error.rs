//! What can go wrong when baking or extracting, in words a person understands.

use super::{BadgeVersion, MAX_INFLATED_PAYLOAD};

/// Why an image could not be baked, or why no payload could be extracted from it.
///
/// Every message names the problem and, for PNG, the byte offset of the chunk at fault, so that
/// a verification report can show it as it is. The variants carry plain values (no parser
/// error types), so this enum does not change when a dependency does.
///
/// ```
/// use openbadges::bake::{extract, BakeError};
///
/// let err = extract(b"GIF89a...").unwrap_err();
/// assert!(matches!(err, BakeError::UnknownFormat));
/// assert_eq!(err.to_string(), "not a PNG or SVG image: only those two formats can carry a baked badge");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BakeError {
    /// The bytes are neither a PNG (by its signature) nor an SVG (XML text).
    #[error("not a PNG or SVG image: only those two formats can carry a baked badge")]
    UnknownFormat,

    /// The input does not start with the eight-byte PNG signature.
    #[error("not a PNG: the signature is wrong")]
    PngSignature,

    /// The PNG ends in the middle of something.
    #[error("truncated PNG: it ends inside {what} at offset {offset}")]
    Truncated {
        /// What was being read ("the signature", "a chunk header", ...).
        what: &'static str,
        /// Where it started, in bytes from the start of the file.
        offset: usize,
    },

    /// A chunk declares a length above the PNG limit of 2^31 − 1 bytes.
    #[error(
        "PNG chunk at offset {offset} declares length {length}, above the PNG limit of 2^31-1"
    )]
    BadChunkLength {
        /// Offset of the chunk.
        offset: usize,
        /// The declared length.
        length: u32,
    },

    /// A chunk declares more data than the file holds.
    #[error(
        "truncated PNG: the {chunk_type} chunk at offset {offset} declares {length} bytes \
         but only {available} remain"
    )]
    ChunkPastEnd {
        /// Offset of the chunk.
        offset: usize,
        /// Its four-letter type.
        chunk_type: String,
        /// The declared length of its data.
        length: u32,
        /// How many bytes the file has left for data and CRC.
        available: usize,
    },

    /// A chunk type is not four ASCII letters, which means the chunk walk has lost its way.
    #[error("corrupt PNG: the chunk at offset {offset} has an invalid type")]
    BadChunkType {
        /// Offset of the chunk.
        offset: usize,
    },

    /// A chunk's CRC does not match its contents: the file was damaged or edited carelessly.
    #[error("{chunk_type} chunk CRC mismatch at offset {offset}")]
    CrcMismatch {
        /// Its four-letter type.
        chunk_type: String,
        /// Offset of the chunk.
        offset: usize,
    },

    /// The first chunk is not `IHDR`, as every PNG's must be.
    #[error("corrupt PNG: the first chunk is {found}, not IHDR")]
    FirstChunkNotIhdr {
        /// The type found instead.
        found: String,
    },

    /// The chunks end without an `IEND` chunk.
    #[error("truncated PNG: there is no IEND chunk")]
    MissingIend,

    /// An Open Badges text chunk does not follow the `iTXt`/`tEXt` layout.
    #[error("malformed {chunk_type} chunk at offset {offset}: {reason}")]
    MalformedTextChunk {
        /// `iTXt` or `tEXt`.
        chunk_type: String,
        /// Offset of the chunk.
        offset: usize,
        /// What is wrong with it.
        reason: String,
    },

    /// A compressed `iTXt` payload inflates past [`MAX_INFLATED_PAYLOAD`] bytes (a zip bomb, or
    /// at least nothing a badge needs).
    #[error(
        "compressed iTXt chunk at offset {offset} inflates past the limit of {} bytes; refused",
        MAX_INFLATED_PAYLOAD
    )]
    InflateLimit {
        /// Offset of the chunk.
        offset: usize,
    },

    /// A compressed `iTXt` payload is not a valid zlib stream.
    #[error("compressed iTXt chunk at offset {offset} does not inflate: {reason}")]
    Inflate {
        /// Offset of the chunk.
        offset: usize,
        /// What the decompressor said.
        reason: String,
    },

    /// Text that must be UTF-8 is not.
    #[error("{what} is not valid UTF-8")]
    NotUtf8 {
        /// Which text ("the iTXt text at offset 33", "the SVG document").
        what: String,
    },

    /// The image holds two Open Badges payloads that differ, so which one it carries is not
    /// something to guess.
    #[error("two different Open Badges payloads in one image: {first} and {second}")]
    ConflictingPayloads {
        /// Where the first was found, e.g. "iTXt `openbadges` chunk at offset 33".
        first: String,
        /// Where the second was found.
        second: String,
    },

    /// The image is well formed but carries no Open Badges payload.
    #[error("no Open Badges payload in this image")]
    NoPayload,

    /// The SVG is not well-formed XML.
    #[error("SVG could not be parsed at byte {position}: {reason}")]
    Xml {
        /// Byte position where the parser stopped.
        position: u64,
        /// What the parser said.
        reason: String,
    },

    /// The SVG has a DOCTYPE with an internal subset, where entities are declared. Entities are
    /// how external-entity (XXE) and billion-laughs attacks work, and no badge needs one.
    #[error(
        "SVG refused: its DOCTYPE declares entities or other markup (an internal subset); \
         entity expansion is never performed"
    )]
    SvgDoctype,

    /// The SVG refers to an entity other than XML's five predefined ones.
    #[error("SVG refused: it refers to an undeclared entity ({reason}); entity expansion is never performed")]
    SvgEntity {
        /// What the unescaper said.
        reason: String,
    },

    /// The XML document's root element is not `<svg>`.
    #[error("not an SVG: the root element is <{root}>")]
    NotSvg {
        /// The root element's name.
        root: String,
    },

    /// The XML document ends before its root element is closed.
    #[error("truncated SVG: the document ends before </svg>")]
    SvgTruncated,

    /// An `openbadges:assertion` or `openbadges:credential` element holds neither a body nor a
    /// `verify` attribute.
    #[error("empty {element} element: it has neither a body nor a verify attribute")]
    EmptyPayloadElement {
        /// The element's name.
        element: String,
    },

    /// The payload is not one of the things a badge can bake.
    #[error("the payload is neither JSON, a compact JWS, nor an http(s) URL: {reason}")]
    UnrecognisedPayload {
        /// What was seen.
        reason: String,
    },

    /// The payload starts like JSON but does not parse, or is not a JSON object.
    #[error("the payload looks like JSON but is not a valid JSON object: {reason}")]
    InvalidJson {
        /// What the JSON parser said.
        reason: String,
    },

    /// The payload kind is not allowed for this version (Open Badges 3.0 bakes a credential or
    /// a compact JWS, never a URL).
    #[error("Open Badges {version} cannot bake {kind}")]
    PayloadNotAllowed {
        /// The version asked for.
        version: BadgeVersion,
        /// What the payload was.
        kind: &'static str,
    },

    /// The payload is too large for one PNG chunk.
    #[error("the payload is too large for a PNG chunk ({length} bytes)")]
    PayloadTooLarge {
        /// Its length in bytes.
        length: usize,
    },
}
