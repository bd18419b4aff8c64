"""Every Stripe event the fund handles, each exactly once, in any order."""

import pytest
from django.core.management import call_command

from donations.models.online import OnlineDonation, OnlinePayment, StripeEvent, StripePayout
from fund.models import Entry
from tests.donations.stripe_helpers import gbp_balance


def balances(fund):
    return {
        "income": gbp_balance("income:donations:online", fund),
        "fees": gbp_balance("expenses:fees", fund),
        "stripe": gbp_balance("assets:stripe", fund),
        "bank": gbp_balance("assets:bank", fund),
    }


def test_async_payment_waits_then_posts_when_it_succeeds(stripe_world):
    donation = stripe_world.give("10")
    stripe_world.pay(donation, "async")

    donation.refresh_from_db()
    assert donation.status == OnlineDonation.Status.AWAITING_PAYMENT
    assert not Entry.objects.exists()

    stripe_world.send_all(
        stripe_world.double.settle_async(donation.stripe_session_id, succeed=True)
    )
    donation.refresh_from_db()
    assert donation.status == OnlineDonation.Status.PAID
    assert balances(stripe_world.fund) == {
        "income": "10.00",
        "fees": "0.35",
        "stripe": "9.65",
        "bank": "0.00",
    }


def test_async_payment_that_fails_posts_nothing(stripe_world):
    donation = stripe_world.give("10")
    stripe_world.pay(donation, "async")
    stripe_world.send_all(
        stripe_world.double.settle_async(donation.stripe_session_id, succeed=False)
    )

    donation.refresh_from_db()
    assert donation.status == OnlineDonation.Status.FAILED
    assert not Entry.objects.exists()
    assert list(donation.events.values_list("to_status", flat=True)) == [
        "awaiting-payment",
        "failed",
    ]


def test_late_awaiting_event_does_not_undo_a_paid_gift(stripe_world):
    donation = stripe_world.give("10")
    pending = stripe_world.double.complete_checkout(donation.stripe_session_id, "async")
    succeeded = stripe_world.double.settle_async(donation.stripe_session_id, succeed=True)
    stripe_world.send_all(succeeded + pending)

    donation.refresh_from_db()
    assert donation.status == OnlineDonation.Status.PAID
    assert OnlinePayment.objects.count() == 1


def test_monthly_gift_over_three_invoices(stripe_world):
    donation = stripe_world.give("5", frequency="monthly")
    events = stripe_world.pay(donation)
    assert [e["type"] for e in events] == ["checkout.session.completed", "invoice.paid"]
    donation.refresh_from_db()
    for _ in range(2):
        stripe_world.send_all(
            stripe_world.double.charge_next_invoice(donation.stripe_subscription_id)
        )

    assert donation.payments.count() == 3
    assert len({p.invoice_id for p in donation.payments.all()}) == 3
    assert balances(stripe_world.fund) == {
        "income": "15.00",
        "fees": "0.84",
        "stripe": "14.16",
        "bank": "0.00",
    }
    call_command("verify_ledger")


def test_first_invoice_arriving_before_the_checkout_event_is_recorded_once(stripe_world):
    donation = stripe_world.give("5", frequency="monthly")
    completed, invoice_paid = stripe_world.double.complete_checkout(donation.stripe_session_id)
    stripe_world.send_all([invoice_paid, completed])

    donation.refresh_from_db()
    assert donation.status == OnlineDonation.Status.PAID
    assert donation.payments.count() == 1
    assert gbp_balance("income:donations:online") == "5.00"


def test_two_partial_refunds_then_a_full_one(stripe_world):
    donation = stripe_world.give("25")
    stripe_world.pay(donation)
    charge = stripe_world.charge_id(donation)

    stripe_world.send_all(stripe_world.double.dashboard_refund(charge, 500))
    stripe_world.send_all(stripe_world.double.dashboard_refund(charge, 700))
    assert gbp_balance("income:donations:online") == "13.00"
    stripe_world.send_all(stripe_world.double.dashboard_refund(charge))

    payment = OnlinePayment.objects.get()
    assert payment.fully_refunded
    # The fee is Stripe's to keep: income nets to nothing, the fee stays an expense.
    assert balances(stripe_world.fund) == {
        "income": "0.00",
        "fees": "0.58",
        "stripe": "-0.58",
        "bank": "0.00",
    }
    assert Entry.objects.count() == 5
    call_command("verify_ledger")


def test_an_older_refund_event_arriving_late_changes_nothing(stripe_world):
    donation = stripe_world.give("25")
    stripe_world.pay(donation)
    charge = stripe_world.charge_id(donation)
    first = stripe_world.double.dashboard_refund(charge, 500)
    second = stripe_world.double.dashboard_refund(charge, 700)

    stripe_world.send_all(second + first)

    assert str(OnlinePayment.objects.get().amount_refunded.amount) == "12.00"
    assert gbp_balance("income:donations:online") == "13.00"


def test_a_refund_event_arriving_before_the_completion_event(stripe_world):
    donation = stripe_world.give("10")
    completed = stripe_world.double.complete_checkout(donation.stripe_session_id)
    charge = stripe_world.double.get(
        stripe_world.double.get(completed[0]["data"]["object"]["payment_intent"])["latest_charge"]
    )
    refund_events = stripe_world.double.dashboard_refund(charge["id"], 400)

    stripe_world.send_all(refund_events)
    assert StripeEvent.objects.get(type="charge.refunded").outcome == StripeEvent.Outcome.WAITING
    stripe_world.send_all(completed)

    payment = OnlinePayment.objects.get()
    assert str(payment.amount_refunded.amount) == "4.00"
    assert gbp_balance("income:donations:online") == "6.00"
    assert StripeEvent.objects.get(type="charge.refunded").outcome == StripeEvent.Outcome.PROCESSED
    call_command("verify_ledger")


