#!/usr/bin/env bash
# The forum's hot path under load, beside a static-file peer.
#
# Seeds a topic with 100 replies, then in one run loads that topic page with wrk at 64 connections
# from Badge Commons and, for reference, the same rendered HTML served as a static file by nginx
# (Debian's package, on loopback). Prints requests/s, p99 latency, their ratio, the server's
# resident memory idle and under load, and the start-up time with an existing database.
# Everything listens on 127.0.0.1 and every load run is bounded by -d.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-15s}
CONNECTIONS=${CONNECTIONS:-64}
APP_PORT=${APP_PORT:-18080}
NGINX_PORT=${NGINX_PORT:-18081}

need() { command -v "$1" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }; }
need wrk wrk
need nginx nginx
need curl curl

cargo build --release -q -p badgecommons
BIN="${CARGO_TARGET_DIR:-target}/release/badgecommons"
WORK=$(mktemp -d)
SERVER_PID=""
NGINX_CONF="$WORK/nginx.conf"
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  [ -f "$WORK/nginx.pid" ] && nginx -c "$NGINX_CONF" -s stop 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

start_server() {
  "$BIN" serve --data-dir "$WORK/data" --listen "127.0.0.1:$APP_PORT" --posts-per-minute 100000 >/dev/null 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 4000); do curl -sf "http://127.0.0.1:$APP_PORT/healthz" >/dev/null && return; sleep 0.005; done
  echo "the server did not start"; exit 1
}
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status"; }
hwm_kb() { awk '/VmHWM/ {print $2}' "/proc/$SERVER_PID/status"; }

echo "== seeding a topic with 100 replies"
echo 'a long bench password' | "$BIN" --data-dir "$WORK/data" admin create-user --username bench --email bench@example.org --role admin --password-stdin >/dev/null
"$BIN" --data-dir "$WORK/data" admin create-category --slug bench --name Bench >/dev/null
start_server
TOKEN=$(curl -sf -X POST "http://127.0.0.1:$APP_PORT/api/v1/tokens" -H 'content-type: application/json' \
  -d '{"username":"bench","password":"a long bench password"}' | sed 's/.*"token":"\([^"]*\)".*/\1/')
BODY='A reply with **some** Markdown, a [link](https://example.org) and `code`, long enough to look like a real post in a real discussion about Open Badges.'
curl -sf -X POST "http://127.0.0.1:$APP_PORT/api/v1/topics" -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
  -d "{\"category\":\"bench\",\"title\":\"Benchmark topic\",\"body\":\"$BODY\"}" >/dev/null
for _ in $(seq 100); do
  curl -sf -X POST "http://127.0.0.1:$APP_PORT/api/v1/topics/1/posts" -H "authorization: Bearer $TOKEN" \
    -H 'content-type: application/json' -d "{\"body\":\"$BODY\"}" >/dev/null
done
URL_PATH=/t/1/benchmark-topic
mkdir -p "$WORK/static/t/1"
curl -sf "http://127.0.0.1:$APP_PORT$URL_PATH" > "$WORK/static/t/1/benchmark-topic"
echo "page size: $(wc -c < "$WORK/static/t/1/benchmark-topic") bytes"

echo "== start-up with an existing database"
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
START_NS=$(date +%s%N)
start_server
STARTUP_MS=$(( ($(date +%s%N) - START_NS) / 1000000 ))
sleep 2
IDLE_KB=$(rss_kb)

echo "== load: Badge Commons"
APP_OUT=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:$APP_PORT$URL_PATH")
echo "$APP_OUT"
LOAD_KB=$(hwm_kb)

cat > "$NGINX_CONF" <<NGINX
worker_processes auto;
$( [ "$(id -u)" -eq 0 ] && echo "user root;" )
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  default_type text/html;
  client_body_temp_path $WORK/tmp; proxy_temp_path $WORK/tmp; fastcgi_temp_path $WORK/tmp; uwsgi_temp_path $WORK/tmp; scgi_temp_path $WORK/tmp;
  server { listen 127.0.0.1:$NGINX_PORT; root $WORK/static; }
}
NGINX
mkdir -p "$WORK/tmp"
nginx -c "$NGINX_CONF"
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$NGINX_PORT$URL_PATH" >/dev/null && break; sleep 0.05; done
curl -sf "http://127.0.0.1:$NGINX_PORT$URL_PATH" >/dev/null || { echo "nginx does not serve the page:"; cat "$WORK/nginx-error.log"; exit 1; }
echo "== load: nginx static file"
NGINX_OUT=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:$NGINX_PORT$URL_PATH")
echo "$NGINX_OUT"

rps() { awk '/Requests\/sec/ {print $2}' <<<"$1"; }
p99() { awk '$1 == "99%" {print $2}' <<<"$1"; }
non2xx() { awk '/Non-2xx/ {print $4}' <<<"$1"; }
APP_RPS=$(rps "$APP_OUT"); NGINX_RPS=$(rps "$NGINX_OUT")
echo
echo "== results ($CONNECTIONS connections, $DURATION, $(nproc) cores)"
printf '%-28s %12s %10s\n' "" "requests/s" "p99"
printf '%-28s %12s %10s\n' "Badge Commons topic page" "$APP_RPS" "$(p99 "$APP_OUT")"
printf '%-28s %12s %10s\n' "nginx, same HTML, static" "$NGINX_RPS" "$(p99 "$NGINX_OUT")"
echo "ratio app/static: $(awk -v a="$APP_RPS" -v b="$NGINX_RPS" 'BEGIN {printf "%.2f", a/b}')  (target >= 0.3; p99 target <= 25ms)"
[ -n "$(non2xx "$APP_OUT")" ] && echo "WARNING: the app answered $(non2xx "$APP_OUT") non-2xx responses"
echo "server memory: idle $((IDLE_KB / 1024)) MB (target <= 25), peak under load $((LOAD_KB / 1024)) MB (target <= 60)"
echo "start-up with an existing database: ${STARTUP_MS} ms until /healthz answers (target <= 300)"
