"""A payload is data, never a recipe: no serdes imports a module or calls a class a payload names.

Payloads naming ``subprocess:Popen``, ``os:system`` or a module whose import has a side effect go
through every exported serdes: each returns inert data or raises a ``SerDesError`` naming the type,
and nothing is imported or run. Declared types (a typed serdes, an allow-list, a return
annotation) still round-trip.
"""

from __future__ import annotations

import functools
import json
import logging
import sys
import types
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from powertools_durable import (
    DataclassSerDes,
    ExtendedTypeSerDes,
    JsonSerDes,
    PassThroughSerDes,
    PydanticSerDes,
    SerDes,
    SerDesContext,
    SerDesError,
    StepContext,
    TypedSerDes,
    durable_step,
    durable_with_child_context,
)
from powertools_durable.serdes import declared_by, declared_serdes, deserialize, widened
from powertools_durable.serdes.allowed import NO_TYPES, declared_return_types, declared_types

CONTEXT = SerDesContext("op-1", "arn:exec")


class Customer(BaseModel):
    name: str
    since: datetime


@dataclass
class Line:
    sku: str
    price: Decimal


@dataclass
class Order:
    id: str
    lines: list[Line]
    customer: Customer | None = None
    note: Any = None  # declares nothing: an envelope in it is decoded only if declared elsewhere
    tags: tuple[str, ...] = field(default_factory=tuple)


@dataclass
class Stray:
    x: int


ORDER = Order(
    "o-1",
    [Line("a", Decimal("1.50")), Line("b", Decimal("2"))],
    Customer(name="ann", since=datetime(2024, 1, 2, tzinfo=UTC)),
    tags=("x",),
)


# --- hostile payloads -------------------------------------------------------------------------


