#!/usr/bin/env bash
# Open Badges 3.0 VC-JWT interop with PyJWT + cryptography (PyPI), both directions.
#
#   1. theirs -> ours: vc_jwt_pyjwt.py signs RS256, ES256 and EdDSA VC-JWTs (keys in the JOSE
#      header as `jwk`, or as a did:web / did:key `kid`) with the committed test keys in
#      tests/vectors/vc-jwt-pyjwt/keys/. The result must equal the committed vectors (all but
#      es256-kid.jwt: ECDSA signatures differ every run, so that one is only checked to verify),
#      which tests/vc_jwt_pyjwt_interop.rs verifies with ours, and whose tampered copies it refuses.
#   2. ours -> theirs: PyJWT verifies tests/vectors/vc-jwt-pyjwt/ours-eddsa-didkey.jwt, made by
#      openbadges::proof::jwt::sign_ed25519 (the Rust test checks the signer still makes it byte
#      for byte), and refuses a tampered copy; likewise a token from `badgecommons sign --format jwt`
#      with a fresh key when the binary is there.
#
# Environment:
#   VC_JWT_PYTHON  the interpreter for the venv (default python3.11)
#   VC_JWT_VENV    where the venv lives (default /tmp/pyjwt-venv)
#   VC_JWT_UPDATE  1: write the regenerated vectors into tests/vectors/vc-jwt-pyjwt/ (keys are
#                  made only where none are committed; delete keys/ to make new ones)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
crate="$(cd "$here/../.." && pwd)"
vectors="$crate/tests/vectors/vc-jwt-pyjwt"
python="${VC_JWT_PYTHON:-python3.11}"
venv="${VC_JWT_VENV:-/tmp/pyjwt-venv}"

echo "== venv with PyJWT ($python)"
if ! "$venv/bin/python" -c 'import jwt, cryptography' 2>/dev/null; then
    rm -rf "$venv"
    "$python" -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/vc_jwt_pyjwt_requirements.txt"
"$venv/bin/python" -c 'import jwt, cryptography; print("PyJWT", jwt.__version__, "cryptography", cryptography.__version__)'

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "== PyJWT signs (keys from $vectors/keys)"
if [ "${VC_JWT_UPDATE:-0}" = 1 ]; then
    "$venv/bin/python" "$here/vc_jwt_pyjwt.py" make "$vectors/keys" "$vectors"
    fresh_es256="$vectors/es256-kid.jwt"
else
    [ -d "$vectors/keys" ] || { echo "no committed keys in $vectors/keys (VC_JWT_UPDATE=1 makes them)" >&2; exit 1; }
    cp -r "$vectors/keys" "$tmp/keys"
    "$venv/bin/python" "$here/vc_jwt_pyjwt.py" make "$tmp/keys" "$tmp/out"
    diff -r "$vectors/keys" "$tmp/keys"
    for f in "$tmp/out"/*; do
        name="$(basename "$f")"
        [ "$name" = es256-kid.jwt ] && continue
        diff "$f" "$vectors/$name"
    done
    echo "same tokens as committed (es256-kid.jwt excepted: ECDSA is randomised)"
    fresh_es256="$tmp/out/es256-kid.jwt"
fi

echo "== crates/openbadges verifies them (and the freshly made ES256 one), refuses tampered copies"
cd "$crate"
VC_JWT_EXTRA_ES256="$fresh_es256" \
    cargo test --quiet -p openbadges --test vc_jwt_pyjwt_interop

echo "== PyJWT verifies ours: tests/vectors/vc-jwt-pyjwt/ours-eddsa-didkey.jwt"
"$venv/bin/python" "$here/vc_jwt_pyjwt.py" verify-ours "$vectors/ours-eddsa-didkey.jwt"

target_dir="$(cargo metadata --format-version 1 --no-deps | "$venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
cargo build --quiet -p badgecommons
bc="$target_dir/debug/badgecommons"
if "$bc" sign --help 2>/dev/null | grep -q -- '--format'; then
    echo "== PyJWT verifies a VC-JWT from badgecommons sign --format jwt (fresh key)"
    "$bc" keygen -o "$tmp/key.json" >/dev/null
    did="$("$venv/bin/python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["did"])' "$tmp/key.json")"
    "$bc" sign --key "$tmp/key.json" --issuer "$did" --format jwt "$vectors/eddsa-didkey.credential.json" -o "$tmp/cli.jwt"
    "$venv/bin/python" "$here/vc_jwt_pyjwt.py" verify-ours "$tmp/cli.jwt"
fi
if "$bc" verify --help >/dev/null 2>&1; then
    echo "== badgecommons verify on PyJWT's did:key token"
    "$bc" verify "$vectors/eddsa-didkey.jwt" --json >"$tmp/report.json"
    "$venv/bin/python" -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["valid"] is True and r["format"]=="ob3-jwt", r; print("badgecommons verify: valid")' "$tmp/report.json"
fi
echo "vc_jwt_pyjwt.sh: all checks passed"
