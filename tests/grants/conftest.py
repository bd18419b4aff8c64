"""Agencies, linked key workers and a funded public fund for the grants tests."""

import pytest
from djmoney.money import Money

from fund.models import Account
from grants.services.agencies import agency_create, key_worker_set
from grants.services.requests import LineItemData, grant_create
from people.roles import Role
from tests.conftest import make_user
from tests.fund.helpers import post


def gbp(amount: str) -> Money:
    return Money(amount, "GBP")


@pytest.fixture
def agency(manager):
    return agency_create(actor=manager, name="Complex Lives Team")


@pytest.fixture
def other_agency(manager):
    return agency_create(actor=manager, name="Riverside Hostel")


@pytest.fixture
def kw(key_worker, agency, manager):
    """The key worker persona, linked to the Complex Lives Team."""
    key_worker_set(actor=manager, user=key_worker, agency=agency)
    return key_worker


@pytest.fixture
def kw2(other_key_worker, other_agency, manager):
    key_worker_set(actor=manager, user=other_key_worker, agency=other_agency)
    return other_key_worker


@pytest.fixture
def colleague(agency, manager):
    """A second key worker at the same agency."""
    user = make_user("kate.keyworker", Role.KEY_WORKER)
    key_worker_set(actor=manager, user=user, agency=agency)
    return user


@pytest.fixture
def funded(public_fund, manager):
    """The public fund holding £1,000 in the bank."""
    post(manager, public_fund, "assets:bank", "income:donations:online", "1000.00")
    return public_fund


def category(code: str = "phone") -> Account:
    return Account.objects.get(code=f"expenses:grants:{code}")


def make_grant(
    actor,
    *,
    items=(("Smartphone", "45.00"),),
    code="phone",
    client="CLT-0042",
    submit=True,
    urgency="this_week",
    token=None,
):
    return grant_create(
        actor=actor,
        client_reference=client,
        category=category(code),
        urgency=urgency,
        own_words="Ring the jobcentre and my sister.",
        why_fund="Nothing else pays for phones.",
        line_items=[LineItemData(description=d, amount=gbp(a), supplier="Argos") for d, a in items],
        form_token=token,
        submit=submit,
    )


@pytest.fixture(autouse=True)
def quick_password_hashing(settings):
    """Personas get real passwords; a slow hasher would make each test take seconds."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def private_media_in_a_temporary_folder(settings, tmp_path):
    """Uploaded quotes and receipts go to a folder of this test's own."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
