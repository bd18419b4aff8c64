"""PDF statements: their text extracted with pypdf and the totals checked against the ledger."""

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum
from pypdf import PdfReader

from audit.exports.kinds import export_write
from audit.exports.params import ExportParams
from donations.demo.cash import cash_timeline
from donations.models import Collection, Deposit
from fund.models import Fund
from fund.selectors import chain_head, trial_balance
from tests.audit.helpers import app_net_by_account
from tests.fund.helpers import gbp, seed_demo_part


def statement(user, kind, **params) -> tuple[str, object]:
    stream = io.BytesIO()
    manifest = export_write(
        actor=user,
        actor_name=user.username,
        kind=kind,
        file_format="pdf",
        params=ExportParams(**params),
        stream=stream,
    )
    reader = PdfReader(io.BytesIO(stream.getvalue()))
    return "\n".join(page.extract_text() for page in reader.pages), manifest


def amount_after(text: str, label: str) -> Decimal:
    match = re.search(re.escape(label) + r"\s*\n?(-?)£([\d,]+\.\d\d)", text)
    assert match, f"{label!r} not found"
    return Decimal(match.group(1) + match.group(2).replace(",", ""))


def test_trial_balance_totals_equal_the_ledger_and_balance(auditor, ledger):
    text, manifest = statement(auditor, "trial_balance")

    debit = sum((r.net_debit.amount for r in trial_balance() if r.net_debit.amount > 0), Decimal(0))
    match = re.search(r"Total\s*\n£([\d,]+\.\d\d)\s*\n£([\d,]+\.\d\d)", text)
    assert match
    assert Decimal(match.group(1).replace(",", "")) == debit == Decimal("15109.37")
    assert match.group(1) == match.group(2)
    assert "£15,014.37" in text  # the bank balance on its own line


def test_every_page_has_the_header_page_number_generated_time_and_chain_head(auditor, ledger):
    text, manifest = statement(auditor, "trial_balance")
    head = chain_head()
    assert "Changing Lives Fund: Trial balance" in text
    assert "All funds, the start to today" in text
    assert "Page 1 of 1" in text
    assert re.search(r"Generated \d{2} \w{3} \d{4} \d{2}:\d{2}", text)
    assert f"Ledger chain head: transfer {head.sequence}, hash {head.hash}" in text
    assert manifest.chain_head_sequence == head.sequence


def test_trial_balance_as_at_a_date_for_one_fund(auditor, ledger, restricted_fund):
    text, _ = statement(auditor, "trial_balance", fund=restricted_fund, date_to=date(2026, 6, 1))
    assert "Rough sleepers grant 2026/27, the start to 2026-06-01" in text
    match = re.search(r"Total\s*\n£([\d,]+\.\d\d)\s*\n£([\d,]+\.\d\d)", text)
    assert match.groups() == (
        "15,070.00",
        "15,070.00",
    )  # bank and phone grant v. income and payable


def test_fund_statement_runs_from_opening_to_closing_balance(auditor, ledger, public_fund):
    text, _ = statement(
        auditor,
        "fund_statement",
        fund=public_fund,
        date_from=date(2026, 5, 3),
        date_to=date(2026, 6, 30),
    )

    assert amount_after(text, "Opening balance") == Decimal("84.37")  # the box counted on 2 May
    assert amount_after(text, "Donations: online") == Decimal("25.00")
    assert amount_after(text, "Total income") == Decimal("25.00")
    assert amount_after(text, "Total grants") == Decimal("0.00")  # G-2 approved, then withdrawn
    assert amount_after(text, "Payment processing fees") == Decimal("0.58")
    assert amount_after(text, "Total fees and other costs") == Decimal("0.58")
    assert amount_after(text, "Closing balance") == Decimal("108.79")
    assert amount_after(text, "Net assets") == Decimal("108.79")


def test_fund_statement_closing_balance_equals_the_funds_net_assets(
    auditor, ledger, restricted_fund
):
    text, _ = statement(auditor, "fund_statement", fund=restricted_fund)
    net_assets = sum(
        (
            r.net_debit.amount
            for r in trial_balance(restricted_fund)
            if r.account.type in ("asset", "liability")
        ),
        Decimal(0),
    )
    assert amount_after(text, "Opening balance") == Decimal("0.00")
    assert amount_after(text, "Contributions from services and funders") == Decimal("15000.00")
    assert amount_after(text, "Grants: phone") == Decimal("70.00")
    assert amount_after(text, "Closing balance") == net_assets == Decimal("14930.00")


@pytest.fixture
def cash(public_fund):
    """The demo year's collections and deposits."""
    seed_demo_part(cash_timeline)
    return Fund.objects.get(code="public")


def test_collection_reconciliation_totals_match_the_records_and_the_ledger(auditor, cash):
    text, manifest = statement(auditor, "collection_reconciliation", fund=cash)

    counted = Collection.objects.filter(status__in=["confirmed", "banked"]).aggregate(
        t=Sum("amount")
    )["t"]
    banked = Deposit.objects.aggregate(t=Sum("amount_banked"))["t"]
    deposits_counted = Deposit.objects.aggregate(t=Sum("counted_total"))["t"]
    match = re.search(r"Total\s*\n(\d+)\s*\n£([\d,.]+)\s*\n£([\d,.]+)\s*\n£([\d,.]+)", text)
    assert match and int(match.group(1)) == Collection.objects.count()
    assert Decimal(match.group(2).replace(",", "")) == counted
    deposits = re.search(r"Total\s*\n£([\d,.]+)\s*\n£([\d,.]+)\s*\n(-?)£([\d,.]+)", text)
    assert Decimal(deposits.group(1).replace(",", "")) == deposits_counted
    assert Decimal(deposits.group(2).replace(",", "")) == banked
    assert (
        amount_after(text, "Donations: collection boxes (income)")
        == counted
        == (-Decimal(app_net_by_account(cash)["income:donations:boxes"]))
    )
    checked = Deposit.objects.filter(status="checked")
    assert amount_after(text, "Cash differences (net cost)") == sum(
        (d.counted_total.amount - d.amount_banked.amount for d in checked), Decimal(0)
    )
    assert "B001" in text and "PI-000101" in text
    assert manifest.kind == "collection_reconciliation"


def test_long_statements_run_over_numbered_pages_each_with_its_header(
    auditor, manager, public_fund
):
    from django.utils import timezone

    from donations.services.cash import collection_point_create, collection_record

    for n in range(70):
        point = collection_point_create(
            actor=manager,
            host_name=f"Host {n}",
            address="Somewhere",
            box_number=f"X{n:03d}",
            seal=f"S-X{n:03d}",
            opened_on=date(2026, 4, 1),
            fund=public_fund,
        )
        collection_record(
            actor=manager,
            point=point,
            emptied_at=timezone.now(),
            seal_removed=f"S-X{n:03d}",
            seal_fitted=f"S-Y{n:03d}",
            amount=gbp("1.00"),
        )

    stream = io.BytesIO()
    export_write(
        actor=auditor,
        actor_name=auditor.username,
        kind="collection_reconciliation",
        file_format="pdf",
        params=ExportParams(fund=public_fund),
        stream=stream,
    )
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(stream.getvalue())).pages]

    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text
        assert "Changing Lives Fund: Collection reconciliation" in text
        assert "Ledger chain head: transfer" in text
    assert "Awaiting count" in pages[1]  # the table's header row repeats
    assert "£70.00" in pages[-1] or "£70.00" in "".join(pages)
