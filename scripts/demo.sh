#!/usr/bin/env bash
# The main job: install, then run a durable step-wait-step workflow and print what happened.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[local]"
exec .venv/bin/powertools-durable demo "$@"
