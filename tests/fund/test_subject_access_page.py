import pytest

from tests.browser import assert_accessible, assert_no_horizontal_scroll


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1280])
def test_subject_access_page_in_chromium(browse, officer, width):
    page = browse(officer, width=width, path="/subject-access/")
    page.get_by_role("button", name="Download the file").click()

    assert page.get_by_text("There is a problem").is_visible()
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
