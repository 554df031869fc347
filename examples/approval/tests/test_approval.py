"""Answer the workflow's callback from the test: approve, reject, or let it time out."""


def test_approved(durable_emulator):
    arn = durable_emulator.run_async("ApprovalFunction", {"order": "o-1"})
    callback_id = durable_emulator.wait_for_callback(arn, name="approval")
    durable_emulator.send_callback_heartbeat(callback_id)
    durable_emulator.send_callback_success(callback_id, result="approved")
    run = durable_emulator.wait_for_result(arn)
    assert run.status == "SUCCEEDED", run.error
    assert run.result == {"order": "o-1", "charged": True, "decision": "approved"}
    assert run.operation("charge").attempts == 1
    assert run.operation("approval").status == "SUCCEEDED"


def test_rejected(durable_emulator):
    arn = durable_emulator.run_async("ApprovalFunction", {"order": "o-2"})
    callback_id = durable_emulator.wait_for_callback(arn, name="approval")
    durable_emulator.send_callback_failure(callback_id, error=ValueError("over budget"))
    run = durable_emulator.wait_for_result(arn)
    assert run.result == {"charged": False, "reason": "CallbackExternalError: over budget"}
    assert run.operation("approval").error["ErrorType"] == "ValueError"


def test_nobody_answers(durable_emulator):
    arn = durable_emulator.run_async("ApprovalFunction", {"order": "o-3"})
    durable_emulator.wait_for_callback(arn, name="approval")
    run = durable_emulator.wait_for_result(arn)  # time skips again: the two days pass at once
    assert run.result["reason"].startswith("CallbackTimeoutError")
    assert run.operation("approval").status == "TIMED_OUT"
    started, timed_out = run.events("CallbackStarted")[0], run.events("CallbackTimedOut")[0]
    assert timed_out["EventTimestamp"] - started["EventTimestamp"] >= 2 * 86400  # modelled seconds
