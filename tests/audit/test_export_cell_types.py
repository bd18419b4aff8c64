"""XLSX and ODS exports carry amounts as numbers and dates as dates, read back from the file.

The data is the planted story of ``test_formula_injection`` (26 Nov 2026): a £20.00 box
emptied at 11:00 and banked as £17.50, a £5.00 contribution, a £45.00 phone request.
"""

from datetime import date, datetime
from decimal import Decimal

import pytest

from tests.audit.test_formula_injection import (  # noqa: F401 (fixtures)
    cells,
    claimed,
    export,
    planted,
)
from tests.donations.conftest import stripe_double, stripe_world  # noqa: F401 (fixtures)
from tests.grants.conftest import funded  # noqa: F401 (fixtures)

SPREADSHEETS = ["xlsx", "ods"]


def assert_date(cell, file_format: str, day: date) -> None:
    if file_format == "xlsx":
        assert cell.is_date and cell.number_format == "d mmm yyyy"
        assert cell.value == datetime(day.year, day.month, day.day)
    else:
        assert cell == ("date", day.isoformat())


def assert_amount(cell, file_format: str, figure: str) -> None:
    if file_format == "xlsx":
        assert cell.data_type == "n" and not cell.is_date
        assert cell.number_format == "#,##0.00"
        assert Decimal(str(cell.value)) == Decimal(figure)  # openpyxl reads a binary double
    else:
        assert cell == ("float", figure)


def assert_whole_number(cell, file_format: str) -> None:
    if file_format == "xlsx":
        assert cell.data_type == "n" and cell.number_format == "General"
        assert str(cell.value).removesuffix(".0").isdigit()  # written as a whole number
    else:
        assert cell[0] == "float" and cell[1].isdigit()


def assert_empty(cell, file_format: str) -> None:
    assert (cell.value if file_format == "xlsx" else cell) in (None, (None, None))


@pytest.mark.parametrize("file_format", SPREADSHEETS)
def test_collections_and_deposits_carry_numbers_and_dates(auditor, planted, file_format):  # noqa: F811
    (box,) = [
        r
        for r in cells(export(auditor, "collections", file_format), file_format)
        if (r["Box number"].value if file_format == "xlsx" else r["Box number"][1]) == "B777"
    ]
    assert_date(box["Emptied on"], file_format, date(2026, 11, 26))
    assert_amount(box["Counted (GBP)"], file_format, "20.00")
    assert_whole_number(box["Collection number"], file_format)

    (deposit,) = cells(export(auditor, "deposits", file_format), file_format)
    assert_date(deposit["Banked on"], file_format, date(2026, 11, 26))
    assert_amount(deposit["Counted (GBP)"], file_format, "20.00")
    assert_amount(deposit["Banked (GBP)"], file_format, "17.50")
    assert_amount(deposit["Difference (GBP)"], file_format, "-2.50")
    assert_whole_number(deposit["Ledger entry"], file_format)


@pytest.mark.parametrize("file_format", SPREADSHEETS)
def test_ledger_carries_numbers_and_dates(auditor, planted, file_format):  # noqa: F811
    rows = cells(export(auditor, "ledger", file_format), file_format)
    (contribution,) = [
        r
        for r in rows
        if (r["Description"].value if file_format == "xlsx" else r["Description"][1]) == "\tX"
    ]
    assert_date(contribution["Date"], file_format, date(2026, 11, 26))
    assert_amount(contribution["Amount (GBP)"], file_format, "5.00")
    assert_whole_number(contribution["Transfer number"], file_format)
    assert_empty(contribution["Reverses entry"], file_format)


@pytest.mark.parametrize("file_format", SPREADSHEETS)
def test_grants_carry_numbers_dates_and_blanks(auditor, planted, file_format):  # noqa: F811
    (grant,) = cells(export(auditor, "grants", file_format), file_format)
    assert_amount(grant["Amount requested (GBP)"], file_format, "45.00")
    assert_date(grant["Submitted on"], file_format, date(2026, 11, 26))
    for missing in ("Amount paid (GBP)", "Decided on", "Paid on", "Days to decision"):
        assert_empty(grant[missing], file_format)


@pytest.mark.parametrize("file_format", SPREADSHEETS)
def test_online_gifts_and_claims_carry_numbers_and_dates(auditor, claimed, file_format):  # noqa: F811
    (gift,) = cells(export(auditor, "donations", file_format), file_format)
    assert_date(gift["Date paid"], file_format, date(2026, 11, 26))
    assert_amount(gift["Amount (GBP)"], file_format, "25.00")
    assert_amount(gift["Refunded (GBP)"], file_format, "0.00")

    (claim,) = cells(export(auditor, "gift_aid_claims", file_format), file_format)
    assert_date(claim["Gifts from"], file_format, date(2026, 11, 25))
    assert_date(claim["Gifts to"], file_format, date(2026, 11, 26))
    assert_amount(claim["Gifts claimed on (GBP)"], file_format, "25.00")
    made_at = claim["Made at"]
    if file_format == "xlsx":
        assert made_at.is_date and made_at.number_format == "d mmm yyyy hh:mm"
        assert made_at.value.date() == date(2026, 11, 26)
    else:
        assert made_at[0] == "date" and made_at[1].startswith("2026-11-26T12:")
