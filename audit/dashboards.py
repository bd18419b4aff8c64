"""Reads behind the staff dashboard: balances, income, grants, cash and speed at a glance.

Money figures come from the ledger (transfers and cached balances), never from the
business records, so the dashboard agrees with ``verify_ledger`` and the exports. Months
are calendar months of the entry's effective date.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    Q,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber, TruncMonth
from django.utils import timezone
from djmoney.money import Money

from audit.charts import BarRow, Chart, Series, colours
from donations.models import OnlineDonation, OnlinePayment
from donations.selectors.cash import cash_in_transit_summary
from fund.models import Account, Balance, Fund
from fund.money import gbp
from fund.selectors import available_in_fund, movements_by_month
from grants.models import Grant, Outcome
from grants.selectors import missing_receipts

GRANTS_PAYABLE = "liabilities:grants-payable"
CASH_IN_TRANSIT = "assets:cash-in-transit"
ONLINE = "income:donations:online"

# Income channels: a series key, its label, and the income account it is read from. Online
# gifts share one account; the monthly part is read from the payments (their ``frequency``
# column) and the rest of the account's movement is one-off.
INCOME_CHANNELS = [
    ("boxes", "Collection boxes", "income:donations:boxes"),
    ("contactless", "Contactless taps", "income:donations:contactless"),
    ("online-one-off", "Online, one-off", ONLINE),
    ("online-monthly", "Online, monthly", ONLINE),
    ("contributions", "Contributions from services and funders", "income:contributions"),
    ("gift-aid", "Gift Aid", "income:gift-aid"),
    ("gasds", "GASDS top-up", "income:gasds"),
]


@dataclass(frozen=True)
class Period:
    """The dashboard's filter: a date range (inclusive) and optionally one fund."""

    start: date
    end: date
    fund: Fund | None = None

    @property
    def months(self) -> list[date]:
        """The first day of every calendar month the range touches, oldest first."""
        months = []
        month = self.start.replace(day=1)
        while month <= self.end:
            months.append(month)
            month = next_month(month)
        return months


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def last_twelve_months(today: date) -> Period:
    start = today.replace(day=1)
    for _ in range(11):
        start = (start - timedelta(days=1)).replace(day=1)
    return Period(start=start, end=today)


def last_four_quarters(today: date) -> Period:
    """The current calendar quarter and the three before it."""
    start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    for _ in range(9):
        start = (start - timedelta(days=1)).replace(day=1)
    return Period(start=start, end=today)


def category_label(account_name: str) -> str:
    """ "Grants: ID documents" reads as "ID documents"."""
    name = account_name.removeprefix("Grants: ")
    return name[:1].upper() + name[1:]


def month_label(month: date) -> str:
    return month.strftime("%b %Y")


def _as_date(value) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value


# --- Small numbers ----------------------------------------------------------------------

# Fewer grants (or outcomes, or decisions) than this could point to a person. One rule for
# every figure shown outside the fund's staff: the public transparency page and the
# partner view.
SMALL_NUMBER = 5
SUPPRESSED = f"fewer than {SMALL_NUMBER}"
OTHER = "Other"


@dataclass(frozen=True)
class CategoryCount:
    label: str
    count: int

    @property
    def suppressed(self) -> bool:
        return self.count < SMALL_NUMBER


def merge_small_counts(
    counts: Iterable[tuple[str, int]], *, other_label: str = OTHER
) -> list[CategoryCount]:
    """Counts by label, largest first, with every count under ``SMALL_NUMBER`` (and one
    already labelled ``other_label``) merged into a last ``other_label`` row; an Other row
    this small is itself ``suppressed`` (shown only as "fewer than 5")."""
    shown, other = [], 0
    for label, count in counts:
        if count < SMALL_NUMBER or label == other_label:
            other += count
        else:
            shown.append(CategoryCount(label, count))
    shown.sort(key=lambda c: (-c.count, c.label))
    if other:
        shown.append(CategoryCount(other_label, other))
    return shown


# --- Balances -------------------------------------------------------------------------


@dataclass(frozen=True)
class FundPosition:
    fund: Fund
    available: Money
    committed: Money
    cash_in_transit: Money

    @property
    def overcommitted(self) -> bool:
        return self.available.amount < 0


