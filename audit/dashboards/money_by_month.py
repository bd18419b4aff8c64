"""Money by month from the ledger's month totals: income by channel (the monthly part of
online giving read from the payments) and grants by category."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db.models import F, Sum
from django.db.models.functions import TruncMonth

from audit.charts import BarRow, Chart, Series, colours
from audit.dashboards.grant_counts import category_label
from audit.dashboards.periods import Period, as_date, month_label
from donations.models import OnlineDonation, OnlinePayment
from fund.models import Account
from fund.selectors import movements_by_month

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
    return {as_date(month): getattr(total, "amount", total) for month, total in rows}


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
