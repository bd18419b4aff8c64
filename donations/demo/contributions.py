"""The demo funder's contribution: pledged, then received."""

from datetime import timedelta

from django.utils import timezone
from djmoney.money import Money

from donations.services.contributions import contribution_receipt_record, pledge_record
from fund.clock import Step
from people.demo import at, financial_year, seed_restricted_fund, year_start


def contribution_timeline(context) -> list[Step]:
    """The Rough Sleeping Initiative's £15,000 for the financial year: pledged in March,
    received in April (recorded by hand that day, matched on the statement later)."""
    users, today = context["users"], context["today"]
    first, last = financial_year(today)
    pledged_on = max(first - timedelta(days=21), year_start(today) + timedelta(days=1))
    received_on = min(first + timedelta(days=13), today - timedelta(days=1))

    def pledge():
        fund = seed_restricted_fund(users, today)
        context["funds"]["rough-sleepers"] = fund
        context["pledge"] = pledge_record(
            actor=users["manager"],
            funder="Doncaster Council for MHCLG (Rough Sleeping Initiative)",
            fund=fund,
            amount=Money("15000.00", "GBP"),
            purpose="Micro-grants for people sleeping rough or at risk of it in Doncaster.",
            period_start=first,
            period_end=last,
            reference=f"RSI-{first.year}-{last.year % 100:02d}",
        )

    def receive():
        contribution_receipt_record(
            actor=users["officer"],
            pledge=context["pledge"],
            amount=Money("15000.00", "GBP"),
            received_on=timezone.localdate(),
        )

    return [Step(at(pledged_on, 14), pledge), Step(at(received_on, 10), receive)]
