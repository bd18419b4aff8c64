"""Demo data: a year of collection boxes, online gifts, the funder's contribution and the
Gift Aid and GASDS claims, in Doncaster town centre.

Each ``*_timeline`` returns the steps of its part of the year; ``seed_demo`` runs every
app's steps together in time order, each under the demo clock (``fund.clock``), so every
record carries the date it would have had and every ledger entry its real effective date.
Everything goes through the services the pages use.
"""

import csv
import io
import json
import random
import urllib.error
import urllib.parse
import urllib.request
import uuid
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from djmoney.money import Money

from devtools.stripe_double import StripeDouble
from donations.models import CollectionPoint, GiftAidClaim, OnlineDonation, TapPayout
from donations.selectors.cash import tax_year_start
from donations.services.cash import (
    collection_confirm,
    collection_point_create,
    collection_point_update,
    collection_record,
    collection_return,
    deposit_check,
    deposit_record,
)
from donations.services.contributions import contribution_receipt_record, pledge_record
from donations.services.gasds import gasds_claim_record
from donations.services.giftaid import gift_aid_claim_create
from donations.services.online import GiftAidDetails, online_donation_start
from donations.services.refunds import online_payment_refund
from donations.services.stripe_events import stripe_event_process, stripe_event_receive
from donations.services.stripe_reconcile import stripe_balance_reconcile
from donations.services.taps import tap_report_import, tap_terminal_create
from fund.clock import Step
from people.demo import at, financial_year, seed_restricted_fund, year_start

# box, host, address, public code
POINTS = [
    ("B001", "Frenchgate Coffee Co.", "Unit 21, Frenchgate Centre, Doncaster DN1 1SW", "FGATE"),
    ("B002", "Market Hall Bakery", "Doncaster Market, Market Place, Doncaster DN1 1NJ", "MARKET"),
    ("B003", "Sepulchre Gate Pharmacy", "48 St Sepulchre Gate, Doncaster DN1 1SQ", "SEPGATE"),
    ("B004", "Hall Gate Books", "22 Hall Gate, Doncaster DN1 3LU", "HALLGATE"),
    ("B005", "Priory Walk Deli", "7 Priory Walk, Doncaster DN1 1TS", "PRIORY"),
    ("B006", "Corn Exchange Café", "Corn Exchange, Market Place, Doncaster DN1 1BE", "CORNEX"),
    ("B007", "Baxter Gate Barbers", "11 Baxter Gate, Doncaster DN1 1JS", "BAXTER"),
    ("B008", "High Street News", "60 High Street, Doncaster DN1 1DE", "HIGHST"),
    ("B009", "Silver Street Tap House", "18 Silver Street, Doncaster DN1 1HQ", "SILVER"),
    (
        "B010",
        "Station Forecourt Kiosk",
        "Doncaster Station, Trafford Way, Doncaster DN1 1PN",
        "STATION",
    ),
    ("B011", "Wood Street Wellbeing Café", "9 Wood Street, Doncaster DN1 3LH", "WOODST"),
    ("B012", "Cleveland Street Launderette", "31 Cleveland Street, Doncaster DN1 3EH", "CLEVELAND"),
]
# The kiosk closes part-way through the year; the café opens late; the launderette's box
# has not been emptied for weeks (the points page shows it overdue).
LATE_OPENER, CLOSES, OVERDUE = "B011", "B010", "B012"

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
        day = _next_working_day(day)
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


