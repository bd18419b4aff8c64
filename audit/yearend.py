"""The year-end pack: one ZIP, with its own manifest, of the year's accounts as PDF and ODS.

The receipts and payments account follows the Charity Commission's CC16a layout: Section A
(A1 receipts, A3 payments, A5 transfers between funds, A6 cash funds at the start and end
of the year) with unrestricted, restricted and endowment funds in separate columns and a
total, and Section B, the statement of assets and liabilities at the year end (B1 cash
funds, B2 other monetary assets, B5 liabilities). It is cash-basis: every figure comes
from ledger transfers that touch a liquid account (bank, Stripe balance, cash in transit),
classed by the account on the other side; moves between two liquid accounts (a deposit, a
payout) are not receipts or payments. Refunds net off the receipts they give back.

Each report is built once as plain rows, then written both as a PDF table and as an ODS
sheet, so the two always carry the same figures.
"""

import hashlib
import io
import json
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count
from django.utils import timezone
from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from audit import statements
from audit.exports.grants import grant_rows
from audit.exports.params import ExportParams
from audit.resources import GrantResource
from audit.selectors import account_totals
from audit.services import manifest_record
from donations.services.giftaid import accounting_period_end
from fund.models import Account, Fund, Transfer
from fund.money import format_gbp
from fund.selectors import chain_head
from fund.spreadsheets import write_ods

ZERO = Decimal("0.00")
COLUMNS = ("Unrestricted funds", "Restricted funds", "Endowment funds", "Total funds")

RECEIPT_LINES = {
    "income:donations:boxes": "Donations: collection boxes",
    "income:donations:contactless": "Donations: contactless taps",
    "income:donations:online": "Donations: online, less refunds",
    "income:contributions": "Contributions from services and funders",
    "income:gift-aid": "Gift Aid repaid by HMRC",
    "assets:gift-aid-receivable": "Gift Aid repaid by HMRC",
    "income:gasds": "GASDS top-up received",
    "assets:gasds-receivable": "GASDS top-up received",
}
PAYMENT_LINES = {
    "liabilities:grants-payable": "Grants to individuals",
    "expenses:fees": "Payment processing fees",
    "liabilities:gift-aid-overclaimed": "Gift Aid overclaimed, repaid to HMRC",
    "expenses:cash-differences": "Cash differences on banking",
}


# --- the financial year -----------------------------------------------------------------


def year_bounds(year_end: int) -> tuple[date, date]:
    """First and last day of the financial year ending in calendar year ``year_end``."""
    end = accounting_period_end(date(year_end, 1, 1))
    if end.year != year_end:  # a year end in the first days of January
        end = accounting_period_end(date(year_end - 1, 12, 31))
    previous = accounting_period_end(date(end.year - 1, end.month, end.day))
    return previous + timedelta(days=1), end


def year_choices(today: date | None = None) -> list[tuple[str, str]]:
    today = today or timezone.localdate()
    first = (
        Transfer.objects.order_by("entry__effective_date")
        .values_list("entry__effective_date", flat=True)
        .first()
        or today
    )
    last_end = accounting_period_end(today).year
    first_end = accounting_period_end(first).year
    choices = []
    for year in range(last_end, first_end - 1, -1):
        start, end = year_bounds(year)
        choices.append((str(year), f"{start:%-d %b %Y} to {end:%-d %b %Y}"))
    return choices


# --- a report as plain rows -------------------------------------------------------------


@dataclass
class Row:
    label: str
    values: tuple[Decimal, ...] | None = None  # None: a heading
    total: bool = False


@dataclass
class Report:
    title: str
    slug: str
    header: tuple[str, ...]
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, label: str, values=None, total: bool = False) -> None:
        self.rows.append(Row(label, tuple(values) if values is not None else None, total))


def _columns(by_kind: dict[str, Decimal]) -> tuple[Decimal, ...]:
    unrestricted = by_kind.get(Fund.Kind.UNRESTRICTED, ZERO)
    restricted = by_kind.get(Fund.Kind.RESTRICTED, ZERO)
    return (unrestricted, restricted, ZERO, unrestricted + restricted)


def _sum(rows: list[tuple[Decimal, ...]]) -> tuple[Decimal, ...]:
    return tuple(sum(col, ZERO) for col in zip(*rows, strict=True)) if rows else (ZERO,) * 4


# --- CC16a ------------------------------------------------------------------------------


