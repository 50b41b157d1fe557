#!/usr/bin/env bash
# A running Badge Commons instance's awards, checked by independent implementations over HTTP on
# loopback (crates/openbadges/tests/interop checks the library's documents; this checks what the
# application serves):
#
#   1. Starts `badgecommons serve` on a free 127.0.0.1 port with a fresh data dir, creates an admin
#      (`admin create-user --password-stdin`), a token (POST /api/v1/tokens), a badge class
#      (POST /api/v1/badges) and two awards to email addresses (POST /api/v1/badges/{id}/awards).
#   2. The Digital Credentials Consortium's JavaScript verifier
#      (crates/openbadges/tests/interop/dcc_instance.mjs: @digitalcredentials/vc, eddsa-rdfc-2022,
#      did:web resolved on loopback, @digitalcredentials/vc-bitstring-status-list) verifies
#      /credentials/{id}.json; after POST /api/v1/awards/{id}/revoke it must fail on its
#      revocation status, its proof still verifying.
#   3. 1EdTech's OB 2.0 validator (PyPI `openbadges` 1.1.2 on Python 3.6, run through
#      crates/openbadges/tests/interop/ob2_validator_run.py: only loopback is reachable) finds the
#      other award's hosted assertion /credentials/{id}/ob2.json valid with no errors, and the
#      OB 2.0 baked PNG /credentials/{id}/ob2.png too (/credentials/{id}.png carries the OB 3.0
#      credential, which that 2017 validator cannot read). It also must refuse another recipient.
#      The instance does not serve the OB 2.0 JSON-LD context, so the bundled copy
#      (crates/openbadges/src/contexts/files/ob-v2.json) is served beside it on another port.
#
# Reuses the npm install of crates/openbadges/tests/interop (runs `npm ci` there only when its
# node_modules is missing or older than package-lock.json) and the Python 3.6 venv that
# ob2_validator.sh makes (made here the same way when missing).
#
# Environment:
#   BADGECOMMONS_BIN      the server binary (default: `cargo build -p badgecommons --bin
#                         badgecommons`, in cargo's target dir, which honours CARGO_TARGET_DIR)
#   OB2_VALIDATOR_PYTHON  Python 3.6 for the venv (default: pyenv's 3.6.15)
#   OB2_VALIDATOR_VENV    where the venv lives (default /tmp/ob2-validator-venv)
set -euo pipefail
repo_root="$(cd "$(dirname "$0")/../.." && pwd)"
interop="$repo_root/crates/openbadges/tests/interop"
python36="${OB2_VALIDATOR_PYTHON:-${PYENV_ROOT:-$HOME/.pyenv}/versions/3.6.15/bin/python}"
venv="${OB2_VALIDATOR_VENV:-/tmp/ob2-validator-venv}"

. "$repo_root/tests/interop/lib.sh"

echo "== peers"
cd "$interop"
if [ ! -d node_modules/@digitalcredentials/vc-bitstring-status-list ] ||
    [ package-lock.json -nt node_modules/.package-lock.json ]; then
    timeout 600 npm ci --no-audit --no-fund --silent || fail "npm ci in $interop"
fi
if ! "$venv/bin/python" -c 'import openbadges.verifier' 2>/dev/null; then
    rm -rf "$venv"
    "$python36" -m venv "$venv" || fail "no Python 3.6 at $python36 (set OB2_VALIDATOR_PYTHON)"
    timeout 600 "$venv/bin/pip" install --quiet --disable-pip-version-check \
        -r "$interop/ob2_validator_requirements.txt" || fail "pip install of the 1EdTech validator"
fi
echo "node $(node --version); $("$venv/bin/pip" show openbadges 2>/dev/null | head -2 | tr '\n' ' ')"

cd "$repo_root"
server_binary

port="$(free_port)"
base="http://127.0.0.1:$port"
data="$tmp/data"
mkdir -p "$data"
echo "== badgecommons serve on $base (data dir $data)"
password="interop-test-password-$RANDOM$RANDOM"
printf '%s\n' "$password" | "$bc" admin create-user --data-dir "$data" --username interop-admin \
    --email admin@example.org --role admin --password-stdin >/dev/null ||
    fail "admin create-user"
"$bc" serve --data-dir "$data" --listen "127.0.0.1:$port" --public-url "$base" \
    --fetch-allow 127.0.0.0/8 >"$tmp/server.log" 2>&1 &
server_pid=$!
started "$server_pid"
wait_for "$base/.well-known/did.json" "badgecommons serve" "$server_pid"

api() { # METHOD PATH JSON -> prints the response body; fails unless 2xx
    local code
    code="$(curl -sS --max-time 20 -o "$tmp/body" -w '%{http_code}' -X "$1" "$base$2" \
        -H 'content-type: application/json' -H "authorization: Bearer ${token:-}" --data "$3")" ||
        fail "$1 $2: no response"
    case "$code" in 2??) cat "$tmp/body" ;; *) fail "$1 $2: HTTP $code: $(cat "$tmp/body")" ;; esac
}
field() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s)[process.argv[1]];if(v===undefined)process.exit(1);process.stdout.write(String(v))})' "$1"; }

