#!/usr/bin/env bash
# Issuing and verifying at volume (issue 4's targets):
#   1. awarding 10,000 credentials in bulk (sign + store, 100 per transaction) on SQLite and on
#      PostgreSQL, with crates/badgecommons/examples/bench_awards.rs; target >= 2,000 awards/s;
#   2. POST /api/v1/verify of a baked PNG under load (wrk, multipart upload); target >= 1,000
#      requests/s. Two badges: one this instance awarded (did:web of the instance and a status
#      list: each verification fetches both from the instance itself, over loopback), and one
#      signed with a did:key and no status list (no fetch at all).
# Everything listens on 127.0.0.1 and every load run is bounded by -d.
#
#   bash bench/issue.sh            (PostgreSQL at $BENCH_POSTGRES, default the CI database)
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-10000}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
APP_PORT=${APP_PORT:-18090}
BENCH_POSTGRES=${BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432/test}

need() { command -v "$1" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }; }
need wrk wrk
need curl curl
need psql postgresql-client

cargo build --release -q -p badgecommons --bin badgecommons --example bench_awards
TARGET="$(cd "${CARGO_TARGET_DIR:-target}/release" && pwd)"
BIN="$TARGET/badgecommons"
WORK=$(mktemp -d)
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
  psql -q "$BENCH_POSTGRES" -c "DROP SCHEMA IF EXISTS bench_issue CASCADE" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== 1. $N awards in bulk"
mkdir -p "$WORK/sqlite" "$WORK/pg"
SQLITE=$("$TARGET/examples/bench_awards" "sqlite://$WORK/sqlite/bench.db?mode=rwc" "$WORK/sqlite" "$N" 100)
echo "$SQLITE"
psql -q "$BENCH_POSTGRES" -c "DROP SCHEMA IF EXISTS bench_issue CASCADE; CREATE SCHEMA bench_issue" >/dev/null
PG=$("$TARGET/examples/bench_awards" "$BENCH_POSTGRES?options=-csearch_path%3Dbench_issue" "$WORK/pg" "$N" 100)
echo "$PG"

echo "== 2. POST /api/v1/verify of a baked PNG"
BASE="http://127.0.0.1:$APP_PORT"
echo 'a long bench password' | "$BIN" --data-dir "$WORK/app" admin create-user --username bench --email bench@example.org --role admin --password-stdin >/dev/null
BADGECOMMONS_VERIFY_PER_MINUTE=100000000 "$BIN" serve --data-dir "$WORK/app" --listen "127.0.0.1:$APP_PORT" \
  --public-url "$BASE" --fetch-allow 127.0.0.0/8 >/dev/null 2>&1 &
SERVER_PID=$!
for _ in $(seq 4000); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.005; done
TOKEN=$(curl -sf -X POST "$BASE/api/v1/tokens" -H 'content-type: application/json' \
  -d '{"username":"bench","password":"a long bench password","label":"bench"}' | sed 's/.*"token":"\([^"]*\)".*/\1/')
auth=(-H "authorization: Bearer $TOKEN" -H 'content-type: application/json')
CLASS=$(curl -sf -X POST "$BASE/api/v1/badges" "${auth[@]}" \
  -d '{"name":"Bench","description":"Verified under load.","criteria":"Be verified."}' | sed 's/.*"id":\([0-9]*\).*/\1/')
AWARD=$(curl -sf -X POST "$BASE/api/v1/badges/$CLASS/awards" "${auth[@]}" -d '{"email":"someone@example.org"}' \
  | sed 's/.*"id":"\([^"]*\)".*/\1/')
curl -sf "$BASE/credentials/$AWARD.png" -o "$WORK/ours.png"

# A did:key badge without a status list: keygen, sign, bake with the CLI.
(cd "$WORK" && "$BIN" keygen -o key.json >/dev/null)
DID=$(sed -n 's/.*"did": *"\([^"]*\)".*/\1/p' "$WORK/key.json")
cat > "$WORK/credential.json" <<JSON
{"@context":["https://www.w3.org/ns/credentials/v2","https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
 "id":"urn:uuid:8d6c2a4e-0000-4000-8000-00000000beef","type":["VerifiableCredential","OpenBadgeCredential"],
 "name":"Elsewhere","issuer":{"id":"$DID","type":["Profile"],"name":"Another issuer"},"validFrom":"2024-01-01T00:00:00Z",
 "credentialSubject":{"type":["AchievementSubject"],"achievement":{"id":"urn:uuid:8d6c2a4e-0000-4000-8000-00000000cafe",
 "type":["Achievement"],"name":"Elsewhere","description":"A badge from another issuer.","criteria":{"narrative":"Earned elsewhere."}}}}
JSON
(cd "$WORK" && "$BIN" sign --key key.json --issuer "$DID" credential.json -o signed.json >/dev/null \
  && "$BIN" bake --image ours.png --credential signed.json -o didkey.png >/dev/null 2>&1) || {
  # ours.png already carries a credential: bake into the badge class's own image instead.
  curl -sf "$BASE/badges/$CLASS/image" -o "$WORK/plain.png"
  (cd "$WORK" && "$BIN" bake --image plain.png --credential signed.json -o didkey.png >/dev/null)
}

run_load() { # name png
  local name=$1 png=$2 boundary=benchboundary
  python3 - "$png" "$WORK/$name.body" <<'PY'
import sys
png = open(sys.argv[1], "rb").read()
body = (b"--benchboundary\r\nContent-Disposition: form-data; name=\"image\"; filename=\"badge.png\"\r\n"
        b"Content-Type: image/png\r\n\r\n" + png + b"\r\n--benchboundary--\r\n")
open(sys.argv[2], "wb").write(body)
PY
  cat > "$WORK/$name.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "multipart/form-data; boundary=$boundary"
local f = io.open("$WORK/$name.body", "rb"); wrk.body = f:read("*all"); f:close()
LUA
  local check
  check=$(curl -sf -X POST "$BASE/api/v1/verify" -F "image=@$png;type=image/png" | head -c 60)
  echo "-- $name: one request answers ${check}..."
  case "$check" in *'"valid":true'*) ;; *) echo "the $name badge does not verify: not a fair load test" >&2; exit 1 ;; esac
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$WORK/$name.lua" "$BASE/api/v1/verify"
}
OURS=$(run_load ours "$WORK/ours.png"); echo "$OURS"
DIDKEY=$(run_load didkey "$WORK/didkey.png"); echo "$DIDKEY"

python3 - "$SQLITE" "$PG" "$OURS" "$DIDKEY" <<'PY'
import json, re, sys
sqlite, pg = json.loads(sys.argv[1]), json.loads(sys.argv[2])
def rps(out): return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
def p99(out): return re.search(r"99%\s+(\S+)", out).group(1)
print()
print(f"awards in bulk, SQLite:      {sqlite['per_second']:>8.0f} /s   target >= 2000: {'met' if sqlite['per_second'] >= 2000 else 'MISSED'}")
print(f"awards in bulk, PostgreSQL:  {pg['per_second']:>8.0f} /s   target >= 2000: {'met' if pg['per_second'] >= 2000 else 'MISSED'}")
for name, out in [("this instance's badge", sys.argv[3]), ("did:key badge, no status list", sys.argv[4])]:
    r = rps(out)
    print(f"/api/v1/verify, {name:30} {r:>8.0f} req/s (p99 {p99(out)})   target >= 1000: {'met' if r >= 1000 else 'MISSED'}")
PY
