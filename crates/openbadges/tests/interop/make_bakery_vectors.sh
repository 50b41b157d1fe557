#!/usr/bin/env bash
# Re-makes tests/vectors/bakery/: the images that openbadges-bakery (PyPI) bakes from our plain
# test images, which tests/bake_interop.rs checks that we extract. See that folder's README.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tests=$(dirname "$here")
out="$tests/vectors/bakery"
. "$here/bakery_env.sh"

for kind in json jws url; do
    data=$(cat "$out/assertion.$kind")
    "$BAKERY" bake "$tests/fixtures/bake/plain.png" "$out/bakery-$kind.png" --data "$data"
    "$BAKERY" bake "$tests/fixtures/bake/plain.svg" "$out/bakery-$kind.svg" --data "$data"
done
"$BAKERY_VENV/bin/pip" freeze > "$out/pip-freeze.txt"
"$BAKERY_VENV/bin/python" --version >> "$out/pip-freeze.txt"
