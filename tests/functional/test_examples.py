"""Every snippet of the docs lives under examples/ and runs here, against the in-memory service.

Modules are loaded by path (examples/ is not a package); the default client is replaced by an
``InMemoryDurableService`` so the handlers run exactly as written for Lambda.
"""

from __future__ import annotations

import importlib.util
import io
import json
import re
import shlex
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from aws_lambda_powertools import Tracer

from powertools_durable.local.memory import InMemoryDurableService, RunResult, run_to_completion
from tests.functional.powertools.fakes import FakeTracerProvider, InMemoryPersistenceLayer

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def load(relative: str) -> ModuleType:
    """Import ``examples/<relative>`` under a unique module name."""
    path = EXAMPLES / relative
    spec = importlib.util.spec_from_file_location(f"example_{uuid.uuid4().hex}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # as an import does: dataclasses with string annotations look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def service(monkeypatch) -> InMemoryDurableService:
    service = InMemoryDurableService()
    monkeypatch.setattr("powertools_durable.handler.default_client", lambda: service)
    return service


@pytest.fixture
def run(service, lambda_context) -> Callable[..., RunResult]:
    def run_handler(handler: Callable[[Any, Any], Any], payload: Any = None) -> RunResult:
        return run_to_completion(handler, payload, service=service, lambda_context=lambda_context)

    return run_handler


@pytest.fixture
def powertools_env(monkeypatch) -> Iterator[None]:
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    Tracer._reset_config()
    yield
    Tracer._reset_config()


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


# --- getting started ---------------------------------------------------------------------------------------


def test_getting_started_example_and_its_own_tests_pass():
    # GIVEN the getting-started workflow and its unit tests, as a user's project holds them
    # WHEN pytest runs them
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_app.py"],
        cwd=EXAMPLES / "getting_started",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # THEN they pass
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "2 passed" in completed.stdout


# --- Powertools ------------------------------------------------------------------------------------------


def test_logger_example_writes_each_line_once(powertools_env, run):
    # GIVEN the logger example writing to a buffer
    module = load("powertools/logger.py")
    stream = io.StringIO()
    module.logger.registered_handler.setStream(stream)

    # WHEN it runs over two invocations
    result = run(module.handler, {"amount": 42})

    # THEN each line was written once, the step's with its operation keys
    assert result.result == {"charge_id": "ch_123"}
    logs = json_lines(stream.getvalue())
    assert [line["message"] for line in logs] == ["payment requested", "charging card", "payment settled"]
    assert logs[1]["operation_name"] == "charge"
    assert logs[1]["attempt"] == 1
    assert all("durable_execution_arn" in line for line in logs)


def test_logger_replay_example_keeps_replayed_lines(powertools_env, run):
    # GIVEN the log_replay example
    module = load("powertools/logger_replay.py")
    stream = io.StringIO()
    module.logger.registered_handler.setStream(stream)
    # WHEN it runs over two invocations THEN its line was written twice
    run(module.handler, {})
    assert [line["message"] for line in json_lines(stream.getvalue())] == ["runs on every invocation"] * 2


def test_tracer_example_opens_one_subsegment_per_executed_step(powertools_env, monkeypatch, run):
    # GIVEN the tracer example with tracing enabled on a recording provider
    module = load("powertools/tracer.py")
    provider = FakeTracerProvider()
    monkeypatch.setattr(module.tracer, "provider", provider)
    monkeypatch.setattr(module.tracer, "disabled", False)

    # WHEN it runs over two invocations
    result = run(module.handler, {"parcel_id": "p-1"})

    # THEN the handler was traced per invocation and each step once
    assert result.result == {"parcel_id": "p-1", "courier": "ACME"}
    assert [s.name for s in provider.subsegments] == ["## handler", "## book_courier", "## handler", "## notify"]


def test_metrics_example_emits_each_metric_once(powertools_env, capsys, run):
    # GIVEN the metrics example
    module = load("powertools/metrics.py")
    module.metrics.clear_metrics()
    # WHEN it runs over two invocations
    run(module.handler, {})
    # THEN OrderStarted was emitted once, although its line ran twice
    blobs = [b for b in json_lines(capsys.readouterr().out) if "_aws" in b]
    assert [("OrderStarted" in b, "OrderConfirmed" in b) for b in blobs] == [(True, False), (False, True)]


def test_metrics_in_steps_example_emits_once_per_step(powertools_env, capsys, run):
    # GIVEN the metrics-in-steps example
    module = load("powertools/metrics_in_steps.py")
    module.metrics.clear_metrics()
    # WHEN it runs over two invocations
    result = run(module.handler, {"deposit": 10, "balance": 90})
    # THEN each step's metric was emitted once
    blobs = [b for b in json_lines(capsys.readouterr().out) if "_aws" in b]
    assert result.result == 100
    assert [b["AmountCharged"] for b in blobs] in ([10.0, 90.0], [[10.0], [90.0]])


def test_parser_envelope_example(service):
    # GIVEN the event of an execution started with an order
    module = load("powertools/parser_envelope.py")
    service.start({"order_id": "o-1", "quantity": 3})
    event = service.envelope()
    # WHEN parsed with the envelope THEN the order and the ARN come out
    assert module.order_of(event) == module.Order(order_id="o-1", quantity=3)
    assert module.execution_arn_of(event) == service.durable_execution_arn


def test_parser_model_example_fails_bad_input_with_the_problems(run):
    # GIVEN the model= example
    module = load("powertools/parser_model.py")
    # WHEN started with valid input THEN it runs
    assert run(module.handler, {"account": "12345678", "amount": 5}).result == {"account": "12345678", "debited": 5}


def test_parser_model_example_rejects_bad_input(run):
    module = load("powertools/parser_model.py")
    # WHEN started with bad input THEN the execution FAILED with both problems listed
    result = run(module.handler, {"account": "x", "amount": -5})
    assert result.status == "FAILED"
    assert result.error["ErrorMessage"].startswith("2 validation errors for Transfer")


def test_idempotency_example_replays_and_deduplicates(powertools_env, monkeypatch, lambda_context):
    # GIVEN the idempotency example with its DynamoDB table replaced by a dict
    module = load("powertools/idempotency.py")
    store = InMemoryPersistenceLayer()
    for method in ("_get_record", "_put_record", "_update_record", "_delete_record"):
        monkeypatch.setattr(module.persistence_layer, method, getattr(store, method))

    # WHEN one execution runs, then a second with the same order
    first = InMemoryDurableService()
    monkeypatch.setattr("powertools_durable.handler.default_client", lambda: first)
    one = run_to_completion(module.handler, {"order_id": "o-1"}, service=first, lambda_context=lambda_context)
    second = InMemoryDurableService(durable_execution_arn=first.durable_execution_arn + "-2")
    monkeypatch.setattr("powertools_durable.handler.default_client", lambda: second)
    two = run_to_completion(module.handler, {"order_id": "o-1"}, service=second, lambda_context=lambda_context)

    # THEN the first replayed through its wait, and the second got the stored result at once
    assert [o["Status"] for o in one.outputs] == ["PENDING", "SUCCEEDED"]
    assert two.outputs == [{"Status": "SUCCEEDED", "Result": json.dumps(one.result)}]


@pytest.mark.filterwarnings("ignore:No application metrics to publish")
def test_everything_example(powertools_env, capsys, run):
    # GIVEN the example stacking every utility
    module = load("powertools/everything.py")
    module.metrics.clear_metrics()
    # WHEN it runs over two invocations
    result = run(module.handler, {"order_id": "o-1"})
    # THEN it succeeded, logging "start" once and emitting OrdersStarted once
    assert result.result == {"done": "o-1"}
    printed = json_lines(capsys.readouterr().out)
    assert [line["message"] for line in printed if "message" in line] == ["start", "reserving"]
    assert sum("OrdersStarted" in line for line in printed) == 1


# --- operations ------------------------------------------------------------------------------------------


def test_steps_example(run):
    assert run(load("operations/steps.py").handler, {"sku": "book", "quantity": 2}).result == {
        "price": 1250,
        "total": 2500,
    }


def test_waits_example(run):
    result = run(load("operations/waits.py").handler, {})
    assert result.result == "closed"
    assert len(result.outputs) == 2


def test_retries_example(run):
    # GIVEN a partner failing twice WHEN run THEN the third attempt succeeded, after two suspensions
    result = run(load("operations/retries.py").handler, {"order_id": "o-1"})
    assert result.result == {"partner": "accepted o-1", "audit": "audited"}
    assert [o["Status"] for o in result.outputs] == ["PENDING", "PENDING", "SUCCEEDED"]


def test_semantics_example(service, run):
    module = load("operations/semantics.py")
    assert run(module.handler, {"account": "DE00"}).result == "transfer to DE00"
    assert module.sent == ["DE00"]
    assert [u["Action"] for u in service.updates_of(1)] == ["START", "SUCCEED"]  # START checkpointed first


def test_serdes_example(service, run):
    result = run(load("operations/serdes.py").handler, {})
    assert result.result == {"year": 2025, "total": "9.90", "plain": {"n": 1}, "shout": "HELLO"}
    payloads = [u.get("Payload") for u in service.updates_of(1) if u["Action"] == "SUCCEED"]
    assert payloads[1] == '{"n": 1}'  # JsonSerDes: plain JSON on the wire
    assert payloads[2] == "HELLO"


def test_serdes_typed_example(service, lambda_context):
    # GIVEN the declared-types example, and an approver answering with plain JSON
    module = load("operations/serdes_typed.py")
    external = callback_answer("approval", result='{"approved": true, "by": "ann"}')
    # WHEN it runs
    result = run_to_completion(
        module.handler, {"order_id": "o-1"}, service=service, lambda_context=lambda_context, external=external
    )
    # THEN the annotated step, the allow-listed step and the typed answer all decoded into their types
    assert result.result == {"total": "9.90", "approved": True, "by": "ann"}
    assert module.outbox == [service.callback_id("approval")]


def test_errors_example(run):
    assert run(load("operations/errors.py").handler, {}).result == {
        "available": False,
        "reason": "sku 42 is unknown",
        "type": "LookupError",
    }


def test_accessor_example(run):
    assert run(load("operations/accessor.py").handler, {}).result == "audited refund"


def _operation(service: InMemoryDurableService, name: str) -> dict[str, Any]:
    return next(op for op in service.operations.values() if op.get("Name") == name)


def test_child_contexts_example(service, run):
    # GIVEN the child-context example WHEN run (the child's wait suspends it once)
    result = run(load("operations/child_contexts.py").handler, {"order_id": "o-1"})
    # THEN the shipment came from the child, and the failed child was caught as ChildContextError
    assert result.result == {
        "shipment": {"order_id": "o-1", "label": "label-o-1"},
        "refund": "failed: payment provider down",
    }
    assert [o["Status"] for o in result.outputs] == ["PENDING", "SUCCEEDED"]
    ship = _operation(service, "ship")
    assert (ship["Type"], ship["Status"]) == ("CONTEXT", "SUCCEEDED")
    assert _operation(service, "print-label")["ParentId"] == ship["Id"]
    assert _operation(service, "refund")["Status"] == "FAILED"


def test_parallel_example(service, run):
    # GIVEN the parallel example WHEN run
    result = run(load("operations/parallel.py").handler, {"weight": 2})
    # THEN the failed branch is an item error, not an exception, and the other branch's quote is used
    assert result.result == {"cheapest": {"carrier": "a", "price": 12}, "failed": ["carrier b is down"]}
    assert _operation(service, "quotes")["SubType"] == "Parallel"
    assert _operation(service, "quote-carrier-b")["Status"] == "FAILED"


def test_async_handler_example(service, lambda_context):
    # GIVEN the async example, and a manager answering through the id its async submitter sent
    module = load("operations/async_handler.py")
    name = "approval create callback id"

    def external(svc: InMemoryDurableService) -> bool:  # answers once the callback exists (after the wait)
        if not any(op.get("Name") == name and op["Status"] == "STARTED" for op in svc.operations.values()):
            return False
        svc.answer_callback(svc.callback_id(name), result='"yes"')
        return True

    # WHEN it runs (the wait and the callback suspend it once each)
    result = run_to_completion(
        module.handler, {"weight": 5}, service=service, lambda_context=lambda_context, external=external
    )
    # THEN both quotes were gathered, the cheapest kept, and the answer came back
    assert result.result == {"cheapest": {"carrier": "b", "price": 10}, "approval": '"yes"'}
    assert [o["Status"] for o in result.outputs] == ["PENDING", "PENDING", "SUCCEEDED"]
    assert module.outbox == [{"approve": "shipping", "reply_to": service.callback_id("approval create callback id")}]
    assert _operation(service, "cool-off")["Type"] == "WAIT"


def test_map_example(service, run):
    # GIVEN the map example with one back-ordered line WHEN run (its wait suspends the execution once)
    lines = [{"sku": "a", "qty": 1}, {"sku": "b", "qty": 2, "backorder": True}, {"sku": "c", "qty": 3}]
    result = run(load("operations/map.py").handler, {"lines": lines})
    # THEN every line shipped, in item order, after one suspension
    assert result.result == {"shipped": ["shipped a x1", "shipped b x2", "shipped c x3"], "reason": "ALL_COMPLETED"}
    assert [o["Status"] for o in result.outputs] == ["PENDING", "SUCCEEDED"]
    assert _operation(service, "line-b")["SubType"] == "MapIteration"


def callback_answer(name: str, **answer: Any) -> Callable[[InMemoryDurableService], bool]:
    """The external system answering the callback ``name`` once, the first time the execution suspends."""
    done: list[bool] = []

    def external(service: InMemoryDurableService) -> bool:
        if done:
            return False
        service.answer_callback(service.callback_id(name), **answer)
        done.append(True)
        return True

    return external


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ({"result": '{"approved": true, "by": "dana"}'}, {"approved": True, "by": "dana"}),
        (
            {"error": {"ErrorType": "Rejected", "ErrorMessage": "over budget"}},
            {"approved": False, "reason": "over budget"},
        ),
    ],
)
def test_callbacks_example(service, lambda_context, answer, expected):
    # GIVEN the callback example, and a manager answering through the id handed over in the step
    module = load("operations/callbacks.py")
    external = callback_answer("manager-approval", **answer)
    # WHEN it runs
    result = run_to_completion(
        module.handler, {"expense": 120}, service=service, lambda_context=lambda_context, external=external
    )
    # THEN the id went out with the request, and the answer (or the failure) came back
    assert module.outbox == [{"approve": 120, "reply_to": service.callback_id("manager-approval")}]
    assert result.result == expected
    assert _operation(service, "manager-approval")["CallbackDetails"]["CallbackId"] == module.outbox[0]["reply_to"]


