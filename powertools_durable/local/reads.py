"""The read side of the durable-execution service: GetDurableExecution, its history, listing, logs.

Reads take no execution lock: each reads one committed state of the store. Kept apart from
:mod:`.executions` (the writes) so each module stays one concept.
"""

from __future__ import annotations

from collections.abc import Mapping

from powertools_durable.local import arns, history
from powertools_durable.local.errors import ResourceNotFoundError
from powertools_durable.local.invoker import FunctionLike
from powertools_durable.local.shapes import limit, parse_marker
from powertools_durable.local.store import RUNNING, ExecutionRecord, Store
from powertools_durable.service.wire import WireDict


class ExecutionReads:
    """GetDurableExecution, GetDurableExecutionHistory, ListDurableExecutionsByFunction and the logs route."""

    store: Store
    functions: Mapping[str, FunctionLike]
    region: str

    def function(self, identifier: str) -> tuple[FunctionLike, str | None]:
        """The template function a request names (name, partial ARN or ARN) and its qualifier."""
        ref = arns.parse_function(identifier)
        spec = self.functions.get(ref.name) if ref else None
        if ref is None or spec is None:
            raise ResourceNotFoundError(f"Function not found: {arns.function_arn(identifier, region=self.region)}")
        return spec, ref.qualifier

    def record(self, arn: str) -> ExecutionRecord:
        record = self.store.get(arn)
        if record is None:
            raise ResourceNotFoundError(f"Durable execution not found: {arn}")
        return record

    def describe(self, arn: str, *, include_data: bool = True) -> WireDict:
        record = self.record(arn)
        spec = self.functions.get(record.function_name)
        response: WireDict = {
            "DurableExecutionArn": record.arn,
            "DurableExecutionName": record.name,
            "FunctionArn": arns.function_arn(record.function_name, record.qualifier, region=self.region),
            "Status": record.status,
            "StartTimestamp": record.start_ms / 1000,
            "Version": record.qualifier,
            "ExecutionDataIncluded": include_data,
            "DurableConfig": {
                "ExecutionTimeout": record.execution_timeout,
                "RetentionPeriodInDays": record.retention_days,
            },
        }
        if spec is None:
            response.pop("DurableConfig")
        if record.status == RUNNING:
            response["ExpectedExecutionTimeoutTimestamp"] = record.timeout_at_ms / 1000
        if record.end_ms is not None:
            response["EndTimestamp"] = record.end_ms / 1000
        if include_data:
            response["InputPayload"] = record.input_payload
            if record.result is not None:
                response["Result"] = record.result
            if record.error is not None:
                response["Error"] = record.error
        return response

    def history(
        self, arn: str, *, include_data: bool, marker: str | None, max_items: int | None, reverse: bool
    ) -> WireDict:
        self.record(arn)
        events = self.store.events(arn)
        page, next_marker = history.page(
            events, marker=parse_marker(marker), max_items=limit(max_items, 100), reverse=reverse
        )
        response: WireDict = {"Events": [history.render(e, include_data=include_data) for e in page]}
        if next_marker:
            response["NextMarker"] = next_marker
        return response

    def list_executions(
        self,
        function: str,
        *,
        name: str | None = None,
        statuses: list[str] | None = None,
        marker: str | None = None,
        max_items: int | None = None,
        reverse: bool = False,
        started_after_ms: int | None = None,
        started_before_ms: int | None = None,
        qualifier: str | None = None,
    ) -> WireDict:
        """Executions of one version or alias of ``function`` (``$LATEST`` unless qualified), oldest first."""
        spec, named_qualifier = self.function(function)
        version = qualifier or named_qualifier or arns.LATEST
        after, before = started_after_ms or 0, started_before_ms or 2**62
        records = [
            r
            for r in self.store.executions(spec.function_name)
            if r.qualifier == version
            and (name is None or r.name == name)
            and (not statuses or r.status in statuses)
            and after <= r.start_ms < before
        ]
        summaries = [
            {
                "DurableExecutionArn": r.arn,
                "DurableExecutionName": r.name,
                "FunctionArn": arns.function_arn(r.function_name, r.qualifier, region=self.region),
                "Status": r.status,
                "StartTimestamp": r.start_ms / 1000,
                **({"EndTimestamp": r.end_ms / 1000} if r.end_ms is not None else {}),
            }
            for r in records
        ]
        page, next_marker = history.page(
            summaries, marker=parse_marker(marker), max_items=limit(max_items, 100), reverse=reverse
        )
        response: WireDict = {"DurableExecutions": page}
        if next_marker:
            response["NextMarker"] = next_marker
        return response

    def logs(self, arn: str) -> list[tuple[str, str]]:
        self.record(arn)
        return self.store.logs(arn)
