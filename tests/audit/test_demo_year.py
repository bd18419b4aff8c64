"""seed_demo's year in Doncaster, run as on 7 Dec 2026: backdated through the demo clock,
with the figures a person trying the demo sees written out.

(How long the seed takes is measured by hand and stated in README, never in a test.)
"""

import csv
import io
import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db.models import Sum
from django.urls import reverse
from djmoney.money import Money

from audit.period_close import lock_history
from banking.models import Reconciliation
from donations.models import (
    GasdsClaim,
    GiftAidClaim,
    StripeBalanceCheck,
    Tap,
    TapImport,
    TapPayout,
    TapTerminal,
)
from donations.models.contributions import ContributionReceipt, Pledge
from fund.models import Entry, Fund
from fund.money import gbp
from fund.verification import verify_ledger
from grants.models import Grant
from tests.fund.helpers import call_demo_command

TODAY = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


@pytest.fixture
def demo_year(db, capsys):
    with time_machine.travel(TODAY):
        call_demo_command("seed_demo")
        yield capsys.readouterr().out


def check_the_year_is_backdated_and_the_ledger_verifies():
    assert verify_ledger().ok
    first = Entry.objects.order_by("effective_date", "pk").first()
    last = Entry.objects.order_by("-effective_date", "-pk").first()
    # The first entry is a contactless tap on the year's first day, 8 Dec 2025.
    assert (first.effective_date, last.effective_date) == (date(2025, 12, 8), date(2026, 12, 3))
    # Decisions were made from an hour to four days after the request came in.
    hours = sorted(
        round((g.decided_at - g.submitted_at).total_seconds() / 3600, 1)
        for g in Grant.objects.filter(decided_at__isnull=False)
    )
    assert (hours[0], hours[-1], len(hours)) == (1.0, 98.0, 52)
    assert sum(h > 48 for h in hours) == 14


def check_the_dashboard_shows_real_decision_speeds_some_past_the_promise(client):
    client.force_login(get_user_model().objects.get(username="manager"))
    response = client.get(reverse("audit:dashboard_csv", args=["decision-speed"]))
    assert response.status_code == 200
    rows = {
        row["Month"]: (row["Decision, median"], row["Decision, 90th percentile"])
        for row in csv.DictReader(io.StringIO(response.content.decode()))
    }
    assert rows["Jan 2026"] == ("4.0", "52.0")
    assert rows["Mar 2026"] == ("36.7", "67.2")
    assert rows["Aug 2026"] == ("12.0", "78.0")
    assert rows["Nov 2026"] == ("5.0", "19.5")
    assert rows["Dec 2026"] == ("", "")

    page = client.get(reverse("audit:dashboard")).content.decode()
    table = page[page.index('data-testid="promise-months"') :]
    table = table[: table.index("</table>")]
    months = re.findall(
        r'header">(\w{3} \d{4})</th>\s*<td[^>]*>(\d+)</td>\s*<td[^>]*>(\d+)</td>\s*'
        r"<td[^>]*>([^<]+)</td>",
        table,
    )
    assert months == [
        ("Jan 2026", "5", "3", "60%"),
        ("Feb 2026", "4", "4", "100%"),
        ("Mar 2026", "4", "2", "50%"),
        ("Apr 2026", "5", "4", "80%"),
        ("May 2026", "4", "2", "50%"),
        ("Jun 2026", "4", "3", "75%"),
        ("Jul 2026", "4", "3", "75%"),
        ("Aug 2026", "5", "3", "60%"),
        ("Sep 2026", "4", "3", "75%"),
        ("Oct 2026", "5", "4", "80%"),
        ("Nov 2026", "8", "7", "88%"),
        ("Dec 2026", "0", "0", "none decided"),
    ]


