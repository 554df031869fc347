"""``context.logger`` and ``step.logger``: the official SDK's replay-aware ``Logger``, with our keys.

It writes through the logger the handler was given (a Powertools ``Logger`` with
``durable_handler(logger=…)``, whatever ``DurableContext.set_logger`` received, or the
``powertools_durable.workflow`` logger) and:

- stays silent while its context replays, so each line is written once per execution;
- adds the operation's keys to every record, snake_case as Powertools writes them:
  ``durable_execution_arn``, ``parent_id``, ``operation_id``, ``operation_name``, ``attempt``
  (the official SDK writes the same facts camelCase).

Anything else (``append_keys``, ``inject_lambda_context`` …) is forwarded to the wrapped logger.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from powertools_durable.types import LoggerInterface

EXECUTION_ARN_KEY = "durable_execution_arn"
PARENT_ID_KEY = "parent_id"
OPERATION_ID_KEY = "operation_id"
OPERATION_NAME_KEY = "operation_name"
ATTEMPT_KEY = "attempt"

# Frames between the caller of ``Logger.info`` and the wrapped logger's method: ``info`` and ``_log``.
_OWN_FRAMES = 2


def _never() -> bool:
    return False


@dataclass(frozen=True)
class LogInfo:
    """Where a record comes from: the execution (``execution_state.durable_execution_arn``) and the operation."""

    execution_state: Any
    parent_id: str | None = None
    operation_id: str | None = None
    name: str | None = None
    attempt: int | None = None

    def with_parent_id(self, parent_id: str) -> LogInfo:
        return LogInfo(self.execution_state, parent_id, self.operation_id, self.name, self.attempt)


def _extra_of(info: LogInfo) -> dict[str, object]:
    extra: dict[str, object] = {EXECUTION_ARN_KEY: info.execution_state.durable_execution_arn}
    if info.parent_id:
        extra[PARENT_ID_KEY] = info.parent_id
    if info.name:
        extra[OPERATION_NAME_KEY] = info.name
    if info.attempt is not None:
        extra[ATTEMPT_KEY] = info.attempt
    if info.operation_id:
        extra[OPERATION_ID_KEY] = info.operation_id
    return extra


def _stacklevel_of(logger: Any) -> int | None:
    """The ``stacklevel`` that makes a record point at the user's line, or ``None`` when unknown.

    A ``logging.Logger`` counts from its caller (1); Powertools' ``Logger`` adds its own frame (2).
    Other loggers may not accept ``stacklevel`` at all.
    """
    if isinstance(logger, logging.Logger | logging.LoggerAdapter):
        return 1 + _OWN_FRAMES
    if type(logger).__module__.startswith("aws_lambda_powertools"):
        return 2 + _OWN_FRAMES
    return None


class Logger:
    """A logger that drops records while its context replays and adds the operation's keys.

    Parameters
    ----------
    logger
        The logger records are written to.
    default_extra
        Keys added to every record (an ``extra=`` of a call wins over them).
    is_replaying
        Asked before each record; ``True`` drops it. Default: never replaying.
    """

    def __init__(
        self,
        logger: LoggerInterface,
        default_extra: Mapping[str, object],
        is_replaying: Callable[[], bool] = _never,
    ) -> None:
        self._logger = logger
        self._default_extra = default_extra
        self._is_replaying = is_replaying
        self._stacklevel = _stacklevel_of(logger)

    @classmethod
    def from_log_info(cls, logger: LoggerInterface, info: LogInfo, is_replaying: Callable[[], bool] = _never) -> Logger:
        """A logger whose records carry the keys of ``info``."""
        return cls(logger, _extra_of(info), is_replaying)

    def with_log_info(self, info: LogInfo) -> Logger:
        """The same wrapped logger and replay source, with the keys of ``info`` instead."""
        return Logger(self._logger, _extra_of(info), self._is_replaying)

    def for_operation(
        self, execution_arn: str, parent_id: str | None, operation_id: str, name: str | None, attempt: int
    ) -> Logger:
        """``with_log_info`` for one operation attempt, without building a :class:`LogInfo` (once per executed step)."""
        extra: dict[str, object] = {EXECUTION_ARN_KEY: execution_arn}
        if parent_id:
            extra[PARENT_ID_KEY] = parent_id
        if name:
            extra[OPERATION_NAME_KEY] = name
        extra[ATTEMPT_KEY] = attempt
        extra[OPERATION_ID_KEY] = operation_id
        clone = object.__new__(Logger)
        clone._logger, clone._default_extra = self._logger, extra
        clone._is_replaying, clone._stacklevel = self._is_replaying, self._stacklevel
        return clone

    def with_is_replaying(self, is_replaying: Callable[[], bool]) -> Logger:
        """The same wrapped logger and keys, silent while ``is_replaying()`` is true (a child context's)."""
        return Logger(self._logger, self._default_extra, is_replaying)

    def get_logger(self) -> LoggerInterface:
        """The wrapped logger."""
        return self._logger

    def debug(self, msg: object, *args: object, extra: Mapping[str, object] | None = None, **kwargs: Any) -> None:
        self._log(self._logger.debug, msg, args, extra, kwargs)

    def info(self, msg: object, *args: object, extra: Mapping[str, object] | None = None, **kwargs: Any) -> None:
        self._log(self._logger.info, msg, args, extra, kwargs)

    def warning(self, msg: object, *args: object, extra: Mapping[str, object] | None = None, **kwargs: Any) -> None:
        self._log(self._logger.warning, msg, args, extra, kwargs)

    def error(self, msg: object, *args: object, extra: Mapping[str, object] | None = None, **kwargs: Any) -> None:
        self._log(self._logger.error, msg, args, extra, kwargs)

    def exception(self, msg: object, *args: object, extra: Mapping[str, object] | None = None, **kwargs: Any) -> None:
        self._log(self._logger.exception, msg, args, extra, kwargs)

    def critical(self, msg: object, *args: object, extra: Mapping[str, object] | None = None, **kwargs: Any) -> None:
        self._log(getattr(self._logger, "critical", self._logger.error), msg, args, extra, kwargs)

    def _log(
        self,
        method: Callable[..., Any],
        msg: object,
        args: tuple[object, ...],
        extra: Mapping[str, object] | None,
        kwargs: dict[str, Any],
    ) -> None:
        if self._is_replaying():
            return
        if self._stacklevel is not None:
            kwargs["stacklevel"] = kwargs.get("stacklevel", self._stacklevel - _OWN_FRAMES) + _OWN_FRAMES
        method(msg, *args, extra={**self._default_extra, **(extra or {})}, **kwargs)

    def __getattr__(self, name: str) -> Any:
        """Powertools' own methods (``append_keys`` …) and attributes, from the wrapped logger."""
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._logger, name)

    def __repr__(self) -> str:
        return f"Logger({self._logger!r})"
