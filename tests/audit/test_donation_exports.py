"""Donations, collections, deposits and Gift Aid claims as CSV, XLSX and ODS."""

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from audit.exports.donations import (
    collection_rows,
    deposit_rows,
    gift_aid_claim_rows,
    online_payment_rows,
)
from audit.exports.kinds import EXPORT_KINDS, export_write
from audit.exports.params import ExportParams
from audit.resources import (
    CollectionResource,
    DepositResource,
    GiftAidClaimResource,
    OnlinePaymentResource,
)
from donations.demo.cash import cash_timeline
from donations.models import Collection, Deposit, GiftAidClaim, OnlinePayment
from donations.services.giftaid import gift_aid_claim_create
from fund.models import Fund
from tests.audit.helpers import read_table
from tests.donations.conftest import stripe_double, stripe_world  # noqa: F401 (fixtures)
from tests.fund.helpers import seed_demo_part

GIFT_AID = {
    "gift_aid": "on",
    "first_name": "Jo",
    "last_name": "Bloggs",
    "house_name_or_number": "12",
    "postcode": "NE1 6AE",
}


@pytest.fixture
def cash(public_fund):
    """The demo's collections in every state and its checked deposits."""
    seed_demo_part(cash_timeline)
    return Fund.objects.get(code="public")


@pytest.fixture
def online(stripe_world, manager):  # noqa: F811 (the imported fixture)
    stripe_world.pay(stripe_world.give("25", **GIFT_AID))
    stripe_world.pay(stripe_world.give("10"))
    stripe_world.pay(stripe_world.give("5", donor_name="Sam Giver", **GIFT_AID))
    today = timezone.localdate()
    gift_aid_claim_create(actor=manager, date_from=today - timedelta(days=1), date_to=today)
    return stripe_world.fund


def export(user, kind, file_format, **params):
    stream = io.BytesIO()
    export_write(
        actor=user,
        actor_name=user.username,
        kind=kind,
        file_format=file_format,
        params=ExportParams(**params),
        stream=stream,
    )
    return read_table(stream.getvalue(), file_format)


def column(header, rows, name):
    return [row[header.index(name)] for row in rows]


def total(header, rows, name) -> Decimal:
    values = column(header, rows, name)
    assert all(re.fullmatch(r"-?\d+\.\d{2}", v) for v in values)
    return sum((Decimal(v) for v in values), Decimal(0))


@pytest.mark.parametrize("file_format", ["csv", "xlsx", "ods"])
def test_collections_and_deposits_read_back_with_their_totals(auditor, cash, file_format):
    header, rows = export(auditor, "collections", file_format)
    assert len(rows) == Collection.objects.count() > 0
    assert (
        total(header, rows, "Counted (GBP)") == Collection.objects.aggregate(t=Sum("amount"))["t"]
    )
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", d) for d in column(header, rows, "Emptied on"))

    header, rows = export(auditor, "deposits", file_format)
    assert len(rows) == Deposit.objects.count() > 0
    assert (
        total(header, rows, "Banked (GBP)")
        == Deposit.objects.aggregate(t=Sum("amount_banked"))["t"]
    )
    assert (
        total(header, rows, "Difference (GBP)")
        == Deposit.objects.aggregate(t=Sum("amount_banked"))["t"]
        - Deposit.objects.aggregate(t=Sum("counted_total"))["t"]
    )
    assert "-2.50" in column(header, rows, "Difference (GBP)")  # the demo's counterfeit coin


@pytest.mark.parametrize("file_format", ["csv", "xlsx", "ods"])
def test_online_donations_and_gift_aid_claims_read_back(auditor, online, file_format):
    header, rows = export(auditor, "donations", file_format)
    assert len(rows) == OnlinePayment.objects.count() == 3
    assert total(header, rows, "Amount (GBP)") == Decimal("40.00")
    assert (
        total(header, rows, "Stripe fee (GBP)")
        == OnlinePayment.objects.aggregate(t=Sum("fee"))["t"]
    )
    assert sorted(column(header, rows, "Gift Aid declared")) == ["no", "yes", "yes"]

    header, rows = export(auditor, "gift_aid_claims", file_format)
    claim = GiftAidClaim.objects.get()
    assert column(header, rows, "Claim number") == [str(claim.pk)]
    assert column(header, rows, "Gifts claimed on (GBP)") == ["30.00"]
    assert column(header, rows, "Gifts") == ["2"]


def test_donor_names_and_addresses_are_never_exported(auditor, online):
    for kind in ("donations", "gift_aid_claims"):
        header, rows = export(auditor, kind, "csv")
        text = repr((header, rows))
        for personal in ("Bloggs", "Sam Giver", "NE1 6AE", "donor"):
            assert personal not in text


def test_exports_filter_by_fund_and_period(auditor, cash, restricted_fund):
    assert export(auditor, "collections", "csv", fund=restricted_fund)[1] == []
    today = timezone.localdate()
    header, rows = export(auditor, "collections", "csv", date_from=today - timedelta(days=14))
    dates = column(header, rows, "Emptied on")
    assert rows and all(d >= (today - timedelta(days=14)).isoformat() for d in dates)
    assert len(rows) < Collection.objects.count()


@pytest.mark.parametrize(
    ("rows", "resource"),
    [
        (collection_rows, CollectionResource),
        (deposit_rows, DepositResource),
        (online_payment_rows, OnlinePaymentResource),
        (gift_aid_claim_rows, GiftAidClaimResource),
    ],
)
def test_streamed_rows_match_the_import_export_resource(cash, online, rows, resource):
    streamed = [list(row) for row in rows(ExportParams())]
    exporter = resource()
    expected = [exporter.export_resource(obj) for obj in exporter.get_queryset()]
    assert streamed == expected and expected


def test_every_table_export_is_offered_in_csv_xlsx_and_ods():
    for code in ("ledger", "donations", "collections", "deposits", "gift_aid_claims"):
        assert {"csv", "xlsx", "ods"} <= set(EXPORT_KINDS[code].formats)
