"""The personal-data check on a request's free text: what it refuses, what it lets through.

Each refusal names the identifying part and why it looked identifying, so the key worker
knows what to rephrase. Ordinary Doncaster places, services and providers pass.
"""

import pytest

from grants.exceptions import PersonalDataFound
from grants.identifiers import find_identifiers
from grants.models import Grant
from grants.services.requests import LineItemData, grant_create
from tests.grants.conftest import category, gbp


@pytest.mark.parametrize(
    "text,finding",
    [
        # Full names: a listed first name and a capitalised surname, or a title and a surname.
        (
            "So that John Smith can get to college",
            'a full name ("John Smith": a first name and a surname)',
        ),
        ("Phone for Mary Jones", 'a full name ("Mary Jones": a first name and a surname)'),
        ("Cooker for John SMITH", 'a full name ("John SMITH": a first name and a surname)'),
        # In any case: all capitals, or all lower case with a common surname.
        ("COOKER FOR JOHN SMITH", 'a full name ("JOHN SMITH": a first name and a surname)'),
        (
            "so that john smith can get to college",
            'a full name ("john smith": a first name and a surname)',
        ),
        ("phone for mary o'brien", 'a full name ("mary o\'brien": a first name and a surname)'),
        ("MRS JONES NEEDS A COOKER", 'a full name ("MRS JONES": a title and a surname)'),
        ("referred by dr patel", 'a full name ("dr patel": a title and a surname)'),
        ("Mrs Jones needs a cooker", 'a full name ("Mrs Jones": a title and a surname)'),
        ("Mr. O'Brien has no bed", 'a full name ("Mr. O\'Brien": a title and a surname)'),
        ("Ms Khan starts work Monday", 'a full name ("Ms Khan": a title and a surname)'),
        ("Miss Taylor is moving", 'a full name ("Miss Taylor": a title and a surname)'),
        ("Referred by Dr Patel", 'a full name ("Dr Patel": a title and a surname)'),
        # House-number-and-street addresses.
        (
            "Cooker delivered to 12 High Street",
            'a house address ("12 High Street": a house or flat number with a street)',
        ),
        (
            "Bed to 4 Hall Gate please",
            'a house address ("4 Hall Gate": a house or flat number with a street)',
        ),
        (
            "Flat 3, 4 Hall Gate",
            'a house address ("Flat 3": a house or flat number with a street)',
        ),
        (
            "Moving into 27a Thorne Road",
            'a house address ("27a Thorne Road": a house or flat number with a street)',
        ),
        # Addresses in any case.
        (
            "cooker delivered to 12 high street",
            'a house address ("12 high street": a house or flat number with a street)',
        ),
        (
            "BED TO 27A THORNE ROAD",
            'a house address ("27A THORNE ROAD": a house or flat number with a street)',
        ),
        (
            "moving into flat 3 next week",
            'a house address ("flat 3": a house or flat number with a street)',
        ),
        # Written dates of birth.
        (
            "She was born 3 March 1985",
            'a date of birth ("born 3 March 1985": a birth mentioned with a date)',
        ),
        ("DOB 03/03/85", 'a date of birth ("DOB 03/03/85": a birth mentioned with a date)'),
        (
            "Born on the 3rd of March 1985",
            'a date of birth ("Born on the 3rd of March 1985": a birth mentioned with a date)',
        ),
        (
            "Birthday 3 March 1985",
            'a date of birth ("3 March 1985": a birth mentioned with a date)',
        ),
        # Numbers split by spaces, dots, dashes or invisible characters.
        (
            "Call 07700.900.123",
            'a phone number ("07700.900.123": '
            "a number starting 0 or +44 with ten or eleven digits)",
        ),
        (
            "Call 07700-900-123",
            'a phone number ("07700-900-123": '
            "a number starting 0 or +44 with ten or eleven digits)",
        ),
        (
            "Call 07700–900–123",
            'a phone number ("07700–900–123": '
            "a number starting 0 or +44 with ten or eleven digits)",
        ),
        (
            "Call 07700—900—123",
            'a phone number ("07700—900—123": '
            "a number starting 0 or +44 with ten or eleven digits)",
        ),
        (
            "Call 07700_900_123",
            'a phone number ("07700_900_123": '
            "a number starting 0 or +44 with ten or eleven digits)",
        ),
        ("NHS 943–476–5919", 'an NHS number ("943–476–5919": ten digits)'),
        (
            "NI QQ—12—34—56—C",
            'a National Insurance number ("QQ—12—34—56—C": two letters, six digits and a letter)',
        ),
        (
            "Call 0 7 7 0 0 9 0 0 1 2 3",
            'a phone number ("0 7 7 0 0 9 0 0 1 2 3": '
            "a number starting 0 or +44 with ten or eleven digits)",
        ),
        (
            "Call 07700\u200b900\u200b123",
            'a phone number ("07700900123": a number starting 0 or +44 with ten or eleven digits)',
        ),
        (
            "Call 0770\u20600900\ufeff123",
            'a phone number ("07700900123": a number starting 0 or +44 with ten or eleven digits)',
        ),
        (
            "Call +44 7700 900 123",
            'a phone number ("+44 7700 900 123": '
            "a number starting 0 or +44 with ten or eleven digits)",
        ),
        ("NHS 943.476.5919", 'an NHS number ("943.476.5919": ten digits)'),
        ("NHS 943\u200b476\u200b5919", 'an NHS number ("9434765919": ten digits)'),
        (
            "NI QQ-12-34-56-C",
            'a National Insurance number ("QQ-12-34-56-C": two letters, six digits and a letter)',
        ),
        # Spelled-out email addresses.
        (
            "Write to jo at example dot org",
            'an email address ("jo at example dot org": an address written out with "at" and '
            '"dot")',
        ),
        (
            "jo (at) example (dot) org",
            'an email address ("jo (at) example (dot) org": an address written out with "at" '
            'and "dot")',
        ),
        (
            "jo[at]example.co.uk",
            'an email address ("jo[at]example.co.uk": an address written out with "at" and "dot")',
        ),
        (
            "Email jo@example.org",
            'an email address ("jo@example.org": an address with @)',
        ),
    ],
)
def test_an_identifying_part_is_named_with_the_reason(text, finding):
    assert find_identifiers(text) == [finding]


