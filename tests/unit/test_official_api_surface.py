"""Every user-facing name of AWS's official SDK exists here, with its members, enum values and parameters.

The promise is that a handler written for ``aws-durable-execution-sdk-python`` moves by changing
its imports: each name is looked up in our same-named module (``…sdk_python.waits.X`` in
``powertools_durable.waits``), the package's own exports at the top level. This test walks the
official SDK's user-facing modules and fails on any name, member, enum value or parameter we lack,
so it also catches the official SDK growing. What is left out on purpose (the SDK's internal
machinery) is listed in :data:`OMITTED` with the reason, and in docs/migrating.md.
"""

from __future__ import annotations

import ast
import dataclasses
import enum
import importlib
import inspect
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest

official = pytest.importorskip("aws_durable_execution_sdk_python", reason="the bench extra installs the official SDK")

OFFICIAL = "aws_durable_execution_sdk_python"
OURS = "powertools_durable"

# The official SDK's user-facing modules (issue 13); "" is the package itself.
MODULES = (
    "",
    "config",
    "context",
    "exceptions",
    "execution",
    "retries",
    "serdes",
    "filesystem_serdes",
    "types",
    "waits",
    "plugin",
    "logger",
    "concurrency.models",
)

# Left out on purpose: the official SDK's internal machinery, which no handler touches.
OMITTED: dict[str, str] = {
    # execution: the wire envelope is ours (service/envelope.py, powertools/parser.py)
    "execution.InitialExecutionState": "the invocation envelope is parsed by service/envelope.py",
    "execution.DurableExecutionInvocationInput": "the invocation envelope is parsed by service/envelope.py",
    "execution.DurableExecutionInvocationInputWithClient": "envelope plumbing",
    "execution.DurableExecutionInvocationOutput": "the output envelope is a plain dict built by execution.py",
    "execution.InvocationStatus": "wire enum; ours lives in service/wire.py",
    "execution.handle_checkpoint_error": "internal error routing of the official handler loop",
    "context.DurableContext.from_lambda_context": "factory over the official internal state",
    "context.ExecutionContext.__init__": "built by the engine, never by user code",
    "context.DurableContext.__init__": "built by the engine from its own replay state, never by user code",
    # serdes: the tagged-envelope codec internals; the wire format is the same, the code is not
    "serdes.TypeTag": "internal tag enum of the ExtendedTypeSerDes envelope (same tags on the wire)",
    "serdes.EncodedValue": "internal codec plumbing of ExtendedTypeSerDes",
    "serdes.Codec": "internal codec plumbing of ExtendedTypeSerDes",
    "serdes.PrimitiveCodec": "internal codec plumbing of ExtendedTypeSerDes",
    "serdes.BytesCodec": "internal codec plumbing of ExtendedTypeSerDes",
    "serdes.UuidCodec": "internal codec plumbing of ExtendedTypeSerDes",
    "serdes.DecimalCodec": "internal codec plumbing of ExtendedTypeSerDes",
    "serdes.DateTimeCodec": "internal codec plumbing of ExtendedTypeSerDes",
    "serdes.ContainerCodec": "internal codec plumbing of ExtendedTypeSerDes",
    "serdes.TypeCodec": "internal codec plumbing of ExtendedTypeSerDes",
    "serdes.serialize": "engine helper (wraps errors, records ErrorType); user code calls a SerDes directly",
    "serdes.deserialize": "engine helper (wraps errors, records ErrorType); user code calls a SerDes directly",
    # exceptions: the official engine's own control flow
    "exceptions.AwsErrorObj": "TypedDict of botocore's error shape, used only inside the official client",
    "exceptions.AwsErrorMetadata": "TypedDict of botocore's response metadata, used only inside the official client",
    "exceptions.BackgroundThreadError": "raised by the official SDK's background checkpoint thread; ours has none",
    "exceptions.OrderedLockError": "raised by the official SDK's OrderedLock; ours has no such lock",
    "exceptions.register_operation_error": "registry of the official replay; ours rebuilds operation errors by class",
    "exceptions.BotoClientError.from_exception": "built from a botocore ClientError inside the service client",
    "exceptions.BotoClientError.build_logger_extras": "log formatting of the official client",
    "exceptions.DurableOperationError.from_error_fields": "replay reconstruction; ours is service/wire.operation_error",
    # types: protocols the engine implements, not names user code builds
    "types.LambdaContext.log": "Lambda's own context object provides it; we only read what we need",
    "types.BatchResult": "protocol of the batch result; the class is concurrency.models.BatchResult",
    # concurrency.models: the official executor's branch bookkeeping
    "concurrency.models.Branch": "the official executor's per-branch bookkeeping; ours is concurrency/executor.py",
    "concurrency.models.BranchEvent": "the official executor's internal event; ours is concurrency/executor.py",
    "concurrency.models.BranchEventKind": "the official executor's internal event kind",
    "concurrency.models.BranchStatus": "the official executor's internal branch state",
    "concurrency.models.Executable": "the official executor's unit of work; ours is concurrency.executor.Executable",
    # logger: LogInfo is built from the official ExecutionState / OperationIdentifier
    "logger.LogInfo.from_operation_identifier": "takes the official SDK's internal OperationIdentifier",
    # plugin: the official engine's dispatch machinery; ours is replay/instrumentation.py (PluginRunner)
    "plugin.PluginExecutor": "the official engine's per-invocation dispatch; ours is replay/instrumentation.py",
    "plugin.PluginHost": "the official engine's handler-lifetime holder of factories; ours is handler.py",
}

