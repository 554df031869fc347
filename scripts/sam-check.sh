#!/usr/bin/env bash
# Check both SAM templates with SAM CLI and build the package's wheel:
# - template.yaml (the integration app, what `sam build && sam deploy` ships) and
#   tests/conformance/template.yaml (the conformance stack): `sam validate --lint` always, `sam build`
#   when python3.13 is available, and the built app template must hold the integration app only;
# - dist/powertools_durable-<version>-py3-none-any.whl, the wheel a project vendors until the package
#   is on the registry (docs/deploying.md).
# aws-sam-cli lives in its own virtualenv (.venv-sam, ~340 MB), created once and reused on re-runs.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
SAM_VENV="${SAM_VENV:-.venv-sam}"
APP_TEMPLATE=template.yaml
CONFORMANCE_TEMPLATE=tests/conformance/template.yaml
export SAM_CLI_TELEMETRY=0
start=$SECONDS

if [ ! -x "$SAM_VENV/bin/sam" ]; then
  echo "sam-check: installing aws-sam-cli into $SAM_VENV (about 2 minutes, once)"
  "$PYTHON" -m venv "$SAM_VENV"
  "$SAM_VENV/bin/python" -m pip install -q --disable-pip-version-check aws-sam-cli 2> >(grep -v "is ignored" >&2)
fi
sam="$SAM_VENV/bin/sam"
echo "sam-check: $("$sam" --version)"

"$sam" validate --lint --template "$APP_TEMPLATE"
"$sam" validate --lint --template "$CONFORMANCE_TEMPLATE"

# The wheel: pip builds it with the project's own build backend (no extra tool needed).
rm -f dist/powertools_durable-*.whl
"$PYTHON" -m pip wheel -q --disable-pip-version-check --no-deps --wheel-dir dist . 2> >(grep -v "is ignored" >&2)
echo "sam-check: built $(ls dist/powertools_durable-*.whl)"

# sam build needs python3.13 on PATH for the python3.13 functions; pyenv provides it where installed.
if [ -z "${PYENV_VERSION:-}" ] && command -v pyenv > /dev/null; then
  py313=$(pyenv versions --bare 2> /dev/null | grep -E '^3\.13(\.[0-9]+)?$' | tail -n 1 || true)
  if [ -n "$py313" ]; then
    export PYENV_VERSION="$(pyenv version-name 2> /dev/null | cut -d: -f1):$py313"
  fi
fi
if python3.13 --version > /dev/null 2>&1; then
  "$sam" build --parallel --template "$APP_TEMPLATE" 2> >(grep -v "is ignored" >&2)
  # `sam build && sam deploy` ships the built template: it must hold the integration app only.
  "$SAM_VENV/bin/python" - .aws-sam/build/template.yaml << 'PY'
import sys, yaml
class Loader(yaml.SafeLoader): pass
Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
resources = yaml.load(open(sys.argv[1]), Loader=Loader)["Resources"]
functions = sorted(k for k, v in resources.items() if v["Type"] == "AWS::Serverless::Function")
strays = [f for f in functions if f.startswith("Conformance")]
print(f"sam-check: the built app template holds {len(functions)} functions")
sys.exit(f"sam-check: conformance functions in the app template: {strays}" if strays else 0)
PY
  "$sam" build --parallel --template "$CONFORMANCE_TEMPLATE" --build-dir .aws-sam/conformance-build \
    2> >(grep -v "is ignored" >&2)
else
  echo "sam-check: SKIPPED sam build: python3.13 is not on PATH (install it, or pyenv 3.13, to build)"
fi
echo "sam-check: done in $((SECONDS - start)) s"
