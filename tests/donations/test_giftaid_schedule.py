"""HMRC's Gift Aid schedule: HMRC's column rules, typed cells, parts of 1,000 lines.

The rules are gov.uk's "Schedule spreadsheet to claim back tax on Gift Aid donations":
title at most 4 characters, names at most 35, a double-barrelled surname with a space for
the hyphen, postcodes in capitals with a space, "X" as the postcode of a donor living
outside the UK, dates DD/MM/YY and amounts to 2 places as typed cells, small donations
(at or under the limit, £30 today) added together up to £1,000 a line with a description
of at most 35 characters, and at most 1,000 lines in one spreadsheet.

The claims here are laid out row by row (as a claim run leaves them) so that a claim of
1,001 donors costs no thousand checkouts; claim runs themselves are tested elsewhere.
"""

import io
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from djmoney.money import Money
from odf.opendocument import load
from odf.table import TableCell, TableRow
from odf.text import P

from donations.models.giftaid import GiftAidClaimLine
from donations.models.online import (
    GIFT_AID_STATEMENT,
    GiftAidClaim,
    GiftAidDeclaration,
    OnlineDonation,
    OnlinePayment,
)
from donations.schedule import HEADERS, hmrc_name, hmrc_surname, schedule_parts, schedule_rows
from donations.services.giftaid import gift_aid_tax


@dataclass(frozen=True)
class Cell:
    type: str
    value: str
    text: str


def read_cells(content: bytes) -> list[list[Cell]]:
    """Every row of the ODS file's sheet, each cell with its value type, value and text."""
    document = load(io.BytesIO(content))
    rows = []
    for row in document.spreadsheet.getElementsByType(TableRow):
        cells = []
        for cell in row.getElementsByType(TableCell):
            kind = cell.getAttribute("valuetype") or ""
            value = {"date": cell.getAttribute("datevalue"), "float": cell.getAttribute("value")}
            text = "".join(str(p) for p in cell.getElementsByType(P))
            cells.append(Cell(kind, value.get(kind) or "", text))
        rows.append(cells)
    return rows


DONOR = {
    "title": "Dr",
    "first_name": "Grace",
    "last_name": "Hopper",
    "house_name_or_number": "10",
    "postcode": "NE1 6AE",
}


def claim_of(actor, fund, gifts) -> GiftAidClaim:
    """A claim holding ``gifts``: (declaration fields, paid on, amount) each."""
    claim = GiftAidClaim.objects.create(
        date_from=date(2020, 1, 1), date_to=date(2027, 4, 5), created_by=actor
    )
    declarations = GiftAidDeclaration.objects.bulk_create(
        [
            GiftAidDeclaration(
                **{**DONOR, **fields},
                statement=GIFT_AID_STATEMENT,
                declared_at=datetime(2020, 1, 1, tzinfo=UTC),
            )
            for fields, _, _ in gifts
        ]
    )
    donations = OnlineDonation.objects.bulk_create(
        [
            OnlineDonation(
                attempt=uuid.uuid4(),
                frequency="one-off",
                amount=Money(amount, "GBP"),
                fund=fund,
                gift_aid=declaration,
                status="paid",
            )
            for declaration, (_, _, amount) in zip(declarations, gifts, strict=True)
        ]
    )
    payments = OnlinePayment.objects.bulk_create(
        [
            OnlinePayment(
                donation=donation,
                fund=fund,
                payment_intent_id=f"pi_schedule_{donation.pk}",
                charge_id=f"ch_schedule_{donation.pk}",
                amount=Money(amount, "GBP"),
                paid_on=paid_on,
                gift_aid_claim=claim,
            )
            for donation, (_, paid_on, amount) in zip(donations, gifts, strict=True)
        ]
    )
    GiftAidClaimLine.objects.bulk_create(
        [
            GiftAidClaimLine(
                claim=claim,
                payment=payment,
                fund=fund,
                paid_on=payment.paid_on,
                amount=payment.amount,
                tax=gift_aid_tax(payment.amount),
            )
            for payment in payments
        ]
    )
    if connection.vendor == "postgresql":
        # Rows bulk-inserted in the test's own transaction are invisible to autovacuum, so
        # PostgreSQL would plan the schedule's joins for empty tables (nested loops over a
        # thousand rows each). ANALYZE counts the transaction's own new rows.
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE donations_giftaiddeclaration, donations_onlinedonation, "
                "donations_onlinepayment, donations_giftaidclaimline"
            )
    return claim


def shown(claim, **options):
    return [row.shown() for row in schedule_rows(claim, **options)]


def test_names_titles_and_postcodes_follow_hmrcs_rules(officer, public_fund):
    claim = claim_of(
        officer,
        public_fund,
        [
            ({"last_name": "House-Martin", "postcode": "s192bd"}, date(2026, 11, 3), "10.00"),
            (
                {
                    "title": "Prof",
                    "first_name": "Mary  Jane",
                    "last_name": "Smith -  Jones",
                    "postcode": " ec4m8ad ",
                },
                date(2026, 11, 4),
                "12.50",
            ),
        ],
    )

    assert shown(claim) == [
        ["Dr", "Grace", "House Martin", "10", "S19 2BD", "", "", "03/11/26", "10.00"],
        [
            "Prof",
            "Mary Jane",
            "Smith Jones",
            "10",
            "EC4M 8AD",
            "",
            "",
            "04/11/26",
            "12.50",
        ],
    ]


