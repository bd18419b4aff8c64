"""Stripe as it really behaves: late balance transactions, inquiries, failed refunds, expiry.

Every event goes through the real endpoint, signed as Stripe signs it.
"""

import pytest
from django.core.management import call_command
from django.urls import reverse

from donations.models.online import OnlineDonation, OnlinePayment
from fund.models import Entry
from tests.donations.test_webhook_events import balances


def _late_gift(stripe_world, amount="10"):
    stripe_world.double.late_balance_transactions = True
    donation = stripe_world.give(amount)
    completed = stripe_world.double.complete_checkout(donation.stripe_session_id)
    charge_id = completed[0]["data"]["object"]["payment_intent"]
    charge_id = stripe_world.double.get(charge_id)["latest_charge"]
    return donation, completed, charge_id


def test_a_fee_known_only_later_is_posted_on_charge_updated(stripe_world):
    donation, completed, charge_id = _late_gift(stripe_world)
    stripe_world.send_all(completed)
    payment = OnlinePayment.objects.get()
    assert str(payment.fee.amount) == "0.00"
    assert balances(stripe_world.fund)["fees"] == "0.00"

    updated = stripe_world.double.settle_balance_transaction(charge_id)
    assert [e["type"] for e in updated] == ["charge.updated"]
    stripe_world.send_all(updated + updated)

    payment.refresh_from_db()
    assert str(payment.fee.amount) == "0.35"
    assert payment.balance_transaction_id.startswith("txn_")
    assert balances(stripe_world.fund) == {
        "income": "10.00",
        "fees": "0.35",
        "stripe": "9.65",
        "bank": "0.00",
    }
    assert Entry.objects.count() == 2
    call_command("verify_ledger")


def test_late_fee_events_in_reverse_order_and_duplicated_post_once(stripe_world):
    donation, completed, charge_id = _late_gift(stripe_world, "25")
    updated = stripe_world.double.settle_balance_transaction(charge_id)
    stripe_world.send_all(updated + completed + updated + completed)

    donation.refresh_from_db()
    assert donation.status == OnlineDonation.Status.PAID
    assert str(OnlinePayment.objects.get().fee.amount) == "0.58"
    assert balances(stripe_world.fund) == {
        "income": "25.00",
        "fees": "0.58",
        "stripe": "24.42",
        "bank": "0.00",
    }
    assert Entry.objects.count() == 2
    call_command("verify_ledger")


def test_a_payout_after_a_late_fee_empties_the_stripe_balance(stripe_world):
    donation, completed, charge_id = _late_gift(stripe_world)
    stripe_world.send_all(completed)
    stripe_world.send_all(stripe_world.double.settle_balance_transaction(charge_id))
    stripe_world.send_all(stripe_world.double.pay_out())
    assert balances(stripe_world.fund) == {
        "income": "10.00",
        "fees": "0.35",
        "stripe": "0.00",
        "bank": "9.65",
    }
    call_command("verify_ledger")


def _gift_aided(stripe_world, amount="25"):
    donation = stripe_world.give(
        amount,
        gift_aid="on",
        first_name="Ada",
        last_name="Lovelace",
        house_name_or_number="12",
        postcode="NE1 4ST",
    )
    stripe_world.pay(donation)
    return donation


def _eligible_count():
    from datetime import date

    from donations.services.giftaid import gift_aid_eligible

    return gift_aid_eligible(date(2000, 1, 1), date(2100, 1, 1)).count()


@pytest.mark.parametrize("order", ["forward", "reverse", "duplicated"])
def test_an_inquiry_moves_no_money_and_keeps_gift_aid(stripe_world, order):
    donation = _gift_aided(stripe_world)
    assert _eligible_count() == 1
    charge = stripe_world.charge_id(donation)
    opened = stripe_world.double.inquiry(charge)
    dispute_id = opened[0]["data"]["object"]["id"]
    reviewed = stripe_world.double.respond_to_dispute(dispute_id)
    closed = stripe_world.double.close_inquiry(dispute_id)
    events = opened + reviewed + closed
    events = {
        "forward": events,
        "reverse": list(reversed(events)),
        "duplicated": events + events,
    }[order]

    stripe_world.send_all(events)

    payment = OnlinePayment.objects.get()
    assert payment.dispute == "warning_closed"
    assert payment.get_dispute_display() == "Inquiry closed"
    assert _eligible_count() == 1
    assert balances(stripe_world.fund) == {
        "income": "25.00",
        "fees": "0.58",
        "stripe": "24.42",
        "bank": "0.00",
    }
    assert Entry.objects.count() == 2
    call_command("verify_ledger")


