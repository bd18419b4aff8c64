"""Every URL in the project, requested as every persona, against tests/access_table.py."""

import re

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.access_table import (
    ACCESS,
    ADMIN,
    ADMIN_EXCEPTIONS,
    ANONYMOUS,
    AUDITOR,
    FORBIDDEN,
    LOGIN,
    NOT_ALLOWED,
    NOT_FOUND,
    OK,
    PERSONAS,
    REDIRECT,
    Access,
)

# Values for the admin's URL arguments (object ids need not exist: nobody here may enter).
ADMIN_ARGUMENTS = {"app_label": "fund", "url": "nothing-here/"}


def url_patterns(resolver=None, prefix="", namespaces=()):
    """(key, route, pattern) for every endpoint; key is "namespace:name" or the route."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = namespaces + ((entry.namespace,) if entry.namespace else ())
            yield from url_patterns(entry, route, inner)
        elif isinstance(entry, URLPattern):
            key = ":".join(namespaces + (entry.name,)) if entry.name else route
            yield key, route, entry


PATTERNS = sorted({key: (route, p) for key, route, p in url_patterns()}.items())


def is_admin(route: str) -> bool:
    return route.startswith("admin/")


def argument_names(route: str) -> list[str]:
    return re.findall(r"<(?:\w+:)?(\w+)>", route) + re.findall(r"\(\?P<(\w+)>", route)


def admin_path(route: str) -> str:
    """A concrete path for an admin route, named groups and positional ones filled in."""
    value = lambda m: ADMIN_ARGUMENTS.get(m.group(1), "1")  # noqa: E731
    path = re.sub(r"<(?:\w+:)?(\w+)>", value, route)
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", value, path)
    path = re.sub(r"\([^)]*\)", "1", path)
    return "/" + path.replace("^", "").replace("$", "")


def fill(request, value):
    """A string naming a fixture (optionally "fixture.attribute") becomes that object's pk
    (or the attribute); anything else, including a string that names no fixture, is used
    as it is."""
    if not isinstance(value, str) or not re.fullmatch(r"[a-z_0-9]+(\.[a-z_]+)?", value):
        return value
    fixture, _, attribute = value.partition(".")
    try:
        obj = request.getfixturevalue(fixture)
    except pytest.FixtureLookupError:
        return value
    return getattr(obj, attribute or "pk")


def outcome(response) -> str:
    if response.status_code >= 500:
        return f"server error {response.status_code}"
    if response.status_code in (301, 302, 303, 307, 308):
        location = response["Location"]
        if location.startswith((reverse(settings.LOGIN_URL), "/admin/login/")):
            return LOGIN
        return REDIRECT
    return str(response.status_code)


def test_every_table_entry_names_a_real_url():
    names = {key for key, _ in PATTERNS}
    stale = sorted(set(ACCESS) - names)
    assert not stale, (
        f"tests/access_table.py has entries for URLs that no longer exist: {stale}. "
        "Remove them (or fix the name)."
    )


@pytest.mark.parametrize(("key", "route_and_pattern"), PATTERNS, ids=[k for k, _ in PATTERNS])
def test_url_access(request, personas, key, route_and_pattern):
    route, _pattern = route_and_pattern
    if is_admin(route):
        access, path = ADMIN_EXCEPTIONS.get(key, ADMIN), admin_path(route)
    else:
        access = ACCESS.get(key)
        assert access is not None, (
            f"The URL {key!r} (/{route}) has no entry in tests/access_table.py. Add one "
            f"saying which personas may open it, e.g.\n"
            f'    "{key}": Access(allow=STAFF{_kwargs_hint(route)}),\n'
            "(see the module docstring there for the options)."
        )
        missing = set(argument_names(route)) - set(access.kwargs)
        assert not missing, f"{key}: give kwargs for {sorted(missing)} in tests/access_table.py"
        for fixture in access.needs:
            request.getfixturevalue(fixture)
        path = reverse(key, kwargs={k: fill(request, v) for k, v in access.kwargs.items()})

    results = {persona: _request_as(personas[persona], access, path) for persona in PERSONAS}
    wrong = {
        persona: (access.expected(persona), got)
        for persona, got in results.items()
        if got != access.expected(persona)
    }
    assert not wrong, f"{access.method} {path} ({key}):\n" + "\n".join(
        f"  {persona:<14} expected {want:<17} got {got}" for persona, (want, got) in wrong.items()
    )


def _request_as(user, access: Access, path: str) -> str:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    if access.method == "POST":
        return outcome(client.post(path, {}))
    return outcome(client.get(path))


def _kwargs_hint(route: str) -> str:
    names = argument_names(route)
    if not names:
        return ""
    return ", kwargs={" + ", ".join(f'"{n}": "<fixture>"' for n in names) + "}"


def test_outcomes_are_told_apart():
    """The table's vocabulary maps onto distinct answers (guards the classifier itself)."""

    class Response:
        def __init__(self, status, location=""):
            self.status_code = status
            self._location = location

        def __getitem__(self, name):
            return self._location

    assert outcome(Response(302, "/accounts/login/?next=/x/")) == LOGIN
    assert outcome(Response(302, "/admin/login/?next=/admin/")) == LOGIN
    assert outcome(Response(302, "/elsewhere/")) == REDIRECT
    assert outcome(Response(200)) == OK
    assert outcome(Response(403)) == FORBIDDEN
    assert outcome(Response(404)) == NOT_FOUND
    assert outcome(Response(405)) == NOT_ALLOWED
    assert outcome(Response(400)) == "400"
    assert outcome(Response(500)).startswith("server error")


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def _app_pages():
    """The project's own pages (not the admin, not allauth's account pages)."""
    for key, (route, _pattern) in PATTERNS:
        if is_admin(route) or key.startswith(("account_", "mfa_")):
            continue
        access = ACCESS.get(key)
        if access is not None and ANONYMOUS not in access.allow:
            yield key, access


def test_no_write_page_is_open_to_auditors():
    """The table itself: a page that only takes POSTs never lists the auditor."""
    assert [
        key for key, access in _app_pages() if access.method == "POST" and AUDITOR in access.allow
    ] == []


@pytest.mark.parametrize("key", [key for key, _ in _app_pages()])
def test_an_auditor_posting_to_a_staff_page_changes_nothing(request, auditor, key):
    access = ACCESS[key]
    for fixture in access.needs:
        request.getfixturevalue(fixture)
    path = reverse(key, kwargs={k: fill(request, v) for k, v in access.kwargs.items()})
    client = Client(raise_request_exception=False)
    client.force_login(auditor)
    before = _row_counts()

    response = client.post(path, {"amount": "1.00", "status": "approved", "note": "auditor"})

    assert response.status_code < 500, f"POST {path} as auditor: {response.status_code}"
    assert _row_counts() == before, f"POST {path} as auditor changed the database"
