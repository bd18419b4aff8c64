"""The Stripe balance checks page in real Chromium, with the axe scan, on a phone and a
desktop: a check run from the button finds what was planted in the double, a person posts
the adjustment nothing explains, and the next check shows £0.00."""

import pytest

from fund.models import Account
from tests.browser import assert_accessible, assert_no_horizontal_scroll
from tests.donations.test_stripe_reconcile import _planted


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1280])
def test_check_stripe_now_then_post_the_adjustment(browse, stripe_world, officer, width):
    _planted(stripe_world)
    page = browse(officer, width=width, path="/donations/stripe-balance/")
    assert "Stripe has not been checked yet." in page.inner_text("main")
    assert_accessible(page)
    assert_no_horizontal_scroll(page)

    page.get_by_role("button", name="Check Stripe now").click()
    page.wait_for_url("**/donations/stripe-balance/")
    main = page.inner_text("main")
    assert "Stripe checked: difference -£5.00; 2 missing entries posted, 1 needs a person." in main
    assert "£25.07 (£25.07 available, £0.00 pending)" in main
    assert "The Stripe fee of £0.58 on gift" in main
    assert "Negative balance recovery" in main
    assert_accessible(page)
    assert_no_horizontal_scroll(page)

    page.get_by_role("link", name="Post it").click()
    page.wait_for_url("**/post/")
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    page.get_by_role("button", name="Post it to the ledger").click()
    assert page.get_by_role("heading", name="There is a problem").is_visible()
    assert_accessible(page)
    fees = Account.objects.get(code="expenses:bank-charges")
    page.get_by_label("Account it belongs to").select_option(str(fees.pk))
    page.get_by_label("What it is").fill("Stripe recovered a negative balance")
    page.get_by_role("button", name="Post it to the ledger").click()
    page.wait_for_url("**/donations/stripe-balance/")
    assert "Check Stripe again to see the difference." in page.inner_text("main")

    page.get_by_role("button", name="Check Stripe now").click()
    page.wait_for_url("**/donations/stripe-balance/")
    main = page.inner_text("main")
    assert "Stripe checked: difference £0.00; 0 missing entries posted, 0 need a person." in main
    assert "Every balance transaction walked has its ledger entry." in main
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
