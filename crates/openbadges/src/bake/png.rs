//! PNG: the payload lives in an `iTXt` chunk (`openbadges` for 2.0, `openbadgecredential` for
//! 3.0), or for the oldest badges in a `tEXt` chunk `openbadges`.
//!
//! The chunks are walked by hand rather than with the `png` crate: that crate exists to decode
//! pixels, while baking needs only the chunk layer (length, type, data, CRC) and must copy every
//! other chunk byte for byte, so that the image is exactly the one the issuer made. A chunk walk
//! is forty lines; doing it here also lets every error say which chunk, at which offset, is at
//! fault.

use std::io::Read as _;

use super::{BadgeVersion, BakeError, Found, MAX_INFLATED_PAYLOAD};

/// The eight bytes every PNG starts with.
pub(crate) const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

/// The PNG limit on a chunk's data length (2^31 − 1).
const MAX_CHUNK_LENGTH: u32 = 0x7FFF_FFFF;

/// One chunk, borrowed from the file.
struct Chunk<'a> {
    /// Offset of the chunk's length field from the start of the file.
    offset: usize,
    kind: [u8; 4],
    data: &'a [u8],
    /// The whole chunk as it is in the file: length, type, data and CRC.
    raw: &'a [u8],
}

impl Chunk<'_> {
    fn type_name(&self) -> String {
        String::from_utf8_lossy(&self.kind).into_owned()
    }

    /// The keyword of a text chunk (`tEXt`, `zTXt`, `iTXt`): the bytes before the first NUL,
    /// at most 79 of them.
    fn keyword(&self) -> Option<&[u8]> {
        if !matches!(&self.kind, b"tEXt" | b"zTXt" | b"iTXt") {
            return None;
        }
        let end = self.data.iter().take(80).position(|&b| b == 0)?;
        Some(&self.data[..end])
    }

    /// Whether this chunk holds (or claims to hold) an Open Badges payload of either version.
    /// Decided from the type and keyword alone, so that baking also removes a damaged one.
    fn is_badge_payload(&self) -> bool {
        match self.keyword() {
            Some(b"openbadges") => true,
            Some(b"openbadgecredential") => &self.kind == b"iTXt",
            _ => false,
        }
    }
}

/// Walks the whole file, checking the signature, every length and every CRC, that `IHDR` comes
/// first and that `IEND` ends it. Returns the chunks up to and including `IEND`, and whatever
/// bytes follow `IEND` (which no PNG reader looks at; baking keeps them as they are).
fn walk(png: &[u8]) -> Result<(Vec<Chunk<'_>>, &[u8]), BakeError> {
    if png.len() < SIGNATURE.len() {
        return Err(if SIGNATURE.starts_with(png) && !png.is_empty() {
            BakeError::Truncated {
                what: "the signature",
                offset: 0,
            }
        } else {
            BakeError::PngSignature
        });
    }
    if png[..8] != SIGNATURE {
        return Err(BakeError::PngSignature);
    }
    let mut chunks = Vec::new();
    let mut pos = SIGNATURE.len();
    loop {
        let offset = pos;
        let Some(header) = png.get(pos..pos + 8) else {
            return Err(if pos == png.len() {
                BakeError::MissingIend
            } else {
                BakeError::Truncated {
                    what: "a chunk header",
                    offset,
                }
            });
        };
        let length = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
        let kind = [header[4], header[5], header[6], header[7]];
        if !kind.iter().all(u8::is_ascii_alphabetic) {
            return Err(BakeError::BadChunkType { offset });
        }
        let type_name = || String::from_utf8_lossy(&kind).into_owned();
        if length > MAX_CHUNK_LENGTH {
            return Err(BakeError::BadChunkLength { offset, length });
        }
        let available = png.len() - pos - 8;
        // `length` fits in 31 bits, so this sum cannot overflow a usize of 32 bits or more.
        let data_end = pos + 8 + length as usize;
        if (length as usize) + 4 > available {
            return Err(BakeError::ChunkPastEnd {
                offset,
                chunk_type: type_name(),
                length,
                available,
            });
        }
        let data = &png[pos + 8..data_end];
        let stored_crc = u32::from_be_bytes([
            png[data_end],
            png[data_end + 1],
            png[data_end + 2],
            png[data_end + 3],
        ]);
        let mut hasher = crc32fast::Hasher::new();
        hasher.update(&kind);
        hasher.update(data);
        if hasher.finalize() != stored_crc {
            return Err(BakeError::CrcMismatch {
                chunk_type: type_name(),
                offset,
            });
        }
        if chunks.is_empty() && &kind != b"IHDR" {
            return Err(BakeError::FirstChunkNotIhdr { found: type_name() });
        }
        let end = data_end + 4;
        chunks.push(Chunk {
            offset,
            kind,
            data,
            raw: &png[pos..end],
        });
        pos = end;
        if &kind == b"IEND" {
            return Ok((chunks, &png[pos..]));
        }
    }
}

