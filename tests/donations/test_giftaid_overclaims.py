"""Overclaims: a claimed gift later refunded or lost in a dispute is owed back to HMRC.

HMRC (Charities Online, claim form "adjustments"): Gift Aid claimed on a donation that is
later refunded has been overclaimed; the charity deducts it from its next claim in the
adjustment box. The app posts the overclaim when it happens (Gift Aid income down, owed to
HMRC) and the next claim deducts it from what HMRC is asked to pay.
"""

import time_machine
from django.urls import reverse
from django.utils import timezone
from djmoney.money import Money

from donations.models.giftaid import GiftAidAdjustment
from donations.services.giftaid import gift_aid_claim_create, gift_aid_repayment_record
from tests.donations.stripe_helpers import gbp_balance
from tests.donations.test_giftaid_ledger import DECLARATION, RANGE, ledger_is_sound


def gbp(amount: str) -> Money:
    return Money(amount, "GBP")


def give(stripe_world, amount, when="2026-11-03 10:00 +0000"):
    with time_machine.travel(when, tick=False):
        donation = stripe_world.give(amount, **DECLARATION)
        stripe_world.pay(donation)
    return donation


def test_a_refund_after_the_claim_is_deducted_from_the_next_claim(stripe_world, officer, client):
    donation = give(stripe_world, "20.00")
    first = gift_aid_claim_create(actor=officer, **RANGE)
    assert first.tax == gbp("5.00")
    gift_aid_repayment_record(
        actor=officer,
        claim=first,
        amount=gbp("5.00"),
        received_on=timezone.localdate(),
        hmrc_reference="R1",
    )
    assert gbp_balance("assets:bank") == "5.00"

    # £8.00 of the £20.00 refunded: £12.00 kept, Gift Aid £3.00, so £2.00 was overclaimed.
    stripe_world.send_all(
        stripe_world.double.dashboard_refund(stripe_world.charge_id(donation), 800)
    )

    adjustment = GiftAidAdjustment.objects.get()
    assert adjustment.amount == gbp("2.00")
    assert adjustment.deducted_in is None
    assert gbp_balance("income:gift-aid") == "3.00"
    assert gbp_balance("liabilities:gift-aid-overclaimed") == "2.00"
    ledger_is_sound()
    client.force_login(officer)
    claims = client.get(reverse("donations:gift-aid")).content.decode()
    assert 'data-figure="overclaims">£2.00 overclaimed' in claims

    give(stripe_world, "40.00", when="2026-11-20 10:00 +0000")
    second = gift_aid_claim_create(actor=officer, **RANGE)

    assert second.tax == gbp("10.00")
    assert second.adjustment == gbp("2.00")
    assert second.net == gbp("8.00")
    assert gbp_balance("assets:gift-aid-receivable") == "8.00"
    assert gbp_balance("liabilities:gift-aid-overclaimed") == "0.00"
    assert gbp_balance("income:gift-aid") == "13.00"
    ledger_is_sound()

    page = client.get(reverse("donations:gift-aid-claim", args=[second.pk])).content.decode()
    assert 'data-figure="adjustment">£2.00<' in page
    assert 'data-figure="net">£8.00<' in page

    gift_aid_repayment_record(
        actor=officer,
        claim=second,
        amount=gbp("8.00"),
        received_on=timezone.localdate(),
        hmrc_reference="R2",
    )
    assert gbp_balance("assets:gift-aid-receivable") == "0.00"
    assert gbp_balance("assets:bank") == "13.00"
    ledger_is_sound()


def test_a_gift_lost_in_a_dispute_after_the_claim_owes_all_its_gift_aid(stripe_world, officer):
    donation = give(stripe_world, "30.00")
    gift_aid_claim_create(actor=officer, **RANGE)
    assert gbp_balance("income:gift-aid") == "7.50"

    events = stripe_world.double.dispute(stripe_world.charge_id(donation))
    stripe_world.send_all(events)
    dispute_id = events[0]["data"]["object"]["id"]
    # An open dispute may still be won: nothing is owed back yet.
    assert not GiftAidAdjustment.objects.exists()

    stripe_world.send_all(stripe_world.double.close_dispute(dispute_id, won=False))

    adjustment = GiftAidAdjustment.objects.get()
    assert adjustment.amount == gbp("7.50")
    assert adjustment.reason == "Lost in a dispute after it was claimed"
    assert gbp_balance("income:gift-aid") == "0.00"
    assert gbp_balance("liabilities:gift-aid-overclaimed") == "7.50"
    assert gbp_balance("assets:gift-aid-receivable") == "7.50"
    ledger_is_sound()


def test_a_failed_refund_gives_the_overclaim_back(stripe_world, officer):
    donation = give(stripe_world, "20.00")
    gift_aid_claim_create(actor=officer, **RANGE)
    events = stripe_world.double.dashboard_refund(stripe_world.charge_id(donation), 800)
    stripe_world.send_all(events)
    refund_id = events[0]["data"]["object"]["id"]
    assert gbp_balance("liabilities:gift-aid-overclaimed") == "2.00"

    stripe_world.send_all(stripe_world.double.fail_refund(refund_id))

    assert [a.amount for a in GiftAidAdjustment.objects.order_by("id")] == [
        gbp("2.00"),
        gbp("-2.00"),
    ]
    assert gbp_balance("liabilities:gift-aid-overclaimed") == "0.00"
    assert gbp_balance("income:gift-aid") == "5.00"
    ledger_is_sound()


def test_a_replayed_refund_event_posts_no_second_overclaim(stripe_world, officer):
    donation = give(stripe_world, "20.00")
    gift_aid_claim_create(actor=officer, **RANGE)
    events = stripe_world.double.dashboard_refund(stripe_world.charge_id(donation), 800)
    stripe_world.send_all(events)
    stripe_world.send_all(events)

    assert GiftAidAdjustment.objects.count() == 1
    assert gbp_balance("liabilities:gift-aid-overclaimed") == "2.00"
    ledger_is_sound()
