"""Demo data for cash: collection points, seals, collections in every state, deposits.

Everything goes through the services. Running it again adds nothing: the points are the
marker that the cash demo is already there.
"""

from datetime import datetime, time, timedelta
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

POINTS = [
    # box, host, address, public code, weeks since the box was placed
    ("B001", "Corner Café", "12 Grey Street, Newcastle NE1 6AE", "CORNER", 16),
    ("B002", "Grainger Pharmacy", "40 Grainger Street, Newcastle NE1 5JG", "PHARMA", 16),
    ("B003", "City Library café", "33 New Bridge Street West, Newcastle NE1 8AX", "LIBRARY", 14),
    ("B004", "Market Newsagent", "Grainger Market, Newcastle NE1 5QQ", "MARKET", 6),
    ("B005", "Station Kiosk", "Central Station, Newcastle NE1 5DL", "STATION", 20),
]


def _when(today, days_ago: int, hour: int = 11):
    return timezone.make_aware(datetime.combine(today - timedelta(days=days_ago), time(hour, 0)))


def seed_cash(context) -> None:
    if CollectionPoint.objects.filter(box_number="B001").exists():
        return
    users, funds, today = context["users"], context["funds"], context["today"]
    officer, officer2, manager = users["officer"], users["officer2"], users["manager"]

    points = {}
    for box, host, address, code, weeks in POINTS:
        points[box] = collection_point_create(
            actor=officer,
            host_name=host,
            address=address,
            box_number=box,
            seal=f"S-{box[1:]}001",
            opened_on=today - timedelta(weeks=weeks),
            fund=funds["public"],
            contact_name="Duty manager",
            public_code=code,
        )

    def empty(box, days_ago, amount, *, seal_removed=None, denominations=None):
        point = CollectionPoint.objects.get(pk=points[box].pk)
        sequence = int(point.current_seal[-3:]) + 1
        return collection_record(
            actor=officer,
            point=point,
            emptied_at=_when(today, days_ago),
            seal_removed=seal_removed or point.current_seal,
            seal_fitted=f"{point.current_seal[:-3]}{sequence:03d}",
            amount=Money(amount, "GBP"),
            denominations=denominations,
        )

    # Ten weeks ago: two boxes counted, confirmed and banked with a £2.50 shortfall, checked.
    cafe_old = collection_confirm(actor=officer2, collection=empty("B001", 70, "84.37"))
    pharmacy_old = collection_confirm(actor=officer2, collection=empty("B002", 70, "41.13"))
    first = deposit_record(
        actor=officer,
        collections=[cafe_old, pharmacy_old],
        paying_in_reference="PI-000101",
        banked_on=today - timedelta(days=68),
        amount_banked=Money("123.00", "GBP"),
        difference_reason="Bank rejected a counterfeit £2 coin and 50p in foreign coins",
    )
    deposit_check(actor=manager, deposit=first)

    # The station kiosk closed after one collection, banked and checked.
    station = collection_confirm(actor=officer2, collection=empty("B005", 60, "23.80"))
    deposit_check(
        actor=manager,
        deposit=deposit_record(
            actor=officer,
            collections=[station],
            paying_in_reference="PI-000102",
            banked_on=today - timedelta(days=59),
            amount_banked=Money("23.80", "GBP"),
        ),
    )
    collection_point_update(
        actor=manager, point=points["B005"], is_active=False, closed_on=today - timedelta(days=58)
    )

    # Six weeks ago: banked, the deposit still waiting for its independent check.
    cafe_mid = collection_confirm(actor=officer2, collection=empty("B001", 42, "67.45"))
    deposit_record(
        actor=officer,
        collections=[cafe_mid],
        paying_in_reference="PI-000117",
        banked_on=today - timedelta(days=41),
        amount_banked=Money("67.45", "GBP"),
    )

    # Five weeks ago: the library's seal did not match; counted and confirmed, not banked.
    collection_confirm(
        actor=officer2, collection=empty("B003", 35, "52.10", seal_removed="S-003999")
    )
    # Two weeks ago: confirmed, cash in transit.
    collection_confirm(actor=officer2, collection=empty("B002", 14, "38.65"))
    # Three days ago: counted, sent back by the second officer.
    collection_return(
        actor=officer2,
        collection=empty("B002", 3, "19.20"),
        reason="My count came to £19.70: please recount the 10p bag.",
    )
    # Yesterday: counted by note and coin, waiting for the second officer.
    empty(
        "B001",
        1,
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
    )
