"""Agencies and people through the fund manager's pages: invitations, roles, deactivation."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from grants.models import Agency, Grant, KeyWorker
from people.models import Invitation, PersonChange
from people.roles import Role
from tests.conftest import make_user
from tests.grants.conftest import make_grant
from tests.tasks import run_tasks

pytestmark = pytest.mark.django_db
User = get_user_model()
NEW_PASSWORD = "a-long-new-password-for-kit"


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def invite(manager, mailoutbox, django_capture_on_commit_callbacks):
    def send(email="kit.new@example.org", role="Key worker", agency=None):
        with django_capture_on_commit_callbacks(execute=True):
            response = signed_in(manager).post(
                "/grants/people/",
                {"email": email, "role": role, "agency": agency.pk if agency else ""},
            )
        assert response.status_code == 302, response.content.decode()
        run_tasks()  # the worker sends what the request queued
        (message,) = [m for m in mailoutbox if email in m.to]
        return re.search(r"https?://\S+/people/invitation/(\S+)/", message.body).group(0)

    return send


def test_agencies_are_added_and_edited_with_their_history(manager):
    client = signed_in(manager)
    response = client.post("/grants/agencies/", {"name": "St Leger Homes", "is_active": "on"})
    assert response.status_code == 302
    agency = Agency.objects.get(name="St Leger Homes")
    assert agency.is_active

    response = client.post(f"/grants/agencies/{agency.pk}/", {"name": "St Leger Homes Ltd"})
    assert response.status_code == 302
    agency.refresh_from_db()
    assert (agency.name, agency.is_active) == ("St Leger Homes Ltd", False)
    page = client.get(f"/grants/agencies/{agency.pk}/").content.decode()
    assert "by maya.manager: changed, “St Leger Homes Ltd”, not taking requests" in page
    assert "by maya.manager: created, “St Leger Homes”, active" in page

    # A second agency of the same name is refused on the page.
    response = client.post("/grants/agencies/", {"name": "St Leger Homes Ltd"})
    assert response.status_code == 400
    assert Agency.objects.count() == 1


def test_an_invited_key_worker_sets_a_password_then_must_enrol_an_authenticator(
    manager, agency, invite
):
    link = invite(agency=agency)
    user = User.objects.get(email="kit.new@example.org")
    assert not user.has_usable_password()
    assert KeyWorker.objects.get(user=user).agency == agency
    assert set(user.groups.values_list("name", flat=True)) == {"Key worker"}

    browser = Client()
    assert browser.get(link).status_code == 200
    response = browser.post(link, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    # Signed in, but nothing else opens before an authenticator is set up.
    response = browser.get("/grants/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)

    # The link works once.
    assert Client().get(link).status_code == 404
    response = Client().post(
        link, {"password": "another-long-password", "password_again": "another-long-password"}
    )
    assert response.status_code == 404
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)

    kinds = list(
        PersonChange.objects.filter(person=user)
        .order_by("pk")
        .values_list("kind", "actor__username")
    )
    assert kinds == [("invited", "maya.manager"), ("accepted", user.username)]


def test_an_invitation_lapses_after_seven_days(manager, invite):
    link = invite(email="sue.staff@example.org", role="Fund officer")
    invitation = Invitation.objects.get()
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)

    just_before = invitation.created_at + timedelta(days=7, seconds=-60)
    with mock.patch("django.utils.timezone.now", return_value=just_before):
        assert Client().get(link).status_code == 200
    just_after = invitation.created_at + timedelta(days=7, seconds=60)
    with mock.patch("django.utils.timezone.now", return_value=just_after):
        assert Client().get(link).status_code == 404
        response = Client().post(link, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
        assert response.status_code == 404
    assert not User.objects.get(email="sue.staff@example.org").has_usable_password()


def test_a_key_worker_invitation_needs_an_agency(manager, mailoutbox):
    response = signed_in(manager).post(
        "/grants/people/", {"email": "kit.new@example.org", "role": "Key worker"}
    )
    assert response.status_code == 400
    assert "Choose the agency the key worker works for." in response.content.decode()
    assert not User.objects.filter(email="kit.new@example.org").exists()
    run_tasks()
    assert mailoutbox == []


def test_nobody_changes_their_own_role(manager, officer):
    client = signed_in(manager)
    response = client.post(f"/grants/people/{manager.pk}/role/", {"role": "Auditor"})
    assert response.status_code == 400
    assert "Nobody changes the role of their own account" in response.content.decode()
    assert set(manager.groups.values_list("name", flat=True)) == {"Fund manager"}

    # Another person's role changes, in the history with who did it.
    response = client.post(f"/grants/people/{officer.pk}/role/", {"role": "Auditor"})
    assert response.status_code == 302
    assert set(officer.groups.values_list("name", flat=True)) == {"Auditor"}
    page = client.get(f"/grants/people/{officer.pk}/").content.decode()
    assert "by maya.manager: Role changed (from Fund officer to Auditor)" in page

    # A second manager may change the first one's role.
    other = make_user("mo.manager", Role.FUND_MANAGER)
    response = signed_in(other).post(f"/grants/people/{manager.pk}/role/", {"role": "Auditor"})
    assert response.status_code == 302
    assert set(manager.groups.values_list("name", flat=True)) == {"Auditor"}


def test_only_a_fund_manager_changes_roles(officer, officer2):
    response = signed_in(officer).post(
        f"/grants/people/{officer2.pk}/role/", {"role": "Fund manager"}
    )
    assert response.status_code == 403
    assert set(officer2.groups.values_list("name", flat=True)) == {"Fund officer"}


def test_deactivating_a_key_worker_ends_sessions_and_passes_open_requests_on(
    manager, kw, colleague, kw2, funded
):
    open_grant = make_grant(kw)
    draft = make_grant(kw, client="CLT-0043", submit=False)
    withdrawn = make_grant(kw, client="CLT-0044", submit=False)
    Grant.objects.filter(pk=withdrawn.pk).update(status=Grant.Status.WITHDRAWN)
    session = signed_in(kw)
    assert session.get("/grants/").status_code == 200

    client = signed_in(manager)
    page = client.get(f"/grants/people/{kw.pk}/").content.decode()
    assert "They have 2 open requests." in page
    # Only key workers of the same agency are offered, and another agency's is refused.
    assert "kate.keyworker" in page and "ken.keyworker" not in page
    response = client.post(f"/grants/people/{kw.pk}/deactivate/", {"successor": kw2.pk})
    assert response.status_code == 400
    kw.refresh_from_db()
    assert kw.is_active
    response = client.post(f"/grants/people/{kw.pk}/deactivate/", {})
    assert response.status_code == 400
    assert "Choose the key worker who takes over the open requests." in response.content.decode()

    response = client.post(f"/grants/people/{kw.pk}/deactivate/", {"successor": colleague.pk})
    assert response.status_code == 302
    kw.refresh_from_db()
    assert not kw.is_active
    assert {g.pk: g.requester.username for g in Grant.objects.all()} == {
        open_grant.pk: "kate.keyworker",
        draft.pk: "kate.keyworker",
        withdrawn.pk: "kim.keyworker",
    }
    # The key worker's session is over: the next page sends them to sign in.
    response = session.get("/grants/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    # The colleague now sees the passed-on requests.
    assert open_grant.reference in signed_in(colleague).get("/grants/").content.decode()
    page = client.get(f"/grants/people/{kw.pk}/").content.decode()
    assert "by maya.manager: Deactivated" in page
    assert "by maya.manager: Open requests passed on (2 open request(s) to kate.keyworker)" in page


def test_nobody_deactivates_themselves(manager):
    response = signed_in(manager).post(f"/grants/people/{manager.pk}/deactivate/", {})
    assert response.status_code == 400
    manager.refresh_from_db()
    assert manager.is_active


def test_invited_then_reinvited_uses_only_the_newest_link(manager, mailoutbox, agency, invite):
    first = invite(email="kit.new@example.org", agency=agency)
    mailoutbox.clear()
    second = invite(email="kit.new@example.org", agency=agency)
    assert Client().get(first).status_code == 404
    assert Client().get(second).status_code == 200
    assert (
        timezone.now() < Invitation.objects.filter(accepted_at=None).latest("created_at").expires_at
    )
