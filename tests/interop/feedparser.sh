#!/usr/bin/env bash
# Our feed parser against Python's feedparser (PyPI, pinned in syndication_requirements.txt) on the
# corpus in crates/syndication/tests/fixtures/feed-corpus (66 feeds: RSS 0.91-2.0, Atom, JSON
# Feed, odd dates, encodings, relative links...):
#
#   1. builds crates/syndication/examples/dump_feeds.rs and prints what our parser reads;
#   2. compare_feeds.py has feedparser read the same bytes as from the same URL and compares the
#      feed title and each entry's title, link, id, published and updated date;
#   3. fails on any difference the corpus README's table does not explain, and on any row of that
#      table that no longer differs.
#
# The venv (made once, under ~/.cache/badgecommons-interop) is shared with mf2py.sh and
# bench/planet.sh; see tests/interop/syndication_env.sh for its settings.
set -euo pipefail
repo_root="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=syndication_env.sh
. "$repo_root/tests/interop/syndication_env.sh"
corpus="$repo_root/crates/syndication/tests/fixtures/feed-corpus"

cd "$repo_root"
echo "== feedparser: $("$venv_python" -c 'import feedparser; print(feedparser.__version__)')"
cargo build --quiet -p syndication --example dump_feeds || fail "cargo build --example dump_feeds"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
shopt -s nullglob
files=("$corpus"/*.xml "$corpus"/*.json)
[ "${#files[@]}" -ge 50 ] || fail "only ${#files[@]} feeds in $corpus"
"$target_dir/debug/examples/dump_feeds" "${files[@]}" >"$tmp/ours.json" || fail "dump_feeds"
"$venv_python" "$repo_root/tests/interop/compare_feeds.py" "$corpus" "$tmp/ours.json"
echo "feedparser.sh: all checks passed"
