"""``wait_for_condition``'s strategy names where the official SDK keeps them (``…sdk_python.waits``).

The implementation lives with the operation (:mod:`powertools_durable.operations.wait_for_condition`);
this module lets an import line move over by changing only its package.
"""

from __future__ import annotations

from powertools_durable.operations.wait_for_condition import (
    WaitForConditionConfig,
    WaitForConditionDecision,
    WaitStrategyConfig,
    create_wait_strategy,
)

__all__ = ["WaitForConditionConfig", "WaitForConditionDecision", "WaitStrategyConfig", "create_wait_strategy"]
