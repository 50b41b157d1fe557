#!/usr/bin/env bash
# Seeds corpus/<target>/ from the crate's test fixtures and vectors. Run from anywhere; the
# corpus directories are not committed (libFuzzer grows them).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
crate=$(dirname "$here")
t="$crate/tests"
c="$here/corpus"
mkdir -p "$c"/{extract,bake_png,canonicalize,canonicalize_differential,verify_bytes}

images=("$t"/fixtures/bake/plain.png "$t"/fixtures/bake/plain.svg "$t"/vectors/bakery/*.png "$t"/vectors/bakery/*.svg)
json=("$t"/vectors/1edtech/signed-credential.json "$t"/vectors/dcc/*.json "$t"/vectors/ours/*.json
      "$t"/fixtures/model/ob2/*.json "$t"/fixtures/model/ob3/*.json "$t"/fixtures/verify_ob3/*.json)
[ -d "$t/fixtures/verify_ob3" ] && json+=($(find "$t/fixtures/verify_ob3" -name '*.json'))

for f in "${images[@]}"; do cp "$f" "$c/extract/"; done
for f in "${images[@]}" "${json[@]}" "$t"/vectors/bakery/assertion.{jws,url}; do
    cp "$f" "$c/verify_bytes/$(basename "$(dirname "$f")")-$(basename "$f")"
done
for f in "${json[@]}"; do
    cp "$f" "$c/canonicalize/$(basename "$(dirname "$f")")-$(basename "$f")"
    cp "$f" "$c/canonicalize_differential/$(basename "$(dirname "$f")")-$(basename "$f")"
done

# bake_png inputs: FLAG PAYLOAD NUL PNG (see fuzz_targets/bake_png.rs).
n=0
for png in "$t"/fixtures/bake/plain.png "$t"/vectors/bakery/*.png; do
    for payload in "$t"/vectors/1edtech/signed-credential.json "$t"/vectors/bakery/assertion.jws "$t"/vectors/bakery/assertion.url; do
        for flag in '\x00' '\x01' '\x02' '\x03'; do
            n=$((n + 1))
            { printf "$flag" | tr '\0' '\4'; tr -d '\0' < "$payload"; printf '\0'; cat "$png"; } > "$c/bake_png/seed-$n"
        done
    done
done
echo "seeded: $(for d in "$c"/*; do printf '%s=%s ' "$(basename "$d")" "$(ls "$d" | wc -l)"; done)"