def _weekday_on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _next_working_day(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


# ---- Collection boxes ------------------------------------------------------------------


def cash_timeline(context) -> list[Step]:
    users, funds, today = context["users"], context["funds"], context["today"]
    officer, officer2, manager = users["officer"], users["officer2"], users["manager"]
    start = year_start(today)
    rng = random.Random(14)
    points: dict[str, CollectionPoint] = {}
    steps: list[Step] = []
    refs = iter(range(101, 1000))

    opened = {box: start for box, *_ in POINTS}
    opened[LATE_OPENER] = today - timedelta(days=95)

    def place(box, host, address, code):
        def run():
            points[box] = collection_point_create(
                actor=officer,
                host_name=host,
                address=address,
                box_number=box,
                seal=f"S-{box[1:]}001",
                opened_on=timezone.localdate(),
                fund=funds["public"],
                contact_name="Duty manager",
                public_code=code,
            )

        return run

    for box, host, address, code in POINTS:
        steps.append(Step(at(opened[box], 8, 30), place(box, host, address, code)))

    def empty(box, amount, *, seal_removed=None, denominations=None):
        point = CollectionPoint.objects.get(pk=points[box].pk)
        sequence = int(point.current_seal[-3:]) + 1
        return collection_record(
            actor=officer,
            point=point,
            emptied_at=timezone.now(),
            seal_removed=seal_removed or point.current_seal,
            seal_fitted=f"{point.current_seal[:-3]}{sequence:03d}",
            amount=Money(amount, "GBP"),
            denominations=denominations,
        )

    def pence() -> Decimal:
        return Decimal(rng.randint(2150, 9650)) / 100

    # A round every fortnight, on Tuesdays, alternating between the two halves of the
    # boxes: counted, confirmed by the second officer, banked the next working day and
    # checked by the manager two working days later.
    first_round = _weekday_on_or_after(start + timedelta(days=10), 1)
    rounds = []
    day = first_round
    while day <= today - timedelta(days=16):
        rounds.append(day)
        day += timedelta(days=14)
    closing_round = next(
        d
        for d in rounds
        if d >= start + timedelta(days=140) and (d - first_round).days // 14 % 2 == 1
    )
    closed_on = closing_round + timedelta(days=9)
    for number, day in enumerate(rounds):
        half = [box for box, *_ in POINTS][6:] if number % 2 else [box for box, *_ in POINTS][:6]
        boxes = [
            box
            for box in half
            if opened[box] <= day - timedelta(days=7)
            and not (box == CLOSES and day > closing_round)
            and not (box == OVERDUE and day > today - timedelta(days=45))
        ]
        if not boxes:
            continue
        taken: list = []
        for i, box in enumerate(boxes):
            amount = pence()
            steps.append(
                Step(at(day, 10, 20 * i), lambda b=box, a=amount, t=taken: t.append(empty(b, a)))
            )

        def confirm(t=taken):
            t[:] = [collection_confirm(actor=officer2, collection=c) for c in t]

        steps.append(Step(at(day, 15), confirm))
        banked_on = _next_working_day(day)
        steps += _deposit_steps(
            officer,
            manager,
            taken,
            banked_on,
            f"PI-{next(refs):06d}",
            # The first deposit: the bank rejected a counterfeit coin and foreign coins.
            shortfall=Decimal("2.50") if number == 0 else Decimal(0),
        )

    steps.append(
        Step(
            at(closed_on, 16),
            lambda: collection_point_update(
                actor=manager,
                point=CollectionPoint.objects.get(box_number=CLOSES),
                is_active=False,
                closed_on=timezone.localdate(),
            ),
        )
    )

    # The last fortnight, so the pages show every state: a deposit banked two days ago and
    # waiting for its check, cash in transit, a seal that did not match, a count sent
    # back, and yesterday's count by note and coin waiting for the second officer.
    recent: list = []
    day = today - timedelta(days=4)
    for i, (box, amount) in enumerate([("B001", "84.37"), ("B002", "41.13"), ("B003", "52.10")]):
        steps.append(Step(at(day, 10, 20 * i), lambda b=box, a=amount: recent.append(empty(b, a))))

    def confirm_recent():
        recent[:] = [collection_confirm(actor=officer2, collection=c) for c in recent]

    steps.append(Step(at(day, 15), confirm_recent))
    steps.append(
        Step(
            at(day + timedelta(days=2), 11),
            lambda: deposit_record(
                actor=officer,
                collections=recent,
                paying_in_reference=f"PI-{next(refs):06d}",
                banked_on=timezone.localdate(),
                amount_banked=Money("177.60", "GBP"),
            ),
        )
    )
    day = today - timedelta(days=5)
    steps.append(
        Step(
            at(day, 10),
            lambda: collection_confirm(actor=officer2, collection=empty("B004", "38.65")),
        )
    )
    steps.append(
        Step(
            at(day, 10, 30),
            lambda: collection_confirm(
                actor=officer2, collection=empty("B005", "52.40", seal_removed="S-005999")
            ),
        )
    )
    steps.append(
        Step(
            at(today - timedelta(days=3), 10),
            lambda: collection_return(
                actor=officer2,
                collection=empty("B006", "19.20"),
                reason="My count came to £19.70: please recount the 10p bag.",
            ),
        )
    )
    steps.append(
        Step(
            at(today - timedelta(days=1), 10),
            lambda: empty(
                "B001",
                "46.85",
                denominations={
                    Decimal("10.00"): 1,
                    Decimal("5.00"): 2,
                    Decimal("2.00"): 6,
                    Decimal("1.00"): 9,
                    Decimal("0.50"): 5,
                    Decimal("0.20"): 12,
                    Decimal("0.10"): 8,
                    Decimal("0.05"): 3,
                },
            ),
        )
    )
    return steps


def _deposit_steps(officer, manager, taken, banked_on, reference, shortfall) -> list[Step]:
    deposit: dict = {}

    def bank():
        counted = sum((c.amount.amount for c in taken), Decimal(0))
        deposit["row"] = deposit_record(
            actor=officer,
            collections=taken,
            paying_in_reference=reference,
            banked_on=timezone.localdate(),
            amount_banked=Money(counted - shortfall, "GBP"),
            difference_reason=(
                "Bank rejected a counterfeit £2 coin and 50p in foreign coins" if shortfall else ""
            ),
        )

    checked_on = _next_working_day(_next_working_day(banked_on))
    return [
        Step(at(banked_on, 11), bank),
        Step(at(checked_on, 10), lambda: deposit_check(actor=manager, deposit=deposit["row"])),
    ]


# ---- The funder's contribution ---------------------------------------------------------


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


# ---- Gift Aid and GASDS ----------------------------------------------------------------


def claims_timeline(context) -> list[Step]:
    """A Gift Aid claim for last tax year's gifts (HMRC repays it; see banking's statement),
    that year's GASDS claim on the box cash, and a claim for this year to date, waiting."""
    users, today = context["users"], context["today"]
    manager = users["manager"]
    start = year_start(today)
    this_year = tax_year_start(today)
    steps = []
    first_claim = this_year + timedelta(days=14)
    if start < this_year and first_claim < today - timedelta(days=7):
        steps.append(
            Step(
                at(first_claim, 10),
                lambda: gift_aid_claim_create(
                    actor=manager, date_from=start, date_to=this_year - timedelta(days=1)
                ),
            )
        )
        last_year = tax_year_start(this_year - timedelta(days=1))
        steps.append(
            Step(
                at(first_claim + timedelta(days=1), 10),
                lambda: gasds_claim_record(
                    actor=manager,
                    tax_year_start=last_year,
                    hmrc_reference=f"GASDS-{last_year.year}-{(last_year.year + 1) % 100:02d}",
                    claimed_on=timezone.localdate(),
                ),
            )
        )
    month_start = today.replace(day=1)
    second_claim = (month_start - timedelta(days=1)).replace(day=10)
    covers_to = second_claim.replace(day=1) - timedelta(days=1)
    if covers_to > this_year and second_claim > first_claim:
        steps.append(
            Step(
                at(second_claim, 10),
                lambda: gift_aid_claim_create(
                    actor=manager, date_from=this_year, date_to=covers_to
                ),
            )
        )
    return steps


def hmrc_payments_due(start: date, end: date) -> list[tuple[date, str, Decimal]]:
    """What HMRC pays into the bank between two dates: a Gift Aid claim five weeks after it
    was made, a GASDS claim six weeks after. For the demo's bank statements."""
    from donations.models import GasdsClaim

    due = []
    for claim in GiftAidClaim.objects.filter(repayment__isnull=True).order_by("pk"):
        on = timezone.localdate(claim.created_at) + timedelta(days=35)
        if start <= on <= end:
            due.append((on, f"HMRC GIFT AID CHAR{claim.pk:05d}", claim.net.amount))
    for claim in GasdsClaim.objects.filter(paid_on__isnull=True).order_by("pk"):
        on = claim.claimed_on + timedelta(days=42)
        if start <= on <= end:
            due.append((on, f"HMRC GASDS {claim.hmrc_reference}", claim.top_up.amount))
    return due


# ---- Online giving ----------------------------------------------------------------------

# The donation forms' one-time tokens: fixed, so a second run finds the first and stops.
ONLINE_DEMO_NAMESPACE = uuid.UUID("6f1c9b52-31a8-4d7e-9a57-0c2a1e3d4b60")
DEMO_SITE = "http://127.0.0.1:8000/"


def _demo_attempt(name: str) -> uuid.UUID:
    return uuid.uuid5(ONLINE_DEMO_NAMESPACE, name)


def already_seeded() -> bool:
    """The demo's year is there already (its first online gift is the marker), or an older
    demo's boxes are: that database is left as it is (delete db.sqlite3 for the new year)."""
    return (
        OnlineDonation.objects.filter(attempt=_demo_attempt("one-off-0")).exists()
        or CollectionPoint.objects.filter(box_number="B001").exists()
    )


def _double_action(base: str, action: str, **fields: str) -> list[dict]:
    """Ask the Stripe double to do what a donor, a bank or a card holder would do."""
    body = urllib.parse.urlencode({**fields, "format": "json"}).encode()
    request = urllib.request.Request(f"{base}/_double/{action}", data=body, method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["events"]


@contextmanager
def stripe_double_for_demo():
    """The running double when ``STRIPE_API_BASE`` points at one (``make run``), else a
    temporary one on a free loopback port. Never real Stripe: the demo is offline. The
    double's clock is put back to real time at the end."""
    temporary = None
    saved = settings.STRIPE_API_BASE, settings.STRIPE_SECRET_KEY
    if not settings.STRIPE_API_BASE:
        settings.STRIPE_SECRET_KEY = "sk_test_offline_double"
        temporary = StripeDouble(api_key=settings.STRIPE_SECRET_KEY).start()
        settings.STRIPE_API_BASE = temporary.base_url
    base = settings.STRIPE_API_BASE
    try:
        yield base
    finally:
        try:
            _double_action(base, "clock")
        finally:
            settings.STRIPE_API_BASE, settings.STRIPE_SECRET_KEY = saved
            if temporary is not None:
                temporary.stop()


DONORS = [
    GiftAidDetails(
        title="Ms",
        first_name="Jane",
        last_name="Demo",
        house_name_or_number="12",
        address="Thorne Road, Doncaster",
        postcode="DN2 5AA",
    ),
    GiftAidDetails(
        first_name="Sam", last_name="Example", house_name_or_number="3", postcode="DN4 8QQ"
    ),
    GiftAidDetails(
        first_name="Priya", last_name="Sample", house_name_or_number="41", postcode="DN1 2EX"
    ),
]
ONE_OFF_AMOUNTS = ["10.00", "25.00", "15.00", "50.00", "20.00", "5.00", "30.00", "12.00"]
QR_POINTS = ["FGATE", "MARKET", "PRIORY", None, "SILVER", None]


def online_timeline(context) -> list[Step]:
    """Online gifts through the Stripe double: one-off (some by a box's QR code), monthly,
    refunded in part and in full, a lost dispute, monthly payouts and a bank debit that
    has not settled yet."""
    users, today, base = context["users"], context["today"], context["stripe_base"]
    officer = users["officer"]
    start = year_start(today)
    last = today - timedelta(days=1)
    gifts: dict[str, OnlineDonation] = {}

    def tick():
        _double_action(base, "clock", at=str(int(timezone.now().timestamp())))

    def process(events):
        # What the endpoint and then the worker do, here in one go.
        for event in events:
            stripe_event_process(event_id=stripe_event_receive(event=event).pk)

    def give(name, amount, *, gift_aid=None, frequency="one-off", point=None, outcome="paid"):
        tick()
        donation = online_donation_start(
            actor=None,
            attempt=_demo_attempt(name),
            amount=Money(amount, "GBP"),
            frequency=frequency,
            gift_aid=gift_aid,
            point=CollectionPoint.objects.filter(public_code=point).first() if point else None,
            site_url=DEMO_SITE,
        )
        process(
            _double_action(base, "complete", session=donation.stripe_session_id, outcome=outcome)
        )
        donation.refresh_from_db()
        gifts[name] = donation
        return donation

    def invoice(name):
        tick()
        process(_double_action(base, "invoice", subscription=gifts[name].stripe_subscription_id))

    def pay_out():
        tick()
        try:
            process(_double_action(base, "payout"))
        except urllib.error.HTTPError:
            pass  # nothing to pay out this month

    def day_of(n: int) -> date:
        """The day of the n-th one-off gift: 17 and 13 days apart in turn."""
        return start + timedelta(days=4 + 17 * ((n + 1) // 2) + 13 * (n // 2))

    steps = []
    n = 0
    while (day := day_of(n)) <= last:
        gift = {
            "name": f"one-off-{n}",
            "amount": ONE_OFF_AMOUNTS[n % 8],
            "gift_aid": DONORS[0] if n % 2 == 0 else None,
            "point": QR_POINTS[n % 6],
        }
        steps.append(Step(at(day, 12 + n % 8, 7 * (n % 8)), lambda g=gift: give(**g)))
        n += 1

    for name, amount, donor, begins in [
        ("monthly-sam", "5.00", DONORS[1], 9),
        ("monthly-priya", "10.00", DONORS[2], 45),
        ("monthly-anon", "20.00", None, 120),
    ]:
        first = start + timedelta(days=begins)
        steps.append(
            Step(
                at(first, 19),
                lambda nm=name, a=amount, d=donor: give(nm, a, frequency="monthly", gift_aid=d),
            )
        )
        month = 1
        while (due := first + timedelta(days=30 * month)) <= last:
            steps.append(Step(at(due, 6), lambda nm=name: invoice(nm)))
            month += 1

    # Refunds (a mistaken amount, in part; a gift given twice, in full) and a dispute lost.
    def refund(name, amount, reason):
        tick()
        online_payment_refund(
            actor=officer,
            payment=gifts[name].payments.order_by("pk").first(),
            amount=Money(amount, "GBP"),
            reason=reason,
            request_key=_demo_attempt(f"refund-{name}"),
        )

    steps.append(
        Step(
            at(day_of(1) + timedelta(days=2), 11),
            lambda: refund("one-off-1", "5.00", "Donor asked for part of a mistaken gift back"),
        )
    )
    steps.append(
        Step(
            at(day_of(8) + timedelta(days=3), 11),
            lambda: refund("one-off-8", "10.00", "Donor gave the same gift twice by mistake"),
        )
    )
    disputed = day_of(14)
    dispute: dict = {}

    def open_dispute():
        tick()
        opened = _double_action(
            base, "dispute", charge=gifts["one-off-14"].payments.get().charge_id
        )
        process(opened)
        dispute["id"] = opened[0]["data"]["object"]["id"]

    def close_dispute():
        tick()
        process(_double_action(base, "close-dispute", dispute=dispute["id"], won="0"))

    steps.append(Step(at(disputed + timedelta(days=6), 9), open_dispute))
    steps.append(Step(at(disputed + timedelta(days=20), 9), close_dispute))

    payday = (start.replace(day=1) + timedelta(days=32)).replace(day=2)
    while payday <= last:
        steps.append(Step(at(payday, 5), pay_out))
        payday = (payday + timedelta(days=32)).replace(day=2)

    steps.append(Step(at(last, 20), lambda: give("bank-debit-pending", "50.00", outcome="async")))

    # At each month's end the officer checks the ledger's Stripe balance against Stripe's
    # (the double's balance is the sum of what the year has done so far), so the month's
    # close finds Stripe reconciled.
    def check_stripe():
        tick()
        stripe_balance_reconcile(actor=officer)

    month_end = (start.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    while month_end < today:
        steps.append(Step(at(month_end, 23, 30), check_stripe))
        month_end = (month_end + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return steps