def test_a_dispute_lost_takes_the_gift_and_the_dispute_fee(stripe_world):
    donation = stripe_world.give("25")
    stripe_world.pay(donation)
    charge = stripe_world.charge_id(donation)
    opened = stripe_world.double.dispute(charge)
    stripe_world.send_all(opened)
    dispute_id = opened[0]["data"]["object"]["id"]
    stripe_world.send_all(stripe_world.double.close_dispute(dispute_id, won=False))

    payment = OnlinePayment.objects.get()
    assert payment.dispute == OnlinePayment.Dispute.LOST
    # £25 gift, 58p fee, £25 withdrawn and a £20 dispute fee.
    assert balances(stripe_world.fund) == {
        "income": "0.00",
        "fees": "20.58",
        "stripe": "-20.58",
        "bank": "0.00",
    }
    call_command("verify_ledger")


def test_a_dispute_won_puts_the_money_back(stripe_world):
    donation = stripe_world.give("25")
    stripe_world.pay(donation)
    opened = stripe_world.double.dispute(stripe_world.charge_id(donation))
    stripe_world.send_all(opened)
    closing = stripe_world.double.close_dispute(opened[0]["data"]["object"]["id"], won=True)
    assert [e["type"] for e in closing] == [
        "charge.dispute.funds_reinstated",
        "charge.dispute.closed",
    ]
    stripe_world.send_all(closing)

    assert OnlinePayment.objects.get().dispute == OnlinePayment.Dispute.WON
    assert balances(stripe_world.fund) == {
        "income": "25.00",
        "fees": "0.58",
        "stripe": "24.42",
        "bank": "0.00",
    }


def test_dispute_events_out_of_order_settle_to_the_same_state(stripe_world):
    donation = stripe_world.give("25")
    stripe_world.pay(donation)
    opened = stripe_world.double.dispute(stripe_world.charge_id(donation))
    closing = stripe_world.double.close_dispute(opened[0]["data"]["object"]["id"], won=True)

    stripe_world.send_all(list(reversed(opened + closing)))

    assert OnlinePayment.objects.get().dispute == OnlinePayment.Dispute.WON
    assert balances(stripe_world.fund)["income"] == "25.00"
    assert balances(stripe_world.fund)["fees"] == "0.58"


def test_a_payout_moves_the_stripe_balance_to_the_bank(stripe_world):
    for amount in ("10", "25"):
        stripe_world.pay(stripe_world.give(amount))
    refunded = stripe_world.give("5")
    stripe_world.pay(refunded)
    stripe_world.send_all(
        stripe_world.double.dashboard_refund(stripe_world.charge_id(refunded), 200)
    )

    events = stripe_world.double.pay_out()
    stripe_world.send_all(events)

    payout = StripePayout.objects.get()
    # Gifts £40, fees 35p + 58p + 28p, refund £2: £36.79 net.
    assert str(payout.amount.amount) == "36.79"
    assert payout.lines.filter(kind="charge").count() == 3
    assert payout.lines.filter(kind="refund").count() == 1
    assert all(line.payment is not None for line in payout.lines.all())
    assert balances(stripe_world.fund) == {
        "income": "38.00",
        "fees": "1.21",
        "stripe": "0.00",
        "bank": "36.79",
    }
    assert StripeEvent.objects.get(type="payout.created").outcome == StripeEvent.Outcome.IGNORED
    call_command("verify_ledger")


def test_a_failed_payout_puts_the_money_back_in_the_stripe_balance(stripe_world):
    stripe_world.pay(stripe_world.give("10"))
    stripe_world.send_all(stripe_world.double.pay_out())
    payout = StripePayout.objects.get()
    stripe_world.send_all(stripe_world.double.fail_payout(payout.stripe_id))

    payout.refresh_from_db()
    assert payout.status == StripePayout.Status.FAILED
    assert gbp_balance("assets:bank") == "0.00"
    assert gbp_balance("assets:stripe") == "9.65"


def test_a_payout_failure_arriving_first_means_nothing_posts(stripe_world):
    stripe_world.pay(stripe_world.give("10"))
    paid = stripe_world.double.pay_out()
    failed = stripe_world.double.fail_payout(paid[-1]["data"]["object"]["id"])
    stripe_world.send_all(failed + paid)

    assert StripePayout.objects.get().status == StripePayout.Status.FAILED
    assert gbp_balance("assets:bank") == "0.00"


def test_an_unknown_event_type_is_stored_and_acknowledged(stripe_world):
    event = stripe_world.double.event(
        "customer.created", {"id": "cus_test_1", "object": "customer"}
    )
    assert stripe_world.send(event).status_code == 200
    assert StripeEvent.objects.get().outcome == StripeEvent.Outcome.IGNORED
    assert not Entry.objects.exists()


def test_an_event_for_a_session_we_never_created_is_stored_as_unmatched(stripe_world):
    event = stripe_world.double.event(
        "checkout.session.completed",
        {
            "id": "cs_test_elsewhere",
            "object": "checkout.session",
            "mode": "payment",
            "payment_status": "unpaid",
            "metadata": {},
        },
    )
    assert stripe_world.send(event).status_code == 200
    assert StripeEvent.objects.get().outcome == StripeEvent.Outcome.UNMATCHED


@pytest.mark.parametrize("amount", ["3", "10", "25"])
def test_the_ledger_records_what_stripe_took(stripe_world, amount):
    stripe_world.pay(stripe_world.give(amount))
    assert gbp_balance("income:donations:online") == f"{int(amount)}.00"
