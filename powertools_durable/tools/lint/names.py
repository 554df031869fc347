"""What a call refers to: import aliases resolved to qualified names (``dt.now`` -> ``datetime.datetime.now``)."""

from __future__ import annotations

import ast

NON_DETERMINISTIC = frozenset(
    {
        "time.time",
        "time.time_ns",
        "time.monotonic",
        "time.monotonic_ns",
        "time.perf_counter",
        "time.perf_counter_ns",
        "time.localtime",
        "time.gmtime",
        "datetime.datetime.now",
        "datetime.datetime.utcnow",
        "datetime.datetime.today",
        "datetime.date.today",
        "uuid.uuid1",
        "uuid.uuid4",
        "os.urandom",
        "os.getrandom",
        "random.SystemRandom",
    }
)
NON_DETERMINISTIC_MODULES = ("random.", "secrets.")
IO_CALLS = frozenset({"os.system", "os.popen", "socket.create_connection", "socket.socket", "urllib.request.urlopen"})
IO_MODULES = ("boto3.", "botocore.", "requests.", "httpx.", "urllib3.", "urllib.request.", "subprocess.", "aiohttp.")
# Objects whose methods do I/O: a client bound to a name, then called in workflow code.
IO_CONSTRUCTORS = ("boto3.", "requests.Session", "httpx.Client", "urllib3.PoolManager")

DURABLE_OPERATIONS = frozenset(
    {
        "step",
        "wait",
        "run_in_child_context",
        "parallel",
        "map",
        "create_callback",
        "wait_for_callback",
        "wait_for_condition",
        "invoke",
    }
)


def imports_of(tree: ast.Module) -> dict[str, str]:
    """Local name -> qualified name, for every import in the module (at any depth)."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    top = alias.name.split(".", 1)[0]
                    aliases[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def dotted(node: ast.expr) -> list[str] | None:
    """``a.b.c`` as ``["a", "b", "c"]``; ``None`` for anything that is not a plain dotted name."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return parts[::-1]


def qualified(node: ast.expr, aliases: dict[str, str]) -> str | None:
    """The qualified name ``node`` refers to through the module's imports (``None`` when not imported)."""
    parts = dotted(node)
    if parts is None or parts[0] not in aliases:
        return None
    return ".".join([aliases[parts[0]], *parts[1:]])


def is_non_deterministic(name: str, call: ast.Call) -> bool:
    if name == "random.Random":
        return not call.args and not call.keywords  # seeded, it is deterministic
    return name in NON_DETERMINISTIC or name.startswith(NON_DETERMINISTIC_MODULES)


def is_io(name: str) -> bool:
    return name in IO_CALLS or name.startswith(IO_MODULES)


def opens_for_writing(call: ast.Call) -> bool:
    """``open(path, "w")`` and friends: a mode with w, a, x or +."""
    mode: ast.expr | None = call.args[1] if len(call.args) > 1 else None
    for keyword in call.keywords:
        if keyword.arg == "mode":
            mode = keyword.value
    return isinstance(mode, ast.Constant) and isinstance(mode.value, str) and any(c in mode.value for c in "wax+")
