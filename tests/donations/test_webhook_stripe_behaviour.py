"""Stripe as it really behaves: late balance transactions, inquiries, failed refunds, expiry.

Every event goes through the real endpoint, signed as Stripe signs it.
"""

from django.core.management import call_command

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
