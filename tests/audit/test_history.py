"""Every change to a business record keeps its history, and an auditor can read who did it."""

from django.urls import reverse

from fund.services.funds import fund_rules_update
from tests.fund.helpers import gbp


def test_auditor_sees_a_changed_field_and_its_actor_in_the_history(
    client, manager, staff_auditor, public_fund
):
    rules = fund_rules_update(actor=manager, fund=public_fund, two_approver_threshold=gbp("150.00"))
    client.force_login(staff_auditor)

    page = client.get(reverse("admin:fund_fundrules_history", args=[rules.pk]))

    assert page.status_code == 200
    text = page.content.decode()
    assert manager.username in text
    assert "two approver threshold" in text.lower()
    latest, earlier = rules.history.all()[:2]
    assert latest.history_user == manager
    assert latest.two_approver_threshold == gbp("150.00")
    assert earlier.two_approver_threshold == gbp("100.00")


def test_a_grants_history_shows_its_approval_entry_arriving_not_a_deleted_entry(
    client, manager, officer, key_worker, staff_auditor, public_fund
):
    from grants.services.agencies import agency_create, key_worker_set
    from grants.services.decisions import grant_approve
    from tests.fund.helpers import post
    from tests.grants.conftest import make_grant

    key_worker_set(actor=manager, user=key_worker, agency=agency_create(actor=manager, name="A"))
    post(manager, public_fund, "assets:bank", "income:donations:online", "100.00")
    grant = grant_approve(actor=officer, grant=make_grant(key_worker))
    client.force_login(staff_auditor)

    page = client.get(reverse("admin:grants_grant_history", args=[grant.pk]))

    assert page.status_code == 200
    text = page.content.decode()
    assert "approval entry" in text.lower()
    assert "Deleted entry" not in text
    assert "pk=None" not in text
