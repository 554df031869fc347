"""Instrumentation plugins: every hook, in order, on the right thread; a faulty plugin changes nothing."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest

from powertools_durable import (
    DurableContext,
    Duration,
    StepConfig,
    StepError,
    durable_execution,
    get_durable_context,
)
from powertools_durable.local.memory import InMemoryDurableService, run_to_completion
from powertools_durable.plugin import (
    DurableInstrumentationPlugin,
    InvocationEndInfo,
    InvocationStartInfo,
    InvocationStatus,
    OperationChangeInfo,
    OperationEndInfo,
    OperationStartInfo,
    OperationType,
    PropagationInput,
    PropagationMetadata,
    UserFunctionEndInfo,
    UserFunctionOutcome,
    UserFunctionStartInfo,
)
from powertools_durable.retries import RetryDecision
from tests.functional.conftest import op_id


class Recorder(DurableInstrumentationPlugin):
    """Writes down every hook: (hook, info, thread id)."""

    def __init__(self, log: list[tuple[str, Any, int]]) -> None:
        self.log = log
        self.lock = threading.Lock()

    def _note(self, hook: str, info: Any) -> None:
        with self.lock:
            self.log.append((hook, info, threading.get_ident()))

    def on_invocation_start(self, info: InvocationStartInfo) -> None:
        self._note("invocation-start", info)

    def on_invocation_end(self, info: InvocationEndInfo) -> None:
        self._note("invocation-end", info)

    def on_operation_start(self, info: OperationStartInfo) -> None:
        self._note("operation-start", info)

    def on_operation_end(self, info: OperationEndInfo) -> None:
        self._note("operation-end", info)

    def on_operation_change(self, info: OperationChangeInfo) -> None:
        self._note("operation-change", info)

    def on_user_function_start(self, info: UserFunctionStartInfo) -> None:
        self._note("user-start", info)

    def on_user_function_end(self, info: UserFunctionEndInfo) -> None:
        self._note("user-end", info)


class RecorderFactory:
    def __init__(self) -> None:
        self.log: list[tuple[str, Any, int]] = []
        self.infos: list[InvocationStartInfo] = []

    def create_plugin(self, info: InvocationStartInfo, /) -> Recorder:
        self.infos.append(info)
        return Recorder(self.log)

    def hooks(self, *names: str) -> list[tuple[str, Any]]:
        return [(hook, info) for hook, info, _ in self.log if not names or hook in names]


def step_then_wait(event: Any, context: DurableContext) -> str:
    greeting = context.step(lambda _: f"Hello, {event}!", name="greet")
    context.wait(Duration.from_seconds(2), name="pause")
    return greeting


def test_hooks_of_a_step_and_a_wait_over_two_invocations(service: InMemoryDurableService):
    # GIVEN a handler with a step then a wait, and a recording plugin
    factory = RecorderFactory()
    handler = durable_execution(step_then_wait, boto3_client=service, plugins=[factory])

    # WHEN it runs to its end (two invocations)
    run = run_to_completion(handler, "Ada", service=service)

    # THEN one plugin was built per invocation, seeing the first flag, the input and the operations
    assert run.result == "Hello, Ada!"
    first, second = factory.infos
    assert (first.is_first_invocation, second.is_first_invocation) == (True, False)
    assert first.execution_arn == service.durable_execution_arn
    assert first.execution_input == "Ada"
    assert op_id(1) in second.operations
    assert op_id(2) in second.updated_operations
    # AND the hooks came in the official order
    sequence = [(hook, getattr(info, "name", None)) for hook, info in factory.hooks()]
    assert sequence[:9] == [
        ("invocation-start", None),
        ("operation-start", "greet"),
        ("user-start", "greet"),
        ("user-end", "greet"),
        ("operation-end", "greet"),
        ("operation-change", None),
        ("operation-start", "pause"),
        ("operation-change", None),
        ("invocation-end", None),
    ]
    # AND the step's hooks carry its id, attempt and outcome; its end its result
    user_end = next(info for hook, info in factory.hooks("user-end"))
    assert (user_end.operation_id, user_end.attempt, user_end.outcome) == (op_id(1), 1, UserFunctionOutcome.SUCCEEDED)
    assert user_end.operation_type is OperationType.STEP
    step_end = next(info for hook, info in factory.hooks("operation-end") if info.name == "greet")
    assert step_end.result is not None
    assert "Hello, Ada!" in step_end.result
    # AND the first invocation ended PENDING, the second SUCCEEDED with the result
    ends = [info for _, info in factory.hooks("invocation-end")]
    assert [e.status for e in ends] == [InvocationStatus.PENDING, InvocationStatus.SUCCEEDED]
    assert ends[1].execution_result == '"Hello, Ada!"'
    # AND the replayed step got no hook in the second invocation; the wait that elapsed got its end there
    second_start = [i for i, (hook, _) in enumerate(factory.hooks()) if hook == "invocation-start"][1]
    later = [(hook, getattr(info, "name", None)) for hook, info in factory.hooks()[second_start:]]
    assert ("operation-end", "pause") in later
    assert not any(name == "greet" for _, name in later)


def test_attempt_hooks_under_retry_and_failure(service: InMemoryDurableService):
    # GIVEN a step failing on its first attempt, retried once
    factory = RecorderFactory()

    def flaky(step: Any) -> str:
        if step.attempt == 1:
            raise RuntimeError("transient")
        return "ok"

    config = StepConfig(retry_strategy=lambda exc, attempt: RetryDecision.retry(Duration.from_seconds(1)))
    handler = durable_execution(
        lambda event, context: context.step(flaky, name="flaky", config=config),
        boto3_client=service,
        plugins=[factory],
    )

    # WHEN it runs to its end
    run_to_completion(handler, {}, service=service)

    # THEN attempt 1 ended FAILED with its error, attempt 2 SUCCEEDED, both under the step's id
    ends = [info for _, info in factory.hooks("user-end")]
    assert [(e.attempt, e.outcome) for e in ends] == [
        (1, UserFunctionOutcome.FAILED),
        (2, UserFunctionOutcome.SUCCEEDED),
    ]
    assert {e.operation_id for e in ends} == {op_id(1)}
    assert ends[0].error is not None
    assert ends[0].error.message == "transient"
    assert isinstance(ends[0].exception, RuntimeError)


def test_failed_execution_ends_with_failed_status(service: InMemoryDurableService):
    # GIVEN a step that always fails, without retries
    factory = RecorderFactory()
    config = StepConfig(retry_strategy=lambda exc, attempt: RetryDecision.no_retry())
    handler = durable_execution(
        lambda event, context: context.step(lambda _: 1 / 0, name="boom", config=config),
        boto3_client=service,
        plugins=[factory],
    )

    # WHEN it runs
    run = run_to_completion(handler, {}, service=service)

    # THEN the invocation-end hook saw FAILED and the execution's error
    assert run.status == "FAILED"
    (end,) = [info for _, info in factory.hooks("invocation-end")]
    assert end.status is InvocationStatus.FAILED
    assert end.error is not None
    assert end.error.type is not None
    assert "StepError" in end.error.type


class Faulty(DurableInstrumentationPlugin):
    """Every hook raises."""

    def __getattribute__(self, name: str) -> Any:
        if name.startswith("on_") or name == "provide_propagation_metadata":

            def boom(info: Any) -> None:
                raise RuntimeError(f"plugin bug in {name}")

            return boom
        return super().__getattribute__(name)


class FaultyFactory:
    def create_plugin(self, info: InvocationStartInfo, /) -> Faulty:
        return Faulty()


def test_a_plugin_that_raises_changes_nothing(caplog: pytest.LogCaptureFixture):
    # GIVEN the same workflow with and without a plugin whose every hook raises
    plain, faulty = InMemoryDurableService(), InMemoryDurableService()
    recorder = RecorderFactory()
    handler_plain = durable_execution(step_then_wait, boto3_client=plain)
    handler_faulty = durable_execution(step_then_wait, boto3_client=faulty, plugins=[FaultyFactory(), recorder])

    # WHEN both run
    with caplog.at_level(logging.ERROR, logger="powertools_durable"):
        run_plain = run_to_completion(handler_plain, "x", service=plain)
        run_faulty = run_to_completion(handler_faulty, "x", service=faulty)

    # THEN the results and every checkpoint are the same
    assert run_faulty.result == run_plain.result == "Hello, x!"
    assert [c.updates for c in faulty.calls] == [c.updates for c in plain.calls]
    # AND each failure was logged, and the plugin after the faulty one still got every hook
    assert any("plugin bug in on_user_function_start" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)
    assert len(recorder.hooks("invocation-end")) == 2


class BadFactories:
    """Factories that raise, return None, return something that is not a plugin."""

    class Raises:
        def create_plugin(self, info: InvocationStartInfo, /) -> DurableInstrumentationPlugin:
            raise ValueError("factory bug")

    class ReturnsNone:
        def create_plugin(self, info: InvocationStartInfo, /) -> Any:
            return None

    class ReturnsString:
        def create_plugin(self, info: InvocationStartInfo, /) -> Any:
            return "not a plugin"


def test_a_broken_factory_is_skipped(service: InMemoryDurableService, caplog: pytest.LogCaptureFixture):
    # GIVEN broken factories before a working one
    recorder = RecorderFactory()
    factories = [BadFactories.Raises(), BadFactories.ReturnsNone(), BadFactories.ReturnsString(), recorder]
    handler = durable_execution(step_then_wait, boto3_client=service, plugins=factories)

    # WHEN it runs
    with caplog.at_level(logging.ERROR, logger="powertools_durable"):
        run = run_to_completion(handler, "x", service=service)

    # THEN the execution succeeded, the working plugin saw it all, each broken one was reported
    assert run.result == "Hello, x!"
    assert len(recorder.hooks("invocation-start")) == 2
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "Raises exception ignored" in messages
    assert "ReturnsNone returned NoneType" in messages
    assert "ReturnsString returned str" in messages


def test_branches_run_their_hooks_on_their_own_threads(service: InMemoryDurableService):
    # GIVEN a parallel of three branches, each with a step
    factory = RecorderFactory()
    threads: dict[str, int] = {}
    lock = threading.Lock()

    def branch(label: str) -> Any:
        def run(ctx: DurableContext) -> str:
            with lock:
                threads[label] = threading.get_ident()
            return ctx.step(lambda _: label, name=f"step-{label}")

        return run

    handler = durable_execution(
        lambda event, context: context.parallel([branch(x) for x in "abc"]).get_results(),
        boto3_client=service,
        plugins=[factory],
    )

    # WHEN it runs
    run = run_to_completion(handler, {}, service=service)

    # THEN each step's user-function hooks ran on its branch's thread, paired by operation id
    assert run.result == ["a", "b", "c"]
    for label in "abc":
        hooks = [(h, thread) for h, info, thread in factory.log if getattr(info, "name", None) == f"step-{label}"]
        user_hooks = [(h, thread) for h, thread in hooks if h.startswith("user-")]
        assert user_hooks == [("user-start", threads[label]), ("user-end", threads[label])]
    # AND each branch (a CONTEXT) had its own user-function hooks too
    contexts = [info for h, info in factory.hooks("user-start") if info.operation_type is OperationType.CONTEXT]
    assert len({info.operation_id for info in contexts}) == 4  # the parallel and its three branches


class TraceHeader(DurableInstrumentationPlugin):
    def provide_propagation_metadata(self, info: PropagationInput) -> PropagationMetadata | None:
        assert info.target_function_name == "echo"
        return PropagationMetadata(x_amzn_trace_id="Root=1-abc-def;Sampled=1")


class TraceHeaderFactory:
    def create_plugin(self, info: InvocationStartInfo, /) -> TraceHeader:
        return TraceHeader()


def test_propagation_metadata_rides_on_the_invoke_start(service: InMemoryDurableService):
    # GIVEN a plugin providing a trace header, a faulty one before it, and a chained invoke
    handler = durable_execution(
        lambda event, context: context.invoke("echo", {"a": 1}, name="call"),
        boto3_client=service,
        plugins=[FaultyFactory(), TraceHeaderFactory()],
    )

    # WHEN it runs until the invoke is started
    output = handler(_started(service), None)

    # THEN the START carried the first (non-failing) plugin's trace header
    assert output["Status"] == "PENDING"
    (start,) = [u for u in service.updates_of(1) if u["Type"] == "CHAINED_INVOKE"]
    assert start["ChainedInvokeOptions"] == {"FunctionName": "echo", "XAmznTraceId": "Root=1-abc-def;Sampled=1"}


def _started(service: InMemoryDurableService) -> dict[str, Any]:
    service.start({})
    return service.envelope()


def test_without_plugins_the_engine_holds_none(service: InMemoryDurableService):
    # GIVEN a handler without plugins (and no DURABLE_EXECUTION_PLUGINS)
    seen: list[Any] = []

    def body(event: Any, context: DurableContext) -> None:
        seen.append(get_durable_context().state.plugins)

    # WHEN it runs THEN the engine has no plugin runner to call: nothing is built per operation
    run_to_completion(durable_execution(body, boto3_client=service), {}, service=service)
    assert seen == [None]


def test_a_plugin_written_for_the_official_sdk_works_unchanged(service: InMemoryDurableService):
    # GIVEN a plugin subclassing the official SDK's base class
    official = pytest.importorskip("aws_durable_execution_sdk_python.plugin")
    calls: list[str] = []

    class OfficialPlugin(official.DurableInstrumentationPlugin):  # type: ignore[misc]
        def on_invocation_start(self, info: Any) -> None:
            calls.append(f"start first={info.is_first_invocation}")

        def on_invocation_end(self, info: Any) -> None:
            calls.append(f"end {info.status.value}")

    class Factory:
        def create_plugin(self, info: Any, /) -> Any:
            return OfficialPlugin()

    # WHEN it runs on our engine
    handler = durable_execution(step_then_wait, boto3_client=service, plugins=[Factory()])
    run_to_completion(handler, "x", service=service)

    # THEN it received its hooks
    assert calls == ["start first=True", "end PENDING", "start first=False", "end SUCCEEDED"]


def test_a_step_error_seen_by_user_code_is_still_reported(service: InMemoryDurableService):
    # GIVEN a failing step whose StepError the handler catches
    factory = RecorderFactory()
    config = StepConfig(retry_strategy=lambda exc, attempt: RetryDecision.no_retry())

    def body(event: Any, context: DurableContext) -> str:
        try:
            context.step(lambda _: 1 / 0, name="boom", config=config)
        except StepError:
            return "recovered"
        return "unreachable"

    # WHEN it runs
    run = run_to_completion(durable_execution(body, boto3_client=service, plugins=[factory]), {}, service=service)

    # THEN the step's end hook reported FAILED before the handler went on, and the invocation SUCCEEDED
    assert run.result == "recovered"
    (end,) = [info for _, info in factory.hooks("operation-end")]
    assert end.status == "FAILED"
    assert end.error is not None
    assert end.error.type == "ZeroDivisionError"
    assert factory.hooks()[-1][1].status is InvocationStatus.SUCCEEDED


def test_a_virtual_child_reports_its_end_on_every_run(service: InMemoryDurableService):
    # GIVEN a virtual child context (no checkpoint of its own) holding a wait, so it runs twice
    from powertools_durable import ChildConfig

    factory = RecorderFactory()

    def child(ctx: DurableContext) -> str:
        ctx.wait(Duration.from_seconds(1))
        return "done"

    handler = durable_execution(
        lambda event, context: context.run_in_child_context(child, name="flat", config=ChildConfig(is_virtual=True)),
        boto3_client=service,
        plugins=[factory],
    )

    # WHEN it runs to its end (two invocations)
    run = run_to_completion(handler, {}, service=service)

    # THEN its end was reported once, by the run that returned (the first one suspended in the wait)
    assert run.result == "done"
    ends = [info for _, info in factory.hooks("operation-end") if info.name == "flat"]
    assert [(e.status, e.operation_type) for e in ends] == [("SUCCEEDED", OperationType.CONTEXT)]
    assert len(factory.hooks("invocation-start")) == 2
