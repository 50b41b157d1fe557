#!/usr/bin/env python3
"""Compares the `microformats` crate (what our h-feed and Webmention code reads) with mf2py.

    compare_mf2.py OURS.json BASE_URL FILE [BASE_URL FILE]...

OURS.json is what `cargo run -p syndication --example dump_mf2 -- BASE_URL FILE...`
printed for the same pairs. mf2py parses each FILE as if fetched from BASE_URL.

Agreement is defined on what Badge Commons reads (src/feeds/hfeed.rs and the
Webmention verifier): each item's `type`, and its properties `name`, `url`,
`uid`, `published`, `updated`, `summary`, `content` (html and value), `author`,
`photo`, `category`, `in-reply-to`, `like-of`, `repost-of`, `bookmark-of`, in
embedded items (an author h-card: name, url, photo) and in children (an
h-feed's h-entries) too. Other properties are not compared.

Normalised on both sides, as presentation and not meaning: whitespace runs in
strings; `http://host` and `http://host/` (the same URL); `content.html`
compared as parsed markup (html5lib), so `<br>`/`<br/>`, attribute order and
quoting, and whitespace at the edges of text nodes do not count.

Known differences (KNOWN below, each with why) are allowed; anything else, or
a known one that no longer happens, fails.
"""
import json
import re
import sys

import bs4
import mf2py

WATCHED = (
    "name", "url", "uid", "published", "updated", "summary", "content", "author",
    "photo", "category", "in-reply-to", "like-of", "repost-of", "bookmark-of",
)

# (case, path) -> why. A case is the file path relative to the suite
# directory, or "page:" + the URL path of one of our pages.
KNOWN = {
    ("h-entry/encoding", "items[0].properties.content[0].html"):
        "the crate writes text nodes of e-content into `html` without escaping `<` and `&` "
        "(`x<y AT&T <b>NotBold</b>` for `x&lt;y AT&amp;T &lt;b&gt;NotBold&lt;/b&gt;`); "
        "safe for us, as that HTML goes through the sanitiser, but code samples show as markup "
        "(also listed in crates/syndication/tests/microformats_suite.rs)",
}

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def collapse(text):
    return " ".join(text.split())


def norm_string(text):
    text = collapse(text)
    match = re.match(r"^(https?://[^/?#]+)$", text)
    return text + "/" if match else text


def canon_html(html):
    soup = bs4.BeautifulSoup(html, "html5lib")
    body = soup.body or soup

    def walk(node):
        if isinstance(node, bs4.element.Comment):
            return ""
        if isinstance(node, bs4.element.NavigableString):
            # Whitespace at text edges is layout (serialisers differ on it).
            text = collapse(str(node))
            return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        attrs = "".join(
            f' {name}="{" ".join(value) if isinstance(value, list) else value}"'
            for name, value in sorted(node.attrs.items())
        )
        inner = "".join(walk(child) for child in node.children)
        if node.name in VOID:
            return f"<{node.name}{attrs}>"
        return f"<{node.name}{attrs}>{inner}</{node.name}>"

    return collapse("".join(walk(child) for child in body.children))


def project_value(value):
    if isinstance(value, str):
        return norm_string(value)
    if isinstance(value, dict):
        if "type" in value:
            projected = project_item(value)
            if "value" in value:
                projected["value"] = project_value(value["value"])
            return projected
        if "html" in value:
            return {"html": canon_html(value["html"]), "value": collapse(value.get("value", ""))}
        if "alt" in value:
            return {"value": norm_string(value.get("value", "")), "alt": collapse(value.get("alt", ""))}
        return {key: project_value(inner) for key, inner in value.items() if key != "lang"}
    return value


def project_item(item):
    properties = item.get("properties", {})
    out = {
        "type": sorted(item.get("type", [])),
        "properties": {
            name: [project_value(value) for value in properties[name]]
            for name in WATCHED if name in properties
        },
    }
    if item.get("children"):
        out["children"] = [project_item(child) for child in item["children"]]
    return out


def project(document):
    return {"items": [project_item(item) for item in document.get("items", [])]}


def diff(a, b, path, out):
    if type(a) is not type(b):
        out.append((path, a, b))
    elif isinstance(a, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                out.append((f"{path}.{key}" if path else key, a.get(key), b.get(key)))
            else:
                diff(a[key], b[key], f"{path}.{key}" if path else key, out)
    elif isinstance(a, list):
        if len(a) != len(b):
            out.append((path + ".length", len(a), len(b)))
        for index, (x, y) in enumerate(zip(a, b)):
            diff(x, y, f"{path}[{index}]", out)
    elif a != b:
        out.append((path, a, b))


def case_name(base, file):
    match = re.search(r"microformats-tests/(?:tests/microformats-v2/)?(.+)\.html$", file)
    if match:
        return match.group(1)
    return "page:" + re.sub(r"^https?://[^/]+", "", base)


def main():
    ours_path, pairs = sys.argv[1], sys.argv[2:]
    with open(ours_path, encoding="utf-8") as handle:
        ours = json.load(handle)
    if len(ours) * 2 != len(pairs):
        sys.exit("compare_mf2: OURS.json does not hold one record per BASE_URL FILE pair")
    found = {}
    items = 0
    for record, (base, file) in zip(ours, zip(pairs[0::2], pairs[1::2])):
        case = case_name(base, file)
        if "error" in record:
            found[(case, "error")] = (record["error"], "parsed")
            continue
        with open(file, "rb") as handle:
            # Decoded as ours is (UTF-8): given bytes, mf2py would guess windows-1252.
            theirs = mf2py.parse(doc=handle.read().decode("utf-8", "replace"), url=base)
        a, b = project(record["mf2"]), project(theirs)
        items += len(b["items"])
        if case.startswith("page:"):
            def count(nodes):
                return sum(1 + count(node.get("children", [])) for node in nodes)
            kinds = sorted({kind for item in theirs.get("items", []) for kind in item.get("type", [])})
            print(f"{case}: {count(b['items'])} items with children ({', '.join(kinds)})")
        out = []
        diff(a, b, "", out)
        for path, mine, other in out:
            found[(case, path)] = (mine, other)
    cases = len(ours)
    print(f"compared {cases} pages ({items} top-level items) with mf2py {mf2py.__version__}")
    failed = False
    for key, (mine, other) in sorted(found.items()):
        known = key in KNOWN
        print(f"{'  ' if known else '!!'} {key[0]} {key[1]}:\n     ours:  {mine!r}\n     mf2py: {other!r}")
        if known:
            print(f"     known: {KNOWN[key]}")
        else:
            failed = True
    for key in KNOWN:
        if key[0] in {case_name(b, f) for b, f in zip(pairs[0::2], pairs[1::2])} and key not in found:
            print(f"FAIL: KNOWN lists {key} but it no longer differs: remove it")
            failed = True
    if failed:
        print("FAIL: differences marked !! are not known differences")
        sys.exit(1)
    print(f"compare_mf2: agreement on all {cases} pages ({len(found)} known differences)")


if __name__ == "__main__":
    main()
