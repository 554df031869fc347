"""A deployed conformance stack's logs, for the requirements' ``ExpectedLogs``: CloudWatch Logs.

Offline the emulator captures each invocation's output; deployed, Lambda writes it to the function's
log group. The runner judges one requirement at a time and each function answers one requirement, so
the records of an execution are the records of its function's log group between the execution's
start and end. CloudWatch Logs makes records searchable some seconds after they are written: the
reader waits ``settle`` seconds past the end before reading.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from powertools_durable.local.conformance.runner import LogSource, log_records

DEFAULT_SETTLE_S = 15.0
MARGIN_MS = 1000  # clocks of the service and of the log records differ by a little


def _millis(value: Any) -> int:
    return int(value.timestamp() * 1000) if isinstance(value, datetime) else int(value)


def _function_name(execution_arn: str) -> str:
    """``arn:aws:lambda:r:a:function:NAME[:QUALIFIER]/durable-execution/...`` -> ``NAME``."""
    function_part = execution_arn.split("/", 1)[0]
    return function_part.split(":function:", 1)[1].split(":", 1)[0]


def cloudwatch_logs(
    lambda_client: Any, logs_client: Any, *, settle: float = DEFAULT_SETTLE_S, sleep: Any = time.sleep
) -> LogSource:
    """A log source reading the execution's function's log group over the execution's lifetime."""
    groups: dict[str, str] = {}

    def group_of(function: str) -> str:
        if function not in groups:
            configuration = lambda_client.get_function_configuration(FunctionName=function)
            group = (configuration.get("LoggingConfig") or {}).get("LogGroup")
            groups[function] = str(group or f"/aws/lambda/{function}")
        return groups[function]

    def read(execution_arn: str) -> list[dict[str, Any]]:
        execution = lambda_client.get_durable_execution(DurableExecutionArn=execution_arn)
        start = _millis(execution["StartTimestamp"]) - MARGIN_MS
        ended = _millis(execution.get("EndTimestamp") or datetime.now().astimezone())
        end = ended + MARGIN_MS
        wait = settle - (time.time() * 1000 - ended) / 1000
        if wait > 0:
            sleep(wait)
        paginator = logs_client.get_paginator("filter_log_events")
        pages = paginator.paginate(logGroupName=group_of(_function_name(execution_arn)), startTime=start, endTime=end)
        return log_records(event["message"] for page in pages for event in page.get("events") or ())

    return read
