"""How Pydantic AI's durable operations become steps: names, step configs, and the step itself.

Pydantic AI hands every durable unit of an agent run (a model request, a tool call, ...) to an
operation backend as an ``async`` body; :class:`StepBackend` runs that body as one
``await context.step(...)`` of the async context running the agent. The body returns a JSON-ready
value (Pydantic AI's ``JSON_CODEC`` dumps a ``ModelResponse`` through its ``TypeAdapter``), written
with :class:`~powertools_durable.JsonSerDes`: the checkpoint is plain JSON and decoding it names
no class. On replay the step returns its checkpoint, so the body (the model call, the tool) does
not run again.

Step ids are the async context's, taken when ``execute`` calls ``context.step``; Pydantic AI
starts the tool calls of one model response as tasks in the response's order and none of them
waits before reaching its step, so concurrent tool calls take their ids in that order on every
replay.
"""

from __future__ import annotations

import dataclasses
import weakref
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from pydantic_ai.durable_exec import (
    CallableOperationBackend,
    CapabilityOperationId,
    DurableOperationConfig,
    DurableOperationId,
    EventStreamHandlerId,
    ModelCancelSuspendedResponseId,
    ModelCompactMessagesId,
    ModelRequestId,
    OperationConfigRole,
    ToolsetCallToolId,
    ToolsetGetInstructionsId,
    ToolsetGetToolsId,
    ToolsetValidateToolArgumentsId,
    record_durable_unit,
)
from pydantic_ai.durable_exec._operation_names import DurableInvocationName

from powertools_durable.config import StepConfig
from powertools_durable.serdes import JsonSerDes

if TYPE_CHECKING:
    from powertools_durable.aio import AsyncDurableContext
    from powertools_durable.types import StepContext

# Names that number their occurrences in an execution: ``model-request-1``, ``model-request-2`` ...
_NUMBERED = ("model-request", "compact-messages", "cancel-response")


class StepNamer:
    """Step names that read well in the history: ``model-request-<n>``, a tool's own name, ...

    Names are persisted: a replay matches each checkpoint by name, so they never change for an
    operation (the numbers are added per execution by :class:`StepBackend`).
    """

    def operation_name(self, operation_id: DurableOperationId) -> str:
        match operation_id:
            case ModelRequestId():
                return "model-request"
            case ModelCompactMessagesId():
                return "compact-messages"
            case ModelCancelSuspendedResponseId():
                return "cancel-response"
            case ToolsetCallToolId(toolset_kind=kind, toolset_id=toolset_id) if kind == "mcp":
                return f"mcp-call-{toolset_id}"
            case ToolsetCallToolId():
                return "tool"
            case ToolsetValidateToolArgumentsId():
                return "validate"
            case ToolsetGetToolsId(toolset_id=toolset_id):
                return f"list-tools-{toolset_id}"
            case ToolsetGetInstructionsId(toolset_id=toolset_id):
                return f"instructions-{toolset_id}"
            case EventStreamHandlerId():
                return "event-stream-handler"
            case CapabilityOperationId(capability_id=capability_id, operation=operation):
                return f"capability-{capability_id}.{operation}"
            case _:  # the union grows in minor releases of Pydantic AI
                return type(operation_id).__name__

    def invocation_name(self, operation_id: DurableOperationId, *, label: str | None) -> DurableInvocationName:
        name = self.operation_name(operation_id)
        if isinstance(operation_id, ToolsetCallToolId | ToolsetValidateToolArgumentsId) and label:
            name = label if name == "tool" else f"{name}-{label}"
        return DurableInvocationName(name)


class StepConfigs(DurableOperationConfig[StepConfig]):
    """The :class:`StepConfig` of each operation: per role (model, tool, event), and per tool name for tool calls.

    A config without ``serdes`` gets :class:`JsonSerDes` (the values are already JSON-ready).
    """

    def __init__(
        self,
        *,
        model: StepConfig | None = None,
        tool: StepConfig | None = None,
        tools: Mapping[str, StepConfig] | None = None,
        event: StepConfig | None = None,
    ) -> None:
        self._model = _json(model)
        self._tool = _json(tool)
        self._event = _json(event)
        self._tools = {name: _json(config) for name, config in (tools or {}).items()}

    def base(self, role: OperationConfigRole, *, operation_id: DurableOperationId) -> StepConfig:
        if role == "model":
            return self._model
        if role == "tool":
            return self._tool
        if role == "event":
            return self._event
        return _json(None)

    def for_tool(
        self,
        role: OperationConfigRole,
        *,
        operation_id: DurableOperationId,
        tool: object | None,
        tool_name: str,
    ) -> StepConfig | Literal[False]:
        return self._tools.get(tool_name, self._tool)


def _json(config: StepConfig | None) -> StepConfig:
    if config is None:
        return StepConfig(serdes=JsonSerDes())
    return config if config.serdes is not None else dataclasses.replace(config, serdes=JsonSerDes())


class StepNumbers:
    """Numbers ``model-request`` (and the like) in call order per context: a replay counts again from 1.

    Owned by the capability: Pydantic AI asks for a backend per model request.
    """

    def __init__(self) -> None:
        self._counts: weakref.WeakKeyDictionary[Any, dict[str, int]] = weakref.WeakKeyDictionary()

    def name(self, context: AsyncDurableContext, name: str) -> str:
        """``name``, numbered when it is one of the numbered names."""
        if name not in _NUMBERED:
            return name
        counts = self._counts.setdefault(context.sync, {})
        counts[name] = counts.get(name, 0) + 1
        return f"{name}-{counts[name]}"


class StepBackend(CallableOperationBackend[StepConfig]):
    """Runs each durable unit of an agent run as a step of the async context that runs the agent."""

    def __init__(
        self,
        *,
        configs: StepConfigs,
        current: Callable[[], AsyncDurableContext],
        observe: Callable[[StepContext, str, DurableOperationId], None],
        numbers: StepNumbers,
    ) -> None:
        super().__init__(namer=StepNamer(), config=configs)
        self._current = current
        self._observe = observe
        self._numbers = numbers

    async def execute(
        self,
        *,
        operation_id: DurableOperationId,
        name: str,
        body: Callable[[], Awaitable[object]],
        cache_key: tuple[object, ...],
        config: StepConfig,
    ) -> object:
        context = self._current()
        step_name = self._numbers.name(context, name)
        ran = False

        async def run(step_context: StepContext) -> object:
            nonlocal ran
            ran = True
            self._observe(step_context, step_name, operation_id)
            return await body()

        result: object = await context.step(run, name=step_name, config=config)
        record_durable_unit(executed=ran)
        return result
