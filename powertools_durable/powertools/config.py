"""Configuration of the Powertools integration, resolved in one place.

Precedence follows Powertools: an explicit argument wins over the environment variable,
which wins over the default.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from aws_lambda_powertools.shared import constants
from aws_lambda_powertools.shared.functions import resolve_truthy_env_var_choice

LOG_REPLAY_ENV = "POWERTOOLS_DURABLE_LOG_REPLAY"
"""``true`` keeps the log records made while the workflow replays (default: they are dropped)."""

TRACER_CAPTURE_RESPONSE_ENV = constants.TRACER_CAPTURE_RESPONSE_ENV
"""Powertools' ``POWERTOOLS_TRACER_CAPTURE_RESPONSE``: a step's result as subsegment metadata."""

TRACER_CAPTURE_ERROR_ENV = constants.TRACER_CAPTURE_ERROR_ENV
"""Powertools' ``POWERTOOLS_TRACER_CAPTURE_ERROR``: a step's exception as subsegment metadata."""


@dataclass(frozen=True)
class IntegrationConfig:
    """The resolved options of the Powertools integration.

    Parameters
    ----------
    log_replay
        Keep log records made while the workflow replays.
    capture_response
        Record a step attempt's result as metadata of its subsegment.
    capture_error
        Record a step attempt's exception as metadata of its subsegment.
    """

    log_replay: bool = False
    capture_response: bool = True
    capture_error: bool = True


def resolve_config(
    *,
    log_replay: bool | None = None,
    capture_response: bool | None = None,
    capture_error: bool | None = None,
) -> IntegrationConfig:
    """Resolve every option: explicit argument > environment variable > default.

    Parameters
    ----------
    log_replay
        Overrides ``POWERTOOLS_DURABLE_LOG_REPLAY`` (default ``false``).
    capture_response
        Overrides ``POWERTOOLS_TRACER_CAPTURE_RESPONSE`` (default ``true``).
    capture_error
        Overrides ``POWERTOOLS_TRACER_CAPTURE_ERROR`` (default ``true``).

    Returns
    -------
    IntegrationConfig
        The options in force for one invocation.
    """
    return IntegrationConfig(
        log_replay=resolve_truthy_env_var_choice(env=os.getenv(LOG_REPLAY_ENV, "false"), choice=log_replay),
        capture_response=resolve_truthy_env_var_choice(
            env=os.getenv(TRACER_CAPTURE_RESPONSE_ENV, "true"), choice=capture_response
        ),
        capture_error=resolve_truthy_env_var_choice(
            env=os.getenv(TRACER_CAPTURE_ERROR_ENV, "true"), choice=capture_error
        ),
    )
