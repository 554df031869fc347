"""Functions answering AWS's instrumentation-plugin conformance requirements (10-x), one handler per requirement.

Each registers plugin factories with ``durable_execution(plugins=[...])``, as a handler written for
the official SDK does. The plugins print one JSON object per hook to stdout, stamped with the
execution ARN the invocation-start hook received (so execution-scoped log retrieval finds them).
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger

from powertools_durable import (
    DurableContext,
    Duration,
    JitterStrategy,
    RetryPresets,
    RetryStrategyConfig,
    StepConfig,
    StepContext,
    create_retry_strategy,
    durable_execution,
    durable_step,
)
from powertools_durable.plugin import (
    DurableInstrumentationPlugin,
    InvocationEndInfo,
    InvocationStartInfo,
    OperationEndInfo,
    OperationStartInfo,
    OperationType,
    UserFunctionEndInfo,
    UserFunctionStartInfo,
)

logger = Logger(service="conformance")


class ConformancePlugin(DurableInstrumentationPlugin):
    """Prints ``{"plugin": label, "hook": ...}`` per hook; a faulty one raises after printing."""

    def __init__(self, label: str, *, attempts: bool = False, faulty: bool = False) -> None:
        self.label = label
        self.attempts = attempts or faulty
        self.faulty = faulty
        self.arn: str | None = None

    def _emit(self, hook: str, **fields: Any) -> None:
        record = {"plugin": self.label, "hook": hook, **fields, "durableExecutionArn": self.arn}
        print(json.dumps(record), flush=True)
        if self.faulty:
            raise RuntimeError(f"{self.label} fails in {hook} on purpose")

    def on_invocation_start(self, info: InvocationStartInfo) -> None:
        self.arn = info.execution_arn
        self._emit("invocation-start", first=info.is_first_invocation)

    def on_invocation_end(self, info: InvocationEndInfo) -> None:
        self._emit("invocation-end", status=info.status.value)

    def on_operation_start(self, info: OperationStartInfo) -> None:
        if self.faulty and info.operation_type is OperationType.STEP:
            self._emit("operation-start")

    def on_operation_end(self, info: OperationEndInfo) -> None:
        if self.faulty and info.operation_type is OperationType.STEP:
            self._emit("operation-end")

    def on_user_function_start(self, info: UserFunctionStartInfo) -> None:
        if self.attempts and info.operation_type is OperationType.STEP:
            self._emit("attempt-start", n=info.attempt, op=info.operation_id)

    def on_user_function_end(self, info: UserFunctionEndInfo) -> None:
        if self.attempts and info.operation_type is OperationType.STEP:
            self._emit("attempt-end", n=info.attempt, outcome=info.outcome.value, op=info.operation_id)


class ConformancePluginFactory:
    """One :class:`ConformancePlugin` per invocation."""

    def __init__(self, label: str, *, attempts: bool = False, faulty: bool = False) -> None:
        self.label, self.attempts, self.faulty = label, attempts, faulty

    def create_plugin(self, info: InvocationStartInfo, /) -> ConformancePlugin:
        return ConformancePlugin(self.label, attempts=self.attempts, faulty=self.faulty)


PLUGIN = ConformancePluginFactory("CONFPLUGIN")


@durable_step
def greet(step: StepContext, name: str) -> str:
    logger.info(f"Greeting step running for: {name}")
    return f"Hello, {name}!"


@durable_execution(plugins=[PLUGIN])
def plugin_lifecycle(event: str, context: DurableContext) -> str:  # 10-1
    return context.step(greet(event))


def _unreliable(step: StepContext) -> str:
    if step.attempt == 1:
        raise RuntimeError("attempt 1 fails on purpose")
    return "Operation succeeded"


RETRY_ONCE = create_retry_strategy(
    RetryStrategyConfig(max_attempts=3, initial_delay=Duration.from_seconds(1), jitter_strategy=JitterStrategy.NONE)
)


@durable_execution(plugins=[ConformancePluginFactory("CONFPLUGIN", attempts=True)])
def plugin_attempts(event: Any, context: DurableContext) -> str:  # 10-3
    return context.step(_unreliable, name="unreliable", config=StepConfig(retry_strategy=RETRY_ONCE))


@durable_execution(plugins=[ConformancePluginFactory("CONFPLUGIN-FAULTY", faulty=True)])
def plugin_faulty(event: str, context: DurableContext) -> str:  # 10-4
    return context.step(greet(event))


@durable_execution(plugins=[ConformancePluginFactory("CONFPLUGIN-A"), ConformancePluginFactory("CONFPLUGIN-B")])
def plugin_multiple(event: str, context: DurableContext) -> str:  # 10-5
    return context.step(greet(event))


@durable_execution(plugins=[PLUGIN])
def plugin_replay_flag(event: Any, context: DurableContext) -> None:  # 10-6
    context.wait(Duration.from_seconds(2))


def _always_fails(step: StepContext) -> str:
    raise RuntimeError("always fails")


@durable_execution(plugins=[PLUGIN])
def plugin_failure(event: Any, context: DurableContext) -> str:  # 10-7
    return context.step(_always_fails, name="always_fail", config=StepConfig(retry_strategy=RetryPresets.none()))