def _liquid_by_kind(transfers) -> dict[str, Decimal]:
    """Net debit of the liquid accounts per fund kind over ``transfers``."""
    liquid = set(Account.objects.filter(liquid=True).values_list("pk", flat=True))
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for debit_id, credit_id, amount, kind in transfers.values_list(
        "debit_account_id", "credit_account_id", "amount", "fund__kind"
    ):
        if debit_id in liquid:
            totals[kind] += amount
        if credit_id in liquid:
            totals[kind] -= amount
    return totals


def cc16a_report(start: date, end: date, up_to_sequence: int) -> Report:
    accounts = {a.pk: a for a in Account.objects.all()}
    base = Transfer.objects.filter(sequence__lte=up_to_sequence)
    year = base.filter(entry__effective_date__gte=start, entry__effective_date__lte=end)
    multi_fund = set(
        year.values("entry_id")
        .order_by()
        .annotate(n=Count("fund", distinct=True))
        .filter(n__gt=1)
        .values_list("entry_id", flat=True)
    )
    receipts: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    payments: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    transfers: dict[str, Decimal] = defaultdict(Decimal)
    for entry_id, debit_id, credit_id, amount, kind in year.values_list(
        "entry_id", "debit_account_id", "credit_account_id", "amount", "fund__kind"
    ):
        debit, credit = accounts[debit_id], accounts[credit_id]
        if debit.liquid == credit.liquid:
            continue  # between two liquid accounts, or not touching cash at all
        into_cash = debit.liquid
        counter = credit if into_cash else debit
        signed = amount if into_cash else -amount
        if entry_id in multi_fund:
            transfers[kind] += signed
            continue
        if counter.type in (Account.Type.INCOME, Account.Type.ASSET):
            label = RECEIPT_LINES.get(counter.code, counter.name)
            receipts[label][kind] += signed
        else:
            label = PAYMENT_LINES.get(counter.code) or (
                "Grants to individuals" if counter.is_grant_category else counter.name
            )
            payments[label][kind] -= signed

    report = Report(
        "Receipts and payments account (CC16a)",
        "receipts-and-payments-cc16a",
        ("", *COLUMNS),
        notes=[
            f"For the period from {start:%-d %b %Y} to {end:%-d %b %Y}. Cash basis: "
            "money into and out of the bank, the Stripe balance and cash in transit.",
        ],
    )
    report.add("Section A Receipts and payments")
    report.add("A1 Receipts")
    receipt_rows = []
    for label in sorted(receipts):
        values = _columns(receipts[label])
        receipt_rows.append(values)
        report.add(label, values)
    total_receipts = _sum(receipt_rows)
    report.add("Sub total (gross income for AR)", total_receipts, total=True)
    report.add("A2 Asset and investment sales", (ZERO,) * 4)
    report.add("Total receipts", total_receipts, total=True)
    report.add("A3 Payments")
    payment_rows = []
    for label in sorted(payments):
        values = _columns(payments[label])
        payment_rows.append(values)
        report.add(label, values)
    total_payments = _sum(payment_rows)
    report.add("Sub total", total_payments, total=True)
    report.add("A4 Asset and investment purchases", (ZERO,) * 4)
    report.add("Total payments", total_payments, total=True)
    net = tuple(r - p for r, p in zip(total_receipts, total_payments, strict=True))
    report.add("Net of receipts/(payments)", net, total=True)
    moved = _columns(transfers)
    report.add("A5 Transfers between funds", moved)
    opening = _columns(_liquid_by_kind(base.filter(entry__effective_date__lt=start)))
    report.add("A6 Cash funds last year end", opening)
    closing = tuple(o + n + t for o, n, t in zip(opening, net, moved, strict=True))
    report.add("Cash funds this year end", closing, total=True)

    report.add("Section B Statement of assets and liabilities at the end of the period")
    to_end = base.filter(entry__effective_date__lte=end)
    balances: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for debit_id, credit_id, amount, kind in to_end.values_list(
        "debit_account_id", "credit_account_id", "amount", "fund__kind"
    ):
        balances[debit_id][kind] += amount
        balances[credit_id][kind] -= amount
    ordered = sorted(accounts.values(), key=lambda a: a.code)

    def section(title, keep, sign):
        report.add(title)
        rows = []
        for account in ordered:
            if keep(account):
                values = _columns({k: sign * v for k, v in balances[account.pk].items()})
                rows.append(values)
                report.add(account.name, values)
        total = _sum(rows)
        report.add("Total", total, total=True)
        return total

    cash = section("B1 Cash funds", lambda a: a.liquid, 1)
    section(
        "B2 Other monetary assets",
        lambda a: a.type == Account.Type.ASSET and not a.liquid,
        1,
    )
    section("B5 Liabilities", lambda a: a.type == Account.Type.LIABILITY, -1)
    if cash != closing:  # pragma: no cover - the ledger balances, so this cannot happen
        report.notes.append("Warning: Section B cash funds differ from Section A.")
    return report


