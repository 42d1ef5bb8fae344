#!/usr/bin/env bash
# Set up everything the app (and, with --dev, the tests) need, from package registries only:
#   - .venv with the pinned Python packages (requirements.txt [+ requirements-dev.txt]);
#   - Leaflet and its plugins from npm, copied to static/vendor/ (served by the app itself);
#     with --dev, eslint too (npm devDependencies: linting the map's runtime);
#   - with --dev: Debian's Chromium (/usr/bin/chromium) for the browser tests.
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

DEV=0
[ "${1:-}" = "--dev" ] && DEV=1

SUDO=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && SUDO="sudo"

apt_install() {
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "$@" >/dev/null \
      || { $SUDO apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "$@" >/dev/null; }
}

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
    .venv/bin/python -m pip install -q --upgrade pip
fi
reqs=(-r requirements.txt)
[ "$DEV" = 1 ] && reqs+=(-r requirements-dev.txt)
.venv/bin/python -m pip install -q "${reqs[@]}"

if ! command -v npm >/dev/null; then
    apt_install nodejs npm
fi
if [ ! -f static/vendor/.installed ] || [ package-lock.json -nt static/vendor/.installed ] \
   || { [ "$DEV" = 1 ] && [ ! -x node_modules/.bin/eslint ]; }; then
    if [ "$DEV" = 1 ]; then
        npm ci --no-audit --no-fund --silent
    else
        npm ci --omit=dev --no-audit --no-fund --silent
    fi
    .venv/bin/python -m geo.assets install
fi

if [ "$DEV" = 1 ] && [ ! -x /usr/bin/chromium ]; then
    apt_install chromium
fi

# The app's own modules compiled once, as pip compiles the libraries it installs: where Python
# is told not to write bytecode (PYTHONDONTWRITEBYTECODE), each start would compile them again
# (80 ms of the first run, issue 14). Python checks each file's date: a stale one is compiled.
.venv/bin/python -m compileall -q app.py geo ui >/dev/null

# What the map derives from the commune layers (outlines, commune card texts), made once and
# kept on disk for every start (geo.prebuilt; quick when it is there already). Not fatal: the
# app makes what is missing, and says what is wrong with the layers itself.
.venv/bin/python -m geo.prebuilt || echo "setup: geo.prebuilt made nothing (the app will make it when needed)"