def fund_positions(fund: Fund | None = None) -> list[FundPosition]:
    """Each active fund (or the one chosen): available to grant, committed, cash in transit.

    Committed is the grants payable balance: grants approved and not yet paid.
    """
    funds = Fund.objects.filter(is_active=True).order_by("name")
    if fund is not None:
        funds = funds.filter(pk=fund.pk)
    funds = list(funds)
    held: dict[tuple[int, str], Money] = {}
    for balance in Balance.objects.filter(
        fund__in=funds, account__code__in=[GRANTS_PAYABLE, CASH_IN_TRANSIT]
    ).select_related("account"):
        held[(balance.fund_id, balance.account.code)] = balance.net
    return [
        FundPosition(
            fund=f,
            available=available_in_fund(f),
            committed=held.get((f.pk, GRANTS_PAYABLE), gbp(0)),
            cash_in_transit=held.get((f.pk, CASH_IN_TRANSIT), gbp(0)),
        )
        for f in funds
    ]


def available_chart(positions: list[FundPosition]) -> Chart:
    """Available to grant and committed, one bar per fund."""
    available, committed = colours(2)
    return Chart(
        slug="fund-balances",
        title="Available and committed, by fund",
        description="Available to grant now, and grants approved but not yet paid.",
        series=[
            Series("available", "Available to grant", available),
            Series("committed", "Committed, not yet paid", committed),
        ],
        rows=[
            BarRow(label=p.fund.name, values=[p.available.amount, p.committed.amount])
            for p in positions
        ],
        stacked=False,
        row_heading="Fund",
    )


@dataclass(frozen=True)
class RestrictedFund:
    fund: Fund
    remaining: Money
    ends_on: date | None
    days_left: int | None


def restricted_funds(today: date, fund: Fund | None = None) -> list[RestrictedFund]:
    """Restricted funds still active, soonest ending first, with what is left to grant."""
    funds = Fund.objects.filter(is_active=True, kind=Fund.Kind.RESTRICTED)
    if fund is not None:
        funds = funds.filter(pk=fund.pk)
    rows = [
        RestrictedFund(
            fund=f,
            remaining=available_in_fund(f),
            ends_on=f.period_end,
            days_left=(f.period_end - today).days if f.period_end else None,
        )
        for f in funds
    ]
    return sorted(rows, key=lambda r: (r.ends_on is None, r.ends_on or date.max, r.fund.name))


@dataclass(frozen=True)
class CashHeld:
    """Counted box cash not yet banked: the ledger's figure and the collections behind it."""

    ledger_total: Money
    collections: int
    collections_total: Money
    oldest_emptied: date | None


def cash_not_banked(fund: Fund | None = None) -> CashHeld:
    held = cash_in_transit_summary(fund_id=fund.pk if fund is not None else None)
    ledger = Balance.objects.filter(account__code=CASH_IN_TRANSIT)
    if fund is not None:
        ledger = ledger.filter(fund=fund)
    totals = ledger.aggregate(debit=Sum("debit_total"), credit=Sum("credit_total"))
    return CashHeld(
        ledger_total=gbp((totals["debit"] or 0) - (totals["credit"] or 0)),
        collections=held.count,
        collections_total=held.total,
        oldest_emptied=_as_date(timezone.localtime(held.oldest_emptied))
        if held.oldest_emptied
        else None,
    )


# --- Income and grants by month ---------------------------------------------------------


def _months_of(period: Period, accounts: list[Account]) -> dict[tuple[date, int], Decimal]:
    """Net credit per (month, account) over the period, from the ledger's month totals."""
    return {
        key: credit - debit
        for key, (debit, credit) in movements_by_month(
            period.start, period.end, accounts=accounts, fund=period.fund
        ).items()
    }


def online_monthly_by_month(period: Period) -> dict[date, Decimal]:
    """What monthly gifts brought in, per month the payment was taken: each payment's
    gross less what has been refunded or lost to a dispute since. Read from the payments'
    own ``frequency`` and ``paid_on`` columns (indexed together), never from entries."""
    payments = OnlinePayment.objects.filter(
        frequency=OnlineDonation.Frequency.MONTHLY,
        paid_on__gte=period.start,
        paid_on__lte=period.end,
    )
    if period.fund is not None:
        payments = payments.filter(fund=period.fund)
    rows = (
        payments.annotate(month=TruncMonth("paid_on"))
        .values("month")
        .annotate(total=Sum(F("amount") - F("amount_refunded") - F("amount_disputed")))
        .values_list("month", "total")
    )
    return {_as_date(month): getattr(total, "amount", total) for month, total in rows}


