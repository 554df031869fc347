"""Which Python runs a function: the one its ``Runtime`` names, when the machine has it.

Lambda runs ``python3.13`` code on Python 3.13; so does the emulator when it finds that
interpreter (the current one if it is that version, then pyenv's ``~/.pyenv/versions/3.13.*``,
then ``python3.13`` on ``PATH``). When it finds none it warns once per runtime and runs the
function on the current interpreter.

A worker's ``sys.path`` is the function's code first (with a ``sam build``'s vendored
requirements), then its layers, then the interpreter's own paths; on another interpreter than
the emulator's, last, this emulator's package (the engine must import) and site-packages
(pure-Python dependencies of a project that is not built; compiled ones need ``sam build`` for
the function's runtime, as on Lambda).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import sys
import sysconfig
import warnings
from pathlib import Path

import powertools_durable

_PYTHON_RUNTIME = re.compile(r"^python(\d+)\.(\d+)$")
INTERPRETER_ENV = "POWERTOOLS_DURABLE_LOCAL_PYTHON"  # "current", or an interpreter path, for every function
PACKAGE_ROOT = Path(powertools_durable.__file__).resolve().parent.parent


class InterpreterWarning(UserWarning):
    """The emulator runs a function on another Python than its ``Runtime`` names."""


def runtime_version(runtime: str) -> tuple[int, int] | None:
    """``(3, 13)`` for ``python3.13``; None for a runtime that is not Python."""
    match = _PYTHON_RUNTIME.match(runtime)
    return (int(match.group(1)), int(match.group(2))) if match else None


def find_python(runtime: str) -> str:
    """The interpreter for ``runtime``: the current one if it matches, else one found on the machine.

    ``POWERTOOLS_DURABLE_LOCAL_PYTHON`` overrides the choice (``current``: the emulator's own).
    Falls back to the current interpreter with a warning (once per runtime and process).
    """
    chosen = os.environ.get(INTERPRETER_ENV, "").strip()
    if chosen:
        return sys.executable if chosen == "current" else chosen
    return _runtime_python(runtime)


@functools.cache
def _runtime_python(runtime: str) -> str:
    version = runtime_version(runtime)
    if version is None or sys.version_info[:2] == version:
        return sys.executable
    found = _pyenv_python(version) or _path_python(version)
    if found is not None:
        return found
    current = f"{sys.version_info[0]}.{sys.version_info[1]}"
    warnings.warn(
        f"Runtime {runtime}: no Python {version[0]}.{version[1]} on this machine (pyenv or python{version[0]}."
        f"{version[1]} on PATH); its functions run on Python {current}",
        InterpreterWarning,
        stacklevel=3,
    )
    return sys.executable


def _pyenv_python(version: tuple[int, int]) -> str | None:
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    prefix = f"{version[0]}.{version[1]}."
    candidates = sorted(
        (p for p in root.glob(f"{prefix}*") if re.fullmatch(r"\d+\.\d+\.\d+", p.name)),
        key=lambda p: int(p.name.rsplit(".", 1)[1]),
    )
    for directory in reversed(candidates):
        binary = directory / "bin" / f"python{version[0]}.{version[1]}"
        if os.access(binary, os.X_OK):
            return str(binary)
    return None


def _path_python(version: tuple[int, int]) -> str | None:
    """``pythonX.Y`` on PATH, skipping pyenv's shims (they fail when that version is not selected)."""
    name = f"python{version[0]}.{version[1]}"
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        if not directory or "shims" in Path(directory).parts:
            continue
        binary = shutil.which(name, path=directory)
        if binary is not None:
            return binary
    return None


def worker_path(interpreter: str, layers: tuple[Path, ...]) -> tuple[list[str], list[str]]:
    """What a worker puts on ``sys.path`` after the function's code: ``(front, tail)``.

    ``front`` (the layers) goes before the interpreter's standard library, as ``/opt/python`` does on
    Lambda; ``tail`` (the emulator's package and site-packages, for another interpreter than the
    emulator's only) goes last, so it never shadows what the interpreter or the function brings.
    """
    front = [str(layer) for layer in layers]
    if interpreter == sys.executable:
        return front, []  # the emulator's own environment imports the package already
    tail = [str(PACKAGE_ROOT)]
    for key in ("purelib", "platlib"):
        site = sysconfig.get_paths()[key]
        if site not in tail:
            tail.append(site)
    return front, tail