def check_gift_aid_repaid_gasds_paid_contribution_received_months_reconciled_and_locked():
    claim = GiftAidClaim.objects.get(date_to=date(2026, 4, 5))
    assert (claim.date_from, claim.total, claim.tax) == (
        date(2025, 12, 8),
        Money("125.00", "GBP"),
        Money("31.25", "GBP"),
    )
    assert (claim.repayment.amount, claim.repayment.received_on) == (
        Money("31.25", "GBP"),
        date(2026, 5, 25),
    )
    # The second claim (6 Apr to 31 Oct 2026) was made on 10 Nov and is not yet repaid.
    waiting = GiftAidClaim.objects.get(date_from=date(2026, 4, 6))
    assert (waiting.date_to, waiting.tax) == (date(2026, 10, 31), Money("46.25", "GBP"))
    assert not hasattr(waiting, "repayment") or waiting.repayment is None

    # GASDS 2025/26: box cash far above £1,250, so the matching rule (ten times the £125 of
    # Gift Aid donations claimed that year) sets the small donations; 25% of it is paid.
    gasds = GasdsClaim.objects.get()
    assert (gasds.tax_year_start, gasds.small_donations, gasds.top_up) == (
        date(2025, 4, 6),
        Money("1250.00", "GBP"),
        Money("312.50", "GBP"),
    )
    assert (gasds.paid_on, gasds.paid_amount) == (date(2026, 6, 2), Money("312.50", "GBP"))

    pledge = Pledge.objects.get()
    assert (pledge.reference, pledge.amount, pledge.fund.code, pledge.fund.kind) == (
        "RSI-2026-27",
        Money("15000.00", "GBP"),
        "rough-sleepers-2026-27",
        Fund.Kind.RESTRICTED,
    )
    receipt = ContributionReceipt.objects.get()
    assert (receipt.amount, receipt.received_on, receipt.entry.effective_date) == (
        Money("15000.00", "GBP"),
        date(2026, 4, 14),
        date(2026, 4, 14),
    )

    assert [(r.as_of, r.difference) for r in Reconciliation.objects.order_by("as_of")] == [
        (date(2025, 12, 31), Money("0.00", "GBP")),
        (date(2026, 1, 31), Money("0.00", "GBP")),
        (date(2026, 2, 28), Money("0.00", "GBP")),
        (date(2026, 3, 31), Money("0.00", "GBP")),
        (date(2026, 4, 30), Money("0.00", "GBP")),
        (date(2026, 5, 31), Money("0.00", "GBP")),
        (date(2026, 6, 30), Money("0.00", "GBP")),
        (date(2026, 7, 31), Money("0.00", "GBP")),
        (date(2026, 8, 31), Money("0.00", "GBP")),
        (date(2026, 9, 30), Money("0.00", "GBP")),
        (date(2026, 10, 31), Money("0.00", "GBP")),
        (date(2026, 11, 30), Money("0.00", "GBP")),
    ]
    assert dict(Fund.objects.values_list("code", "lock_date")) == {
        "public": date(2026, 10, 31),
        "rough-sleepers-2026-27": date(2026, 10, 31),
    }


def check_stripe_checked_each_month_end_and_months_close_with_a_reason_only_when_open():
    assert [(c.checked_on, c.difference) for c in StripeBalanceCheck.objects.order_by("pk")] == [
        (date(2025, 12, 31), Money("0.00", "GBP")),
        (date(2026, 1, 31), Money("0.00", "GBP")),
        (date(2026, 2, 28), Money("0.00", "GBP")),
        (date(2026, 3, 31), Money("0.00", "GBP")),
        (date(2026, 4, 30), Money("0.00", "GBP")),
        (date(2026, 5, 31), Money("0.00", "GBP")),
        (date(2026, 6, 30), Money("0.00", "GBP")),
        (date(2026, 7, 31), Money("0.00", "GBP")),
        (date(2026, 8, 31), Money("0.00", "GBP")),
        (date(2026, 9, 30), Money("0.00", "GBP")),
        (date(2026, 10, 31), Money("0.00", "GBP")),
        (date(2026, 11, 30), Money("0.00", "GBP")),
    ]
    gift_aid = "Gift Aid is claimed twice a year."
    public = [(r["lock_date"], r["reason"]) for r in lock_history(Fund.objects.get(code="public"))]
    assert public[::-1] == [
        (date(2025, 12, 31), gift_aid),
        (
            date(2026, 1, 31),
            f"A credit in suspense at the month's end, cleared once explained. {gift_aid}",
        ),
        (date(2026, 2, 28), gift_aid),
        (date(2026, 3, 31), f"The last round's cash was banked the next working day. {gift_aid}"),
        (date(2026, 4, 30), gift_aid),
        (date(2026, 5, 31), gift_aid),
        (date(2026, 6, 30), gift_aid),
        (date(2026, 7, 31), gift_aid),
        (date(2026, 8, 31), gift_aid),
        (date(2026, 9, 30), gift_aid),
        (date(2026, 10, 31), ""),
    ]
    restricted = Fund.objects.get(code="rough-sleepers-2026-27")
    assert [r["reason"] for r in lock_history(restricted)] == [""] * 9


