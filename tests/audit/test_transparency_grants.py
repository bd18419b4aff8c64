"""The transparency page's grant figures: counts by category with small numbers merged,
typical time to a decision, and outcome stories only where the person agreed."""

import re
from decimal import Decimal
from statistics import median

import pytest
from django.urls import reverse

from grants.models import Client, Grant
from grants.services.decisions import grant_cancel
from grants.services.payments import grant_record_outcome, grant_record_payout
from tests.audit.conftest import CLIENT_NAME
from tests.browser import assert_accessible, assert_no_horizontal_scroll


def categories(html: str, which: str) -> dict[str, str]:
    table = html.split(f'data-testid="categories-{which}"', 1)[1].split("</table>", 1)[0]
    return dict(re.findall(r'data-category="([^"]*)">([^<]*)<', table))


def test_categories_with_fewer_than_five_grants_are_merged_into_other(
    client, grants_world, at_noon_26_november
):
    html = client.get(reverse("transparency")).content.decode()
    # Phone: 5 approved. Travel: 1 approved (the other was declined) joins "Other".
    assert categories(html, "to-date") == {"Phone": "5", "Other": "fewer than 5"}
    assert categories(html, "this-year") == {"Phone": "5", "Other": "fewer than 5"}
    assert "Travel" not in html.split("What the grants paid for", 1)[1].split("How fast", 1)[0]
    approved = Grant.objects.filter(status__in=["approved", "paid", "receipt_received", "closed"])
    assert approved.filter(category__code="expenses:grants:phone").count() == 5
    assert approved.filter(category__code="expenses:grants:travel").count() == 1


def test_a_category_that_falls_below_five_joins_other(
    client, officer, grants_world, at_noon_26_november
):
    grant_cancel(actor=officer, grant=grants_world.grants["phone3"], reason="Bought elsewhere.")
    html = client.get(reverse("transparency")).content.decode()
    # Four phones and one travel grant: "Other" now holds five, enough to be shown.
    assert categories(html, "to-date") == {"Other": "5"}


def test_typical_time_to_a_decision_is_the_median_over_twelve_months(
    client, grants_world, at_noon_26_november
):
    html = client.get(reverse("transparency")).content.decode()
    waits = [
        Decimal(int((g.decided_at - g.submitted_at).total_seconds())) / 3600
        for g in Grant.objects.filter(decided_at__isnull=False)
    ]
    assert sorted(waits) == [2, 3, 4, 6, 8, 10, 24]
    assert median(waits) == 6
    assert re.search(r'data-figure="median-hours">6\.0 hours<', html)
    assert "(7 decisions)" in html


def test_no_typical_time_from_fewer_than_five_decisions(client, db):
    html = client.get(reverse("transparency")).content.decode()
    assert "not yet been enough decisions" in html


def test_only_consented_stories_without_identifying_details_are_shown(
    client, grants_world, at_noon_26_november
):
    html = client.get(reverse("transparency")).content.decode()
    stories = re.findall(r'data-testid="story">(.*?)</div>', html, re.S)
    assert len(stories) == 1
    # Travel has fewer than five grants, so the story does not say which category it is.
    assert "Barrier removed, yes" in stories[0] and "Travel" not in stories[0]
    assert "Got to every interview and started work in the second week." in stories[0]
    assert "can ring the jobcentre now" not in html  # no consent
    assert "lost the phone" not in html  # consent, but the note names the client's reference


def test_nothing_personal_reaches_the_public_page(client, grants_world, at_noon_26_november):
    html = client.get(reverse("transparency")).content.decode()
    for reference in Client.objects.values_list("reference", flat=True):
        assert reference not in html
    for grant in Grant.objects.all():
        assert grant.reference not in html
        assert grant.own_words not in html
    for private in (
        CLIENT_NAME,
        "Clientname",
        "Complex Lives Team",
        "Riverside Hostel",
        "kim.keyworker",
        "ken.keyworker",
        "BACS-",
    ):
        assert private not in html, private


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1280])
def test_transparency_page_with_grants_in_chromium_is_accessible(
    browse, grants_world, at_noon_26_november, width
):
    page = browse(width=width, path="/transparency/")
    assert page.get_by_role("table", name="Since the fund began").is_visible()
    assert page.get_by_text("Barrier removed, yes").is_visible()
    assert_accessible(page)
    assert_no_horizontal_scroll(page)


def test_a_story_names_its_category_when_the_category_is_shown(
    client, officer2, key_worker, grants_world, at_noon_26_november
):
    from datetime import date

    phone = grants_world.grants["phone4"]
    grant_record_payout(
        actor=officer2,
        grant=phone,
        payee="Argos",
        method="supplier",
        reference="BACS-99",
        paid_on=date(2026, 11, 26),
    )
    grant_record_outcome(
        actor=key_worker,
        grant=phone,
        barrier_removed="yes",
        note="Back in touch with family and booked a housing appointment.",
        consent_to_share=True,
    )
    html = client.get(reverse("transparency")).content.decode()
    assert "Phone: barrier removed, yes" in html
    assert "Back in touch with family and booked a housing appointment." in html
