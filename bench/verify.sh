#!/usr/bin/env bash
# Verify the same eddsa-rdfc-2022 OpenBadgeCredential many times with crates/openbadges (release
# build) and with the Digital Credentials Consortium's JavaScript library, warm in-process loops
# on both sides, in one run on one machine; prints per-credential time and the ratio.
#
#   bash bench/verify.sh [ITERATIONS] [CREDENTIAL.json]
#
# Defaults: 2000 iterations of crates/openbadges/tests/vectors/dcc/vc2-ob303.json (VC 2.0,
# OB context 3.0.3, did:key issuer, signed by the DCC libraries). Target (issue 3): ours >= 30x.
# Needs node + npm (installs the pinned DCC libraries of tests/interop/ with `npm ci`).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
interop="$root/crates/openbadges/tests/interop"
n="${1:-2000}"
credential="$(realpath "${2:-$root/crates/openbadges/tests/vectors/dcc/vc2-ob303.json}")"

cd "$root"
cargo build --release --quiet -p openbadges --example bench_loop
[ -d "$interop/node_modules/@digitalcredentials/vc" ] || (cd "$interop" && npm ci --no-audit --no-fund --silent)

echo "credential: ${credential#"$root"/}, $n iterations each side (after warm-up); $(nproc) cores"
ours="$("$root/target/release/examples/bench_loop" verify "$credential" "$n")"
echo "$ours"
theirs="$(cd "$interop" && node bench-verify.mjs "$credential" "$n")"
echo "$theirs"

python3 - "$ours" "$theirs" <<'PY'
import json, sys
ours = [json.loads(l) for l in sys.argv[1].splitlines()]
dcc = json.loads(sys.argv[2])
print()
print(f"{'':52} {'per credential':>16} {'DCC / this':>11}")
print(f"{dcc['what'][:52]:52} {dcc['per_op_us']:13.1f} µs {'1.0':>11}")
for o in ours:
    print(f"{o['what'][:52]:52} {o['per_op_us']:13.1f} µs {dcc['per_op_us'] / o['per_op_us']:10.1f}x")
proof_only = ours[0]
ratio = dcc['per_op_us'] / proof_only['per_op_us']
print(f"\nratio (DCC / ours, proof verification): {ratio:.1f}x; target >= 30x: {'met' if ratio >= 30 else 'MISSED'}")
PY
