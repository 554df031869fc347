"""Re-run a handler against a recorded execution and report the first divergence, or that it replays cleanly.

The handler is called exactly as Lambda calls it (its Powertools decorators run), with the recorded
operations as its state, a client that records nothing and a guard that stops any step body:

- a recorded operation replays from its checkpoint, as on Lambda; one of another type, subtype,
  name or parent is the engine's :class:`NonDeterministicExecutionError`, reported with its position;
- the first operation the history does not have (a step body about to run, any update the code
  asks to checkpoint) stops the replay: that is the end of the history when the recorded execution
  was still running ("replays cleanly up to the end"), a divergence when it had ended;
- an execution that ends is compared with the recorded end: status, result, error type, and the
  top-level operations the code no longer reaches.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from powertools_durable.exceptions import NonDeterministicExecutionError
from powertools_durable.replay.override import InvocationOverride, invocation_override
from powertools_durable.service.wire import OperationType, WireDict
from powertools_durable.tools.replay.history import RecordedExecution, load

if TYPE_CHECKING:
    from powertools_durable.context import DurableContext, OperationHandle

T = TypeVar("T")
History = RecordedExecution | str | Path | dict[str, Any] | list[Any]


@dataclass(frozen=True)
class Divergence:
    """Where the code and the history part: the operation's rank in the history, its id, both sides."""

    position: int | None
    operation_id: str | None
    recorded: str
    asked: str

    def __str__(self) -> str:
        where = f"operation #{self.position}" if self.position is not None else "an operation"
        return f"{where} ({self.operation_id}): recorded {self.recorded}; the code asks for {self.asked}"


@dataclass(frozen=True)
class ReplayReport:
    clean: bool
    summary: str
    divergence: Divergence | None = None

    def __str__(self) -> str:
        if self.divergence is None:
            return self.summary
        return f"{self.summary}\n  at {self.divergence}"


@dataclass
class ReplayLambdaContext:
    """What the handler gets as Lambda's context during a replay."""

    function_name: str = "replay"
    function_version: str = "$LATEST"
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:000000000000:function:replay"
    memory_limit_in_mb: int = 128
    aws_request_id: str = "replay"
    log_group_name: str = "/aws/lambda/replay"
    log_stream_name: str = "replay"

    def get_remaining_time_in_millis(self) -> int:
        return 900_000


class _Frontier(Exception):  # a signal, not an error: the code went past the history
    """Raised by the client at the first update the history does not have."""


class _StepBodyReached(BaseException):  # not swallowed by ``except Exception`` in user code
    def __init__(self, op: OperationHandle) -> None:
        super().__init__(op.id)
        self.op = op


class ReplayClient:
    """A :class:`DurableServiceClient` that records nothing: the first new update stops the replay."""

    def __init__(self) -> None:
        self.frontier: WireDict | None = None
        self.result_payload: str | None = None

    def checkpoint(self, durable_execution_arn: str, checkpoint_token: str, updates: list[WireDict]) -> WireDict:
        for update in updates:
            if update["Type"] == OperationType.EXECUTION:  # a result too large for the response
                self.result_payload = update.get("Payload")
                continue
            if self.frontier is None:
                self.frontier = update
            raise _Frontier(f"{update['Type']} {update['Id']}")
        return {"CheckpointToken": checkpoint_token, "NewExecutionState": {"Operations": []}}

    def get_execution_state(
        self, durable_execution_arn: str, checkpoint_token: str, marker: str, max_items: int = 1000
    ) -> WireDict:
        return {"Operations": []}  # the whole state is in the invocation event


def _stop_step_body(op: OperationHandle) -> None:
    """A step body is about to run: the history has no outcome for it, so the replay stops here."""
    raise _StepBodyReached(op)


def replay(
    history: History,
    handler: Callable[[Any, Any], Any],
    *,
    arn: str | None = None,
    lambda_context: Any = None,
) -> ReplayReport:
    """Replay ``handler`` (the Lambda handler, as deployed) against ``history``; never raises for a divergence."""
    recorded = history if isinstance(history, RecordedExecution) else load(history, arn)
    client = ReplayClient()
    roots: list[DurableContext] = []
    event = {
        "DurableExecutionArn": recorded.durable_execution_arn,
        "CheckpointToken": "replay",
        "InitialExecutionState": {"Operations": copy.deepcopy(recorded.operations)},
    }
    token = invocation_override.set(InvocationOverride(client, roots.append, _stop_step_body))
    output: Any = None
    reached: OperationHandle | None = None
    failure: BaseException | None = None
    try:
        output = handler(event, lambda_context if lambda_context is not None else ReplayLambdaContext())
    except _StepBodyReached as stop:
        reached = stop.op
    except Exception as exc:
        failure = exc
    finally:
        invocation_override.reset(token)
    return _judge(recorded, client, roots[0] if roots else None, output, reached, failure)


def assert_replays(history: History, handler: Callable[[Any, Any], Any], *, arn: str | None = None) -> ReplayReport:
    """Fail the test with the replayer's report unless ``handler`` replays ``history`` cleanly."""
    report = replay(history, handler, arn=arn)
    if not report.clean:
        raise AssertionError(str(report))
    return report


