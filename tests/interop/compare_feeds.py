#!/usr/bin/env python3
"""Compares our feed parser with Python's feedparser on the feed corpus.

    compare_feeds.py CORPUS_DIR OURS.json

OURS.json is what `cargo run -p syndication --example dump_feeds` printed for
the corpus. For every file, feedparser parses the same bytes as if fetched from
the same URL (the `Content-Location` it is given is the base our parser got), and
the two are compared on what the planet relies on: the feed title and, per
entry, the title, the link, the id, and the published and updated dates.
feedparser 6.0 cannot read JSON Feed, so JSON Feeds are compared with the spec's
fields read directly (see json_feed_reference).

Normalisation, the same on both sides, for what is a presentation choice and
not a disagreement: whitespace in titles is collapsed; feedparser's HTML titles
(type html/xhtml) are reduced to their text, as ours are; an empty value is
"none"; dates are compared in UTC to the second (feedparser keeps no more).

Every difference must be listed in the corpus README's table between
`<!-- differences: begin -->` and `<!-- differences: end -->` (file, entry
index or `feed`, field, why). The script fails on any unlisted difference, and
on any listed one that no longer happens, so the list stays true.
"""
import datetime
import html
import json
import os
import re
import sys
import time
import urllib.parse

import feedparser

BASE = "https://feeds.example.org/corpus/"
FIELDS = ("title", "url", "id", "published", "updated")


def content_type(name):
    if name.endswith(".json"):
        return "application/feed+json"
    return "application/xml"


def plain(text, kind="text/plain"):
    if text is None:
        return None
    if "html" in (kind or ""):
        text = html.unescape(re.sub(r"<[^>]*>", "", text))
    text = " ".join(text.split())
    return text or None


def date(parsed):
    if not parsed:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", parsed)


def json_date(value):
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def json_feed_reference(name, data):
    """JSON Feed read by the spec with Python's json module.

    feedparser 6.0 (the current release) has no JSON Feed reader (it arrives on
    its unreleased develop branch), so these fields are read here the way the
    JSON Feed 1.1 spec defines them: `id` coerced to a string, `url` resolved
    against the feed's URL, `title`, `date_published`, `date_modified` (RFC 3339).
    """
    feed = json.loads(data)
    base = BASE + name
    entries = []
    for item in feed.get("items", []):
        ident = item.get("id")
        entries.append({
            "title": plain(item.get("title")),
            "url": urllib.parse.urljoin(base, item["url"]) if isinstance(item.get("url"), str) else None,
            "id": None if ident is None else (ident if isinstance(ident, str) else json.dumps(ident)),
            "published": json_date(item.get("date_published")),
            "updated": json_date(item.get("date_modified")),
        })
    return {"title": plain(feed.get("title")), "entries": entries}


def theirs(path):
    name = os.path.basename(path)
    with open(path, "rb") as handle:
        data = handle.read()
    if name.endswith(".json"):
        return json_feed_reference(name, data)
    parsed = feedparser.parse(
        data,
        response_headers={"content-location": BASE + name, "content-type": content_type(name)},
    )
    feed = parsed.feed
    title_detail = feed.get("title_detail") or {}
    out = {"title": plain(feed.get("title"), title_detail.get("type")), "entries": []}
    for entry in parsed.entries:
        detail = entry.get("title_detail") or {}
        # dict.get on the underlying mapping: FeedParserDict's own get() maps
        # some keys onto others (e.g. "updated" onto "published" in old
        # versions); the raw keys are what feedparser actually found.
        raw = dict(entry)
        out["entries"].append({
            "title": plain(raw.get("title"), detail.get("type")),
            "url": raw.get("link") or None,
            "id": (raw.get("id") or "").strip() or None,
            "published": date(raw.get("published_parsed")),
            "updated": date(raw.get("updated_parsed")),
        })
    return out


def ours_normalised(record):
    if "error" in record:
        return {"title": None, "entries": [], "error": record["error"]}
    return {
        "title": plain(record.get("title")),
        "entries": [
            {
                "title": plain(entry.get("title")),
                "url": entry.get("url") or None,
                "id": entry.get("id") or None,
                "published": entry.get("published"),
                "updated": entry.get("updated"),
            }
            for entry in record.get("entries", [])
        ],
    }


def listed_differences(readme):
    with open(readme, encoding="utf-8") as handle:
        text = handle.read()
    match = re.search(r"<!-- differences: begin -->(.*?)<!-- differences: end -->", text, re.S)
    if not match:
        sys.exit(f"compare_feeds: no differences table in {readme}")
    listed = {}
    for line in match.group(1).splitlines():
        cells = [cell.strip().strip("`") for cell in line.strip().strip("|").split("|")]
        if len(cells) < 4 or cells[0] in ("file", "") or set(cells[0]) <= set("-: "):
            continue
        if not cells[3]:
            sys.exit(f"compare_feeds: README lists {cells[:3]} without saying why")
        listed[(cells[0], cells[1], cells[2])] = cells[3]
    return listed


def main():
    corpus, ours_path = sys.argv[1], sys.argv[2]
    readme = os.path.join(corpus, "README.md")
    with open(ours_path, encoding="utf-8") as handle:
        ours = {record["file"]: ours_normalised(record) for record in json.load(handle)}
    names = sorted(n for n in os.listdir(corpus) if n.endswith((".xml", ".json")))
    if len(names) < 50:
        sys.exit(f"compare_feeds: the corpus has {len(names)} feeds; at least 50 are wanted")
    found = {}
    entries_compared = 0
    for name in names:
        if name not in ours:
            sys.exit(f"compare_feeds: our dump has no record for {name}")
        a, b = ours[name], theirs(os.path.join(corpus, name))
        if "error" in a:
            found[(name, "feed", "error")] = (a["error"], "parsed")
            continue
        if a["title"] != b["title"]:
            found[(name, "feed", "title")] = (a["title"], b["title"])
        if len(a["entries"]) != len(b["entries"]):
            found[(name, "feed", "entries")] = (len(a["entries"]), len(b["entries"]))
        for index, (x, y) in enumerate(zip(a["entries"], b["entries"])):
            entries_compared += 1
            for field in FIELDS:
                if x[field] != y[field]:
                    found[(name, str(index), field)] = (x[field], y[field])
    listed = listed_differences(readme)
    unexplained = {key: value for key, value in found.items() if key not in listed}
    stale = [key for key in listed if key not in found]
    print(f"compared {len(names)} feeds, {entries_compared} entries, fields {', '.join(FIELDS)} "
          f"with feedparser {feedparser.__version__}")
    print(f"{len(found)} differences, all but {len(unexplained)} explained in {readme}")
    for (name, entry, field), (mine, other) in sorted(found.items()):
        mark = "  " if (name, entry, field) in listed else "!!"
        print(f"{mark} {name} [{entry}] {field}: ours={mine!r} feedparser={other!r}")
    failed = False
    if unexplained:
        print(f"FAIL: {len(unexplained)} differences (marked !!) are not explained in the README table")
        failed = True
    if stale:
        for key in stale:
            print(f"FAIL: the README lists {key} but it no longer differs: remove it")
        failed = True
    if failed:
        sys.exit(1)
    print("compare_feeds: every difference is explained")


if __name__ == "__main__":
    main()
