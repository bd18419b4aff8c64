"""The 48-hour promise: time left in the queue, shares decided within it, decisions per
officer and what is waiting on whom."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.test import Client

from grants.services.decisions import grant_approve, grant_decline, grant_request_info
from tests.grants.conftest import make_grant

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def at(moment):
    return mock.patch("django.utils.timezone.now", return_value=moment)


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def three_requests(kw, officer, officer2, funded):
    with at(T0):
        quick = make_grant(kw, client="CLT-0001")
        slow = make_grant(kw, client="CLT-0002")
        waiting = make_grant(kw, client="CLT-0003")
        asked = make_grant(kw, client="CLT-0004")
    with at(T0 + timedelta(hours=5)):
        grant_approve(actor=officer, grant=quick)
    with at(T0 + timedelta(hours=60)):
        grant_decline(actor=officer2, grant=slow, reason="A phone was bought last month.")
    with at(T0 + timedelta(hours=1)):
        grant_request_info(actor=officer, grant=asked, note="Which network?")
    return {"quick": quick, "slow": slow, "waiting": waiting, "asked": asked}


def test_the_queue_shows_time_left_then_how_far_overdue(officer, three_requests):
    waiting = three_requests["waiting"]
    with at(T0 + timedelta(hours=10, minutes=30)):
        page = signed_in(officer).get("/grants/queue/").content.decode()
    assert "within 48 hours of a request being sent" in page
    assert (
        f'data-testid="promise-{waiting.pk}"><span class="govuk-visually-hidden">'
        "Decision promise: </span>37 hours left<" in page
    )
    # A request with the key worker is not on the fund's clock.
    assert f'data-testid="promise-{three_requests["asked"].pk}"' not in page

    with at(T0 + timedelta(hours=50, minutes=15)):
        page = signed_in(officer).get("/grants/queue/").content.decode()
    assert ">2 hours overdue<" in page


def test_the_promise_is_a_setting(officer, three_requests, settings):
    settings.DECISION_PROMISE_HOURS = 24
    with at(T0 + timedelta(hours=30)):
        page = signed_in(officer).get("/grants/queue/").content.decode()
    assert ">6 hours overdue<" in page


def test_a_manager_sees_decisions_per_officer_and_who_each_request_waits_on(
    manager, three_requests
):
    with at(T0 + timedelta(days=3)):
        page = signed_in(manager).get("/grants/decisions/").content.decode()
    officers = page[page.index('data-testid="officers"') : page.index('data-testid="waiting"')]
    rows = [r.split("</tr>")[0] for r in officers.split('<tr class="govuk-table__row">')[2:]]
    cells = [
        [c.split("<")[0] for c in row.replace("</th>", "<").split('">')[1:] if c.split("<")[0]]
        for row in rows
    ]
    # Olivia approved within 5 hours; Omar declined after 60, and asked nothing.
    # Olivia's request for information is not a decision.
    assert cells == [["olivia.officer", "1", "1", "5.0"], ["omar.officer", "1", "0", "60.0"]]
    waiting = page[page.index('data-testid="waiting"') :]
    assert "Any fund officer" in waiting and "24 hours overdue" in waiting
    assert "Key worker kim.keyworker (Complex Lives Team)" in waiting
    assert "Paused: with the key worker" in waiting


def test_the_dashboard_and_the_transparency_page_show_the_share_per_month(officer, three_requests):
    from django.core.cache import cache

    cache.clear()
    with at(datetime(2026, 12, 2, 12, 0, tzinfo=UTC)):
        dashboard = signed_in(officer).get("/audit/dashboard/").content.decode()
        public = Client().get("/transparency/").content.decode()
    for page in (dashboard, public):
        table = page[page.index('data-testid="promise-months"') :]
        table = table[: table.index("</table>")]
        assert "Decided within 48 hours of the request, by month" in table
        nov = table[table.index("Nov 2026") :]
        nov = nov[: nov.index("</tr>")]
        # Two decisions in November (the request for information is not one); one in time.
        assert [c.split("<")[0] for c in nov.split('numeric">')[1:]] == ["2", "1", "50%"]
        dec = table[table.index("Dec 2026") :]
        assert "none decided" in dec[: dec.index("</tr>")]
        assert "Jan 2026" in table and "Dec 2025" not in table


def test_an_officers_median_and_count_within_the_promise_over_several_decisions(
    kw, officer, officer2, manager, funded
):
    with at(T0):
        grants = [make_grant(kw, client=f"CLT-01{i:02d}") for i in range(5)]
    # Olivia: 2, 7, 50 and 71 hours (median 28.5, two within 48); Omar: 3 hours.
    for grant, hours, actor in zip(
        grants, [2, 7, 50, 71, 3], [officer, officer, officer, officer, officer2], strict=True
    ):
        with at(T0 + timedelta(hours=hours)):
            if hours == 50:
                grant_decline(actor=actor, grant=grant, reason="Bought last month.")
            else:
                grant_approve(actor=actor, grant=grant)
    with at(T0 + timedelta(days=4)):
        page = signed_in(manager).get("/grants/decisions/").content.decode()
    officers = page[page.index('data-testid="officers"') :]
    officers = officers[: officers.index("</table>")]
    rows = [r.split("</tr>")[0] for r in officers.split('<tr class="govuk-table__row">')[2:]]
    cells = [
        [c.split("<")[0] for c in row.replace("</th>", "<").split('">')[1:] if c.split("<")[0]]
        for row in rows
    ]
    assert cells == [["olivia.officer", "4", "2", "28.5"], ["omar.officer", "1", "1", "3.0"]]

    # The staff home page: the median of 2, 3, 7, 50 and 71 hours to a decision.
    with at(T0 + timedelta(days=4)):
        home = signed_in(officer).get("/").content.decode()
    assert "7.0 hours (5 decided)" in home
