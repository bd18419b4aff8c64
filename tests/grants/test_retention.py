"""Client data is anonymised once its retention period is over; the ledger never moves."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from fund.models import Balance, ChainHead, Transfer
from fund.verification import verify_ledger
from grants.models import Client, Grant, GrantEvent, LineItem
from grants.services.decisions import grant_approve, grant_cancel, grant_decline
from tests.grants.conftest import make_grant

MONTH = timedelta(days=31)


def ledger_snapshot():
    head = ChainHead.objects.get(pk=1)
    return (
        head.sequence,
        head.hash,
        sorted(Balance.objects.values_list("account_id", "fund_id", "debit_total", "credit_total")),
        Transfer.objects.count(),
    )


@pytest.fixture
def story(kw, officer, manager, funded):
    """An approved-then-cancelled grant, a declined one, and one still open."""
    cancelled = make_grant(kw, client="CLT-0042")
    grant_approve(actor=officer, grant=cancelled)
    grant_cancel(actor=manager, grant=cancelled, reason="Supplier closed for CLT-0042")
    declined = make_grant(kw, client="CLT-0099")
    grant_decline(actor=officer, grant=declined, reason="Covered by another fund")
    still_open = make_grant(kw, client="CLT-0777")
    return {"cancelled": cancelled, "declined": declined, "open": still_open}


def apply_retention(months_later: int) -> str:
    out = StringIO()
    with time_machine.travel(timezone.now() + months_later * MONTH, tick=False):
        call_command("apply_retention", stdout=out)
    return out.getvalue()


def test_nothing_is_removed_before_24_months(story):
    output = apply_retention(23)

    assert "0 client reference(s)" in output
    assert Client.objects.filter(reference="CLT-0042").exists()


def test_ended_clients_are_anonymised_after_24_months_and_the_ledger_is_untouched(story):
    before = ledger_snapshot()
    assert verify_ledger().ok

    output = apply_retention(25)

    assert "2 client reference(s)" in output
    assert "Ledger unchanged and verified" in output
    assert ledger_snapshot() == before
    assert verify_ledger().ok
    references = set(Client.objects.values_list("reference", flat=True))
    assert "CLT-0777" in references  # the open grant's client stays
    assert not references & {"CLT-0042", "CLT-0099"}
    for grant in (story["cancelled"], story["declined"]):
        grant.refresh_from_db()
        assert "jobcentre" not in grant.own_words
        assert "phones" not in grant.why_fund
        assert grant.amount.amount > 0  # figures stay
    assert not GrantEvent.objects.filter(note__contains="CLT-0042").exists()
    assert (
        not LineItem.objects.filter(grant__client__reference__startswith="removed-")
        .filter(description="Smartphone")
        .exists()
    )
    # ... and nothing survives in the change history either.
    assert not Client.history.filter(reference__in=["CLT-0042", "CLT-0099"]).exists()
    assert not Grant.history.filter(
        id__in=[story["cancelled"].pk, story["declined"].pk], own_words__contains="jobcentre"
    ).exists()
    assert Grant.history.filter(id=story["open"].pk, own_words__contains="jobcentre").exists()


def test_running_again_removes_nothing_more(story):
    apply_retention(25)

    output = apply_retention(26)

    assert "0 client reference(s)" in output


def test_a_dry_run_changes_nothing(story):
    out = StringIO()
    with time_machine.travel(timezone.now() + 25 * MONTH, tick=False):
        call_command("apply_retention", "--dry-run", stdout=out)

    assert "2 client reference(s)" in out.getvalue()
    assert Client.objects.filter(reference="CLT-0042").exists()


def test_the_period_is_a_setting(story, settings):
    settings.RETENTION = {**settings.RETENTION, "grant_client_data": 1}

    output = apply_retention(2)

    assert "2 client reference(s)" in output
