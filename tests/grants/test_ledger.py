"""Worked example: a request from draft to closed, with every balance checked."""

from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from fund.models import Entry
from fund.selectors import available_in_fund
from grants.models import Grant
from grants.services.decisions import grant_approve, grant_cancel
from grants.services.documents import document_upload
from grants.services.payments import grant_close, grant_record_payout
from grants.services.requests import grant_withdraw
from tests.fund.helpers import balance
from tests.grants.conftest import gbp, make_grant
from tests.grants.states import pdf

S = Grant.Status


def assert_ledger_verifies():
    """The hash chain, every cached balance and the trial balance all check out."""
    call_command("verify_ledger", stdout=StringIO())


def test_a_grant_from_request_to_closed_keeps_the_ledger_balanced(kw, officer, officer2, funded):
    grant = make_grant(kw, items=[("Bed", "120.00"), ("Delivery", "30.00")], code="furniture")
    assert grant.amount == gbp("150.00")
    assert available_in_fund(funded) == gbp("1000.00")

    grant = grant_approve(actor=officer, grant=grant)
    assert available_in_fund(funded) == gbp("1000.00")  # nothing committed on a first approval
    assert_ledger_verifies()

    grant = grant_approve(actor=officer2, grant=grant)
    assert grant.approval_entry.idempotency_key == f"grant:{grant.pk}:approve"
    assert balance("expenses:grants:furniture", funded) == gbp("150.00")
    assert balance("liabilities:grants-payable", funded) == gbp("150.00")
    assert balance("assets:bank", funded) == gbp("1000.00")
    assert available_in_fund(funded) == gbp("850.00")
    assert_ledger_verifies()

    # It cost £140: the £10 underspend goes back to the fund.
    grant_record_payout(
        actor=officer,
        grant=grant,
        payee="Furniture Now",
        method="supplier",
        reference="BACS-77",
        paid_on=timezone.localdate(),
        amount=gbp("140.00"),
    )
    assert balance("liabilities:grants-payable", funded) == gbp("0.00")
    assert balance("assets:bank", funded) == gbp("860.00")
    assert balance("expenses:grants:furniture", funded) == gbp("140.00")
    assert available_in_fund(funded) == gbp("860.00")
    assert Entry.objects.filter(idempotency_key=f"grant:{grant.pk}:underspend").exists()
    assert_ledger_verifies()

    document_upload(actor=kw, grant=grant, kind="receipt", upload=pdf())
    grant = grant_close(actor=officer, grant=Grant.objects.get(pk=grant.pk))
    assert grant.status == S.CLOSED
    assert [e.memo for e in Entry.objects.filter(source=f"grants.Grant:{grant.pk}")] == [
        f"Grant {grant.reference} approved",
        f"Grant {grant.reference} paid",
        f"Grant {grant.reference} underspend returned",
    ]
    assert "CLT-0042" not in " ".join(Entry.objects.values_list("memo", flat=True))
    assert_ledger_verifies()


def test_cancelling_an_approved_grant_reverses_the_commitment(kw, officer, funded):
    grant = grant_approve(actor=officer, grant=make_grant(kw))
    assert available_in_fund(funded) == gbp("955.00")

    grant = grant_cancel(actor=officer, grant=grant, reason="Bought by the hostel.")
    assert available_in_fund(funded) == gbp("1000.00")
    assert balance("expenses:grants:phone", funded) == gbp("0.00")
    assert (
        Entry.objects.get(reverses=grant.approval_entry).idempotency_key
        == f"grant:{grant.pk}:reverse"
    )
    assert_ledger_verifies()


def test_withdrawing_after_approval_reverses_the_commitment(kw, officer, funded):
    grant = grant_approve(actor=officer, grant=make_grant(kw))
    grant_withdraw(actor=kw, grant=grant, note="Found one second hand.")
    assert available_in_fund(funded) == gbp("1000.00")
    assert balance("liabilities:grants-payable", funded) == gbp("0.00")
    assert_ledger_verifies()


def test_a_grant_paid_from_a_restricted_fund_posts_to_that_fund(
    kw, officer, manager, funded, restricted_fund
):
    from tests.fund.helpers import post

    post(manager, restricted_fund, "assets:bank", "income:contributions", "500.00")
    grant = grant_approve(actor=officer, grant=make_grant(kw), fund=restricted_fund)
    assert grant.fund == restricted_fund
    assert available_in_fund(restricted_fund) == gbp("455.00")
    assert available_in_fund(funded) == gbp("1000.00")
