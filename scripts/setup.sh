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
