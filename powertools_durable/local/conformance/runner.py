"""Running requirements against a durable-execution endpoint and judging the outcome.

The runner is a client of the Lambda API only (Invoke, GetDurableExecution,
GetDurableExecutionHistory, SendDurableExecutionCallback*), so the same code judges the
emulator or a deployed conformance stack (``targets`` maps each logical id to its alias ARN). Logs
come from a separate source: the emulator's per-invocation capture, or CloudWatch Logs
(``cloudwatch.py``); without one, ExpectedLogs are reported unchecked in the verdict's detail.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

from powertools_durable.local.cloud import full_history
from powertools_durable.local.conformance.matcher import Mismatch, match_history, match_logs, match_value
from powertools_durable.local.conformance.requirements import CallbackAction, Requirement, substitute

Outcome = Literal["passed", "failed", "not implemented", "unmapped"]
LogSource = Callable[[str], list[dict[str, Any]]]
TERMINAL = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"})


@dataclass(frozen=True)
class Verdict:
    """One requirement's outcome; ``detail`` is the first mismatch or the declared reason."""

    id: str
    outcome: Outcome
    detail: str = ""
    function: str | None = None
    seconds: float = 0.0
    optional: bool = False


@dataclass(frozen=True)
class RequirementMap:
    """Which function answers which requirement, and which are declared not implemented."""

    functions: dict[str, str]
    not_implemented: dict[str, str]


def mapping_from_metadata(metadata: Mapping[str, Mapping[str, Any]]) -> RequirementMap:
    """Read ``TestingMetadata`` of each function: ``TestDescription`` ids and ``NotImplemented`` entries."""
    functions: dict[str, str] = {}
    gaps: dict[str, str] = {}
    for function_name, meta in metadata.items():
        for item in meta.get("TestDescription") or ():
            functions[str(item)] = function_name
        for item in meta.get("NotImplemented") or ():
            gaps[str(item["id"])] = str(item.get("reason") or "not implemented")
    return RequirementMap(functions, gaps)


def log_records(texts: Iterable[str]) -> list[dict[str, Any]]:
    """Turn captured output into records: JSON lines as they are, other lines as ``{"message": line}``."""
    records: list[dict[str, Any]] = []
    for text in texts:
        for line in text.splitlines():
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                record = None
            records.append(record if isinstance(record, dict) else {"message": line})
    return records


