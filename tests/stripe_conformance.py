"""Every request the app sends through the ``stripe`` library fits Stripe's parameter types.

An autouse fixture wraps ``StripeService._request`` (the one door every ``client.v1...``
call goes through) for the whole suite. Each call is recorded with the service method that
made it; the method's ``params`` annotation names the TypedDict the installed ``stripe``
package ships for it (``stripe/params/...``), and the parameters are checked against it:

- a key the TypedDict does not declare fails;
- a value outside a ``Literal`` fails. Stripe writes most enums as ``Literal[...] | str``
  (so new values do not break old libraries); the ``str`` there is forward compatibility,
  not documentation, so only the listed values pass. Where the only literal is ``''``
  (Stripe's "unset this field") the ``str`` is free text and any string passes;
- scalars must have the annotated type (a bool is not an int), lists and dicts their items.

Problems are collected and reported when the test ends, so a broad ``except`` in the app
cannot swallow them.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import re
import sys
import types
import typing
from dataclasses import dataclass, field

import pytest
import stripe
import stripe._request_options as stripe_request_options
import stripe._stripe_service as stripe_service
from typing_extensions import is_typeddict

_NONE = type(None)


@dataclass
class SentRequest:
    service: str
    method_name: str
    http_method: str
    url: str
    params: dict
    problems: list[str] = field(default_factory=list)


def params_type(service_class: type, method_name: str):
    """The TypedDict the library declares for ``service_class.method_name``'s params."""
    method = getattr(service_class, method_name, None)
    if method is None:
        return None
    raw = method.__annotations__.get("params")
    if raw is None:
        return None
    if not isinstance(raw, str):
        raw = repr(raw)
    # The services import their params types only under TYPE_CHECKING: find the import.
    names = re.findall(r"\b(\w+Params)\b", raw)
    source = inspect.getsource(sys.modules[service_class.__module__])
    for name in names:
        found = re.search(r"from (stripe\.params[\w.]*) import \(?\s*" + name + r"\b", source)
        if found:
            declared = getattr(importlib.import_module(found.group(1)), name)
            if is_typeddict(declared):
                return declared
    return None


_REQUEST_OPTIONS_NAMES = {
    **vars(stripe_request_options),
    "Mapping": typing.Mapping,
    "StripeContext": stripe.StripeContext,
}


@functools.cache
# RequestOptions (the base of every params type) imports StripeContext only for typing.
def _hints(typed_dict) -> dict:
    return typing.get_type_hints(typed_dict, localns=_REQUEST_OPTIONS_NAMES, include_extras=True)


def _strip(annotation):
    """Drop ``Required``/``NotRequired``/``ReadOnly``/``Annotated`` wrappers."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin is not None and getattr(origin, "_name", "") in (
            "Required",
            "NotRequired",
            "ReadOnly",
        ):
            annotation = typing.get_args(annotation)[0]
        elif origin is not None and getattr(origin, "__name__", "") in (
            "Required",
            "NotRequired",
            "ReadOnly",
        ):
            annotation = typing.get_args(annotation)[0]
        else:
            return annotation


def _union_members(annotation) -> list:
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        members = []
        for arg in typing.get_args(annotation):
            members.extend(_union_members(arg))
        return members
    return [annotation]


def check(value, annotation, path: str = "params") -> list[str]:
    """The problems with ``value`` against ``annotation`` (empty when it conforms)."""
    annotation = _strip(annotation)
    if annotation is typing.Any or annotation is object:
        return []
    if is_typeddict(annotation):
        if not isinstance(value, dict):
            return [f"{path}: expected an object, got {value!r}"]
        hints = _hints(annotation)
        problems = []
        for key, item in value.items():
            if key not in hints:
                problems.append(f"{path}.{key}: unknown parameter for {annotation.__name__}")
            else:
                problems.extend(check(item, hints[key], f"{path}.{key}"))
        return problems
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        allowed = typing.get_args(annotation)
        return [] if value in allowed else [f"{path}: {value!r} is not one of {list(allowed)}"]
    if origin is typing.Union or origin is types.UnionType:
        members = _union_members(annotation)
        literals = [m for m in members if typing.get_origin(m) is typing.Literal]
        listed = {v for m in literals for v in typing.get_args(m)}
        if str in members and listed - {""}:
            # ``Literal[...] | str``: the str is Stripe's forward compatibility, not an enum.
            members = [m for m in members if m is not str]
        attempts = [check(value, m, path) for m in members]
        if any(not a for a in attempts):
            return []
        if literals and isinstance(value, str) and str not in members:
            return [f"{path}: {value!r} is not one of {sorted(listed, key=str)}"]
        return min(attempts, key=len)
    if origin in (list, typing.List):  # noqa: UP006
        (item_type,) = typing.get_args(annotation) or (typing.Any,)
        if not isinstance(value, list):
            return [f"{path}: expected a list, got {value!r}"]
        problems = []
        for index, item in enumerate(value):
            problems.extend(check(item, item_type, f"{path}[{index}]"))
        return problems
    if origin in (dict, typing.Dict):  # noqa: UP006
        args = typing.get_args(annotation)
        value_type = args[1] if len(args) == 2 else typing.Any
        if not isinstance(value, dict):
            return [f"{path}: expected an object, got {value!r}"]
        problems = []
        for key, item in value.items():
            if not isinstance(key, str):
                problems.append(f"{path}: key {key!r} is not a string")
            problems.extend(check(item, value_type, f"{path}.{key}"))
        return problems
    if annotation is _NONE:
        return [] if value is None else [f"{path}: expected nothing, got {value!r}"]
    if annotation is bool:
        return [] if isinstance(value, bool) else [f"{path}: expected a bool, got {value!r}"]
    if annotation is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
        return [] if ok else [f"{path}: expected an integer, got {value!r}"]
    if annotation is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return [] if ok else [f"{path}: expected a number, got {value!r}"]
    if annotation is str:
        return [] if isinstance(value, str) else [f"{path}: expected a string, got {value!r}"]
    return [f"{path}: the checker does not know the type {annotation!r}"]


def check_request(service_class: type, method_name: str, params) -> list[str]:
    declared = params_type(service_class, method_name)
    if declared is None:
        return [f"{service_class.__name__}.{method_name}: no parameter type found"]
    return check(dict(params or {}), declared)


class Recorder:
    def __init__(self):
        self.requests: list[SentRequest] = []

    @property
    def problems(self) -> list[str]:
        return [
            f"{r.http_method.upper()} {r.url} ({r.service}.{r.method_name}): {p}"
            for r in self.requests
            for p in r.problems
        ]


def _wrap(original, recorder: Recorder):
    @functools.wraps(original)
    def _request(self, method, url, params=None, options=None, **kwargs):
        caller = sys._getframe(1).f_code.co_name
        problems = check_request(type(self), caller, params)
        recorder.requests.append(
            SentRequest(type(self).__name__, caller, method, url, dict(params or {}), problems)
        )
        return original(self, method, url, params, options, **kwargs)

    return _request


@pytest.fixture(autouse=True)
def stripe_requests(monkeypatch):
    """Every Stripe request of the test, each checked against the library's parameter types."""
    recorder = Recorder()
    monkeypatch.setattr(
        stripe_service.StripeService,
        "_request",
        _wrap(stripe_service.StripeService._request, recorder),
    )
    yield recorder
    problems = recorder.problems
    if problems:
        pytest.fail(
            "Requests to Stripe that its parameter types refuse:\n" + "\n".join(problems),
            pytrace=False,
        )
