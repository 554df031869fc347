"""Retry strategies: a retry strategy is a plain ``(error, attempts_made) -> RetryDecision`` callable.

The delay is decided once, on the attempt that failed, and checkpointed as
``NextAttemptDelaySeconds``; a replay never re-draws the jitter.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from powertools_durable.config import Duration, JitterStrategy
from powertools_durable.exceptions import ExecutionError, InvocationError, SuspendExecution

if TYPE_CHECKING:
    from powertools_durable.config import ChildConfig
    from powertools_durable.context import DurableContext

T = TypeVar("T")

RetryStrategy = Callable[[Exception, int], "RetryDecision"]


@dataclass
class RetryDecision:
    """Whether to retry a failed attempt, and after how long."""

    should_retry: bool
    delay: Duration

    @property
    def delay_seconds(self) -> int:
        return self.delay.to_seconds()

    @classmethod
    def retry(cls, delay: Duration) -> RetryDecision:
        return cls(should_retry=True, delay=delay)

    @classmethod
    def no_retry(cls) -> RetryDecision:
        return cls(should_retry=False, delay=Duration())


@dataclass
class RetryStrategyConfig:
    """Exponential backoff: ``min(initial_delay * backoff_rate**(attempt-1), max_delay)`` plus jitter.

    ``retryable_errors`` (substrings or compiled patterns of the message) and
    ``retryable_error_types`` narrow what is retried; with neither, every error is.
    """

    max_attempts: int = 3
    initial_delay: Duration = field(default_factory=lambda: Duration.from_seconds(5))
    max_delay: Duration = field(default_factory=lambda: Duration.from_minutes(5))
    backoff_rate: float = 2.0
    jitter_strategy: JitterStrategy = JitterStrategy.FULL
    retryable_errors: list[str | re.Pattern[str]] | None = None
    retryable_error_types: list[type[Exception]] | None = None

    @property
    def initial_delay_seconds(self) -> int:
        return self.initial_delay.to_seconds()

    @property
    def max_delay_seconds(self) -> int:
        return self.max_delay.to_seconds()


@dataclass
class LinearRetryStrategyConfig:
    """Linear backoff: ``min(initial_delay + increment * (attempt-1), max_delay)`` plus jitter.

    ``retryable_errors`` and ``retryable_error_types`` narrow what is retried, as in
    :class:`RetryStrategyConfig`.
    """

    max_attempts: int = 6
    initial_delay: Duration = field(default_factory=lambda: Duration.from_seconds(1))
    increment: Duration = field(default_factory=lambda: Duration.from_seconds(1))
    max_delay: Duration = field(default_factory=lambda: Duration.from_minutes(5))
    jitter_strategy: JitterStrategy = JitterStrategy.FULL
    retryable_errors: list[str | re.Pattern[str]] | None = None
    retryable_error_types: list[type[Exception]] | None = None

    @property
    def initial_delay_seconds(self) -> int:
        return self.initial_delay.to_seconds()

    @property
    def increment_seconds(self) -> int:
        return self.increment.to_seconds()

    @property
    def max_delay_seconds(self) -> int:
        return self.max_delay.to_seconds()


def apply_jitter(strategy: JitterStrategy, delay: float) -> int:
    """Jittered delay in whole seconds, never below the service's minimum of 1."""
    return strategy.finalize_delay(delay)


def backoff_delay(
    initial_seconds: int, backoff_rate: float, attempts_made: int, max_seconds: int, jitter: JitterStrategy
) -> Duration:
    """The delay after attempt ``attempts_made``: ``min(initial * rate**(n-1), max)``, jittered (>= 1 s).

    Shared by step retries and ``wait_for_condition`` polling, which back off the same way.
    """
    base = min(initial_seconds * backoff_rate ** (attempts_made - 1), max_seconds)
    return Duration(apply_jitter(jitter, base))


def _is_retryable(error: Exception, config: RetryStrategyConfig | LinearRetryStrategyConfig) -> bool:
    if config.retryable_errors is None and config.retryable_error_types is None:
        return True
    message = str(error)
    by_message = any(
        p.search(message) if isinstance(p, re.Pattern) else p in message for p in config.retryable_errors or ()
    )
    return by_message or isinstance(error, tuple(config.retryable_error_types or ()))


def create_retry_strategy(config: RetryStrategyConfig | None = None) -> RetryStrategy:
    """Build a retry strategy from ``config`` (defaults: 3 attempts, 5 s doubling, full jitter)."""
    cfg = config or RetryStrategyConfig()

    def strategy(error: Exception, attempts_made: int) -> RetryDecision:
        if attempts_made >= cfg.max_attempts or not _is_retryable(error, cfg):
            return RetryDecision.no_retry()
        return RetryDecision.retry(
            backoff_delay(
                cfg.initial_delay_seconds, cfg.backoff_rate, attempts_made, cfg.max_delay_seconds, cfg.jitter_strategy
            )
        )

    return strategy