def test_callbacks_example_times_out(run):
    # GIVEN nobody answering WHEN run THEN the heartbeat timeout (one hour) ends the wait
    assert run(load("operations/callbacks.py").handler, {"expense": 5}).result == {
        "approved": False,
        "reason": "nobody answered",
    }


def test_wait_for_callback_example(service, lambda_context):
    # GIVEN the wait_for_callback example, and a reviewer answering the ticket the submitter opened
    module = load("operations/wait_for_callback.py")

    def external(svc: InMemoryDurableService) -> bool:
        if _operation(svc, "open_ticket create callback id")["Status"] != "STARTED":
            return False
        svc.answer_callback(module.tickets[-1]["callback_id"], result="approved")
        return True

    # WHEN it runs
    result = run_to_completion(
        module.handler, {"order_id": "o-1"}, service=service, lambda_context=lambda_context, external=external
    )
    # THEN the submitter ran once and the answer came back as sent, under a WaitForCallback context
    assert result.result == {"order_id": "o-1", "verdict": "approved"}
    assert module.tickets == [{"order_id": "o-1", "callback_id": service.callback_id("open_ticket create callback id")}]
    assert _operation(service, "open_ticket")["SubType"] == "WaitForCallback"
    assert _operation(service, "open_ticket submitter")["Status"] == "SUCCEEDED"


