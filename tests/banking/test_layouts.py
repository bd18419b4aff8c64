"""A CSV layout a manager defines on the page, used from the import page and the command."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from banking.models import CsvLayout, Statement, StatementLine
from tests.conftest import login

# A bank that puts a reference first, the date month first, one signed Amount column and a
# line of account details above the heading row.
COOP = """Account 12345678 statement
Ref,Date,Amount,Details,Balance
1,11/02/2026,100.00,OPENING CREDIT,1100.00
2,11/03/2026,-5.00,ACCOUNT FEE,1095.00
3,11/04/2026,20.00,PAYING IN PI-1,1115.00
"""

# Paid out and paid in in separate columns, the balance first, day-first dates, no heading.
NO_HEADING = """1080.00,05/11/2026,CARD PAYMENT SHOP,35.00,
1092.50,06/11/2026,GIFT BY TRANSFER,,12.50
"""

COOP_FORM = {
    "name": "coop-business",
    "header_rows": "2",
    "date_order": "month_first",
    "date_column": "2",
    "description_column": "4",
    "type_column": "",
    "amounts": "amount",
    "amount_column": "3",
    "paid_out_column": "",
    "paid_in_column": "",
    "balance_column": "5",
}


def lines():
    return [
        (x.posted_on.isoformat(), x.description, str(x.amount.amount), str(x.balance.amount))
        for x in StatementLine.objects.order_by("position")
    ]


def upload(client, name, text, layout):
    return client.post(
        "/banking/", {"file": SimpleUploadedFile(name, text.encode()), "layout": layout}
    )


def test_a_manager_defines_a_layout_on_the_page_and_imports_with_it(client, manager, bank):
    login(client, manager)
    page = client.get("/banking/layouts/").content.decode()
    assert "No layouts defined yet." in page
    response = client.post("/banking/layouts/", COOP_FORM, follow=True)
    page = response.content.decode()
    assert "Layout coop-business saved" in page
    assert "Date 2, description 4, amount 3, balance 5; 2 heading rows" in page
    layout = CsvLayout.objects.get()
    assert (layout.amount_column, layout.paid_in_column, layout.created_by) == (3, None, manager)

    # The import page offers it, and without it the file is refused whole.
    page = client.get("/banking/").content.decode()
    assert '<option value="coop-business">coop-business</option>' in page
    response = upload(client, "coop.csv", COOP, "")
    assert response.status_code == 400
    assert "choose the layout, or ask a manager to define it" in response.content.decode()
    assert StatementLine.objects.count() == 0

    response = upload(client, "coop.csv", COOP, "coop-business")
    assert response.status_code == 302
    assert lines() == [
        ("2026-11-02", "OPENING CREDIT", "100.00", "1100.00"),
        ("2026-11-03", "ACCOUNT FEE", "-5.00", "1095.00"),
        ("2026-11-04", "PAYING IN PI-1", "20.00", "1115.00"),
    ]
    statement = Statement.objects.get()
    assert (statement.layout, str(statement.opening_balance.amount)) == ("coop-business", "1000.00")


def test_a_paid_in_out_layout_without_a_heading_through_the_command(
    client, manager, bank, tmp_path, capsys
):
    login(client, manager)
    form = {
        **COOP_FORM,
        "name": "no-heading",
        "header_rows": "0",
        "date_order": "day_first",
        "balance_column": "1",
        "date_column": "2",
        "description_column": "3",
        "amounts": "paid_in_out",
        "amount_column": "",
        "paid_out_column": "4",
        "paid_in_column": "5",
    }
    assert client.post("/banking/layouts/", form).status_code == 302
    path = tmp_path / "export.csv"
    path.write_text(NO_HEADING)
    call_command("import_bank_statement", str(path), account="current", layout="no-heading")
    assert "export.csv: 2 lines, 2 new, 0 already held" in capsys.readouterr().out
    assert lines() == [
        ("2026-11-05", "CARD PAYMENT SHOP", "-35.00", "1080.00"),
        ("2026-11-06", "GIFT BY TRANSFER", "12.50", "1092.50"),
    ]
    assert Statement.objects.get().layout == "no-heading"


def test_the_command_names_the_layouts_it_knows(manager, bank, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(NO_HEADING)
    with pytest.raises(CommandError) as refused:
        call_command("import_bank_statement", str(path), account="current", layout="nationwide")
    assert str(refused.value) == (
        "export.csv refused, nothing imported. Line 1: there is no CSV layout called "
        "'nationwide' (known: paid-in-out, amount)."
    )
    assert StatementLine.objects.count() == 0


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        (
            {"amount_column": ""},
            ["Enter the number of the Amount column."],
        ),
        (
            {"amounts": "paid_in_out", "amount_column": "", "paid_in_column": "6"},
            ["Enter the number of the Paid out column."],
        ),
        (
            {"balance_column": "3", "type_column": "2"},
            [
                "Each column can hold only one thing: column 2 is given for both Date and "
                "Type; column 3 is given for both Amount and Balance."
            ],
        ),
        ({"name": "amount"}, ["amount is a built-in layout; choose another name."]),
        (
            {"name": "Co-op Bank"},
            ["Use only lower-case letters, numbers and hyphens, such as lloyds-business."],
        ),
        ({"date_column": "0"}, ["Columns are counted from 1 (the first column is 1)."]),
        ({"date_column": "x"}, ["Enter a column number, such as 3."]),
        ({"description_column": ""}, ["Enter the number of the description column."]),
        ({"header_rows": "-1"}, ["Enter 0 or more heading rows."]),
    ],
)
def test_a_layout_with_a_mistake_is_refused_with_a_clear_message(
    client, manager, bank, changes, errors
):
    login(client, manager)
    response = client.post("/banking/layouts/", {**COOP_FORM, **changes})
    assert response.status_code == 400
    page = response.content.decode().replace("&#x27;", "'")
    assert "There is a problem" in page
    for error in errors:
        assert error in page
    assert CsvLayout.objects.count() == 0


def test_the_same_name_twice_is_refused(client, manager, bank):
    login(client, manager)
    client.post("/banking/layouts/", COOP_FORM)
    response = client.post("/banking/layouts/", {**COOP_FORM, "date_column": "1"})
    assert response.status_code == 400
    assert "There is already a layout called coop-business." in response.content.decode()
    assert CsvLayout.objects.get().date_column == 2


def test_an_officer_may_not_define_a_layout(client, officer, bank):
    login(client, officer)
    assert client.post("/banking/layouts/", COOP_FORM).status_code == 403
    assert CsvLayout.objects.count() == 0
    assert "CSV layouts" not in client.get("/banking/").content.decode()


# The bank's own export in a built-in shape ("Date, Description, Amount, Balance").
BUILT_IN_SHAPE = """Date,Description,Amount,Balance
12/11/2026,INTEREST,0.42,1115.42
"""


def test_a_scheduled_import_naming_a_layout_still_reads_the_banks_other_files(
    client, manager, bank, tmp_path, capsys
):
    """The scheduled import names one layout for every file in its folder: a file in a
    shape the app knows is read as such, one in the manager's layout with the layout."""
    login(client, manager)
    assert client.post("/banking/layouts/", COOP_FORM).status_code == 302
    coop, known = tmp_path / "coop.csv", tmp_path / "known.csv"
    coop.write_text(COOP)
    known.write_text(BUILT_IN_SHAPE)

    call_command("import_bank_statement", str(coop), account="current", layout="coop-business")
    call_command("import_bank_statement", str(known), account="current", layout="coop-business")

    out = capsys.readouterr().out
    assert "coop.csv: 3 lines, 3 new, 0 already held" in out
    assert "known.csv: 1 lines, 1 new, 0 already held" in out
    assert lines() == [
        ("2026-11-02", "OPENING CREDIT", "100.00", "1100.00"),
        ("2026-11-03", "ACCOUNT FEE", "-5.00", "1095.00"),
        ("2026-11-04", "PAYING IN PI-1", "20.00", "1115.00"),
        ("2026-11-12", "INTEREST", "0.42", "1115.42"),
    ]
    assert sorted(Statement.objects.values_list("layout", flat=True)) == [
        "amount",
        "coop-business",
    ]


def test_a_file_neither_way_is_refused_naming_both_attempts(client, manager, bank, tmp_path):
    login(client, manager)
    assert client.post("/banking/layouts/", COOP_FORM).status_code == 302
    path = tmp_path / "odd.csv"
    path.write_text("When,What,How much\n12/11/2026,INTEREST,0.42\n")
    with pytest.raises(CommandError) as refused:
        call_command("import_bank_statement", str(path), account="current", layout="coop-business")
    message = str(refused.value)
    assert message.startswith("odd.csv refused, nothing imported. Line ")
    assert "with the layout 'coop-business'; read without a layout, line 1:" in message
    assert StatementLine.objects.count() == 0
