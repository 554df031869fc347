"""``PowertoolsDurability``: the Pydantic AI capability that makes an agent run durable on Lambda.

Built on Pydantic AI's engine surface (``pydantic_ai.durable_exec.BaseDurabilityCapability``, the
base of its Temporal, DBOS and Prefect capabilities): Pydantic AI wraps the agent's model and leaf
toolsets so each model request and each tool call is one durable unit, and :class:`StepBackend`
makes each unit a step of the ``async def`` durable handler running the agent. On replay the
agent loop runs again from the start and every completed step returns its checkpoint: the model
is not called again and completed tools do not run again.

Inside the run it also supplies what must be the same on every replay: the run id (from the
execution's ARN), the clock (``context.now()``), and the waits for people (tool approvals and
``wait_for_external_event`` as callbacks, see :mod:`powertools_durable.ai.approvals`).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic_ai.agent import EventStreamHandler
from pydantic_ai.capabilities.abstract import WrapRunHandler
from pydantic_ai.durable_exec import (
    JSON_CODEC,
    BaseDurabilityCapability,
    DurabilityEngineSpec,
    DurableOperationBackend,
    DurableOperationId,
    ModelRequestId,
    ToolsetCallToolId,
    conversation_id_from_run_id,
    external_event_scope,
    replay_scope,
)
from pydantic_ai.durable_exec._operation_backend import in_durable_unit
from pydantic_ai.tools import AgentDepsT, DeferredToolRequests, DeferredToolResults, RunContext
from pydantic_ai.toolsets import AbstractToolset

from powertools_durable.ai.approvals import CallbackWaiter, ToolApprovals
from powertools_durable.ai.backend import StepBackend, StepConfigs, StepNumbers
from powertools_durable.ai.exceptions import NotInDurableHandlerError
from powertools_durable.ai.toolsets import wrap_run_time_leaves
from powertools_durable.aio.context import AsyncDurableContext, current_async_context
from powertools_durable.current import current_context

if TYPE_CHECKING:
    from pydantic_ai.run import AgentRunResult

    from powertools_durable.config import StepConfig
    from powertools_durable.types import StepContext


def _require_context(agent_name: str) -> AsyncDurableContext:
    """The async context running now, or an error that says where a durable agent may run."""
    context = current_async_context.get()
    if context is not None:
        return context
    where = (
        "in a sync durable handler: make the handler `async def`"
        if current_context.get() is not None
        else "outside a durable handler: run it in an `async def` handler decorated with "
        "@durable_handler or @durable_execution"
    )
    raise NotInDurableHandlerError(
        f"agent {agent_name!r} has PowertoolsDurability, whose model requests and tool calls are steps of "
        f"the async durable context running it; it was run {where} (`await agent.run(...)` there)"
    )


@dataclass(init=False, kw_only=True)
class PowertoolsDurability(BaseDurabilityCapability[AgentDepsT]):
    """Make an agent durable: ``Agent(model, name=..., capabilities=[PowertoolsDurability()])``.

    Parameters
    ----------
    model_step_config
        :class:`StepConfig` of every model request step (retry strategy, semantics).
    tool_step_config
        :class:`StepConfig` of every tool call step without a config of its own.
    tool_step_configs
        Per tool name: its :class:`StepConfig` (``{"issue_refund": StepConfig(step_semantics=AT_MOST_ONCE...)}``).
    approvals
        How tool calls that need approval become callbacks (:class:`ToolApprovals`); ``None`` leaves
        them to other capabilities, or to the run's ``DeferredToolRequests`` output.
    name
        The agent's name in its steps' log records; defaults to the agent's ``name``.
    event_stream_handler
        Receives the run's events durably: a model request's events live, inside its step (the step
        replays without them), and each other event (a tool call, a tool result) in a step of its own,
        ``event-stream-handler``, so a replay delivers nothing again. At least once, as any step: a
        model request retried after a failure mid-stream delivers the failed attempt's events first.
    event_step_config
        :class:`StepConfig` of each ``event-stream-handler`` step.
    """

    engine_spec: ClassVar[DurabilityEngineSpec] = DurabilityEngineSpec(
        engine_name="Powertools durable functions",
        durable_unit_noun="step",
        durable_container_noun="durable execution",
        codec=JSON_CODEC,  # checkpoints are JSON: values go through TypeAdapters, never by class name
        wrapped_toolset_kinds=frozenset({"function", "mcp", "dynamic"}),
        toolset_lifecycles={"function": "enter-always", "mcp": "enter-in-durable-unit", "dynamic": "enter-never"},
        tool_call_result_upgrade_lenient=False,
        journal_discovery=True,
        sequential_tools_in_durable_context=False,  # ids are taken in call order: concurrency is safe
        tool_config_key=None,  # per-tool configs are keyed by tool name (tool_step_configs)
    )

    def __init__(
        self,
        *,
        model_step_config: StepConfig | None = None,
        tool_step_config: StepConfig | None = None,
        tool_step_configs: Mapping[str, StepConfig] | None = None,
        approvals: ToolApprovals | None = ToolApprovals(),  # noqa: B008 - frozen, shared safely
        name: str | None = None,
        event_stream_handler: EventStreamHandler[AgentDepsT] | None = None,
        event_step_config: StepConfig | None = None,
    ) -> None:
        super().__init__(name=name, event_stream_handler=event_stream_handler)
        self._configs = StepConfigs(
            model=model_step_config, tool=tool_step_config, tools=tool_step_configs, event=event_step_config
        )
        self._approvals = approvals
        self._numbers = StepNumbers()
        self._run_counts: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()

    @property
    def in_durable_context(self) -> bool:
        # Inside a step's body (an agent run by a tool), the step is the durable unit: run plainly in it.
        return current_async_context.get() is not None and not in_durable_unit()

    def get_durable_operation_backend(self) -> DurableOperationBackend[Any]:
        return StepBackend(configs=self._configs, current=self._context, observe=self._observe, numbers=self._numbers)

    def get_wrapper_toolset(self, toolset: AbstractToolset[AgentDepsT]) -> AbstractToolset[AgentDepsT] | None:
        """The agent's toolsets swapped for their durable wrappers, and toolsets given at run time wrapped too."""
        swapped = super().get_wrapper_toolset(toolset)
        if not self.in_durable_context:
            return swapped
        return wrap_run_time_leaves(swapped or toolset, self._wrap_leaf_toolset) or swapped

    def _context(self) -> AsyncDurableContext:
        return _require_context(self.name)

    def get_default_run_id(self) -> str | None:
        context = current_async_context.get()
        if context is None or in_durable_unit():
            return None
        # The n-th run of this agent in this context: the same id on every replay.
        count = self._run_counts[context.sync] = self._run_counts.get(context.sync, 0) + 1
        return f"{context.state.durable_execution_arn}:{self.name}:{count}"

    def get_default_conversation_id(self, run_id: str) -> str | None:
        return conversation_id_from_run_id(run_id) if self.in_durable_context else None

    def get_run_clock(self) -> Callable[[], datetime] | None:
        context = current_async_context.get()
        return None if context is None or in_durable_unit() else context.now

    async def wrap_run(self, ctx: RunContext[AgentDepsT], *, handler: WrapRunHandler) -> AgentRunResult[Any]:
        """Refuse to run outside an async durable handler; route external events to callbacks.

        Each step reports whether its body ran (``record_durable_unit``), so Pydantic AI's own spans
        of replayed work are not exported again.
        """
        context = _require_context(self.name)
        if in_durable_unit():  # run by a tool: part of that tool's step, checkpointed with its result
            return await handler()
        with replay_scope(), external_event_scope(CallbackWaiter(context)):
            return await super().wrap_run(ctx, handler=handler)

    async def handle_deferred_tool_calls(
        self, ctx: RunContext[AgentDepsT], *, requests: DeferredToolRequests
    ) -> DeferredToolResults | None:
        """Tool calls that need approval: one durable callback each (see :class:`ToolApprovals`)."""
        if self._approvals is None or not requests.approvals or not self.in_durable_context:
            return None
        return await self._approvals.decide(_require_context(self.name), requests)

    def _observe(self, step: StepContext, step_name: str, operation_id: DurableOperationId) -> None:
        """Log each model request and tool call once per attempt that really runs (never on replay)."""
        if isinstance(operation_id, ModelRequestId):
            step.logger.info("model request", extra={"agent": self.name, "model": operation_id.model_name})
        elif isinstance(operation_id, ToolsetCallToolId):
            step.logger.info("tool call", extra={"agent": self.name, "tool": step_name})
