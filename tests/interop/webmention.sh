#!/usr/bin/env bash
# A Webmention sent by an independent implementation is received, verified and shown:
#
#   1. Starts `badgecommons serve` on a free 127.0.0.1 port (fresh data dir, --fetch-allow
#      127.0.0.0/8 so it may fetch the local source) with an admin and a topic
#      (`admin create-user`, `admin create-category`, POST /api/v1/tokens, POST /api/v1/topics).
#   2. Serves an h-entry reply to that topic (author h-card, content, u-in-reply-to) with
#      Python's http.server on another free port: a member's own site.
#   3. tests/interop/webmention_send.py, with PyPI `ronkyuu` (pinned in
#      webmention_requirements.txt, venv under ~/.cache/badgecommons-interop), discovers the
#      instance's endpoint from the topic page and sends source and target; the instance must
#      answer 202 with a status URL, verify the source (held: the first mention from that site),
#      and after a moderator's approval show the reply on the topic page.
#
# Fails loudly, never skips.
#
# Environment:
#   BADGECOMMONS_BIN         the server binary (default: built here with cargo, in cargo's
#                            target dir, which honours CARGO_TARGET_DIR)
#   WEBMENTION_INTEROP_VENV  where the venv lives (default: $XDG_CACHE_HOME or ~/.cache, then
#                            badgecommons-interop/webmention-venv)
#   PYTHON                   the Python 3 that makes it (default: python3)
set -euo pipefail
repo_root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$repo_root/tests/interop"
requirements="$here/webmention_requirements.txt"
venv="${WEBMENTION_INTEROP_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/badgecommons-interop/webmention-venv}"
python="${PYTHON:-python3}"

. "$here/lib.sh"

echo "== ronkyuu"
command -v "$python" >/dev/null 2>&1 || fail "no $python (install Python 3, or set PYTHON)"
if [ ! -x "$venv/bin/python" ] || [ "$requirements" -nt "$venv/.installed" ]; then
    rm -rf "$venv"
    "$python" -m venv "$venv" || fail "$python -m venv $venv (on Debian: apt-get install python3-venv)"
    timeout 600 "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" ||
        fail "pip install -r $requirements"
    touch "$venv/.installed"
fi
py="$venv/bin/python"
"$py" -c 'import ronkyuu' || fail "ronkyuu does not import"
echo "$("$venv/bin/pip" show ronkyuu | head -2 | tr '\n' ' ')"

cd "$repo_root"
server_binary

port="$(free_port)"
base="http://127.0.0.1:$port"
data="$tmp/data"
mkdir -p "$data"
echo "== badgecommons serve on $base"
password="interop-test-password-$RANDOM$RANDOM"
printf '%s\n' "$password" | "$bc" admin create-user --data-dir "$data" --username interop-admin \
    --email admin@example.org --role admin --password-stdin >/dev/null || fail "admin create-user"
"$bc" admin create-category --data-dir "$data" --slug general --name General >/dev/null ||
    fail "admin create-category"
"$bc" serve --data-dir "$data" --listen "127.0.0.1:$port" --public-url "$base" \
    --fetch-allow 127.0.0.0/8 >"$tmp/server.log" 2>&1 &
server_pid=$!
started "$server_pid"
wait_for "$base/healthz" "badgecommons serve" "$server_pid"

api() { # METHOD PATH JSON -> prints the response body; fails unless 2xx
    local code
    code="$(curl -sS --max-time 20 -o "$tmp/body" -w '%{http_code}' -X "$1" "$base$2" \
        -H 'content-type: application/json' -H "authorization: Bearer ${token:-}" --data "$3")" ||
        fail "$1 $2: no response"
    case "$code" in 2??) cat "$tmp/body" ;; *) fail "$1 $2: HTTP $code: $(cat "$tmp/body")" ;; esac
}
field() { "$py" -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

token="$(api POST /api/v1/tokens "{\"username\":\"interop-admin\",\"password\":\"$password\"}" | field token)" ||
    fail "no token in the answer of POST /api/v1/tokens"
topic_id="$(api POST /api/v1/topics '{"category":"general","title":"Replies from our own sites","body":"Reply from your blog!"}' | field id)" ||
    fail "no id in the answer of POST /api/v1/topics"
target="$base$(curl -sS -o /dev/null -w '%{redirect_url}' "$base/t/$topic_id" | sed "s|^$base||")"
[ "$target" != "$base" ] || fail "GET /t/$topic_id did not redirect to the topic page"
echo "topic: $target"

site_port="$(free_port)"
site="http://127.0.0.1:$site_port"
mkdir -p "$tmp/site"
cat >"$tmp/site/reply.html" <<HTML
<!doctype html>
<html><head><meta charset="utf-8"><title>A reply</title></head>
<body>
<article class="h-entry">
  <a class="p-author h-card" href="$site/">Ada from elsewhere</a>
  <p>In reply to <a class="u-in-reply-to" href="$target">a forum topic</a>:</p>
  <div class="e-content"><p>Replying from my own site with ronkyuu.</p></div>
  <time class="dt-published" datetime="2026-11-30T12:00:00Z">30 November 2026</time>
</article>
</body></html>
HTML
(cd "$tmp/site" && exec "$py" -m http.server --bind 127.0.0.1 "$site_port" >"$tmp/site.log" 2>&1) &
site_pid=$!
started "$site_pid"
wait_for "$site/reply.html" "the source site (http.server)" "$site_pid"
echo "source: $site/reply.html"

echo "== ronkyuu sends the Webmention"
"$py" "$here/webmention_send.py" "$base" "$site/reply.html" "$target" interop-admin "$password" ||
    fail "the Webmention from ronkyuu was not received, verified and shown"

echo "webmention.sh: all checks passed"
