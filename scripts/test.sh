#!/usr/bin/env bash
# Set up everything (Python packages, Leaflet assets, Debian Chromium) and run the whole
# test suite: pure functions, real data, map HTML, AppTest, and a real browser.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
.venv/bin/python -m ruff check .
.venv/bin/python -m pytest "$@"