def income_by_channel(period: Period) -> Chart:
    """Income per month by channel: what was credited to each income account, less any
    debits (refunds, reversals), in the month of the entry's effective date. Online income
    is the ledger's; the part from monthly gifts is read from the payments, and the rest
    is one-off."""
    accounts = {
        a.code: a for a in Account.objects.filter(code__in=[c for *_, c in INCOME_CHANNELS])
    }
    net = _months_of(period, list(accounts.values()))
    totals: dict[tuple[date, str], Decimal] = defaultdict(Decimal)
    monthly = online_monthly_by_month(period)
    for key, _, code in INCOME_CHANNELS:
        account = accounts.get(code)
        if account is None or key == "online-monthly":
            continue
        for month in period.months:
            value = net.get((month, account.pk), Decimal(0))
            if key == "online-one-off":
                totals[(month, "online-monthly")] = monthly.get(month, Decimal(0))
                value -= monthly.get(month, Decimal(0))
            totals[(month, key)] = value

    series = [
        Series(key, label, colour)
        for (key, label, _), colour in zip(
            INCOME_CHANNELS, colours(len(INCOME_CHANNELS)), strict=True
        )
    ]
    return Chart(
        slug="income-by-channel",
        title="Income by channel, by month",
        description="Money given, net of refunds, by the month it was recorded.",
        series=series,
        rows=[
            BarRow(
                label=month_label(month),
                values=[totals.get((month, s.key), Decimal("0.00")) for s in series],
            )
            for month in period.months
        ],
    )


def grants_by_category(period: Period) -> Chart:
    """Grants approved per month by category: the net debit to each grant category account
    (an approval withdrawn or an underspend returned is a reversal and comes off)."""
    categories = list(Account.objects.filter(is_grant_category=True).order_by("name"))
    totals = {
        (month, account_id): -value
        for (month, account_id), value in _months_of(period, categories).items()
    }
    used = [a for a in categories if any(v for (_, pk), v in totals.items() if pk == a.pk)]
    series = [
        Series(a.code, category_label(a.name), colour)
        for a, colour in zip(used, colours(len(used)), strict=True)
    ]
    return Chart(
        slug="grants-by-category",
        title="Grants by category, by month",
        description="Grants approved, less any withdrawn or returned, by the month approved.",
        series=series,
        rows=[
            BarRow(
                label=month_label(month),
                values=[totals.get((month, a.pk), Decimal("0.00")) for a in used],
            )
            for month in period.months
        ],
    )


# --- Grant workflow: speed, waiting, receipts, outcomes ---------------------------------

S = Grant.Status
HOUR_PLACES = Decimal("0.1")
AWAITING_DECISION = [S.SUBMITTED, S.SECOND_APPROVAL]
APPROVED_STATES = [S.APPROVED, S.PAID, S.RECEIPT_RECEIVED, S.CLOSED]


def hours_between(start: datetime, end: datetime) -> Decimal:
    return Decimal(int((end - start).total_seconds())) / 3600


@dataclass(frozen=True)
class Bucket:
    """A span of time the workflow figures are grouped by: a month or a quarter."""

    start: date
    end: date  # exclusive
    label: str


def month_buckets(period: Period) -> list[Bucket]:
    return [Bucket(m, next_month(m), month_label(m)) for m in period.months]


