"""Known data for the dashboard and transparency tests.

``ledger_world`` tells a small story across two funds, with every figure chosen so the
expected totals can be read off this file:

* Corner Café's box: £120.50 emptied 5 Oct 2026 (banked), £30.00 emptied 20 Nov 2026
  (counted, not banked). Grainger Pharmacy's box: never emptied.
* The restricted fund (ends 31 Mar 2027): £15,000.00 contribution on 1 Sep 2026; a phone
  grant of £70.00 approved 3 Nov 2026 and paid; clothing £100.00 approved 14 Oct 2026,
  unpaid.
* Online (public fund, 26 Nov 2026): a one-off gift of £25.00 from a named donor with a
  Gift Aid declaration, £5.00 of it refunded; a monthly gift of £10.00.
"""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from djmoney.money import Money

from donations.models import Collection, CollectionPoint
from donations.services.cash import (
    collection_confirm,
    collection_point_create,
    collection_record,
    deposit_check,
    deposit_record,
)
from fund.models import Fund
from fund.roles import Role
from fund.services import fund_create
from tests.conftest import make_user
from tests.donations.stripe_helpers import StripeWorld
from tests.fund.helpers import post

LONDON = ZoneInfo("Europe/London")
DONOR_NAME = "Jane Donorsmith"
HOST_CONTACT = "Sam Host"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=LONDON)


def gbp(amount: str) -> Money:
    return Money(amount, "GBP")


@pytest.fixture
def frozen_now():
    """The clock at midday on 26 Nov 2026, still ticking (the Stripe double needs it)."""
    with time_machine.travel(NOW, tick=True):
        yield NOW


@pytest.fixture
def stripe_double(settings):
    """The local Stripe double on a free loopback port, with the app pointed at it."""
    from donations.stripe_double import StripeDouble

    settings.STRIPE_SECRET_KEY = "sk_test_double_in_tests"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_double_in_tests"
    double = StripeDouble(
        api_key=settings.STRIPE_SECRET_KEY, webhook_secret=settings.STRIPE_WEBHOOK_SECRET
    )
    double.start()
    settings.STRIPE_API_BASE = double.base_url
    yield double
    double.stop()


@pytest.fixture
def officer3(db):
    return make_user("oscar.officer", Role.FUND_OFFICER)


@pytest.fixture
def rsi_fund(manager) -> Fund:
    return fund_create(
        actor=manager,
        code="rsi",
        name="Rough sleepers grant 2026/27",
        kind=Fund.Kind.RESTRICTED,
        funder="Rough Sleeping Initiative",
        period_start=date(2026, 4, 1),
        period_end=date(2027, 3, 31),
    )


def empty_box(officer, checker, point: CollectionPoint, amount: str, when: datetime) -> Collection:
    point.refresh_from_db()
    collection = collection_record(
        actor=officer,
        point=point,
        emptied_at=when,
        seal_removed=point.current_seal,
        seal_fitted=f"{point.current_seal}-N",
        amount=gbp(amount),
    )
    return collection_confirm(actor=checker, collection=collection)


@dataclass
class LedgerWorld:
    public: Fund
    restricted: Fund
    cafe: CollectionPoint
    pharmacy: CollectionPoint


@pytest.fixture
def ledger_world(
    frozen_now, officer, officer2, officer3, manager, public_fund, rsi_fund, stripe_double, client
) -> LedgerWorld:
    cafe = collection_point_create(
        actor=officer,
        host_name="Corner Café",
        address="1 High Street, Newcastle",
        box_number="B001",
        seal="S-1001",
        opened_on=date(2026, 4, 1),
        contact_name=HOST_CONTACT,
        contact_phone="0191 000 0000",
        public_code="CAFE01",
    )
    pharmacy = collection_point_create(
        actor=officer,
        host_name="Grainger Pharmacy",
        address="5 Grainger Street, Newcastle",
        box_number="B002",
        seal="S-2001",
        opened_on=date(2026, 4, 1),
    )
    october = empty_box(officer, officer2, cafe, "120.50", datetime(2026, 10, 5, 10, tzinfo=LONDON))
    deposit = deposit_record(
        actor=officer,
        collections=[october],
        paying_in_reference="PI-0001",
        banked_on=date(2026, 10, 6),
        amount_banked=gbp("120.50"),
    )
    deposit_check(actor=officer3, deposit=deposit)
    empty_box(officer, officer2, cafe, "30.00", datetime(2026, 11, 20, 10, tzinfo=LONDON))

    post(manager, rsi_fund, "assets:bank", "income:contributions", "15000.00", on=date(2026, 9, 1))
    post(
        manager,
        rsi_fund,
        "expenses:grants:phone",
        "liabilities:grants-payable",
        "70.00",
        discretionary=True,
        on=date(2026, 11, 3),
    )
    post(
        manager,
        rsi_fund,
        "liabilities:grants-payable",
        "assets:bank",
        "70.00",
        on=date(2026, 11, 4),
    )
    post(
        manager,
        rsi_fund,
        "expenses:grants:clothing",
        "liabilities:grants-payable",
        "100.00",
        discretionary=True,
        on=date(2026, 10, 14),
    )

    world = StripeWorld(double=stripe_double, client=client, fund=public_fund)
    one_off = world.give(
        "25",
        frequency="one-off",
        donor_name=DONOR_NAME,
        donor_email="jane.donorsmith@example.org",
        gift_aid="on",
        first_name="Jane",
        last_name="Donorsmith",
        house_name_or_number="12",
        postcode="NE1 4XY",
    )
    world.pay(one_off)
    world.send_all(stripe_double.dashboard_refund(world.charge_id(one_off), 500))
    monthly = world.give("10", frequency="monthly")
    world.pay(monthly)
    return LedgerWorld(public=public_fund, restricted=rsi_fund, cafe=cafe, pharmacy=pharmacy)
