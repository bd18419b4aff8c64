"""The Stripe balance proven against Stripe's own: a fee, a refund and an adjustment that
no webhook announced are planted in the double; the check finds each, posts the fee and the
refund through the services the webhooks use, lists the adjustment, and shows £0.00 once a
person has posted it. The real ``stripe`` library talks to the double over HTTP; the gifts
arrive by signed webhooks through the real endpoint."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from donations.models.online import OnlinePayment
from donations.models.reconcile import StripeBalanceCheck, StripeBalanceFinding
from donations.services.stripe_reconcile import (
    stripe_balance_reconcile,
    stripe_balance_transaction_post,
)
from fund.models import Account, Entry
from tests.conftest import login
from tests.donations.stripe_helpers import gbp_balance
from tests.donations.test_webhook_events import balances


def _planted(stripe_world):
    """£10 and £25 given by card; the £25's fee never announced; £4.00 of the £10 refunded
    in Stripe's Dashboard with no webhook; Stripe adjusts the balance by -£5.00."""
    double = stripe_world.double
    ten = stripe_world.give("10")
    stripe_world.pay(ten)
    double.late_balance_transactions = True
    twenty_five = stripe_world.give("25")
    stripe_world.pay(twenty_five)
    double.late_balance_transactions = False
    late_charge = stripe_world.charge_id(twenty_five)
    assert double.settle_balance_transaction(late_charge, announce=False) == []
    assert double.dashboard_refund(stripe_world.charge_id(ten), 400, announce=False) == []
    adjustment = double.adjust(-500, "Negative balance recovery")
    return ten, twenty_five, adjustment


def _figures(check) -> dict:
    return {
        "stripe": str(check.stripe_balance.amount),
        "available": str(check.stripe_available.amount),
        "pending": str(check.stripe_pending.amount),
        "ledger": str(check.ledger_balance.amount),
        "difference": str(check.difference.amount),
    }


def _findings(check) -> list[tuple]:
    return [
        (f.type, str(f.amount.amount), str(f.fee.amount), str(f.net.amount), f.status)
        for f in check.findings.order_by("created", "id")
    ]


def test_the_double_serves_the_balance_and_its_transactions_as_stripe_does(stripe_world):
    """``GET /v1/balance`` and ``GET /v1/balance_transactions`` through the real library."""
    from donations.services.stripe_api import stripe_client

    _planted(stripe_world)
    client = stripe_client()
    balance = client.v1.balance.retrieve()
    assert balance.object == "balance"
    assert [(b.amount, b.currency) for b in balance.available] == [(2507, "gbp")]
    assert [(b.amount, b.currency) for b in balance.pending] == [(0, "gbp")]
    assert balance.livemode is False

    first = client.v1.balance_transactions.list(params={"limit": 2})
    assert first.has_more is True
    assert [bt.type for bt in first.data] == ["adjustment", "refund"]
    rest = client.v1.balance_transactions.list(
        params={"limit": 2, "starting_after": first.data[-1].id}
    )
    assert [(bt.type, bt.amount, bt.fee, bt.net) for bt in rest.data] == [
        ("charge", 2500, 58, 2442),
        ("charge", 1000, 35, 965),
    ]
    assert rest.has_more is False
    adjustments = client.v1.balance_transactions.list(params={"type": "adjustment"})
    assert [(bt.amount, bt.reporting_category, bt.source) for bt in adjustments.data] == [
        (-500, "other_adjustment", None)
    ]
    later = client.v1.balance_transactions.list(
        params={"created": {"gte": first.data[0].created + 1}}
    )
    assert later.data == []
    assert first.data[0].balance_type == "payments"
    assert rest.data[0].fee_details[0].type == "stripe_fee"