@pytest.mark.parametrize(
    "text",
    [
        "A stall at Doncaster Market",
        "Job Centre Plus have sanctioned her",
        "St Leger Homes tenancy starts Monday",
        "Bus fare to the Frenchgate Centre",
        "Referred by Changing Lives",
        "Aspire drug and alcohol service appointment",
        "Riverside hostel place",
        "Works in a shop on High Street",
        "Volunteers with St John Ambulance",
        "Bed from the Sue Ryder shop",
        "Course at the Mary Woollett Centre",
        "Victoria Road surgery",
        "Bought at argos.co.uk",
        "Needs 2 school uniforms and 3 pairs of shoes",
        "£40.00 for 2 weeks of travel",
        "Appointment on 3 December 2026",
        "Will need a bus pass until March 2027",
        "Gas top-up of £25.50, meter 0123",
        # The same places in lower case and in capitals.
        "a stall at doncaster market",
        "job centre plus have sanctioned her",
        "st leger homes tenancy starts monday",
        "bus fare to the frenchgate centre",
        "referred by changing lives",
        "aspire appointment on tuesday",
        "A STALL AT DONCASTER MARKET",
        "JOB CENTRE PLUS HAVE SANCTIONED HER",
        "ST LEGER HOMES TENANCY STARTS MONDAY",
        "BUS FARE TO THE FRENCHGATE CENTRE",
        "REFERRED BY CHANGING LIVES",
        "VOLUNTEERS WITH ST JOHN AMBULANCE",
        "COURSE AT THE MARY WOOLLETT CENTRE",
        "course at the mary woollett centre",
        # Ordinary lower-case sentences, some with a first name that is also a word.
        "will buy a phone for job search",
        "needs a jack for the car and a dean's letter",
        "a jade green coat and lily white sheets",
        "so she can carol sing with the choir",
        "will miss Christmas without a cooker",
        "JACK THE LAD CAFE VOUCHER",
        "works in a shop on high street",
        "2 trips to the park and 2 new bank cards",
        "a 3 day walk and a 2 hour drive",
        "3 nights at the hostel on the road to recovery",
        "Call the office on 2026-12-03",
    ],
)
def test_places_services_and_providers_pass(text):
    assert find_identifiers(text) == []


def test_the_service_refuses_a_name_saying_which_part_and_why(kw, funded):
    with pytest.raises(PersonalDataFound) as refused:
        grant_create(
            actor=kw,
            client_reference="CLT-0042",
            category=category("phone"),
            urgency="today",
            own_words="So that John Smith can get to college",
            why_fund="No other source.",
            line_items=[LineItemData(description="Phone", amount=gbp("40.00"))],
        )

    assert str(refused.value) == (
        "What this will help them do looks like it contains a full name "
        '("John Smith": a first name and a surname). '
        "Clients are known only by their agency's reference: please remove it."
    )
    assert not Grant.objects.exists()