def create_linear_retry_strategy(config: LinearRetryStrategyConfig | None = None) -> RetryStrategy:
    """Build a strategy whose delay grows linearly (defaults: 6 attempts, 1 s, 2 s, 3 s …, full jitter)."""
    cfg = config or LinearRetryStrategyConfig()

    def strategy(error: Exception, attempts_made: int) -> RetryDecision:
        if attempts_made >= cfg.max_attempts or not _is_retryable(error, cfg):
            return RetryDecision.no_retry()
        base = min(cfg.initial_delay_seconds + cfg.increment_seconds * (attempts_made - 1), cfg.max_delay_seconds)
        return RetryDecision.retry(Duration(cfg.jitter_strategy.finalize_delay(base)))

    return strategy


class RetryPresets:
    """Ready-made strategies with the official SDK's names and values."""

    @classmethod
    def none(cls) -> RetryStrategy:
        return create_retry_strategy(RetryStrategyConfig(max_attempts=1))

    @classmethod
    def default(cls) -> RetryStrategy:
        return create_retry_strategy(
            RetryStrategyConfig(
                max_attempts=6,
                initial_delay=Duration.from_seconds(5),
                max_delay=Duration.from_minutes(1),
                backoff_rate=2,
            )
        )

    @classmethod
    def transient(cls) -> RetryStrategy:
        return create_retry_strategy(
            RetryStrategyConfig(max_attempts=3, backoff_rate=2, jitter_strategy=JitterStrategy.HALF)
        )

    @classmethod
    def resource_availability(cls) -> RetryStrategy:
        return create_retry_strategy(
            RetryStrategyConfig(
                max_attempts=5,
                initial_delay=Duration.from_seconds(5),
                max_delay=Duration.from_minutes(5),
                backoff_rate=2,
            )
        )

    @classmethod
    def critical(cls) -> RetryStrategy:
        return create_retry_strategy(
            RetryStrategyConfig(
                max_attempts=10,
                initial_delay=Duration.from_seconds(1),
                max_delay=Duration.from_minutes(1),
                backoff_rate=1.5,
                jitter_strategy=JitterStrategy.NONE,
            )
        )

    @classmethod
    def linear(cls) -> RetryStrategy:
        """6 attempts, 1 s, 2 s, 3 s, 4 s, 5 s apart, no jitter."""
        return create_linear_retry_strategy(
            LinearRetryStrategyConfig(
                max_attempts=6,
                initial_delay=Duration.from_seconds(1),
                increment=Duration.from_seconds(1),
                jitter_strategy=JitterStrategy.NONE,
            )
        )

    @classmethod
    def fixed(cls, interval: Duration | None = None) -> RetryStrategy:
        """5 attempts, ``interval`` (default 5 s) apart, no jitter."""
        delay = interval if interval is not None else Duration.from_seconds(5)
        return create_retry_strategy(
            RetryStrategyConfig(
                max_attempts=5,
                initial_delay=delay,
                max_delay=delay,
                backoff_rate=1,
                jitter_strategy=JitterStrategy.NONE,
            )
        )


@dataclass(frozen=True)
class WithRetryConfig(Generic[T]):
    """How :func:`with_retry` retries a block of durable operations.

    ``wrap_with_run_in_child_context`` (default) runs the attempts in one child context, so a
    final failure surfaces as ``ChildContextError``; otherwise the last error propagates as it is.
    """

    retry_strategy: RetryStrategy | None = None
    wrap_with_run_in_child_context: bool = True
    child_context_config: ChildConfig[T] | None = None


def with_retry(
    context: DurableContext,
    func: Callable[[DurableContext, int], T],
    config: WithRetryConfig[T],
    name: str | None = None,
) -> T:
    """Run ``func(context, attempt)`` again after a durable backoff wait until it succeeds or the strategy gives up.

    Unlike a step's retries, the whole body is retried, whatever durable operations it holds;
    each backoff is a ``wait`` (named ``{name}-backoff-{attempt}`` when ``name`` is given), so
    replay walks the same attempts from their checkpoints.
    """
    strategy = config.retry_strategy or create_retry_strategy()

    def attempts(ctx: DurableContext) -> T:
        attempt = 0
        while True:
            attempt += 1
            try:
                return func(ctx, attempt)
            except (SuspendExecution, InvocationError, ExecutionError):
                raise  # suspension, a failed invocation (Lambda retries it) or a doomed execution: never retried here
            except Exception as error:
                decision = strategy(error, attempt)
                if not decision.should_retry:
                    raise
                ctx.wait(decision.delay, name=f"{name}-backoff-{attempt}" if name else None)

    if config.wrap_with_run_in_child_context:
        child_config: Any = config.child_context_config
        return context.run_in_child_context(attempts, name=name, config=child_config)
    return attempts(context)
