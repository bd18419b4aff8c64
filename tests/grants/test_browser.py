"""The whole journey in Chromium, on a phone and on a desktop, with axe-core on every page."""

import pytest

from grants.models import Grant
from tests.browser import assert_accessible, assert_no_horizontal_scroll
from tests.grants.conftest import make_grant
from tests.grants.states import PDF

S = Grant.Status
pytestmark = pytest.mark.browser


def check(page):
    assert_accessible(page)
    assert_no_horizontal_scroll(page)


def pdf_file(name):
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


@pytest.mark.parametrize("width", [375, 1280])
def test_the_journey_from_request_to_receipt(
    browse, width, kw, officer, officer2, funded, restricted_fund
):
    # A key worker makes and submits a request.
    page = browse(kw, width=width, path="/grants/new/")
    check(page)
    page.get_by_label("Client reference").fill("CLT-0042")
    page.get_by_label("What is it for?").select_option(label="Furniture pack")
    page.locator("#id_items-0-description").fill("Bed and mattress")
    page.locator("#id_items-0-amount").fill("120.00")
    page.locator("#id_items-0-supplier").fill("Furniture Now")
    page.locator("#id_items-1-description").fill("Delivery")
    page.locator("#id_items-1-amount").fill("20.00")
    page.get_by_label("In the person's own words, what will this help them do?").fill(
        "Sleep in a bed in my new flat and stop going back to the hostel."
    )
    page.get_by_label("Why is the fund the right source?").fill("No furniture grant until March.")
    page.get_by_label("Today").check()
    page.get_by_role("button", name="Send to the fund").click()
    page.wait_for_url("**/grants/*/")
    assert "is sent to the fund" in page.inner_text("main")
    check(page)
    grant = Grant.objects.get()
    assert grant.status == S.SUBMITTED

    page.set_input_files("#id_quote-file", files=[pdf_file("Quote for Jo Bloggs.pdf")])
    page.get_by_role("button", name="Upload quote").click()
    page.wait_for_url(f"**/grants/{grant.pk}/")
    assert f"quote-{grant.reference}-1.pdf" in page.inner_text("main")
    assert "Bloggs" not in page.inner_text("main")

    # The first officer finds it in the queue and approves.
    page = browse(officer, width=width, path="/grants/queue/")
    check(page)
    page.get_by_role("link", name=f"{grant.reference}: Furniture pack, £140.00").click()
    page.wait_for_url(f"**/grants/{grant.pk}/")
    assert "£1,000.00" in page.get_by_test_id("available-balance").inner_text()
    check(page)
    page.get_by_role("button", name="Approve £140.00").click()
    page.wait_for_url(f"**/grants/{grant.pk}/")
    assert "needs a second approver" in page.inner_text("main")
    check(page)

    # A second, different officer approves.
    page = browse(officer2, width=width, path=f"/grants/{grant.pk}/")
    page.get_by_role("button", name="Approve £140.00").click()
    page.wait_for_url(f"**/grants/{grant.pk}/")
    assert "is approved" in page.inner_text("main")
    check(page)

    # The first officer records the payment.
    page = browse(officer, width=width, path=f"/grants/{grant.pk}/")
    page.get_by_label("Payee or supplier").fill("Furniture Now")
    page.get_by_label("Supplier paid directly").check()
    page.get_by_label("Payment reference").fill("BACS-2026-118")
    page.get_by_role("button", name="Record payment").click()
    page.wait_for_url(f"**/grants/{grant.pk}/")
    assert "payment for" in page.inner_text("main")
    check(page)

    # The key worker uploads the receipt.
    page = browse(kw, width=width, path=f"/grants/{grant.pk}/")
    page.set_input_files("#id_receipt-file", files=[pdf_file("receipt.pdf")])
    page.get_by_role("button", name="Upload receipt").click()
    page.wait_for_url(f"**/grants/{grant.pk}/")
    check(page)
    grant.refresh_from_db()
    assert grant.status == S.RECEIPT_RECEIVED


@pytest.mark.parametrize("width", [375, 1280])
def test_staff_pages_are_accessible(browse, width, kw, officer, manager, funded):
    make_grant(kw, urgency="today")
    make_grant(kw, client="CLT-0043", submit=False)
    for user, path in [
        (officer, "/grants/queue/"),
        (officer, "/grants/follow-up/"),
        (manager, "/grants/limits/"),
        (officer, "/"),
        (kw, "/grants/"),
        (kw, "/grants/clients/"),
    ]:
        page = browse(user, width=width, path=path)
        check(page)


@pytest.mark.parametrize("width", [375, 1280])
def test_form_errors_are_accessible(browse, width, kw, funded):
    page = browse(kw, width=width, path="/grants/new/")
    page.get_by_label("Client reference").fill("John Smith")
    page.get_by_role("button", name="Send to the fund").click()
    page.wait_for_load_state()
    assert "There is a problem" in page.inner_text("main")
    check(page)
