#!/usr/bin/env bash
# The planet at volume, and our feed parsing against feedparser's, in one run:
#
#   1. crates/badgecommons/examples/feed_farm.rs serves FEEDS generated feeds (default 10,000;
#      10-20 entries each, RSS 2.0 and Atom) from 100 ports of 127.0.0.1 (the planet limits
#      requests per host, and a port counts as a host), with ETag/Last-Modified and 304 answers
#      to conditional requests;
#   2. a fresh SQLite instance is subscribed to all of them: `badgecommons planet import
#      FILE.opml` when the binary has it, else rows inserted into planet_feeds with sqlite3
#      (the script says which);
#   3. `badgecommons planet refresh --all` twice under /usr/bin/time -v: the first fetches every
#      feed in full; then the farm publishes a new entry in every 20th feed and the second refresh
#      gets 304 from the rest. Prints wall time, peak memory (max RSS) and entries/s of each;
#   4. parses the feed corpus (crates/syndication/tests/fixtures/feed-corpus, RSS/Atom only, as
#      feedparser 6.0 reads no JSON Feed) plus 200 of the farm's feeds with our parser
#      (examples/dump_feeds.rs --time, release build) and with feedparser
#      (bench/feedparser_time.py), and prints the per-feed ratio.
#
# Targets on the 2-core machine: refresh of 10,000 feeds <= 60 s, peak memory <= 200 MB; parsing
# >= 20x faster than feedparser. Timings are printed, not asserted. Everything it starts is
# stopped on exit, and the farm stops by itself after 15 minutes anyway.
#
# Environment: FEEDS (default 10000), HOSTS (default 100), BENCH_NO_BUILD=1 to use the release
# binaries already in the target directory, and syndication_env.sh's settings (the Python venv
# with the pinned feedparser).
set -euo pipefail
repo_root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=../tests/interop/syndication_env.sh
. "$repo_root/tests/interop/syndication_env.sh"
feeds="${FEEDS:-10000}"
hosts="${HOSTS:-100}"
[ -x /usr/bin/time ] || fail "no /usr/bin/time (apt-get install time)"
command -v sqlite3 >/dev/null 2>&1 || fail "no sqlite3 (apt-get install sqlite3)"

cd "$repo_root"
if [ -n "${BENCH_NO_BUILD:-}" ]; then
    echo "== using the release binaries already built (BENCH_NO_BUILD)"
else
    echo "== building (release)"
    cargo build --quiet --release -p badgecommons --bin badgecommons --example feed_farm ||
        fail "cargo build --release -p badgecommons"
    cargo build --quiet --release -p syndication --example dump_feeds ||
        fail "cargo build --release -p syndication --example dump_feeds"
fi
bc="$target_dir/release/badgecommons"

tmp="$(mktemp -d)"
farm_pid=""
cleanup() {
    if [ -n "$farm_pid" ]; then
        kill "$farm_pid" 2>/dev/null || true
        wait "$farm_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

"$target_dir/release/examples/feed_farm" --feeds "$feeds" --hosts "$hosts" --opml "$tmp/farm.opml" \
    --sample-dir "$tmp/samples" --samples 200 --max-seconds 900 >"$tmp/farm.log" 2>&1 &
farm_pid=$!
for _ in $(seq 1 100); do
    grep -q "control on port" "$tmp/farm.log" 2>/dev/null && break
    kill -0 "$farm_pid" 2>/dev/null || { cat "$tmp/farm.log" >&2; fail "feed_farm exited"; }
    sleep 0.1
done
control="$(sed -n 's/.*control on port \([0-9]*\).*/\1/p' "$tmp/farm.log")"
[ -n "$control" ] || fail "feed_farm did not start"
head -n 1 "$tmp/farm.log"

data="$tmp/data"
mkdir -p "$data"
export BADGECOMMONS_DATA_DIR="$data" BADGECOMMONS_FETCH_ALLOW=127.0.0.0/8
"$bc" migrate >/dev/null || fail "badgecommons migrate"
db="$data/badgecommons.db"
if "$bc" planet import --help >/dev/null 2>&1; then
    echo "== subscribing with: badgecommons planet import farm.opml"
    "$bc" planet import "$tmp/farm.opml" >"$tmp/import.log" || fail "planet import"
    tail -n 1 "$tmp/import.log"
else
    echo "== subscribing by inserting into planet_feeds (this binary has no 'planet import')"
    now_ms=$(($(date +%s) * 1000))
    { echo "BEGIN;"
      grep -o 'xmlUrl="[^"]*"' "$tmp/farm.opml" | sed 's/^xmlUrl="//; s/"$//' |
        while read -r url; do
            echo "INSERT INTO planet_feeds (url, next_poll_at, interval_ms, created_at) VALUES ('$url', 0, 900000, $now_ms);"
        done
      echo "COMMIT;"; } | sqlite3 "$db" || fail "inserting the feeds"
fi
subscribed="$(sqlite3 "$db" 'SELECT COUNT(*) FROM planet_feeds')"
[ "$subscribed" -eq "$feeds" ] || fail "$subscribed feeds subscribed, $feeds expected"

refresh() { # NAME: runs `planet refresh --all` under /usr/bin/time -v and reports
    local before after wall rss polled
    before="$(sqlite3 "$db" 'SELECT COUNT(*) FROM planet_entries')"
    /usr/bin/time -v timeout 600 "$bc" planet refresh --all >"$tmp/$1.log" 2>"$tmp/$1.time" ||
        { tail -n 20 "$tmp/$1.time" >&2; fail "planet refresh --all ($1)"; }
    after="$(sqlite3 "$db" 'SELECT COUNT(*) FROM planet_entries')"
    wall="$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$tmp/$1.time")"
    rss="$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/$1.time")"
    polled="$(tail -n 1 "$tmp/$1.log")"
    # A few of the per-feed lines that are not successes, so a failing run says why.
    grep ': error: ' "$tmp/$1.log" | grep -v '^Polled' |
        head -n 5 | sed 's/^/    /' || true
    "$venv_python" - "$1" "$wall" "$rss" "$before" "$after" "$polled" "$feeds" <<'PY'
