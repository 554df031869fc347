"""Logger: each line once per execution, with the durable keys on every record.

A :class:`DurableLogFilter` sits on the handlers the Powertools Logger writes to (and on the
logger itself). A filter on the *handler* also sees the records of child loggers
(``Logger(child=True)``), which propagate to their parent's handler without passing the
parent logger's own filters. The filter reads the running invocation from context variables
(:mod:`~powertools_durable.powertools.running`: the running ``DurableContext`` here, the plugins'
replay tracker on the official SDK), so it works whichever order ``logger.inject_lambda_context``
and ``durable_handler`` are stacked in. :class:`LoggerPlugin` installs it and sets the step keys:

- while the workflow replays, records are dropped (``POWERTOOLS_DURABLE_LOG_REPLAY=true``
  keeps them);
- every record gets ``durable_execution_arn`` and, inside a step attempt, ``operation_id``,
  ``operation_name`` and ``attempt``. Powertools' formatter prints a record's extra
  attributes as keys, so they show in JSON logs like ``extra=`` keys.
"""

from __future__ import annotations

import logging
from contextvars import Token
from typing import Any

from powertools_durable.plugin import InvocationStartInfo, OperationType, UserFunctionEndInfo, UserFunctionStartInfo
from powertools_durable.powertools.plugins import PowertoolsPlugin, build_plugin
from powertools_durable.powertools.running import StepKeys, execution_arn, is_replaying, step_keys

EXECUTION_ARN_KEY = "durable_execution_arn"
OPERATION_ID_KEY = "operation_id"
OPERATION_NAME_KEY = "operation_name"
ATTEMPT_KEY = "attempt"


class DurableLogFilter(logging.Filter):
    """Drops records made while the workflow replays and adds the durable keys to the others.

    Parameters
    ----------
    log_replay
        Keep the records made while replaying.
    """

    def __init__(self, log_replay: bool = False) -> None:
        super().__init__("powertools_durable")
        self.log_replay = log_replay

    def filter(self, record: logging.LogRecord) -> bool:
        arn = execution_arn()
        if arn is None:  # not in a durable invocation: leave the record alone
            return True
        if not self.log_replay and is_replaying():
            return False
        fields = record.__dict__
        fields.setdefault(EXECUTION_ARN_KEY, arn)
        step = step_keys.get()
        if step is not None:
            fields.setdefault(OPERATION_ID_KEY, step.operation_id)
            if step.operation_name:
                fields.setdefault(OPERATION_NAME_KEY, step.operation_name)
            fields.setdefault(ATTEMPT_KEY, step.attempt)
        return True


def _standard_logger(logger: Any) -> logging.Logger | None:
    """The ``logging.Logger`` behind a Powertools Logger (or ``logger`` itself)."""
    inner = getattr(logger, "_logger", logger)
    return inner if isinstance(inner, logging.Logger) else None


def _reached_handlers(std: logging.Logger) -> list[logging.Handler]:
    """The handlers a record of ``std`` reaches, as ``Logger.callHandlers`` walks them, less the root's.

    The root's handlers are shared by every library in the process: filtering them would drop
    other loggers' records too.
    """
    handlers: list[logging.Handler] = []
    current: logging.Logger | None = std
    while current is not None and current is not logging.root:
        handlers.extend(current.handlers)
        if not current.propagate:
            break
        current = current.parent
    return handlers


def install_log_filter(logger: Any, log_replay: bool = False) -> DurableLogFilter:
    """Put one :class:`DurableLogFilter` on ``logger`` and the handlers it writes to.

    Idempotent: a target that already holds the filter keeps it, with ``log_replay`` updated.

    Parameters
    ----------
    logger
        A Powertools ``Logger`` (parent or child) or a ``logging.Logger``.
    log_replay
        Keep the records made while replaying.

    Returns
    -------
    DurableLogFilter
        The filter now in place.
    """
    std = _standard_logger(logger)
    targets: list[logging.Logger | logging.Handler] = []
    if std is not None:
        targets = [std, *_reached_handlers(std)]
    installed: DurableLogFilter | None = None
    for target in targets:
        existing = next((f for f in target.filters if isinstance(f, DurableLogFilter)), None)
        if existing is None:
            existing = installed or DurableLogFilter(log_replay)
            target.addFilter(existing)
        existing.log_replay = log_replay
        installed = installed or existing
    return installed or DurableLogFilter(log_replay)


class LoggerPlugin:
    """Plugin factory of a Powertools Logger: filter installed once, step keys set around each attempt.

    Parameters
    ----------
    logger
        The handler's Powertools ``Logger``.
    log_replay
        Keep the records made while replaying.

    Example
    -------
    >>> @durable_execution(plugins=[LoggerPlugin(logger)])  # doctest: +SKIP
    ... def handler(event, context): ...
    """

    operation_snapshots = False  # its plugins never read the operation maps: the engine builds none

    def __init__(self, logger: Any, log_replay: bool = False) -> None:
        self.logger = logger
        self.filter = install_log_filter(logger, log_replay)

    def create_plugin(self, info: InvocationStartInfo, /) -> LoggerInvocationPlugin:
        return build_plugin(LoggerInvocationPlugin, info)


class LoggerInvocationPlugin(PowertoolsPlugin):
    """One invocation: the keys of each executed step attempt, on the thread running it.

    Tokens are keyed by (operation id, attempt), unique among the attempts running at once; a dict's
    single-key operations are atomic, so branch threads need no lock.
    """

    def __init__(self) -> None:
        self._tokens: dict[tuple[str, int | None], Token[StepKeys | None]] = {}

    def on_user_function_start(self, info: UserFunctionStartInfo) -> None:
        if info.operation_type.value == _STEP:  # by value: the official SDK has its own enum
            key = (info.operation_id, info.attempt)
            self._tokens[key] = step_keys.set(StepKeys(info.operation_id, info.name, info.attempt or 1))

    def on_user_function_end(self, info: UserFunctionEndInfo) -> None:
        token = self._tokens.pop((info.operation_id, info.attempt), None)
        if token is not None:
            step_keys.reset(token)


_STEP = OperationType.STEP.value
