"""Closing a period through the page: the checklist, the refusal, the reason, the lock."""

from datetime import UTC, date, datetime

import pytest
from djmoney.money import Money

from banking.models import BankAccount, Reconciliation
from donations.models.reconcile import StripeBalanceCheck
from donations.services.cash import (
    collection_confirm,
    collection_point_create,
    collection_record,
    deposit_check,
    deposit_record,
)
from donations.services.stripe_reconcile import stripe_balance_reconcile
from fund.exceptions import PeriodLocked
from tests.audit.conftest import LONDON
from tests.conftest import login
from tests.fund.helpers import post

URL = "/audit/period-close/"


ZERO = Money("0.00", "GBP")


def _bank_reconciled(manager, as_of):
    """The manager's mark that the bank statement and the ledger agree at ``as_of``."""
    return Reconciliation.objects.create(
        bank_account=BankAccount.objects.get(code="current"),
        as_of=as_of,
        ledger_balance=ZERO,
        statement_balance=ZERO,
        not_on_statement=ZERO,
        difference=ZERO,
        reconciled_by=manager,
    )


@pytest.fixture
def reconciled(manager, stripe_double):
    """The bank marked reconciled at the period end, and Stripe checked (through the real
    ``stripe`` library against the double) with no difference after it."""
    _bank_reconciled(manager, date(2026, 10, 31))
    check = stripe_balance_reconcile(actor=manager)
    assert str(check.difference.amount) == "0.00"
    return check


@pytest.fixture
def box(officer, public_fund):
    return collection_point_create(
        actor=officer,
        host_name="Corner Café",
        address="1 High Street, Doncaster",
        box_number="B001",
        seal="S-1001",
        opened_on=date(2026, 4, 1),
    )


def _empty(officer, officer2, point, amount, when):
    point.refresh_from_db()
    collection = collection_record(
        actor=officer,
        point=point,
        emptied_at=when,
        seal_removed=point.current_seal,
        seal_fitted=f"{point.current_seal}-N",
        amount=Money(amount, "GBP"),
    )
    return collection_confirm(actor=officer2, collection=collection)


def _checks(response) -> dict[str, bool]:
    return {c.code: c.ok for c in response.context["checks"]}


def test_checklist_without_reconciliation_says_not_yet_reconciled(client, manager, public_fund):
    login(client, manager)
    response = client.get(URL, {"fund": public_fund.code, "period_end": "2026-10-31"})
    assert response.status_code == 200
    assert _checks(response) == {
        "collections": True,
        "bank": False,
        "stripe": False,
        "suspense": True,
        "receipts": True,
        "gift-aid": True,
    }
    assert response.content.decode().count("Not yet reconciled — no reconciliation recorded.") == 2


def test_lock_refused_with_an_open_item_then_allowed_with_a_reason(
    client, manager, officer, officer2, public_fund, box, reconciled
):
    _empty(officer, officer2, box, "42.00", datetime(2026, 10, 20, 10, tzinfo=LONDON))
    login(client, manager)
    data = {"fund": public_fund.code, "period_end": "2026-10-31"}

    page = client.get(URL, data)
    assert _checks(page)["collections"] is False
    assert "1 confirmed collection not in a deposit banked on or before 31 Oct 2026." in (
        page.content.decode()
    )
    assert 'href="/donations/cash/in-transit/"' in page.content.decode()

    refused = client.post(URL, data)
    assert refused.status_code == 400
    assert "The period has open items: Every collection banked." in refused.content.decode()
    public_fund.refresh_from_db()
    assert public_fund.lock_date is None

    reason = "Box B001 cash banked 3 Nov; the bank has it."
    locked = client.post(URL, {**data, "reason": reason}, follow=True)
    assert locked.status_code == 200
    public_fund.refresh_from_db()
    assert public_fund.lock_date == date(2026, 10, 31)
    body = locked.content.decode()
    assert "closed up to 31 Oct 2026" in body
    assert reason in body
    assert locked.context["history"][0]["reason"] == reason
    assert locked.context["history"][0]["by"] == manager


