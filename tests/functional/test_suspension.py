"""A suspension is a BaseException: user code catching Exception cannot swallow it."""

from __future__ import annotations

from powertools_durable import DurableContext, Duration, StepContext, SuspendExecution
from powertools_durable.local.memory import run_to_completion
from tests.functional.conftest import bind, invoke, op_id, wait_update


def test_wait_inside_try_except_exception_still_suspends(service):
    # GIVEN a handler that wraps its wait in `except Exception`
    swallowed = []

    @bind(service)
    def handler(event, context: DurableContext):
        try:
            context.wait(Duration.from_seconds(30), name="guarded")
        except Exception as exc:
            swallowed.append(exc)
            return "swallowed"
        return "after-wait"

    # WHEN it runs to its end
    run = run_to_completion(handler, {}, service=service)

    # THEN invocation 1 still PENDs, the except clause never ran, and invocation 2 continues past the wait
    assert run.outputs == [{"Status": "PENDING"}, {"Status": "SUCCEEDED", "Result": '"after-wait"'}]
    assert swallowed == []
    assert service.updates_of(1) == [wait_update(1, 30, "guarded")]
    assert not issubclass(SuspendExecution, Exception)


def test_retrying_step_inside_try_except_exception_still_suspends(service):
    # GIVEN a handler that wraps a failing, retrying step in `except Exception`
    @bind(service)
    def handler(event, context: DurableContext):
        def flaky(step: StepContext) -> int:
            if step.attempt == 1:
                raise OSError("transient")
            return step.attempt

        try:
            return context.step(flaky, name="flaky")
        except Exception:
            return "swallowed"

    # WHEN the first invocation runs
    service.start({})
    output = invoke(handler, service)

    # THEN it pends on the retry delay instead of returning "swallowed"
    assert output == {"Status": "PENDING"}
    assert service.operations[op_id(1)]["Status"] == "PENDING"