@pytest.fixture
def side_effect_module(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A module on ``sys.path`` whose import writes a marker file: importing it at all is the exploit."""
    name = f"serdes_side_effect_{uuid.uuid4().hex}"
    marker = tmp_path / "imported"
    (tmp_path / f"{name}.py").write_text(
        f"from pathlib import Path\nPath({str(marker)!r}).write_text('imported')\n\nclass Thing:\n    pass\n"
    )
    sys.path.insert(0, str(tmp_path))
    try:
        yield name, marker
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop(name, None)


def hostile_payloads(module: str, touched: Path) -> dict[str, str]:
    """Envelopes naming dangerous callables, at the root and nested, in every shape the writers use."""
    argv = {"t": "l", "v": [{"t": "s", "v": "touch"}, {"t": "s", "v": str(touched)}]}
    popen_dc = {"t": "dc", "v": {"c": "subprocess:Popen", "d": {"args": argv}}}
    envelopes: dict[str, Any] = {
        "dc-popen": popen_dc,
        "dc-popen-raw-args": {"t": "dc", "v": {"c": "subprocess:Popen", "d": {"args": ["touch", str(touched)]}}},
        "pm-popen": {"t": "pm", "v": {"c": "subprocess:Popen", "d": {"args": ["touch", str(touched)]}}},
        "dc-os-system": {"t": "dc", "v": {"c": "os:system", "d": {"command": f"touch {touched}"}}},
        "pm-os-system": {"t": "pm", "v": {"c": "os:system", "d": f"touch {touched}"}},
        "dc-side-effect-module": {"t": "dc", "v": {"c": f"{module}:Thing", "d": {}}},
        "pm-side-effect-module": {"t": "pm", "v": {"c": f"{module}:Thing", "d": {}}},
        "nested-in-map": {"t": "m", "v": {"x": popen_dc}},
        "nested-in-list": {"t": "l", "v": [{"t": "i", "v": 1}, popen_dc]},
        # an allowed dataclass whose untyped field carries the exploit
        "inside-allowed-dataclass": {
            "t": "dc",
            "v": {"c": f"{__name__}:Order", "d": {"id": {"t": "s", "v": "o"}, "lines": [], "note": popen_dc}},
        },
        # an allowed dataclass whose typed field names another class than its annotation declares
        "inside-allowed-dataclass-typed-field": {
            "t": "dc",
            "v": {"c": f"{__name__}:Order", "d": {"id": {"t": "s", "v": "o"}, "lines": {"t": "l", "v": [popen_dc]}}},
        },
    }
    return {name: json.dumps(envelope) for name, envelope in envelopes.items()}


DANGEROUS = ("subprocess:Popen", "os:system", "serdes_side_effect_")
# the payloads carrying the exploit inside an Order name Order first: a reader that did not declare it stops there
NAMED = (*DANGEROUS, f"'{__name__}:Order'")


def _every_serdes() -> dict[str, Callable[[str], Any]]:
    """Every exported serdes, configured plainly and with types declared, plus the engine's helper."""
    instances: dict[str, SerDes[Any]] = {
        "ExtendedTypeSerDes": ExtendedTypeSerDes(),
        "ExtendedTypeSerDes(allowed_types=[Order])": ExtendedTypeSerDes(allowed_types=[Order]),
        "JsonSerDes": JsonSerDes(),
        "PassThroughSerDes": PassThroughSerDes(),
        "PydanticSerDes(Customer)": PydanticSerDes(Customer),
        "DataclassSerDes(Order)": DataclassSerDes(Order),
        "TypedSerDes(list[Line])": TypedSerDes(list[Line]),
    }
    readers: dict[str, Callable[[str], Any]] = {
        name: (lambda data, serdes=serdes: serdes.deserialize(data, CONTEXT)) for name, serdes in instances.items()
    }
    readers["serdes.deserialize(None)"] = lambda data: deserialize(None, data, CONTEXT)
    readers["serdes.deserialize(annotated)"] = lambda data: deserialize(
        declared_serdes(None, _returns_order), data, CONTEXT
    )
    return readers


def _returns_order(step: StepContext) -> Order:
    return ORDER


def _read(reader: Callable[[str], Any], payload: str) -> Any:
    """The value read, or the SerDesError raised (any other exception fails the test)."""
    try:
        return reader(payload)
    except SerDesError as exc:
        return exc


def _is_inert(value: Any) -> bool:
    """JSON data only: nothing a payload could have turned into an object with behaviour."""
    if value is None or type(value) in (str, int, float, bool):
        return True
    if type(value) is list:
        return all(_is_inert(item) for item in value)
    if type(value) is dict:
        return all(type(k) is str and _is_inert(v) for k, v in value.items())
    return False


@pytest.mark.parametrize("reader_name", list(_every_serdes()))
def test_hostile_payloads_import_nothing_and_run_nothing(reader_name, side_effect_module, tmp_path):
    # GIVEN payloads naming Popen, os.system and a module whose import writes a marker
    module, import_marker = side_effect_module
    touched = tmp_path / "touched"
    reader = _every_serdes()[reader_name]

    for case, payload in hostile_payloads(module, touched).items():
        # WHEN one serdes reads each of them
        outcome = _read(reader, payload)

        # THEN either it refuses with a SerDesError naming the type the payload names...
        if isinstance(outcome, SerDesError):
            assert any(name in str(outcome) for name in NAMED), (case, str(outcome))
        else:
            # ...or it returns inert JSON data (the plain serdes read the envelope as data)
            assert reader_name in ("JsonSerDes", "PassThroughSerDes"), (case, outcome)
            assert _is_inert(outcome), (case, outcome)

        # AND nothing ran and nothing was imported
        assert not touched.exists(), case
        assert not import_marker.exists(), case
        assert module not in sys.modules, case


def test_refusal_names_the_type_and_the_three_ways_to_declare_it():
    # GIVEN a payload naming a class nobody declared / WHEN read by the default serdes
    payload = json.dumps({"t": "dc", "v": {"c": "billing.models:Invoice", "d": {}}})
    with pytest.raises(SerDesError) as raised:
        ExtendedTypeSerDes().deserialize(payload, CONTEXT)

    # THEN the message names the payload's type path and each way to allow it
    message = str(raised.value)
    assert "'billing.models:Invoice'" in message
    assert "-> Invoice" in message
    assert "PydanticSerDes(Invoice)" in message
    assert "DataclassSerDes(Invoice)" in message
    assert "ExtendedTypeSerDes(allowed_types=[Invoice])" in message
    assert "billing" not in sys.modules


def test_refusal_of_a_hostile_name_does_not_echo_it_as_code():
    # GIVEN a class path that is not a Python name at all / WHEN refused
    payload = json.dumps({"t": "pm", "v": {"c": "x:" + "A(" * 200, "d": {}}})
    with pytest.raises(SerDesError) as raised:
        ExtendedTypeSerDes().deserialize(payload, CONTEXT)

    # THEN the suggestion uses a placeholder and the quoted path is cut short
    assert "PydanticSerDes(YourType)" in str(raised.value)
    assert len(str(raised.value)) < 1000


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ('{"t":"dc","v":"subprocess:Popen"}', "malformed 'dc' envelope"),
        ('{"t":"pm","v":{"c":1,"d":{}}}', "malformed 'pm' envelope"),
        ('{"t":"l","v":"abc"}', "needs a list"),
        ('{"t":["x"],"v":1}', "is not a string"),
        ('{"t":"i","v":"12x"}', "malformed checkpoint payload: ValueError"),
        ('{"t":"m","v":[1]}', "malformed checkpoint payload: AttributeError"),
        ("{not json", "malformed checkpoint payload: JSONDecodeError"),
    ],
)
def test_malformed_envelopes_raise_serdes_error(payload, message):
    # GIVEN a malformed envelope / WHEN read / THEN a SerDesError says what is wrong
    with pytest.raises(SerDesError, match=message):
        ExtendedTypeSerDes().deserialize(payload, CONTEXT)


