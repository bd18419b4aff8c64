"""Objects for the URLs in tests/access_table.py that take an id.

A fixture here is named in an entry's ``kwargs`` (``kwargs={"pk": "collection_point"}``).
Where scope matters, make the object belong to agency A (``key_worker``'s agency), so the
table can say agency B's key worker gets a 404. Loaded for the whole suite from
tests/conftest.py.
"""

import uuid
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from djmoney.money import Money

from donations.models.online import (
    GiftAidClaim,
    OnlineDonation,
    OnlinePayment,
    StripeEvent,
    StripePayout,
)
from donations.models.reconcile import StripeBalanceCheck, StripeBalanceFinding
from donations.services.cash import (
    collection_confirm,
    collection_point_create,
    collection_record,
    deposit_record,
)
from tests.access_table import ANONYMOUS, NO_ROLE
from tests.conftest import make_user

# The persona fixtures (tests/conftest.py) behind each name in the access table.
PERSONA_FIXTURES = {
    "key_worker_a": "key_worker",
    "key_worker_b": "other_key_worker",
    "officer": "officer",
    "manager": "manager",
    "auditor": "auditor",
    "partner": "partner",
}


@pytest.fixture
def personas(request, db):
    """Every persona of the access table by name (anonymous is None)."""
    users = {ANONYMOUS: None, NO_ROLE: make_user("nora.norole")}
    for persona, fixture in PERSONA_FIXTURES.items():
        users[persona] = request.getfixturevalue(fixture)
    return users


@pytest.fixture
def collection_point(officer2, public_fund):
    return collection_point_create(
        actor=officer2,
        host_name="Access Table Café",
        address="1 Test Street",
        box_number="B900",
        seal="S-9001",
        opened_on=date(2026, 4, 1),
    )


@pytest.fixture
def box_collection(officer2, collection_point):
    return collection_record(
        actor=officer2,
        point=collection_point,
        emptied_at=datetime(2026, 11, 20, 10, tzinfo=ZoneInfo("Europe/London")),
        seal_removed="S-9001",
        seal_fitted="S-9002",
        amount=Money("12.50", "GBP"),
    )


@pytest.fixture
def bank_deposit(officer2, manager, box_collection):
    confirmed = collection_confirm(actor=manager, collection=box_collection)
    return deposit_record(
        actor=officer2,
        collections=[confirmed],
        paying_in_reference="PI-ACCESS",
        banked_on=date(2026, 11, 23),
        amount_banked=Money("12.50", "GBP"),
    )


# Online giving records arrive through Stripe's webhooks; for checking who may open their
# pages, plain rows are enough (no ledger entries hang on these).
@pytest.fixture
def online_donation(public_fund):
    return OnlineDonation.objects.create(
        attempt=uuid.uuid4(),
        frequency=OnlineDonation.Frequency.ONE_OFF,
        amount=Money("5.00", "GBP"),
        fund=public_fund,
    )


@pytest.fixture
def stripe_payout(db):
    return StripePayout.objects.create(
        stripe_id="po_access_table",
        amount=Money("10.00", "GBP"),
        arrival_date=date(2026, 11, 24),
        status=StripePayout.Status.PAID,
    )


@pytest.fixture
def stripe_event(db):
    return StripeEvent.objects.create(
        stripe_id="evt_access_table",
        type="invoice.paid",
        created=datetime(2026, 11, 20, 10, tzinfo=UTC),
        outcome=StripeEvent.Outcome.FAILED,
        last_error="ValueError: for the access table",
        payload={"id": "evt_access_table", "type": "invoice.paid", "data": {"object": {}}},
    )


@pytest.fixture
def stripe_finding(db):
    """An adjustment Stripe made that nothing in the ledger explains yet."""
    check = StripeBalanceCheck.objects.create(
        checked_at=datetime(2026, 11, 24, 6, tzinfo=UTC),
        checked_on=date(2026, 11, 24),
        stripe_available=Money("5.00", "GBP"),
        stripe_pending=Money("0.00", "GBP"),
        stripe_balance=Money("5.00", "GBP"),
        ledger_balance=Money("10.00", "GBP"),
        difference=Money("-5.00", "GBP"),
        walked=1,
        last_balance_transaction_id="txn_access_table",
        last_balance_transaction_at=datetime(2026, 11, 23, 12, tzinfo=UTC),
    )
    return StripeBalanceFinding.objects.create(
        check_run=check,
        balance_transaction_id="txn_access_table",
        type="adjustment",
        reporting_category="other_adjustment",
        created=datetime(2026, 11, 23, 12, tzinfo=UTC),
        amount=Money("-5.00", "GBP"),
        fee=Money("0.00", "GBP"),
        net=Money("-5.00", "GBP"),
        lacking="An entry for an adjustment of -£5.00.",
        action="Find it in Stripe's Dashboard, then post it from this page.",
        status=StripeBalanceFinding.Status.OPEN,
    )


@pytest.fixture
def gift_aid_claim(manager):
    return GiftAidClaim.objects.create(
        date_from=date(2026, 4, 6), date_to=date(2026, 11, 1), created_by=manager
    )


