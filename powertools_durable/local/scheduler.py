"""Lambda's half of the service: invoke an execution whenever it can go on, and act on how it ended.

One unit of work per execution at a time, on a thread pool (an invocation blocks its thread
while the worker process runs):

1. *begin*: once a worker is free for it, fire what is due (a wait's end writes
   ``WaitSucceeded``, a retry's delay makes the step READY), then start an invocation with a
   fresh checkpoint token, in one commit (an invocation waiting for a worker is not begun, so
   a crash does not count it as a failed attempt);
2. *invoke* the function through the :class:`~powertools_durable.local.invoker.Invoker`;
3. *complete*: write ``InvocationCompleted`` and act on the output in one commit: SUCCEEDED
   and FAILED end the execution, PENDING arms the earliest timer, a crashed or timed-out
   invocation is retried after a short backoff (failing the execution after ``max_failures``
   in a row).

Timers are armed only after step 3 commits, so a timer set by an invocation fires after its
``InvocationCompleted`` (fact 5). :meth:`Scheduler.recover` resumes what a previous emulator
process left RUNNING on the same store.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from powertools_durable.local import history
from powertools_durable.local.chained import ChainedInvokes
from powertools_durable.local.clock import Timer
from powertools_durable.local.effects import Effect, Ended, Launch, Reinvoke
from powertools_durable.local.executions import RUNNING, ExecutionService
from powertools_durable.local.invoker import Invoker, OutcomeLike, reserved
from powertools_durable.local.store import Commit, ConflictError, ExecutionRecord
from powertools_durable.local.store_schema import DamagedExecutionError
from powertools_durable.local.transitions import fire, wake_time
from powertools_durable.service.wire import OperationType, WireDict

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FailedOutcome:
    """The outcome of an invocation the invoker could not run at all."""

    request_id: str
    error: dict[str, Any]
    output: Any = None
    logs: str = ""
    start_ms: int = 0
    end_ms: int = 0


EXIT_ERROR = "Runtime.ExitError"
_OUTPUT_STATUSES = ("SUCCEEDED", "FAILED", "PENDING")


class Scheduler:
    """Runs the invocations and timers of every execution of an :class:`ExecutionService`."""

    def __init__(
        self,
        service: ExecutionService,
        invoker: Invoker,
        *,
        max_concurrency: int = 64,
        max_failures: int = 5,
        backoff_ms: int = 500,
    ) -> None:
        self.service = service
        self.store = service.store
        self.clock = service.clock
        self.invoker = invoker
        self.max_failures = max_failures
        self.backoff_ms = backoff_ms
        self._pool = ThreadPoolExecutor(max_concurrency, thread_name_prefix="durable-invoke")
        self._timers: dict[str, Timer] = {}
        self._timeouts: dict[str, Timer] = {}
        self._guard = threading.Lock()
        self._closed = False
        service.on_effects = self.apply
        self.chained = ChainedInvokes(service, self.run_task, self.run_plain)

    def apply(self, effects: list[Effect]) -> None:
        """Apply the effects of a change that has been committed (never before: see :mod:`.effects`)."""
        for effect in effects:
            if isinstance(effect, Launch):
                self.launch(effect.record)
            elif isinstance(effect, Ended):
                self._forget(effect.record)
                if effect.record.parent_arn is not None:
                    self.chained.child_ended(effect.record)
            elif isinstance(effect, Reinvoke):
                self.submit(effect.arn)
            else:
                self.chained.apply(effect)

    # -- timers ---------------------------------------------------------------------------

    def launch(self, record: ExecutionRecord) -> None:
        """A new (or recovered) execution: arm its timeout and run it."""
        arn = record.arn  # the timer holds the ARN only, never the record (and its payload)
        timer = self.clock.call_at(record.timeout_at_ms, lambda: self.service.time_out(arn))
        with self._guard:
            self._timeouts[arn] = timer
        self._arm(arn, record.invoke_at_ms)

    def _arm(self, arn: str, when_ms: int | None) -> None:
        """Look at ``arn`` again at ``when_ms`` (at once, without a timer, when that time has come)."""
        if when_ms is None:
            return
        if when_ms <= self.clock.now_ms():
            self.submit(arn)
            return
        timer = self.clock.call_at(when_ms, lambda: self.submit(arn))
        with self._guard:
            previous = self._timers.pop(arn, None)
            self._timers[arn] = timer
        if previous is not None:
            previous.cancel()

    def memory_footprint(self) -> dict[str, int]:
        """How many executions have timers here (bounded by those running)."""
        with self._guard:
            return {"timers": len(self._timers), "timeouts": len(self._timeouts)}

    def _forget(self, record: ExecutionRecord) -> None:
        with self._guard:
            timers = [self._timers.pop(record.arn, None), self._timeouts.pop(record.arn, None)]
        for timer in timers:
            if timer is not None:
                timer.cancel()

    def submit(self, arn: str) -> None:
        """Queue one unit of work for ``arn`` (the clock counts it as in flight until it is done)."""
        if self._closed:
            return
        self.clock.work_started()
        try:
            self._pool.submit(self._work, arn)
        except RuntimeError:  # the pool is shut down
            self.clock.work_finished()

    def run_task(self, task: Callable[[], None]) -> None:
        """Run ``task`` on the pool (counted as work in flight, so a skipping clock waits for it)."""
        if self._closed:
            return
        self.clock.work_started()

        def run() -> None:
            try:
                task()
            except Exception:
                logger.exception("an emulator task failed")
            finally:
                self.clock.work_finished()

        try:
            self._pool.submit(run)
        except RuntimeError:
            self.clock.work_finished()

    def run_plain(self, spec: Any, payload: str) -> WireDict:
        """One invocation of a plain (non-durable) function: its output or its error."""
        outcome = self.invoker.invoke(spec, json.loads(payload), timeout_scale=1 / self.clock.wall_seconds(1))
        return {"output": outcome.output, "error": outcome.error, "logs": outcome.logs}

    def _work(self, arn: str) -> None:
        try:
            self._advance(arn)
        except DamagedExecutionError:
            return  # reported by the store (file, execution, fix); the others go on
        except Exception:
            logger.exception("the emulator failed to advance execution %s", arn)
        finally:
            self.clock.work_finished()

    # -- one invocation -------------------------------------------------------------------

    def _advance(self, arn: str) -> None:
        spec = self._due(arn)
        if spec is None:
            return
        with reserved(self.invoker, spec) as run:  # a worker first: only then is the invocation begun
            record = self._begin(arn)
            if record is None:
                return
            event = self.service.envelope(record)
            request_id = record.invocation_id or ""
            outcome: OutcomeLike
            try:
                outcome = run(event, request_id=request_id, timeout_scale=1 / self.clock.wall_seconds(1))
            except Exception as exc:  # the invoker itself broke: count it as a failed invocation
                logger.exception("invoking %s failed", arn)
                error = {"ErrorType": EXIT_ERROR, "ErrorMessage": f"the invocation could not run: {exc}"}
                outcome = FailedOutcome(request_id, error)
        if self._closed:
            return  # leave the invocation in flight: the next emulator on this store recovers it
        next_wake = self._complete(arn, request_id, outcome)
        self._arm(arn, next_wake)

    def _due(self, arn: str) -> Any | None:
        """The function to invoke if ``arn`` can go on now (else arm its next wake-up); nothing is written."""
        with self.service.locked(arn):
            record = self.store.get(arn)
            if record is None or record.status != RUNNING or record.invocation_id is not None:
                return None
            spec = self.service.functions.get(record.function_name)
            if spec is None:
                error = {"ErrorType": "ResourceNotFoundException", "ErrorMessage": "the function left the template"}
                self.service.finish(record, "FAILED", self.clock.now_ms(), error=error)
                return None
            now = self.clock.now_ms()
            next_wake = self._next_wake(arn)
            if (record.invoke_at_ms is not None and record.invoke_at_ms <= now) or (
                next_wake is not None and next_wake <= now
            ):
                return spec
            pending = [t for t in (record.invoke_at_ms, next_wake) if t is not None]
            self._arm(arn, min(pending) if pending else None)
            return None

    def _begin(self, arn: str) -> ExecutionRecord | None:
        """Fire what is due and begin an invocation with a fresh checkpoint token, in one commit (a worker is held)."""
        with self.service.locked(arn):
            record = self.store.get(arn)
            if record is None or record.status != RUNNING or record.invocation_id is not None:
                return None
            now = self.clock.now_ms()
            fired, events = [], []
            for op in self.store.operations(arn):
                due = wake_time(op)
                if due is not None and due <= now:
                    fired.append(fire(op, now))
                    event = history.fired_event(op, fired[-1], now)
                    if event is not None:
                        events.append(event)
            wanted = record.invoke_at_ms is not None and record.invoke_at_ms <= now
            if not fired and not wanted:  # another unit of work got here first
                return None
            record.invocation_id = str(uuid.uuid4())
            record.invocation_start_ms = now
            record.invoke_at_ms = None
            record.invocation_updated_ids = list(dict.fromkeys([*record.updated_ids, *(op["Id"] for op in fired)]))
            record.updated_ids = []
            record.token = self.service.new_token(record)
            self.store.commit(Commit(record, fired, events))
            return record

    def _next_wake(self, arn: str) -> int | None:
        wakes = [t for op in self.store.operations(arn) if (t := wake_time(op)) is not None]
        return min(wakes) if wakes else None

    def _complete(self, arn: str, request_id: str, outcome: OutcomeLike) -> int | None:
        """Write ``InvocationCompleted`` and act on the output; return when to look at ``arn`` again."""
        with self.service.locked(arn):
            record = self.store.get(arn)
            if record is None or record.invocation_id != request_id:
                return None  # stopped or timed out while the invocation ran
            now = self.clock.now_ms()
            output, error = outcome.output, outcome.error
            if error is None and not (isinstance(output, dict) and output.get("Status") in _OUTPUT_STATUSES):
                status = output.get("Status") if isinstance(output, dict) else type(output).__name__
                error = {
                    "ErrorType": "Runtime.InvalidDurableOutput",
                    "ErrorMessage": f"the function returned no durable output envelope (Status {status!r}):"
                    " is its handler decorated with @durable_handler (or @durable_execution)?",
                }
            completed = history.invocation_completed(record.invocation_start_ms or now, now, request_id, error)
            record.invocation_id = record.token = record.invocation_start_ms = None
            record.invocation_updated_ids = []
            logs = (request_id, outcome.logs)
            try:
                return self._act(record, output, error, completed, now, logs, request_id)
            except ConflictError:
                return None

    def _act(
        self,
        record: ExecutionRecord,
        output: Any,
        error: WireDict | None,
        completed: WireDict,
        now: int,
        logs: tuple[str, str],
        request_id: str,
    ) -> int | None:
        finish = self.service.finish
        if error is not None:
            record.failures += 1
            if record.failures >= self.max_failures or error.get("ErrorType") == "Runtime.InvalidDurableOutput":
                finish(record, "FAILED", now, error=error, events=[completed], expect_invocation=request_id, logs=logs)
                return None
            record.invoke_at_ms = now + self.backoff_ms * 2 ** (record.failures - 1)
            self.store.commit(Commit(record, [], [completed], expect_invocation=request_id, logs=logs))
            return record.invoke_at_ms
        record.failures = 0
        status = output["Status"]
        if status == "PENDING":  # a callback answered during the invocation set invoke_at_ms
            self.store.commit(Commit(record, [], [completed], expect_invocation=request_id, logs=logs))
            wakes = [t for t in (record.invoke_at_ms, self._next_wake(record.arn)) if t is not None]
            return min(wakes) if wakes else None
        details = self._execution_details(record.arn)
        if status == "SUCCEEDED":
            result = output.get("Result") or details.get("Result")
            finish(record, "SUCCEEDED", now, result=result, events=[completed], expect_invocation=request_id, logs=logs)
        else:
            failure = output.get("Error") or details.get("Error") or {}
            finish(record, "FAILED", now, error=failure, events=[completed], expect_invocation=request_id, logs=logs)
        return None

    def _execution_details(self, arn: str) -> WireDict:
        for op in self.store.operations(arn):
            if op["Type"] == OperationType.EXECUTION:
                details: WireDict = op.get("ExecutionDetails") or {}
                return details
        return {}

    # -- restart --------------------------------------------------------------------------

    def purge(self) -> int:
        """Delete the executions whose retention period (``RetentionPeriodInDays`` after their end) is over."""
        now, expired = self.clock.now_ms(), 0
        for record in self.store.executions():
            if record.end_ms is not None and record.end_ms + record.retention_days * 86_400_000 < now:
                self.store.delete(record.arn)
                expired += 1
        return expired

    def recover(self) -> int:
        """Resume every RUNNING execution of the store; an invocation left in flight died with the emulator.

        A damaged execution is skipped (the store reports it, naming the file and the fix); the
        others resume.
        """
        records = self.store.executions(status=RUNNING)
        resumed = 0
        for record in records:
            try:
                self._recover(record)
            except DamagedExecutionError:
                continue
            resumed += 1
        return resumed

    def _recover(self, record: ExecutionRecord) -> None:
        with self.service.locked(record.arn):
            if record.invocation_id is not None:
                now = self.clock.now_ms()
                error = {
                    "ErrorType": EXIT_ERROR,
                    "ErrorMessage": "the emulator stopped while this invocation was running",
                }
                completed = history.invocation_completed(
                    record.invocation_start_ms or now, now, record.invocation_id, error
                )
                record.invocation_id = record.token = record.invocation_start_ms = None
                record.invocation_updated_ids = []
                record.failures += 1
                record.invoke_at_ms = now
                self.store.commit(Commit(record, [], [completed]))
        self.chained.recover(record)
        self.launch(record)
        if record.invoke_at_ms is None:
            self._arm(record.arn, self._next_wake(record.arn))

    def close(self) -> None:
        self._closed = True
        with self._guard:
            timers = [*self._timers.values(), *self._timeouts.values()]
            self._timers.clear()
            self._timeouts.clear()
        for timer in timers:
            timer.cancel()
        self._pool.shutdown(wait=False, cancel_futures=True)
