"""The replayer: re-run a handler against a recorded execution (``powertools-durable replay``, ``assert_replays``)."""

from powertools_durable.tools.replay.history import HistoryError, RecordedExecution, load
from powertools_durable.tools.replay.replayer import Divergence, ReplayReport, assert_replays, replay

__all__ = ["Divergence", "HistoryError", "RecordedExecution", "ReplayReport", "assert_replays", "load", "replay"]
