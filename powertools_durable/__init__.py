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
    "PydanticSerDes": "powertools_durable.serdes",
    "DataclassSerDes": "powertools_durable.serdes",
    "TypedSerDes": "powertools_durable.serdes",
    # errors
    "DurableExecutionsError": "powertools_durable.exceptions",
    "DurableOperationError": "powertools_durable.exceptions",
    "ExecutionError": "powertools_durable.exceptions",
    "InvocationError": "powertools_durable.exceptions",
    "CheckpointError": "powertools_durable.exceptions",
    "ValidationError": "powertools_durable.exceptions",
    "InvalidEnvelopeError": "powertools_durable.exceptions",
    "NonDeterministicExecutionError": "powertools_durable.exceptions",
    "ReplaySafetyError": "powertools_durable.exceptions",
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
    # fan-out (parallel, map)
    "NestingType": "powertools_durable.concurrency.config",
    "BatchItemStatus": "powertools_durable.concurrency.config",
    "CompletionOutcome": "powertools_durable.concurrency.config",
    "CompletionDecision": "powertools_durable.concurrency.config",
    "continue_batch": "powertools_durable.concurrency.config",
    "complete_batch": "powertools_durable.concurrency.config",
    "CompletionItemStatus": "powertools_durable.concurrency.config",
    "CompletionStatus": "powertools_durable.concurrency.config",
    "CompletionConfig": "powertools_durable.concurrency.config",
    "ParallelConfig": "powertools_durable.concurrency.config",
    "ParallelBranch": "powertools_durable.concurrency.config",
    "MapConfig": "powertools_durable.concurrency.config",
    "BatchResult": "powertools_durable.concurrency.batch",
    "BatchItem": "powertools_durable.concurrency.batch",
    "CompletionReason": "powertools_durable.concurrency.batch",
    "BatchCompletionError": "powertools_durable.concurrency.batch",
    "ErrorObject": "powertools_durable.concurrency.batch",
    "durable_parallel_branch": "powertools_durable.operations.batch",
}

__all__ = [
    "BatchCompletionError",
    "BatchItem",
    "BatchItemStatus",
    "BatchResult",
    "Callback",
    "CallbackConfig",
    "CallbackError",
    "CallbackExternalError",
    "CallbackSubmitterError",
    "CallbackTimeoutError",
    "CheckpointError",
    "ChildConfig",
    "ChildContextError",
    "CompletionConfig",
    "CompletionDecision",
    "CompletionItemStatus",
    "CompletionOutcome",
    "CompletionReason",
    "CompletionStatus",
    "DataclassSerDes",
    "DurableContext",
    "DurableContextNotFoundError",
    "DurableExecutionsError",
    "DurableOperationError",
    "Duration",
    "ErrorObject",
    "ExecutionContext",
    "ExecutionError",
    "ExtendedTypeSerDes",
    "InvalidEnvelopeError",
    "InvocationError",
    "InvokeConfig",
    "InvokeError",
    "JitterStrategy",
    "JsonSerDes",
    "MapConfig",
    "NestingType",
    "NonDeterministicExecutionError",
    "ParallelBranch",
    "ParallelConfig",
    "PassThroughSerDes",
    "PydanticSerDes",
    "ReplaySafetyError",
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
    "SuspendExecution",
    "TypedSerDes",
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
    "complete_batch",
    "continue_batch",
    "create_retry_strategy",
    "create_wait_strategy",
    "durable_execution",
    "durable_handler",
    "durable_parallel_branch",
    "durable_step",
    "durable_wait_for_callback",
    "durable_with_child_context",
    "get_durable_context",
    "with_retry",
]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())


if TYPE_CHECKING:
    from powertools_durable.concurrency.batch import (
        BatchCompletionError,
        BatchItem,
        BatchResult,
        CompletionReason,
        ErrorObject,
    )
    from powertools_durable.concurrency.config import (
        BatchItemStatus,
        CompletionConfig,
        CompletionDecision,
        CompletionItemStatus,
        CompletionOutcome,
        CompletionStatus,
        MapConfig,
        NestingType,
        ParallelBranch,
        ParallelConfig,
        complete_batch,
        continue_batch,
    )
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
        CallbackError,
        CallbackExternalError,
        CallbackSubmitterError,
        CallbackTimeoutError,
        CheckpointError,
        ChildContextError,
        DurableContextNotFoundError,
        DurableExecutionsError,
        DurableOperationError,
        ExecutionError,
        InvalidEnvelopeError,
        InvocationError,
        InvokeError,
        NonDeterministicExecutionError,
        ReplaySafetyError,
        RetryableSerDesError,
        SerDesError,
        StepError,
        StepInterruptedError,
        SuspendExecution,
        ValidationError,
        WaitForConditionError,
    )
    from powertools_durable.execution import get_durable_context
    from powertools_durable.handler import durable_execution, durable_handler
    from powertools_durable.operations.batch import durable_parallel_branch
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
        RetryDecision,
        RetryPresets,
        RetryStrategyConfig,
        WithRetryConfig,
        create_retry_strategy,
        with_retry,
    )
    from powertools_durable.serdes import (
        DataclassSerDes,
        ExtendedTypeSerDes,
        JsonSerDes,
        PassThroughSerDes,
        PydanticSerDes,
        SerDes,
        SerDesContext,
        TypedSerDes,
    )
    from powertools_durable.types import StepContext
