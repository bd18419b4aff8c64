"""A refund figure applied twice, by two workers each holding the payment as it was before
either posted, is posted once: the ledger's idempotency key, not the cached refunded total,
is what stops the second posting (bench/mutation.py "refund-twice")."""

from donations.models.online import OnlinePayment
from donations.services.refunds import refunds_sync
from fund.models import Entry
from tests.donations.stripe_helpers import gbp_balance


def test_the_same_refund_figure_from_two_stale_copies_posts_once(stripe_world, officer):
    donation = stripe_world.give("25")
    stripe_world.pay(donation)
    entries_before = Entry.objects.count()
    first_copy = OnlinePayment.objects.get()
    second_copy = OnlinePayment.objects.get()

    refunds_sync(payment=first_copy, cumulative_pence=500, actor=officer)
    refunds_sync(payment=second_copy, cumulative_pence=500, actor=officer)

    assert Entry.objects.count() == entries_before + 1
    assert gbp_balance("income:donations:online") == "20.00"
    assert str(OnlinePayment.objects.get().amount_refunded.amount) == "5.00"