def test_the_check_finds_a_missing_fee_a_missing_refund_and_an_unknown_adjustment(
    stripe_world, officer
):
    ten, twenty_five, adjustment = _planted(stripe_world)
    # Before the check: the £25 gift has no fee and the £4.00 refund is not in the ledger.
    assert balances(stripe_world.fund) == {
        "income": "35.00",
        "fees": "0.35",
        "stripe": "34.65",
        "bank": "0.00",
    }

    check = stripe_balance_reconcile(actor=officer)

    # Stripe: 10.00 - 0.35 + 25.00 - 0.58 - 4.00 - 5.00 = 25.07. The ledger after the fee
    # and the refund were posted: 34.65 - 0.58 - 4.00 = 30.07.
    assert _figures(check) == {
        "stripe": "25.07",
        "available": "25.07",
        "pending": "0.00",
        "ledger": "30.07",
        "difference": "-5.00",
    }
    assert check.checked_by == officer
    assert check.walked == 4
    assert check.walked_since is None
    assert check.last_balance_transaction_id == adjustment["id"]
    assert _findings(check) == [
        ("charge", "25.00", "0.58", "24.42", "posted"),
        ("refund", "-4.00", "0.00", "-4.00", "posted"),
        ("adjustment", "-5.00", "0.00", "-5.00", "open"),
    ]
    fee, refund, unknown = check.findings.order_by("created", "id")
    assert fee.lacking == (
        f"The Stripe fee of £0.58 on gift {twenty_five.reference} "
        f"(payment {twenty_five.payments.get().pk})."
    )
    assert fee.entry.idempotency_key == f"stripe:fee:{fee.balance_transaction_id}"
    assert refund.lacking.endswith(
        f"of £4.00 on gift {ten.reference} (payment {ten.payments.get().pk})."
    )
    assert refund.entry.idempotency_key == f"stripe:refund:{stripe_world.charge_id(ten)}:400"
    assert unknown.balance_transaction_id == adjustment["id"]
    assert unknown.lacking == (
        "An entry for a adjustment (other_adjustment) of -£5.00: “Negative balance recovery”, "
        "which no gift, fee, refund, dispute or payout explains."
    )
    assert unknown.entry is None
    assert unknown.postable
    assert not fee.postable
    assert balances(stripe_world.fund) == {
        "income": "31.00",
        "fees": "0.93",
        "stripe": "30.07",
        "bank": "0.00",
    }
    payment = OnlinePayment.objects.get(donation=twenty_five)
    assert str(payment.fee.amount) == "0.58"
    assert str(OnlinePayment.objects.get(donation=ten).amount_refunded.amount) == "4.00"
    call_command("verify_ledger")

    # Running it again posts nothing more, and still lists the adjustment.
    entries = Entry.objects.count()
    again = stripe_balance_reconcile(actor=officer)
    assert Entry.objects.count() == entries
    assert _figures(again)["difference"] == "-5.00"
    assert _findings(again) == [("adjustment", "-5.00", "0.00", "-5.00", "open")]

    # The refund's and the fee's webhooks arriving late now find everything done.
    double = stripe_world.double
    late = [
        double.event("charge.refunded", double.get(stripe_world.charge_id(ten))),
        double.event("charge.updated", double.get(stripe_world.charge_id(twenty_five))),
    ]
    stripe_world.send_all(late)
    assert Entry.objects.count() == entries
    assert balances(stripe_world.fund)["stripe"] == "30.07"

    # A person says what the adjustment is; it is posted at Stripe's figure, once.
    posted = stripe_balance_transaction_post(
        actor=officer,
        finding=again.findings.get(),
        fund=stripe_world.fund,
        account=Account.objects.get(code="expenses:bank-charges"),
        reason="Stripe recovered a negative balance",
    )
    assert (
        stripe_balance_transaction_post(
            actor=officer,
            finding=again.findings.get(),
            fund=stripe_world.fund,
            account=Account.objects.get(code="expenses:bank-charges"),
            reason="Twice",
        )
        == posted
    )
    assert gbp_balance("expenses:bank-charges", stripe_world.fund) == "5.00"

    cleared = stripe_balance_reconcile(actor=None)
    assert _figures(cleared) == {
        "stripe": "25.07",
        "available": "25.07",
        "pending": "0.00",
        "ledger": "25.07",
        "difference": "0.00",
    }
    assert _findings(cleared) == []
    assert cleared.checked_by is None
    assert Entry.objects.count() == entries + 1
    call_command("verify_ledger")


def test_a_later_check_walks_only_what_is_new(stripe_world, officer):
    first_gift = stripe_world.give("10")
    stripe_world.pay(first_gift)
    first = stripe_balance_reconcile(actor=officer)
    assert (first.walked, _figures(first)["difference"], _findings(first)) == (1, "0.00", [])

    second_gift = stripe_world.give("25")
    stripe_world.pay(second_gift)
    second = stripe_balance_reconcile(actor=officer)
    assert second.walked_since == first.last_balance_transaction_at
    assert second.last_balance_transaction_id == second_gift.payments.get().balance_transaction_id
    assert _figures(second) == {
        "stripe": "34.07",
        "available": "34.07",
        "pending": "0.00",
        "ledger": "34.07",
        "difference": "0.00",
    }


def test_the_check_finds_a_gift_not_in_the_ledger_and_posts_nothing(stripe_world, officer):
    donation = stripe_world.give("10")
    stripe_world.double.complete_checkout(donation.stripe_session_id)  # webhooks lost
    check = stripe_balance_reconcile(actor=officer)
    assert _figures(check)["difference"] == "9.65"
    (finding,) = check.findings.all()
    assert (finding.type, finding.status, str(finding.net.amount)) == ("charge", "open", "9.65")
    assert finding.lacking.startswith("The gift of £10.00 (charge ch_test_")
    assert "checkout.session.completed" in finding.action
    assert not finding.postable
    assert not Entry.objects.exists()


