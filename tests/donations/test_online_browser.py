"""Online giving in real Chromium: the donor's journey and the staff view of it."""

import time

import pytest

from donations.models.online import OnlineDonation
from tests.browser import assert_accessible, assert_no_horizontal_scroll
from tests.donations.stripe_helpers import gbp_balance, run_tasks


def wait_for_thank_you(page, timeout_seconds: float = 20):
    """The worker records the gift moments after the webhook: reload until it has."""
    deadline = time.monotonic() + timeout_seconds
    while not page.get_by_role("heading", name="Thank you").is_visible():
        assert time.monotonic() < deadline, page.inner_text("main")
        page.wait_for_timeout(300)
        page.reload()


@pytest.fixture
def live_double(stripe_double, live_server, task_worker):
    """The double sends its webhooks to the live server, as Stripe would; a worker runs."""
    stripe_double.webhook_url = live_server.url + "/stripe/webhook/"
    return stripe_double


@pytest.mark.browser
def test_give_five_pounds_monthly_with_gift_aid_and_see_it_in_the_ledger(
    browse, live_double, public_fund, officer
):
    page = browse(width=375, path="/donate/")
    assert page.get_by_text("Test mode").is_visible()
    assert_accessible(page)
    assert_no_horizontal_scroll(page)

    page.get_by_label("£5").check()
    page.get_by_label("Monthly").check()
    page.get_by_label("Email address for your receipt (optional)").fill("donor@example.org")
    page.get_by_label("Yes, I want to Gift Aid my donation").check()
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Lovelace")
    page.get_by_label("House name or number").fill("12")
    page.get_by_label("Postcode").fill("NE1 6AE")
    page.get_by_role("button", name="Continue to payment").click()

    page.wait_for_url(f"{live_double.base_url}/checkout/**")
    assert "£5.00 a month" in page.inner_text("main")
    page.get_by_role("button", name="Donate £5.00 a month").click()

    page.wait_for_url("**/donate/thank-you/**")
    wait_for_thank_you(page)
    assert_accessible(page)
    assert_no_horizontal_scroll(page)

    donation = OnlineDonation.objects.get()
    assert donation.status == OnlineDonation.Status.PAID
    assert donation.gift_aid.last_name == "Lovelace"
    assert gbp_balance("income:donations:online", public_fund) == "5.00"
    assert gbp_balance("expenses:fees", public_fund) == "0.28"

    staff = browse(officer, width=1280, path="/donations/online/")
    assert donation.reference in staff.inner_text("main")
    assert "Gift Aid" in staff.inner_text("main")
    assert_accessible(staff)
    staff.get_by_role("link", name=donation.reference).click()
    assert "£5.00" in staff.inner_text("main")
    assert_accessible(staff)
    staff.goto("/")
    ledger = staff.locator("section", has_text="Public donations").inner_text()
    assert "Donations: online" in ledger and "£5.00" in ledger


