"""``powertools-durable demo``: the SAM app's StepWaitStep run on the local emulator, as a timeline.

The emulator starts in-process on the repository's ``template.yaml`` (in-memory store, time
sped up ten times), the function is invoked through boto3 exactly as on AWS, and the
execution's history is printed the way ``powertools-durable local history`` prints it.
"""

from __future__ import annotations

import json
from pathlib import Path

from powertools_durable.local.emulator import LocalEmulator
from powertools_durable.local.timeline import format_timeline

DEMO_FUNCTION = "StepWaitStepFunction"
TIME_SCALE = 10.0


def run_demo(template: str | Path = "template.yaml", *, function: str = DEMO_FUNCTION) -> int:
    path = Path(template)
    if not path.exists():
        print(f"no SAM template at {path.resolve()}: run the demo from the repository root (bash scripts/demo.sh)")
        return 2
    with LocalEmulator(path, store=":memory:", time_scale=TIME_SCALE) as emulator:
        functions = len(emulator.functions)
        print(f"emulator on {emulator.endpoint_url}: {functions} functions from {path}, time x{TIME_SCALE:g}")
        payload = {"name": "Powertools"}
        print(f"invoke {function} {json.dumps(payload)}  (RequestResponse: returns when the execution ends)")
        response = emulator.client().invoke(FunctionName=function, Payload=json.dumps(payload))
        arn = response["DurableExecutionArn"]
        result = response["Payload"].read().decode()
        run = emulator.result(arn)
        print(f"execution {arn}\n")
        print(format_timeline(run.history, run.logs))
        print(f"\n{run.status}: {result}")
    return 0 if run.status == "SUCCEEDED" else 1
