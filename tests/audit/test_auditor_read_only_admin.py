"""The auditor sees the admin read-only: every registered model, no add, change or delete."""

import io
from datetime import date

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from audit.exports.kinds import export_write
from audit.exports.params import ExportParams
from fund.services.period_locks import fund_lock_period
from tests.fund.helpers import call_demo_command

BUSINESS_APPS = {"fund", "donations", "grants", "audit"}
REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


@pytest.fixture
def everything(staff_auditor):
    """A row in every admin model: the demo's year, seeded on an empty ledger (it has online
    gifts, Gift Aid claims, Stripe payouts, bank statements, taps and closed months), and an
    export's manifest."""
    call_demo_command("seed_demo", stdout=io.StringIO())
    export_write(
        actor=staff_auditor,
        actor_name=staff_auditor.username,
        kind="ledger",
        file_format="csv",
        params=ExportParams(),
        stream=io.BytesIO(),
    )


def url(model, action, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


def _walk(client, staff_auditor, model, model_admin) -> None:
    request = RequestFactory().get("/admin/")
    request.user = staff_auditor
    obj = model._default_manager.order_by("pk").first()
    count = model._default_manager.count()
    client.force_login(staff_auditor)

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, obj)
    assert not model_admin.has_delete_permission(request, obj)

    changelist = client.get(url(model, "changelist"))
    if model._meta.app_label in BUSINESS_APPS:
        assert changelist.status_code == 200  # the auditor reads everything
    else:
        assert changelist.status_code in (200, 403)
    assert client.get(url(model, "add")).status_code == 403
    assert client.post(url(model, "add"), {}).status_code == 403

    if obj is not None:
        assert client.post(url(model, "change", obj.pk), {}).status_code == 403
        assert client.get(url(model, "delete", obj.pk)).status_code == 403
        assert client.post(url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
        client.post(
            url(model, "changelist"),
            {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
        )
        if changelist.status_code == 200:
            page = client.get(url(model, "change", obj.pk))
            assert page.status_code == 200
            assert b'name="_save"' not in page.content
        if isinstance(model_admin, SimpleHistoryAdmin):
            history = getattr(obj, "history", None)  # an admin may outlive its model's history
            record = history.order_by("history_id").first() if history is not None else None
            if record is not None:
                revert = url(model, "simple_history", obj.pk, record.history_id)
                assert client.post(revert, {}).status_code == 403

    assert model._default_manager.count() == count


def test_admin_refuses_the_auditor_every_add_change_and_delete(client, staff_auditor, everything):
    """Every registered model walked over one seeded demo (a year takes a while to seed)."""
    # The walk proves something only where there is a row to try to change.
    empty = [
        model._meta.label
        for model, _ in REGISTERED
        if model._meta.app_label in BUSINESS_APPS and not model._default_manager.exists()
    ]
    assert empty == []
    walked = []
    for model, model_admin in REGISTERED:
        try:
            _walk(client, staff_auditor, model, model_admin)
        except AssertionError as failed:
            raise AssertionError(f"{model._meta.label}: {failed}") from failed
        walked.append(model._meta.label)
    assert len(walked) == len(REGISTERED) == 28


def test_auditor_cannot_revert_a_fund_through_the_history_form(
    client, staff_auditor, manager, public_fund
):
    """simple-history's history form saves for anyone who may view history; ours refuses."""
    fund_lock_period(actor=manager, fund=public_fund, lock_date=date(2026, 3, 31))
    before_lock = public_fund.history.order_by("history_id").first()
    client.force_login(staff_auditor)

    response = client.post(
        reverse("admin:fund_fund_simple_history", args=[public_fund.pk, before_lock.history_id]),
        {
            "code": "public",
            "name": "Public donations",
            "kind": "unrestricted",
            "purpose": "",
            "funder": "",
            "lock_date": "",
            "is_active": "on",
        },
    )

    assert response.status_code == 403
    public_fund.refresh_from_db()
    assert public_fund.lock_date == date(2026, 3, 31)
    assert public_fund.history.count() == 2