def test_lock_when_all_clear_then_a_posting_inside_is_refused(
    client, manager, officer, officer2, officer3, public_fund, box, reconciled
):
    collection = _empty(officer, officer2, box, "42.00", datetime(2026, 10, 20, 10, tzinfo=LONDON))
    deposit = deposit_record(
        actor=officer,
        collections=[collection],
        paying_in_reference="PI-0001",
        banked_on=date(2026, 10, 21),
        amount_banked=Money("42.00", "GBP"),
    )
    deposit_check(actor=officer3, deposit=deposit)
    login(client, manager)
    data = {"fund": public_fund.code, "period_end": "2026-10-31"}
    assert set(_checks(client.get(URL, data)).values()) == {True}

    locked = client.post(URL, data, follow=True)
    assert locked.status_code == 200
    public_fund.refresh_from_db()
    assert public_fund.lock_date == date(2026, 10, 31)
    assert locked.context["history"][0]["reason"] == ""
    assert "None: every item was done" in locked.content.decode()

    with pytest.raises(PeriodLocked):
        post(
            manager,
            public_fund,
            "assets:bank",
            "income:contributions",
            "5.00",
            on=date(2026, 10, 31),
        )
    post(manager, public_fund, "assets:bank", "income:contributions", "5.00", on=date(2026, 11, 1))


def test_a_closed_period_cannot_be_reopened(client, manager, public_fund, reconciled):
    login(client, manager)
    client.post(URL, {"fund": public_fund.code, "period_end": "2026-10-31"})
    response = client.post(URL, {"fund": public_fund.code, "period_end": "2026-09-30"})
    assert response.status_code == 400
    assert "already closed up to 31 Oct 2026" in response.content.decode()


def _stripe_check(difference: str, on: date) -> StripeBalanceCheck:
    return StripeBalanceCheck.objects.create(
        checked_at=datetime(on.year, on.month, on.day, 6, tzinfo=UTC),
        checked_on=on,
        stripe_available=Money("20.00", "GBP"),
        stripe_pending=ZERO,
        stripe_balance=Money("20.00", "GBP"),
        ledger_balance=Money("20.00", "GBP") - Money(difference, "GBP"),
        difference=Money(difference, "GBP"),
    )


def test_stripe_and_bank_items_read_the_records_on_or_after_the_period_end(
    client, manager, public_fund
):
    login(client, manager)
    data = {"fund": public_fund.code, "period_end": "2026-10-31"}
    _bank_reconciled(manager, date(2026, 9, 30))  # before the period end: does not count
    _stripe_check("0.00", date(2026, 10, 30))  # likewise
    _stripe_check("-5.00", date(2026, 11, 1))
    page = client.get(URL, data)
    checks = {c.code: c for c in page.context["checks"]}
    assert (checks["bank"].ok, checks["bank"].explanation) == (
        False,
        "Not yet reconciled — no reconciliation recorded.",
    )
    assert checks["bank"].fix_url == "/banking/reconciliation/"
    assert (checks["stripe"].ok, checks["stripe"].explanation) == (
        False,
        "Reconciled with a difference of -£5.00.",
    )
    assert checks["stripe"].fix_url == "/donations/stripe-balance/"
    assert 'href="/donations/stripe-balance/"' in page.content.decode()

    # Checked again the same day once the difference was put right: that check counts.
    _stripe_check("0.00", date(2026, 11, 1))
    _bank_reconciled(manager, date(2026, 11, 3))
    checks = {c.code: c for c in client.get(URL, data).context["checks"]}
    assert (checks["stripe"].ok, checks["stripe"].explanation) == (
        True,
        "Reconciled with no difference.",
    )
    assert (checks["bank"].ok, checks["bank"].explanation) == (
        True,
        "Reconciled with no difference.",
    )


def test_money_in_suspense_links_to_the_suspense_page(client, manager, public_fund):
    post(
        manager,
        public_fund,
        "assets:bank",
        "liabilities:suspense",
        "40.00",
        on=date(2026, 10, 6),
    )
    login(client, manager)
    page = client.get(URL, {"fund": public_fund.code, "period_end": "2026-10-31"})
    suspense = {c.code: c for c in page.context["checks"]}["suspense"]
    assert (suspense.ok, suspense.explanation) == (False, "£40.00 is held in suspense.")
    assert (suspense.fix_url, suspense.fix_label) == (
        "/banking/suspense/",
        "Clear the suspense items",
    )
