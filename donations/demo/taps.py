"""The demo's tap terminals and SumUp's fortnightly reports, and the payouts they bring
to the bank statement."""

import csv
import io
import random
from datetime import date, timedelta
from decimal import Decimal

from donations.demo.cash import next_working_day
from donations.models import CollectionPoint, TapPayout
from donations.services.taps import tap_report_import, tap_terminal_create
from fund.clock import Step
from people.demo import at, year_start

# The boxes whose hosts also have a SumUp tap terminal by the counter, the first two from
# the start of the year, the deli's from its fourth month, the tap house's from its seventh.
TAP_TERMINAL_POINTS = ("B001", "B002", "B005", "B009")
TAP_PROVIDER = "SumUp"
TAP_FEE_RATE = Decimal("0.0169")
# The amounts the terminals offer (most taps), and what the few who type their own give.
TAP_PRESETS = ["2.00", "3.00", "5.00", "5.00", "10.00", "2.00", "3.00", "5.00"]
TAP_OWN_AMOUNTS = ["4.50", "7.50", "15.00", "20.00", "35.00", "40.00", "50.00"]


def _tap_halves(start: date, today: date) -> list[tuple[date, date]]:
    """SumUp's payout periods: the 1st to the 15th, the 16th to the month's end; the
    report for each is imported the day after it ends, so only periods ended by then."""
    halves, day = [], start
    while True:
        month_end = (day.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        end = day.replace(day=15) if day.day <= 15 else month_end
        if end + timedelta(days=1) >= today:
            return halves
        halves.append((day, end))
        day = end + timedelta(days=1)


def _working_days_after(day: date, count: int) -> date:
    for _ in range(count):
        day = next_working_day(day)
    return day


def tap_payout_arrival(period_end: date) -> date:
    """SumUp pays a period's taps, net of fees, into the bank two working days after it."""
    return _working_days_after(period_end, 2)


def tap_timeline(context) -> list[Step]:
    """Tap terminals at four points and SumUp's report imported every fortnight, through
    the services the contactless pages use. The payouts reach the bank statement (see
    ``tap_payouts_due``), where the officer confirms them."""
    users, today = context["users"], context["today"]
    officer = users["officer"]
    start = year_start(today)
    rng = random.Random(1409)
    installed = {
        "B001": start,
        "B002": start,
        "B005": start + timedelta(days=91),
        "B009": start + timedelta(days=182),
    }
    terminal_ids = {box: f"SU-DN1-{n:03d}" for n, box in enumerate(TAP_TERMINAL_POINTS, 1)}
    steps = []
    for box in TAP_TERMINAL_POINTS:
        steps.append(
            Step(
                at(installed[box], 8, 45),
                lambda b=box: tap_terminal_create(
                    actor=officer,
                    point=CollectionPoint.objects.get(box_number=b),
                    provider=TAP_PROVIDER,
                    terminal_id=terminal_ids[b],
                ),
            )
        )
    number = 0
    for first, end in _tap_halves(start, today):
        rows = []
        day = first
        while day <= end:
            for box in TAP_TERMINAL_POINTS:
                if installed[box] > day:
                    continue
                # Busier on Saturdays; the market bakery is shut on Sundays.
                chances = 3 if day.weekday() == 5 else 2
                if box == "B002" and day.weekday() == 6:
                    chances = 0
                for _ in range(chances):
                    if rng.random() >= 0.3:
                        continue
                    if rng.random() < 0.04:
                        amount = Decimal(rng.choice(TAP_OWN_AMOUNTS))
                    else:
                        amount = Decimal(rng.choice(TAP_PRESETS))
                    number += 1
                    tapped = at(day, rng.randint(8, 17), rng.randint(0, 59))
                    fee = (amount * TAP_FEE_RATE).quantize(Decimal("0.01"))
                    rows.append(
                        (
                            f"{tapped:%d/%m/%Y %H:%M}",
                            f"{amount:.2f}",
                            f"{fee:.2f}",
                            terminal_ids[box],
                            f"PO-{end:%Y%m%d}",
                            f"TX-{tapped:%y%m%d}-{number:05d}",
                        )
                    )
            day += timedelta(days=1)
        if rows:
            rows.sort()
            steps.append(
                Step(
                    at(end + timedelta(days=1), 9),
                    lambda r=rows, e=end: _tap_report(officer, r, e),
                )
            )
    return steps


def _tap_report(officer, rows, end: date) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["Date and time", "Amount", "Fee", "Terminal ID", "Payout ID", "Transaction ID"]
    )
    writer.writerows(rows)
    tap_report_import(
        actor=officer,
        content=out.getvalue().encode(),
        file_name=f"sumup-transactions-{end:%Y-%m-%d}.csv",
        layout="standard",
    )


def tap_payouts_due(start: date, end: date) -> list[tuple[date, str, Decimal]]:
    """What SumUp pays into the bank between two dates, for the demo's bank statements:
    each payout not yet recorded, two working days after its period's end."""
    due = []
    for payout in TapPayout.objects.filter(entry__isnull=True, net__gt=0).order_by("pk"):
        period_end = date.fromisoformat(
            f"{payout.payout_id[3:7]}-{payout.payout_id[7:9]}-{payout.payout_id[9:11]}"
        )
        on = tap_payout_arrival(period_end)
        if start <= on <= end:
            due.append((on, f"SUMUP PAYOUT {payout.payout_id}", payout.net.amount))
    return due