token="$(api POST /api/v1/tokens "{\"username\":\"interop-admin\",\"password\":\"$password\",\"label\":\"instance.sh\"}" | field token)" ||
    fail "no token in the answer of POST /api/v1/tokens"
class="$(api POST /api/v1/badges '{"name":"Interop helper","description":"Helps independent implementations agree.","criteria":"Pass **both** peers."}' | field id)" ||
    fail "no id in the answer of POST /api/v1/badges"
award() { api POST "/api/v1/badges/$class/awards" "{\"email\":\"$1\",\"name\":\"Interop recipient\"}" | field id; }
dcc_award="$(award dcc@example.org)" || fail "no id in the answer of the award"
ob2_award="$(award ob2@example.org)" || fail "no id in the answer of the award"
echo "badge class $class; awards $dcc_award (for DCC) and $ob2_award (for the 1EdTech validator)"

echo "== DCC verifies $base/credentials/$dcc_award.json"
node "$interop/dcc_instance.mjs" "$base/credentials/$dcc_award.json" valid ||
    fail "DCC did not verify the instance's credential"
api POST "/api/v1/awards/$dcc_award/revoke" '{"reason":"Revoked by tests/interop/instance.sh"}' >/dev/null
echo "== DCC verifies it again after revocation (must fail on its revocation status)"
node "$interop/dcc_instance.mjs" "$base/credentials/$dcc_award.json" revoked ||
    fail "DCC did not refuse the revoked credential on its status"

context_port="$(free_port)"
mkdir -p "$tmp/contexts"
cp "$repo_root/crates/openbadges/src/contexts/files/ob-v2.json" "$tmp/contexts/ob-v2.json"
(cd "$tmp/contexts" && exec "$venv/bin/python" -m http.server --bind 127.0.0.1 "$context_port" \
    >"$tmp/contexts.log" 2>&1) &
context_pid=$!
started "$context_pid"
context_url="http://127.0.0.1:$context_port/ob-v2.json"
wait_for "$context_url" "the OB 2.0 context server" "$context_pid"

validate() { # WHAT EMAIL OUTPUT
    timeout 120 "$venv/bin/python" "$interop/ob2_validator_run.py" "$1" "$2" "$context_url" "$3" 2>"$3.log" ||
        { cat "$3.log" >&2; fail "the 1EdTech validator crashed on $1"; }
}
valid_without_errors() {
    "$venv/bin/python" -c 'import json,sys; r=json.load(open(sys.argv[1]))["report"]; sys.exit(0 if r["valid"] is True and r["errorCount"] == 0 else 1)' "$1"
}

assertion="$base/credentials/$ob2_award/ob2.json"
echo "== 1EdTech validator: $assertion for ob2@example.org"
validate "$assertion" ob2@example.org "$tmp/assertion.json"
valid_without_errors "$tmp/assertion.json" || fail "the 1EdTech validator refused the hosted assertion"

echo "== 1EdTech validator: the same assertion for another address (must be refused)"
validate "$assertion" someone-else@example.org "$tmp/wrong.json"
if valid_without_errors "$tmp/wrong.json"; then fail "the 1EdTech validator accepted another recipient"; fi

echo "== 1EdTech validator: the OB 2.0 baked PNG $base/credentials/$ob2_award/ob2.png"
curl -fsS --max-time 20 -o "$tmp/ob2.png" "$base/credentials/$ob2_award/ob2.png" ||
    fail "GET /credentials/$ob2_award/ob2.png"
validate "$tmp/ob2.png" ob2@example.org "$tmp/png.json"
valid_without_errors "$tmp/png.json" || fail "the 1EdTech validator refused the baked PNG"
"$venv/bin/python" -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["report"]["validationSubject"] == sys.argv[2] else 1)' \
    "$tmp/png.json" "$assertion" || fail "the validator did not find $assertion in the baked PNG"
echo "(it unbaked $assertion and verified it)"

echo "== 1EdTech validator: the OB 3.0 baked PNG $base/credentials/$ob2_award.png (not asserted)"
curl -fsS --max-time 20 -o "$tmp/ob3.png" "$base/credentials/$ob2_award.png" ||
    fail "GET /credentials/$ob2_award.png"
if timeout 120 "$venv/bin/python" "$interop/ob2_validator_run.py" "$tmp/ob3.png" ob2@example.org \
    "$context_url" "$tmp/ob3-png.json" >"$tmp/ob3-png.log" 2>&1 && valid_without_errors "$tmp/ob3-png.json"; then
    echo "NOTE: the 1EdTech validator now reads the OB 3.0 baked PNG too."
else
    echo "NOTE: as expected, the 2017 validator cannot read the OB 3.0 PNG (iTXt openbadgecredential;"
    echo "      $(tail -n 1 "$tmp/ob3-png.log")): /ob2.png is the one for it."
fi

echo "instance.sh: all checks passed"
