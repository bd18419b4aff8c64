"""Contactless collection points: a report imported through the page and the command, each
tap posted as a gift at its point with its fee, idempotence, refusals, the points page."""

from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from djmoney.money import Money

from donations.exceptions import TapReportRefused
from donations.models import Tap, TapImport, TapPayout, TapTerminal
from donations.services.cash import collection_confirm
from donations.services.taps import tap_report_import
from fund.models import Entry, Transfer
from fund.verification import verify_ledger
from tests.conftest import login
from tests.donations.conftest import at, record
from tests.donations.taps_helpers import MALFORMED, REPORT, terminals
from tests.fund.helpers import balance

PAGE = "/donations/cash/taps/"


def gbp(amount: str) -> Money:
    return Money(amount, "GBP")


def upload(client, text: str, name="taps-nov.csv", layout="standard"):
    return client.post(
        PAGE, {"file": SimpleUploadedFile(name, text.encode(), "text/csv"), "layout": layout}
    )


def ledger_snapshot():
    return (
        Entry.objects.count(),
        Transfer.objects.count(),
        str(balance("income:donations:contactless").amount),
        str(balance("assets:card-provider").amount),
        str(balance("expenses:fees").amount),
    )


def assert_report_posted(public_fund):
    """The figures of REPORT, worked out by hand (see taps_helpers)."""
    assert Tap.objects.count() == 3
    assert str(balance("income:donations:contactless", public_fund).amount) == "65.01"
    assert str(balance("expenses:fees", public_fund).amount) == "1.15"
    assert str(balance("assets:card-provider", public_fund).amount) == "63.86"
    payout = TapPayout.objects.get()
    assert (payout.provider, payout.payout_id) == ("SumUp", "PO-1")
    assert (str(payout.gross.amount), str(payout.fees.amount), str(payout.net.amount)) == (
        "65.01",
        "1.15",
        "63.86",
    )
    assert payout.entry is None and payout.paid_on is None
    cafe_taps = Tap.objects.filter(point__box_number="B001").order_by("tapped_at")
    assert [(str(t.amount.amount), str(t.fee.amount)) for t in cafe_taps] == [
        ("5.00", "0.09"),
        ("30.00", "0.53"),
    ]
    first = cafe_taps[0]
    assert first.tapped_at == at(2026, 11, 3, 9).replace(minute=15)
    assert first.entry.effective_date.isoformat() == "2026-11-03"
    assert verify_ledger().ok


def test_the_import_page_posts_each_tap_as_a_gift_with_its_fee(
    client, officer, cafe, pharmacy, public_fund
):
    terminals(officer, cafe, pharmacy)
    login(client, officer)

    response = upload(client, REPORT)

    assert response.status_code == 302
    assert_report_posted(public_fund)
    row = TapImport.objects.get()
    assert (row.file_name, row.layout, row.provider, row.imported_by) == (
        "taps-nov.csv",
        "standard",
        "SumUp",
        officer,
    )
    assert (row.taps_in_file, row.taps_added, str(row.total_added.amount)) == (3, 3, "65.01")
    page = client.get(PAGE).content.decode()
    assert "taps-nov.csv: 3 new taps of 3 (£65.01, fees £1.15); 0 already held." in page
    assert "SumUp PO-1" in page and "£63.86" in page


def test_the_same_report_imported_twice_changes_nothing(client, officer, cafe, pharmacy):
    terminals(officer, cafe, pharmacy)
    login(client, officer)
    upload(client, REPORT)
    before = ledger_snapshot()
    assert before[2:] == ("65.01", "63.86", "1.15")

    response = upload(client, REPORT)

    assert response.status_code == 302
    assert ledger_snapshot() == before
    assert Tap.objects.count() == 3
    assert TapPayout.objects.count() == 1
    assert str(TapPayout.objects.get().net.amount) == "63.86"
    second = TapImport.objects.order_by("pk").last()
    assert (second.taps_in_file, second.taps_added, second.already_held) == (3, 0, 3)
    page = client.get(PAGE).content.decode()
    assert "taps-nov.csv: 0 new taps of 3 (£0.00, fees £0.00); 3 already held." in page
    assert verify_ledger().ok


