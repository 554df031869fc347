"""UntrustedPayloads: answers from outside naming a class to run are refused, not run.

``callback_handler`` reads a callback answer, ``invoke_handler`` an invoked function's result, both
with ``ExtendedTypeSerDes``. Whoever holds the callback id, or controls the invoked function, may send
``{"t":"dc","v":{"c":"subprocess:Popen",...}}``; the execution FAILS with a ``SerDesError`` naming
``subprocess:Popen`` and nothing is imported or run.
"""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger

from powertools_durable import CallbackConfig, DurableContext, ExtendedTypeSerDes, InvokeConfig, durable_handler

logger = Logger()

# The invoked function: it returns its input, so the caller chooses what comes back (the template's
# logical id on the emulator, its name from the environment when deployed).
ECHO = os.environ.get("ECHO_FUNCTION", "UntrustedEchoFunction")


@logger.inject_lambda_context
@durable_handler(logger=logger)
def callback_handler(event: dict[str, Any], context: DurableContext) -> str:
    callback = context.create_callback(name="answer", config=CallbackConfig(serdes=ExtendedTypeSerDes()))
    return repr(callback.result())


@logger.inject_lambda_context
@durable_handler(logger=logger)
def invoke_handler(event: dict[str, Any], context: DurableContext) -> str:
    result = context.invoke(ECHO, event["returns"], config=InvokeConfig(serdes_result=ExtendedTypeSerDes()))
    return repr(result)


@durable_handler(logger=logger)
def echo_handler(event: Any, context: DurableContext) -> Any:
    """The invoked function: returns what it receives (the caller chooses the answer)."""
    return event
