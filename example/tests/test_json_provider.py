"""Answers are encoded by msgspec, holding what Flask's own JSON provider would write."""

import dataclasses
import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask import jsonify
from flask.json.provider import DefaultJSONProvider
from markupsafe import Markup

from my_service.json_provider import MsgspecJSONProvider


@dataclasses.dataclass
class Point:
    x: int
    y: int


# Written exactly as Flask's provider writes them, byte for byte.
SAME_TEXT = [
    {"b": 1, "a": [1.5, None, True, "x"], "c": {"z": {}, "y": [0.1, -0.0, 5e-324]}},
    [Decimal("1.50"), uuid.UUID(int=7), Point(1, 2), Markup("<b>bold</b>")],
    {"big": 10**30, "negative": -(2**63) - 1, "tricky": 'quote " slash \\ tab \t nul \x00'},
    {1: "one", 2: "two"},
    [],
    None,
]
# The same JSON values in other text: UTF-8 instead of \u escapes, exponents without '+'.
SAME_VALUES = [{"name": "Zoë ☕", "separator": "\u2028"}, [1e16, 1e-7, 1e300]]


def flasks(app, value) -> str:
    """What Flask's own provider writes for `value` in a response."""
    return DefaultJSONProvider(app).dumps(value, separators=(",", ":"))


def test_the_service_answers_through_the_msgspec_provider(app):
    assert isinstance(app.json, MsgspecJSONProvider)
    with app.app_context():
        assert jsonify({"name": "Zoë"}).data == '{"name":"Zoë"}\n'.encode()


@pytest.mark.parametrize("value", SAME_TEXT)
def test_an_answer_is_what_flasks_provider_writes(app, value):
    assert app.json.dumps(value) == flasks(app, value)
    with app.app_context():
        assert jsonify(value).data == f"{flasks(app, value)}\n".encode()


@pytest.mark.parametrize("value", SAME_VALUES)
def test_text_and_numbers_hold_the_same_values(app, value):
    written = app.json.dumps(value)
    assert written != flasks(app, value)
    assert json.loads(written) == json.loads(flasks(app, value))


def test_keys_come_in_their_own_order_when_sorting_is_off(app, monkeypatch):
    monkeypatch.setattr(app.json, "sort_keys", False)
    assert app.json.dumps({"b": 1, "a": 2, 3: 4}) == '{"b":1,"a":2,"3":4}'


def test_a_datetime_handed_over_as_is_comes_in_iso_8601(app):
    value = {"at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "on": date(2026, 1, 2)}
    assert app.json.dumps(value) == '{"at":"2026-01-02T03:04:05Z","on":"2026-01-02"}'


def test_what_json_cannot_hold_is_refused_as_flask_refuses_it(app):
    with pytest.raises(TypeError, match="Object of type object is not JSON serializable"):
        app.json.dumps({"thing": object()})
    with pytest.raises(TypeError):
        app.json.dumps({1: "int and text keys cannot be sorted", "a": 2})


def test_options_and_pretty_printing_are_flasks(app, monkeypatch):
    value = {"b": [1], "a": "x"}
    assert app.json.dumps(value, indent=2) == DefaultJSONProvider(app).dumps(value, indent=2)
    monkeypatch.setattr(app.json, "compact", False)
    with app.app_context():
        assert jsonify(value).data == b'{\n  "a": "x",\n  "b": [\n    1\n  ]\n}\n'