import sys
name, wall, rss, before, after, polled, feeds = sys.argv[1:]
parts = [float(p) for p in wall.split(":")]
seconds = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
new = int(after) - int(before)
print(f"{name}: wall {seconds:.1f} s ({int(feeds) / seconds:,.0f} feeds/s), peak memory {int(rss) / 1024:.0f} MB, "
      f"{new} new entries ({new / seconds:,.0f} entries/s; {int(after)} stored), "
      f"refresh said: \"{polled}\"")
PY
}

echo "== first refresh: every feed fetched in full"
refresh first
echo "farm: $(curl -fsS --max-time 5 "http://127.0.0.1:$control/stats")"
curl -fsS --max-time 5 -X POST "http://127.0.0.1:$control/next-round" || fail "next-round"
echo "== second refresh: most feeds answer 304"
refresh second
echo "farm: $(curl -fsS --max-time 5 "http://127.0.0.1:$control/stats") (counts since start)"

echo "== parsing: ours against feedparser $("$venv_python" -c 'import feedparser; print(feedparser.__version__)')"
corpus="$repo_root/crates/syndication/tests/fixtures/feed-corpus"
files=("$corpus"/*.xml "$tmp"/samples/*.xml)
base="https://feeds.example.org/corpus/"
"$target_dir/release/examples/dump_feeds" --time 200 --base "$base" "${files[@]}" >"$tmp/ours.json" ||
    fail "dump_feeds --time"
"$venv_python" "$repo_root/bench/feedparser_time.py" 10 "$base" "${files[@]}" >"$tmp/theirs.json" ||
    fail "feedparser_time.py"
"$venv_python" - "$tmp/ours.json" "$tmp/theirs.json" <<'PY'
import json, statistics, sys
ours, theirs = (json.load(open(p)) for p in sys.argv[1:3])
a, b = ours["per_file_us"], theirs["per_file_us"]
ratios = {name: b[name] / a[name] for name in a if a[name] > 0}
for label, names in (("corpus", [n for n in a if not n.startswith("farm-")]),
                     ("farm feeds", [n for n in a if n.startswith("farm-")])):
    ours_us = sum(a[n] for n in names) / len(names)
    theirs_us = sum(b[n] for n in names) / len(names)
    r = [ratios[n] for n in names]
    print(f"{label}: {len(names)} feeds; per feed ours {ours_us:,.0f} us, feedparser {theirs_us:,.0f} us; "
          f"ratio of the means {theirs_us / ours_us:.1f}x; per-feed ratio median {statistics.median(r):.1f}x, "
          f"min {min(r):.1f}x, max {max(r):.1f}x")
print(f"all {len(a)} feeds: ours {ours['total_us'] / 1000:,.1f} ms, feedparser {theirs['total_us'] / 1000:,.1f} ms, "
      f"{theirs['total_us'] / ours['total_us']:.1f}x")
PY
echo "planet.sh: done"