def _judge(
    recorded: RecordedExecution,
    client: ReplayClient,
    root: DurableContext | None,
    output: Any,
    reached: OperationHandle | None,
    failure: BaseException | None,
) -> ReplayReport:
    fatal = root.state.fatal_error if root is not None else None
    if isinstance(fatal, NonDeterministicExecutionError):
        return _non_deterministic(recorded, fatal)
    if reached is not None or client.frontier is not None:
        return _frontier(recorded, reached, client.frontier)
    if failure is not None:
        return ReplayReport(False, f"the replay could not run the handler: {type(failure).__name__}: {failure}")
    if not isinstance(output, dict) or output.get("Status") not in ("SUCCEEDED", "FAILED", "PENDING"):
        return ReplayReport(False, f"the handler returned {output!r}, not a durable invocation output")
    return _ending(recorded, client, root, output)


def _describe(op: WireDict | None) -> str:
    if op is None:
        return "nothing"
    name = f" {op['Name']!r}" if op.get("Name") else ""
    return f"{op['Type']}{name} ({op.get('SubType') or op['Type']})"


def _non_deterministic(recorded: RecordedExecution, error: NonDeterministicExecutionError) -> ReplayReport:
    op_id = error.step_id
    op = next((o for o in recorded.operations if o["Id"] == op_id), None)
    message = str(error)
    asked = message.split(": ", 1)[-1].split(". The code no longer", 1)[0]
    divergence = Divergence(recorded.position(op_id) if op_id else None, op_id, _describe(op), asked)
    return ReplayReport(False, "DIVERGES: the code no longer runs the operations this execution recorded", divergence)


def _frontier(recorded: RecordedExecution, reached: OperationHandle | None, update: WireDict | None) -> ReplayReport:
    if reached is not None:
        asked = f"{reached.type}{f' {reached.name!r}' if reached.name else ''} ({reached.sub_type}) to run its body"
        op_id = reached.id
    else:
        assert update is not None
        name = f" {update['Name']!r}" if update.get("Name") else ""
        asked = f"{update['Type']}{name} ({update.get('SubType') or update['Type']}) {update['Action']}"
        op_id = update["Id"]
    count = len(recorded.operations) - 1
    if not recorded.ended:
        return ReplayReport(
            True, f"replays cleanly up to the end of the history ({count} recorded operations); next: {asked}"
        )
    op = next((o for o in recorded.operations if o["Id"] == op_id), None)
    status = recorded.execution["Status"]
    divergence = Divergence(recorded.position(op_id), op_id, _describe(op) if op else f"the end ({status})", asked)
    return ReplayReport(False, f"DIVERGES: the recorded execution ended {status}, the code goes on", divergence)


def _ending(
    recorded: RecordedExecution, client: ReplayClient, root: DurableContext | None, output: WireDict
) -> ReplayReport:
    status = output["Status"]
    count = len(recorded.operations) - 1
    if not recorded.ended:
        if status == "PENDING":
            return ReplayReport(True, f"replays cleanly: the code waits where the history ends ({count} operations)")
        return ReplayReport(
            True, f"replays cleanly; the code ends {status} where the history stops ({count} operations)"
        )
    recorded_status = recorded.execution["Status"]
    end = Divergence(None, recorded.execution["Id"], f"the end {recorded_status}", f"the end {status}")
    if status != recorded_status:
        return ReplayReport(False, f"DIVERGES: the recorded execution ended {recorded_status}, the code {status}", end)
    unreached = sorted(getattr(root, "_unvisited", ()) or (), key=lambda i: recorded.position(i) or 0)
    if unreached:
        op = next(o for o in recorded.operations if o["Id"] == unreached[0])
        missing = Divergence(recorded.position(op["Id"]), op["Id"], _describe(op), f"nothing: it ends {status} first")
        return ReplayReport(False, "DIVERGES: the code ends before a recorded operation", missing)
    details = recorded.execution.get("ExecutionDetails") or {}
    if status == "SUCCEEDED" and "Result" in details:
        got = output.get("Result") or client.result_payload
        if _json(got) != _json(details["Result"]):
            result = Divergence(None, recorded.execution["Id"], f"result {details['Result']}", f"result {got}")
            return ReplayReport(False, "DIVERGES: the code returns another result", result)
    if status == "FAILED" and "Error" in details:
        want, got_error = (details["Error"] or {}).get("ErrorType"), (output.get("Error") or {}).get("ErrorType")
        if want != got_error:
            error = Divergence(None, recorded.execution["Id"], f"error {want}", f"error {got_error}")
            return ReplayReport(False, "DIVERGES: the code fails with another error", error)
    return ReplayReport(True, f"replays cleanly: {count} recorded operations, ended {status} as recorded")


def _json(payload: Any) -> Any:
    if not isinstance(payload, str):
        return payload
    try:
        return json.loads(payload)
    except json.JSONDecodeError:
        return payload
