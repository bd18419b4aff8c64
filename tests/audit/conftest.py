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
from fund.models import Account, Entry, Fund
from fund.services.funds import fund_create
from fund.services.posting import Leg, entry_post
from fund.services.reversal import entry_reverse
from people.roles import Role
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
    from devtools.stripe_double import StripeDouble

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


# --- The grant workflow --------------------------------------------------------------------

# Name-like text a key worker might wrongly type; the first name is not on the list in
# grants/first_names.py, so the personal-data check lets it through to the database.
CLIENT_NAME = "Ottoline Clientname"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def london(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=LONDON)


@dataclass
class GrantsWorld:
    fund: Fund
    agency: object
    other_agency: object
    grants: dict


@pytest.fixture
def grants_world(
    settings, tmp_path, manager, officer, officer2, key_worker, other_key_worker, public_fund
):
    """Ten requests with known timestamps (all London time, 2026):

    ========  =========  ===========  ===============  ===============  =====================
    grant     category   agency       submitted        decided          paid / then
    ========  =========  ===========  ===============  ===============  =====================
    phone1-5  phone      Complex      2 Nov 09:00      +2,4,6,8,10 h    phone1 3 Nov 11:00
                                                       (approved)       (receipt, outcome
                                                                        "partly", no consent);
                                                                        phone2 3 Nov 15:00
                                                                        (outcome "no", consent,
                                                                        note names its client)
    travel1   travel     Riverside    10 Sep 09:00     12:00 declined
    travel2   travel     Riverside    15 Sep 09:00     16 Sep 09:00     17 Sep 09:00; outcome
                                                                        "yes" 20 Oct, consent
    id        ID docs    Complex      25 Nov 09:00     waiting (urgent)
    clothes1  clothing   Complex      20 Nov 09:00     waiting
    clothes2  clothing   Complex      26 Nov 10:00     waiting
    ========  =========  ===========  ===============  ===============  =====================

    The clock then stands at midday on 26 Nov 2026.
    """
    from django.core.files.uploadedfile import SimpleUploadedFile

    from grants.services.agencies import agency_create, key_worker_set
    from grants.services.decisions import grant_approve, grant_decline
    from grants.services.documents import document_upload
    from grants.services.payments import grant_record_outcome, grant_record_payout
    from grants.services.requests import LineItemData, grant_create

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    with time_machine.travel(london(7, 1, 9), tick=False):
        post(manager, public_fund, "assets:bank", "income:donations:online", "5000.00")
        agency = agency_create(actor=manager, name="Complex Lives Team")
        other = agency_create(actor=manager, name="Riverside Hostel")
        key_worker_set(actor=manager, user=key_worker, agency=agency)
        key_worker_set(actor=manager, user=other_key_worker, agency=other)

    def request(kw, code, client, when, amount="45.00", urgency="this_week"):
        with time_machine.travel(when, tick=False):
            return grant_create(
                actor=kw,
                client_reference=client,
                category=Account.objects.get(code=f"expenses:grants:{code}"),
                urgency=urgency,
                own_words=f"{CLIENT_NAME} wants to ring the jobcentre.",
                why_fund="Nothing else pays for this.",
                line_items=[
                    LineItemData(
                        description=f"Item for {CLIENT_NAME}", amount=gbp(amount), supplier="Argos"
                    )
                ],
                submit=True,
            )

    def approve(grant, when):
        with time_machine.travel(when, tick=False):
            return grant_approve(actor=officer, grant=grant)

    def pay(grant, when):
        with time_machine.travel(when, tick=False):
            grant_record_payout(
                actor=officer2,
                grant=grant,
                payee="Argos",
                method="supplier",
                reference=f"BACS-{grant.pk}",
                paid_on=when.date(),
            )
        grant.refresh_from_db()
        return grant

    grants = {}
    for n, hours in enumerate((2, 4, 6, 8, 10), start=1):
        grant = request(key_worker, "phone", f"CLT-000{n}", london(11, 2, 9))
        grants[f"phone{n}"] = approve(grant, london(11, 2, 9 + hours))
    grants["phone1"] = pay(grants["phone1"], london(11, 3, 11))
    grants["phone2"] = pay(grants["phone2"], london(11, 3, 15))
    with time_machine.travel(london(11, 10, 9), tick=False):
        document_upload(
            actor=key_worker,
            grant=grants["phone1"],
            kind="receipt",
            upload=SimpleUploadedFile("r.pdf", PDF, content_type="application/pdf"),
        )
    with time_machine.travel(london(11, 20, 9), tick=False):
        grant_record_outcome(
            actor=key_worker,
            grant=grants["phone1"],
            barrier_removed="partly",
            note=f"{CLIENT_NAME} can ring the jobcentre now.",
            consent_to_share=False,
        )
    with time_machine.travel(london(11, 21, 9), tick=False):
        grant_record_outcome(
            actor=key_worker,
            grant=grants["phone2"],
            barrier_removed="no",
            note="CLT-0002 lost the phone within a week.",
            consent_to_share=True,
        )

    grant = request(other_key_worker, "travel", "RH-0001", london(9, 10, 9))
    with time_machine.travel(london(9, 10, 12), tick=False):
        grants["travel1"] = grant_decline(
            actor=officer, grant=grant, reason="The council pays for this."
        )
    grant = request(other_key_worker, "travel", "RH-0002", london(9, 15, 9))
    grants["travel2"] = pay(approve(grant, london(9, 16, 9)), london(9, 17, 9))
    with time_machine.travel(london(10, 20, 9), tick=False):
        grant_record_outcome(
            actor=other_key_worker,
            grant=grants["travel2"],
            barrier_removed="yes",
            note="Got to every interview and started work in the second week.",
            consent_to_share=True,
        )

    grants["id"] = request(
        key_worker, "id-documents", "CLT-0010", london(11, 25, 9), urgency="today"
    )
    grants["clothes1"] = request(key_worker, "clothing", "CLT-0011", london(11, 20, 9))
    grants["clothes2"] = request(key_worker, "clothing", "CLT-0012", london(11, 26, 10))
    return GrantsWorld(fund=public_fund, agency=agency, other_agency=other, grants=grants)


