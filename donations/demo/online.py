"""The demo's online gifts through the Stripe double: one-off and monthly, refunds, a
dispute, payouts and the month-end check of Stripe's balance."""

import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from contextlib import contextmanager
from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone
from djmoney.money import Money

from devtools.stripe_double import StripeDouble
from donations.models import CollectionPoint, OnlineDonation
from donations.services.online import GiftAidDetails, online_donation_start
from donations.services.refunds import online_payment_refund
from donations.services.stripe_events import stripe_event_process, stripe_event_receive
from donations.services.stripe_reconcile import stripe_balance_reconcile
from fund.clock import Step
from people.demo import at, year_start

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