def test_invoke_example(service, lambda_context):
    # GIVEN the invoke example, with the pricing function answering and the loyalty function failing
    outcomes = {  # by the invoke's name
        "price": {"status": "SUCCEEDED", "result": '{"total": 990}'},
        "loyalty": {"status": "FAILED", "error": {"ErrorType": "Unavailable", "ErrorMessage": "down"}},
    }

    def external(svc: InMemoryDurableService) -> bool:
        started = [op for op in svc.operations.values() if op["Type"] == "CHAINED_INVOKE" and op["Status"] == "STARTED"]
        for op in started:
            svc.finish_invoke(op["Id"], **outcomes[op["Name"]])
        return bool(started)

    # WHEN it runs
    result = run_to_completion(
        load("operations/invoke.py").handler,
        {"sku": "book", "customer": "c-1"},
        service=service,
        lambda_context=lambda_context,
        external=external,
    )
    # THEN the payload went out as JSON, the first result came back decoded, the failed target raised InvokeError
    starts = [u for u in service.updates_of(1) if u["Type"] == "CHAINED_INVOKE"]
    assert [(u["ChainedInvokeOptions"]["FunctionName"], u["Payload"]) for u in starts] == [
        ("PricingFunction", '{"sku": "book"}')
    ]
    assert result.result == {"quote": {"total": 990}, "loyalty": "unavailable (Unavailable)"}
    assert [o["Status"] for o in result.outputs] == ["PENDING", "PENDING", "SUCCEEDED"]


