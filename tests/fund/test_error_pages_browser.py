"""The generic error pages are accessible and fit a phone screen."""

import pytest

from tests.browser import assert_accessible, assert_no_horizontal_scroll

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [375, 1280])
def test_not_found_page_in_chromium(browse, width):
    page = browse(width=width, path="/no-such-page/")

    assert page.get_by_role("heading", name="Page not found").is_visible()
    assert_accessible(page)
    assert_no_horizontal_scroll(page)


@pytest.mark.parametrize("width", [375, 1280])
def test_refusal_page_in_chromium(browse, partner, width):
    page = browse(partner, width=width, path="/")

    assert page.get_by_role("heading", name="You cannot open this page").is_visible()
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
