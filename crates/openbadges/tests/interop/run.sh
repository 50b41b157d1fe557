#!/usr/bin/env bash
# Data Integrity (eddsa-rdfc-2022) interop with the Digital Credentials Consortium's JavaScript
# libraries, both directions. Needs node and npm (the npm registry); installs the pinned versions
# from package-lock.json into ./node_modules.
#
#   1. theirs -> ours: sign with DCC into a temporary folder; the result must equal the committed
#      tests/vectors/dcc/ (Ed25519 is deterministic and the key seed is fixed), which the Rust tests
#      in tests/data_integrity_interop.rs verify (and whose tampered copies they reject).
#   2. ours -> theirs: DCC verifies tests/vectors/ours/*.json, which our signer produced (the Rust
#      tests check it still produces them byte for byte), and rejects tampered copies.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
crate="$(cd "$here/../.." && pwd)"
cd "$here"
npm ci --no-audit --no-fund --silent

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "== DCC signs; output must match tests/vectors/dcc"
node dcc.mjs sign "$tmp/dcc"
diff -r "$tmp/dcc" "$crate/tests/vectors/dcc" --exclude README.md

echo "== DCC verifies credentials signed by crates/openbadges"
node dcc.mjs verify "$crate"/tests/vectors/ours/*.json
for f in "$crate"/tests/vectors/ours/*.json; do
  node -e '
    const fs = require("fs");
    const c = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    c.credentialSubject.achievement.name += " (tampered)";
    fs.writeFileSync(process.argv[2], JSON.stringify(c));
  ' "$f" "$tmp/tampered.json"
  if node dcc.mjs verify "$tmp/tampered.json"; then
    echo "DCC accepted a tampered copy of $f" >&2
    exit 1
  fi
done

echo "== crates/openbadges verifies the DCC credentials"
cd "$crate"
cargo test -p openbadges --test data_integrity_interop