# --- migrating ---------------------------------------------------------------------------------------------


def import_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(("from aws_durable", "from powertools_durable"))]


def test_migrated_handler_differs_only_in_its_imports(run):
    # GIVEN the official SDK handler and ours
    official = (EXAMPLES / "migrating/official_sdk.py").read_text()
    ours = (EXAMPLES / "migrating/powertools_durable_sdk.py").read_text()

    # THEN apart from the docstring and the import lines they are the same text
    def body(text: str) -> list[str]:
        return [line for line in text.splitlines()[1:] if line not in import_lines(text)]

    assert body(official) == body(ours)
    assert [
        line.replace("aws_durable_execution_sdk_python", "powertools_durable") for line in import_lines(official)
    ] == (import_lines(ours))
    # AND ours runs
    assert run(load("migrating/powertools_durable_sdk.py").handler, {"order_id": "o-1"}).result == {"confirmed": "o-1"}


def test_migrated_powertools_handler(powertools_env, run):
    assert run(load("migrating/powertools_handler.py").handler, {"order_id": "o-1"}).result == {"confirmed": "o-1"}


def test_import_mapping_table_names_exist():
    # GIVEN the import mapping table of the migration page
    page = (ROOT / "docs/migrating.md").read_text()
    rows = re.findall(r"^\| `(aws_durable_execution_sdk_python[.\w]*)` \| `([\w.]+)` \| (.+) \|$", page, re.MULTILINE)
    assert rows
    # THEN every name it lists is importable from the module it points to
    for _official, module_name, names in rows:
        module = importlib.import_module(module_name)
        for name in re.findall(r"`(\w+)`", names):
            assert hasattr(module, name), f"{module_name}.{name}"


