# Sourced by the bakery interop scripts: makes a venv with openbadges-bakery 2.0.0 (the newest
# on PyPI, 2021) and sets BAKERY to its command-line tool.
#
#   BAKERY_VENV   where the venv lives (default /tmp/bakery-venv)
#   BAKERY_PYTHON the interpreter to build it with (default python3.11; 2.0.0 and its
#                 dependencies, pypng and defusedxml, also run on 3.12)
BAKERY_VENV=${BAKERY_VENV:-/tmp/bakery-venv}
BAKERY_PYTHON=${BAKERY_PYTHON:-python3.11}
if [ ! -x "$BAKERY_VENV/bin/bakery" ]; then
    "$BAKERY_PYTHON" -m venv "$BAKERY_VENV"
    "$BAKERY_VENV/bin/pip" install --quiet "openbadges-bakery==2.0.0" "pypng==0.20220715.0" "defusedxml==0.7.1"
fi
BAKERY="$BAKERY_VENV/bin/bakery"
