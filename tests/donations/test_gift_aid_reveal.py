"""The Gift Aid name and address appear only once the donor ticks Gift Aid; without
JavaScript they are always there, so the form still works."""

import pytest
from django.test import Client

from tests.browser import assert_accessible, assert_no_horizontal_scroll


def test_without_javascript_the_gift_aid_fields_are_in_the_page(public_fund):
    page = Client().get("/donate/").content.decode()
    details = page[page.index('id="conditional-gift-aid"') :]
    assert 'data-aria-controls="conditional-gift-aid"' in page
    # Hidden only by govuk-frontend's CSS, which applies once its JavaScript runs.
    assert (
        "govuk-checkboxes__conditional--hidden" in page[: page.index('id="conditional-gift-aid"')]
    )
    assert 'name="first_name"' in details and 'name="postcode"' in details


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1280])
def test_on_a_phone_the_address_appears_once_gift_aid_is_ticked(browse, width, public_fund):
    page = browse(width=width, path="/donate/")
    assert not page.get_by_label("First name").is_visible()
    assert not page.get_by_label("Postcode").is_visible()
    assert_accessible(page)
    page.get_by_label("Yes, I want to Gift Aid my donation").check()
    assert page.get_by_label("First name").is_visible()
    assert page.get_by_label("Postcode").is_visible()
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