/// Every Open Badges payload in the PNG, in file order. Errors if the file is damaged anywhere,
/// or if a payload chunk is malformed.
pub(crate) fn payloads(png: &[u8]) -> Result<Vec<Found>, BakeError> {
    let (chunks, _trailing) = walk(png)?;
    let mut found = Vec::new();
    for chunk in &chunks {
        let (version, keyword) = match (&chunk.kind, chunk.keyword()) {
            (b"iTXt", Some(b"openbadges")) => (BadgeVersion::V2, "openbadges"),
            (b"iTXt", Some(b"openbadgecredential")) => (BadgeVersion::V3, "openbadgecredential"),
            (b"tEXt", Some(b"openbadges")) => (BadgeVersion::V2, "openbadges"),
            _ => continue,
        };
        let text = if &chunk.kind == b"iTXt" {
            itxt_text(chunk, keyword.len())?
        } else {
            // tEXt is Latin-1; each byte is the code point of the same number.
            chunk.data[keyword.len() + 1..]
                .iter()
                .map(|&b| char::from(b))
                .collect()
        };
        found.push(Found {
            version,
            text,
            place: format!(
                "{} `{keyword}` chunk at offset {}",
                chunk.type_name(),
                chunk.offset
            ),
        });
    }
    Ok(found)
}

/// The text of an `iTXt` chunk: keyword, NUL, compression flag, compression method, language
/// tag, NUL, translated keyword, NUL, text (UTF-8, zlib-compressed when the flag is 1).
fn itxt_text(chunk: &Chunk<'_>, keyword_len: usize) -> Result<String, BakeError> {
    let malformed = |reason: &str| BakeError::MalformedTextChunk {
        chunk_type: chunk.type_name(),
        offset: chunk.offset,
        reason: reason.to_string(),
    };
    let rest = &chunk.data[keyword_len + 1..];
    let [flag, method, rest @ ..] = rest else {
        return Err(malformed("it ends before the compression flag and method"));
    };
    let language_end = rest
        .iter()
        .position(|&b| b == 0)
        .ok_or_else(|| malformed("the language tag is not terminated"))?;
    let rest = &rest[language_end + 1..];
    let translated_end = rest
        .iter()
        .position(|&b| b == 0)
        .ok_or_else(|| malformed("the translated keyword is not terminated"))?;
    let text = &rest[translated_end + 1..];
    let bytes = match (flag, method) {
        (0, _) => text.to_vec(),
        (1, 0) => inflate(text, chunk.offset)?,
        (1, m) => return Err(malformed(&format!("unknown compression method {m}"))),
        (f, _) => return Err(malformed(&format!("compression flag is {f}, not 0 or 1"))),
    };
    String::from_utf8(bytes).map_err(|_| BakeError::NotUtf8 {
        what: format!("the text of the iTXt chunk at offset {}", chunk.offset),
    })
}

/// Inflates a zlib stream, refusing to produce more than [`MAX_INFLATED_PAYLOAD`] bytes: a few
/// kilobytes of deflate can expand to gigabytes.
fn inflate(compressed: &[u8], offset: usize) -> Result<Vec<u8>, BakeError> {
    let mut out = Vec::new();
    let limit = MAX_INFLATED_PAYLOAD as u64 + 1;
    flate2::read::ZlibDecoder::new(compressed)
        .take(limit)
        .read_to_end(&mut out)
        .map_err(|e| BakeError::Inflate {
            offset,
            reason: e.to_string(),
        })?;
    if out.len() > MAX_INFLATED_PAYLOAD {
        return Err(BakeError::InflateLimit { offset });
    }
    Ok(out)
}

