"""A fund's or request's id past 999 still works in the pages' own forms.

The site writes numbers with a thousands comma; a form value written that way ("1,234") was
refused, so a second approval failed once the fund's id passed 999
(``tests/test_template_numbers.py`` checks every template for the same mistake).
"""

import re

import pytest
from django.db import connection

from fund.models import Fund
from grants.models import Grant
from tests.grants.states import grant_in


def _ids_start_at(model, first: int) -> None:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, first - 1]
            )
        else:
            cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [table])
            cursor.execute(
                "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, first - 1]
            )


@pytest.fixture
def ids_past_a_thousand(db):
    _ids_start_at(Fund, 1234)
    _ids_start_at(Grant, 5678)


def test_a_second_approval_posts_the_fund_the_page_names(
    ids_past_a_thousand, kw, officer, officer2, manager, funded, client
):
    grant = grant_in(
        Grant.Status.SECOND_APPROVAL, kw=kw, officer=officer, officer2=officer2, manager=manager
    )
    assert (funded.pk, grant.pk) == (1234, 5678)
    client.force_login(officer2)
    page = client.get(f"/grants/{grant.pk}/").content.decode()
    fund_value = re.search(r'<input type="hidden" name="fund" value="([^"]*)">', page).group(1)
    assert fund_value == "1234"

    response = client.post(f"/grants/{grant.pk}/approve/", {"fund": fund_value, "note": ""})

    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.status == Grant.Status.APPROVED
