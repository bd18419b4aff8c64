"""Fixtures for the query-count tests: the personas' fixtures from the app folders."""

import pytest

from tests.audit.conftest import staff_auditor  # noqa: F401 (a fixture for these tests)
from tests.grants.conftest import agency, kw  # noqa: F401 (fixtures for these tests)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
