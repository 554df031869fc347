"""The checks of each rule over one parsed module: workflow code for DUR001/2/5/6, step bodies for DUR003/4."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from powertools_durable.tools.lint.names import (
    IO_CONSTRUCTORS,
    dotted,
    imports_of,
    is_io,
    is_non_deterministic,
    opens_for_writing,
    qualified,
)
from powertools_durable.tools.lint.scope import Function, Scope, analyse, enclosing_function

Problem = tuple[ast.AST, str, str]  # node, code, message

MUTATING_METHODS = frozenset(
    {
        "append",
        "appendleft",
        "extend",
        "extendleft",
        "insert",
        "remove",
        "pop",
        "popitem",
        "clear",
        "add",
        "discard",
        "update",
        "setdefault",
        "sort",
        "reverse",
        "difference_update",
        "intersection_update",
        "symmetric_difference_update",
    }
)
_SET_METHODS = frozenset({"union", "intersection", "difference", "symmetric_difference", "copy"})


def check(tree: ast.Module) -> Iterator[Problem]:
    """Every problem in ``tree``, in no particular order."""
    aliases = imports_of(tree)
    scope = analyse(tree)
    clients = _client_names(tree, aliases)
    for node in ast.walk(tree):
        region = _region(scope, node)
        if region == "workflow":
            yield from _workflow_node(node, scope, aliases, clients)
        elif region == "step" and (operation := scope.operation(node)):
            yield (
                node,
                "DUR003",
                (
                    f"`.{operation}()` inside a step body: a step cannot run durable operations (on replay its "
                    "body does not run, and its operations would be recorded under the wrong parent); call it from "
                    "the workflow code, or group operations with run_in_child_context"
                ),
            )
    for func in scope.steps:
        yield from _mutations(func, _enclosing_names(scope, func))


def _region(scope: Scope, node: ast.AST) -> str | None:
    """``"workflow"`` or ``"step"`` for code in such a function (lambdas belong to their enclosing function)."""
    func = enclosing_function(scope, node)
    while func is not None:
        if func in scope.steps:
            return "step"
        if func in scope.workflow:
            return "workflow"
        if not isinstance(func, ast.Lambda):
            return None
        func = enclosing_function(scope, func)
    return None


def _client_names(tree: ast.Module, aliases: dict[str, str]) -> set[str]:
    """Names bound to an I/O client (``s3 = boto3.client("s3")``): calling their methods does I/O."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            name = qualified(node.value.func, aliases)
            if name is not None and name.startswith(IO_CONSTRUCTORS):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def _workflow_node(node: ast.AST, scope: Scope, aliases: dict[str, str], clients: set[str]) -> Iterator[Problem]:
    if isinstance(node, ast.Call):
        name = qualified(node.func, aliases)
        if name is not None and is_non_deterministic(name, node):
            yield (
                node,
                "DUR001",
                (
                    f"`{name}()` outside a step returns another value on every replay; use context.now(), "
                    "context.uuid4() or context.random(), or call it inside a step"
                ),
            )
        elif name is not None and is_io(name):
            yield node, "DUR002", f"`{name}()` does I/O outside a step: it runs again on every replay; do it in a step"
        elif isinstance(node.func, ast.Name) and node.func.id == "open" and "open" not in aliases:
            if opens_for_writing(node):
                yield node, "DUR002", "`open()` for writing outside a step runs again on every replay; write in a step"
        elif (parts := dotted(node.func)) is not None and len(parts) > 1 and parts[0] in clients:
            yield (
                node,
                "DUR002",
                (
                    f"`{'.'.join(parts)}()` calls a service client outside a step: it runs again on every replay; "
                    "call it in a step"
                ),
            )
        if scope.operation(node) in ("map", "parallel") and node.args and _hash_ordered(node.args[0], scope):
            yield node, "DUR005", _HASH_ORDER_MESSAGE
    elif (
        isinstance(node, ast.For | ast.AsyncFor)
        and _hash_ordered(node.iter, scope)
        and _creates_operations(node, scope)
    ):
        yield node.iter, "DUR005", _HASH_ORDER_MESSAGE
    elif isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
        for generator in node.generators:
            if _hash_ordered(generator.iter, scope) and _creates_operations(node, scope):
                yield generator.iter, "DUR005", _HASH_ORDER_MESSAGE
    elif isinstance(node, ast.Try | ast.TryStar) and _creates_operations(
        ast.Module(body=node.body, type_ignores=[]), scope
    ):
        for handler in node.handlers:
            if _too_broad(handler) and not any(isinstance(n, ast.Raise) for n in ast.walk(handler)):
                caught = "bare `except:`" if handler.type is None else "`except BaseException`"
                yield (
                    handler,
                    "DUR006",
                    (
                        f"{caught} around durable operations swallows the suspension the engine raises to end the "
                        "invocation (a wait, a retry, a callback): catch Exception, or re-raise"
                    ),
                )


