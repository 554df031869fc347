"""The ``durable_*`` decorators' shared core: bind a function's arguments ahead of the context it is run with.

``@durable_step`` and ``@durable_with_child_context`` turn ``f(context, *args)`` into ``f(*args)``,
which returns the one-argument callable an operation runs. That callable carries what the operations
read off the user's function: its name (the operation's default name), the function itself (an
``async def`` one runs on the loop) and its return annotation (the classes it declares for decoding).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from powertools_durable.serdes.allowed import return_annotation

T = TypeVar("T")


def bound(func: Callable[..., T]) -> Callable[..., Callable[[Any], T]]:
    """``func(context, *args, **kwargs)`` as ``bind(*args, **kwargs)(context)``, named like ``func``."""
    returns = return_annotation(func)

    def bind(*args: Any, **kwargs: Any) -> Callable[[Any], T]:
        def call(context: Any) -> T:
            return func(context, *args, **kwargs)

        call._original_name = func.__name__  # type: ignore[attr-defined]
        call._original_func = func  # type: ignore[attr-defined]  # its return annotation declares decoded types
        call.__annotations__ = returns
        return call

    bind.__name__ = func.__name__
    bind.__doc__ = func.__doc__
    return bind