def test_a_tag_that_contradicts_the_declared_class_is_refused():
    # GIVEN Line allowed as a dataclass, and a payload tagging it as a pydantic model
    payload = json.dumps({"t": "pm", "v": {"c": f"{__name__}:Line", "d": {"sku": "a", "price": "1"}}})

    # WHEN read / THEN refused: the declared class is not a pydantic model
    with pytest.raises(SerDesError, match="not one"):
        ExtendedTypeSerDes(allowed_types=[Line]).deserialize(payload, CONTEXT)


# --- declared types round-trip ------------------------------------------------------------------


def test_allow_list_round_trips_nested_declared_types():
    # GIVEN an allow-list naming only Order (Line and Customer are declared by its fields)
    serdes = ExtendedTypeSerDes(allowed_types=[Order])

    # WHEN an order is written in the unchanged wire format and read back
    data = serdes.serialize(ORDER, CONTEXT)
    back = serdes.deserialize(data, CONTEXT)

    # THEN it is the same order, nested dataclasses and model included
    assert json.loads(data)["v"]["c"] == f"{__name__}:Order"
    assert back == ORDER
    assert type(back.lines[0]) is Line
    assert type(back.customer) is Customer


def test_allow_list_keeps_untyped_fields_typed():
    # GIVEN an Order carrying, in its `Any` field, a Stray that nothing declares
    data = ExtendedTypeSerDes().serialize(Order("o", [], note=Stray(1)), CONTEXT)

    # WHEN read with Order allowed / THEN refused naming Stray; with Stray allowed too, it decodes
    with pytest.raises(SerDesError, match=f"{__name__}:Stray"):
        ExtendedTypeSerDes(allowed_types=[Order]).deserialize(data, CONTEXT)
    only_order = {f"{__name__}:Order": Order}
    with pytest.raises(SerDesError, match=f"{__name__}:Stray"):
        ExtendedTypeSerDes().with_types(only_order).deserialize(data, CONTEXT)
    assert ExtendedTypeSerDes(allowed_types=[Order, Stray]).deserialize(data, CONTEXT).note == Stray(1)


@pytest.mark.parametrize("bad", ["subprocess:Popen", 42, dict, list[int]])
def test_allow_list_takes_only_models_and_dataclasses(bad):
    # GIVEN something that is not a model or dataclass class (a path string above all)
    # WHEN used as an allowed type / THEN refused at once
    with pytest.raises(TypeError, match="allowed_types takes"):
        ExtendedTypeSerDes(allowed_types=[bad])


def test_declared_types_look_through_containers_and_optionals():
    # GIVEN hints holding models and dataclasses / THEN each class (and its fields' classes) is declared
    assert set(declared_types(list[Order] | None)) == {f"{__name__}:{n}" for n in ("Order", "Line", "Customer")}
    assert set(declared_types(dict[str, Customer])) == {f"{__name__}:Customer"}
    assert declared_types(dict[str, int], Any, "Order") == {}


def test_pydantic_serdes_writes_plain_json_and_reads_both_formats():
    # GIVEN PydanticSerDes(Customer)
    serdes = PydanticSerDes(Customer)
    customer = Customer(name="ann", since=datetime(2024, 1, 2, tzinfo=UTC))

    # WHEN it writes / THEN plain JSON, which it reads back
    data = serdes.serialize(customer, CONTEXT)
    assert json.loads(data) == {"name": "ann", "since": "2024-01-02T00:00:00Z"}
    assert serdes.deserialize(data, CONTEXT) == customer

    # AND it reads the default serdes' envelope (a checkpoint written before the step was typed)
    assert serdes.deserialize(ExtendedTypeSerDes().serialize(customer, CONTEXT), CONTEXT) == customer


