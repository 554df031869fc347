"""Retry strategies: backoff, jitter bounds, presets and error filtering (official SDK's values)."""

from __future__ import annotations

import re

import pytest

from powertools_durable import (
    Duration,
    JitterStrategy,
    RetryDecision,
    RetryPresets,
    RetryStrategyConfig,
    create_retry_strategy,
)
from powertools_durable.retries import apply_jitter


@pytest.fixture
def random_value(monkeypatch):
    """Pin random.random() to a value the test chooses."""

    def pin(value: float) -> None:
        monkeypatch.setattr("powertools_durable.config.random.random", lambda: value)

    return pin


@pytest.mark.parametrize(
    ("strategy", "rand", "delay", "expected"),
    [
        (JitterStrategy.NONE, 0.0, 10.0, 10),
        (JitterStrategy.NONE, 0.99, 2.5, 3),  # rounded up
        (JitterStrategy.FULL, 0.0, 10.0, 1),  # never below 1
        (JitterStrategy.FULL, 0.5, 10.0, 5),
        (JitterStrategy.FULL, 0.999999, 10.0, 10),
        (JitterStrategy.HALF, 0.0, 10.0, 5),
        (JitterStrategy.HALF, 0.999999, 10.0, 10),
        (JitterStrategy.HALF, 0.5, 10.0, 8),  # 5 + 2.5 -> 7.5 -> 8
    ],
)
def test_jitter_values(random_value, strategy, rand, delay, expected):
    # GIVEN random.random() pinned / WHEN jitter is applied / THEN the delay is the official formula, ceil'd
    random_value(rand)
    assert apply_jitter(strategy, delay) == expected


@pytest.mark.parametrize(
    ("strategy", "low", "high"),
    [(JitterStrategy.NONE, 20, 20), (JitterStrategy.HALF, 10, 20), (JitterStrategy.FULL, 1, 20)],
)
def test_jitter_bounds_over_many_draws(strategy, low, high):
    # GIVEN a base delay of 20 s / WHEN jittered 500 times / THEN every delay is inside the strategy's bounds
    delays = {apply_jitter(strategy, 20.0) for _ in range(500)}
    assert min(delays) >= low
    assert max(delays) <= high
    if strategy is not JitterStrategy.NONE:
        assert len(delays) > 1


def test_exponential_backoff_capped_at_max_delay():
    # GIVEN 2 s doubling, capped at 10 s, no jitter
    strategy = create_retry_strategy(
        RetryStrategyConfig(
            max_attempts=10,
            initial_delay=Duration(2),
            max_delay=Duration(10),
            backoff_rate=2,
            jitter_strategy=JitterStrategy.NONE,
        )
    )

    # WHEN attempts 1..5 fail / THEN the delays double then stay at the cap
    assert [strategy(ValueError(), n).delay_seconds for n in range(1, 6)] == [2, 4, 8, 10, 10]
    assert all(strategy(ValueError(), n).should_retry for n in range(1, 10))


def test_max_attempts_stops_retrying():
    # GIVEN max_attempts=3 / WHEN attempts 2 and 3 have failed / THEN retry after 2, not after 3
    strategy = create_retry_strategy(RetryStrategyConfig(max_attempts=3))
    assert strategy(ValueError(), 2).should_retry
    assert strategy(ValueError(), 3) == RetryDecision.no_retry()


def test_default_config_values():
    # GIVEN the default RetryStrategyConfig / THEN it has the official SDK's defaults
    config = RetryStrategyConfig()
    assert (config.max_attempts, config.initial_delay_seconds, config.max_delay_seconds) == (3, 5, 300)
    assert (config.backoff_rate, config.jitter_strategy) == (2.0, JitterStrategy.FULL)


@pytest.mark.parametrize(
    ("preset", "attempts"),
    [
        (RetryPresets.none, 1),
        (RetryPresets.default, 6),
        (RetryPresets.transient, 3),
        (RetryPresets.resource_availability, 5),
        (RetryPresets.critical, 10),
    ],
)
def test_presets_attempt_counts(preset, attempts):
    # GIVEN a preset / WHEN attempts fail one by one / THEN it retries until `attempts` attempts were made
    strategy = preset()
    decisions = [strategy(RuntimeError("x"), n).should_retry for n in range(1, attempts + 1)]
    assert decisions == [True] * (attempts - 1) + [False]


def test_default_preset_delay_bounds(random_value):
    # GIVEN the default preset with the jitter draw at its top
    random_value(0.999999)
    strategy = RetryPresets.default()

    # WHEN attempts 1..5 fail / THEN 5 s doubling, capped at 60 s
    assert [strategy(RuntimeError(), n).delay_seconds for n in range(1, 6)] == [5, 10, 20, 40, 60]


def test_critical_preset_has_no_jitter():
    # GIVEN the critical preset / WHEN attempts fail / THEN 1 s growing by 1.5, rounded up, deterministic
    strategy = RetryPresets.critical()
    assert [strategy(RuntimeError(), n).delay_seconds for n in range(1, 6)] == [1, 2, 3, 4, 6]


