"""Demo data: collection points, seals, collections and deposits; online gifts through Stripe.

Everything goes through the services. Running it again adds nothing: the points are the
marker that the cash demo is already there, the first online gift's form token that the
online demo is.
"""

import json
import urllib.parse
import urllib.request
import uuid
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from djmoney.money import Money

from devtools.stripe_double import StripeDouble
from donations.models import CollectionPoint, OnlineDonation
from donations.services.cash import (
    collection_confirm,
    collection_point_create,
    collection_point_update,
    collection_record,
    collection_return,
    deposit_check,
    deposit_record,
)
from donations.services.online import (
    GiftAidDetails,
    online_donation_start,
    online_payment_refund,
    stripe_event_process,
    stripe_event_receive,
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


# ---- Online giving ----------------------------------------------------------------------

# The donation forms' one-time tokens: fixed, so a second run finds the first and stops.
ONLINE_DEMO_NAMESPACE = uuid.UUID("6f1c9b52-31a8-4d7e-9a57-0c2a1e3d4b60")
DEMO_SITE = "http://127.0.0.1:8000/"


def _demo_attempt(name: str) -> uuid.UUID:
    return uuid.uuid5(ONLINE_DEMO_NAMESPACE, name)


def _double_action(base: str, action: str, **fields: str) -> list[dict]:
    """Ask the Stripe double to do what a donor, a bank or a card holder would do."""
    body = urllib.parse.urlencode({**fields, "format": "json"}).encode()
    request = urllib.request.Request(f"{base}/_double/{action}", data=body, method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["events"]


def seed_online(context) -> None:
    """Online gifts through the Stripe double: one-off, monthly, refunded, disputed, paid out.

    Uses the running double when ``STRIPE_API_BASE`` points at one (``make run``), else a
    temporary one on a free loopback port. Never real Stripe: the demo is offline.
    """
    if OnlineDonation.objects.filter(attempt=_demo_attempt("one-off-gift-aid")).exists():
        return
    temporary = None
    saved = settings.STRIPE_API_BASE, settings.STRIPE_SECRET_KEY
    if not settings.STRIPE_API_BASE:
        settings.STRIPE_SECRET_KEY = "sk_test_offline_double"
        temporary = StripeDouble(api_key=settings.STRIPE_SECRET_KEY).start()
        settings.STRIPE_API_BASE = temporary.base_url
    try:
        _seed_online_gifts(context, settings.STRIPE_API_BASE)
    finally:
        settings.STRIPE_API_BASE, settings.STRIPE_SECRET_KEY = saved
        if temporary is not None:
            temporary.stop()


def _seed_online_gifts(context, base: str) -> None:
    users = context["users"]
    officer = users["officer"]

    def process(events):
        # What the endpoint and then the worker do, here in one go.
        for event in events:
            stripe_event_process(event_id=stripe_event_receive(event=event).pk)

    def give(name, amount, *, frequency="one-off", gift_aid=None, point=None, outcome="paid"):
        donation = online_donation_start(
            actor=None,
            attempt=_demo_attempt(name),
            amount=Money(amount, "GBP"),
            frequency=frequency,
            gift_aid=gift_aid,
            point=point,
            site_url=DEMO_SITE,
        )
        process(
            _double_action(base, "complete", session=donation.stripe_session_id, outcome=outcome)
        )
        donation.refresh_from_db()
        return donation

    declaration = GiftAidDetails(
        title="Ms",
        first_name="Jane",
        last_name="Demo",
        house_name_or_number="12",
        address="Example Road, Newcastle",
        postcode="NE1 4XF",
    )
    give("one-off-gift-aid", "10.00", gift_aid=declaration)
    corner = CollectionPoint.objects.filter(public_code="CORNER").first()
    give("corner-qr", "25.00", point=corner)
    monthly = give(
        "monthly-gift-aid",
        "5.00",
        frequency="monthly",
        gift_aid=GiftAidDetails(
            first_name="Sam", last_name="Example", house_name_or_number="3", postcode="NE2 1AB"
        ),
    )
    process(_double_action(base, "invoice", subscription=monthly.stripe_subscription_id))

    refunded = give("refunded", "20.00")
    online_payment_refund(
        actor=officer,
        payment=refunded.payments.get(),
        amount=Money("5.00", "GBP"),
        reason="Donor asked for part of a mistaken gift back",
        request_key=_demo_attempt("refund-1"),
    )
    disputed = give("disputed", "15.00")
    opened = _double_action(base, "dispute", charge=disputed.payments.get().charge_id)
    process(opened)
    process(
        _double_action(base, "close-dispute", dispute=opened[0]["data"]["object"]["id"], won="0")
    )

    process(_double_action(base, "payout"))
    give("after-payout", "3.00")
    give("bank-debit-pending", "50.00", outcome="async")
