"""PDF statements (reportlab) for a period and a fund.

Every page carries the statement's title, the fund and period, the page number ("Page 2
of 5"), the time it was generated and the ledger chain head it was drawn from. Figures are
summed by the database over the transfers up to that chain head, so a statement and its
manifest describe the same ledger.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as pdf_canvas
from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

from audit.selectors import account_totals
from fund.models import Account
from fund.money import format_gbp as pounds

STYLES = getSampleStyleSheet()
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class StatementContext:
    title: str
    scope: str
    generated_at: datetime
    head_sequence: int
    head_hash: str


def _numbered_canvas(context: StatementContext):
    """A canvas that knows the page count, so each footer can say "Page n of m"."""

    class NumberedCanvas(pdf_canvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total: int) -> None:
            width, height = A4
            self.setFont("Helvetica-Bold", 11)
            self.drawString(18 * mm, height - 14 * mm, f"Changing Lives Fund: {context.title}")
            self.setFont("Helvetica", 9)
            self.drawString(18 * mm, height - 19 * mm, context.scope)
            self.line(18 * mm, height - 21 * mm, width - 18 * mm, height - 21 * mm)
            generated = timezone.localtime(context.generated_at).strftime("%d %b %Y %H:%M %Z")
            self.setFont("Helvetica", 7.5)
            self.drawString(18 * mm, 14 * mm, f"Generated {generated}")
            self.drawString(
                18 * mm,
                10 * mm,
                f"Ledger chain head: transfer {context.head_sequence}, hash {context.head_hash}",
            )
            self.setFont("Helvetica", 9)
            self.drawRightString(width - 18 * mm, 14 * mm, f"Page {self._pageNumber} of {total}")

    return NumberedCanvas


TABLE_STYLE = TableStyle(
    [
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 9),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 9),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
        ("ALIGN", (-2, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
    ]
)


def _table(header: list[str], rows: list[list], total_row: list | None, widths, numeric_from: int):
    data = [header] + rows + ([total_row] if total_row else [])
    table = LongTable(data, colWidths=widths, repeatRows=1)
    style = TableStyle(TABLE_STYLE.getCommands())
    style.add("ALIGN", (numeric_from, 0), (-1, -1), "RIGHT")
    if total_row:
        style.add("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 9)
        style.add("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black)
    table.setStyle(style)
    return table


def build_pdf(stream, context: StatementContext, story: list) -> None:
    document = SimpleDocTemplate(
        stream,
        pagesize=A4,
        title=f"Changing Lives Fund: {context.title}",
        author="Changing Lives Fund",
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=26 * mm,
        bottomMargin=22 * mm,
    )
    document.build(story, canvasmaker=_numbered_canvas(context))


def heading(text: str):
    return Paragraph(text, STYLES["Heading2"])


def note(text: str):
    return Paragraph(text, STYLES["BodyText"])


# --- trial balance ----------------------------------------------------------------------


def trial_balance_story(params, up_to_sequence: int) -> tuple[list, int]:
    """Every account's balance up to the period's end, in the debit or credit column."""
    totals = account_totals(date_to=params.date_to, fund=params.fund, up_to_sequence=up_to_sequence)
    rows, total_debit, total_credit = [], ZERO, ZERO
    for account in Account.objects.order_by("code"):
        net = totals[account.pk].net_debit if account.pk in totals else ZERO
        debit, credit = (net, ZERO) if net >= 0 else (ZERO, -net)
        total_debit += debit
        total_credit += credit
        rows.append(
            [
                account.code,
                Paragraph(account.name, STYLES["BodyText"]),
                pounds(debit) if debit else "",
                pounds(credit) if credit else "",
            ]
        )
    as_at = params.date_to.isoformat() if params.date_to else "the latest entry"
    story = [
        note(f"Balances of every account as at {as_at}, from the first entry."),
        Spacer(1, 4 * mm),
        _table(
            ["Account", "Name", "Debit", "Credit"],
            rows,
            ["Total", "", pounds(total_debit), pounds(total_credit)],
            [52 * mm, 62 * mm, 30 * mm, 30 * mm],
            numeric_from=2,
        ),
    ]
    return story, len(rows)


# --- fund statement ---------------------------------------------------------------------


def _net_assets(totals, accounts) -> Decimal:
    """Assets less liabilities: the net debit of both together."""
    return sum(
        (
            totals[a.pk].net_debit
            for a in accounts
            if a.pk in totals and a.type in (Account.Type.ASSET, Account.Type.LIABILITY)
        ),
        ZERO,
    )


def fund_statement_story(params, up_to_sequence: int) -> tuple[list, int]:
    """Opening balance, income by source, grants by category, fees, closing balance."""
    accounts = list(Account.objects.order_by("code"))
    scope = {"fund": params.fund, "up_to_sequence": up_to_sequence}
    opening_totals = (
        account_totals(date_to=params.date_from - timedelta(days=1), **scope)
        if params.date_from
        else {}
    )
    period = account_totals(date_from=params.date_from, date_to=params.date_to, **scope)
    closing_totals = account_totals(date_to=params.date_to, **scope)
    opening = _net_assets(opening_totals, accounts)

    def lines(kind, keep: Callable[[Account], bool], sign: int):
        out = []
        for account in accounts:
            if account.type == kind and keep(account) and account.pk in period:
                out.append(
                    [
                        Paragraph(account.name, STYLES["BodyText"]),
                        sign * period[account.pk].net_debit,
                    ]
                )
        return out

    income = lines(Account.Type.INCOME, lambda a: True, -1)
    grants = lines(Account.Type.EXPENSE, lambda a: a.is_grant_category, 1)
    costs = lines(Account.Type.EXPENSE, lambda a: not a.is_grant_category, 1)
    total_income = sum((amount for _, amount in income), ZERO)
    total_grants = sum((amount for _, amount in grants), ZERO)
    total_costs = sum((amount for _, amount in costs), ZERO)
    closing = opening + total_income - total_grants - total_costs

    def section(title, rows, total_label, total):
        shown = [[label, pounds(amount)] for label, amount in rows] or [["None in this period", ""]]
        return [
            heading(title),
            _table(
                ["", "Amount"],
                shown,
                [total_label, pounds(total)],
                [134 * mm, 40 * mm],
                numeric_from=1,
            ),
        ]

    balance_rows = [
        [
            Paragraph(a.name, STYLES["BodyText"]),
            pounds(
                closing_totals[a.pk].net_debit
                if a.type == Account.Type.ASSET
                else -closing_totals[a.pk].net_debit
            ),
        ]
        for a in accounts
        if a.pk in closing_totals
        and a.type in (Account.Type.ASSET, Account.Type.LIABILITY)
        and closing_totals[a.pk].net_debit
    ]
    story = [
        _table(
            ["", "Amount"],
            [["Opening balance", pounds(opening)]],
            None,
            [134 * mm, 40 * mm],
            numeric_from=1,
        ),
        *section("Income by source", income, "Total income", total_income),
        *section("Expenditure by grant category", grants, "Total grants", total_grants),
        *section("Fees and other costs", costs, "Total fees and other costs", total_costs),
        Spacer(1, 4 * mm),
        _table(
            ["", "Amount"],
            [],
            ["Closing balance", pounds(closing)],
            [134 * mm, 40 * mm],
            numeric_from=1,
        ),
        heading("Represented by (assets less liabilities at the close)"),
        _table(
            ["", "Amount"],
            balance_rows or [["Nothing held", ""]],
            ["Net assets", pounds(_net_assets(closing_totals, accounts))],
            [134 * mm, 40 * mm],
            numeric_from=1,
        ),
    ]
    return story, len(income) + len(grants) + len(costs)


# --- collection reconciliation ----------------------------------------------------------


def _in_period(rows, lookup: str, params):
    if params.date_from:
        rows = rows.filter(**{f"{lookup}__gte": params.date_from})
    if params.date_to:
        rows = rows.filter(**{f"{lookup}__lte": params.date_to})
    return rows


def collection_reconciliation_story(params, up_to_sequence: int) -> tuple[list, int]:
    """Per box: counted, banked, waiting; per deposit: counted, banked, difference; and
    the same figures as the ledger has them."""
    from donations.models import Collection, CollectionPoint, Deposit

    counted_statuses = (Collection.Status.CONFIRMED, Collection.Status.BANKED)
    collections = _in_period(Collection.objects.all(), "emptied_at__date", params)
    points = CollectionPoint.objects.order_by("box_number")
    deposits = _in_period(Deposit.objects.all(), "banked_on", params).order_by("banked_on", "id")
    if params.fund is not None:
        collections = collections.filter(point__fund=params.fund)
        points = points.filter(fund=params.fund)
        deposits = deposits.filter(fund=params.fund)

    box_rows, totals = [], [0, ZERO, ZERO, ZERO, ZERO]
    by_point: dict[int, list] = {}
    for point_id, status, amount in collections.values_list("point_id", "status", "amount"):
        row = by_point.setdefault(point_id, [0, ZERO, ZERO, ZERO, ZERO])
        row[0] += 1
        if status in counted_statuses:
            row[1] += amount
            row[2 if status == Collection.Status.BANKED else 3] += amount
        else:
            row[4] += amount
    for point in points:
        if point.pk not in by_point:
            continue
        row = by_point[point.pk]
        totals = [t + v for t, v in zip(totals, row, strict=True)]
        box_rows.append(
            [
                point.box_number,
                Paragraph(point.host_name, STYLES["BodyText"]),
                str(row[0]),
                pounds(row[1]),
                pounds(row[2]),
                pounds(row[3]),
                pounds(row[4]),
            ]
        )

    deposit_rows, counted_total, banked_total = [], ZERO, ZERO
    for deposit in deposits.prefetch_related("collections__point"):
        boxes = ", ".join(sorted({c.point.box_number for c in deposit.collections.all()}))
        difference = deposit.amount_banked.amount - deposit.counted_total.amount
        counted_total += deposit.counted_total.amount
        banked_total += deposit.amount_banked.amount
        deposit_rows.append(
            [
                deposit.paying_in_reference,
                deposit.banked_on.isoformat(),
                boxes,
                pounds(deposit.counted_total.amount),
                pounds(deposit.amount_banked.amount),
                pounds(difference),
                deposit.get_status_display(),
            ]
        )

    ledger = account_totals(
        date_from=params.date_from,
        date_to=params.date_to,
        fund=params.fund,
        up_to_sequence=up_to_sequence,
    )
    codes = dict(Account.objects.values_list("code", "pk"))

    def net(code: str, sign: int) -> Decimal:
        pk = codes[code]
        return sign * ledger[pk].net_debit if pk in ledger else ZERO

    w = [16 * mm, 40 * mm, 16 * mm, 26 * mm, 26 * mm, 26 * mm, 24 * mm]
    story = [
        heading("Collections by box"),
        note(
            "Counted means confirmed by a second person, which is when the cash is posted to "
            "the ledger; the last column is cash still waiting for its second count."
        ),
        _table(
            [
                "Box",
                "Host",
                "Emptied",
                "Counted",
                "In a deposit",
                "Not yet banked",
                "Awaiting count",
            ],
            box_rows or [["", "No collections in this period", "", "", "", "", ""]],
            [
                "Total",
                "",
                str(totals[0]),
                pounds(totals[1]),
                pounds(totals[2]),
                pounds(totals[3]),
                pounds(totals[4]),
            ],
            w,
            numeric_from=2,
        ),
        heading("Deposits"),
        _table(
            ["Paying-in", "Banked on", "Boxes", "Counted", "Banked", "Difference", "Status"],
            deposit_rows or [["No deposits in this period", "", "", "", "", "", ""]],
            [
                "Total",
                "",
                "",
                pounds(counted_total),
                pounds(banked_total),
                pounds(banked_total - counted_total),
                "",
            ],
            [22 * mm, 20 * mm, 30 * mm, 25 * mm, 25 * mm, 25 * mm, 27 * mm],
            numeric_from=3,
        ),
        heading("The same period in the ledger"),
        _table(
            ["", "Amount"],
            [
                ["Donations: collection boxes (income)", pounds(net("income:donations:boxes", -1))],
                ["Cash differences (net cost)", pounds(net("expenses:cash-differences", 1))],
            ],
            None,
            [134 * mm, 40 * mm],
            numeric_from=1,
        ),
    ]
    return story, len(box_rows) + len(deposit_rows)


# --- grant register ---------------------------------------------------------------------


def grant_register_story(params, up_to_sequence: int) -> tuple[list, int]:
    """Every grant requested in the period: amounts, dates and days to decision and payment.

    Client references are never printed: the grant's own reference identifies it.
    """
    from audit.resources import GrantResource

    resource = GrantResource()
    grants = resource.get_queryset()
    if params.date_from:
        grants = grants.filter(submitted_at__date__gte=params.date_from)
    if params.date_to:
        grants = grants.filter(submitted_at__date__lte=params.date_to)
    if params.fund is not None:
        grants = grants.filter(fund=params.fund)
    rows, requested, paid, approved = [], ZERO, ZERO, ZERO
    for grant in grants:
        values = dict(
            zip(resource.get_export_headers(), resource.export_resource(grant), strict=True)
        )
        requested += grant.amount.amount
        paid_amount = values["Amount paid (GBP)"]
        if paid_amount is not None:
            paid += paid_amount
        if grant.approval_entry_id:
            approved += grant.amount.amount
        rows.append(
            [
                values["Grant reference"],
                Paragraph(values["Category"], STYLES["BodyText"]),
                values["Status"].replace("_", " "),
                pounds(grant.amount.amount),
                pounds(paid_amount) if paid_amount is not None else "",
                *(
                    "" if values[name] is None else str(values[name])
                    for name in (
                        "Submitted on",
                        "Decided on",
                        "Paid on",
                        "Days to decision",
                        "Days to payment",
                    )
                ),
            ]
        )
    small = TableStyle([("FONT", (0, 0), (-1, -1), "Helvetica", 7.5)])
    table = _table(
        [
            "Grant",
            "Category",
            "Status",
            "Requested",
            "Paid",
            "Submitted",
            "Decided",
            "Paid on",
            "Days to decide",
            "Days to pay",
        ],
        rows or [["", "No grants in this period", "", "", "", "", "", "", "", ""]],
        [f"{len(rows)} grants", "", "", pounds(requested), pounds(paid), "", "", "", "", ""],
        [15 * mm, 30 * mm, 18 * mm, 18 * mm, 16 * mm, 18 * mm, 18 * mm, 18 * mm, 11 * mm, 11 * mm],
        numeric_from=3,
    )
    table.setStyle(small)
    story = [
        note(
            "Grants requested in the period, oldest first. Client references are never "
            "printed here; the grant reference identifies each one."
        ),
        Spacer(1, 3 * mm),
        table,
        heading("Totals"),
        _table(
            ["", "Amount"],
            [
                ["Requested", pounds(requested)],
                ["Approved (posted to the ledger)", pounds(approved)],
                ["Paid", pounds(paid)],
            ],
            None,
            [134 * mm, 40 * mm],
            numeric_from=1,
        ),
    ]
    return story, len(rows)


@dataclass(frozen=True)
class Statement:
    title: str
    build: Callable


STATEMENTS = {
    "fund_statement": Statement("Fund statement", fund_statement_story),
    "trial_balance": Statement("Trial balance", trial_balance_story),
    "grant_register": Statement("Grant register", grant_register_story),
    "collection_reconciliation": Statement(
        "Collection reconciliation", collection_reconciliation_story
    ),
}


def write_statement(code: str, params, head_sequence: int, head_hash: str, stream) -> int:
    statement = STATEMENTS[code]
    story, rows = statement.build(params, head_sequence)
    context = StatementContext(
        title=statement.title,
        scope=params.describe(),
        generated_at=timezone.now(),
        head_sequence=head_sequence,
        head_hash=head_hash,
    )
    build_pdf(stream, context, story)
    return rows
