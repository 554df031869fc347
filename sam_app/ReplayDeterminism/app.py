"""ReplayDeterminism: a step returns a fresh uuid; replay must hand back the recorded one.

``generate`` and ``echo`` run in invocation 1; after the wait, invocation 2 replays both and
``compare`` runs. Were ``generate`` run again on replay, its fresh uuid would differ from
``echo``'s recorded copy, and ``same`` would be false.
"""

from __future__ import annotations

import uuid
from typing import Any

from aws_lambda_powertools import Logger

from powertools_durable import DurableContext, Duration, StepContext, durable_handler

logger = Logger()


@logger.inject_lambda_context
@durable_handler(logger=logger)
def handler(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    generated: str = context.step(lambda _: str(uuid.uuid4()), name="generate")
    echoed: str = context.step(lambda _: generated, name="echo")
    context.wait(Duration.from_seconds(1), name="pause")

    def compare(_: StepContext) -> bool:
        return generated == echoed

    return {"generated": generated, "read_back": echoed, "same": context.step(compare, name="compare")}
