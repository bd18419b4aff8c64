"""Gift Aid and GASDS pages in real Chromium, each checked with axe at phone and desk widths."""

import pytest
from django.utils import timezone

from donations.models.online import OnlineDonation
from tests.browser import check_page
from tests.donations.conftest import at
from tests.donations.stripe_helpers import gbp_balance
from tests.donations.test_gasds import box, gift_aid_claimed


@pytest.fixture
def live_double(stripe_double, live_server):
    """The double sends its webhooks to the live server, as Stripe would."""
    stripe_double.webhook_url = live_server.url + "/stripe/webhook/"
    return stripe_double


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1280])
def test_a_donor_abroad_reads_hmrcs_notes_and_declares(browse, live_double, public_fund, width):
    page = browse(width=width, path="/donate/")
    notes = page.get_by_test_id("gift-aid-notes")
    assert notes.is_visible()
    assert "change your name or home address" in notes.inner_text()
    assert "higher or additional rate" in notes.inner_text()
    check_page(page)

    page.get_by_label("£10").check()
    page.get_by_label("Yes, I want to Gift Aid my donation").check()
    page.get_by_label("First name").fill("Marie")
    page.get_by_label("Last name").fill("Curie")
    page.get_by_label("House name or number").fill("12 Rue de Rivoli")
    page.get_by_label("I live outside the UK").check()
    page.get_by_role("button", name="Continue to payment").click()

    page.wait_for_url(f"{live_double.base_url}/checkout/**")
    declaration = OnlineDonation.objects.get().gift_aid
    assert (declaration.outside_uk, declaration.postcode) == (True, "X")


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1280])
def test_gasds_page_shows_the_limits_and_records_a_claim_and_its_payment(
    browse, stripe_world, officer, officer2, manager, cafe, width
):
    box(officer, officer2, cafe, "307.50", at(2026, 10, 1))
    gift_aid_claimed(stripe_world, officer, ["20.00"])

    page = browse(manager, width=width, path="/donations/cash/gasds/")
    main = page.inner_text("main")
    assert "This limit applies" in main
    assert "community buildings" in main and "connected charities" in main
    check_page(page)

    page.get_by_role("link", name="Record the claim made to HMRC for 2026–27").click()
    check_page(page)
    page.get_by_label("HMRC reference").fill("GASDS-BROWSER")
    page.get_by_role("button", name="Record the claim").click()
    page.wait_for_url("**/donations/cash/gasds/")
    assert "Awaiting HMRC" in page.inner_text("main")
    check_page(page)

    page.get_by_role("link", name="Record HMRC's payment for 2026–27").click()
    check_page(page)
    page.get_by_role("button", name="Record the payment").click()
    page.wait_for_url("**/donations/cash/gasds/")
    assert "HMRC paid £50.00" in page.inner_text("main")
    assert gbp_balance("assets:gasds-receivable") == "0.00"
    assert gbp_balance("income:gasds") == "50.00"


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1280])
def test_gift_aid_claim_and_repayment_pages(browse, stripe_world, officer, width):
    claim = gift_aid_claimed(stripe_world, officer, ["200.00", "10.00"])
    check_page(browse(officer, width=width, path="/donations/gift-aid/"))
    page = browse(officer, width=width, path=f"/donations/gift-aid/claims/{claim.pk}/")
    assert "£52.50" in page.inner_text("main")
    check_page(page)
    page.get_by_role("link", name="Record HMRC's repayment").click()
    check_page(page)
    page.get_by_label("HMRC reference").fill("CHY-BROWSER")
    page.get_by_label("Date received").fill(timezone.localdate().isoformat())
    page.get_by_label("Amount HMRC paid, in pounds").fill("50.00")
    page.get_by_role("button", name="Record the repayment").click()
    assert page.get_by_role("heading", name="There is a problem").is_visible()
    check_page(page)
    page.get_by_label("Reason for any difference from the claim").fill("One gift disallowed")
    page.get_by_role("button", name="Record the repayment").click()
    page.wait_for_url(f"**/donations/gift-aid/claims/{claim.pk}/")
    assert "Shortfall £2.50" in page.inner_text("main")
    check_page(page)
    assert gbp_balance("assets:gift-aid-receivable") == "0.00"
    assert gbp_balance("assets:bank") == "50.00"


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1280])
def test_a_manager_uploads_hmrcs_schedule_template(browse, manager, tmp_path, width):
    from tests.donations.hmrc_template import hmrc_like_template

    upload = tmp_path / "Gift_Aid_schedule.ods"
    upload.write_bytes(hmrc_like_template())
    page = browse(manager, width=width, path="/donations/gift-aid/template/")
    assert "No template has been uploaded" in page.inner_text("main")
    check_page(page)

    page.get_by_label("HMRC's Gift Aid schedule spreadsheet (ODS)").set_input_files(str(upload))
    page.get_by_role("button", name="Upload").click()

    main = page.inner_text("main")
    assert "Gift_Aid_schedule.ods" in main
    assert "headings in row 24 from column B" in main
    check_page(page)
