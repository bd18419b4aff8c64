"""The database itself refuses cash records that break the controls."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from djmoney.money import Money

from donations.models import Collection, CollectionPoint, Deposit


@pytest.fixture
def point(public_fund):
    return CollectionPoint.objects.create(
        fund=public_fund,
        host_name="Corner Café",
        address="1 High Street",
        opened_on=date(2026, 4, 1),
        box_number="B001",
        current_seal="S-1001",
        public_code="CAFE01",
    )


def collection(point, user, **overrides):
    fields = dict(
        point=point,
        emptied_at=timezone.now(),
        seal_expected="S-1001",
        seal_removed="S-1001",
        seal_fitted="S-1002",
        amount=Money("12.50", "GBP"),
        counted_by=user,
        counted_at=timezone.now(),
    )
    fields.update(overrides)
    return Collection.objects.create(**fields)


def refused(*, make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_public_code_must_be_uppercase(public_fund):
    with pytest.raises(IntegrityError), transaction.atomic():
        CollectionPoint.objects.create(
            fund=public_fund,
            host_name="Pharmacy",
            address="2 High Street",
            opened_on=date(2026, 4, 1),
            box_number="B002",
            current_seal="S-2001",
            public_code="pharm1",
        )


def test_public_code_is_unique(point, public_fund):
    with pytest.raises(IntegrityError), transaction.atomic():
        CollectionPoint.objects.create(
            fund=public_fund,
            host_name="Pharmacy",
            address="2 High Street",
            opened_on=date(2026, 4, 1),
            box_number="B002",
            current_seal="S-2001",
            public_code="CAFE01",
        )


def test_collection_amount_must_be_positive(point, officer):
    refused(make=lambda: collection(point, officer, amount=Money("0.00", "GBP")))
    refused(make=lambda: collection(point, officer, amount=Money("-1.00", "GBP")))


def test_seal_mismatch_must_be_flagged_broken(point, officer):
    refused(make=lambda: collection(point, officer, seal_removed="S-9999"))
    refused(make=lambda: collection(point, officer, seal_broken=True))
    assert collection(point, officer, seal_removed="S-9999", seal_broken=True).seal_broken


def test_confirmer_must_differ_from_counter_in_the_database(point, officer):
    row = collection(point, officer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Collection.objects.filter(pk=row.pk).update(confirmed_by=officer)


def test_deposit_difference_needs_a_reason(public_fund, officer):
    with pytest.raises(IntegrityError), transaction.atomic():
        Deposit.objects.create(
            fund=public_fund,
            paying_in_reference="PI-1",
            banked_on=date(2026, 5, 1),
            counted_total=Money("20.00", "GBP"),
            amount_banked=Money("17.50", "GBP"),
            recorded_by=officer,
            recorded_at=timezone.now(),
        )
