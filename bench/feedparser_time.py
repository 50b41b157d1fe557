#!/usr/bin/env python3
"""Times feedparser on feed files, for bench/planet.sh.

    feedparser_time.py ITERATIONS BASE_URL FILE...

Parses each file ITERATIONS times (after one untimed parse) from bytes in
memory, as if fetched from BASE_URL + its name, and prints JSON like
`dump_feeds --time`: {"iterations", "total_us", "per_file_us": {name: us}}.
"""
import json
import os
import sys
import time

import feedparser


def main():
    iterations, base, files = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    per_file = {}
    for path in files:
        name = os.path.basename(path)
        with open(path, "rb") as handle:
            data = handle.read()
        headers = {"content-location": base + name}
        feedparser.parse(data, response_headers=headers)
        start = time.perf_counter()
        for _ in range(iterations):
            feedparser.parse(data, response_headers=headers)
        per_file[name] = (time.perf_counter() - start) * 1e6 / iterations
    print(json.dumps({
        "iterations": iterations,
        "total_us": sum(per_file.values()),
        "per_file_us": per_file,
        "feedparser": feedparser.__version__,
    }))


if __name__ == "__main__":
    main()