def test_an_open_inquiry_does_not_bar_gift_aid_but_an_open_dispute_does(stripe_world):
    inquired = _gift_aided(stripe_world)
    disputed = _gift_aided(stripe_world, "10")
    stripe_world.send_all(stripe_world.double.inquiry(stripe_world.charge_id(inquired)))
    opened = stripe_world.double.dispute(stripe_world.charge_id(disputed))
    stripe_world.send_all(opened)
    stripe_world.send_all(stripe_world.double.respond_to_dispute(opened[0]["data"]["object"]["id"]))

    assert inquired.payments.get().dispute == "warning_needs_response"
    assert disputed.payments.get().dispute == "under_review"
    assert _eligible_count() == 1
    # The open dispute has taken £10 and the £20 fee; the inquiry has taken nothing.
    assert balances(stripe_world.fund) == {
        "income": "25.00",
        "fees": "20.93",
        "stripe": "4.07",
        "bank": "0.00",
    }
    call_command("verify_ledger")


@pytest.mark.parametrize("order", ["forward", "reverse", "duplicated"])
def test_a_lost_dispute_is_the_only_one_that_keeps_the_money(stripe_world, order):
    donation = _gift_aided(stripe_world)
    opened = stripe_world.double.dispute(stripe_world.charge_id(donation))
    dispute_id = opened[0]["data"]["object"]["id"]
    events = (
        opened
        + stripe_world.double.respond_to_dispute(dispute_id)
        + stripe_world.double.close_dispute(dispute_id, won=False)
    )
    events = {
        "forward": events,
        "reverse": list(reversed(events)),
        "duplicated": events + events,
    }[order]

    stripe_world.send_all(events)

    assert OnlinePayment.objects.get().dispute == "lost"
    assert _eligible_count() == 0
    assert balances(stripe_world.fund) == {
        "income": "0.00",
        "fees": "20.58",
        "stripe": "-20.58",
        "bank": "0.00",
    }
    call_command("verify_ledger")


def test_a_prevented_dispute_moves_no_money(stripe_world):
    donation = _gift_aided(stripe_world)
    event = stripe_world.double.event(
        "charge.dispute.closed",
        {
            "id": "dp_test_prevented",
            "object": "dispute",
            "amount": 2500,
            "charge": stripe_world.charge_id(donation),
            "currency": "gbp",
            "status": "prevented",
            "balance_transactions": [],
            "created": 1_800_000_000,
        },
    )
    stripe_world.send_all([event, event])

    assert OnlinePayment.objects.get().dispute == "prevented"
    assert _eligible_count() == 1
    assert balances(stripe_world.fund)["income"] == "25.00"
    assert Entry.objects.count() == 2


def _refund_then_fail(stripe_world, amount_pence=500):
    donation = _gift_aided(stripe_world)
    charge = stripe_world.charge_id(donation)
    refunded = stripe_world.double.dashboard_refund(charge, amount_pence)
    refund_id = refunded[0]["data"]["object"]["id"]
    failed = stripe_world.double.fail_refund(refund_id)
    assert [e["type"] for e in failed] == ["refund.updated", "refund.failed"]
    return donation, refunded, failed


