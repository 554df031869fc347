"""The ``durable_emulator`` fixture's verbs against deployed functions, through the Lambda API.

``pytest --durable-target=cloud`` hands tests a :class:`DurableCloud` instead of the emulator: the
same ``run`` / ``run_async`` / ``wait_for_callback`` / ``send_callback_*`` / ``wait_for_result`` /
``history``, done with boto3 (so ``AWS_ENDPOINT_URL_LAMBDA``, ``AWS_REGION`` and ``AWS_PROFILE``
apply as everywhere). Tests keep naming functions by their template logical ids; the map from a
logical id to what is invoked (the alias ARN) comes from the deployed stack or is given explicitly.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from powertools_durable.local.results import ExecutionResult, Operation, error_object, operations, pending_callback
from powertools_durable.service.wire import WireDict
from powertools_durable.tools.replay.history import operations_from_events

TERMINAL = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"})
DEFAULT_ALIAS = "live"  # the templates' AutoPublishAlias


class CloudTargetError(ValueError):
    """The cloud target cannot be set up as asked; the message names what is wrong."""


def parse_function_map(tokens: Iterable[str]) -> dict[str, str]:
    """``Name=ARN`` tokens (several per string, separated by spaces or commas) as a mapping."""
    mapping: dict[str, str] = {}
    for token in (t for text in tokens for t in text.replace(",", " ").split()):
        name, sep, target = token.partition("=")
        if not sep or not name or not target:
            raise CloudTargetError(f"function map entry {token!r} is not Name=ARN (e.g. OrderFunction=arn:...:live)")
        mapping[name] = target
    return mapping


def stack_functions(cloudformation: Any, stack: str, alias: str = DEFAULT_ALIAS) -> dict[str, str]:
    """Each Lambda function of ``stack`` by logical id, as its ``alias`` ARN (its name when it has no alias).

    SAM names a function's ``AutoPublishAlias`` resource ``<LogicalId>Alias<alias>``; its physical id
    is the alias ARN, which is what a durable function is invoked through.
    """
    functions: dict[str, str] = {}
    aliases: dict[str, str] = {}
    for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack):
        for resource in page.get("StackResourceSummaries") or ():
            logical, physical = resource["LogicalResourceId"], resource.get("PhysicalResourceId") or ""
            if resource["ResourceType"] == "AWS::Lambda::Function":
                functions[logical] = physical
            elif resource["ResourceType"] == "AWS::Lambda::Alias":
                aliases[logical] = physical
    if not functions:
        raise CloudTargetError(f"stack {stack!r} has no Lambda functions")
    return {name: aliases.get(f"{name}Alias{alias}", physical) for name, physical in functions.items()}


def full_history(lambda_client: Any, arn: str) -> list[WireDict]:
    """Every event of an execution through GetDurableExecutionHistory: every page, with payloads."""
    events: list[WireDict] = []
    kwargs: dict[str, Any] = {"DurableExecutionArn": arn, "IncludeExecutionData": True}
    while True:
        page = lambda_client.get_durable_execution_history(**kwargs)
        events.extend(page.get("Events") or ())
        if not page.get("NextMarker"):
            return events
        kwargs["Marker"] = page["NextMarker"]


class DurableCloud:
    """Runs tests' executions on deployed functions; the verbs of :class:`LocalEmulator` a test uses."""

    def __init__(self, lambda_client: Any, functions: Mapping[str, str], *, poll_interval: float = 0.5) -> None:
        self._client = lambda_client
        self.functions = dict(functions)
        self.poll_interval = poll_interval

    @property
    def endpoint_url(self) -> str:
        return str(self._client.meta.endpoint_url)

    def client(self) -> Any:
        """The boto3 ``lambda`` client the verbs use."""
        return self._client

    def target(self, function: str) -> str:
        """What ``function`` (a logical id, or already a name or ARN) is invoked as."""
        if function in self.functions:
            return self.functions[function]
        if function.startswith("arn:") or ":" in function:
            return function
        known = ", ".join(sorted(self.functions)) or "none"
        raise CloudTargetError(f"no deployed function for {function!r} (known: {known}); add it to the function map")

    # -- starting and waiting ------------------------------------------------------------------

    def invoke(self, function: str, input: Any = None, *, name: str | None = None) -> str:
        """Start an execution (an asynchronous invoke) and return its ARN."""
        response = self._client.invoke(
            FunctionName=self.target(function),
            InvocationType="Event",
            Payload=json.dumps(input).encode(),
            DurableExecutionName=name or f"test-{uuid.uuid4().hex}",
        )
        return str(response["DurableExecutionArn"])

    run_async = invoke

    def wait(self, arn: str, timeout: float = 60) -> ExecutionResult:
        """Wait (wall seconds) for the execution to end; raise :class:`TimeoutError` if it does not."""
        deadline = time.monotonic() + timeout
        while self._describe(arn).get("Status") not in TERMINAL:
            if time.monotonic() > deadline:
                raise TimeoutError(f"execution {arn} still running after {timeout} s")
            time.sleep(self.poll_interval)
        return self.result(arn)

    wait_for_result = wait

    def run(self, function: str, input: Any = None, *, name: str | None = None, timeout: float = 60) -> ExecutionResult:
        """Start an execution and wait for it to end."""
        return self.wait(self.invoke(function, input, name=name), timeout)

    def result(self, arn: str) -> ExecutionResult:
        """The execution as it is now; ``logs`` is empty (they are in CloudWatch Logs, not in the API)."""
        described = self._describe(arn)
        events = self.history(arn)
        raw = described.get("Result")
        result = json.loads(raw) if raw else None
        status = str(described.get("Status"))
        return ExecutionResult(arn, status, result, described.get("Error"), events, [], self._operations(events))

    def history(self, arn: str) -> list[WireDict]:
        """Every event of the execution (every page, with payloads)."""
        return full_history(self._client, arn)

    # -- callbacks -----------------------------------------------------------------------------

    def wait_for_callback(self, execution_arn: str, name: str | None = None, timeout: float = 60) -> str:
        """Wait (wall seconds) for a pending callback of the execution; its callback id (see LocalEmulator)."""
        deadline = time.monotonic() + timeout
        label = f" named {name!r}" if name else ""
        while True:
            found = pending_callback(self._raw_operations(self.history(execution_arn)), name)
            if found is not None:
                return found
            described = self._describe(execution_arn)
            if described.get("Status") in TERMINAL:
                raise RuntimeError(
                    f"execution {execution_arn} ended {described.get('Status')} before a callback{label} "
                    f"was pending (error: {described.get('Error')})"
                )
            if time.monotonic() > deadline:
                raise TimeoutError(f"no callback{label} pending after {timeout} s")
            time.sleep(self.poll_interval)

    def send_callback_success(self, callback_id: str, result: bytes | str | None = None) -> None:
        payload = result.encode() if isinstance(result, str) else (result or b"")
        self._client.send_durable_execution_callback_success(CallbackId=callback_id, Result=payload)

    def send_callback_failure(self, callback_id: str, error: BaseException | WireDict | str | None = None) -> None:
        self._client.send_durable_execution_callback_failure(CallbackId=callback_id, Error=error_object(error))

    def send_callback_heartbeat(self, callback_id: str) -> None:
        self._client.send_durable_execution_callback_heartbeat(CallbackId=callback_id)

    def release_callbacks(self) -> None:
        """Nothing to release: the service's clock is real (the fixture calls this after each test)."""

    # -- internals -----------------------------------------------------------------------------

    def _describe(self, arn: str) -> WireDict:
        described: WireDict = self._client.get_durable_execution(DurableExecutionArn=arn)
        return described

    @staticmethod
    def _raw_operations(events: list[WireDict]) -> list[WireDict]:
        """The operations folded from the history (the API gives a test no other view of them)."""
        return operations_from_events(events) if events else []

    def _operations(self, events: list[WireDict]) -> list[Operation]:
        return operations(self._raw_operations(events))