_HASH_ORDER_MESSAGE = (
    "durable operations created while iterating a set: its order of str/bytes changes between processes, so "
    "operation ids change on replay; iterate sorted(...) or a list"
)


def _creates_operations(node: ast.AST, scope: Scope) -> bool:
    return any(scope.operation(n) for n in ast.walk(node))


def _too_broad(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any((dotted(t) or [""])[-1] == "BaseException" for t in types)


def _hash_ordered(node: ast.expr, scope: Scope, depth: int = 0) -> bool:
    """A set or frozenset (of anything but int constants), as far as the module shows."""
    if depth > 5:
        return False
    if isinstance(node, ast.Set):
        return not all(isinstance(e, ast.Constant) and type(e.value) is int for e in node.elts)
    if isinstance(node, ast.SetComp):
        return True
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Name) and node.func.id in ("set", "frozenset"):
            return True
        if isinstance(node.func, ast.Attribute) and node.func.attr in _SET_METHODS:
            return _hash_ordered(node.func.value, scope, depth + 1)
        return False
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr | ast.BitAnd | ast.Sub | ast.BitXor):
        return _hash_ordered(node.left, scope, depth + 1) or _hash_ordered(node.right, scope, depth + 1)
    if isinstance(node, ast.Name):
        return _name_is_set(node, scope, depth)
    return False


def _name_is_set(node: ast.Name, scope: Scope, depth: int) -> bool:
    func = enclosing_function(scope, node)
    while func is not None and isinstance(func, ast.Lambda):
        func = enclosing_function(scope, func)
    body: list[ast.AST] = [func] if func is not None else []
    if func is None:  # module level: look at the module
        root: ast.AST = node
        while root in scope.parents:
            root = scope.parents[root]
        body = [root]
    for candidate in (n for b in body for n in ast.walk(b)):
        if isinstance(candidate, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == node.id for t in candidate.targets
        ):
            if _hash_ordered(candidate.value, scope, depth + 1):
                return True
        elif isinstance(candidate, ast.AnnAssign | ast.arg):
            target = candidate.target if isinstance(candidate, ast.AnnAssign) else None
            named = target.id if isinstance(target, ast.Name) else getattr(candidate, "arg", None)
            annotation = candidate.annotation
            if named == node.id and annotation is not None:
                base = annotation.value if isinstance(annotation, ast.Subscript) else annotation
                if (dotted(base) or [""])[-1] in ("set", "frozenset", "Set", "FrozenSet", "AbstractSet"):
                    return True
    return False


def _bound_names(func: Function) -> set[str]:
    """Parameters and names assigned anywhere in ``func``."""
    names = {a.arg for a in [*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs]}
    names |= {a.arg for a in (func.args.vararg, func.args.kwarg) if a is not None}
    names |= {n.id for n in ast.walk(func) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return names


def _enclosing_names(scope: Scope, func: Function) -> set[str]:
    """What the functions around ``func`` bind: the state a closure shares with its workflow."""
    names: set[str] = set()
    outer = enclosing_function(scope, func)
    while outer is not None:
        names |= _bound_names(outer)
        outer = enclosing_function(scope, outer)
    return names


def _mutations(func: Function, enclosing: set[str]) -> Iterator[Problem]:
    """DUR004: a step closure changing its workflow's variables (lost on replay: the body does not run).

    Module-level objects are left alone: changing them is a side effect like any other, which is
    what a step is for.
    """
    local = {a.arg for a in [*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs]}
    local |= {a.arg for a in (func.args.vararg, func.args.kwarg) if a is not None}
    declared: set[str] = set()
    for node in ast.walk(func):
        if isinstance(node, ast.Nonlocal):
            declared.update(node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            local.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node is not func:
            local.add(node.name)
    local -= declared

    def outer(target: ast.expr) -> str | None:
        parts = dotted(target)
        base = parts[0] if parts else None
        if base is None or base in local or base not in enclosing:
            return None
        return base

    message = (
        "step body mutates `{}` of its enclosing scope: on replay the body does not run and the change is "
        "lost; return the value from the step and use its result"
    )
    for node in ast.walk(func):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MUTATING_METHODS:
            name = outer(node.func.value)
            if name is not None:
                yield node, "DUR004", message.format(name)
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign | ast.Delete):
            targets = list(node.targets)
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            if isinstance(target, ast.Name) and target.id in declared:
                yield node, "DUR004", message.format(target.id)
            elif isinstance(target, ast.Subscript | ast.Attribute):
                name = outer(target.value)
                if name is not None:
                    yield node, "DUR004", message.format(name)