def _sums(taps) -> tuple[Money, Money]:
    totals = taps.aggregate(total=Sum("amount"), fees=Sum("fee"))
    return gbp(totals["total"]), gbp(totals["fees"])


def check_the_tap_terminals_and_a_year_of_sumup_reports():
    assert list(
        TapTerminal.objects.order_by("terminal_id").values_list(
            "point__box_number", "provider", "terminal_id"
        )
    ) == [
        ("B001", "SumUp", "SU-DN1-001"),
        ("B002", "SumUp", "SU-DN1-002"),
        ("B005", "SumUp", "SU-DN1-003"),
        ("B009", "SumUp", "SU-DN1-004"),
    ]
    # A report every fortnight, 1-15 Dec 2025 to 16-30 Nov 2026, each imported the next day.
    assert TapImport.objects.count() == 24
    assert set(TapImport.objects.values_list("layout", flat=True)) == {"standard"}
    assert Tap.objects.count() == 716
    assert _sums(Tap.objects) == (Money("3430.50", "GBP"), Money("56.09", "GBP"))
    assert Tap.objects.filter(amount__gt=30).count() == 7
    assert Tap.objects.filter(amount__lt=2).count() == 0
    november = Tap.objects.filter(tapped_at__date__range=(date(2026, 11, 1), date(2026, 11, 30)))
    assert november.count() == 68
    assert _sums(november) == (Money("297.50", "GBP"), Money("4.86", "GBP"))
    october = TapPayout.objects.get(payout_id="PO-20261015")
    assert (october.gross, october.fees, october.net, october.paid_on) == (
        Money("210.50", "GBP"),
        Money("3.45", "GBP"),
        Money("207.05", "GBP"),
        date(2026, 10, 19),
    )
    # Paid on 2 Dec: December's statement is not in yet, so it awaits the bank.
    assert list(
        TapPayout.objects.filter(paid_on__isnull=True).values_list("payout_id", flat=True)
    ) == ["PO-20261130"]
    assert TapPayout.objects.filter(paid_on__isnull=False).count() == 23


def check_the_logins_come_last(output):
    lines = output.rstrip("\n").splitlines()
    assert lines[-1] == "Password for every demo account: changing-lives-demo"
    assert lines[-10] == "Demo data ready. Sign in at http://127.0.0.1:8000/accounts/login/ as:"
    assert lines[-9].split() == [
        "keyworker",
        "Key",
        "worker,",
        "Complex",
        "Lives",
        "Team",
        "(Doncaster",
        "Council)",
    ]
    assert lines[-2].split() == ["admin", "Administrator"]
    assert len(lines) == 15


def test_the_demo_year(demo_year, client):
    # One seed for every check: seeding a year is the slow part.
    check_the_year_is_backdated_and_the_ledger_verifies()
    check_the_dashboard_shows_real_decision_speeds_some_past_the_promise(client)
    check_gift_aid_repaid_gasds_paid_contribution_received_months_reconciled_and_locked()
    check_stripe_checked_each_month_end_and_months_close_with_a_reason_only_when_open()
    check_the_tap_terminals_and_a_year_of_sumup_reports()
    check_the_logins_come_last(demo_year)
