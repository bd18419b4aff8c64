"""The demo's collection boxes: placed, emptied every fortnight, counted, confirmed,
banked and checked, and the last fortnight's items in every state."""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone
from djmoney.money import Money

from donations.models import CollectionPoint
from donations.services.cash import (
    collection_confirm,
    collection_point_create,
    collection_point_update,
    collection_record,
    collection_return,
    deposit_check,
    deposit_record,
)
from fund.clock import Step
from people.demo import at, year_start

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


def _weekday_on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def next_working_day(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


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
        banked_on = next_working_day(day)
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

    checked_on = next_working_day(next_working_day(banked_on))
    return [
        Step(at(banked_on, 11), bank),
        Step(at(checked_on, 10), lambda: deposit_check(actor=manager, deposit=deposit["row"])),
    ]