/// Bakes `payload` into `png`: every existing Open Badges payload chunk (of either version, and
/// the legacy `tEXt`) is dropped, and one uncompressed `iTXt` chunk is written directly after
/// `IHDR`. Every other byte is copied as it was.
pub(crate) fn bake(png: &[u8], version: BadgeVersion, payload: &str) -> Result<Vec<u8>, BakeError> {
    let (chunks, trailing) = walk(png)?;
    let keyword = version.png_keyword().as_bytes();
    // keyword, NUL, compression flag 0, method 0, empty language tag + NUL, empty translated
    // keyword + NUL, then the text. Readers such as openbadges-bakery strip exactly this
    // `keyword\0\0\0\0\0` prefix, so the optional fields stay empty.
    let mut data = Vec::with_capacity(keyword.len() + 5 + payload.len());
    data.extend_from_slice(keyword);
    data.extend_from_slice(&[0, 0, 0, 0, 0]);
    data.extend_from_slice(payload.as_bytes());
    let length = u32::try_from(data.len())
        .ok()
        .filter(|&l| l <= MAX_CHUNK_LENGTH)
        .ok_or(BakeError::PayloadTooLarge {
            length: payload.len(),
        })?;
    let mut out = Vec::with_capacity(png.len() + data.len() + 12);
    out.extend_from_slice(&SIGNATURE);
    for chunk in &chunks {
        if chunk.is_badge_payload() {
            continue;
        }
        out.extend_from_slice(chunk.raw);
        if &chunk.kind == b"IHDR" {
            write_chunk(&mut out, b"iTXt", length, &data);
        }
    }
    out.extend_from_slice(trailing);
    Ok(out)
}

fn write_chunk(out: &mut Vec<u8>, kind: &[u8; 4], length: u32, data: &[u8]) {
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(kind);
    hasher.update(data);
    out.extend_from_slice(&hasher.finalize().to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        write_chunk(&mut out, kind, data.len() as u32, data);
        out
    }

    fn tiny_png(extra: &[Vec<u8>]) -> Vec<u8> {
        let mut png = SIGNATURE.to_vec();
        png.extend(chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
        for e in extra {
            png.extend_from_slice(e);
        }
        png.extend(chunk(b"IDAT", b"x"));
        png.extend(chunk(b"IEND", b""));
        png
    }

    #[test]
    fn the_payload_goes_right_after_ihdr() {
        let baked = bake(&tiny_png(&[]), BadgeVersion::V2, "https://e.org/a").unwrap();
        let (chunks, _) = walk(&baked).unwrap();
        let kinds: Vec<&[u8; 4]> = chunks.iter().map(|c| &c.kind).collect();
        assert_eq!(kinds, [b"IHDR", b"iTXt", b"IDAT", b"IEND"]);
        assert_eq!(chunks[1].data, b"openbadges\0\0\0\0\0https://e.org/a");
    }

    #[test]
    fn a_chunk_type_that_is_not_letters_is_refused() {
        let mut png = tiny_png(&[]);
        png[12] = b'1';
        assert!(matches!(
            walk(&png),
            Err(BakeError::BadChunkType { offset: 8 })
        ));
    }

    #[test]
    fn the_first_chunk_must_be_ihdr() {
        let mut png = SIGNATURE.to_vec();
        png.extend(chunk(b"IEND", b""));
        assert!(matches!(
            walk(&png),
            Err(BakeError::FirstChunkNotIhdr { .. })
        ));
    }

    #[test]
    fn bytes_after_iend_are_kept_but_not_read() {
        let hidden = chunk(b"iTXt", b"openbadges\0\0\0\0\0https://e.org/hidden");
        let mut png = tiny_png(&[]);
        png.extend_from_slice(&hidden);
        assert!(payloads(&png).unwrap().is_empty());
        let baked = bake(&png, BadgeVersion::V2, "https://e.org/a").unwrap();
        assert!(baked.ends_with(&hidden));
    }

    #[test]
    fn malformed_itxt_fields_are_reported() {
        for (data, what) in [
            (&b"openbadges\0"[..], "compression flag"),
            (b"openbadges\0\0\0en", "language tag"),
            (b"openbadges\0\0\0\0x", "translated keyword"),
            (b"openbadges\0\x02\0\0\0x", "compression flag is 2"),
            (b"openbadges\0\x01\x05\0\0x", "compression method 5"),
        ] {
            let png = tiny_png(&[chunk(b"iTXt", data)]);
            let err = payloads(&png)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(err.contains(what), "{err:?} should mention {what:?}");
        }
    }
}