def test_the_command_prints_a_summary(stripe_world):
    _planted(stripe_world)
    out = io.StringIO()
    call_command("reconcile_stripe", stdout=out)
    text = out.getvalue()
    assert text.startswith(
        "Stripe balance £25.07 (available £25.07, pending £0.00); ledger £30.07; "
        "difference -£5.00.\n"
        "Walked 4 balance transaction(s); posted 2 missing entries; 1 need a person.\n"
    )
    assert "refund -£4.00: The refund re_test_" in text
    assert text.rstrip().endswith("The balances differ: see the Stripe balance checks page.")
    assert StripeBalanceCheck.objects.get().checked_by is None


def test_the_command_says_when_stripe_cannot_be_read(stripe_world):
    from django.core.management.base import CommandError

    stripe_world.double.unavailable = True
    with pytest.raises(CommandError, match="Stripe could not be read"):
        call_command("reconcile_stripe", stdout=io.StringIO())
    assert not StripeBalanceCheck.objects.exists()


def test_the_page_lists_the_check_and_the_button_runs_one(stripe_world, officer, auditor):
    _planted(stripe_world)
    client = stripe_world.client
    login(client, auditor)
    page = client.get(reverse("donations:stripe-checks"))
    assert page.status_code == 200
    assert "Stripe has not been checked yet." in page.content.decode()
    assert "Check Stripe now" not in page.content.decode()

    login(client, officer)
    page = client.get(reverse("donations:stripe-checks"))
    assert "Check Stripe now" in page.content.decode()
    ran = client.post(reverse("donations:stripe-check-run"), follow=True)
    body = ran.content.decode()
    assert "Stripe checked: difference -£5.00; 2 missing entries posted, 1 needs a person." in body
    assert "The ledger's Stripe balance differs from Stripe's by -£5.00." in body
    assert "£25.07 (£25.07 available, £0.00 pending)" in body
    assert "Negative balance recovery" in body
    dashboard = client.get(reverse("audit:dashboard")).content.decode()
    assert 'data-testid="stripe-difference"' in dashboard
    assert "The ledger's Stripe balance differs from Stripe's by -£5.00" in dashboard

    unknown = StripeBalanceFinding.objects.get(status="open")
    url = reverse("donations:stripe-finding-post", args=[unknown.pk])
    assert url in body
    refused = client.post(url, {"fund": stripe_world.fund.pk, "account": "", "reason": ""})
    assert refused.status_code == 400
    assert "Choose the account" in refused.content.decode()
    assert "Say what this balance transaction is" in refused.content.decode()
    fees = Account.objects.get(code="expenses:bank-charges")
    done = client.post(
        url,
        {"fund": stripe_world.fund.pk, "account": fees.pk, "reason": "Negative balance recovery"},
        follow=True,
    )
    assert "Check Stripe again to see the difference." in done.content.decode()
    cleared = client.post(reverse("donations:stripe-check-run"), follow=True)
    assert "Stripe checked: difference £0.00; 0 missing entries posted, 0 need a person." in (
        cleared.content.decode()
    )
    call_command("verify_ledger")
    dashboard = client.get(reverse("audit:dashboard")).content.decode()
    assert 'data-testid="stripe-difference"' not in dashboard

    login(client, auditor)
    assert client.post(reverse("donations:stripe-check-run")).status_code == 403
    assert StripeBalanceCheck.objects.count() == 2


def test_the_button_says_when_stripe_cannot_be_read(stripe_world, officer):
    stripe_world.double.unavailable = True
    login(stripe_world.client, officer)
    page = stripe_world.client.post(reverse("donations:stripe-check-run"), follow=True)
    assert "The check did not run: Stripe could not be read" in page.content.decode()
    assert not StripeBalanceCheck.objects.exists()


def test_the_daily_timer_runs_the_command():
    from pathlib import Path

    from django.core.management import get_commands

    unit = Path(__file__).resolve().parents[2] / "deploy/systemd/clf-reconcile-stripe.service"
    (exec_start,) = [
        line for line in unit.read_text().splitlines() if line.startswith("ExecStart=")
    ]
    assert exec_start.endswith("manage.py reconcile_stripe")
    assert get_commands()["reconcile_stripe"] == "donations"


