"""The one spreadsheet writer: which text is quoted in CSV, and what every format refuses."""

import io
from datetime import date
from decimal import Decimal

import pytest

from fund.spreadsheets import csv_value, write_table

# OWASP, "CSV Injection": cells beginning with these are evaluated as formulas.
FORMULA_LIKE = ['=HYPERLINK("http://x","y")', "@SUM(A1)", "+1", "-2+3", "\tX", "\rX"]


@pytest.mark.parametrize("text", FORMULA_LIKE)
def test_formula_like_text_gets_a_leading_quote_in_csv(text):
    assert csv_value(text) == "'" + text


def test_ordinary_text_numbers_and_dates_are_written_as_they_are():
    values = ["Corner Café", "B-12", "a=b", Decimal("-2.50"), -3, date(2026, 11, 26), None]
    assert [csv_value(v) for v in values] == [
        "Corner Café",
        "B-12",
        "a=b",
        "-2.50",
        "-3",
        "2026-11-26",
        "",
    ]


@pytest.mark.parametrize("file_format", ["csv", "xlsx", "ods"])
@pytest.mark.parametrize("value", [True, 1.5])
def test_a_bool_or_a_float_is_refused_by_every_format(file_format, value):
    """Money is never float, and yes/no is text so every format shows the same."""
    with pytest.raises(TypeError):
        write_table(file_format, io.BytesIO(), title="T", header=["A"], rows=[[value]])