@pytest.mark.parametrize("order", ["forward", "reverse", "duplicated"])
def test_a_failed_refund_is_reversed_and_shown_on_the_gift(stripe_world, officer, order):
    donation, refunded, failed = _refund_then_fail(stripe_world)
    events = refunded + failed
    events = {
        "forward": events,
        "reverse": list(reversed(events)),
        "duplicated": events + events,
    }[order]

    stripe_world.send_all(events)

    payment = OnlinePayment.objects.get()
    assert str(payment.amount_refunded.amount) == "0.00"
    failure = payment.refund_failures.get()
    assert str(failure.amount.amount) == "5.00"
    assert failure.failure_reason == "expired_or_canceled_card"
    assert balances(stripe_world.fund) == {
        "income": "25.00",
        "fees": "0.58",
        "stripe": "24.42",
        "bank": "0.00",
    }
    if order == "reverse":
        # The failure came first: the refund was never posted, so nothing is reversed.
        assert failure.reversal is None
        assert Entry.objects.count() == 2
    else:
        assert failure.reversal.reverses.memo.startswith("Refund of online gift")
        assert Entry.objects.count() == 4
    assert _eligible_count() == 1
    call_command("verify_ledger")

    stripe_world.client.force_login(officer)
    page = stripe_world.client.get(reverse("donations:online-detail", args=[donation.pk]))
    assert "Refund of £5.00 failed" in page.content.decode()


def test_a_failed_refund_beside_a_good_one_reverses_only_itself(stripe_world):
    donation = _gift_aided(stripe_world)
    charge = stripe_world.charge_id(donation)
    first = stripe_world.double.dashboard_refund(charge, 500)
    stripe_world.send_all(first)
    second = stripe_world.double.dashboard_refund(charge, 700)
    stripe_world.send_all(second)
    stripe_world.send_all(stripe_world.double.fail_refund(first[0]["data"]["object"]["id"]))
    # A further refund after the failure still posts exactly its own amount.
    stripe_world.send_all(stripe_world.double.dashboard_refund(charge, 300))

    payment = OnlinePayment.objects.get()
    assert str(payment.amount_refunded.amount) == "10.00"
    assert balances(stripe_world.fund) == {
        "income": "15.00",
        "fees": "0.58",
        "stripe": "14.42",
        "bank": "0.00",
    }
    call_command("verify_ledger")


def test_a_charge_refunded_event_carrying_a_failed_refund_reverses_it(stripe_world):
    donation, refunded, _failed = _refund_then_fail(stripe_world)
    stripe_world.send_all(refunded)
    charge = stripe_world.double.get(stripe_world.charge_id(donation))
    stripe_world.send_all([stripe_world.double.event("charge.refunded", charge)])

    assert str(OnlinePayment.objects.get().amount_refunded.amount) == "0.00"
    assert balances(stripe_world.fund)["income"] == "25.00"
    call_command("verify_ledger")


@pytest.mark.parametrize("copies", [1, 2])
def test_an_expired_checkout_closes_the_gift_as_abandoned(stripe_world, officer, copies):
    paid = stripe_world.give("10")
    stripe_world.pay(paid)
    donation = stripe_world.give("25")
    expired = stripe_world.double.expire_checkout(donation.stripe_session_id)
    assert [e["type"] for e in expired] == ["checkout.session.expired"]

    stripe_world.send_all(expired * copies)

    donation.refresh_from_db()
    assert donation.status == OnlineDonation.Status.ABANDONED
    assert not donation.payments.exists()
    assert list(donation.events.values_list("to_status", flat=True)) == ["abandoned"]
    assert balances(stripe_world.fund) == {
        "income": "10.00",
        "fees": "0.35",
        "stripe": "9.65",
        "bank": "0.00",
    }
    call_command("verify_ledger")
    stripe_world.client.force_login(officer)
    page = stripe_world.client.get(reverse("donations:online-detail", args=[donation.pk]))
    text = page.content.decode()
    assert "Abandoned (checkout expired)" in text
    assert "No payment has been confirmed by Stripe yet." in text


