"""GASDS with contactless taps: a tap of £30 or less is a small donation, a tap over £30 is not.

HMRC (gov.uk "Claiming a top-up payment on small donations"): small donations are cash and
contactless donations of £30 or less each; the top-up is 25 % of the least of the eligible
total, £8,000 and 10 times the Gift Aid donations claimed in the same tax year.
"""

from datetime import date

from django.utils import timezone

from donations.selectors.cash import gasds_by_tax_year
from donations.services.gasds import gasds_claim_record
from donations.services.taps import tap_report_import
from fund.verification import verify_ledger
from tests.conftest import login
from tests.donations.conftest import at
from tests.donations.stripe_helpers import gbp_balance
from tests.donations.taps_helpers import REPORT, terminals
from tests.donations.test_gasds import box, gift_aid_claimed, year_of

HEADING = "Date and time,Amount,Fee,Terminal ID,Payout ID,Transaction ID\n"


def taps(officer, text: str) -> None:
    tap_report_import(actor=officer, content=text.encode(), file_name="t.csv", layout="standard")


def test_a_tap_of_thirty_pounds_is_a_small_donation_and_one_penny_more_is_not(
    officer, cafe, pharmacy
):
    terminals(officer, cafe, pharmacy)
    taps(
        officer,
        HEADING
        + "10/10/2026 10:00,30.00,0.53,TID-CAFE,PO-7,TX-A\n"
        + "10/10/2026 10:05,30.01,0.53,TID-CAFE,PO-7,TX-B\n",
    )

    year = year_of(gasds_by_tax_year(today=date(2026, 12, 2)), 2026)

    assert (year.small_taps, str(year.small_tap_total.amount)) == (1, "30.00")
    assert (year.taps_over, str(year.taps_over_total.amount)) == (1, "30.01")
    assert str(year.eligible_total.amount) == "30.00"


def test_taps_count_beside_box_cash_in_their_tax_year(officer, officer2, cafe, pharmacy):
    terminals(officer, cafe, pharmacy)
    box(officer, officer2, cafe, "100.00", at(2026, 10, 1))
    taps(officer, REPORT)  # 5.00 and 30.00 eligible, 30.01 not
    # 5 April 2026 is the last day of the 2025-26 tax year; 6 April the first of 2026-27.
    taps(
        officer,
        HEADING
        + "05/04/2026 23:30,4.00,0.07,TID-CAFE,PO-0,TX-OLD\n"
        + "06/04/2026 00:10,6.00,0.11,TID-CAFE,PO-0,TX-NEW\n",
    )

    years = gasds_by_tax_year(today=date(2026, 12, 2))

    year = year_of(years, 2026)
    assert (year.collections, str(year.total.amount)) == (1, "100.00")
    assert (year.small_taps, str(year.small_tap_total.amount)) == (3, "41.00")
    assert (year.taps_over, str(year.taps_over_total.amount)) == (1, "30.01")
    assert str(year.eligible_total.amount) == "141.00"
    earlier = year_of(years, 2025)
    assert (earlier.collections, str(earlier.total.amount)) == (0, "0.00")
    assert (earlier.small_taps, str(earlier.eligible_total.amount)) == (1, "4.00")


def test_a_gasds_claim_includes_the_small_taps(officer, officer2, cafe, pharmacy, stripe_world):
    terminals(officer, cafe, pharmacy)
    box(officer, officer2, cafe, "100.00", at(2026, 10, 1))
    taps(officer, REPORT)
    gift_aid_claimed(stripe_world, officer, ["20.00"])  # matching limit £200.00

    claim = gasds_claim_record(
        actor=officer,
        tax_year_start=date(2026, 4, 6),
        hmrc_reference="GASDS-TAPS-1",
        claimed_on=timezone.localdate(),
    )

    # 100.00 box cash + 5.00 + 30.00 of taps = 135.00 eligible (under 200.00 and 8,000.00);
    # 25 % of 135.00 = 33.75.
    assert str(claim.small_donations.amount) == "135.00"
    assert str(claim.top_up.amount) == "33.75"
    assert gbp_balance("income:gasds", stripe_world.fund) == "33.75"
    assert verify_ledger().ok


def test_the_gasds_page_shows_the_taps_and_says_contactless_counts(
    client, officer, officer2, cafe, pharmacy
):
    terminals(officer, cafe, pharmacy)
    box(officer, officer2, cafe, "100.00", at(2026, 10, 1))
    taps(officer, REPORT)
    login(client, officer)

    page = client.get("/donations/cash/gasds/").content.decode()

    assert "This app takes no contactless donations" not in page
    assert "a tap of £30.00 or less is a small donation; a tap over £30 is not" in page
    assert 'data-figure="gasds-small-taps-2026">£35.00 from 2 taps<' in page
    assert 'data-figure="gasds-taps-over-2026">£30.01 from 1 tap<' in page
    assert 'data-figure="gasds-eligible-2026">£135.00' in page
