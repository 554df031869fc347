"""Fixtures: the emulator on a free port with the in-thread stand-in invoker, and a boto3 client to it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from powertools_durable.local.emulator import LocalEmulator
from tests.e2e.service.handlers import HANDLERS
from tests.e2e.service.standin import Durable, InThreadInvoker, Spec, client

SPECS = {name: Spec(name) for name in HANDLERS}
SPECS["Short"] = Spec("Short", durable=Durable(execution_timeout=2))

EmulatorFactory = Callable[..., LocalEmulator]


@pytest.fixture
def make_emulator() -> Iterator[EmulatorFactory]:
    started: list[LocalEmulator] = []
    invokers: list[InThreadInvoker] = []

    def make(store: str | Path = ":memory:", **options: Any) -> LocalEmulator:
        handlers = {**HANDLERS, "Short": HANDLERS["LongWait"]}

        def invoker(url: str) -> InThreadInvoker:
            invokers.append(InThreadInvoker(url, handlers))
            return invokers[-1]

        options.setdefault("time_scale", 20)
        emulator = LocalEmulator(SPECS, store=store, invoker=invoker, **options).start()
        emulator.invocations = invokers[-1].invocations  # type: ignore[attr-defined]
        emulator.invocation_events = invokers[-1].events  # type: ignore[attr-defined]
        started.append(emulator)
        return emulator

    yield make
    for emulator in started:
        emulator.close()


@pytest.fixture
def emulator(make_emulator: EmulatorFactory) -> LocalEmulator:
    return make_emulator()


@pytest.fixture
def lambda_client(emulator: LocalEmulator) -> Any:
    return client(emulator.endpoint_url)
