"""Each rule of ``powertools-durable lint``: the docs' wrong example is caught, the right one is clean, and more."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from powertools_durable.tools.lint import RULES, lint_source

ROOT = Path(__file__).resolve().parents[3]
DOCS = (ROOT / "docs" / "lint.md").read_text(encoding="utf-8")

HEADER = """
import boto3, datetime, os, random, requests, secrets, subprocess, time, uuid
from datetime import datetime as dt
from powertools_durable import DurableContext, Duration, StepContext, durable_execution, durable_handler, durable_step
"""


def codes(body: str) -> list[str]:
    return [f.code for f in lint_source(HEADER + textwrap.dedent(body))]


def _doc_examples() -> dict[str, tuple[str, str]]:
    examples = {}
    for section in re.split(r"^### ", DOCS, flags=re.MULTILINE)[1:]:
        code = section[:6]
        if not code.startswith("DUR"):
            continue
        snippets = re.findall(r'```python\n--8<-- "(.*?)"\n```', section)
        wrong, right = ((ROOT / "examples" / s).read_text(encoding="utf-8") for s in snippets)
        examples[code] = (wrong, right)
    return examples


DOC_EXAMPLES = _doc_examples()


def test_every_rule_has_a_docs_section_with_a_wrong_and_a_right_example():
    assert set(DOC_EXAMPLES) == set(RULES)
    for code, rule in RULES.items():
        assert f"{{#{code.lower()}}}" in DOCS, code  # the anchor each finding's url points at
        assert rule.url.endswith(f"#{code.lower()}")


@pytest.mark.parametrize("code", sorted(RULES))
def test_the_docs_wrong_example_is_caught_and_the_right_one_is_clean(code: str):
    wrong, right = DOC_EXAMPLES[code]
    assert [f.code for f in lint_source(wrong)] == [code]
    assert lint_source(right) == []


@pytest.mark.parametrize(
    "body",
    [
        # datetime through its module, its class, an alias; time, random, secrets, os.urandom, uuid1
        "@durable_execution\ndef h(e, context):\n    return datetime.datetime.now()\n",
        "@durable_execution\ndef h(e, context):\n    return dt.utcnow()\n",
        "@durable_execution\ndef h(e, context):\n    return datetime.date.today()\n",
        "@durable_execution\ndef h(e, context):\n    return time.time()\n",
        "@durable_execution\ndef h(e, context):\n    return random.choice([1, 2])\n",
        "@durable_execution\ndef h(e, context):\n    return random.Random()\n",
        "@durable_execution\ndef h(e, context):\n    return secrets.token_hex()\n",
        "@durable_execution\ndef h(e, context):\n    return os.urandom(8)\n",
        "@durable_execution\ndef h(e, context):\n    return uuid.uuid1()\n",
        # in a helper of the same module that the handler calls, and in a child function
        "def helper():\n    return time.time()\n@durable_execution\ndef h(e, context):\n    return helper()\n",
        "def child(c: DurableContext):\n    return time.time()\n",
        "@durable_execution\ndef h(e, context):\n    return context.run_in_child_context(lambda c: time.time())\n",
        # durable_handler with options, an aliased decorator
        "@durable_handler(logger=None)\ndef h(e, context):\n    return uuid.uuid4()\n",
        "from powertools_durable import durable_execution as durable\n@durable\ndef h(e, context):\n"
        "    return uuid.uuid4()\n",
    ],
)
def test_dur001_positives(body: str):
    assert codes(body) == ["DUR001"]


@pytest.mark.parametrize(
    "body",
    [
        "@durable_execution\ndef h(e, context):\n    return context.step(lambda _: time.time())\n",
        "@durable_step\ndef s(step: StepContext):\n    return uuid.uuid4()\n",
        "def s(step: StepContext):\n    return uuid.uuid4()\n",
        "@durable_execution\ndef h(e, context):\n    def body(_):\n        return time.time()\n"
        "    return context.step(body)\n",
        "@durable_execution\ndef h(e, context):\n    return random.Random(42).random()\n",  # seeded
        "def not_durable():\n    return time.time()\n",  # no workflow reaches it
        "NOW = time.time()\n",  # module level: once per process, not per replay
        "@durable_execution\ndef h(e, context):\n    return context.now(), context.uuid4(), context.random()\n",
    ],
)
def test_dur001_negatives(body: str):
    assert codes(body) == []


@pytest.mark.parametrize(
    "body",
    [
        "@durable_execution\ndef h(e, context):\n    return boto3.client('s3')\n",
        "@durable_execution\ndef h(e, context):\n    return requests.get('https://example.com')\n",
        "@durable_execution\ndef h(e, context):\n    subprocess.run(['ls'])\n",
        "@durable_execution\ndef h(e, context):\n    open('/tmp/x', 'w').write('x')\n",
        "@durable_execution\ndef h(e, context):\n    open('/tmp/x', mode='a')\n",
        "@durable_execution\ndef h(e, context):\n    os.system('ls')\n",
        "SQS = boto3.client('sqs')\n@durable_execution\ndef h(e, context):\n"
        "    SQS.send_message(QueueUrl='q', MessageBody='m')\n",
    ],
)
def test_dur002_positives(body: str):
    assert codes(body) == ["DUR002"]


@pytest.mark.parametrize(
    "body",
    [
        "SQS = boto3.client('sqs')\n@durable_execution\ndef h(e, context):\n"
        "    context.step(lambda _: SQS.send_message(QueueUrl='q', MessageBody='m'))\n",
        "@durable_execution\ndef h(e, context):\n    return open('/etc/hostname').read()\n",  # reading
        "@durable_step\ndef s(step: StepContext):\n    return requests.get('https://example.com').json()\n",
        "pool = object()\n@durable_execution\ndef h(e, context):\n    return pool.map(len, ['a'])\n",
    ],
)
def test_dur002_negatives(body: str):
    assert codes(body) == []


@pytest.mark.parametrize(
    "body",
    [
        "@durable_execution\ndef h(e, context):\n    return context.step(lambda _: context.step(lambda _: 1))\n",
        "@durable_execution\ndef h(e, ctx):\n    def body(_):\n        ctx.create_callback()\n"
        "    return ctx.step(body)\n",
        "from powertools_durable import get_durable_context\n"
        "@durable_step\ndef s(step: StepContext):\n    return get_durable_context().invoke('f', {})\n",
    ],
)
def test_dur003_positives(body: str):
    assert "DUR003" in codes(body)


def test_dur003_negatives():
    # a step calling a method named like an operation on something that is not a context
    assert codes("@durable_step\ndef s(step: StepContext, pool):\n    return pool.map(len, ['a'])\n") == []
    assert codes("@durable_execution\ndef h(e, context):\n    return context.step(lambda _: 1)\n") == []


@pytest.mark.parametrize(
    "body",
    [
        "@durable_execution\ndef h(e, context):\n    seen = {}\n"
        "    context.step(lambda _: seen.update(a=1))\n    return seen\n",
        "@durable_execution\ndef h(e, context):\n    count = 0\n    def body(_):\n        nonlocal count\n"
        "        count += 1\n    context.step(body)\n    return count\n",
        "@durable_execution\ndef h(e, context):\n    box = {}\n    def body(_):\n        box['k'] = 1\n"
        "    context.step(body)\n    return box\n",
    ],
)
def test_dur004_positives(body: str):
    assert codes(body) == ["DUR004"]


@pytest.mark.parametrize(
    "body",
    [
        # its own variables, a module-level outbox (a side effect), a returned value
        "@durable_step\ndef s(step: StepContext):\n    items = []\n    items.append(1)\n    return items\n",
        "OUTBOX = []\n@durable_execution\ndef h(e, context):\n    context.step(lambda _: OUTBOX.append(1))\n",
        "@durable_execution\ndef h(e, context):\n    total = context.step(lambda _: 1)\n    return total\n",
    ],
)
def test_dur004_negatives(body: str):
    assert codes(body) == []


@pytest.mark.parametrize(
    "body",
    [
        "@durable_execution\ndef h(e, context):\n    for r in {'a', 'b'}:\n        context.step(lambda _: r, name=r)\n",
        "@durable_execution\ndef h(e, context):\n    names = set(e['names'])\n"
        "    for n in names:\n        context.wait(Duration.from_seconds(1), name=n)\n",
        "@durable_execution\ndef h(e, context):\n    a = frozenset(e['a'])\n"
        "    return [context.step(lambda _: x) for x in a | {'z'}]\n",
        "@durable_execution\ndef h(e, context):\n    return context.map({'a', 'b'}, lambda c, x, i, xs: x)\n",
        "@durable_execution\ndef h(e, context: DurableContext, keys: set[str] = frozenset()):\n"
        "    for k in keys:\n        context.step(lambda _: k)\n",
    ],
)
def test_dur005_positives(body: str):
    assert codes(body) == ["DUR005"]


@pytest.mark.parametrize(
    "body",
    [
        "@durable_execution\ndef h(e, context):\n    for r in sorted({'a', 'b'}):\n        context.step(lambda _: r)\n",
        "@durable_execution\ndef h(e, context):\n    for r in {1, 2, 3}:\n        context.step(lambda _: r)\n",  # ints
        "@durable_execution\ndef h(e, context):\n    for r in {'a', 'b'}:\n        print(r)\n",  # no operation
        "@durable_execution\ndef h(e, context):\n    for r in ['b', 'a']:\n        context.step(lambda _: r)\n",
    ],
)
def test_dur005_negatives(body: str):
    assert codes(body) == []


@pytest.mark.parametrize(
    "handler",
    [
        "    except BaseException:\n        return 'x'\n",
        "    except (ValueError, BaseException) as exc:\n        return str(exc)\n",
    ],
)
def test_dur006_positives(handler: str):
    body = "@durable_execution\ndef h(e, context):\n    try:\n        context.wait(Duration.from_seconds(5))\n"
    assert codes(body + handler) == ["DUR006"]


@pytest.mark.parametrize(
    "body",
    [
        # re-raised, Exception only, no operation in the try
        "@durable_execution\ndef h(e, context):\n    try:\n        context.wait(Duration.from_seconds(5))\n"
        "    except BaseException:\n        print('cleanup')\n        raise\n",
        "@durable_execution\ndef h(e, context):\n    try:\n        context.wait(Duration.from_seconds(5))\n"
        "    except Exception:\n        return 'x'\n",
        "@durable_execution\ndef h(e, context):\n    try:\n        x = int(e['n'])\n    except:\n        x = 0\n"
        "    return context.step(lambda _: x)\n",
    ],
)
def test_dur006_negatives(body: str):
    assert codes(body) == []


def test_findings_carry_ruff_like_positions():
    source = "import time\nfrom powertools_durable import durable_execution\n\n@durable_execution\ndef h(e, c):\n"
    source += "    return   time.time()\n"
    [finding] = lint_source(source, "app.py")
    assert (finding.path, finding.line, finding.column, finding.code) == ("app.py", 6, 14, "DUR001")


def test_noqa_silences_the_named_rule_only():
    base = "import time, uuid\nfrom powertools_durable import durable_execution\n\n@durable_execution\ndef h(e, c):\n"
    assert lint_source(base + "    return time.time()  # noqa: DUR001 - logged only\n") == []
    assert lint_source(base + "    return time.time()  # noqa\n") == []
    assert [f.code for f in lint_source(base + "    return time.time()  # noqa: DUR002\n")] == ["DUR001"]
    assert lint_source(base + "    return time.time(), uuid.uuid4()  # noqa: DUR002, DUR001\n") == []


def test_a_syntax_error_names_the_file():
    with pytest.raises(SyntaxError, match=r"bad\.py:1:.*cannot parse"):
        lint_source("def (:\n", "bad.py")