def test_dataclass_serdes_round_trips_nested_fields():
    # GIVEN DataclassSerDes(Order) / WHEN an order round-trips through plain JSON and through the envelope
    serdes = DataclassSerDes(Order)
    plain = serdes.deserialize(serdes.serialize(ORDER, CONTEXT), CONTEXT)
    enveloped = serdes.deserialize(ExtendedTypeSerDes().serialize(ORDER, CONTEXT), CONTEXT)

    # THEN both are the order, nested types included
    assert plain == ORDER
    assert enveloped == ORDER
    assert type(plain.lines[0].price) is Decimal


def test_dataclass_serdes_reads_an_answer_from_outside():
    # GIVEN a callback answer sent as plain JSON by an external system
    answer = '{"id": "o-9", "lines": [{"sku": "q", "price": "3.10"}]}'

    # WHEN read with DataclassSerDes(Order) / THEN it is an Order, fields typed by the annotations
    order = DataclassSerDes(Order).deserialize(answer, CONTEXT)
    assert order == Order("o-9", [Line("q", Decimal("3.10"))])


def test_typed_serdes_handles_lists_and_optionals():
    # GIVEN a generic typed serdes for list[Line] and one for Customer | None
    lines = TypedSerDes(list[Line])
    maybe = TypedSerDes(Customer | None)  # type: ignore[arg-type]

    # WHEN values round-trip / THEN they come back typed
    assert lines.deserialize(lines.serialize([Line("a", Decimal(1))], CONTEXT), CONTEXT) == [Line("a", Decimal(1))]
    assert maybe.deserialize(maybe.serialize(None, CONTEXT), CONTEXT) is None
    assert lines.deserialize(ExtendedTypeSerDes().serialize([Line("b", Decimal(2))], CONTEXT), CONTEXT) == [
        Line("b", Decimal(2))
    ]


def test_typed_serdes_refuse_wrong_values_and_wrong_types():
    # GIVEN typed serdes / WHEN given a value or payload of another shape / THEN SerDesError naming the serdes
    with pytest.raises(SerDesError, match=r"PydanticSerDes\(Customer\) cannot serialize"):
        PydanticSerDes(Customer).serialize(Line("a", Decimal(1)), CONTEXT)  # type: ignore[arg-type]
    with pytest.raises(SerDesError, match=r"DataclassSerDes\(Order\) cannot read"):
        DataclassSerDes(Order).deserialize('{"id": 1}', CONTEXT)
    with pytest.raises(TypeError, match="pydantic model class"):
        PydanticSerDes(Line)  # type: ignore[type-var]
    with pytest.raises(TypeError, match="dataclass class"):
        DataclassSerDes(Customer)


# --- the return annotation declares the type ------------------------------------------------------


def test_return_annotation_declares_the_types_once_per_function():
    # GIVEN a function annotated -> Order (a string annotation, resolved lazily)
    first = declared_return_types(_returns_order)

    # THEN Order and its fields' classes are declared, and the lookup is cached
    assert set(first) == {f"{__name__}:{n}" for n in ("Order", "Line", "Customer")}
    assert declared_return_types(_returns_order) is first
    assert declared_return_types(lambda step: ORDER) is NO_TYPES


def test_durable_step_and_child_wrappers_carry_the_annotation():
    # GIVEN decorated functions annotated with a return type
    @durable_step
    def make(step: StepContext, order_id: str) -> Order:
        return ORDER

    @durable_with_child_context
    def build(child: Any) -> list[Line]:
        return []

    # WHEN bound to arguments / THEN the step callable carries the annotation and declares its classes
    step_callable = make("o-1")
    assert step_callable.__annotations__ == {"return": "Order"}
    assert f"{__name__}:Order" in declared_return_types(step_callable)
    assert set(declared_return_types(build())) == {f"{__name__}:Line"}


def test_a_closure_made_anew_per_invocation_is_resolved_once(monkeypatch: pytest.MonkeyPatch):
    # GIVEN a step function defined inside the handler: a new function object on every invocation
    from powertools_durable.serdes import allowed

    resolved: list[Any] = []
    real = allowed._resolve_return
    monkeypatch.setattr(allowed, "_resolve_return", lambda target, hint: resolved.append(hint) or real(target, hint))

    def handler() -> Callable[[Any], Order]:
        def step(_: Any) -> Order:
            return ORDER

        return step

    # WHEN three invocations each look up their own copy
    found = [declared_return_types(handler()) for _ in range(3)]

    # THEN every copy declares Order, and the annotation was resolved once (the copies share their code)
    assert all(f"{__name__}:Order" in types for types in found)
    assert resolved == ["Order"]