# Temporary exclusions: owned by other slices in flight. The lead removes each block when merging them.
IN_FLIGHT: dict[str, str] = {}

# Builtin bases whose members are not the official SDK's API.
_BUILTIN_BASES = (object, BaseException, Exception, enum.Enum, enum.StrEnum, str, int)


def _official_module(name: str) -> Any:
    return importlib.import_module(f"{OFFICIAL}.{name}" if name else OFFICIAL)


def _public_names(module_name: str) -> list[str]:
    """The classes, functions and enums a module defines (or, for the package, exports)."""
    module = _official_module(module_name)
    if not module_name:
        return [n for n in module.__all__ if n != "__version__"]
    names = []
    for name, value in vars(module).items():
        if name.startswith("_") or not (inspect.isclass(value) or inspect.isfunction(value)):
            continue
        if getattr(value, "__module__", None) == module.__name__:
            names.append(name)
    return sorted(names)


def _home(obj: Any) -> str | None:
    """The official submodule defining ``obj`` ("config" for ``….config``)."""
    module = getattr(obj, "__module__", "") or ""
    return module[len(OFFICIAL) + 1 :] if module.startswith(OFFICIAL + ".") else None


def _key(module_name: str, *parts: str) -> str:
    return ".".join([module_name, *parts]) if module_name else ".".join(parts)


def _excluded(key: str) -> bool:
    return any(key in table or any(key.startswith(prefix + ".") for prefix in table) for table in (OMITTED, IN_FLIGHT))


def _find_ours(module_name: str, name: str) -> Any:
    """Ours: in the same-named submodule (so an import line moves by its package alone), else ``None``."""
    try:
        module = importlib.import_module(f"{OURS}.{module_name}" if module_name else OURS)
    except ImportError:
        return None
    return getattr(module, name, None)


def _own_members(cls: type) -> dict[str, Any]:
    """Public members the official class (and its non-builtin bases) define, as raw descriptors."""
    members: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        if klass in _BUILTIN_BASES or klass.__module__ in ("typing", "abc", "builtins", "enum"):
            continue
        for name, value in vars(klass).items():
            if not name.startswith("_") or name in {"__init__", "__call__"}:
                members[name] = value
    if issubclass(cls, enum.Enum):
        for name in cls.__members__:
            members.pop(name, None)
    return members


def _init_attributes(cls: type) -> set[str]:
    """Attributes an ``__init__`` in the class's MRO assigns (``self.x = …``), read from the source."""
    found: set[str] = set()
    for klass in cls.__mro__:
        init = vars(klass).get("__init__")
        if init is None or not inspect.isfunction(init):
            continue
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(init)))
        except (OSError, TypeError):
            continue
        for node in ast.walk(tree):
            targets = (
                node.targets
                if isinstance(node, ast.Assign)
                else [node.target]
                if isinstance(node, ast.AnnAssign)
                else []
            )
            for target in targets:
                if (
                    isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id == "self"
                ) and not target.attr.startswith("_"):
                    found.add(target.attr)
    return found


def _has_attribute(cls: type, name: str) -> bool:
    if hasattr(cls, name) or name in _init_attributes(cls):
        return True
    if dataclasses.is_dataclass(cls) and name in {f.name for f in dataclasses.fields(cls)}:
        return True
    return name in getattr(cls, "__annotations__", {})


_SIMPLE = (type(None), bool, int, float, str, enum.Enum)