def test_names_longer_than_35_characters_are_cut_to_35():
    # The declaration's fields hold 35 already; names from elsewhere are cut the same way.
    assert hmrc_name("Maximiliana Wilhelmina Theodora Augusta") == (
        "Maximiliana Wilhelmina Theodora Aug"
    )
    assert hmrc_surname("Featherstonehaugh-Cholmondeley-Marjoribanks") == (
        "Featherstonehaugh Cholmondeley Marj"
    )


def test_a_donor_living_outside_the_uk_has_x_as_the_postcode(officer, public_fund):
    claim = claim_of(
        officer,
        public_fund,
        [
            (
                {"house_name_or_number": "Rue de Rivoli 12", "postcode": "X", "outside_uk": True},
                date(2026, 11, 3),
                "10.00",
            )
        ],
    )

    assert shown(claim) == [
        ["Dr", "Grace", "Hopper", "Rue de Rivoli 12", "X", "", "", "03/11/26", "10.00"]
    ]


def test_dates_and_amounts_are_typed_cells_below_hmrcs_headers(client, officer, public_fund):
    claim = claim_of(officer, public_fund, [({}, date(2026, 11, 3), "1234.50")])
    client.force_login(officer)

    response = client.get(reverse("donations:gift-aid-schedule", args=[claim.pk]))

    rows = read_cells(response.content)
    assert rows[0][0].text == (
        "For copying into HMRC's Gift Aid schedule template (Charities Online): paste the "
        f"values only, below the template's headers. Claim {claim.pk}, schedule 1 of 1."
    )
    assert [cell.text for cell in rows[1]] == HEADERS
    assert rows[2] == [
        Cell("string", "", "Dr"),
        Cell("string", "", "Grace"),
        Cell("string", "", "Hopper"),
        Cell("string", "", "10"),
        Cell("string", "", "NE1 6AE"),
        Cell("", "", ""),
        Cell("", "", ""),
        Cell("date", "2026-11-03", "03/11/26"),
        Cell("float", "1234.50", "1234.50"),
    ]


def test_a_claim_of_1001_donors_makes_two_schedules(client, officer, public_fund):
    gifts = [({"last_name": f"Donor{n:04d}"}, date(2026, 11, 3), "10.00") for n in range(1001)]
    claim = claim_of(officer, public_fund, gifts)

    parts = schedule_parts(schedule_rows(claim))
    assert [len(part) for part in parts] == [1000, 1]

    client.force_login(officer)
    url = reverse("donations:gift-aid-schedule", args=[claim.pk])
    second = client.get(url, {"part": "2"})
    assert second["Content-Disposition"] == (
        f'attachment; filename="gift-aid-claim-{claim.pk}-schedule-2-of-2.ods"'
    )
    rows = read_cells(second.content)
    assert rows[0][0].text.endswith("schedule 2 of 2.")
    assert len(rows) == 3  # the note, HMRC's headers and the 1,001st donor
    assert rows[2][2].text == "Donor1000"
    assert client.get(url, {"part": "3"}).status_code == 404
    page = client.get(reverse("donations:gift-aid-claim", args=[claim.pk])).content.decode()
    assert "Download schedule 2 of 2 (ODS)" in page


def test_small_donations_are_added_together_up_to_1000_a_line(officer, public_fund):
    small = [({}, date(2026, 11, 1 + n % 20), "30.00") for n in range(34)]
    claim = claim_of(
        officer,
        public_fund,
        [
            *small,
            ({}, date(2026, 4, 5), "5.00"),  # the tax year before: a line of its own
            ({"last_name": "Big"}, date(2026, 11, 2), "30.01"),  # over the limit: named
        ],
    )

    assert shown(claim, aggregate=True) == [
        ["", "", "", "", "", "Online gifts of £30.00 or less", "", "05/04/26", "5.00"],
        ["Dr", "Grace", "Big", "10", "NE1 6AE", "", "", "02/11/26", "30.01"],
        # 33 × £30.00 = £990.00 fits in a line; a 34th would pass £1,000.
        ["", "", "", "", "", "Online gifts of £30.00 or less", "", "19/11/26", "990.00"],
        ["", "", "", "", "", "Online gifts of £30.00 or less", "", "20/11/26", "30.00"],
    ]
    total = sum(Decimal(row[8]) for row in shown(claim, aggregate=True))
    assert total == Decimal("1055.01")


@pytest.mark.parametrize(("limit", "description"), [("20", "Online gifts of £20.00 or less")])
def test_the_small_donation_limit_is_a_setting(settings, officer, public_fund, limit, description):
    settings.GIFT_AID_AGGREGATE_LIMIT = limit
    claim = claim_of(
        officer, public_fund, [({}, date(2026, 11, 3), "20.00"), ({}, date(2026, 11, 4), "25.00")]
    )

    assert shown(claim, aggregate=True) == [
        ["", "", "", "", "", description, "", "03/11/26", "20.00"],
        ["Dr", "Grace", "Hopper", "10", "NE1 6AE", "", "", "04/11/26", "25.00"],
    ]