# --- SAM and the local emulator ------------------------------------------------------------------------------------


def shell_commands(path: Path) -> list[list[str]]:
    text = (EXAMPLES / path).read_text().replace("\\\n", " ")
    return [shlex.split(line) for line in text.splitlines() if line and not line.startswith(("#", "set "))]


def test_emulator_cli_commands_parse():
    # GIVEN the powertools-durable command lines of the docs
    from powertools_durable.local.cli import _parser

    commands = [c for c in shell_commands(Path("local/commands.sh")) if c[0] == "powertools-durable"]
    assert len(commands) == 10
    # THEN the CLI accepts each of them
    for command in commands:
        _parser().parse_args(command[1:])


def test_env_vars_example_reads_as_sam_cli_does():
    # GIVEN the docs' env-vars file / WHEN read / THEN a function's entry wins over Parameters
    from powertools_durable.local.overrides import function_env_overrides, load_env_vars

    env_vars = load_env_vars(EXAMPLES / "local/env-vars.json")
    assert function_env_overrides(env_vars, "OrderFunction", "OrderFunction")["FEATURE_FLAG"] == "on"
    assert function_env_overrides(env_vars, "Other", "Other") == {"LOG_LEVEL": "DEBUG"}


def test_aws_cli_commands_name_real_operations_and_parameters():
    # GIVEN the aws lambda command lines of the docs
    import boto3

    model = boto3.client("lambda", region_name="us-east-1").meta.service_model
    cli_only = {"endpoint-url", "cli-binary-format", "payload", "invocation-type", "function-name"}
    commands = [c for p in ("local/commands.sh", "sam/commands.sh") for c in shell_commands(Path(p)) if c[0] == "aws"]
    assert len(commands) == 6
    for command in commands:
        # THEN each names an operation of the Lambda API, with parameters of its input
        operation = model.operation_model("".join(part.title() for part in command[2].split("-")))
        members = {re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower() for name in operation.input_shape.members}
        flags = {arg[2:] for arg in command if arg.startswith("--")}
        assert flags - cli_only <= members, (command, flags - cli_only - members)


