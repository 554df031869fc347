"""Fixtures: the emulator serving the console's test app, and Debian's Chromium driven by Playwright.

The browser is the system's (``/usr/bin/chromium``, or ``CHROMIUM``): Playwright's own download
needs the network. Without it the tests fail, saying how to install it (they are never skipped).
``UPDATE_SCREENSHOTS=1`` writes the screenshots into docs/images/ (the docs show them); otherwise
they go to a temporary directory, so a test run leaves the worktree clean.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from powertools_durable.local.emulator import LocalEmulator

APP = Path(__file__).parent / "app" / "template.yaml"
DOCS_IMAGES = Path(__file__).parents[3] / "docs" / "images"
TIME_SCALE = 10  # a 30 s (modelled) wait lasts 3 s
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REBOUND_NAME = "rebind.test"  # a DNS-rebinding site's own name, resolved to the emulator's address
BROWSER_ARGS = [*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {REBOUND_NAME} 127.0.0.1"]
INSTALL_HINT = (
    "run `bash scripts/install-browser.sh` (as root: apt-get update && apt-get install -y chromium), "
    "or point CHROMIUM at a Chromium binary"
)


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail(f"the console's browser tests need Chromium, not found at {path}: {INSTALL_HINT}", pytrace=False)
    return path


@pytest.fixture(scope="module")
def console_emulator() -> Iterator[LocalEmulator]:
    with LocalEmulator(APP, time_scale=TIME_SCALE) as emulator:
        yield emulator


@pytest.fixture(scope="module")  # Playwright's sync API holds an event loop: none outlives the browser tests
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        pytest.fail("the console's browser tests need Playwright: pip install -e '.[dev]'", pytrace=False)
    executable = chromium_path()
    expect.set_options(timeout=30_000)  # waits for the emulator (a worker's cold start, a wait's end), not timings
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=executable,
            headless=True,
            args=BROWSER_ARGS,
            viewport={"width": 1440, "height": 960},
        )
        context.set_default_timeout(20_000)
        yield context
        context.close()


@pytest.fixture
def page(browser_context: Any) -> Iterator[Any]:
    """A fresh tab; any script error on the page fails the test."""
    tab = browser_context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))

    def dialog(opened: Any) -> None:  # an alert() would mean a payload ran as script
        errors.append(f"dialog: {opened.message}")
        opened.dismiss()

    tab.on("dialog", dialog)
    yield tab
    tab.close()
    assert not errors, errors


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """Where screenshots go: docs/images/ with UPDATE_SCREENSHOTS=1, else a temporary directory."""
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
        return DOCS_IMAGES
    return tmp_path
