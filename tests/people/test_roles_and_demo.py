from datetime import UTC, datetime

import time_machine
from django.contrib.auth.models import Group

from fund.models import Entry, Fund
from fund.selectors import available_in_fund
from fund.verification import verify_ledger
from people.roles import Role
from tests.fund.helpers import call_demo_command, seed_demo_part


def test_every_role_is_a_group(db):
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}


def test_auditor_can_view_but_never_add_change_or_delete(db):
    codenames = set(
        Group.objects.get(name=Role.AUDITOR.value).permissions.values_list("codename", flat=True)
    )
    assert "view_transfer" in codenames
    assert "view_fund" in codenames
    assert not [c for c in codenames if c.split("_")[0] in {"add", "change", "delete"}]


def test_nobody_holds_permission_to_change_ledger_rows(db):
    for group in Group.objects.all():
        codenames = set(group.permissions.values_list("codename", flat=True))
        assert not codenames & {
            "change_transfer",
            "delete_transfer",
            "change_entry",
            "delete_entry",
            "add_transfer",
            "add_entry",
        }, group.name


def test_seed_demo_is_idempotent_and_prints_the_logins(db, capsys):
    # The restricted fund is the financial year's of the day the demo runs: 2026/27 here.
    with time_machine.travel(datetime(2026, 12, 7, 12, 0, tzinfo=UTC)):
        call_demo_command("seed_demo")
        first = capsys.readouterr().out
        entries = Entry.objects.count()
        call_demo_command("seed_demo")
        capsys.readouterr()

    assert Entry.objects.count() == entries > 0
    assert "officer" in first and "changing-lives-demo" in first
    assert Fund.objects.get(code="rough-sleepers-2026-27").kind == Fund.Kind.RESTRICTED
    assert available_in_fund(Fund.objects.get(code="rough-sleepers-2026-27")).amount > 0
    assert verify_ledger().ok


def test_demo_auditor_can_read_the_admin_but_not_change_it(client, db):
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    seed_demo_part()  # the demo's accounts and public fund, without its year
    auditor = get_user_model().objects.get(username="auditor")
    client.force_login(auditor)

    assert client.get(reverse("admin:fund_fund_changelist")).status_code == 200
    fund = Fund.objects.get(code="public")
    assert client.get(reverse("admin:fund_fund_change", args=[fund.pk])).status_code == 200
    assert (
        client.post(reverse("admin:fund_fund_change", args=[fund.pk]), {"name": "X"}).status_code
        == 403
    )
    assert Fund.objects.get(code="public").name == "Public donations"
