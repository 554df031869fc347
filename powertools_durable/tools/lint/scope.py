"""Which code of a module is workflow code (re-run on every replay) and which is a step body (run once).

Workflow code: functions decorated with ``durable_handler`` / ``durable_execution`` /
``durable_with_child_context`` / ``durable_parallel_branch``, functions with a ``DurableContext``
parameter, functions and lambdas handed to ``run_in_child_context`` / ``map`` / ``parallel``,
and the functions of the same module they call. Step bodies: ``durable_step`` functions,
functions with a ``StepContext`` (or callback / condition check context) parameter, and what is
handed to ``step`` / ``wait_for_callback`` / ``wait_for_condition``. Durable operations are
recognised on the names that hold a ``DurableContext`` (and on ``get_durable_context()``), so
``executor.map(f, items)`` is not taken for one.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from powertools_durable.tools.lint.names import DURABLE_OPERATIONS, dotted, imports_of

Function = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda

ENTRY_DECORATORS = frozenset({"durable_handler", "durable_execution"})
CHILD_DECORATORS = frozenset({"durable_with_child_context", "durable_parallel_branch"})
STEP_DECORATORS = frozenset({"durable_step", "durable_wait_for_callback"})
STEP_CONTEXTS = frozenset({"StepContext", "WaitForCallbackContext", "WaitForConditionCheckContext"})
# operation -> (positional index, keyword) of the function it runs, and what that function is
_STEP_ARGUMENT = {"step": (0, "func"), "wait_for_callback": (0, "submitter"), "wait_for_condition": (0, "check")}
_CHILD_ARGUMENT = {"run_in_child_context": (0, "func"), "map": (1, "func")}


@dataclass
class Scope:
    workflow: set[Function] = field(default_factory=set)
    steps: set[Function] = field(default_factory=set)
    context_names: set[str] = field(default_factory=set)
    parents: dict[ast.AST, ast.AST] = field(default_factory=dict)

    def is_context(self, node: ast.expr) -> bool:
        """``node`` holds a DurableContext: a known name, or ``get_durable_context()``."""
        if isinstance(node, ast.Name):
            return node.id in self.context_names
        if isinstance(node, ast.Call):
            parts = dotted(node.func)
            return parts is not None and parts[-1] == "get_durable_context"
        return False

    def operation(self, node: ast.AST) -> str | None:
        """The durable operation ``node`` calls (``context.step(...)`` -> ``"step"``), if it is one."""
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in DURABLE_OPERATIONS
            and self.is_context(node.func.value)
        ):
            return node.func.attr
        return None


def _decorator_names(func: Function, aliases: dict[str, str]) -> set[str]:
    """The decorators' names, as written and as imported (``durable_handler as dh`` gives both)."""
    if isinstance(func, ast.Lambda):
        return set()
    names = set()
    for decorator in func.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        parts = dotted(target)
        if parts:
            names.add(parts[-1])
            names.add(aliases.get(parts[0], parts[0]).rsplit(".", 1)[-1] if len(parts) == 1 else parts[-1])
    return names


def _params(func: Function) -> list[ast.arg]:
    return [*func.args.posonlyargs, *func.args.args]


def _annotation(arg: ast.arg) -> str | None:
    node = arg.annotation
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.rsplit(".", 1)[-1]
    parts = dotted(node) if node is not None else None
    return parts[-1] if parts else None


def analyse(tree: ast.Module) -> Scope:
    """Classify the functions of ``tree``; iterates until nothing new is found (helpers of helpers)."""
    scope = Scope()
    aliases = imports_of(tree)
    functions: list[Function] = []
    by_name: dict[str, list[Function]] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            scope.parents[child] = node
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            functions.append(node)
            if not isinstance(node, ast.Lambda):
                by_name.setdefault(node.name, []).append(node)
    for func in functions:
        decorators = _decorator_names(func, aliases)
        params = _params(func)
        if decorators & STEP_DECORATORS or any(_annotation(p) in STEP_CONTEXTS for p in params):
            scope.steps.add(func)
            continue
        if decorators & ENTRY_DECORATORS:
            _mark_workflow(scope, func, 1)
        elif decorators & CHILD_DECORATORS:
            _mark_workflow(scope, func, 0)
        for index, param in enumerate(params):
            if _annotation(param) == "DurableContext":
                _mark_workflow(scope, func, index)
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and scope.is_context(node.value):
            scope.context_names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    changed = True
    while changed:
        before = (len(scope.workflow), len(scope.steps), len(scope.context_names))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                _classify_call(scope, node, by_name)
        changed = before != (len(scope.workflow), len(scope.steps), len(scope.context_names))
    return scope


def _mark_workflow(scope: Scope, func: Function, context_index: int | None) -> None:
    if func in scope.steps:
        return
    scope.workflow.add(func)
    params = _params(func)
    if context_index is not None and context_index < len(params):
        scope.context_names.add(params[context_index].arg)


def _argument(call: ast.Call, index: int, keyword: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    return call.args[index] if len(call.args) > index else None


def _functions_of(node: ast.expr | None, by_name: dict[str, list[Function]]) -> list[Function]:
    if isinstance(node, ast.Lambda):
        return [node]
    if isinstance(node, ast.Name):
        return by_name.get(node.id, [])
    return []


def _classify_call(scope: Scope, call: ast.Call, by_name: dict[str, list[Function]]) -> None:
    operation = scope.operation(call)
    if operation in _STEP_ARGUMENT:
        index, keyword = _STEP_ARGUMENT[operation]
        for func in _functions_of(_argument(call, index, keyword), by_name):
            scope.workflow.discard(func)
            scope.steps.add(func)
    elif operation in _CHILD_ARGUMENT:
        index, keyword = _CHILD_ARGUMENT[operation]
        for func in _functions_of(_argument(call, index, keyword), by_name):
            _mark_workflow(scope, func, 0)
    elif operation == "parallel":
        branches = _argument(call, 0, "functions")
        for element in branches.elts if isinstance(branches, ast.List | ast.Tuple) else []:
            for func in _functions_of(element, by_name):
                _mark_workflow(scope, func, 0)
    elif isinstance(call.func, ast.Name) and _inside_workflow(scope, call):
        # a helper of the same module called from workflow code is workflow code; a context it is
        # handed (``helper(context, x)``) is a context in it too
        for func in _visible(scope, call, by_name.get(call.func.id, [])):
            if func in scope.steps or func in scope.workflow:
                continue
            scope.workflow.add(func)
            params = _params(func)
            for index, arg in enumerate(call.args[: len(params)]):
                if scope.is_context(arg):
                    scope.context_names.add(params[index].arg)


def _visible(scope: Scope, node: ast.AST, candidates: list[Function]) -> list[Function]:
    """The defs a name at ``node`` can refer to: module-level ones and those of the functions around it."""
    around: set[ast.AST] = set()
    func = enclosing_function(scope, node)
    while func is not None:
        around.add(func)
        func = enclosing_function(scope, func)
    return [c for c in candidates if isinstance(scope.parents.get(c), ast.Module) or scope.parents.get(c) in around]


def enclosing_function(scope: Scope, node: ast.AST) -> Function | None:
    parent = scope.parents.get(node)
    while parent is not None and not isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
        parent = scope.parents.get(parent)
    return parent


def _inside_workflow(scope: Scope, node: ast.AST) -> bool:
    func = enclosing_function(scope, node)
    while func is not None:
        if func in scope.steps:
            return False
        if func in scope.workflow:
            return True
        if not isinstance(func, ast.Lambda):
            return False  # a nested def nobody is known to call
        func = enclosing_function(scope, func)
    return False