def test_an_expiry_arriving_after_payment_does_not_undo_it(stripe_world):
    donation = stripe_world.give("10")
    expired = stripe_world.double.event(
        "checkout.session.expired",
        {
            "id": donation.stripe_session_id,
            "object": "checkout.session",
            "status": "expired",
            "payment_status": "unpaid",
            "metadata": {"donation": str(donation.public_id)},
        },
    )
    completed = stripe_world.double.complete_checkout(donation.stripe_session_id)
    stripe_world.send_all(completed + [expired])

    donation.refresh_from_db()
    assert donation.status == OnlineDonation.Status.PAID
    assert balances(stripe_world.fund)["income"] == "10.00"


def _appealed(stripe_world, *, won: bool) -> list[dict]:
    """A dispute lost, then appealed and decided on appeal: every event, in Stripe's order."""
    donation = _gift_aided(stripe_world)
    opened = stripe_world.double.dispute(stripe_world.charge_id(donation))
    dispute_id = opened[0]["data"]["object"]["id"]
    return (
        opened
        + stripe_world.double.close_dispute(dispute_id, won=False)
        + stripe_world.double.appeal_dispute(dispute_id)
        + stripe_world.double.respond_to_dispute(dispute_id)
        + stripe_world.double.close_dispute(dispute_id, won=won)
    )


ORDERS = {
    "forward": lambda events: events,
    "reverse": lambda events: list(reversed(events)),
    "duplicated": lambda events: events + events,
}


@pytest.mark.parametrize("order", ORDERS)
def test_a_lost_dispute_won_on_appeal_returns_the_money_and_gift_aid(stripe_world, order):
    stripe_world.send_all(ORDERS[order](_appealed(stripe_world, won=True)))

    assert OnlinePayment.objects.get().dispute == "won"
    assert _eligible_count() == 1
    assert balances(stripe_world.fund) == {
        "income": "25.00",
        "fees": "0.58",
        "stripe": "24.42",
        "bank": "0.00",
    }
    call_command("verify_ledger")


@pytest.mark.parametrize("order", ORDERS)
def test_a_dispute_lost_on_appeal_stays_lost(stripe_world, order):
    stripe_world.send_all(ORDERS[order](_appealed(stripe_world, won=False)))

    assert OnlinePayment.objects.get().dispute == "lost"
    assert _eligible_count() == 0
    assert balances(stripe_world.fund) == {
        "income": "0.00",
        "fees": "20.58",
        "stripe": "-20.58",
        "bank": "0.00",
    }
    call_command("verify_ledger")


def test_an_appeal_under_way_bars_gift_aid_and_keeps_the_money_withdrawn(stripe_world):
    donation = _gift_aided(stripe_world)
    opened = stripe_world.double.dispute(stripe_world.charge_id(donation))
    dispute_id = opened[0]["data"]["object"]["id"]
    stripe_world.send_all(
        opened
        + stripe_world.double.close_dispute(dispute_id, won=False)
        + stripe_world.double.appeal_dispute(dispute_id)
    )

    assert OnlinePayment.objects.get().dispute == "appeal_needs_response"
    assert _eligible_count() == 0
    assert balances(stripe_world.fund)["income"] == "0.00"


# Where a dispute stands after each reported status, written out: (standing, reported) -> after.
DISPUTE_MOVES = {
    ("", "warning_needs_response"): "warning_needs_response",
    ("warning_closed", "warning_needs_response"): "warning_closed",
    ("warning_closed", "needs_response"): "needs_response",
    ("under_review", "needs_response"): "under_review",
    ("under_review", "lost"): "lost",
    ("lost", "under_review"): "lost",
    ("lost", "appeal_needs_response"): "appeal_needs_response",
    ("appeal_under_review", "appeal_needs_response"): "appeal_under_review",
    ("appeal_under_review", "lost"): "lost",
    ("appeal_needs_response", "won"): "won",
    ("won", "appeal_under_review"): "won",
    ("won", "lost"): "won",
    ("won", "needs_response"): "won",
    ("prevented", "needs_response"): "prevented",
}


@pytest.mark.parametrize(("standing", "reported"), DISPUTE_MOVES)
def test_a_dispute_only_moves_forward(standing, reported):
    after = OnlinePayment.dispute_after(standing, reported)
    assert after == DISPUTE_MOVES[standing, reported]
