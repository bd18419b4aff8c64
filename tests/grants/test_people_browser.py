"""The agencies and people pages, and the invitation link, in Chromium with axe-core."""

import re

import pytest

from grants.services.agencies import key_worker_set
from people.roles import Role
from tests.browser import assert_accessible, assert_no_horizontal_scroll
from tests.conftest import make_user
from tests.tasks import run_tasks

pytestmark = pytest.mark.browser


def check(page):
    assert_accessible(page)
    assert_no_horizontal_scroll(page)


@pytest.mark.parametrize("width", [375, 1280])
def test_a_manager_adds_an_agency_and_invites_a_key_worker(browse, width, manager, mailoutbox):
    page = browse(manager, width=width, path="/grants/agencies/")
    check(page)
    page.get_by_label("Agency name").fill("Aspire")
    page.get_by_role("button", name="Add the agency").click()
    page.wait_for_url("**/grants/agencies/")
    assert "Aspire is added." in page.inner_text("main")
    check(page)
    page.get_by_role("link", name="Aspire").click()
    page.wait_for_url("**/grants/agencies/*/")
    check(page)

    page.goto("/grants/people/")
    check(page)
    page.get_by_label("E-mail address").fill("kit.new@example.org")
    page.get_by_label("Role").select_option("Key worker")
    page.get_by_label("Agency (key workers only)").select_option(label="Aspire")
    page.get_by_role("button", name="Send the invitation").click()
    page.wait_for_url("**/grants/people/")
    assert "An invitation is on its way to kit.new@example.org." in page.inner_text("main")

    run_tasks()  # the worker sends what the page queued
    (message,) = mailoutbox
    link = re.search(r"https?://\S+/people/invitation/\S+/", message.body).group(0)
    invited = browse(width=width, path=link)
    check(invited)
    invited.get_by_label("Choose a password").fill("a-long-new-password-for-kit")
    invited.get_by_label("Type the password again").fill("a-long-new-password-for-kit")
    invited.get_by_role("button", name="Set password and continue").click()
    invited.wait_for_url("**/accounts/2fa/totp/activate/")


@pytest.mark.parametrize("width", [375, 1280])
def test_a_manager_sees_a_key_worker_and_their_history(browse, width, manager):
    from grants.services.agencies import agency_create

    agency = agency_create(actor=manager, name="Riverside")
    kim = make_user("kim.keyworker", Role.KEY_WORKER)
    kate = make_user("kate.keyworker", Role.KEY_WORKER)
    key_worker_set(actor=manager, user=kim, agency=agency)
    key_worker_set(actor=manager, user=kate, agency=agency)
    page = browse(manager, width=width, path=f"/grants/people/{kim.pk}/")
    check(page)
    page.get_by_label("Pass their open requests to").select_option(label="kate.keyworker")
    page.get_by_role("button", name="Deactivate kim.keyworker").click()
    page.wait_for_url(f"**/grants/people/{kim.pk}/")
    assert "kim.keyworker is deactivated and signed out." in page.inner_text("main")
    check(page)
