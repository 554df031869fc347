#!/usr/bin/env bash
# Check template.yaml with SAM CLI: `sam validate --lint` always, `sam build` when python3.13 is available.
# aws-sam-cli lives in its own virtualenv (.venv-sam, ~340 MB), created once and reused on re-runs.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
SAM_VENV="${SAM_VENV:-.venv-sam}"
export SAM_CLI_TELEMETRY=0
start=$SECONDS

if [ ! -x "$SAM_VENV/bin/sam" ]; then
  echo "sam-check: installing aws-sam-cli into $SAM_VENV (about 2 minutes, once)"
  "$PYTHON" -m venv "$SAM_VENV"
  "$SAM_VENV/bin/python" -m pip install -q --disable-pip-version-check aws-sam-cli 2> >(grep -v "is ignored" >&2)
fi
sam="$SAM_VENV/bin/sam"
echo "sam-check: $("$sam" --version)"

"$sam" validate --lint --template template.yaml

# sam build needs python3.13 on PATH for the python3.13 functions; pyenv provides it where installed.
if [ -z "${PYENV_VERSION:-}" ] && command -v pyenv > /dev/null; then
  py313=$(pyenv versions --bare 2> /dev/null | grep -E '^3\.13(\.[0-9]+)?$' | tail -n 1 || true)
  if [ -n "$py313" ]; then
    export PYENV_VERSION="$(pyenv version-name 2> /dev/null | cut -d: -f1):$py313"
  fi
fi
if python3.13 --version > /dev/null 2>&1; then
  "$sam" build --parallel --template template.yaml 2> >(grep -v "is ignored" >&2)
else
  echo "sam-check: SKIPPED sam build: python3.13 is not on PATH (install it, or pyenv 3.13, to build)"
fi
echo "sam-check: done in $((SECONDS - start)) s"
