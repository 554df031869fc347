"""Worker processes as Lambda execution environments: output, warm reuse, crashes, timeouts, logs."""

from __future__ import annotations

import json
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from powertools_durable.local.template import FunctionSpec
from powertools_durable.local.workers import WorkerPool, exit_reason

ENDPOINT = "http://127.0.0.1:5999"

COUNTER_APP = """
import os
import time

counter = 0
print("cold start")


def handler(event, context):
    global counter
    counter += 1
    print(f"invocation {counter}")
    time.sleep(event.get("sleep", 0))
    return {"counter": counter, "pid": os.getpid(), "echo": event.get("echo")}
"""


def make_function(
    tmp_path: Path,
    code: str,
    *,
    name: str = "fn",
    handler: str = "app.handler",
    timeout: int = 3,
    environment: dict[str, str] | None = None,
    files: dict[str, str] | None = None,
) -> FunctionSpec:
    """A function directory under ``tmp_path`` with ``app.py`` = ``code`` (and extra files), and its spec."""
    code_dir = tmp_path / name
    code_dir.mkdir()
    module_path = handler.rpartition(".")[0].replace(".", "/") + ".py"
    for relative, text in {module_path: code, **(files or {})}.items():
        (code_dir / relative).parent.mkdir(parents=True, exist_ok=True)
        (code_dir / relative).write_text(textwrap.dedent(text))
    return FunctionSpec(
        logical_id=name.title(),
        function_name=name,
        handler=handler,
        code_uri=code_dir,
        runtime="python3.13",
        timeout=timeout,
        memory_size=256,
        environment=environment or {},
        durable=None,
        testing_metadata={},
    )


@pytest.fixture
def pool() -> Iterator[WorkerPool]:
    with WorkerPool(ENDPOINT, region="eu-west-1", max_workers_per_function=4) as workers:
        yield workers


def test_returns_the_handler_output_with_lambda_context_and_timestamps(tmp_path, pool):
    # GIVEN a handler that reports its context
    spec = make_function(
        tmp_path,
        """
        def handler(event, context):
            return {
                "event": event,
                "request_id": context.aws_request_id,
                "function_name": context.function_name,
                "version": context.function_version,
                "arn": context.invoked_function_arn,
                "memory": context.memory_limit_in_mb,
                "group": context.log_group_name,
                "stream": context.log_stream_name,
                "remaining": context.get_remaining_time_in_millis(),
            }
        """,
    )
    # WHEN invoked with an event and a request id
    before = int(time.time() * 1000)
    outcome = pool.invoke(spec, {"a": [1, "x"]}, request_id="req-1")
    # THEN the output is the JSON-decoded return value and the context is Lambda's
    assert outcome.error is None
    assert outcome.request_id == "req-1"
    output = outcome.output
    assert output["event"] == {"a": [1, "x"]}
    assert output["request_id"] == "req-1"
    assert output["function_name"] == "fn"
    assert output["version"] == "$LATEST"
    assert output["arn"] == "arn:aws:lambda:eu-west-1:123456789012:function:fn:$LATEST"
    assert output["memory"] == "256"
    assert output["group"] == "/aws/lambda/fn"
    assert "[$LATEST]" in output["stream"]
    assert 0 < output["remaining"] <= 3000
    assert before <= outcome.start_ms <= outcome.end_ms <= int(time.time() * 1000)


def test_environment_is_lambdas_plus_the_functions_and_the_endpoint(tmp_path, pool, monkeypatch):
    # GIVEN a function with its own variables, and a parent process with AWS settings of its own
    monkeypatch.setenv("AWS_PROFILE", "someone-elses")
    monkeypatch.setenv("UNRELATED_PARENT_VARIABLE", "x")
    spec = make_function(
        tmp_path,
        """
        import os

        def handler(event, context):
            return dict(os.environ)
        """,
        environment={"TABLE": "orders", "AWS_ENDPOINT_URL_LAMBDA": "http://elsewhere"},
    )
    # WHEN invoked
    env = pool.invoke(spec, {}).output
    # THEN Lambda's variables, the function's own, and the emulator's endpoint are set; the parent's are not
    assert env["AWS_ENDPOINT_URL_LAMBDA"] == ENDPOINT
    assert env["TABLE"] == "orders"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "fn"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.13"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/fn"
    assert env["AWS_LAMBDA_LOG_STREAM_NAME"]
    assert env["LAMBDA_TASK_ROOT"] == str(spec.code_uri)
    assert env["_HANDLER"] == "app.handler"
    assert env["AWS_ACCESS_KEY_ID"]
    assert env["AWS_SECRET_ACCESS_KEY"]
    assert env["AWS_SESSION_TOKEN"]
    assert env["_X_AMZN_TRACE_ID"].startswith("Root=1-")
    assert "AWS_PROFILE" not in env
    assert "UNRELATED_PARENT_VARIABLE" not in env
    assert "_POWERTOOLS_DURABLE_SYS_PATH_TAIL" not in env  # the bootstrap's own, removed before user code