@pytest.mark.e2e
def test_sam_example_runs_on_the_emulator_with_its_tests():
    # GIVEN the SAM example project (template, function, tests using the durable_emulator fixture)
    sam = EXAMPLES / "sam"
    assert (EXAMPLES / "sam/orders/requirements.txt").read_text().split() == ["powertools-durable"]
    assert "durable_template = template.yaml" in (EXAMPLES / "sam/pytest.ini").read_text()
    assert "DurableConfig" in (EXAMPLES / "sam/template.yaml").read_text()
    # WHEN its tests run
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-o",
            "durable_template=template.yaml",
            "tests",
        ],
        cwd=sam,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    # THEN they pass
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "2 passed" in completed.stdout


RUN_BY_THEIR_OWN_TESTS = {"getting_started/app.py", "getting_started/test_app.py", "sam/orders/app.py"}
RUN_BY_THEIR_OWN_TESTS |= {"sam/tests/test_orders.py", "migrating/official_sdk.py"}  # the last: compared as text
# the approval project runs as a user's pytest run (tests/e2e/service/test_pytest_callbacks.py)
RUN_BY_THEIR_OWN_TESTS |= {f"approval/{f}" for f in ("template.yaml", "pytest.ini", "approval/app.py")}
RUN_BY_THEIR_OWN_TESTS |= {"approval/tests/test_approval.py"}
RUN_BY_THEIR_OWN_TESTS |= {"migrating/official_sdk_plugins.py"}  # run on the official SDK: test_official_sdk_plugins
RUN_BY_THEIR_OWN_TESTS |= {"ai/agent.py", "ai/approvals.py"}  # tests/functional/ai/test_ai_examples.py
RUN_BY_THEIR_OWN_TESTS |= {"ai/streaming.py", "ai/toolsets.py", "ai/orders_mcp_server.py"}  # the same


def test_every_example_is_exercised_here():
    # GIVEN every file of examples/
    source = Path(__file__).read_text()
    files = [
        p.relative_to(EXAMPLES).as_posix() for p in EXAMPLES.rglob("*") if p.is_file() and "__pycache__" not in p.parts
    ]
    # THEN each is loaded, run or checked by a test of this module
    unexercised = [f for f in files if f not in RUN_BY_THEIR_OWN_TESTS and f'"{f}"' not in source]
    assert unexercised == []


# -- determinism toolkit: replay-safe values, the linter's rule examples, golden-history tests ---------------

LINT_EXAMPLES = {
    "DUR001": ("lint/dur001_wrong.py", "lint/dur001_right.py"),
    "DUR002": ("lint/dur002_wrong.py", "lint/dur002_right.py"),
    "DUR003": ("lint/dur003_wrong.py", "lint/dur003_right.py"),
    "DUR004": ("lint/dur004_wrong.py", "lint/dur004_right.py"),
    "DUR005": ("lint/dur005_wrong.py", "lint/dur005_right.py"),
    "DUR006": ("lint/dur006_wrong.py", "lint/dur006_right.py"),
}


@pytest.mark.parametrize("code", sorted(LINT_EXAMPLES))
def test_lint_examples_show_each_rule(code: str):
    from powertools_durable.tools.lint import lint_paths

    wrong, right = (EXAMPLES / name for name in LINT_EXAMPLES[code])
    load(LINT_EXAMPLES[code][0])  # both import cleanly
    load(LINT_EXAMPLES[code][1])
    assert [f.code for f in lint_paths([wrong])] == [code]
    assert lint_paths([right]) == []


def test_replay_safe_values_example(run):
    handler = load("determinism/values.py").handler
    result = run(handler, {"reviewers": ["ana", "bo", "cy"]})
    assert result.status == "SUCCEEDED"
    assert len(set(result.result["reviewers"])) == 2


def test_golden_history_example_passes():
    module = load("replay/test_golden_history.py")
    assert (EXAMPLES / "replay/greeting.json").exists()
    module.test_the_code_replays_the_recorded_execution()
    module.test_the_report_can_be_inspected()