def _signature_problems(official_obj: Any, ours_obj: Any, key: str = "") -> list[str]:
    """What a call valid on the official callable would break on ours (parameters excluded under ``key`` aside)."""
    try:
        theirs = inspect.signature(official_obj)
        mine = inspect.signature(ours_obj)
    except (TypeError, ValueError):
        return []
    problems: list[str] = []
    our_params = mine.parameters
    var_kw = any(p.kind is p.VAR_KEYWORD for p in our_params.values())
    var_pos = any(p.kind is p.VAR_POSITIONAL for p in our_params.values())
    positional_theirs = [
        p for p in theirs.parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    positional_mine = [p for p in our_params.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    for index, param in enumerate(positional_theirs):
        if key and _excluded(f"{key}.{param.name}"):
            continue
        if index >= len(positional_mine):
            if not var_pos:
                problems.append(f"positional parameter {param.name!r} (#{index}) not accepted")
            continue
        mine_param = positional_mine[index]
        named = param.kind is param.POSITIONAL_OR_KEYWORD and not param.name.startswith("_")
        if named and param.name != mine_param.name and not var_kw:
            problems.append(f"positional parameter #{index} is {mine_param.name!r}, official {param.name!r}")
    for param in theirs.parameters.values():
        if key and _excluded(f"{key}.{param.name}"):
            continue
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            kind = "VAR_POSITIONAL" if param.kind is param.VAR_POSITIONAL else "VAR_KEYWORD"
            if not any(p.kind is param.kind for p in our_params.values()):
                problems.append(f"{kind} *{param.name} not accepted")
            continue
        mine_param = our_params.get(param.name)
        if mine_param is None:
            if param.kind is not param.POSITIONAL_ONLY and not param.name.startswith("_") and not var_kw:
                problems.append(f"keyword {param.name!r} not accepted")
            continue
        if param.kind is param.KEYWORD_ONLY and mine_param.kind not in (
            mine_param.KEYWORD_ONLY,
            mine_param.POSITIONAL_OR_KEYWORD,
        ):
            problems.append(f"{param.name!r} is {mine_param.kind.name}, official KEYWORD_ONLY")
        if param.default is not param.empty:
            if mine_param.default is mine_param.empty:
                problems.append(f"{param.name!r} is required, official optional")
            elif isinstance(param.default, _SIMPLE) and not _same_default(param.default, mine_param.default):
                problems.append(f"{param.name!r} defaults to {mine_param.default!r}, official {param.default!r}")
    return problems


def _same_default(theirs: Any, mine: Any) -> bool:
    if isinstance(theirs, enum.Enum):
        return (
            isinstance(mine, enum.Enum) and type(mine).__name__ == type(theirs).__name__ and mine.value == theirs.value
        )
    return type(theirs) is type(mine) and theirs == mine


def _check_class(module_name: str, name: str, theirs: type, mine: Any) -> Iterator[str]:
    key = _key(module_name, name)
    if not inspect.isclass(mine):
        yield f"{key}: ours is {type(mine).__name__}, official a class"
        return
    if issubclass(theirs, enum.Enum):
        if not issubclass(mine, enum.Enum):
            yield f"{key}: ours is not an Enum"
        else:
            their_values = {m.name: m.value for m in theirs}
            our_values = {m.name: m.value for m in mine}
            for member, value in their_values.items():
                if _excluded(f"{key}.{member}"):
                    continue
                if our_values.get(member) != value:
                    yield f"{key}.{member}: official value {value!r}, ours {our_values.get(member)!r}"
    if issubclass(theirs, BaseException) and not issubclass(mine, BaseException):
        yield f"{key}: ours is not an exception"
    for base in theirs.__mro__[1:]:
        official_base = issubclass(base, BaseException) and base.__module__.startswith(OFFICIAL)
        if official_base and not any(b.__name__ == base.__name__ for b in mine.__mro__):
            yield f"{key}: official subclasses {base.__name__}, ours does not"
    if dataclasses.is_dataclass(theirs):
        if theirs.__dataclass_params__.frozen and not (  # type: ignore[attr-defined]
            dataclasses.is_dataclass(mine) and mine.__dataclass_params__.frozen  # type: ignore[attr-defined]
        ):
            yield f"{key}: official is a frozen dataclass, ours is not"
        for data_field in dataclasses.fields(theirs):
            wanted = not data_field.name.startswith("_") and not _excluded(f"{key}.{data_field.name}")
            if wanted and not _has_attribute(mine, data_field.name):
                yield f"{key}.{data_field.name}: field missing"
    for attribute in _init_attributes(theirs):
        if not _excluded(f"{key}.{attribute}") and not _has_attribute(mine, attribute):
            yield f"{key}.{attribute}: attribute missing"
    for member, raw in _own_members(theirs).items():
        member_key = f"{key}.{member}"
        if _excluded(member_key):
            continue
        if member == "__init__":
            if getattr(theirs, "_is_protocol", False):
                continue  # a Protocol's __init__ is typing's placeholder
            yield from (f"{key}(): {p}" for p in _signature_problems(theirs, mine, key))
            continue
        if not _has_attribute(mine, member):
            yield f"{member_key}: member missing"
            continue
        func = raw.__func__ if isinstance(raw, (classmethod, staticmethod)) else raw
        if inspect.isfunction(func):
            our_member = inspect.getattr_static(mine, member, None)
            our_func = getattr(our_member, "__func__", our_member)
            if callable(our_func):
                yield from (f"{member_key}(): {p}" for p in _signature_problems(func, our_func))


def _gaps(module_name: str) -> Iterator[str]:
    if _excluded(module_name):
        return
    for name in _public_names(module_name):
        key = _key(module_name, name)
        if _excluded(key):
            continue
        theirs = getattr(_official_module(module_name), name)
        mine = _find_ours(module_name, name)
        if mine is None:
            yield f"{key}: missing"
        elif not module_name and _home(theirs) in MODULES:
            continue  # exported at the top level; its members are checked in its own module
        elif inspect.isclass(theirs):
            yield from _check_class(module_name, name, theirs, mine)
        elif callable(theirs):
            yield from (f"{key}(): {p}" for p in _signature_problems(theirs, mine))


@pytest.mark.parametrize("module_name", MODULES, ids=lambda m: m or "__init__")
def test_every_official_name_exists_with_its_members_and_parameters(module_name):
    # GIVEN one of the official SDK's user-facing modules
    # WHEN each of its public classes, functions and enums is looked up here
    gaps = list(_gaps(module_name))

    # THEN each exists, with the same members, enum values and accepted parameters
    assert gaps == [], "\n".join(gaps)


def test_every_exclusion_still_names_something_official():
    # GIVEN the omitted and in-flight names
    stale = []
    for key in [*OMITTED, *IN_FLIGHT]:
        parts = key.split(".")
        # WHEN each is resolved against the official SDK (module prefix, then attributes)
        for split in range(len(parts), -1, -1):
            module_name = ".".join(parts[:split])
            try:
                obj: Any = _official_module(module_name)
            except ImportError:
                continue
            try:
                for attribute in parts[split:]:
                    obj = getattr(obj, attribute)
            except AttributeError:
                if dataclasses.is_dataclass(obj) and parts[-1] in {f.name for f in dataclasses.fields(obj)}:
                    break
                if inspect.isclass(obj) and parts[-1] in _init_attributes(obj):
                    break
                stale.append(key)
            break

    # THEN none is stale: an exclusion the official SDK no longer has would hide nothing
    assert stale == []


def test_the_checker_catches_a_missing_parameter():
    # GIVEN an official-looking function and ours lacking one of its keywords
    def theirs(a: int, *, flag: bool = False) -> None: ...

    def mine(a: int) -> None: ...

    # WHEN compared
    problems = _signature_problems(theirs, mine)

    # THEN the gap is named
    assert problems == ["keyword 'flag' not accepted"]


def test_the_checker_catches_missing_members_fields_and_enum_values():
    # GIVEN an official-looking enum and dataclass, and ours lacking a value, a field, a method and a keyword
    class TheirMode(enum.Enum):
        A = "a"
        B = "b"

    class OurMode(enum.Enum):
        A = "a"

    @dataclasses.dataclass
    class Theirs:
        size: int = 0

        def go(self, fast: bool = False) -> None: ...

        def stop(self) -> None: ...

    @dataclasses.dataclass
    class Mine:
        def go(self) -> None: ...

    # WHEN compared
    gaps = [*_check_class("m", "Mode", TheirMode, OurMode), *_check_class("m", "C", Theirs, Mine)]

    # THEN each gap is named
    assert "m.Mode.B: official value 'b', ours None" in gaps
    assert "m.C.size: field missing" in gaps
    assert "m.C.stop: member missing" in gaps
    assert "m.C.go(): keyword 'fast' not accepted" in gaps
    assert "m.C(): keyword 'size' not accepted" in gaps
