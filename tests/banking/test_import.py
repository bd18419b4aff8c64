"""Bank statements in: OFX and both CSV layouts, refusals, duplicates and balance gaps."""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from banking.exceptions import StatementRefused
from banking.models import Statement, StatementLine
from banking.services.statements import statement_import
from tests.banking.conftest import AMOUNT, OFX, PAID_IN_OUT


def run(tmp_path, text, name="statement.csv", **options):
    path = tmp_path / name
    path.write_text(text)
    call_command("import_bank_statement", str(path), account="current", **options)


def amounts():
    return [str(a) for a in StatementLine.objects.values_list("amount", flat=True)]


def test_paid_in_out_layout_through_the_command(tmp_path, manager, bank):
    run(tmp_path, PAID_IN_OUT)
    assert amounts() == ["100.00", "-5.00", "20.00"]
    statement = Statement.objects.get()
    assert (statement.layout, str(statement.opening_balance.amount)) == ("paid-in-out", "1000.00")
    assert str(statement.closing_balance.amount) == "1115.00"


def test_amount_layout_keeps_identical_same_day_lines_apart(tmp_path, manager, bank):
    run(tmp_path, AMOUNT, layout="amount")
    assert amounts() == ["1.25", "40.00", "40.00"]
    assert StatementLine.objects.values("fingerprint").distinct().count() == 3


def test_ofx_through_the_command(tmp_path, manager, bank):
    run(tmp_path, OFX.format(second="-5.00"), name="s.ofx", file_format="ofx")
    lines = list(StatementLine.objects.order_by("position"))
    assert [(str(x.amount.amount), str(x.balance.amount), x.fitid) for x in lines] == [
        ("120.00", "1120.00", "T1"),
        ("-5.00", "1115.00", "T2"),
    ]


def test_same_file_twice_and_overlap_import_no_duplicate(tmp_path, manager, bank):
    run(tmp_path, PAID_IN_OUT)
    run(tmp_path, PAID_IN_OUT)
    overlap = PAID_IN_OUT + "05/11/2026,BGC,LATER CREDIT,,10.00,1125.00\n"
    run(tmp_path, overlap)
    assert amounts() == ["100.00", "-5.00", "20.00", "10.00"]
    assert list(Statement.objects.order_by("pk").values_list("lines_added", flat=True)) == [3, 0, 1]
    assert Statement.objects.filter(gap__isnull=False).count() == 0


def test_a_balance_gap_is_reported(tmp_path, manager, bank, capsys):
    run(tmp_path, PAID_IN_OUT)
    run(
        tmp_path,
        AMOUNT.replace("1116.25", "1216.25")
        .replace("1156.25", "1256.25")
        .replace("1196.25", "1296.25"),
    )
    out = capsys.readouterr().out
    assert "Balance gap" in out and "£1,215.00" in out and "£1,115.00" in out and "£100.00" in out
    assert Statement.objects.order_by("pk").last().gap.amount == Decimal("100.00")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            PAID_IN_OUT.replace("03/11/2026", "31/02/2026"),
            "Line 3: the date '31/02/2026' is not a real date.",
        ),
        (
            PAID_IN_OUT.replace("5.00,,", "5.00,5.00,"),
            "Line 3: both Paid in and Paid out are filled in.",
        ),
        (
            PAID_IN_OUT.replace("1115.00", "1116.00"),
            "Line 4: the balance £1,116.00 does not follow",
        ),
        (AMOUNT.replace("1.25", "1.2x"), "Line 2: '1.2x' is not an amount in pounds and pence."),
    ],
)
def test_malformed_csv_refused_with_its_line_and_nothing_stored(
    tmp_path, manager, bank, text, message
):
    with pytest.raises(CommandError) as refused:
        run(tmp_path, text)
    assert message in str(refused.value)
    assert (Statement.objects.count(), StatementLine.objects.count()) == (0, 0)


def test_malformed_ofx_refused_with_its_line(manager, bank):
    with pytest.raises(StatementRefused) as refused:
        statement_import(
            actor=manager,
            bank_account=bank,
            content=OFX.format(second="abc").encode(),
            file_name="bad.ofx",
        )
    assert str(refused.value) == "Line 17: the transaction's amount (TRNAMT) is 'abc'."
    assert StatementLine.objects.count() == 0
