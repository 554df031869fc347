"""What the service side needs from the Lambda side (``template.py`` / ``workers.py``), as Protocols.

The service core is typed against these shapes rather than the Lambda side's classes, so
either side can be tested with a stand-in (an in-thread invoker in the unit tests) and the
real :class:`~powertools_durable.local.workers.WorkerPool` fits them as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol


class DurableSettingsLike(Protocol):
    @property
    def execution_timeout(self) -> int: ...

    @property
    def retention_period_in_days(self) -> int: ...


class FunctionLike(Protocol):
    """A function of the template (``template.FunctionSpec``)."""

    @property
    def function_name(self) -> str: ...

    @property
    def handler(self) -> str: ...

    @property
    def code_uri(self) -> Path: ...

    @property
    def runtime(self) -> str: ...

    @property
    def timeout(self) -> int: ...

    @property
    def memory_size(self) -> int: ...

    @property
    def environment(self) -> dict[str, str]: ...

    @property
    def durable(self) -> DurableSettingsLike | None: ...


class OutcomeLike(Protocol):
    """How one invocation ended (``workers.InvocationOutcome``)."""

    @property
    def request_id(self) -> str: ...

    @property
    def output(self) -> Any | None: ...

    @property
    def error(self) -> dict[str, Any] | None: ...

    @property
    def logs(self) -> str: ...

    @property
    def start_ms(self) -> int: ...

    @property
    def end_ms(self) -> int: ...


class Invoker(Protocol):
    """Runs one invocation of a function and says how it ended (``workers.WorkerPool``)."""

    def invoke(
        self, spec: Any, event: Any, *, request_id: str | None = None, timeout_scale: float = 1.0
    ) -> OutcomeLike: ...

    def close(self) -> None: ...


RunInvocation = Callable[..., OutcomeLike]  # run(event, *, request_id=..., timeout_scale=...)


@contextmanager
def reserved(invoker: Invoker, spec: Any) -> Iterator[RunInvocation]:
    """Hold an execution environment of ``spec`` for the ``with`` block; yields ``run(event, ...)``.

    The :class:`~powertools_durable.local.workers.WorkerPool` waits here for a free worker
    (its ``reserve``); an invoker without a limit of environments (a test stand-in) has
    nothing to wait for.
    """
    reserve = getattr(invoker, "reserve", None)
    if reserve is None:
        yield lambda event, **options: invoker.invoke(spec, event, **options)
        return
    with reserve(spec) as run:
        yield run
