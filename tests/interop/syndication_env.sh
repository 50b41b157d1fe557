# Sourced by tests/interop/feedparser.sh, tests/interop/mf2py.sh and bench/planet.sh: makes (once)
# the Python venv with the pinned independent parsers, and finds cargo's target directory.
#
# Environment:
#   SYNDICATION_INTEROP_VENV  where the venv lives (default: $XDG_CACHE_HOME or ~/.cache,
#                             then badgecommons-interop/venv)
#   PYTHON                    the Python 3 that makes it (default: python3)
# Sets: venv_python, target_dir. Fails (never skips) when a tool is missing.

fail() { echo "FAIL: $*" >&2; exit 1; }

syndication_requirements="$repo_root/tests/interop/syndication_requirements.txt"
venv="${SYNDICATION_INTEROP_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/badgecommons-interop/venv}"
python="${PYTHON:-python3}"
command -v "$python" >/dev/null 2>&1 || fail "no $python (install Python 3.8 or later, or set PYTHON)"
command -v cargo >/dev/null 2>&1 || fail "no cargo on PATH"
# Reinstall when the pins changed since the venv was made.
if [ ! -x "$venv/bin/python" ] || [ "$syndication_requirements" -nt "$venv/.installed" ]; then
    rm -rf "$venv"
    "$python" -m venv "$venv" || fail "$python -m venv $venv (on Debian: apt-get install python3-venv)"
    timeout 600 "$venv/bin/pip" install --quiet --disable-pip-version-check \
        -r "$syndication_requirements" || fail "pip install -r $syndication_requirements"
    touch "$venv/.installed"
fi
venv_python="$venv/bin/python"
target_dir="$(cargo metadata --format-version 1 --no-deps |
    "$venv_python" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')" ||
    fail "cargo metadata"
