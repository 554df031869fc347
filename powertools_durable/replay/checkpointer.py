"""The checkpointer: the only code that calls the durable-execution service.

Built for concurrent callers (parallel branches, map iterations) as a *group commit*: at most one
CheckpointDurableExecution call is in flight; everything enqueued while it flies goes together in
the next call, so N branches finishing at once cost one round trip, not N. There is no background
thread: a caller that needs its updates acknowledged and finds no call in flight sends the batch
itself (it becomes the leader), so sequential code pays exactly one call per step and no thread
hand-off.

Guarantees:

- updates go out in the order they were enqueued, each exactly once; tokens are chained in order
  (one call in flight at a time);
- :meth:`Checkpointer.commit` returns only once its updates are acknowledged;
- a failed call, or a malformed answer, poisons the checkpointer: it fails every waiter and every
  later call with the same :class:`~powertools_durable.exceptions.InvocationError`, so the
  invocation fails and Lambda retries it; the updates of the failed call stay queued, never
  half-recorded;
- a batch never exceeds the API's limits (:data:`MAX_BATCH_UPDATES` updates,
  :data:`MAX_BATCH_BYTES` of payload); a larger queue is split over several calls.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable

from powertools_durable.exceptions import CheckpointError, GetExecutionStateError, InvocationError
from powertools_durable.replay.batches import MAX_BATCH_BYTES, MAX_BATCH_UPDATES, take_batch
from powertools_durable.service.answers import checked_marker, checked_operations, malformed
from powertools_durable.service.client import DurableServiceClient
from powertools_durable.service.wire import WireDict

__all__ = ["MAX_BATCH_BYTES", "MAX_BATCH_UPDATES", "Checkpointer", "MergeOperations"]

# How long a leader waits for running branches to commit with it (see Checkpointer._gather):
GATHER_SHARE = 0.3  # at most this share of a round trip since the last branch arrived,
GATHER_MIN_SECONDS = 0.0005  # ... but at least this (an in-process service's round trip is ~0),
GATHER_CAP_SECONDS = 0.01  # and in all at most this, or one round trip when that is longer
# A round trip whose caller waits (not computes) this long lets running branches work meanwhile: when
# their updates would overflow this batch anyway, the leader sends at once instead of gathering.
PIPELINE_IDLE_SECONDS = 0.001

MergeOperations = Callable[[Iterable[WireDict]], None]


class Checkpointer:
    """Group commit over a :class:`DurableServiceClient`, for one invocation.

    Parameters
    ----------
    client
        The service client.
    durable_execution_arn, token
        The execution and the checkpoint token the invocation started with.
    merge
        Called with the operations of every answer (checkpoint and state pages), in order.
    """

    def __init__(self, client: DurableServiceClient, durable_execution_arn: str, token: str, merge: MergeOperations):
        self.client = client
        self.durable_execution_arn = durable_execution_arn
        self.token: str | None = token
        self.calls = 0
        self._merge = merge
        self._lock = threading.Lock()  # guards the fields below
        self._waiters: list[tuple[int, threading.Lock]] = []  # (update number awaited, its condition)
        self._relay: deque[threading.Lock] = deque()  # acknowledged waiters not woken yet: each wakes the next
        self._queue: list[WireDict] = []
        self._enqueued = 0  # updates ever enqueued; an update's number is its position in that sequence
        self._acknowledged = 0  # updates acknowledged by the service, a prefix of that sequence
        self._in_flight = False
        self._failure: InvocationError | None = None
        self._participants = 0  # concurrent branches that may commit soon (see join / gather)
        self._round_trip = 0.0  # a moving average of the seconds a call takes
        self._idle_trip = 0.0  # ... and of the part of it the calling thread waited (others may run)
        self._per_committer = 0.0  # a moving average of the updates a call carries per waiting committer
        self._last_arrival = 0.0  # when a branch last queued an update or began to wait (monotonic)
        self._gatherer: threading.Lock | None = None  # held by a gathering leader; released to wake it

    # -- what operations call ---------------------------------------------------------------------------
    def enqueue(self, update: WireDict) -> None:
        """Queue ``update``: it goes out with the next call, without anyone waiting for it."""
        with self._lock:
            self._queue.append(update)
            self._enqueued += 1
            if self._gatherer is not None:
                self._last_arrival = time.monotonic()

    def commit(self, *updates: WireDict) -> None:
        """Queue ``updates`` and return once they (and everything queued before) are acknowledged.

        Raises
        ------
        InvocationError
            The call carrying them, or an earlier one, failed; nothing after it was recorded.
        """
        self._lock.acquire()
        self._queue.extend(updates)
        self._enqueued += len(updates)
        self._wait_then_release(self._enqueued)

    def queue(self, *updates: WireDict) -> int:
        """Queue ``updates`` without waiting; returns the number :meth:`wait_for` waits for (the async driver).

        An event loop must not block on :meth:`commit`: it queues here, on the loop, and one sender
        thread waits for the highest number queued, so every task's updates of one loop turn share a call.
        """
        with self._lock:
            self._queue.extend(updates)
            self._enqueued += len(updates)
            return self._enqueued

    def wait_for(self, target: int) -> None:
        """Return once update number ``target`` (from :meth:`queue`) and every one before it are acknowledged."""
        self._lock.acquire()
        self._wait_then_release(target)

    @property
    def acknowledged(self) -> int:
        """How many updates the service acknowledged (a prefix of the numbers :meth:`queue` returns)."""
        return self._acknowledged

    def flush(self) -> None:
        """Send whatever is queued and wait for it (before the invocation returns)."""
        self._lock.acquire()
        self._wait_then_release(self._enqueued)

    def join(self) -> None:
        """A concurrent branch starts (or is about to): a leader may wait a moment for its updates."""
        with self._lock:
            self._participants += 1

    def leave(self) -> None:
        """A concurrent branch ended."""
        with self._lock:
            self._participants -= 1
            self._wake_gatherer_if_all_waiting()

    @property
    def pending(self) -> list[WireDict]:
        """The updates not yet acknowledged and not in flight (a copy)."""
        with self._lock:
            return list(self._queue)

    @property
    def failure(self) -> InvocationError | None:
        return self._failure

    def raise_if_failed(self) -> None:
        if self._failure is not None:
            raise self._failure

    def fail(self, exc: InvocationError) -> InvocationError:
        """Poison the checkpointer with ``exc`` (first failure wins) and return the one that stands."""
        with self._lock:
            if self._failure is None:
                self._failure = exc
            return self._failure

    # -- state pages ------------------------------------------------------------------------------------
    def page_in(self, marker: str | None) -> None:
        """Fetch and merge the pages of state that follow ``marker`` (GetDurableExecutionState)."""
        operation = "GetDurableExecutionState"
        while marker:
            try:
                page = self.client.get_execution_state(self.durable_execution_arn, self._current_token(), marker)
                if not isinstance(page, dict):
                    raise GetExecutionStateError(malformed(operation, f"a {type(page).__name__}, not an object"))
                operations = checked_operations(page.get("Operations"), operation)
                marker = checked_marker(page.get("NextMarker"), operation)
            except InvocationError as exc:
                raise self.fail(exc) from None
            except Exception as exc:  # a client that raised something else: still transient, never a verdict
                raise self.fail(GetExecutionStateError(f"{operation} failed: {type(exc).__name__}: {exc}")) from exc
            self._merge(operations)

    # -- the group commit -------------------------------------------------------------------------------
    def _wait_then_release(self, target: int) -> None:
        """Called with the lock held: lead calls or wait until update ``target`` is acknowledged; releases the lock.

        Each waiter sleeps on its own condition, woken only when its updates are acknowledged or when
        it is the next to lead: a hundred branches waiting cost one wake-up each per call, not a hundred.
        A waiter woken because its updates are acknowledged returns without taking the lock again (the
        count only grows): the branches a call releases do not queue behind each other for it.
        """
        held = True
        try:
            while self._acknowledged < target:
                if self._failure is not None:
                    raise self._failure
                if self._in_flight:
                    waiter = threading.Lock()  # held until the leader releases it: a one-shot wake-up, no Condition
                    waiter.acquire()
                    self._waiters.append((target, waiter))
                    if self._gatherer is not None:
                        self._last_arrival = time.monotonic()
                        self._wake_gatherer_if_all_waiting()
                    self._lock.release()
                    held = False
                    try:
                        waiter.acquire()
                    except BaseException:  # interrupted: it cannot pass the relay on, so wake all it would have
                        self._relay_all()
                        raise
                    self._relay_next()
                    if self._acknowledged >= target:
                        return
                    self._lock.acquire()
                    held = True
                else:
                    self._lead()
        finally:
            if held:
                self._lock.release()

    def _gather(self) -> None:
        """With the lock held: before a call, let running branches that are about to commit join it.

        Branches released by the previous answer reach their next commit one after another (the
        interpreter runs one at a time); a leader that sent before they all arrived would fly with
        part of the wave and leave the rest for the call after, splitting every later wave in two
        (about 1.5 round trips per item). So the leader waits while some participant is neither
        waiting nor gone, for as long as branches keep arriving: it sends once all are waiting, or
        when none arrived for :data:`GATHER_SHARE` of a round trip (at least
        :data:`GATHER_MIN_SECONDS`: a branch in a long step body is not waited for), and never
        after :data:`GATHER_CAP_SECONDS` (or one round trip) in all. It sleeps meanwhile, woken by
        the last branch to arrive. Sequential code has no participants and never waits here.
        """
        gap = max(GATHER_MIN_SECONDS, self._round_trip * GATHER_SHARE)
        now = time.monotonic()
        cap = now + max(GATHER_CAP_SECONDS, self._round_trip)
        self._last_arrival = now
        gatherer = threading.Lock()
        gatherer.acquire()
        self._gatherer = gatherer
        try:
            while not self._all_waiting() and len(self._queue) < MAX_BATCH_UPDATES:
                deadline = min(self._last_arrival + gap, cap)
                if now >= deadline or self._overflows():
                    return
                self._lock.release()
                try:
                    gatherer.acquire(timeout=deadline - now)
                finally:
                    self._lock.acquire()
                now = time.monotonic()
        finally:
            self._gatherer = None

    def _overflows(self) -> bool:
        """With the lock held: the running branches would overflow this batch, and the call leaves time for them.

        Then the ones left out go in the next call anyway: rather than wait for them, the leader
        sends at once and they compute while it flies (the next call is ready when it lands).
        """
        if self._idle_trip < PIPELINE_IDLE_SECONDS:
            return False
        running = self._participants - len(self._waiters) - 1
        return len(self._queue) + running * self._per_committer >= MAX_BATCH_UPDATES

    def _all_waiting(self) -> bool:
        """With the lock held: every participant but the leader waits for an answer (or none is left)."""
        return self._participants <= len(self._waiters) + 1

    def _wake_gatherer_if_all_waiting(self) -> None:
        gatherer = self._gatherer
        if gatherer is not None and gatherer.locked() and self._all_waiting():
            gatherer.release()

    def _lead(self) -> None:
        """With the lock held: send the next batch, releasing the lock while the call flies."""
        self._in_flight = True  # from here on, others queue behind this leader
        concurrent = self._participants > 0  # sequential code pays neither the gathering nor its clocks
        if concurrent:
            self._gather()
            if self._failure is not None:  # poisoned while gathering: nothing more is sent
                self._in_flight = False
                self._wake()
                return
            self._per_committer += (len(self._queue) / (len(self._waiters) + 1) - self._per_committer) / 4
        batch = take_batch(self._queue)
        self._lock.release()
        started = time.monotonic()
        cpu = time.thread_time() if concurrent else 0.0
        try:
            failure = self._send(batch)
        finally:
            self._lock.acquire()
            self._in_flight = False
            elapsed = time.monotonic() - started
            self._round_trip += (elapsed - self._round_trip) / 4
            if concurrent:  # the share of a call its caller waited: others could run meanwhile
                self._idle_trip += (max(0.0, elapsed - (time.thread_time() - cpu)) - self._idle_trip) / 4
        if failure is None:
            self._acknowledged += len(batch)
        else:
            self._queue[:0] = batch  # kept, never half-recorded: the invocation is retried from the checkpoint
            if self._failure is None:
                self._failure = failure
        self._wake()

    def _wake(self) -> None:
        """With the lock held, after a call: wake the waiters it acknowledged, and one more to lead the next.

        The acknowledged ones are woken as a relay, each by the one before as it resumes: waking ten
        threads at once cost the leader ~100 µs of wake-ups (each woken thread preempting it only to
        wait for the interpreter), and they run one at a time under the GIL anyway.
        """
        if self._failure is not None:
            for _, waiter in self._waiters:
                waiter.release()
            self._waiters = []
            self._relay_all()
            return
        remaining = []
        for target, waiter in self._waiters:
            if target <= self._acknowledged:
                self._relay.append(waiter)
            else:
                remaining.append((target, waiter))
        if remaining and self._queue:
            remaining.pop(0)[1].release()  # its updates are queued: it sends them, and everything queued with them
        self._waiters = remaining
        self._relay_next()

    def _relay_next(self) -> None:
        """Wake the next acknowledged waiter (it wakes the one after: see :meth:`_wake`)."""
        with contextlib.suppress(IndexError):  # another thread took the last one
            self._relay.popleft().release()

    def _relay_all(self) -> None:
        while self._relay:
            self._relay_next()

    def _send(self, batch: list[WireDict]) -> InvocationError | None:
        """One CheckpointDurableExecution call and its answer's checks; the failure it ends in, if any."""
        operation = "CheckpointDurableExecution"
        try:
            response = self.client.checkpoint(self.durable_execution_arn, self._current_token(), batch)
            if not isinstance(response, dict):
                raise CheckpointError(malformed(operation, f"a {type(response).__name__}, not an object"))
            token = response.get("CheckpointToken")
            if token is not None and (not isinstance(token, str) or not token):
                raise CheckpointError(malformed(operation, "CheckpointToken is not a non-empty string"))
            state = response.get("NewExecutionState")
            if state is None:
                state = {}
            if not isinstance(state, dict):
                raise CheckpointError(malformed(operation, f"NewExecutionState is a {type(state).__name__}"))
            operations = checked_operations(state.get("Operations"), operation)
            marker = checked_marker(state.get("NextMarker"), operation)
        except InvocationError as exc:
            return exc
        except Exception as exc:  # a client that raised something else: still transient, never a verdict
            return CheckpointError(f"{operation} failed: {type(exc).__name__}: {exc}")
        self.calls += 1
        self.token = token
        self._merge(operations)
        try:
            self.page_in(marker)
        except InvocationError as exc:
            return exc
        return None

    def _current_token(self) -> str:
        if not self.token:
            raise CheckpointError("no checkpoint token: the execution was already completed by an earlier checkpoint")
        return self.token
