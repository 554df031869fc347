"""Carrier of the conformance requirements not answered yet.

Its resource's ``TestingMetadata.NotImplemented`` lists each such requirement with the reason,
so the runner reports them as declared gaps. Invoked, it fails with that explanation.
"""

from __future__ import annotations

from typing import Any

from powertools_durable import DurableContext, durable_execution


@durable_execution
def handler(event: Any, context: DurableContext) -> None:
    raise NotImplementedError(
        "this function answers no requirement: see TestingMetadata.NotImplemented in template.yaml"
    )
