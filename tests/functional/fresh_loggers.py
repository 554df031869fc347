"""A fixture for tests that import the SAM app's modules in-process: their Powertools Loggers are forgotten after.

A Powertools ``Logger()`` configures the logging logger of its service once per process and keeps
the stream it found then; a later test's ``Logger()`` of the same service would write to that
stale stream instead of its own captured stdout.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest


@pytest.fixture
def fresh_loggers() -> Iterator[None]:
    before = set(logging.Logger.manager.loggerDict)
    yield
    for name in set(logging.Logger.manager.loggerDict) - before:
        del logging.Logger.manager.loggerDict[name]
