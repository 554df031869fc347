"""Durable execution for Powertools for AWS Lambda (Python).

Public names are resolved lazily (PEP 562) so a handler module pays at import only for what
it uses: ``durable_execution`` does not import Powertools, ``durable_handler`` does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from powertools_durable.lazy import lazy_exports
from powertools_durable.package_logger import set_package_logger_handler

__version__ = "0.1.0"

set_package_logger_handler()

_EXPORTS: dict[str, str] = {
    # entry points
    "durable_handler": "powertools_durable.handler",
    "durable_execution": "powertools_durable.handler",
    "get_durable_context": "powertools_durable.execution",
    # context and operations
    "DurableContext": "powertools_durable.context",
    "ExecutionContext": "powertools_durable.context",
    "durable_step": "powertools_durable.context",
    "durable_with_child_context": "powertools_durable.operations.child",
    "durable_wait_for_callback": "powertools_durable.operations.wait_for_callback",
    "WaitForCallbackContext": "powertools_durable.operations.wait_for_callback",
    "Callback": "powertools_durable.operations.callback",
    "WaitForConditionCheckContext": "powertools_durable.operations.wait_for_condition",
    "WaitForConditionConfig": "powertools_durable.operations.wait_for_condition",
    "WaitForConditionDecision": "powertools_durable.operations.wait_for_condition",
    "WaitStrategyConfig": "powertools_durable.operations.wait_for_condition",
    "create_wait_strategy": "powertools_durable.operations.wait_for_condition",
    "StepContext": "powertools_durable.types",
    # configuration
    "Duration": "powertools_durable.config",
    "StepConfig": "powertools_durable.config",
    "ChildConfig": "powertools_durable.config",
    "CallbackConfig": "powertools_durable.config",
    "WaitForCallbackConfig": "powertools_durable.config",
    "InvokeConfig": "powertools_durable.config",
    "StepSemantics": "powertools_durable.config",
    "JitterStrategy": "powertools_durable.config",
    "RetryDecision": "powertools_durable.retries",
    "RetryPresets": "powertools_durable.retries",
    "RetryStrategyConfig": "powertools_durable.retries",
    "create_retry_strategy": "powertools_durable.retries",
    "WithRetryConfig": "powertools_durable.retries",
    "with_retry": "powertools_durable.retries",
    # serialization
    "SerDes": "powertools_durable.serdes",
    "SerDesContext": "powertools_durable.serdes",
    "JsonSerDes": "powertools_durable.serdes",
    "ExtendedTypeSerDes": "powertools_durable.serdes",
    "PassThroughSerDes": "powertools_durable.serdes",
    # errors
    "DurableExecutionsError": "powertools_durable.exceptions",
    "DurableOperationError": "powertools_durable.exceptions",
    "ExecutionError": "powertools_durable.exceptions",
    "InvocationError": "powertools_durable.exceptions",
    "CheckpointError": "powertools_durable.exceptions",
    "ValidationError": "powertools_durable.exceptions",
    "InvalidEnvelopeError": "powertools_durable.exceptions",
    "NonDeterministicExecutionError": "powertools_durable.exceptions",
    "StepError": "powertools_durable.exceptions",
    "StepInterruptedError": "powertools_durable.exceptions",
    "SerDesError": "powertools_durable.exceptions",
    "RetryableSerDesError": "powertools_durable.exceptions",
    "ChildContextError": "powertools_durable.exceptions",
    "InvokeError": "powertools_durable.exceptions",
    "CallbackError": "powertools_durable.exceptions",
    "CallbackExternalError": "powertools_durable.exceptions",
    "CallbackTimeoutError": "powertools_durable.exceptions",
    "CallbackSubmitterError": "powertools_durable.exceptions",
    "WaitForConditionError": "powertools_durable.exceptions",
    "SuspendExecution": "powertools_durable.exceptions",
    "DurableContextNotFoundError": "powertools_durable.exceptions",
    # added for the official SDK's whole user-facing surface (issue 13)
    "OperationContext": "powertools_durable.types",
    "LoggerInterface": "powertools_durable.types",
    "SummaryGenerator": "powertools_durable.types",
    "DurableExecutionArn": "powertools_durable.types",
    "LogInfo": "powertools_durable.logger",
    "LinearRetryStrategyConfig": "powertools_durable.retries",
    "create_linear_retry_strategy": "powertools_durable.retries",
    "FileSystemSerDes": "powertools_durable.filesystem_serdes",
    "FileSystemSerDesConfig": "powertools_durable.filesystem_serdes",
    "FileSystemSerDesMode": "powertools_durable.filesystem_serdes",
    "FileSystemPathEncoding": "powertools_durable.filesystem_serdes",
    "PluginLoadError": "powertools_durable.exceptions",
    "UnrecoverableError": "powertools_durable.exceptions",
    "TerminationReason": "powertools_durable.exceptions",
    "BotoClientError": "powertools_durable.exceptions",
    "GetExecutionStateError": "powertools_durable.exceptions",
    "DurableApiErrorCategory": "powertools_durable.exceptions",
    "CheckpointErrorCategory": "powertools_durable.exceptions",
    "InvalidStateError": "powertools_durable.exceptions",
    "TimedSuspendExecution": "powertools_durable.exceptions",
}

__all__ = [
    "BotoClientError",
    "Callback",
    "CallbackConfig",
    "CallbackError",
    "CallbackExternalError",
    "CallbackSubmitterError",
    "CallbackTimeoutError",
    "CheckpointError",
    "CheckpointErrorCategory",
    "ChildConfig",
    "ChildContextError",
    "DurableApiErrorCategory",
    "DurableContext",
    "DurableContextNotFoundError",
    "DurableExecutionArn",
    "DurableExecutionsError",
    "DurableOperationError",
    "Duration",
    "ExecutionContext",
    "ExecutionError",
    "ExtendedTypeSerDes",
    "FileSystemPathEncoding",
    "FileSystemSerDes",
    "FileSystemSerDesConfig",
    "FileSystemSerDesMode",
    "GetExecutionStateError",
    "InvalidEnvelopeError",
    "InvalidStateError",
    "InvocationError",
    "InvokeConfig",
    "InvokeError",
    "JitterStrategy",
    "JsonSerDes",
    "LinearRetryStrategyConfig",
    "LogInfo",
    "LoggerInterface",
    "NonDeterministicExecutionError",
    "OperationContext",
    "PassThroughSerDes",
    "PluginLoadError",
    "RetryDecision",
    "RetryPresets",
    "RetryStrategyConfig",
    "RetryableSerDesError",
    "SerDes",
    "SerDesContext",
    "SerDesError",
    "StepConfig",
    "StepContext",
    "StepError",
    "StepInterruptedError",
    "StepSemantics",
    "SummaryGenerator",
    "SuspendExecution",
    "TerminationReason",
    "TimedSuspendExecution",
    "UnrecoverableError",
    "ValidationError",
    "WaitForCallbackConfig",
    "WaitForCallbackContext",
    "WaitForConditionCheckContext",
    "WaitForConditionConfig",
    "WaitForConditionDecision",
    "WaitForConditionError",
    "WaitStrategyConfig",
    "WithRetryConfig",
    "__version__",
    "create_linear_retry_strategy",
    "create_retry_strategy",
    "create_wait_strategy",
    "durable_execution",
    "durable_handler",
    "durable_step",
    "durable_wait_for_callback",
    "durable_with_child_context",
    "get_durable_context",
    "with_retry",
]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())


if TYPE_CHECKING:
    from powertools_durable.config import (
        CallbackConfig,
        ChildConfig,
        Duration,
        InvokeConfig,
        JitterStrategy,
        StepConfig,
        StepSemantics,
        WaitForCallbackConfig,
    )
    from powertools_durable.context import DurableContext, ExecutionContext, durable_step
    from powertools_durable.exceptions import (
        BotoClientError,
        CallbackError,
        CallbackExternalError,
        CallbackSubmitterError,
        CallbackTimeoutError,
        CheckpointError,
        CheckpointErrorCategory,
        ChildContextError,
        DurableApiErrorCategory,
        DurableContextNotFoundError,
        DurableExecutionsError,
        DurableOperationError,
        ExecutionError,
        GetExecutionStateError,
        InvalidEnvelopeError,
        InvalidStateError,
        InvocationError,
        InvokeError,
        NonDeterministicExecutionError,
        PluginLoadError,
        RetryableSerDesError,
        SerDesError,
        StepError,
        StepInterruptedError,
        SuspendExecution,
        TerminationReason,
        TimedSuspendExecution,
        UnrecoverableError,
        ValidationError,
        WaitForConditionError,
    )
    from powertools_durable.execution import get_durable_context
    from powertools_durable.filesystem_serdes import (
        FileSystemPathEncoding,
        FileSystemSerDes,
        FileSystemSerDesConfig,
        FileSystemSerDesMode,
    )
    from powertools_durable.handler import durable_execution, durable_handler
    from powertools_durable.logger import LogInfo
    from powertools_durable.operations.callback import Callback
    from powertools_durable.operations.child import durable_with_child_context
    from powertools_durable.operations.wait_for_callback import WaitForCallbackContext, durable_wait_for_callback
    from powertools_durable.operations.wait_for_condition import (
        WaitForConditionCheckContext,
        WaitForConditionConfig,
        WaitForConditionDecision,
        WaitStrategyConfig,
        create_wait_strategy,
    )
    from powertools_durable.retries import (
        LinearRetryStrategyConfig,
        RetryDecision,
        RetryPresets,
        RetryStrategyConfig,
        WithRetryConfig,
        create_linear_retry_strategy,
        create_retry_strategy,
        with_retry,
    )
    from powertools_durable.serdes import ExtendedTypeSerDes, JsonSerDes, PassThroughSerDes, SerDes, SerDesContext
    from powertools_durable.types import (
        DurableExecutionArn,
        LoggerInterface,
        OperationContext,
        StepContext,
        SummaryGenerator,
    )
