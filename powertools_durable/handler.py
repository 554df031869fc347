"""The entry points: ``durable_handler`` (Powertools middleware) and ``durable_execution``.

``durable_execution`` keeps the official SDK's signature; ``durable_handler`` is built with
Powertools' ``lambda_handler_decorator`` and adds ``model=`` (Powertools parser),
``logger=``, ``tracer=`` and ``serdes=``. Both run :func:`run_invocation`.

``durable_handler`` is built on first access (PEP 562), so a handler module that uses only
``durable_execution`` never imports Powertools: ~45 ms less on a cold start.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, overload

from powertools_durable.execution import UserHandler, run_invocation
from powertools_durable.plugin_discovery import load_configured_plugins
from powertools_durable.replay.override import invocation_override
from powertools_durable.service.client import Boto3ServiceClient, DurableServiceClient, default_client

if TYPE_CHECKING:
    from aws_lambda_powertools.middleware_factory import lambda_handler_decorator

    from powertools_durable.serdes import SerDes

LambdaHandler = Callable[[Any, Any], Any]


def resolve_client(client: Any = None) -> DurableServiceClient:
    """A boto3 ``lambda`` client is wrapped; a :class:`DurableServiceClient` is used as it is."""
    override = invocation_override.get()
    if override is not None:  # the replayer: no client of the handler's is built or called
        return override.client
    if client is None:
        return default_client()
    if hasattr(client, "checkpoint") and hasattr(client, "get_execution_state"):
        service_client: DurableServiceClient = client
        return service_client
    return Boto3ServiceClient(client)


@overload
def durable_execution(
    func: UserHandler, *, boto3_client: Any = None, plugins: list[Any] | None = None
) -> LambdaHandler: ...


@overload
def durable_execution(
    func: None = None, *, boto3_client: Any = None, plugins: list[Any] | None = None
) -> Callable[[UserHandler], LambdaHandler]: ...


def durable_execution(
    func: UserHandler | None = None, *, boto3_client: Any = None, plugins: list[Any] | None = None
) -> LambdaHandler | Callable[[UserHandler], LambdaHandler]:
    """The official SDK's decorator: ``handler(event, context: DurableContext)`` becomes a Lambda handler.

    Parameters
    ----------
    boto3_client
        A boto3 ``lambda`` client (or any :class:`DurableServiceClient`); default: one client per
        process, honouring ``AWS_ENDPOINT_URL_LAMBDA``.
    plugins
        Instrumentation plugin factories (``create_plugin(info)`` builds one plugin per invocation);
        those named in ``DURABLE_EXECUTION_PLUGINS`` follow.

    Raises
    ------
    PluginLoadError
        When an entry is not a plugin factory, or a configured plugin cannot be loaded.
    """
    if func is None:

        def decorate(handler: UserHandler) -> LambdaHandler:
            return durable_execution(handler, boto3_client=boto3_client, plugins=plugins)

        return decorate
    user_handler = func
    factories = load_configured_plugins(plugins)  # checked once, when the handler is decorated

    @functools.wraps(user_handler)
    def wrapper(event: Any, context: Any) -> Any:
        return run_invocation(user_handler, event, context, resolve_client(boto3_client), plugins=factories)

    return wrapper


def _durable_handler(
    handler: LambdaHandler,
    event: Any,
    context: Any,
    model: Any = None,
    logger: Any = None,
    tracer: Any = None,
    metrics: Any = None,
    serdes: SerDes[Any] | None = None,
    service_client: Any = None,
    log_replay: bool | None = None,
    plugins: list[Any] | None = None,
) -> Any:
    """Powertools middleware that runs ``handler(input, context: DurableContext)`` durably.

    Parameters
    ----------
    model
        A pydantic model; the execution's input is validated into it with Powertools parser, and
        invalid input fails the execution with the validation problems.
    logger
        The handler's Powertools Logger: each line is written once per execution (records made
        while replaying are dropped), with ``durable_execution_arn`` and, inside a step attempt,
        ``operation_id``, ``operation_name`` and ``attempt``; it is also ``context.logger``.
    tracer
        The handler's Powertools Tracer: one ``## <step name>`` subsegment per executed attempt.
    metrics
        The handler's Powertools Metrics: metrics added while replaying are dropped, so
        ``log_metrics`` emits each once per execution.
    serdes
        Default serdes of this handler's steps.
    service_client
        A boto3 ``lambda`` client or :class:`DurableServiceClient` (tests, the emulator).
    log_replay
        Keep the log lines of replayed code; default ``POWERTOOLS_DURABLE_LOG_REPLAY`` or ``False``.
    plugins
        More instrumentation plugin factories, after those of ``logger``, ``tracer`` and ``metrics``
        (which are sugar over :func:`~powertools_durable.powertools.powertools_plugins`).

    Example
    -------
    >>> @durable_handler(logger=logger)  # doctest: +SKIP
    ... def handler(event: dict, context: DurableContext) -> dict:
    ...     return context.step(lambda _: {"ok": True}, name="work")
    """
    decode = None
    if model is not None:
        from aws_lambda_powertools.utilities.parser import parse  # noqa: PLC0415 - pydantic only when used

        def decode(data: Any) -> Any:
            return parse(event=data, model=model)

    factories: list[Any] = []
    if logger is not None or tracer is not None or metrics is not None:
        from powertools_durable.powertools.config import resolve_config  # noqa: PLC0415 - Powertools only when used
        from powertools_durable.powertools.plugins import powertools_plugins  # noqa: PLC0415

        log_replay = resolve_config(log_replay=log_replay).log_replay
        factories = powertools_plugins(logger=logger, tracer=tracer, metrics=metrics, log_replay=log_replay)
    factories = load_configured_plugins([*factories, *(plugins or [])])
    client = resolve_client(service_client)
    return run_invocation(
        handler,
        event,
        context,
        client,
        context_logger=logger,
        serdes=serdes,
        decode_input=decode,
        plugins=factories,
        log_replay=bool(log_replay),
    )


_durable_handler.__name__ = _durable_handler.__qualname__ = "durable_handler"

if TYPE_CHECKING:
    durable_handler = lambda_handler_decorator(_durable_handler)
else:

    def __getattr__(name: str) -> Any:
        """Build ``durable_handler`` (importing Powertools) only when someone asks for it."""
        if name != "durable_handler":
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        from aws_lambda_powertools.middleware_factory import lambda_handler_decorator  # noqa: PLC0415

        value = lambda_handler_decorator(_durable_handler)
        globals()["durable_handler"] = value
        return value
