#!/usr/bin/env bash
# Bake a payload into a ~100 KB PNG and extract it again, many times, with crates/openbadges
# (release build) and with openbadges-bakery (PyPI, in the venv that
# crates/openbadges/tests/interop/bakery_env.sh makes): warm in-process loops on both sides, in one
# run; prints per-image time and the ratio.
#
#   bash bench/bake.sh [ITERATIONS]
#
# The PNG is bench/make_png.py's 184x184 RGB noise (~100 KB); the payload is the OB 2.0
# assertion of tests/vectors/bakery (bakery bakes 2.0 only, so ours bakes 2.0 too).
# Target (issue 3): ours >= 10x.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
n="${1:-2000}"
payload="$root/crates/openbadges/tests/vectors/bakery/assertion.json"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

cd "$root"
cargo build --release --quiet -p openbadges --example bench_loop
# shellcheck source=../crates/openbadges/tests/interop/bakery_env.sh
. "$root/crates/openbadges/tests/interop/bakery_env.sh"
python3 "$root/bench/make_png.py" "$tmp/noise.png"

echo "image: $(stat -c %s "$tmp/noise.png") bytes PNG; payload: $(stat -c %s "$payload") bytes; $n iterations each side (after warm-up); $(nproc) cores"
ours="$("$root/target/release/examples/bench_loop" bake "$tmp/noise.png" "$payload" "$n")"
echo "$ours"
theirs="$("$BAKERY_VENV/bin/python" "$root/bench/bakery_loop.py" "$tmp/noise.png" "$payload" "$n")"
echo "$theirs"

python3 - "$ours" "$theirs" <<'PY'
import json, sys
ours, bakery = json.loads(sys.argv[1]), json.loads(sys.argv[2])
ratio = bakery['per_op_us'] / ours['per_op_us']
print(f"\nper image: ours {ours['per_op_us']:.1f} µs, openbadges-bakery {bakery['per_op_us']:.1f} µs")
print(f"ratio (bakery / ours): {ratio:.1f}x; target >= 10x: {'met' if ratio >= 10 else 'MISSED'}")
PY
