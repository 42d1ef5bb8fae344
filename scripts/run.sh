#!/usr/bin/env bash
# Set up (if needed) and start the app on http://localhost:8501. Extra arguments go to
# `streamlit run`; see the README for the options (e.g. synthetic sites for scale).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Warm the server as it starts (issue 14): one session opened in the background on the
# default page, so that the first visitor does not pay for the first script run
# (scripts/warmup.py; REINDUS_WARMUP=0 turns it off). It exits once done.
.venv/bin/python scripts/warmup.py "$@" &
exec .venv/bin/streamlit run app.py "$@"