def test_warm_worker_keeps_module_globals_and_imports_once(tmp_path, pool):
    # GIVEN a handler counting its invocations in a module global
    spec = make_function(tmp_path, COUNTER_APP)
    # WHEN invoked three times in a row
    outcomes = [pool.invoke(spec, {}) for _ in range(3)]
    # THEN one process served them all, its module imported once (the cold start is in the first logs)
    assert [o.output["counter"] for o in outcomes] == [1, 2, 3]
    assert len({o.output["pid"] for o in outcomes}) == 1
    assert outcomes[0].logs == "cold start\ninvocation 1\n"
    assert outcomes[1].logs == "invocation 2\n"


def test_concurrent_invocations_use_different_workers(tmp_path, pool):
    # GIVEN a function whose invocations take a while
    spec = make_function(tmp_path, COUNTER_APP)
    outcomes: list[Any] = []

    def call() -> None:
        outcomes.append(pool.invoke(spec, {"sleep": 0.5}))

    # WHEN three invocations run at the same time
    threads = [threading.Thread(target=call) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # THEN each ran in its own (cold) worker
    assert len({o.output["pid"] for o in outcomes}) == 3
    assert [o.output["counter"] for o in outcomes] == [1, 1, 1]


def test_invocations_beyond_the_limit_wait_for_a_free_worker(tmp_path):
    # GIVEN a pool of at most one worker per function
    spec = make_function(tmp_path, COUNTER_APP)
    outcomes: list[Any] = []
    with WorkerPool(ENDPOINT, max_workers_per_function=1) as pool:
        threads = [
            threading.Thread(target=lambda: outcomes.append(pool.invoke(spec, {"sleep": 0.3}))) for _ in range(2)
        ]
        # WHEN two invocations arrive at once
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
    # THEN they ran one after the other in the same warm worker
    assert sorted(o.output["counter"] for o in outcomes) == [1, 2]
    assert len({o.output["pid"] for o in outcomes}) == 1
    assert elapsed >= 0.6


def test_handler_exception_is_a_function_error_and_the_worker_stays_warm(tmp_path, pool):
    # GIVEN a handler that raises on demand
    spec = make_function(
        tmp_path,
        """
        import os

        class OrderRejected(Exception):
            pass

        def handler(event, context):
            if event.get("fail"):
                raise OrderRejected("order 42 rejected")
            return os.getpid()
        """,
    )
    first = pool.invoke(spec, {})
    # WHEN it raises
    failed = pool.invoke(spec, {"fail": True})
    # THEN the error is Lambda's function error: class name, message, stack trace of user frames
    assert failed.output is None
    assert failed.error is not None
    assert failed.error["ErrorType"] == "OrderRejected"
    assert failed.error["ErrorMessage"] == "order 42 rejected"
    assert len(failed.error["StackTrace"]) == 1
    assert 'app.py", line 9, in handler' in failed.error["StackTrace"][0]
    assert "[ERROR] OrderRejected: order 42 rejected" in failed.logs
    # AND the same worker serves the next invocation
    assert pool.invoke(spec, {}).output == first.output


def test_os_exit_is_a_runtime_exit_error_and_the_worker_is_replaced(tmp_path, pool):
    # GIVEN a handler that exits the process on its second invocation
    spec = make_function(
        tmp_path,
        COUNTER_APP
        + """
_handler = handler

def handler(event, context):
    if event.get("exit"):
        print("exiting")
        os._exit(1)
    return _handler(event, context)
""",
    )
    warm = pool.invoke(spec, {})
    # WHEN it exits
    crashed = pool.invoke(spec, {"exit": True}, request_id="req-crash")
    # THEN Lambda's Runtime.ExitError, with what it printed before dying; the next invocation is a cold start
    assert crashed.output is None
    assert crashed.error == {
        "ErrorType": "Runtime.ExitError",
        "ErrorMessage": "RequestId: req-crash Error: Runtime exited with error: exit status 1",
    }
    assert crashed.logs == "exiting\n"
    fresh = pool.invoke(spec, {})
    assert fresh.output["counter"] == 1
    assert fresh.output["pid"] != warm.output["pid"]


def test_killed_by_a_signal_reads_like_lambda(tmp_path, pool):
    # GIVEN a handler that SIGKILLs its own process
    spec = make_function(
        tmp_path,
        """
        import os
        import signal

        def handler(event, context):
            os.kill(os.getpid(), signal.SIGKILL)
        """,
    )
    # WHEN invoked / THEN the error says it was killed
    outcome = pool.invoke(spec, {}, request_id="r")
    assert outcome.error == {
        "ErrorType": "Runtime.ExitError",
        "ErrorMessage": "RequestId: r Error: Runtime exited with error: signal: killed",
    }


def test_exception_at_import_is_the_invocations_error_with_the_users_frame_in_the_logs(tmp_path, pool):
    # GIVEN a module that raises while being imported
    spec = make_function(tmp_path, 'raise RuntimeError("bad configuration")\n')
    # WHEN invoked
    outcome = pool.invoke(spec, {}, request_id="r")
    # THEN the invocation fails with that error, as Lambda's runtime reports an init error, and the logs
    # hold one short traceback: the user's frame, not the import machinery
    assert outcome.error is not None
    assert outcome.error["ErrorType"] == "RuntimeError"
    assert outcome.error["ErrorMessage"] == "bad configuration"
    assert [line.split(",")[1].strip() for line in outcome.error["StackTrace"]] == ["line 1"]
    assert "[ERROR] RuntimeError: bad configuration" in outcome.logs
    assert "importlib" not in outcome.logs


def test_missing_handler_function_is_runtime_handler_not_found(tmp_path, pool):
    # GIVEN a module without the named function
    spec = make_function(tmp_path, "x = 1\n", handler="app.missing")
    # WHEN invoked / THEN Lambda's error for it, said once in the logs too
    outcome = pool.invoke(spec, {})
    assert outcome.error is not None
    assert outcome.error["ErrorType"] == "Runtime.HandlerNotFound"
    assert outcome.error["ErrorMessage"] == "Handler 'missing' missing on module 'app'"
    assert outcome.logs.count("Runtime.HandlerNotFound: Handler 'missing' missing on module 'app'") == 1


def test_timeout_kills_the_worker_and_the_next_invocation_is_cold(tmp_path, pool):
    # GIVEN a 1 s function whose invocation sleeps for 30 s
    spec = make_function(tmp_path, COUNTER_APP, timeout=1)
    warm = pool.invoke(spec, {})
    # WHEN invoked
    started = time.monotonic()
    outcome = pool.invoke(spec, {"sleep": 30}, request_id="slow")
    # THEN it is stopped after its timeout, as Lambda reports it
    assert time.monotonic() - started < 5
    assert outcome.error == {
        "ErrorType": "Sandbox.Timedout",
        "ErrorMessage": "RequestId: slow Error: Task timed out after 1.00 seconds",
    }
    assert outcome.logs == "invocation 2\n"
    # AND the next invocation runs in a fresh worker
    fresh = pool.invoke(spec, {})
    assert fresh.output["counter"] == 1
    assert fresh.output["pid"] != warm.output["pid"]


def test_timeout_scale_shortens_the_wall_timeout_but_not_the_reported_one(tmp_path, pool):
    # GIVEN a 8 s function run with a clock sped up 8 times
    spec = make_function(tmp_path, COUNTER_APP, timeout=8)
    pool.invoke(spec, {})
    # WHEN an invocation outlasts 1 s of wall time
    started = time.monotonic()
    outcome = pool.invoke(spec, {"sleep": 30}, timeout_scale=8)
    # THEN it times out after ~1 s, reported as the function's 8 s
    assert time.monotonic() - started < 5
    assert outcome.error is not None
    assert outcome.error["ErrorMessage"].endswith("Task timed out after 8.00 seconds")


def test_logs_are_captured_per_invocation_at_the_file_descriptor_level(tmp_path, pool):
    # GIVEN a Powertools Logger made at import (it binds sys.stdout then), prints, stderr and raw fd writes
    spec = make_function(
        tmp_path,
        """
        import os
        import sys

        from aws_lambda_powertools import Logger

        logger = Logger(service="orders")

        @logger.inject_lambda_context
        def handler(event, context):
            logger.info("processing", order=event["order"])
            print(f"print {event['order']}")
            print(f"stderr {event['order']}", file=sys.stderr)
            os.write(2, f"raw {event['order']}\\n".encode())
            return event["order"]
        """,
    )
    # WHEN invoked twice
    first = pool.invoke(spec, {"order": "o-1"}, request_id="req-a")
    second = pool.invoke(spec, {"order": "o-2"})
    # THEN each invocation's logs hold exactly its own output, the Logger's JSON line included
    record = json.loads(first.logs.splitlines()[0])
    assert record["message"] == "processing"
    assert record["order"] == "o-1"
    assert record["service"] == "orders"
    assert record["function_request_id"] == "req-a"
    assert first.logs.splitlines()[1:] == ["print o-1", "stderr o-1", "raw o-1"]
    assert "o-1" not in second.logs
    assert second.logs.splitlines()[1:] == ["print o-2", "stderr o-2", "raw o-2"]


def test_code_directory_shadows_installed_packages(tmp_path, pool):
    # GIVEN a function bundling its own "yaml" module (PyYAML is installed in this environment)
    spec = make_function(
        tmp_path,
        """
        import yaml

        def handler(event, context):
            return {"bundled": getattr(yaml, "BUNDLED", False), "file": yaml.__file__}
        """,
        files={"yaml.py": "BUNDLED = True\n"},
    )
    # WHEN invoked / THEN the bundled module wins, as /var/task does on Lambda
    output = pool.invoke(spec, {}).output
    assert output == {"bundled": True, "file": str(spec.code_uri / "yaml.py")}


def test_dotted_handler_module(tmp_path, pool):
    # GIVEN a handler in a package module / WHEN invoked / THEN it is found
    spec = make_function(tmp_path, "def run(event, context):\n    return 'deep'\n", handler="pkg.mod.run")
    (spec.code_uri / "pkg" / "__init__.py").write_text("")
    assert pool.invoke(spec, {}).output == "deep"


def test_worker_start_imports_nothing_of_the_emulator_server(tmp_path, pool):
    # GIVEN a handler listing what the worker process has imported
    spec = make_function(
        tmp_path,
        """
        import sys

        def handler(event, context):
            return sorted(name for name in sys.modules if name.split(".")[0] in
                          ("powertools_durable", "starlette", "uvicorn", "yaml", "boto3", "pydantic"))
        """,
    )
    # WHEN invoked
    imported = pool.invoke(spec, {}).output
    # THEN the bootstrap (a script) imported nothing of the package, the emulator or a web framework
    assert imported == []


def test_unserializable_output_is_a_marshal_error(tmp_path, pool):
    # GIVEN a handler returning a set
    spec = make_function(tmp_path, "def handler(event, context):\n    return {1, 2}\n")
    # WHEN invoked / THEN Lambda's marshal error
    outcome = pool.invoke(spec, {})
    assert outcome.error == {
        "ErrorType": "Runtime.MarshalError",
        "ErrorMessage": "Unable to marshal response: Object of type set is not JSON serializable",
    }


def test_changed_spec_retires_warm_workers(tmp_path, pool):
    # GIVEN a warm worker of a function
    spec = make_function(tmp_path, COUNTER_APP)
    pool.invoke(spec, {})
    # WHEN the template changes (a new variable) and the function is invoked again
    changed = FunctionSpec(**{**spec.__dict__, "environment": {"NEW": "1"}})
    outcome = pool.invoke(changed, {})
    # THEN a fresh worker with the new configuration serves it
    assert outcome.output["counter"] == 1


def test_closed_pool_refuses_invocations(tmp_path):
    # GIVEN a closed pool / WHEN invoked / THEN it says so
    spec = make_function(tmp_path, COUNTER_APP)
    pool = WorkerPool(ENDPOINT)
    pool.invoke(spec, {})
    pool.close()
    with pytest.raises(RuntimeError, match="closed"):
        pool.invoke(spec, {})


@pytest.mark.parametrize(
    ("returncode", "reason"),
    [
        (1, "Runtime exited with error: exit status 1"),
        (0, "Runtime exited without providing a reason"),
        (-9, "Runtime exited with error: signal: killed"),
        (-11, "Runtime exited with error: signal: segmentation fault"),
        (-10, "Runtime exited with error: signal: sigusr1"),
    ],
)
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_exit_reasons(returncode, reason):
    assert exit_reason(returncode) == reason
