"""The personal-data check through the real new-request page: ordinary Doncaster places,
services and providers are stored as typed; names, house addresses, a phone number split
by an invisible character and a spelled-out email address are refused, with the message on
the page and nothing stored. (tests/grants/test_identifiers.py covers the check itself.)"""

import html

import pytest
from django.urls import reverse

from grants.models import Grant
from tests.grants.test_views import form_data

PLACES = [
    "A stall at Doncaster Market",
    "Job Centre Plus have sanctioned her",
    "St Leger Homes tenancy starts Monday",
    "Bus fare to the Frenchgate Centre",
    "Referred by Changing Lives",
    "Aspire drug and alcohol service appointment",
]


@pytest.mark.parametrize("text", PLACES)
def test_a_doncaster_place_or_service_is_stored_as_typed(client, kw, funded, text):
    client.force_login(kw)

    response = client.post(reverse("grants:new"), form_data(own_words=text, why_fund=text))

    assert response.status_code == 302
    grant = Grant.objects.get()
    assert (grant.own_words, grant.why_fund) == (text, text)


def test_places_are_accepted_as_item_and_supplier_too(client, kw, funded):
    client.force_login(kw)

    response = client.post(
        reverse("grants:new"),
        form_data(
            **{
                "items-0-description": "Bus pass for Job Centre Plus and Aspire appointments",
                "items-0-supplier": "St Leger Homes furniture scheme",
            }
        ),
    )

    assert response.status_code == 302
    item = Grant.objects.get().line_items.get()
    assert item.description == "Bus pass for Job Centre Plus and Aspire appointments"
    assert item.supplier == "St Leger Homes furniture scheme"


REFUSALS = [
    (
        "So that John Smith can get to college",
        'a full name ("John Smith": a first name and a surname)',
    ),
    (
        "Cooker delivered to 12 High Street",
        'a house address ("12 High Street": a house or flat number with a street)',
    ),
    ("Phone for Mary Jones", 'a full name ("Mary Jones": a first name and a surname)'),
    (
        "Call her on 07700\u200b900\u200b123",
        'a phone number ("07700900123": a number starting 0 or +44 with ten or eleven digits)',
    ),
    (
        "Write to jo at example dot org",
        'an email address ("jo at example dot org": an address written out with "at" and "dot")',
    ),
]


@pytest.mark.parametrize("text, finding", REFUSALS)
def test_identifying_text_is_refused_on_the_page_and_not_stored(client, kw, funded, text, finding):
    client.force_login(kw)

    response = client.post(reverse("grants:new"), form_data(own_words=text))

    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "There is a problem" in page
    assert (
        f"This looks like it contains {finding}. Clients are known only by their agency's "
        "reference: please remove it."
    ) in page
    assert not Grant.objects.exists()


@pytest.mark.parametrize("text, finding", REFUSALS)
def test_identifying_text_is_refused_as_a_supplier_too(client, kw, funded, text, finding):
    client.force_login(kw)

    response = client.post(reverse("grants:new"), form_data(**{"items-0-supplier": text}))

    assert response.status_code == 200
    assert f"This looks like it contains {finding}." in html.unescape(response.content.decode())
    assert not Grant.objects.exists()
