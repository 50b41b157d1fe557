#!/usr/bin/env python3
"""Warm, in-process timing loop for bench/bake.sh: bakes PAYLOAD into IMAGE.png and extracts it
again, ITERATIONS times, with openbadges-bakery (run with the venv's python that
crates/openbadges/tests/interop/bakery_env.sh makes). Files are in-memory (BytesIO).

    python bakery_loop.py IMAGE.png PAYLOAD ITERATIONS

Prints one JSON line: {"what": ..., "iterations": N, "total_ms": ..., "per_op_us": ...}.
"""
import io
import json
import sys
import time

from openbadges_bakery import bake, unbake


def once(png, payload):
    out = bake(io.BytesIO(png), payload, io.BytesIO())
    out.seek(0)
    found = unbake(out)
    if found != payload:
        raise SystemExit("openbadges-bakery did not give the payload back")


def main(image, payload_file, n):
    png = open(image, "rb").read()
    payload = open(payload_file, encoding="utf-8").read().strip()
    n = int(n)
    for _ in range(min(200, max(10, n // 10))):
        once(png, payload)
    start = time.perf_counter()
    for _ in range(n):
        once(png, payload)
    total = time.perf_counter() - start
    print(json.dumps({
        "what": "openbadges-bakery 2.0.0: bake + unbake",
        "iterations": n,
        "total_ms": round(total * 1e3, 3),
        "per_op_us": round(total * 1e6 / n, 3),
    }))


if __name__ == "__main__":
    main(*sys.argv[1:])
