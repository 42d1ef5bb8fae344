#!/usr/bin/env bash
# Set up everything (Python packages, Leaflet assets, eslint, Debian Chromium) and run the
# whole test suite: the map's JavaScript (eslint, node --test), then pure functions, real
# data, map HTML, AppTest, and a real browser.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
.venv/bin/python -m ruff check .
npx --no-install eslint
node --test tests/js/
.venv/bin/python -m pytest "$@"