@pytest.fixture
def at_noon_26_november():
    with time_machine.travel(london(11, 26, 12), tick=True):
        yield


# --- exports: a small, varied ledger told through the real posting service ----------------


@pytest.fixture
def staff_auditor(db):
    """An auditor as provisioned for the admin: staff status, Auditor group, nothing else."""
    return make_user("ada.auditor", Role.AUDITOR, is_staff=True)


@pytest.fixture
def ledger(officer, manager, public_fund, restricted_fund):
    """Two funds, three months, a split entry, a reversal and awkward memo text."""
    post(
        manager,
        restricted_fund,
        "assets:bank",
        "income:contributions",
        "15000.00",
        on=date(2026, 4, 14),
        memo="Rough Sleeping Initiative contribution, 2026/27",
    )
    post(
        officer,
        public_fund,
        "assets:cash-in-transit",
        "income:donations:boxes",
        "84.37",
        on=date(2026, 5, 2),
        memo='Box 7 counted: "Corner Café" £84.37',
    )
    post(
        officer,
        public_fund,
        "assets:bank",
        "assets:cash-in-transit",
        "84.37",
        on=date(2026, 5, 3),
        memo="Deposit 1 banked",
    )
    entry_post(
        actor=officer,
        effective_date=date(2026, 5, 20),
        memo="Online gift; card",
        source="tests",
        idempotency_key="evt_1",
        legs=[
            Leg(
                fund=public_fund,
                debit="assets:stripe",
                credit="income:donations:online",
                amount=gbp("25.00"),
            ),
            Leg(
                fund=public_fund, debit="expenses:fees", credit="assets:stripe", amount=gbp("0.58")
            ),
        ],
    )
    approval = post(
        manager,
        restricted_fund,
        "expenses:grants:phone",
        "liabilities:grants-payable",
        "70.00",
        discretionary=True,
        on=date(2026, 6, 1),
        memo="Grant G-1 approved",
    )
    post(
        officer,
        restricted_fund,
        "liabilities:grants-payable",
        "assets:bank",
        "70.00",
        on=date(2026, 6, 2),
        memo="Grant G-1 paid",
    )
    withdrawn = post(
        manager,
        public_fund,
        "expenses:grants:travel",
        "liabilities:grants-payable",
        "12.40",
        discretionary=True,
        on=date(2026, 6, 10),
        memo="Grant G-2 approved",
    )
    entry_reverse(
        actor=manager, entry=withdrawn, effective_date=date(2026, 6, 11), memo="Grant G-2 withdrawn"
    )
    return {"entries": Entry.objects.count(), "approval": approval}