def test_one_decorator_wrapping_functions_of_two_modules_resolves_each_in_its_own_module(
    monkeypatch: pytest.MonkeyPatch,
):
    # GIVEN two modules, each with its own Order, whose step functions are wrapped by one shared decorator
    def shared_decorator(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def wrapper(*args: Any) -> Any:
            return func(*args)

        return wrapper

    source = (
        "from __future__ import annotations\n"
        "from dataclasses import dataclass\n"
        "@dataclass\nclass Order:\n    id: str\n"
        "@decorate\ndef step(_) -> Order:\n    return Order('x')\n"
    )
    modules = []
    for name in ("shop_a", "shop_b"):
        module = types.ModuleType(name)
        monkeypatch.setitem(sys.modules, name, module)
        namespace = vars(module)
        namespace["decorate"] = shared_decorator
        exec(compile(source, f"<{name}>", "exec"), namespace)
        modules.append(namespace)

    # WHEN each wrapped function's declared types are looked up (same wrapper code, same string annotation)
    declared = [set(declared_return_types(module["step"])) for module in modules]

    # THEN each names its own module's Order
    assert declared == [{"shop_a:Order"}, {"shop_b:Order"}]


def test_an_unresolvable_annotation_declares_nothing_and_says_why(caplog):
    # GIVEN a class local to a function, named in a string annotation that cannot resolve at module level
    @dataclass
    class Local:
        x: int

    def returns_local(step: StepContext) -> Local:
        return Local(1)

    # WHEN its declared types are looked up / THEN none, with a warning naming the annotation
    with caplog.at_level(logging.WARNING, logger="powertools_durable.serdes.allowed"):
        assert declared_return_types(returns_local) is NO_TYPES
    assert "'Local'" in caplog.text


def test_declared_serdes_widens_only_the_default_format():
    # GIVEN a function annotated -> Order
    custom = JsonSerDes()

    # THEN the default (None) and ExtendedTypeSerDes are widened; other serdes are left alone
    widened = declared_serdes(None, _returns_order)
    assert isinstance(widened, ExtendedTypeSerDes)
    assert f"{__name__}:Order" in widened.allowed_types
    assert declared_serdes(custom, _returns_order) is custom
    assert declared_serdes(None, lambda step: 1) is None
    base = ExtendedTypeSerDes(allowed_types=[Customer])
    both = declared_serdes(base, _returns_order)
    assert isinstance(both, ExtendedTypeSerDes)
    assert set(both.allowed_types) >= {f"{__name__}:Customer", f"{__name__}:Order"}
    assert set(base.allowed_types) == {f"{__name__}:Customer"}  # the shared instance is not changed


def test_typed_serdes_write_and_read_none_as_null():
    # GIVEN a typed serdes / WHEN it writes None ("no value") / THEN null, read back as None
    serdes = DataclassSerDes(Order)
    assert serdes.serialize(None, CONTEXT) == "null"  # type: ignore[arg-type]
    assert serdes.deserialize("null", CONTEXT) is None


def test_declared_by_and_widened():
    # GIVEN typed and allow-listed serdes / THEN their declared classes widen the default format only
    assert set(declared_by(PydanticSerDes(Customer))) == {f"{__name__}:Customer"}
    assert set(declared_by(ExtendedTypeSerDes(allowed_types=[Line]))) == {f"{__name__}:Line"}
    assert declared_by(JsonSerDes()) == {}
    custom = JsonSerDes()
    assert widened(custom, declared_by(PydanticSerDes(Customer))) is custom
    assert widened(None, NO_TYPES) is None
    default_widened = widened(None, declared_by(PydanticSerDes(Customer)))
    assert isinstance(default_widened, ExtendedTypeSerDes)
    assert set(default_widened.allowed_types) == {f"{__name__}:Customer"}


def test_bound_methods_and_partials_are_looked_through():
    # GIVEN an annotated method and a partial of an annotated function
    class Service:
        def make(self, step: StepContext) -> Order:
            return ORDER

    def priced(step: StepContext, currency: str) -> Line:
        return Line("a", Decimal(1))

    # THEN their return annotations declare the classes too
    assert f"{__name__}:Order" in declared_return_types(Service().make)
    assert set(declared_return_types(functools.partial(priced, currency="EUR"))) == {f"{__name__}:Line"}