def test_a_report_overlapping_one_already_imported_adds_only_the_new_taps(
    officer, cafe, pharmacy, public_fund
):
    terminals(officer, cafe, pharmacy)
    first_two = "\n".join(REPORT.splitlines()[:3]) + "\n"
    tap_report_import(
        actor=officer, content=first_two.encode(), file_name="a.csv", layout="standard"
    )
    assert str(balance("income:donations:contactless").amount) == "35.00"

    result = tap_report_import(
        actor=officer, content=REPORT.encode(), file_name="b.csv", layout="standard"
    )

    assert (result.taps_in_file, result.taps_added) == (3, 1)
    assert_report_posted(public_fund)


def test_a_malformed_report_is_refused_on_the_page_with_its_line_and_nothing_is_stored(
    client, officer, cafe, pharmacy
):
    terminals(officer, cafe, pharmacy)
    login(client, officer)
    before = ledger_snapshot()

    response = upload(client, MALFORMED)

    assert response.status_code == 400
    assert (
        "taps-nov.csv was refused and nothing was imported. Line 3: the amount &#x27;thirty&#x27; "
        "is not an amount in pounds and pence."
    ) in response.content.decode()
    assert ledger_snapshot() == before
    assert (Tap.objects.count(), TapImport.objects.count(), TapPayout.objects.count()) == (0, 0, 0)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "03/11/2026 09:15,5.00,0.09,TID-NOWHERE,PO-1,TX-9",
            "Line 3: the terminal id TID-NOWHERE is not recorded at any collection point: "
            "add the terminal on its point's page first.",
        ),
        (
            "31/11/2026 09:15,5.00,0.09,TID-CAFE,PO-1,TX-9",
            "Line 3: '31/11/2026 09:15' is not a real date and time.",
        ),
        (
            "03/11/2026 09:15,5.00,5.00,TID-CAFE,PO-1,TX-9",
            "Line 3: the fee is not less than the amount.",
        ),
        ("03/11/2026 09:15,0.00,0.00,TID-CAFE,PO-1,TX-9", "Line 3: the amount is zero."),
        (
            "03/11/2026 09:15,5.00,0.09,TID-CAFE,PO-1,TX-1",
            "Line 3: the transaction id TX-1 is also on line 2.",
        ),
        ("03/11/2026 09:15,5.00,0.09,TID-CAFE,,TX-9", "Line 3: the payout id is empty."),
        (
            "03/11/2026 09:15,5.00,0.09,TID-CAFE",
            "Line 3: it has 4 columns; the standard layout needs 6.",
        ),
    ],
)
def test_a_bad_line_refuses_the_whole_report(officer, cafe, pharmacy, line, expected):
    terminals(officer, cafe, pharmacy)
    content = REPORT.splitlines()[0] + "\n" + REPORT.splitlines()[1] + "\n" + line + "\n"

    with pytest.raises(TapReportRefused) as refused:
        tap_report_import(
            actor=officer, content=content.encode(), file_name="x.csv", layout="standard"
        )

    assert str(refused.value) == expected
    assert (Tap.objects.count(), Entry.objects.count(), TapImport.objects.count()) == (0, 0, 0)


def test_a_report_under_the_wrong_heading_is_refused_on_line_one(officer, cafe, pharmacy):
    terminals(officer, cafe, pharmacy)
    with pytest.raises(TapReportRefused) as refused:
        tap_report_import(
            actor=officer, content=REPORT.encode(), file_name="x.csv", layout="transaction-first"
        )
    assert str(refused.value) == (
        "Line 1: the heading row should be Transaction ID, Date and time, Terminal ID, Amount, "
        "Fee, Payout ID (transaction-first layout)."
    )


def test_a_held_tap_the_file_contradicts_refuses_the_file(officer, cafe, pharmacy):
    terminals(officer, cafe, pharmacy)
    tap_report_import(actor=officer, content=REPORT.encode(), file_name="a.csv", layout="standard")
    changed = REPORT.replace("30.01,0.53,TID-PHARM", "31.01,0.53,TID-PHARM")
    with pytest.raises(TapReportRefused) as refused:
        tap_report_import(
            actor=officer, content=changed.encode(), file_name="b.csv", layout="standard"
        )
    assert str(refused.value) == (
        "Line 4: the transaction TX-3 was imported before as £30.01 (fee £0.53) at TID-PHARM; "
        "the file says otherwise."
    )


