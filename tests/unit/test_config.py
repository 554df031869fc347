"""Configuration values: Duration, StepConfig, and their validation."""

from __future__ import annotations

import pytest

from powertools_durable import Duration, RetryPresets, StepConfig, StepSemantics, ValidationError


@pytest.mark.parametrize(
    ("duration", "seconds"),
    [
        (Duration.from_seconds(5), 5),
        (Duration.from_seconds(2.9), 2),
        (Duration.from_minutes(10), 600),
        (Duration.from_minutes(0.5), 30),
        (Duration.from_hours(2), 7200),
        (Duration.from_days(1), 86400),
        (Duration(), 0),
    ],
)
def test_duration_constructors(duration, seconds):
    # GIVEN a Duration built from a unit / THEN it holds whole seconds
    assert duration.to_seconds() == seconds


def test_negative_duration_is_rejected():
    # GIVEN a negative span / WHEN built / THEN ValidationError says so
    with pytest.raises(ValidationError, match="must not be negative"):
        Duration.from_seconds(-1)


def test_step_config_defaults():
    # GIVEN a default StepConfig / THEN at-least-once, default retries and default serdes
    config = StepConfig()
    assert config.step_semantics is StepSemantics.AT_LEAST_ONCE_PER_RETRY
    assert config.retry_strategy is None
    assert config.serdes is None
    assert config.sub_type is None


def test_step_config_is_immutable():
    # GIVEN a StepConfig / WHEN a field is assigned / THEN it is refused
    config = StepConfig(retry_strategy=RetryPresets.none())
    with pytest.raises(AttributeError):
        config.step_semantics = StepSemantics.AT_MOST_ONCE_PER_RETRY  # type: ignore[misc]


@pytest.mark.parametrize("sub_type", ["Custom", "my-sub_type-1", "x" * 32])
def test_valid_sub_types(sub_type):
    # GIVEN a subtype of 1-32 allowed characters / THEN it is accepted
    assert StepConfig(sub_type=sub_type).sub_type == sub_type


@pytest.mark.parametrize("sub_type", ["x" * 33, "has space", "dot.ted", "é"])
def test_invalid_sub_types(sub_type):
    # GIVEN a subtype the service would refuse / WHEN configured / THEN ValidationError names it
    with pytest.raises(ValidationError, match="sub_type"):
        StepConfig(sub_type=sub_type)
