"""The transparency page's grants by category this tax year: the year starts at midnight
on 6 April in the UK (BST), an hour before midnight UTC."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from audit.dashboards.small_numbers import CategoryCount
from audit.transparency import grants_by_category
from grants.services.decisions import grant_approve
from tests.grants.conftest import make_grant

pytestmark = pytest.mark.django_db


def _approved_at(moment, kw, officer, code: str, count: int, first: int):
    for n in range(first, first + count):
        with time_machine.travel(moment, tick=False):
            grant_approve(
                actor=officer,
                grant=make_grant(kw, client=f"CLT-{n:04d}", code=code, items=[("Item", "5.00")]),
            )


def test_a_grant_approved_just_after_uk_midnight_on_6_april_is_in_the_new_year(kw, officer, funded):
    # 00:30 BST on 6 April is 23:30 UTC on 5 April: the new tax year.
    _approved_at(datetime(2026, 4, 5, 23, 30, tzinfo=UTC), kw, officer, "phone", 5, 0)
    # 23:30 BST on 5 April is 22:30 UTC: the year before.
    _approved_at(datetime(2026, 4, 5, 22, 30, tzinfo=UTC), kw, officer, "id-documents", 6, 10)
    # 23:30 BST on 5 April 2027, the new year's last hour; 00:30 BST on 6 April 2027 is not.
    _approved_at(datetime(2027, 4, 5, 22, 30, tzinfo=UTC), kw, officer, "phone", 1, 20)
    _approved_at(datetime(2027, 4, 5, 23, 30, tzinfo=UTC), kw, officer, "id-documents", 1, 30)

    this_year = grants_by_category(date(2026, 4, 6), date(2027, 4, 5))
    assert this_year == [CategoryCount("Phone", 6)]
    last_year = grants_by_category(date(2025, 4, 6), date(2026, 4, 5))
    assert last_year == [CategoryCount("ID documents", 6)]
    assert grants_by_category() == [CategoryCount("ID documents", 7), CategoryCount("Phone", 6)]