@pytest.mark.browser
@pytest.mark.parametrize("width", [320, 1280])
def test_donation_page_errors_are_accessible(browse, live_double, public_fund, width):
    page = browse(width=width, path="/donate/?point=NOPE")
    page.get_by_label("Another amount").check()
    page.get_by_label("Amount in pounds").fill("0.50")
    page.get_by_role("button", name="Continue to payment").click()
    assert page.get_by_role("heading", name="There is a problem").is_visible()
    assert_accessible(page)
    assert_no_horizontal_scroll(page)


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1280])
def test_staff_pages_for_payouts_and_gift_aid_are_accessible(
    browse, live_double, public_fund, officer, width
):
    for path in ("/donations/payouts/", "/donations/gift-aid/", "/donations/online/"):
        page = browse(officer, width=width, path=path)
        assert_accessible(page)
        assert_no_horizontal_scroll(page)


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1280])
def test_gift_refund_payout_and_claim_pages_are_accessible(browse, stripe_world, officer, width):
    from donations.models.online import StripePayout
    from donations.services.giftaid import gift_aid_claim_create

    donation = stripe_world.give(
        "25",
        gift_aid="on",
        first_name="Ada",
        last_name="Lovelace",
        house_name_or_number="12",
        postcode="NE1 6AE",
    )
    stripe_world.pay(donation)
    stripe_world.send_all(stripe_world.double.pay_out())
    payment = donation.payments.get()
    payout = StripePayout.objects.get()
    claim = gift_aid_claim_create(actor=officer, date_from=payment.paid_on, date_to=payment.paid_on)

    for path in (
        f"/donations/online/{donation.pk}/",
        f"/donations/online/payments/{payment.pk}/refund/",
        f"/donations/payouts/{payout.pk}/",
        f"/donations/gift-aid/claims/{claim.pk}/",
    ):
        page = browse(officer, width=width, path=path)
        assert page.get_by_role("heading", level=1).is_visible()
        assert_accessible(page)
        assert_no_horizontal_scroll(page)

    page = browse(officer, width=width, path=f"/donations/online/payments/{payment.pk}/refund/")
    page.get_by_label("Amount to refund, in pounds").fill("5.00")
    page.get_by_label("Reason").fill("Donor asked for part back")
    page.get_by_role("button", name="Refund through Stripe").click()
    page.wait_for_url(f"**/donations/online/{donation.pk}/")
    assert "Refund of £5.00 made through Stripe" in page.inner_text("main")
    assert_accessible(page)


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1280])
def test_staff_retry_a_failed_stripe_event_from_its_page(browse, stripe_world, officer, width):
    from donations.models.online import StripeEvent

    donation = stripe_world.give("10")
    (completed,) = stripe_world.double.complete_checkout(donation.stripe_session_id)
    stripe_world.double.unavailable = True
    stripe_world.send(completed)
    stripe_world.double.unavailable = False

    page = browse(officer, width=width, path="/donations/online/events/")
    main = page.inner_text("main")
    assert "checkout.session.completed" in main and "Processing failed" in main
    assert_accessible(page)
    assert_no_horizontal_scroll(page)

    page.get_by_role("button", name=f"Retry now event {completed['id']}").click()
    page.wait_for_url("**/donations/online/events/")
    assert "will be processed again shortly" in page.inner_text("main")
    assert_accessible(page)
    run_tasks()
    assert StripeEvent.objects.get().outcome == StripeEvent.Outcome.PROCESSED
    page.reload()
    assert "No event needs attention." in page.inner_text("main")


def _give_monthly(browse, live_double, width):
    page = browse(width=width, path="/donate/")
    page.get_by_label("£10").check()
    page.get_by_label("Monthly").check()
    page.get_by_role("button", name="Continue to payment").click()
    page.wait_for_url(f"{live_double.base_url}/checkout/**")
    page.get_by_role("button", name="Donate £10.00 a month").click()
    page.wait_for_url("**/donate/thank-you/**")
    wait_for_thank_you(page)
    return page


def _reload_until(page, text: str, timeout_seconds: float = 20):
    deadline = time.monotonic() + timeout_seconds
    while text not in page.inner_text("main"):
        assert time.monotonic() < deadline, page.inner_text("main")
        page.wait_for_timeout(300)
        page.reload()


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1280])
def test_a_donor_cancels_a_monthly_gift_in_the_portal_and_staff_see_it_cancelled(
    browse, live_double, public_fund, officer, width
):
    page = _give_monthly(browse, live_double, width)
    page.get_by_role("link", name="Change or cancel your monthly gift").click()

    page.wait_for_url(f"{live_double.base_url}/portal/**")
    assert "£10.00 a month" in page.inner_text("main")
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    page.get_by_role("button", name="Cancel monthly gift").click()
    assert page.get_by_role("status").inner_text() == "Your monthly gift is cancelled."
    assert "You have no active monthly gifts." in page.inner_text("main")
    assert_accessible(page)

    donation = OnlineDonation.objects.get()
    staff = browse(officer, width=width, path=f"/donations/online/{donation.pk}/")
    _reload_until(staff, "Cancelled")
    assert "Cancelled by the donor in Stripe's customer portal" in staff.inner_text("main")
    assert staff.get_by_role("button", name="Cancel the monthly gift").count() == 0
    assert_accessible(staff)
    assert_no_horizontal_scroll(staff)


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1280])
def test_staff_cancel_a_monthly_gift_with_a_reason(
    browse, live_double, public_fund, officer, width
):
    _give_monthly(browse, live_double, width)
    donation = OnlineDonation.objects.get()
    staff = browse(officer, width=width, path=f"/donations/online/{donation.pk}/")
    assert_accessible(staff)
    assert_no_horizontal_scroll(staff)
    staff.get_by_label("Why is the monthly gift being cancelled?").fill("Donor phoned")
    staff.get_by_role("button", name="Cancel the monthly gift").click()
    assert f"{donation.reference}: the monthly gift is cancelled." in staff.inner_text("main")
    assert "Donor phoned" in staff.get_by_test_id("monthly-state").inner_text()
    assert_accessible(staff)
    assert live_double.get(donation.stripe_subscription_id)["status"] == "canceled"
