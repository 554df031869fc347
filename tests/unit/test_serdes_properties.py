"""Property: random tagged envelopes (random tags, random class paths) never import anything.

Whatever a payload holds, reading it returns a value or raises ``SerDesError``: no other exception,
and ``sys.modules`` is the same before and after.
"""

from __future__ import annotations

import contextlib
import json
import sys
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from powertools_durable import (
    DataclassSerDes,
    ExtendedTypeSerDes,
    PydanticSerDes,
    SerDes,
    SerDesContext,
    SerDesError,
    TypedSerDes,
)

CONTEXT = SerDesContext("op-1", "arn:exec")


class Model(BaseModel):
    a: int = 0


@dataclass
class Box:
    a: int = 0
    inner: Model | None = None


TAGS = ["n", "b", "s", "i", "f", "m", "l", "t", "dt", "D", "d", "u", "B", "pm", "dc"]
# modules a real attacker would name, modules not loaded yet, and the declared classes themselves
PATHS = [
    "subprocess:Popen",
    "os:system",
    "builtins:eval",
    "antigravity:x",
    "this:s",
    "tkinter:Tk",
    "http.server:HTTPServer",
    "xml.dom.minidom:parseString",
    f"{__name__}:Box",
    f"{__name__}:Model",
]

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
class_paths = st.sampled_from(PATHS) | st.from_regex(r"\A[a-z_][a-z0-9_.]{0,12}:[A-Za-z_][A-Za-z0-9_.]{0,12}\Z")


def _envelopes(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    tag = st.sampled_from(TAGS) | st.text(max_size=3)
    return (
        st.builds(lambda t, v: {"t": t, "v": v}, tag, children)
        | st.builds(lambda t, v: {"t": t, "v": v}, tag, st.lists(children, max_size=3))
        | st.builds(lambda t, v: {"t": t, "v": v}, tag, st.dictionaries(st.text(max_size=3), children, max_size=3))
        | st.builds(
            lambda t, c, d: {"t": t, "v": {"c": c, "d": d}},
            st.sampled_from(["pm", "dc"]),
            class_paths,
            st.dictionaries(st.sampled_from(["a", "inner", "args", "x"]), children, max_size=3) | children,
        )
    )


payloads = st.recursive(json_scalars, _envelopes, max_leaves=12)

SERDES: list[SerDes[Any]] = [
    ExtendedTypeSerDes(),
    ExtendedTypeSerDes(allowed_types=[Box]),
    PydanticSerDes(Model),
    DataclassSerDes(Box),
    TypedSerDes(list[Box]),
]


def _warm_up() -> None:
    """Let pydantic build its validators and serializers (and import what it imports) before measuring."""
    for serdes in SERDES:
        for data in ('{"a": 1}', "[]", "null", '{"t":"m","v":{}}', "1"):
            with contextlib.suppress(SerDesError):
                serdes.deserialize(data, CONTEXT)
    SERDES[3].serialize(Box(1, Model(a=2)), CONTEXT)


_warm_up()


@settings(max_examples=400, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(payload=payloads)
def test_random_envelopes_import_nothing_and_raise_only_serdes_error(payload: Any) -> None:
    # GIVEN a random tagged payload
    data = json.dumps(payload)
    before = set(sys.modules)

    # WHEN every serdes reads it
    for serdes in SERDES:
        # THEN the only failure is a SerDesError (anything else propagates and fails the test)
        with contextlib.suppress(SerDesError):
            serdes.deserialize(data, CONTEXT)

    # AND no module was imported
    assert set(sys.modules) == before