class ConformanceRunner:
    """Runs requirements one by one through a boto3 ``lambda`` client."""

    def __init__(
        self,
        client: Any,
        mapping: RequirementMap,
        *,
        logs: LogSource | None = None,
        time_scale: float = 1.0,
        timeout: float = 120.0,
        poll_interval: float = 0.02,
        targets: Mapping[str, str] | None = None,
    ) -> None:
        self.client = client
        # what each mapped function is invoked as: a deployed stack's alias ARNs (the logical id offline)
        self.targets = dict(targets or {})
        self.mapping = mapping
        self.logs = logs
        self.time_scale = time_scale
        self.timeout = timeout
        self.poll_interval = poll_interval

    def run(self, requirement: Requirement) -> Verdict:
        if requirement.id in self.mapping.not_implemented:
            return Verdict(requirement.id, "not implemented", self.mapping.not_implemented[requirement.id])
        function = self.mapping.functions.get(requirement.id)
        if function is None:
            return Verdict(requirement.id, "unmapped", "no function's TestingMetadata names this requirement")
        started = time.monotonic()
        try:
            self._check(requirement, function)
        except (Mismatch, TimeoutError) as exc:
            outcome: Outcome = "failed"
            detail = str(exc)
        else:
            outcome, detail = "passed", ""
            if requirement.expected_logs and self.logs is None:
                detail = "ExpectedLogs not checked: no log source (--no-logs)"
        return Verdict(requirement.id, outcome, detail, function, time.monotonic() - started, requirement.optional)

    def run_all(self, requirements: Iterable[Requirement]) -> list[Verdict]:
        return [self.run(r) for r in requirements]

    # -- one requirement -------------------------------------------------------------------

    def _check(self, requirement: Requirement, function: str) -> None:
        arn, sync_result = self._start(requirement, function)
        for action in sorted(requirement.callback_actions, key=lambda a: a.delay):
            self._act(arn, action)
        execution = self._await_end(arn, requirement)
        history = self._history(arn)
        status = execution.get("Status")
        if requirement.expected_status is not None and status != requirement.expected_status:
            error = execution.get("Error") or {}
            raise Mismatch(
                f"ExecutionStatus: expected {requirement.expected_status}, got {status} "
                f"({error.get('ErrorType', '')}: {error.get('ErrorMessage', '')})"
            )
        if requirement.has_expected_result:
            raw = execution.get("Result")
            if raw is None and sync_result is not None:
                raw = sync_result.result(timeout=self.timeout)
            match_value(requirement.expected_result, json.loads(raw) if raw else None, {}, "Result")
        bindings = match_history(requirement.expected_history, history)
        if requirement.expected_logs and self.logs is not None:
            self._check_logs(requirement, arn, bindings)

    def _start(self, requirement: Requirement, logical_id: str) -> tuple[str, Future[str | None] | None]:
        function = self.targets.get(logical_id, logical_id)
        name = f"conformance-{requirement.id}-{uuid.uuid4().hex[:12]}"
        payload = json.dumps(requirement.input).encode()
        if requirement.asynchronous or requirement.callback_actions:
            response = self.client.invoke(
                FunctionName=function, InvocationType="Event", Payload=payload, DurableExecutionName=name
            )
            return str(response["DurableExecutionArn"]), None
        # A synchronous invoke returns only when the execution ended: run it beside the poller.
        pool = ThreadPoolExecutor(max_workers=1)
        future = pool.submit(self._sync_invoke, function, payload, name)
        pool.shutdown(wait=False)
        return self._arn_by_name(function, name), future

    def _sync_invoke(self, function: str, payload: bytes, name: str) -> str | None:
        response = self.client.invoke(
            FunctionName=function, InvocationType="RequestResponse", Payload=payload, DurableExecutionName=name
        )
        body = response["Payload"].read().decode()
        return None if response.get("FunctionError") else body

    def _arn_by_name(self, function: str, name: str) -> str:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            page = self.client.list_durable_executions_by_function(FunctionName=function, DurableExecutionName=name)
            for execution in page.get("DurableExecutions") or ():
                return str(execution["DurableExecutionArn"])
            time.sleep(self.poll_interval)
        raise TimeoutError(f"no execution named {name} of {function} appeared within {self.timeout} s")

    def _await_end(self, arn: str, requirement: Requirement) -> dict[str, Any]:
        """Until terminal; an async requirement without an expected result only until its events exist."""
        wanted = {e.get("EventId") for e in requirement.expected_history}
        deadline = time.monotonic() + self.timeout
        while True:
            execution: dict[str, Any] = self.client.get_durable_execution(DurableExecutionArn=arn)
            if execution.get("Status") in TERMINAL:
                return execution
            if requirement.expected_status is None and wanted <= {e.get("EventId") for e in self._history(arn)}:
                return execution
            if time.monotonic() > deadline:
                raise TimeoutError(f"execution {arn} still {execution.get('Status')} after {self.timeout} s")
            time.sleep(self.poll_interval)

    def _history(self, arn: str) -> list[dict[str, Any]]:
        return full_history(self.client, arn)

    def _act(self, arn: str, action: CallbackAction) -> None:
        """``Delay`` (modelled seconds) after the execution suspended on it, answer the callback named ``CallbackName``.

        Counting from the suspension, not from the start, keeps the answer after the invocation's
        ``InvocationCompleted`` however slow a loaded machine makes that invocation.
        """
        callback_id = self._callback_id(arn, action.callback_name)
        time.sleep(action.delay / self.time_scale)
        if action.operation == "success":
            # The external system answers with the JSON of the value (a string arrives quoted).
            payload = json.dumps(action.payload)
            self.client.send_durable_execution_callback_success(CallbackId=callback_id, Result=payload.encode())
        elif action.operation == "failure":
            error = action.payload if isinstance(action.payload, dict) else {"ErrorMessage": str(action.payload)}
            self.client.send_durable_execution_callback_failure(CallbackId=callback_id, Error=error)
        elif action.operation == "heartbeat":
            self.client.send_durable_execution_callback_heartbeat(CallbackId=callback_id)
        else:
            raise Mismatch(f"CallbackActions: unknown operation {action.operation!r}")

    def _callback_id(self, arn: str, name: str) -> str:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            events = self._history(arn)
            answered = {e.get("Id") for e in events if e["EventType"] != "CallbackStarted"}
            completed = [e.get("EventId") or 0 for e in events if e["EventType"] == "InvocationCompleted"]
            for event in events:
                if event["EventType"] != "CallbackStarted" or event.get("Id") in answered:
                    continue
                suspended = any(done > (event.get("EventId") or 0) for done in completed)
                if suspended and (name == "*" or event.get("Name") == name):
                    return str(event["CallbackStartedDetails"]["CallbackId"])
            time.sleep(self.poll_interval)
        raise TimeoutError(f"no callback named {name!r} was pending on a suspended execution within {self.timeout} s")

    def _check_logs(self, requirement: Requirement, arn: str, bindings: dict[str, Any]) -> None:
        """Count the matching records; ``${ID1}`` in a pattern is what the history bound it to."""
        if self.logs is None:
            raise Mismatch("ExpectedLogs: this runner has no log source")
        records = self.logs(arn)
        bound = {name: str(value) for name, value in bindings.items()}
        for expectation in requirement.expected_logs:
            pattern = substitute(expectation.match, bound)
            count = match_logs(pattern, records)
            if count != expectation.count:
                raise Mismatch(f"ExpectedLogs {pattern}: expected {expectation.count} records, got {count}")


def format_table(verdicts: list[Verdict]) -> str:
    """A Markdown table of the verdicts and a one-line summary."""
    lines = ["| requirement | outcome | function | detail |", "|---|---|---|---|"]
    for v in verdicts:
        outcome = f"{v.outcome} (optional)" if v.optional and v.outcome == "failed" else v.outcome
        detail = v.detail.replace("|", "\\|").replace("\n", " ")[:160]
        lines.append(f"| {v.id} | {outcome} | {v.function or ''} | {detail} |")
    counts: dict[str, int] = {}
    for v in verdicts:
        counts[v.outcome] = counts.get(v.outcome, 0) + 1
    lines.append("")
    lines.append(", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    return "\n".join(lines)
