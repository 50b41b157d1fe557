//! Baking and extraction of a ~100 KB PNG.
//!
//! `cargo bench -p openbadges --bench bake`
//!
//! The PNG is made here: 184×184 RGB noise (so it does not compress), about 100 KB, with a
//! 1EdTech Open Badges 3.0 credential as the payload.

use std::io::Write as _;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use openbadges::bake::{bake_png, extract, BadgeVersion};

const CREDENTIAL: &str = include_str!("../tests/vectors/1edtech/signed-credential.json");

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.finalize().to_be_bytes());
}

/// A valid ~100 KB PNG of deterministic noise.
fn noise_png() -> Vec<u8> {
    const SIDE: u32 = 184;
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut raw = Vec::with_capacity((SIDE * (SIDE * 3 + 1)) as usize);
    for _ in 0..SIDE {
        raw.extend_from_slice(&[0]); // filter byte: none
        for _ in 0..SIDE * 3 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            raw.push(state as u8);
        }
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    z.write_all(&raw).unwrap();
    let idat = z.finish().unwrap();

    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&SIDE.to_be_bytes());
    ihdr.extend_from_slice(&SIDE.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &idat);
    chunk(&mut png, b"IEND", &[]);
    png
}

fn bench_bake(c: &mut Criterion) {
    let png = noise_png();
    let baked = bake_png(&png, BadgeVersion::V3, CREDENTIAL).unwrap();
    assert_eq!(extract(&baked).unwrap().payload, CREDENTIAL.trim());

    let mut group = c.benchmark_group("png-100k");
    group.throughput(Throughput::Bytes(png.len() as u64));
    group.bench_function("bake_png", |b| {
        b.iter(|| bake_png(black_box(&png), BadgeVersion::V3, CREDENTIAL).unwrap())
    });
    group.bench_function("extract", |b| {
        b.iter(|| extract(black_box(&baked)).unwrap())
    });
    group.bench_function("bake_png+extract", |b| {
        b.iter(|| {
            let baked = bake_png(black_box(&png), BadgeVersion::V3, CREDENTIAL).unwrap();
            extract(&baked).unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, bench_bake);
criterion_main!(benches);
