"""Gift Aid claim runs and HMRC's Charities Online schedule."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from donations.exceptions import NothingToClaim
from donations.models.online import OnlinePayment
from donations.schedule import HEADERS, schedule_rows
from donations.services.giftaid import gift_aid_claim_create
from tests.donations.test_giftaid_schedule import Cell, read_cells

DECLARATION = {
    "gift_aid": "on",
    "title": "Dr",
    "first_name": "Grace",
    "last_name": "Hopper",
    "house_name_or_number": "Flat 2, 10",
    "postcode": "ne16ae",
}
RANGE = {"date_from": date(2026, 1, 1), "date_to": date(2026, 12, 31)}


@pytest.fixture
def gifts(stripe_world):
    with time_machine.travel("2026-11-03 10:00 +0000", tick=False):
        declared = stripe_world.give("10", **DECLARATION)
        stripe_world.pay(declared)
        other = stripe_world.give(
            "12.50", **{**DECLARATION, "first_name": "Alan", "last_name": "Turing"}
        )
        stripe_world.pay(other)
        refunded = stripe_world.give("25", **DECLARATION)
        stripe_world.pay(refunded)
        stripe_world.send_all(
            stripe_world.double.dashboard_refund(stripe_world.charge_id(refunded), 100)
        )
        no_declaration = stripe_world.give("5")
        stripe_world.pay(no_declaration)
    return {"declared": declared, "other": other, "refunded": refunded, "plain": no_declaration}


def test_schedule_has_hmrcs_columns_and_formats(gifts, officer):
    claim = gift_aid_claim_create(actor=officer, **RANGE)
    assert [row.shown() for row in schedule_rows(claim)] == [
        ["Dr", "Grace", "Hopper", "Flat 2, 10", "NE1 6AE", "", "", "03/11/26", "10.00"],
        ["Dr", "Alan", "Turing", "Flat 2, 10", "NE1 6AE", "", "", "03/11/26", "12.50"],
        # £25.00 less the £1.00 refunded: claimed on the £24.00 kept.
        ["Dr", "Grace", "Hopper", "Flat 2, 10", "NE1 6AE", "", "", "03/11/26", "24.00"],
    ]
    assert str(claim.total.amount) == "46.50"


def test_a_partly_refunded_gift_is_claimed_and_an_undeclared_one_is_not(gifts, officer):
    claim = gift_aid_claim_create(actor=officer, **RANGE)
    claimed = set(claim.payments.values_list("donation_id", flat=True))
    assert gifts["refunded"].pk in claimed
    assert gifts["plain"].pk not in claimed


def test_a_gift_is_never_claimed_twice(gifts, officer, stripe_world):
    first = gift_aid_claim_create(actor=officer, **RANGE)
    with pytest.raises(NothingToClaim):
        gift_aid_claim_create(actor=officer, **RANGE)
    with time_machine.travel("2026-11-20 10:00 +0000", tick=False):
        later = stripe_world.give("3", **DECLARATION)
        stripe_world.pay(later)
    second = gift_aid_claim_create(actor=officer, **RANGE)

    assert list(second.payments.values_list("donation_id", flat=True)) == [later.pk]
    assert OnlinePayment.objects.filter(gift_aid_claim=first).count() == 3


def test_a_disputed_gift_is_not_claimed(gifts, officer, stripe_world):
    stripe_world.send_all(stripe_world.double.dispute(stripe_world.charge_id(gifts["declared"])))
    claim = gift_aid_claim_create(actor=officer, **RANGE)
    assert gifts["declared"].pk not in set(claim.payments.values_list("donation_id", flat=True))


def test_claim_run_page_and_ods_download(gifts, client, officer):
    client.force_login(officer)
    response = client.post(
        reverse("donations:gift-aid-claim-run"),
        {"date_from": "2026-01-01", "date_to": "2026-12-31"},
    )
    assert response.status_code == 302
    claim_page = client.get(response["Location"]).content.decode()
    assert "Hopper" in claim_page

    download = client.get(response["Location"] + "schedule.ods")
    assert download["Content-Type"] == "application/vnd.oasis.opendocument.spreadsheet"
    sheet = read_cells(download.content)
    assert [cell.text for cell in sheet[1]] == HEADERS
    assert sheet[2][7] == Cell("date", "2026-11-03", "03/11/26")
    assert sheet[3][8] == Cell("float", "12.50", "12.50")


def test_an_auditor_can_read_claims_but_not_make_one(gifts, client, auditor):
    client.force_login(auditor)
    assert client.get(reverse("donations:gift-aid")).status_code == 200
    response = client.post(
        reverse("donations:gift-aid-claim-run"),
        {"date_from": "2026-01-01", "date_to": "2026-12-31"},
    )
    assert response.status_code == 403


def test_the_claim_form_starts_with_the_unclaimed_date_range(gifts, officer, client):
    with time_machine.travel("2026-11-20 10:00 +0000", tick=False):
        client.force_login(officer)
        page = client.get(reverse("donations:gift-aid")).content.decode()
        assert 'name="date_from" type="date" value="2026-11-03"' in page
        assert 'name="date_to" type="date" value="2026-11-03"' in page
        gift_aid_claim_create(actor=officer, **RANGE)
        page = client.get(reverse("donations:gift-aid")).content.decode()
    # Everything is claimed: nothing to suggest.
    assert 'name="date_from" type="date" value=""' in page
