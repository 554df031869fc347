"""The package's own logger: silent unless ``POWERTOOLS_DEBUG`` is set, as Powertools does.

Standard library only (the engine never imports Powertools). The package logger
``powertools_durable`` gets a ``NullHandler``; it keeps propagating, because
``powertools_durable.workflow`` (``context.logger`` when the handler has no logger of its
own) writes user records through the root logger.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TextIO

DEBUG_ENV = "POWERTOOLS_DEBUG"
PACKAGE_LOGGER = "powertools_durable"
_TRUTHY = frozenset({"1", "y", "yes", "t", "true", "on"})


def debug_is_set() -> bool:
    """True when ``POWERTOOLS_DEBUG`` holds a truthy value (``1``, ``true``, ``yes``, ``on``…)."""
    return os.getenv(DEBUG_ENV, "false").strip().lower() in _TRUTHY


def set_package_logger_handler(stream: TextIO | None = None) -> None:
    """Configure the ``powertools_durable`` logger: DEBUG to ``stream`` under ``POWERTOOLS_DEBUG``.

    Parameters
    ----------
    stream
        Where debug lines go; standard output by default.
    """
    logger = logging.getLogger(PACKAGE_LOGGER)
    if not debug_is_set():
        if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
            logger.addHandler(logging.NullHandler())
        return
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(logging.Formatter("%(asctime)s - %(name)s - %(levelname)s - %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
