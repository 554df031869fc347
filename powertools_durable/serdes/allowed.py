"""Which classes a payload may be decoded into: only those the code declared.

A ``pm`` (pydantic model) or ``dc`` (dataclass) envelope names its class as ``module:QualName``.
Decoding looks that name up in a mapping built from class objects the code handed over (a typed
serdes, a return annotation, an allow-list); it never imports a module nor resolves a name, so a
payload (a callback answer, an invoked function's result) cannot reach code the function does not
already hold. A dataclass brings the classes its field annotations declare, since its nested fields
are written as envelopes of their own.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import typing
from collections.abc import Callable, Mapping
from types import MappingProxyType, SimpleNamespace
from typing import Any, Literal
from weakref import WeakKeyDictionary

from powertools_durable.exceptions import SerDesError

logger = logging.getLogger(__name__)

AllowedTypes = Mapping[str, type]
NO_TYPES: AllowedTypes = MappingProxyType({})

_RETURNS: WeakKeyDictionary[Any, AllowedTypes] = WeakKeyDictionary()  # callables that are not functions
# Functions by (code, return annotation): a closure or lambda made anew on every invocation shares its
# code, so it is resolved once (resolving a string annotation costs tens of microseconds); a plain dict
# lookup, where a WeakKeyDictionary makes a weak reference per lookup. The module's globals are checked.
_RETURNS_BY_CODE: dict[tuple[Any, Any], tuple[Any, AllowedTypes]] = {}


def type_path(cls: type) -> str:
    """The name a ``pm``/``dc`` envelope gives its class: ``module:QualName``."""
    return f"{cls.__module__}:{cls.__qualname__}"


def is_pydantic_class(obj: Any) -> bool:
    """A pydantic v2 model class, recognised without importing pydantic."""
    return isinstance(obj, type) and hasattr(obj, "model_validate") and hasattr(obj, "model_fields")


def is_dataclass_class(obj: Any) -> bool:
    return isinstance(obj, type) and dataclasses.is_dataclass(obj)


def declared_types(*hints: Any) -> dict[str, type]:
    """The models and dataclasses ``hints`` declare, by wire path.

    Looks inside containers, ``Optional`` and unions (``list[Order]``, ``Order | None``,
    ``dict[str, Line]``) and through the field annotations of dataclasses. Pydantic models need no
    walk: their data is plain JSON that ``model_validate`` types by the model's own fields.
    """
    found: dict[str, type] = {}
    pending = list(hints)
    while pending:
        hint = pending.pop()
        args = typing.get_args(hint)
        if args and typing.get_origin(hint) is not Literal:
            pending.extend(args)
            continue
        if not (is_pydantic_class(hint) or is_dataclass_class(hint)):
            continue
        path = type_path(hint)
        if path in found:
            continue
        found[path] = hint
        if is_dataclass_class(hint):
            pending.extend(_field_hints(hint))
    return found


def _field_hints(cls: type) -> list[Any]:
    try:
        return list(typing.get_type_hints(cls).values())
    except Exception:  # a field annotation that does not resolve: keep the ones that are already objects
        return [field.type for field in dataclasses.fields(cls) if not isinstance(field.type, str)]


def return_annotation(func: Callable[..., Any]) -> dict[str, Any]:
    """``{"return": <annotation>}`` of ``func`` (or ``{}``): what a wrapper carries as its own annotations."""
    annotations = getattr(func, "__annotations__", None) or {}
    return {"return": annotations["return"]} if "return" in annotations else {}


def declared_return_types(func: Callable[..., Any]) -> AllowedTypes:
    """The classes ``func``'s return annotation declares, resolved once per function.

    ``durable_step`` / ``durable_with_child_context`` wrappers point at the decorated function with
    ``_original_func``; bound methods and ``functools.partial`` are looked through.
    """
    target: Any = getattr(func, "_original_func", func)
    if isinstance(target, functools.partial):
        target = target.func
    target = getattr(target, "__func__", target)
    annotations = getattr(target, "__annotations__", None)
    if not annotations or not isinstance(annotations, dict) or annotations.get("return") is None:
        return NO_TYPES  # lambdas and unannotated functions: no cache entry needed
    hint = annotations["return"]
    unwrapped = _unwrapped(target)  # whose module a string annotation is resolved in
    code, namespace = getattr(unwrapped, "__code__", None), getattr(unwrapped, "__globals__", None)
    if code is not None:  # a function: the same code and annotation in the same module resolve alike
        try:
            cached = _RETURNS_BY_CODE.get((code, hint))
        except TypeError:  # an unhashable annotation: resolve every time
            return _resolve_return(target, hint)
        if cached is not None and cached[0] is namespace:
            return cached[1]
        types = _resolve_return(target, hint)
        _RETURNS_BY_CODE[(code, hint)] = (namespace, types)
        return types
    try:
        return _RETURNS[target]
    except KeyError:
        pass
    except TypeError:  # not weak-referenceable: resolve every time
        return _resolve_return(target, hint)
    types = _RETURNS[target] = _resolve_return(target, hint)
    return types


def _unwrapped(target: Any) -> Any:
    while hasattr(target, "__wrapped__"):
        target = target.__wrapped__
    return target


def _resolve_return(target: Any, hint: Any) -> AllowedTypes:
    namespace = getattr(_unwrapped(target), "__globals__", None) or {}
    try:
        hint = typing.get_type_hints(SimpleNamespace(__annotations__={"return": hint}), globalns=namespace)["return"]
    except Exception as exc:  # e.g. a class defined inside a function, named in a string annotation
        logger.warning(
            "the return annotation %r of %s does not resolve (%s: %s); its models and dataclasses are not "
            "declared for decoding",
            hint,
            getattr(target, "__qualname__", target),
            type(exc).__name__,
            exc,
        )
        return NO_TYPES
    found = declared_types(hint)
    return MappingProxyType(found) if found else NO_TYPES


def undeclared_type_error(path: Any) -> SerDesError:
    """The error for a payload naming a class the code did not declare, saying how to declare it."""
    shown = repr(path)[:200]
    name = str(path).rpartition(":")[2].rpartition(".")[2]
    name = name if name.isidentifier() and len(name) <= 80 else "YourType"
    return SerDesError(
        f"the payload names type {shown}, which this code did not declare; a payload is data, so no serdes "
        f"imports a module or calls a class that a payload names. To decode it into {name}, declare it: "
        f"annotate the step (or child context) function's return type (-> {name}), or give the operation "
        f"serdes=PydanticSerDes({name}) / DataclassSerDes({name}), "
        f"or use ExtendedTypeSerDes(allowed_types=[{name}])"
    )
