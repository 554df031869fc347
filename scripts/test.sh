#!/usr/bin/env bash
# Run the whole test suite on a fresh machine: creates a virtualenv (python3 >= 3.11), installs, runs pytest.
# PYTHON picks the interpreter (default python3), VENV the virtualenv directory (default .venv).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
VENV="${VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -e ".[dev,bench]"
echo "test.sh: $("$VENV/bin/python" --version) in $VENV"
set +e
"$VENV/bin/python" -m pytest "$@"
code=$?
set -e
if [ "$code" -eq 5 ]; then
  echo "pytest collected no tests" >&2
  exit 1
fi
exit "$code"
