"""A key worker's requests and clients pages and the decision queue come 25 rows at a time,
with the total count, and their queries do not grow with the requests (issue 15: the
requests page rendered every request of the agency, 11 times its demo time at a fiftieth
of the scale; the queue its first 200)."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grants.services.decisions import grant_approve
from tests.grants.conftest import make_grant


def _drafts(kw, numbers):
    return [make_grant(kw, client=f"CLT-{n:04d}", submit=False) for n in numbers]


def _references_on(page: str) -> list[str]:
    return re.findall(r"CLT-\d{4}", page)


def test_requests_come_25_to_a_page_newest_first_with_the_count(client, kw, funded):
    _drafts(kw, range(1, 28))
    client.force_login(kw)

    first = client.get(reverse("grants:list")).content.decode()
    second = client.get(reverse("grants:list"), {"page": 2}).content.decode()

    assert "27 requests" in first and "27 requests" in second
    assert _references_on(first) == [f"CLT-{n:04d}" for n in range(27, 2, -1)]
    assert _references_on(second) == ["CLT-0002", "CLT-0001"]
    assert 'href="?page=2#requests"' in first
    assert "2 of 2" in first


def test_the_requests_page_asks_the_same_queries_for_2_requests_or_27(client, kw, funded):
    _drafts(kw, range(1, 3))
    client.force_login(kw)
    client.get(reverse("grants:list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("grants:list"))
    _drafts(kw, range(3, 28))
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("grants:list"))
    assert len(many) == len(few)


def test_clients_come_25_to_a_page_each_with_its_own_totals(client, kw, officer, funded):
    _drafts(kw, range(1, 27))
    grant_approve(actor=officer, grant=make_grant(kw, client="CLT-0027"))
    client.force_login(kw)

    first = client.get(reverse("grants:clients")).content.decode()
    second = client.get(reverse("grants:clients"), {"page": 2}).content.decode()

    assert "27 clients" in first
    assert _references_on(first) == [f"CLT-{n:04d}" for n in range(1, 26)]
    assert "£45.00" not in first
    assert _references_on(second) == ["CLT-0026", "CLT-0027"]
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", second, re.S)
    cells = [re.sub(r"<[^>]+>", " ", row).split() for row in rows[1:]]
    assert cells == [["CLT-0026", "0", "£0.00"], ["CLT-0027", "1", "£45.00"]]


def test_the_clients_page_asks_the_same_queries_for_2_clients_or_27(client, kw, funded):
    _drafts(kw, range(1, 3))
    client.force_login(kw)
    client.get(reverse("grants:clients"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("grants:clients"))
    _drafts(kw, range(3, 28))
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("grants:clients"))
    assert len(many) == len(few)


def test_the_queue_comes_25_to_a_page_urgent_first_then_oldest(client, kw, officer, funded):
    """The queue showed its first 200 requests on one page; now 25 a page, with the count
    of all that wait, and the filter kept from page to page."""
    for n in range(1, 28):
        make_grant(kw, client=f"CLT-{n:04d}")
    make_grant(kw, client="CLT-0028", urgency="today")
    client.force_login(officer)

    first = client.get(reverse("grants:queue")).content.decode()
    second = client.get(reverse("grants:queue"), {"page": 2}).content.decode()
    filtered = client.get(reverse("grants:queue"), {"status": "submitted", "page": 2})

    assert "28 requests" in first and "28 requests" in second
    assert _references_on(first) == ["CLT-0028"] + [f"CLT-{n:04d}" for n in range(1, 25)]
    assert _references_on(second) == ["CLT-0025", "CLT-0026", "CLT-0027"]
    assert 'href="?page=2#queue"' in first
    assert "2 of 2" in first
    assert _references_on(filtered.content.decode()) == ["CLT-0025", "CLT-0026", "CLT-0027"]
    assert 'href="?status=submitted&amp;page=1#queue"' in filtered.content.decode()


def test_the_queue_asks_the_same_queries_for_2_requests_or_27(client, kw, officer, funded):
    for n in range(1, 3):
        make_grant(kw, client=f"CLT-{n:04d}")
    client.force_login(officer)
    client.get(reverse("grants:queue"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("grants:queue"))
    for n in range(3, 28):
        make_grant(kw, client=f"CLT-{n:04d}")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("grants:queue"))
    assert len(many) == len(few)


def test_the_decisions_page_pages_what_is_waiting(client, kw, manager, funded):
    """What waits on whom, 25 a page with the count (it listed every open request)."""
    for n in range(1, 28):
        make_grant(kw, client=f"CLT-{n:04d}")
    client.force_login(manager)

    first = client.get(reverse("grants:decisions")).content.decode()
    second = client.get(reverse("grants:decisions"), {"page": 2}).content.decode()

    assert "Waiting, and on whom (27)" in first
    assert len(re.findall(r"G-\d+</a></th>", first)) == 25
    assert len(re.findall(r"G-\d+</a></th>", second)) == 2
    assert 'href="?page=2#waiting"' in first


def test_the_decisions_page_asks_the_same_queries_for_2_decisions_or_27(
    client, kw, officer, manager, funded
):
    def decided(numbers):
        for n in numbers:
            grant = make_grant(kw, client=f"CLT-{n:04d}", items=(("SIM card", "5.00"),))
            grant_approve(actor=officer, grant=grant)

    decided(range(1, 3))
    client.force_login(manager)
    client.get(reverse("grants:decisions"))
    with CaptureQueriesContext(connection) as few:
        assert ">2</td>" in client.get(reverse("grants:decisions")).content.decode()
    decided(range(3, 28))
    with CaptureQueriesContext(connection) as many:
        assert ">27</td>" in client.get(reverse("grants:decisions")).content.decode()
    assert len(many) == len(few)


def _paid_long_ago(kw, officer, officer2, count: int, start: int = 0):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from grants.services.payments import grant_record_payout

    paid = []
    with time_machine.travel(timezone.now() - timedelta(days=30)):
        for n in range(start, start + count):
            grant = grant_approve(
                actor=officer,
                grant=make_grant(kw, client=f"CLT-{n:04d}", items=[("Phone", "5.00")]),
            )
            paid.append(
                grant_record_payout(
                    actor=officer2,
                    grant=grant,
                    payee="Argos",
                    method="voucher",
                    reference=f"V-{n}",
                    paid_on=timezone.localdate(),
                )
            )
    return paid


def test_receipts_and_outcomes_to_follow_up_come_25_to_a_page(
    client, kw, officer, officer2, funded
):
    _paid_long_ago(kw, officer, officer2, 2)
    client.force_login(officer)
    url = reverse("grants:follow_up")
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    few = len(few)
    _paid_long_ago(kw, officer, officer2, 25, start=2)

    with CaptureQueriesContext(connection) as many:
        first = client.get(url).content.decode()
    assert len(many) == few
    assert "Paid over 14 days ago with no receipt (27)" in first
    assert "Paid over 28 days ago with no outcome (27)" in first
    receipts = first[first.index('data-testid="missing-receipts"') : first.index('id="outcomes"')]
    assert receipts.count("/grants/") == 25
    assert '?receipts=2#receipts" rel="next"' in first
    assert '?outcomes=2#outcomes" rel="next"' in first

    second = client.get(url, {"receipts": "2"}).content.decode()
    receipts = second[
        second.index('data-testid="missing-receipts"') : second.index('id="outcomes"')
    ]
    assert receipts.count("/grants/") == 2
    outcomes = second[second.index('data-testid="outcomes-due"') :]
    assert outcomes.count('class="govuk-link" href="/grants/') == 25
