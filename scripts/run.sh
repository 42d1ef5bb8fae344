#!/usr/bin/env bash
# Set up (if needed) and start the app on http://localhost:8501. Extra arguments go to
# `streamlit run`; see the README for the options (e.g. synthetic sites for scale).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/streamlit run app.py "$@"