def test_the_command_imports_a_report_then_skips_it_the_second_time(
    tmp_path, manager, officer, cafe, pharmacy, public_fund
):
    terminals(officer, cafe, pharmacy)
    path = tmp_path / "sumup-nov.csv"
    path.write_text(REPORT)

    out = StringIO()
    call_command("import_tap_report", str(path), layout="standard", stdout=out)

    assert out.getvalue().strip() == (
        "sumup-nov.csv: 3 taps, 3 new (£65.01, fees £1.15), 0 already held."
    )
    assert TapImport.objects.get().imported_by == manager
    assert_report_posted(public_fund)
    before = ledger_snapshot()

    out = StringIO()
    call_command("import_tap_report", str(path), layout="standard", stdout=out)

    assert out.getvalue().strip() == (
        "sumup-nov.csv: 3 taps, 0 new (£0.00, fees £0.00), 3 already held."
    )
    assert ledger_snapshot() == before
    assert verify_ledger().ok


def test_the_command_refuses_a_malformed_report_with_its_line(
    tmp_path, manager, officer, cafe, pharmacy
):
    terminals(officer, cafe, pharmacy)
    path = tmp_path / "bad.csv"
    path.write_text(MALFORMED)

    with pytest.raises(CommandError) as refused:
        call_command("import_tap_report", str(path), layout="standard")

    assert str(refused.value) == (
        "bad.csv refused, nothing imported. Line 3: the amount 'thirty' is not an amount in "
        "pounds and pence."
    )
    assert (Tap.objects.count(), Entry.objects.count()) == (0, 0)
    with pytest.raises(CommandError, match="there is no tap report layout called 'nope'"):
        call_command("import_tap_report", str(path), layout="nope")


def test_a_terminal_is_added_to_a_point_through_its_page(client, officer, cafe):
    login(client, officer)

    response = client.post(
        f"/donations/cash/points/{cafe.pk}/terminal/",
        {"provider": "SumUp", "terminal_id": "TID-CAFE"},
    )

    assert response.status_code == 302
    terminal = TapTerminal.objects.get()
    assert (terminal.point, terminal.provider, terminal.terminal_id, terminal.is_active) == (
        cafe,
        "SumUp",
        "TID-CAFE",
        True,
    )
    again = client.post(
        f"/donations/cash/points/{cafe.pk}/terminal/",
        {"provider": "SumUp", "terminal_id": "TID-CAFE"},
    )
    assert again.status_code == 400
    assert "SumUp terminal TID-CAFE is already recorded." in again.content.decode()


def test_the_points_page_shows_taps_and_cash_side_by_side(
    client, officer, officer2, auditor, cafe, pharmacy
):
    terminals(officer, cafe, pharmacy)
    collection_confirm(
        actor=officer2, collection=record(officer, cafe, "100.00", when=at(2026, 11, 2))
    )
    collection_confirm(
        actor=officer2, collection=record(officer, cafe, "20.50", when=at(2026, 11, 9))
    )
    tap_report_import(actor=officer, content=REPORT.encode(), file_name="a.csv", layout="standard")
    login(client, auditor)

    page = client.get("/donations/cash/points/").content.decode()

    # point, collections, box cash, taps, contactless, total
    cafe_row = _row(page, "B001")
    pharmacy_row = _row(page, "B002")
    assert cafe_row == ["Corner Café", "2", "£120.50", "2", "£35.00", "£155.50"]
    assert pharmacy_row == ["Grainger Pharmacy", "0", "£0.00", "1", "£30.01", "£30.01"]
    assert "SumUp TID-CAFE" in page


def _row(page: str, box: str) -> list[str]:
    import re

    start = page.index(f'data-point="{box}"')
    row = page[start : page.index("</tr>", start)]
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
    ]
