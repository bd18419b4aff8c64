"""Named personas and shared fixtures for the whole suite."""

import os
import time

import pytest
from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY,
    AUTHENTICATION_METHODS_SESSION_KEY,
)
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test import Client, TransactionTestCase

from fund import triggers
from fund.models import Fund
from fund.services.funds import fund_create
from people.roles import Role

PASSWORD = "correct-horse-battery-staple"

pytest_plugins = ["tests.browser", "tests.access_objects", "tests.stripe_conformance"]


def pytest_configure(config):
    # Tests run with production settings (DEBUG off) but without collectstatic, so static
    # files are served from the finders rather than a hashed manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Deliberately slow password hashing protects real passwords, not test personas.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Production keeps rate-limit counters and used one-time codes in the database cache so
    # every worker sees them; tests use memory (cleared before each test, see below), and
    # tests/fund/test_sign_in.py checks replay refusal on the database cache itself.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def pytest_collection_modifyitems(config, items):
    """``BROWSER_TESTS_SHARE=1/2`` keeps every other browser test (``2/2`` the rest).

    The whole suite runs twice, on SQLite and on PostgreSQL side by side (one per core). A
    page driven in Chromium tests the page, which is the same on both databases (the views'
    own tests run on both), so ``scripts/run-tests.sh`` gives each leg half of the browser
    tests: every page still meets Chromium and axe in every run, at each of its widths, and
    the run stays well inside CI's time.
    """
    share = os.environ.get("BROWSER_TESTS_SHARE")
    if not share:
        return
    part, parts = (int(n) for n in share.split("/"))
    browser = [item for item in items if item.get_closest_marker("browser")]
    dropped = {id(item) for n, item in enumerate(browser) if n % parts != part - 1}
    if dropped:
        config.hook.pytest_deselected(items=[i for i in browser if id(i) in dropped])
        items[:] = [item for item in items if id(item) not in dropped]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """No test inherits another's sign-in failures or used one-time codes."""
    cache.clear()


def make_user(username: str, role: Role | None = None, **extra):
    user = get_user_model().objects.create_user(
        username=username, email=f"{username}@example.org", password=PASSWORD, **extra
    )
    if role is not None:
        user.groups.add(Group.objects.get(name=role.value))
    return user


@pytest.fixture
def officer(db):
    return make_user("olivia.officer", Role.FUND_OFFICER)


@pytest.fixture
def officer2(db):
    return make_user("omar.officer", Role.FUND_OFFICER)


@pytest.fixture
def manager(db):
    return make_user("maya.manager", Role.FUND_MANAGER)


@pytest.fixture
def auditor(db):
    return make_user("aaron.auditor", Role.AUDITOR)


@pytest.fixture
def partner(db):
    return make_user("pat.partner", Role.PARTNER)


@pytest.fixture
def key_worker(db):
    return make_user("kim.keyworker", Role.KEY_WORKER)


@pytest.fixture
def other_key_worker(db):
    """A key worker from another agency, who must be refused the first one's records."""
    return make_user("ken.keyworker", Role.KEY_WORKER)


@pytest.fixture
def public_fund(manager) -> Fund:
    return fund_create(
        actor=manager, code="public", name="Public donations", kind=Fund.Kind.UNRESTRICTED
    )


@pytest.fixture
def restricted_fund(manager) -> Fund:
    return fund_create(
        actor=manager,
        code="rsi",
        name="Rough sleepers grant 2026/27",
        kind=Fund.Kind.RESTRICTED,
        funder="Rough Sleeping Initiative",
    )


@pytest.fixture
def committing_db(transactional_db):
    """A database whose transactions really commit (concurrency and browser tests)."""


def _flush_with_triggers_lifted(original):
    """Django empties the tables after a committing test; the append-only triggers refuse
    that, so they are lifted for the flush alone and reinstalled straight after it."""

    def _fixture_teardown(self):
        from django.db import connections

        for alias in self._databases_names(include_mirrors=False):
            triggers.uninstall(connections[alias])
        try:
            original(self)
        finally:
            for alias in self._databases_names(include_mirrors=False):
                triggers.install(connections[alias])

    return _fixture_teardown


TransactionTestCase._fixture_teardown = _flush_with_triggers_lifted(
    TransactionTestCase._fixture_teardown
)


def login(client, user):
    client.force_login(user)
    return client


# Signing in for real takes a password and a code from an authenticator app (tested in
# tests/fund/test_sign_in.py). Everywhere else, ``client.force_login(user)`` stands for a
# completed sign-in: the session records both factors, as allauth records them, so the
# two-factor middleware lets it through.
_force_login_password_only = Client.force_login


def force_login_without_second_factor(client, user):
    """A session that has the password step only (for testing the two-factor rules)."""
    _force_login_password_only(client, user)


def _force_login_with_both_factors(self, user, backend=None):
    _force_login_password_only(self, user, backend)
    session = self.session
    now = time.time()
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": now, "username": user.get_username()},
        {"method": "mfa", "at": now, "type": "totp"},
    ]
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session.save()


Client.force_login = _force_login_with_both_factors
