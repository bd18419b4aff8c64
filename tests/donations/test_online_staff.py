"""Staff pages for online giving: the list, refunds through Stripe, payouts."""

import uuid

from django.urls import reverse

from donations.models.online import OnlinePayment, StaffRefund, StripePayout
from tests.donations.stripe_helpers import gbp_balance


def paid_gift(stripe_world, amount="25", **fields):
    donation = stripe_world.give(amount, **fields)
    stripe_world.pay(donation)
    return donation


def test_staff_list_shows_gifts_with_attribution_and_filters(stripe_world, client, officer, cafe):
    paid_gift(stripe_world, "10", point="CAFE01")
    monthly = stripe_world.give("5", frequency="monthly")
    stripe_world.pay(monthly)
    client.force_login(officer)

    page = client.get(reverse("donations:online-list")).content.decode()
    assert "Corner Café (CAFE01)" in page
    assert "Test mode" in page
    assert "£10.00" in page and "£5.00" in page

    filtered = client.get(
        reverse("donations:online-list"), {"frequency": "monthly"}
    ).content.decode()
    assert monthly.reference in filtered
    assert "Corner Café" not in filtered
    by_point = client.get(reverse("donations:online-list"), {"point": "cafe01"}).content.decode()
    assert "Corner Café" in by_point and monthly.reference not in by_point


def test_online_pages_need_a_staff_role(stripe_world, client, key_worker, partner):
    donation = paid_gift(stripe_world)
    urls = [
        reverse("donations:online-list"),
        reverse("donations:online-detail", args=[donation.pk]),
        reverse("donations:payout-list"),
        reverse("donations:gift-aid"),
    ]
    for url in urls:
        assert client.get(url).status_code == 302
    for user in (key_worker, partner):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 403


def test_partial_refund_through_stripe_posts_once(stripe_world, client, officer):
    donation = paid_gift(stripe_world, "25")
    payment = donation.payments.get()
    client.force_login(officer)
    key = uuid.uuid4()
    form = {"request_key": key, "amount": "10.00", "reason": "Donor gave twice by mistake"}

    response = client.post(reverse("donations:payment-refund", args=[payment.pk]), form)
    assert response.status_code == 302
    # The same form sent again reaches Stripe with the same idempotency key: one refund.
    client.post(reverse("donations:payment-refund", args=[payment.pk]), form)
    stripe_world.send_all([e for e in stripe_world.double.events if e["type"] == "charge.refunded"])

    payment.refresh_from_db()
    assert str(payment.amount_refunded.amount) == "10.00"
    assert StaffRefund.objects.count() == 1
    assert f"clf-refund-{key}" in stripe_world.double._idempotent
    charge = stripe_world.double.get(payment.charge_id)
    assert charge["amount_refunded"] == 1000
    assert gbp_balance("income:donations:online") == "15.00"


def test_refund_above_what_is_left_is_refused(stripe_world, client, officer):
    payment = paid_gift(stripe_world, "10").payments.get()
    client.force_login(officer)
    response = client.post(
        reverse("donations:payment-refund", args=[payment.pk]),
        {"request_key": uuid.uuid4(), "amount": "10.01", "reason": "Too much"},
    )
    assert "At most" in response.content.decode()
    assert stripe_world.double.get(payment.charge_id)["amount_refunded"] == 0


def test_auditor_cannot_refund(stripe_world, client, auditor):
    payment = paid_gift(stripe_world, "10").payments.get()
    client.force_login(auditor)
    response = client.post(
        reverse("donations:payment-refund", args=[payment.pk]),
        {"request_key": uuid.uuid4(), "amount": "1.00", "reason": "No"},
    )
    assert response.status_code == 403
    assert OnlinePayment.objects.get().amount_refunded.amount == 0


def test_payout_view_ties_the_payout_to_its_gifts_fees_and_refunds(stripe_world, client, officer):
    paid_gift(stripe_world, "10")
    refunded = paid_gift(stripe_world, "25")
    stripe_world.send_all(
        stripe_world.double.dashboard_refund(stripe_world.charge_id(refunded), 500)
    )
    stripe_world.send_all(stripe_world.double.pay_out())
    payout = StripePayout.objects.get()
    client.force_login(officer)

    page = client.get(reverse("donations:payout-detail", args=[payout.pk])).content.decode()
    assert "£35.00" in page  # gifts
    assert "£0.93" in page  # fees
    assert "£5.00" in page  # refunds
    assert "£29.07" in page  # the payout
    assert "Ties to the payout" in page
    assert refunded.reference in page


def test_refunded_filter_keeps_each_gifts_totals_right(stripe_world, client, officer):
    monthly = stripe_world.give("10", frequency="monthly")
    stripe_world.pay(monthly)
    monthly.refresh_from_db()
    stripe_world.send_all(stripe_world.double.charge_next_invoice(monthly.stripe_subscription_id))
    for payment in monthly.payments.all():
        stripe_world.send_all(stripe_world.double.dashboard_refund(payment.charge_id, 100))
    untouched = paid_gift(stripe_world, "3")
    client.force_login(officer)

    page = client.get(reverse("donations:online-list"), {"refunded": "yes"}).content.decode()

    assert monthly.reference in page and untouched.reference not in page
    assert "£20.00" in page  # received over two months, not doubled by the filter
    assert "£2.00" in page  # refunded
    assert "£40.00" not in page