# --- the other reports as rows ----------------------------------------------------------


def trial_balance_report(end: date, up_to_sequence: int) -> Report:
    totals = account_totals(date_to=end, up_to_sequence=up_to_sequence)
    report = Report("Trial balance", "trial-balance", ("Account", "Debit", "Credit"))
    rows = []
    for account in Account.objects.order_by("code"):
        net = totals[account.pk].net_debit if account.pk in totals else ZERO
        values = (net, ZERO) if net >= 0 else (ZERO, -net)
        rows.append(values)
        report.add(f"{account.code} {account.name}", values)
    report.add("Total", _sum(rows) if rows else (ZERO, ZERO), total=True)
    report.notes.append(f"Balances of every account as at {end:%-d %b %Y}, all funds.")
    return report


def fund_statement_report(fund: Fund, start: date, end: date, up_to_sequence: int) -> Report:
    scope = {"fund": fund, "up_to_sequence": up_to_sequence}
    before = account_totals(date_to=start - timedelta(days=1), **scope)
    during = account_totals(date_from=start, date_to=end, **scope)
    report = Report(
        f"Fund statement: {fund.name}",
        f"fund-statement-{fund.code}",
        ("Account", "At the start", "In the year", "At the end"),
    )
    rows = []
    for account in Account.objects.order_by("code"):
        sign = 1 if account.debit_normal else -1
        opening = sign * before[account.pk].net_debit if account.pk in before else ZERO
        moved = sign * during[account.pk].net_debit if account.pk in during else ZERO
        if opening or moved:
            values = (opening, moved, opening + moved)
            rows.append(values)
            report.add(f"{account.code} {account.name}", values)
    report.notes.append(
        f"{fund.get_kind_display()} fund. Each account's balance in its normal direction, "
        f"{start:%-d %b %Y} to {end:%-d %b %Y}."
    )
    return report


def gift_aid_gasds_report(start: date, end: date, up_to_sequence: int) -> Report:
    scope = {"date_from": start, "date_to": end, "up_to_sequence": up_to_sequence}
    year = account_totals(**scope)
    at_end = account_totals(date_to=end, up_to_sequence=up_to_sequence)
    by_code = {a.code: a.pk for a in Account.objects.all()}

    def credit(code, totals):
        pk = by_code[code]
        return totals[pk].credit if pk in totals else ZERO

    def debit(code, totals):
        pk = by_code[code]
        return totals[pk].debit if pk in totals else ZERO

    def net_debit(code, totals):
        pk = by_code[code]
        return totals[pk].net_debit if pk in totals else ZERO

    report = Report("Gift Aid and GASDS summary", "gift-aid-gasds", ("", "Amount (GBP)"))
    report.add("Gift Aid")
    report.add("Gift Aid claimed (income)", (credit("income:gift-aid", year),))
    report.add("Gift Aid repaid by HMRC", (credit("assets:gift-aid-receivable", year),))
    report.add(
        "Gift Aid receivable at the year end", (net_debit("assets:gift-aid-receivable", at_end),)
    )
    report.add(
        "Gift Aid overclaimed, owed to HMRC at the year end",
        (-net_debit("liabilities:gift-aid-overclaimed", at_end),),
    )
    report.add("GASDS")
    report.add("GASDS top-up claimed (income)", (credit("income:gasds", year),))
    report.add("GASDS top-up received", (credit("assets:gasds-receivable", year),))
    report.add("GASDS receivable at the year end", (net_debit("assets:gasds-receivable", at_end),))
    report.add(
        "Small donations in collection boxes",
        (credit("income:donations:boxes", year) - debit("income:donations:boxes", year),),
    )
    report.notes.append(f"{start:%-d %b %Y} to {end:%-d %b %Y}, all funds.")
    return report


