"""State too large for the invocation envelope is paged in with GetDurableExecutionState."""

from __future__ import annotations

from powertools_durable import DurableContext, Duration
from powertools_durable.local.memory import InMemoryDurableService, run_to_completion
from tests.functional.conftest import bind, op_id


class CountingService(InMemoryDurableService):
    """Records the markers of each GetDurableExecutionState call."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.markers: list[str] = []

    def get_execution_state(self, durable_execution_arn, checkpoint_token, marker, max_items=1000):
        self.markers.append(marker)
        return super().get_execution_state(durable_execution_arn, checkpoint_token, marker, max_items)


def test_engine_pages_in_the_rest_of_the_state_before_replaying():
    # GIVEN a service that puts only 2 operations in each page, and five steps before a wait
    service = CountingService(page_size=2)
    runs = []
    replayed = []

    @bind(service)
    def handler(event, context: DurableContext):
        values = []
        for index in range(5):
            values.append(context.step(lambda _, i=index: runs.append(i) or {"n": i * 10}, name=f"s{index}"))
        context.wait(Duration.from_seconds(1))
        replayed.append(values)
        return [v["n"] for v in values]

    # WHEN it runs over two invocations
    run = run_to_completion(handler, {}, service=service)

    # THEN invocation 2's envelope carried a NextMarker and the engine fetched every further page
    envelope = service.envelope()  # what Lambda would send now: 7 operations, 2 per page
    assert envelope["InitialExecutionState"]["NextMarker"] == "2"
    assert service.markers == ["2", "4", "6"]
    # AND no step body re-ran, and the replayed values are those of the first run
    assert runs == [0, 1, 2, 3, 4]
    assert replayed == [[{"n": 0}, {"n": 10}, {"n": 20}, {"n": 30}, {"n": 40}]]
    assert run.outputs == [{"Status": "PENDING"}, {"Status": "SUCCEEDED", "Result": "[0, 10, 20, 30, 40]"}]
    assert service.updates_of(2) == []


def test_operations_of_later_pages_are_replayed():
    # GIVEN a page size of 1, so the recorded step is only on the second page (after EXECUTION)
    service = CountingService(page_size=1)

    @bind(service)
    def handler(event, context: DurableContext):
        value = context.step(lambda _: "first-run", name="only")
        context.wait(Duration.from_seconds(1))
        return value

    # WHEN it runs to its end
    run = run_to_completion(handler, {}, service=service)

    # THEN invocation 2 found the step through GetDurableExecutionState and did not checkpoint it again
    assert service.markers == ["1", "2"]
    assert run.result == "first-run"
    assert [u["Id"] for u in service.updates_of(1)] == [op_id(1), op_id(1), op_id(2)]
    assert service.updates_of(2) == []