@pytest.fixture
def online_payment(online_donation):
    return OnlinePayment.objects.create(
        donation=online_donation,
        fund=online_donation.fund,
        payment_intent_id="pi_access_table",
        charge_id="ch_access_table",
        amount=Money("5.00", "GBP"),
        paid_on=date(2026, 11, 20),
    )


PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def grant_request(key_worker, other_key_worker, manager, public_fund):
    """A submitted request of agency A; agency B's key worker is linked to another agency."""
    from fund.models import Account
    from grants.services.agencies import agency_create, key_worker_set
    from grants.services.requests import LineItemData, grant_create

    key_worker_set(
        actor=manager, user=key_worker, agency=agency_create(actor=manager, name="Agency A")
    )
    key_worker_set(
        actor=manager, user=other_key_worker, agency=agency_create(actor=manager, name="Agency B")
    )
    return grant_create(
        actor=key_worker,
        client_reference="ACC-0001",
        category=Account.objects.get(code="expenses:grants:phone"),
        urgency="this_week",
        own_words="Keep in touch with the housing team.",
        why_fund="No other source.",
        line_items=[LineItemData(description="Phone", amount=Money("40.00", "GBP"))],
        submit=True,
    )


@pytest.fixture
def grant_quote(grant_request, key_worker, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from grants.services.documents import document_upload

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path)}},
    }
    return document_upload(
        actor=key_worker,
        grant=grant_request,
        kind="quote",
        upload=SimpleUploadedFile("quote.pdf", PDF_BYTES, content_type="application/pdf"),
    )


@pytest.fixture
def category_cap(public_fund):
    from fund.models import CategoryCap

    return CategoryCap.objects.filter(fund=public_fund).order_by("pk").first()


@pytest.fixture
def export_manifest(auditor):
    from audit.services import manifest_record

    return manifest_record(
        actor=auditor,
        actor_name=auditor.username,
        kind="ledger",
        file_format="csv",
        parameters={"from": None, "to": None, "fund": None},
        file_name="ledger.csv",
        sha256="0" * 64,
        size_bytes=0,
        row_count=0,
        chain_head_sequence=0,
        chain_head_hash="0" * 64,
    )


@pytest.fixture
def gasds_year(bank_deposit):
    """Box cash counted and banked in the tax year from 6 April 2026: its GASDS page exists."""
    return bank_deposit


@pytest.fixture
def gasds_claim(manager, public_fund):
    """A GASDS claim awaiting HMRC's payment (its posting made directly, as a stand-in)."""
    from donations.models.giftaid import GasdsClaim
    from fund.services.posting import Leg, entry_post

    entry = entry_post(
        actor=manager,
        effective_date=date(2026, 11, 30),
        memo="GASDS claim for the access table",
        source="tests",
        legs=[
            Leg(
                fund=public_fund,
                debit="assets:gasds-receivable",
                credit="income:gasds",
                amount=Money("2.50", "GBP"),
            )
        ],
    )
    return GasdsClaim.objects.create(
        tax_year_start=date(2026, 4, 6),
        hmrc_reference="GASDS-ACCESS",
        claimed_on=date(2026, 11, 30),
        small_donations=Money("10.00", "GBP"),
        top_up=Money("2.50", "GBP"),
        entry=entry,
        created_by=manager,
    )


@pytest.fixture
def access_agency(manager):
    from grants.services.agencies import agency_create

    return agency_create(actor=manager, name="Access Table Agency")


@pytest.fixture
def staff_person(db):
    """A fund officer who is none of the personas, for the people pages to change."""
    from people.roles import Role

    return make_user("sam.staffperson", Role.FUND_OFFICER)


@pytest.fixture
def pledge(manager, public_fund):
    from donations.services.contributions import pledge_record

    return pledge_record(
        actor=manager,
        funder="Access Table Council",
        fund=public_fund,
        amount=Money("500.00", "GBP"),
        purpose="",
        period_start=date(2026, 4, 1),
        period_end=date(2027, 3, 31),
        reference="AT-1",
    )


@pytest.fixture
def worker_heartbeat(db):
    """A task worker seen just now, so /health/ answers 200."""
    from fund.health import record_worker_heartbeat

    record_worker_heartbeat()


@pytest.fixture
def statement_line(officer, public_fund):
    from banking.models import BankAccount
    from banking.services.statements import statement_import

    result = statement_import(
        actor=officer,
        bank_account=BankAccount.objects.get(code="current"),
        content=b"Date,Description,Amount,Balance\n2026-11-20,ACCOUNT FEE,-2.00,98.00\n"
        b"2026-11-21,CREDIT 123,10.00,108.00\n",
        file_name="access.csv",
    )
    return result.statement.lines.order_by("position").first()


@pytest.fixture
def bank_match(officer, public_fund, statement_line):
    from banking.services.worked_lines import line_work

    line = statement_line.statement.lines.order_by("position").last()
    return line_work(
        actor=officer, line=line, kind="unknown_receipt", fund=public_fund, reason="Access table"
    )