# --- writing ----------------------------------------------------------------------------


def _cell(value) -> str:
    return format_gbp(value) if isinstance(value, Decimal) else value


def report_pdf(report: Report, scope: str, head) -> bytes:
    stream = io.BytesIO()
    body = [
        [row.label, *(_cell(v) for v in row.values)] if row.values is not None else [row.label]
        for row in report.rows
    ]
    width = len(report.header)
    label_width = 174 * mm - (width - 1) * 28 * mm
    table = statements._table(
        list(report.header),
        [r + [""] * (width - len(r)) for r in body],
        None,
        [label_width] + [28 * mm] * (width - 1),
        numeric_from=1,
    )
    for index, row in enumerate(report.rows, start=1):
        if row.values is None or row.total:
            table.setStyle([("FONT", (0, index), (-1, index), "Helvetica-Bold", 9)])
    story = [statements.note(n) for n in report.notes] + [Spacer(1, 4 * mm), table]
    context = statements.StatementContext(
        title=report.title,
        scope=scope,
        generated_at=timezone.now(),
        head_sequence=head.sequence,
        head_hash=head.hash,
    )
    statements.build_pdf(stream, context, story)
    return stream.getvalue()


def report_ods(report: Report) -> bytes:
    stream = io.BytesIO()
    rows = (
        [row.label, *row.values] if row.values is not None else [row.label] for row in report.rows
    )
    write_ods(stream, report.title[:31], list(report.header), rows)
    return stream.getvalue()


def grant_register_files(start: date, end: date, head, scope: str) -> dict[str, bytes]:
    params = ExportParams(date_from=start, date_to=end)
    pdf = io.BytesIO()
    story, _ = statements.grant_register_story(params, head.sequence)
    context = statements.StatementContext(
        title="Grant register",
        scope=scope,
        generated_at=timezone.now(),
        head_sequence=head.sequence,
        head_hash=head.hash,
    )
    statements.build_pdf(pdf, context, story)
    ods = io.BytesIO()
    write_ods(ods, "Grant register", GrantResource().get_export_headers(), grant_rows(params))
    return {"grant-register.pdf": pdf.getvalue(), "grant-register.ods": ods.getvalue()}


def year_end_reports(start: date, end: date, head) -> list[Report]:
    reports = [
        cc16a_report(start, end, head.sequence),
        trial_balance_report(end, head.sequence),
    ]
    reports += [
        fund_statement_report(fund, start, end, head.sequence)
        for fund in Fund.objects.order_by("code")
    ]
    reports.append(gift_aid_gasds_report(start, end, head.sequence))
    return reports


def year_end_pack_write(
    *, actor: AbstractBaseUser | None, actor_name: str, year_end: int, stream
) -> tuple[str, dict]:
    """Write the pack for the year ending in ``year_end`` to ``stream``; record its manifest.

    Returns the ZIP's file name and the pack's own manifest (also inside the ZIP as
    ``manifest.json``), which lists every file with its size and SHA-256.
    """
    start, end = year_bounds(year_end)
    head = chain_head()
    scope = f"All funds, {start:%-d %b %Y} to {end:%-d %b %Y}"
    files: dict[str, bytes] = {}
    for report in year_end_reports(start, end, head):
        files[f"{report.slug}.pdf"] = report_pdf(report, scope, head)
        files[f"{report.slug}.ods"] = report_ods(report)
    files.update(grant_register_files(start, end, head, scope))
    generated_at = timezone.now()
    manifest = {
        "manifest_version": 1,
        "pack": "year-end",
        "financial_year": {"from": start.isoformat(), "to": end.isoformat()},
        "generated_at": generated_at.isoformat(),
        "generated_by": actor_name,
        "chain_head": {"sequence": head.sequence, "hash": head.hash},
        "files": [
            {"file": name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
            for name, data in files.items()
        ],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
    data = buffer.getvalue()
    stream.write(data)
    file_name = f"year-end-pack_{start.isoformat()}_to_{end.isoformat()}_head-{head.sequence}.zip"
    manifest_record(
        actor=actor,
        actor_name=actor_name,
        kind="year_end_pack",
        file_format="zip",
        parameters={"from": start.isoformat(), "to": end.isoformat(), "fund": None},
        file_name=file_name,
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        row_count=len(files),
        chain_head_sequence=head.sequence,
        chain_head_hash=head.hash,
    )
    return file_name, manifest
