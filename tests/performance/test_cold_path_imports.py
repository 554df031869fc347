"""The handler's cold path imports nothing heavy: a Lambda cold start pays for every module it loads.

Run in a fresh interpreter (this process has imported everything already); what is asserted is the
set of modules loaded, never a time.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

COLD_IMPORT = "from powertools_durable import DurableContext, StepContext, durable_execution, durable_step"

# Loaded only by what uses them: boto3 (the default client on Lambda is the standard-library one),
# pydantic and Powertools (the middleware and parser), the emulator, the fan-out machinery, the tools.
HEAVY = (
    "boto3",
    "botocore",
    "pydantic",
    "aws_lambda_powertools",
    "starlette",
    "uvicorn",
    "powertools_durable.local",
    "powertools_durable.concurrency",
    "powertools_durable.tools",
    "powertools_durable.plugin",
)


def _loaded_after(statement: str) -> set[str]:
    code = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(json.loads(output))


@pytest.mark.parametrize("statement", ["import powertools_durable", COLD_IMPORT])
def test_the_cold_path_imports_nothing_heavy(statement: str) -> None:
    # GIVEN a fresh interpreter / WHEN a handler module's imports run
    loaded = _loaded_after(statement)
    # THEN none of the heavy packages (nor their submodules) is loaded
    heavy = sorted(m for m in loaded if any(m == h or m.startswith(h + ".") for h in HEAVY))
    assert heavy == []
