#!/usr/bin/env python3
"""Writes a valid ~100 KB PNG of deterministic noise (184x184 RGB, so it does not compress).

    python3 bench/make_png.py OUT.png
"""
import random
import struct
import sys
import zlib

SIDE = 184


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def main(out):
    rng = random.Random(1)
    rows = b"".join(b"\x00" + rng.randbytes(SIDE * 3) for _ in range(SIDE))
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", SIDE, SIDE, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows, 1))
        + chunk(b"IEND", b"")
    )
    with open(out, "wb") as f:
        f.write(png)


if __name__ == "__main__":
    main(sys.argv[1])
