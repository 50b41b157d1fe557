#!/usr/bin/env bash
# The `microformats` crate (which crates/syndication reads h-feeds and Webmention sources with)
# against Python's mf2py (PyPI, pinned in syndication_requirements.txt):
#
#   1. the microformats test suite's h-entry, h-card and h-feed cases (the CC0 copy in
#      crates/syndication/tests/fixtures/microformats-tests, base URL http://example.com/);
#   2. our own pages: subscribes a fresh data dir to four feeds of the corpus (served from
#      127.0.0.1 by Python's http.server; `planet import` + `planet refresh --all`), starts
#      `badgecommons serve --demo` on a free 127.0.0.1 port and fetches /planet, the home page,
#      every forum topic and every member profile the home page and the topics link to;
#
# and compare_mf2.py compares the two on the properties the planet and Webmention code read
# (type, name, url, published, content html/value, author name/url/photo, category, in-reply-to,
# like-of, repost-of, bookmark-of...). Fails on any difference that is not a known one.
#
# Environment: BADGECOMMONS_BIN (default: built here), and those of syndication_env.sh.
set -euo pipefail
repo_root="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=syndication_env.sh
. "$repo_root/tests/interop/syndication_env.sh"
suite="$repo_root/crates/syndication/tests/fixtures/microformats-tests"

cd "$repo_root"
echo "== mf2py $("$venv_python" -c 'import mf2py; print(mf2py.__version__)')"
cargo build --quiet -p syndication --example dump_mf2 || fail "cargo build --example dump_mf2"
. "$repo_root/tests/interop/lib.sh"
server_binary


pairs=()
for kind in h-entry h-card h-feed; do
    for page in "$suite/$kind"/*.html; do
        # Cases without an expected .json are notes (change logs), not tests.
        [ -f "${page%.html}.json" ] && pairs+=("http://example.com/" "$page")
    done
done
suite_pages=$((${#pairs[@]} / 2))
[ "$suite_pages" -ge 20 ] || fail "only $suite_pages suite cases found under $suite"

port="$(free_port)"
base="http://127.0.0.1:$port"
mkdir -p "$tmp/data" "$tmp/pages" "$tmp/site"

# So that /planet has entries: four feeds of the corpus, served from a local "member site" and
# subscribed with `planet import` + `planet refresh --all` before the server starts.
corpus="$repo_root/crates/syndication/tests/fixtures/feed-corpus"
for feed in atom-wordpress.xml rss20-wordpress.xml atom-rfc4287-extensive.xml jsonfeed-1.1.json; do
    cp "$corpus/$feed" "$tmp/site/"
done
site_port="$(free_port)"
(cd "$tmp/site" && exec "$venv_python" -m http.server --bind 127.0.0.1 "$site_port" \
    >"$tmp/site.log" 2>&1) &
site_pid=$!
started "$site_pid"
{
    echo '<?xml version="1.0"?><opml version="2.0"><head><title>mf2py.sh</title></head><body>'
    for feed in "$tmp"/site/*; do
        echo "<outline type=\"rss\" text=\"$(basename "$feed")\" xmlUrl=\"http://127.0.0.1:$site_port/$(basename "$feed")\"/>"
    done
    echo '</body></opml>'
} >"$tmp/site.opml"
wait_for "http://127.0.0.1:$site_port/" "the feeds site (http.server)" "$site_pid"
export BADGECOMMONS_DATA_DIR="$tmp/data" BADGECOMMONS_FETCH_ALLOW=127.0.0.0/8
"$BADGECOMMONS_BIN" migrate >/dev/null || fail "badgecommons migrate"
"$BADGECOMMONS_BIN" planet import "$tmp/site.opml" || fail "badgecommons planet import"
"$BADGECOMMONS_BIN" planet refresh --all >"$tmp/refresh.log" || fail "badgecommons planet refresh"
tail -n 1 "$tmp/refresh.log"

echo "== badgecommons serve --demo on $base"
"$BADGECOMMONS_BIN" serve --demo --listen "127.0.0.1:$port" \
    --public-url "$base" >"$tmp/server.log" 2>&1 &
server_pid=$!
started "$server_pid"
wait_for "$base/healthz" "badgecommons serve --demo" "$server_pid"

fetch() { # PATH -> adds the page to the pairs; fails unless 200
    local file
    file="$tmp/pages/$(printf '%s' "$1" | tr -c 'A-Za-z0-9._-' '_').html"
    curl -fsS --max-time 20 -o "$file" "$base$1" || fail "GET $1"
    pairs+=("$base$1" "$file")
}
links() { # FILE PREFIX -> distinct same-site paths starting with PREFIX
    grep -o "href=\"\\($base\\)\\?$2[^\"#?]*\"" "$1" | sed -e 's/^href="//' -e 's/"$//' \
        -e "s#^$base##" | sort -u || true
}
fetch /planet
grep -q 'h-entry' "${pairs[-1]}" || fail "/planet shows no h-entry after the refresh"
fetch /
home="${pairs[-1]}"
mapfile -t topics < <(links "$home" /t/)
[ "${#topics[@]}" -gt 0 ] || fail "the demo's home page links to no topic"
for topic in "${topics[@]}"; do fetch "$topic"; done
mapfile -t users < <(for page in "$tmp"/pages/*.html; do links "$page" /u/; done | sort -u)
[ "${#users[@]}" -gt 0 ] || fail "the demo's pages link to no member profile"
for user in "${users[@]}"; do fetch "$user"; done
echo "suite cases: $suite_pages; our pages: $(( ${#pairs[@]} / 2 - suite_pages )) (${#topics[@]} topics, ${#users[@]} profiles)"

"$target_dir/debug/examples/dump_mf2" "${pairs[@]}" >"$tmp/ours.json" || fail "dump_mf2"
"$venv_python" "$repo_root/tests/interop/compare_mf2.py" "$tmp/ours.json" "${pairs[@]}"
echo "mf2py.sh: all checks passed"
