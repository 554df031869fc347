"""The official SDK's ``Logger`` API over any logger: keys, replay silence, clones, caller location."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import pytest

from powertools_durable.logger import Logger, LogInfo


@dataclass
class State:
    durable_execution_arn: str = "arn:exec"


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def std() -> tuple[logging.Logger, Capture]:
    logger = logging.getLogger("test_logger.std")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    capture = Capture()
    logger.handlers = [capture]
    return logger, capture


def test_records_carry_the_operation_keys_and_the_calls_extra(std):
    # GIVEN a logger for an operation
    logger, capture = std
    durable = Logger.from_log_info(logger, LogInfo(State(), parent_id="p", operation_id="o", name="n", attempt=2))

    # WHEN it logs with extra= (one key overriding a default)
    durable.info("hello %s", "you", extra={"order": 1, "attempt": 9})

    # THEN the record has the snake_case keys, the call's extra winning, and the formatted message
    record = capture.records[0]
    assert record.getMessage() == "hello you"
    assert (record.durable_execution_arn, record.parent_id, record.operation_id, record.operation_name) == (
        "arn:exec",
        "p",
        "o",
        "n",
    )
    assert (record.attempt, record.order) == (9, 1)


@pytest.mark.parametrize("method", ["debug", "info", "warning", "error", "exception", "critical"])
def test_every_level_is_silent_while_replaying(std, method):
    # GIVEN a logger whose replay source says "replaying"
    logger, capture = std
    durable = Logger.from_log_info(logger, LogInfo(State()), is_replaying=lambda: True)

    # WHEN it logs at any level / THEN nothing is written
    getattr(durable, method)("dropped")
    assert capture.records == []
    # AND a clone bound to a non-replaying source writes
    getattr(durable.with_is_replaying(lambda: False), method)("kept")
    assert [r.getMessage() for r in capture.records] == ["kept"]


def test_with_log_info_keeps_the_logger_and_replay_source_but_replaces_the_keys(std):
    # GIVEN a replaying logger with an operation id
    logger, capture = std
    durable = Logger.from_log_info(logger, LogInfo(State(), operation_id="a"), is_replaying=lambda: True)

    # WHEN it is cloned with other log info
    clone = durable.with_log_info(LogInfo(State(), operation_id="b"))
    clone.info("x")
    durable.with_is_replaying(lambda: False).info("y")

    # THEN the clone is still silent (same source); the keys follow the info they were built from
    assert [(r.getMessage(), r.operation_id) for r in capture.records] == [("y", "a")]
    assert clone.get_logger() is logger


def test_the_record_points_at_the_callers_line(std):
    # GIVEN a durable logger over a standard library logger
    logger, capture = std
    durable = Logger(logger, {})

    # WHEN it logs from here
    durable.info("where")

    # THEN the record's location is this test, not the wrapper
    assert capture.records[0].funcName == "test_the_record_points_at_the_callers_line"
    assert capture.records[0].pathname == __file__


def test_a_minimal_logger_interface_works_and_other_attributes_forward():
    # GIVEN a user logger with only the five methods (no stacklevel) and an extra attribute
    seen: list[tuple[str, Any]] = []

    class Minimal:
        service = "orders"

        def debug(self, msg: object, *args: object, extra: Any = None) -> None: ...

        def info(self, msg: object, *args: object, extra: Any = None) -> None:
            seen.append((str(msg), extra))

        def warning(self, msg: object, *args: object, extra: Any = None) -> None: ...

        def error(self, msg: object, *args: object, extra: Any = None) -> None: ...

        def exception(self, msg: object, *args: object, extra: Any = None) -> None: ...

    durable = Logger.from_log_info(Minimal(), LogInfo(State()))

    # WHEN it logs, and an attribute of the wrapped logger is read
    durable.info("hi")

    # THEN the call reaches it with the keys, and the attribute is the wrapped logger's
    assert seen == [("hi", {"durable_execution_arn": "arn:exec"})]
    assert durable.service == "orders"
    with pytest.raises(AttributeError):
        _ = durable._private


def test_for_operation_writes_the_same_keys_as_with_log_info(std):
    # GIVEN a context logger, and the step path's shortcut next to the official clone
    logger, capture = std
    durable = Logger.from_log_info(logger, LogInfo(State()), is_replaying=lambda: False)

    # WHEN both log for the same operation attempt
    durable.with_log_info(LogInfo(State(), "p", "o", "n", 3)).info("a")
    durable.for_operation("arn:exec", "p", "o", "n", 3).info("b")

    # THEN the records carry identical keys
    keys = ("durable_execution_arn", "parent_id", "operation_id", "operation_name", "attempt")
    first, second = ({k: getattr(r, k) for k in keys} for r in capture.records)
    assert (
        first
        == second
        == {
            "durable_execution_arn": "arn:exec",
            "parent_id": "p",
            "operation_id": "o",
            "operation_name": "n",
            "attempt": 3,
        }
    )