def quarter_buckets(start: date, end: date) -> list[Bucket]:
    """Calendar quarters touching ``start``..``end`` (inclusive), oldest first."""
    buckets = []
    quarter = date(start.year, 3 * ((start.month - 1) // 3) + 1, 1)
    while quarter <= end:
        after = next_month(next_month(next_month(quarter)))
        last = (after - timedelta(days=1)).strftime("%b")
        buckets.append(Bucket(quarter, after, f"{quarter:%b} to {last} {quarter.year}"))
        quarter = after
    return buckets


def _bucket_index(field: str, buckets: list[Bucket]) -> Case:
    """The index in ``buckets`` of the bucket holding a row's ``field`` (a moment), worked
    out by the database: the first bucket ending after it. Rows are first limited to the
    buckets' span (``_in_span``), so this is the bucket whose local dates hold the moment,
    and the figures are grouped by the database rather than row by row in Python."""
    return Case(
        *[When(**{f"{field}__lt": _aware(b.end)}, then=Value(i)) for i, b in enumerate(buckets)],
        default=Value(None),
        output_field=IntegerField(),
    )


def _in_span(field: str, buckets: list[Bucket]) -> Q:
    return Q(**{f"{field}__gte": _aware(buckets[0].start), f"{field}__lt": _aware(buckets[-1].end)})


def _grants(fund: Fund | None):
    grants = Grant.objects.all()
    return grants.filter(fund=fund) if fund is not None else grants


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


# The median and the 90th percentile need at most four ordered values of a group, whatever
# its size: the database numbers each group's waits in order (ROW_NUMBER, on SQLite and
# PostgreSQL alike) and returns only those ranks, and the figures are worked out here with
# the same arithmetic as ``statistics.median`` and ``statistics.quantiles(n=10,
# method="inclusive")`` on the whole list, so they come out to the same tenth of an hour.


def _median_ranks(n: int) -> set[int]:
    """The 0-based ranks ``statistics.median`` reads from ``n`` sorted values."""
    return {n // 2} if n % 2 else {n // 2 - 1, n // 2}


def _p90_ranks(n: int) -> set[int]:
    """The 0-based ranks the inclusive 90th percentile reads from ``n`` sorted values."""
    if n < 2:
        return {0}
    j, _ = divmod(9 * (n - 1), 10)
    return {j, j + 1}


def _median_of_ranks(n: int, at: dict[int, Decimal]) -> Decimal | None:
    if not n:
        return None
    if n % 2:
        value = at[n // 2]
    else:
        i = n // 2
        value = (at[i - 1] + at[i]) / 2
    return value.quantize(HOUR_PLACES)


def _p90_of_ranks(n: int, at: dict[int, Decimal]) -> Decimal | None:
    if not n:
        return None
    if n == 1:
        return at[0].quantize(HOUR_PLACES)
    j, delta = divmod(9 * (n - 1), 10)
    return ((at[j] * (10 - delta) + at[j + 1] * delta) / 10).quantize(HOUR_PLACES)


@dataclass(frozen=True)
class WaitFigures:
    count: int
    median: Decimal | None  # hours, to the tenth; None below the minimum count
    p90: Decimal | None


def wait_figures(rows, end_field: str, *, group=None, min_count: int = 1) -> dict:
    """Median and 90th percentile hours from ``submitted_at`` to ``end_field`` over
    ``rows`` (already limited to the span wanted), per value of the expression ``group``
    (one group, keyed None, without it). A group with fewer than ``min_count`` waits gets
    its count and no figures. Two queries whatever the number of rows: the count per
    group, then only the ranked waits the figures read."""
    grouped = rows.annotate(
        group=group if group is not None else Value(None, output_field=IntegerField())
    )
    counts = dict(
        grouped.values("group").annotate(n=Count("pk")).order_by().values_list("group", "n")
    )
    figured = {key: n for key, n in counts.items() if n >= min_count}
    at: dict = defaultdict(dict)
    # Always the second query, even when no group has enough waits (ROW_NUMBER is never 0,
    # so it returns nothing): the page runs the same queries however much data there is.
    wanted = Q(rank=0)
    for key, n in figured.items():
        ranks = [r + 1 for r in _median_ranks(n) | _p90_ranks(n)]
        wanted |= Q(group=key, rank__in=ranks) if group is not None else Q(rank__in=ranks)
    wait = ExpressionWrapper(F(end_field) - F("submitted_at"), output_field=DurationField())
    rank = Window(
        RowNumber(),
        partition_by=[group] if group is not None else None,
        order_by=[wait.asc(), F("pk").asc()],
    )
    for key, rank_, submitted_at, ended_at in (
        grouped.annotate(rank=rank)
        .filter(wanted)
        .values_list("group", "rank", "submitted_at", end_field)
    ):
        at[key][rank_ - 1] = hours_between(submitted_at, ended_at)
    return {
        key: WaitFigures(
            count=n,
            median=_median_of_ranks(n, at[key]) if key in figured else None,
            p90=_p90_of_ranks(n, at[key]) if key in figured else None,
        )
        for key, n in counts.items()
    }


def speed_chart(
    buckets: list[Bucket],
    fund: Fund | None = None,
    *,
    slug: str = "decision-speed",
    row_heading: str = "Month",
    min_count: int = 1,
) -> Chart:
    """Median and 90th percentile hours from a request's submission to its decision
    (approved or declined), and to its payment, by the month (or quarter) each happened.
    A figure drawn from fewer than ``min_count`` waits is left out (None)."""
    if not buckets:
        return Chart(slug=slug, title="", series=[], rows=[])
    grants = _grants(fund).filter(submitted_at__isnull=False)
    decided, paid = (
        wait_figures(
            grants.filter(_in_span(field, buckets)),
            field,
            group=_bucket_index(field, buckets),
            min_count=min_count,
        )
        for field in ("decided_at", "paid_at")
    )
    none = WaitFigures(count=0, median=None, p90=None)
    palette = colours(4)
    return Chart(
        slug=slug,
        title="Hours to a decision and to payment",
        description=(
            "From the key worker submitting a request: the median (half were quicker) and the "
            "90th percentile (nine in ten were quicker), by when the decision or payment was made."
            + (
                f" No figure is given from fewer than {min_count} decisions or payments."
                if min_count > 1
                else ""
            )
        ),
        series=[
            Series("decision-median", "Decision, median", palette[0]),
            Series("decision-p90", "Decision, 90th percentile", palette[1]),
            Series("payment-median", "Payment, median", palette[2]),
            Series("payment-p90", "Payment, 90th percentile", palette[3]),
        ],
        rows=[
            BarRow(
                label=b.label,
                values=[
                    decided.get(i, none).median,
                    decided.get(i, none).p90,
                    paid.get(i, none).median,
                    paid.get(i, none).p90,
                ],
            )
            for i, b in enumerate(buckets)
        ],
        unit="hours",
        stacked=False,
        row_heading=row_heading,
    )


AGE_BANDS = [
    ("Under 1 day", 0, 1),
    ("1 to 2 days", 1, 2),
    ("2 to 5 days", 2, 5),
    ("5 days or more", 5, None),
]


def waiting_chart(now: datetime, fund: Fund | None = None) -> Chart:
    """Requests waiting for the fund's decision now, by how long since they were submitted,
    urgent ones apart. Requests sent back for more information wait on the key worker and
    are not counted."""
    # Counted by the database: a band per request (age = now - submitted_at, so "age under
    # N days" is "submitted after now - N days"), a handful of rows back whatever the queue.
    band = Case(
        *[
            When(
                Q(submitted_at__lte=now - timedelta(days=low))
                & (Q() if high is None else Q(submitted_at__gt=now - timedelta(days=high))),
                then=Value(label),
            )
            for label, low, high in AGE_BANDS
        ],
        default=Value(""),
    )
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for label, urgency, n in (
        _grants(fund)
        .filter(status__in=AWAITING_DECISION, submitted_at__isnull=False)
        .annotate(band=band)
        .values("band", "urgency")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("band", "urgency", "n")
    ):
        counts[(label, urgency)] += n
    urgent, week = colours(2)
    return Chart(
        slug="requests-waiting",
        title="Requests waiting for a decision, by age",
        description="How long each request has waited since it was submitted, now.",
        series=[
            Series(Grant.Urgency.TODAY, "Needed today", urgent),
            Series(Grant.Urgency.THIS_WEEK, "Needed this week", week),
        ],
        rows=[
            BarRow(
                label=label,
                values=[
                    counts[(label, Grant.Urgency.TODAY)],
                    counts[(label, Grant.Urgency.THIS_WEEK)],
                ],
            )
            for label, _, _ in AGE_BANDS
        ],
        unit="count",
        row_heading="Waiting",
    )


@dataclass(frozen=True)
class ReceiptsMissing:
    count: int
    total: Money
    oldest_paid: date | None


def receipts_missing(now: datetime, fund: Fund | None = None) -> ReceiptsMissing:
    """Grants paid ``RECEIPT_DUE_DAYS`` or more ago with no receipt yet."""
    grants = missing_receipts(now)
    if fund is not None:
        grants = grants.filter(fund=fund)
    totals = grants.order_by().aggregate(n=Count("pk"), total=Sum("amount"), oldest=Min("paid_at"))
    return ReceiptsMissing(
        count=totals["n"],
        total=gbp(getattr(totals["total"], "amount", totals["total"]) or Decimal(0)),
        oldest_paid=timezone.localdate(totals["oldest"]) if totals["oldest"] else None,
    )


def _approved_in(buckets: list[Bucket]):
    return Grant.objects.filter(
        status__in=APPROVED_STATES,
        approved_at__gte=_aware(buckets[0].start),
        approved_at__lt=_aware(buckets[-1].end),
    )


def grants_per_quarter_by(
    buckets: list[Bucket], *, field: str, slug: str, title: str, other_label: str
) -> Chart:
    """Number of grants approved per quarter, by category or by agency, with the small
    numbers of each quarter merged by ``merge_small_counts``: a column for every category
    (or agency) shown in some quarter, then ``other_label``. In a quarter where a shown
    column was merged into Other its cell is None; an Other under ``SMALL_NUMBER`` is
    suppressed, and so is that quarter's total."""
    if not buckets:
        return Chart(slug=slug, title=title, series=[], rows=[])
    counts: dict[tuple[str, str], int] = defaultdict(int)
    names: set[str] = set()
    for index, name, n in (
        _approved_in(buckets)
        .annotate(bucket=_bucket_index("approved_at", buckets))
        .values("bucket", f"{field}__name")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("bucket", f"{field}__name", "n")
    ):
        if index is not None:
            counts[(buckets[index].label, category_label(name))] += n
            names.add(category_label(name))
    merged = {
        b.label: {
            c.label: c
            for c in merge_small_counts(
                ((name, counts[(b.label, name)]) for name in names), other_label=other_label
            )
        }
        for b in buckets
    }
    shown = sorted({name for m in merged.values() for name in m} - {other_label}, key=str.lower)
    has_other = any(other_label in m for m in merged.values())
    columns = shown + [other_label] if has_other else shown
    series = [
        Series(name, name, colour)
        for name, colour in zip(columns, colours(len(columns)), strict=True)
    ]
    rows = []
    for b in buckets:
        row = merged[b.label]
        values: list[Decimal | None] = []
        for name in shown:
            if name in row:
                values.append(row[name].count)
            else:
                # Merged into Other this quarter, unless there were none at all.
                values.append(None if counts[(b.label, name)] else 0)
        suppressed = frozenset()
        if has_other:
            other = row.get(other_label)
            if other is not None and other.suppressed:
                values.append(None)
                suppressed = frozenset({len(shown)})
            else:
                values.append(other.count if other is not None else 0)
        rows.append(BarRow(label=b.label, values=values, suppressed=suppressed))
    noun = "category" if field == "category" else "agency"
    return Chart(
        slug=slug,
        title=title,
        description=(
            "Grants approved (and not since withdrawn), by the quarter approved. To protect "
            f"the people helped, a {noun} with fewer than {SMALL_NUMBER} grants in a quarter "
            f'is counted in "{other_label}"; an "{other_label}" that small reads '
            f'"{SUPPRESSED}", and the quarter\'s total is then left out.'
        ),
        series=series,
        rows=rows,
        unit="count",
        row_heading="Quarter",
        suppressed_label=SUPPRESSED,
    )


def outcomes_chart(buckets: list[Bucket]) -> Chart:
    """Outcomes recorded per quarter: was the barrier removed?"""
    choices = Outcome.BarrierRemoved
    counts: dict[tuple[str, str], int] = defaultdict(int)
    if buckets:
        for index, answer, n in (
            Outcome.objects.filter(_in_span("recorded_at", buckets))
            .annotate(bucket=_bucket_index("recorded_at", buckets))
            .values("bucket", "barrier_removed")
            .annotate(n=Count("pk"))
            .order_by()
            .values_list("bucket", "barrier_removed", "n")
        ):
            if index is not None:
                counts[(buckets[index].label, answer)] += n
    series = [
        Series(value, f"Barrier removed: {label.lower()}", colour)
        for (value, label), colour in zip(
            choices.choices, ["#00703c", "#f47738", "#d4351c"], strict=True
        )
    ]
    rows = []
    for b in buckets:
        # The answers are not categories to merge: a small count is withheld as it would
        # be in Other (CategoryCount.suppressed), and none is shown as 0.
        found = [CategoryCount(s.key, counts[(b.label, s.key)]) for s in series]
        rows.append(
            BarRow(
                label=b.label,
                values=[None if c.count and c.suppressed else c.count for c in found],
                suppressed=frozenset(i for i, c in enumerate(found) if c.count and c.suppressed),
            )
        )
    return Chart(
        slug="outcomes",
        title="Outcomes recorded, per quarter",
        description=(
            "The key worker's answer, some weeks after payment: was the barrier removed? To "
            f"protect the people helped, 1 to {SMALL_NUMBER - 1} answers read "
            f'"{SUPPRESSED}", and the quarter\'s total is then left out.'
        ),
        series=series,
        rows=rows,
        unit="count",
        row_heading="Quarter",
        suppressed_label=SUPPRESSED,
    )
