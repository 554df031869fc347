"""A deployed stack's logs for ExpectedLogs: the function's log group over the execution's lifetime.

CloudWatch Logs is not served by the emulator, so botocore's Stubber answers the calls here: what is
checked is which calls the reader makes (log group, time window) and how records come back.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import boto3
from botocore.stub import Stubber

from powertools_durable.local.conformance.cloudwatch import MARGIN_MS, cloudwatch_logs

FUNCTION = "conf-Conformance1x7Function-AbC"
EXECUTION = f"arn:aws:lambda:eu-west-1:111122223333:function:{FUNCTION}:live/durable-execution/n-1/id-1"
START = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
END = datetime(2026, 1, 1, 12, 0, 3, tzinfo=UTC)


def _clients() -> tuple[object, object]:
    options = {"region_name": "eu-west-1", "aws_access_key_id": "a", "aws_secret_access_key": "b"}
    return boto3.client("lambda", **options), boto3.client("logs", **options)


def test_the_execution_window_of_the_functions_log_group_is_read() -> None:
    # GIVEN an ended execution whose function logs to a custom log group, and its records there
    lambda_client, logs_client = _clients()
    described = {
        "DurableExecutionArn": EXECUTION,
        "DurableExecutionName": "n-1",
        "FunctionArn": f"arn:aws:lambda:eu-west-1:111122223333:function:{FUNCTION}",
        "StartTimestamp": START,
        "EndTimestamp": END,
        "Status": "SUCCEEDED",
    }
    record = {"level": "INFO", "message": "Greeting step started for: Ada", "durable_execution_arn": EXECUTION}
    events = [
        {"message": json.dumps(record), "timestamp": 1},
        {"message": "plain text line", "timestamp": 2},
    ]
    start_ms, end_ms = int(START.timestamp() * 1000) - MARGIN_MS, int(END.timestamp() * 1000) + MARGIN_MS
    slept: list[float] = []
    with Stubber(lambda_client) as lambda_stub, Stubber(logs_client) as logs_stub:
        lambda_stub.add_response("get_durable_execution", described, {"DurableExecutionArn": EXECUTION})
        lambda_stub.add_response(
            "get_function_configuration",
            {"FunctionName": FUNCTION, "LoggingConfig": {"LogFormat": "JSON", "LogGroup": "/custom/conformance"}},
            {"FunctionName": FUNCTION},
        )
        logs_stub.add_response(
            "filter_log_events",
            {"events": events},
            {"logGroupName": "/custom/conformance", "startTime": start_ms, "endTime": end_ms},
        )
        # WHEN the log source reads the execution's records (long after it ended: no settling wait)
        records = cloudwatch_logs(lambda_client, logs_client, sleep=slept.append)(EXECUTION)
    # THEN JSON lines come back as records, other lines as {"message": line}, with nothing waited for
    assert records == [record, {"message": "plain text line"}]
    assert slept == []


def test_a_function_without_a_log_group_setting_logs_to_the_default_group() -> None:
    lambda_client, logs_client = _clients()
    now = datetime.now(UTC)
    described = {
        "DurableExecutionArn": EXECUTION,
        "DurableExecutionName": "n-1",
        "FunctionArn": f"arn:aws:lambda:eu-west-1:111122223333:function:{FUNCTION}",
        "StartTimestamp": now,
        "EndTimestamp": now,
        "Status": "SUCCEEDED",
    }
    slept: list[float] = []
    with Stubber(lambda_client) as lambda_stub, Stubber(logs_client) as logs_stub:
        lambda_stub.add_response("get_durable_execution", described, {"DurableExecutionArn": EXECUTION})
        lambda_stub.add_response("get_function_configuration", {"FunctionName": FUNCTION}, {"FunctionName": FUNCTION})
        logs_stub.add_response(
            "filter_log_events",
            {"events": []},
            {
                "logGroupName": f"/aws/lambda/{FUNCTION}",
                "startTime": int(now.timestamp() * 1000) - MARGIN_MS,
                "endTime": int(now.timestamp() * 1000) + MARGIN_MS,
            },
        )
        # WHEN read right after the end / THEN it waits for CloudWatch to settle first, then reads the default group
        assert cloudwatch_logs(lambda_client, logs_client, settle=15, sleep=slept.append)(EXECUTION) == []
    assert len(slept) == 1
    assert 10 < slept[0] <= 15
