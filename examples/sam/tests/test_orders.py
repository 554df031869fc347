"""The deployed function, run offline on the local emulator by the ``durable_emulator`` pytest fixture."""

from __future__ import annotations


def test_order_workflow(durable_emulator):
    run = durable_emulator.run("OrderFunction", {"order_id": "o-1"})  # the two-hour wait takes no time

    assert run.status == "SUCCEEDED", run.error
    assert run.result == {"confirmed": "o-1"}
    assert run.events("WaitSucceeded")[0]["WaitSucceededDetails"] == {"Duration": 7200}
    assert [e["EventType"] for e in run.history][-1] == "ExecutionSucceeded"


def test_with_boto3(durable_emulator):
    lam = durable_emulator.client()  # a boto3 "lambda" client pointed at the emulator
    arn = durable_emulator.invoke("OrderFunction", {"order_id": "o-2"})
    durable_emulator.wait(arn)

    execution = lam.get_durable_execution(DurableExecutionArn=arn)
    assert execution["Status"] == "SUCCEEDED"
