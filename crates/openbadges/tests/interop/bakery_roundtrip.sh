#!/usr/bin/env bash
# Our baking against openbadges-bakery 2.0.0 (PyPI), both ways:
#   1. images bakery bakes now extract with ours (the committed copies are checked by
#      tests/bake_interop.rs even without Python; this re-bakes them fresh);
#   2. images we bake extract with bakery's `unbake`.
# Needs python3.11 (or BAKERY_PYTHON) and PyPI; makes a venv under /tmp (see bakery_env.sh).
# Exits non-zero on any mismatch.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tests=$(dirname "$here")
crate=$(dirname "$tests")
vectors="$tests/vectors/bakery"
. "$here/bakery_env.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
check() { # name expected actual
    if [ "$2" == "$3" ]; then
        echo "ok   $1"
    else
        echo "FAIL $1"; echo "     expected: $2"; echo "     got:      $3"
        failures=$((failures + 1))
    fi
}

# 1. theirs -> ours: re-bake with bakery into $work and run our extraction tests on those files.
mkdir -p "$work/vectors/bakery"
cp "$vectors"/assertion.* "$work/vectors/bakery/"
for kind in json jws url; do
    data=$(cat "$vectors/assertion.$kind")
    "$BAKERY" bake "$tests/fixtures/bake/plain.png" "$work/vectors/bakery/bakery-$kind.png" --data "$data" >/dev/null
    "$BAKERY" bake "$tests/fixtures/bake/plain.svg" "$work/vectors/bakery/bakery-$kind.svg" --data "$data" >/dev/null
    for ext in png svg; do
        cmp -s "$work/vectors/bakery/bakery-$kind.$ext" "$vectors/bakery-$kind.$ext" \
            && echo "ok   bakery-$kind.$ext is byte-identical to the committed vector" \
            || echo "note bakery-$kind.$ext differs from the committed vector (checked below)"
    done
done
(cd "$crate" && BAKERY_VECTORS="$work/vectors/bakery" cargo test -q -p openbadges \
    --test bake_interop -- pngs_baked_by_bakery svgs_baked_by_bakery >/dev/null) \
    && echo "ok   bakery's fresh images extract with ours" \
    || { echo "FAIL bakery's fresh images do not extract with ours"; failures=$((failures + 1)); }

# 2. ours -> theirs.
mkdir -p "$work/ours"
(cd "$crate" && BAKE_INTEROP_OUT="$work/ours" cargo test -q -p openbadges --test bake_interop \
    -- images_baked_by_ours_for_the_bakery_round_trip >/dev/null)
unbake() { "$BAKERY_VENV/bin/python" -c '
import sys
from openbadges_bakery import unbake
with open(sys.argv[1], "rb") as f:
    sys.stdout.write(unbake(f) or "")' "$1"; }
url=$(cat "$vectors/assertion.url")
for kind in json jws url; do
    expected=$(cat "$vectors/assertion.$kind")
    check "ours-$kind.png extracts with bakery" "$expected" "$(unbake "$work/ours/ours-$kind.png")"
    # bakery's SVG unbake returns the verify attribute when there is one: for a JSON
    # assertion that is the assertion's URL, as for the images bakery bakes itself.
    [ "$kind" = json ] && expected=$url
    check "ours-$kind.svg extracts with bakery" "$expected" "$(unbake "$work/ours/ours-$kind.svg")"
done

if [ "$failures" -gt 0 ]; then
    echo "$failures interop check(s) failed"; exit 1
fi
echo "all bakery interop checks passed"
