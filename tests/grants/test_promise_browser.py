"""The decision-times page and the queue's promise tags in Chromium, with axe-core."""

import pytest

from tests.browser import assert_accessible, assert_no_horizontal_scroll
from tests.grants.conftest import make_grant

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [375, 1280])
def test_the_decision_times_page_and_the_queue(browse, width, manager, kw, funded):
    grant = make_grant(kw)
    page = browse(manager, width=width, path="/grants/decisions/")
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    assert "Any fund officer" in page.get_by_test_id("waiting").inner_text()
    page.goto("/grants/queue/")
    assert "hours left" in page.get_by_test_id(f"promise-{grant.pk}").inner_text()
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