def test_transient_preset_uses_half_jitter(random_value):
    # GIVEN the transient preset with the jitter draw at 0 / THEN the delay is half the 5 s base, rounded up
    random_value(0.0)
    assert RetryPresets.transient()(RuntimeError(), 1).delay_seconds == 3


@pytest.mark.parametrize(
    ("config", "error", "retried"),
    [
        pytest.param(RetryStrategyConfig(), ValueError("anything"), True, id="no-filter-retries-all"),
        pytest.param(
            RetryStrategyConfig(retryable_errors=["throttl"]), ValueError("Throttled: throttling"), True, id="substring"
        ),
        pytest.param(RetryStrategyConfig(retryable_errors=["throttl"]), ValueError("denied"), False, id="no-substring"),
        pytest.param(
            RetryStrategyConfig(retryable_errors=[re.compile(r"^5\d\d ")]), ValueError("503 busy"), True, id="regex"
        ),
        pytest.param(
            RetryStrategyConfig(retryable_errors=[re.compile(r"^5\d\d ")]), ValueError("404 gone"), False, id="no-regex"
        ),
        pytest.param(RetryStrategyConfig(retryable_error_types=[TimeoutError]), TimeoutError("t"), True, id="by-type"),
        pytest.param(
            RetryStrategyConfig(retryable_error_types=[OSError]), ConnectionError("c"), True, id="by-subclass"
        ),
        pytest.param(
            RetryStrategyConfig(retryable_error_types=[TimeoutError]), ValueError("t"), False, id="other-type"
        ),
        pytest.param(
            RetryStrategyConfig(retryable_errors=["busy"], retryable_error_types=[TimeoutError]),
            KeyError("busy"),
            True,
            id="message-or-type",
        ),
        pytest.param(RetryStrategyConfig(retryable_errors=[]), ValueError("x"), False, id="empty-list-retries-none"),
    ],
)
def test_retryable_error_filtering(config, error, retried):
    # GIVEN a strategy with filters / WHEN an error fails attempt 1 / THEN it is retried only if it matches
    assert create_retry_strategy(config)(error, 1).should_retry is retried


def test_retry_decision_constructors():
    # GIVEN the two constructors / THEN they carry the decision and the delay
    assert RetryDecision.retry(Duration(7)) == RetryDecision(True, Duration(7))
    assert RetryDecision.retry(Duration(7)).delay_seconds == 7
    assert RetryDecision.no_retry().should_retry is False
    assert RetryDecision.no_retry().delay_seconds == 0


def delays_of(strategy, attempts: int) -> list[int | None]:
    """The delay (or None: no retry) after each of ``attempts`` failed attempts."""
    decisions = [strategy(ValueError("x"), n) for n in range(1, attempts + 1)]
    return [d.delay_seconds if d.should_retry else None for d in decisions]


def test_linear_and_fixed_presets_match_the_official_sdk():
    # GIVEN the official SDK's presets (bench extra) and ours
    official = pytest.importorskip("aws_durable_execution_sdk_python.retries")
    official_config = pytest.importorskip("aws_durable_execution_sdk_python.config")

    # WHEN each decides after every attempt (no jitter in either preset)
    # THEN the delays and the attempt where they stop are the same
    assert (
        delays_of(RetryPresets.linear(), 7)
        == delays_of(official.RetryPresets.linear(), 7)
        == [1, 2, 3, 4, 5, None, None]
    )
    assert delays_of(RetryPresets.fixed(), 6) == delays_of(official.RetryPresets.fixed(), 6) == [5, 5, 5, 5, None, None]
    ours_fixed = RetryPresets.fixed(Duration.from_seconds(2))
    theirs_fixed = official.RetryPresets.fixed(official_config.Duration.from_seconds(2))
    assert delays_of(ours_fixed, 5) == delays_of(theirs_fixed, 5) == [2, 2, 2, 2, None]


def test_linear_strategy_caps_at_max_delay_and_filters_errors():
    # GIVEN a linear strategy 10 s + 20 s per attempt, capped at 45 s, retrying only TimeoutError
    from powertools_durable import LinearRetryStrategyConfig, create_linear_retry_strategy

    strategy = create_linear_retry_strategy(
        LinearRetryStrategyConfig(
            max_attempts=5,
            initial_delay=Duration.from_seconds(10),
            increment=Duration.from_seconds(20),
            max_delay=Duration.from_seconds(45),
            jitter_strategy=JitterStrategy.NONE,
            retryable_error_types=[TimeoutError],
        )
    )

    # WHEN it decides / THEN 10, 30, 45 (capped), and never for another error type
    assert [strategy(TimeoutError(), n).delay_seconds for n in (1, 2, 3)] == [10, 30, 45]
    assert strategy(ValueError(), 1).should_retry is False