def test_every_kind_with_its_entry_passes_and_a_lost_dispute_is_posted(stripe_world, officer):
    """A gift, its fee, a refund and a payout whose webhooks all came need nothing; a
    dispute whose webhooks were lost is posted through the service that posts disputes."""
    double = stripe_world.double
    fifty = stripe_world.give("50")
    stripe_world.pay(fifty)
    stripe_world.send_all(double.dashboard_refund(stripe_world.charge_id(fifty), 500))
    ten = stripe_world.give("10")
    stripe_world.pay(ten)
    double.dispute(stripe_world.charge_id(ten))  # its webhooks never arrive
    # 50.00 - 0.95 - 5.00 + 10.00 - 0.35 - 10.00 - 20.00 (dispute fee) = 23.70 paid out.
    stripe_world.send_all(double.pay_out())
    assert gbp_balance("assets:stripe") == "30.00"

    check = stripe_balance_reconcile(actor=officer)

    assert _figures(check) == {
        "stripe": "0.00",
        "available": "0.00",
        "pending": "0.00",
        "ledger": "0.00",
        "difference": "0.00",
    }
    assert check.walked == 5
    assert _findings(check) == [("adjustment", "-10.00", "20.00", "-30.00", "posted")]
    (finding,) = check.findings.all()
    assert finding.lacking.startswith(f"The dispute money of -£30.00 on gift {ten.reference}")
    assert finding.entry.idempotency_key == f"stripe:dispute:{finding.balance_transaction_id}"
    assert OnlinePayment.objects.get(donation=ten).dispute == "needs_response"
    # Income: 50.00 - 5.00 refunded + 10.00 - 10.00 disputed.
    assert balances(stripe_world.fund) == {
        "income": "45.00",
        "fees": "21.30",
        "stripe": "0.00",
        "bank": "23.70",
    }
    call_command("verify_ledger")


def test_fixes_that_fall_in_a_closed_month_are_listed_and_the_check_still_runs(
    stripe_world, officer, manager
):
    """The month the missing fee and adjustment belong to is closed: the ledger refuses to
    post the fee on its gift's day, so the check records it as open instead of stopping
    (the refund is posted on the day it is found, as its webhook would); the adjustment a
    person posts goes on the first day still open, naming its own date."""
    from datetime import UTC, date, datetime

    import time_machine

    from fund.services.period_locks import fund_lock_period

    with time_machine.travel(datetime(2026, 11, 20, 12, tzinfo=UTC)):
        _ten, _twenty_five, adjustment = _planted(stripe_world)
    fund_lock_period(
        actor=manager, fund=stripe_world.fund, lock_date=date(2026, 11, 30), reason="November"
    )
    entries = Entry.objects.count()

    with time_machine.travel(datetime(2026, 12, 7, 12, tzinfo=UTC)):
        check = stripe_balance_reconcile(actor=officer)
        assert Entry.objects.count() == entries + 1  # the refund, on 7 Dec; not the fee
        assert _figures(check) == {
            "stripe": "25.07",
            "available": "25.07",
            "pending": "0.00",
            "ledger": "30.65",
            "difference": "-5.58",
        }
        assert _findings(check) == [
            ("charge", "25.00", "0.58", "24.42", "open"),
            ("refund", "-4.00", "0.00", "-4.00", "posted"),
            ("adjustment", "-5.00", "0.00", "-5.00", "open"),
        ]
        fee = check.findings.get(type="charge")
        assert "is not in the ledger, and the ledger refused to post it" in fee.lacking
        assert "20 Nov 2026" in fee.lacking
        assert fee.action.startswith("The month it belongs to is closed, so nothing was posted")

        entry = stripe_balance_transaction_post(
            actor=officer,
            finding=check.findings.get(type="adjustment"),
            fund=stripe_world.fund,
            account=Account.objects.get(code="expenses:bank-charges"),
            reason="Stripe recovered a negative balance",
        )
    assert entry.effective_date == date(2026, 12, 1)
    assert entry.memo == (
        f"Stripe adjustment {adjustment['id']} of 20 Nov 2026: Stripe recovered a negative balance"
    )
    assert gbp_balance("expenses:bank-charges", stripe_world.fund) == "5.00"
    call_command("verify_ledger")


def test_an_unexplained_transaction_goes_to_income_a_cost_or_suspense_of_an_active_fund(
    db, public_fund, restricted_fund
):
    from donations.forms.online import StripeFindingPostForm

    restricted_fund.is_active = False
    restricted_fund.save(update_fields=["is_active"])
    form = StripeFindingPostForm()
    accounts = {a.code for a in form.fields["account"].queryset}
    assert "expenses:bank-charges" in accounts
    assert "income:donations:online" in accounts
    assert "liabilities:suspense" in accounts
    assert not {"assets:bank", "assets:stripe", "liabilities:grants-payable"} & accounts
    assert [f.code for f in form.fields["fund"].queryset] == ["public"]
