"""Bad input everywhere: oversized requests get a clear 413 page, and random or malicious
data posted to every form in the access table gets a 4xx or the form again, never a server
error and never a change to the ledger.

Forms are found from tests/access_table.py: each URL whose page (opened by a persona
allowed to use it) holds a POST form with something to type or choose. New forms are
fuzzed as soon as their URL has an entry there.
"""

from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fund.models import Entry, Transfer
from tests.access_table import (
    ACCESS,
    ANONYMOUS,
    AUDITOR,
    KEY_WORKER_A,
    MANAGER,
    OFFICER,
    PARTNER,
)
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


class FormFields(HTMLParser):
    """Names of the fields in the page's POST forms that a person types into or chooses."""

    def __init__(self):
        super().__init__()
        self.in_post_form = False
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.in_post_form = (attrs.get("method") or "").lower() == "post"
        elif self.in_post_form and attrs.get("name"):
            kind = attrs.get("type", "text").lower() if tag == "input" else tag
            if kind in TYPED_INPUTS or tag in ("select", "textarea"):
                self.fields[attrs["name"]] = kind

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_post_form = False


def form_urls():
    for key, (route, _pattern) in PATTERNS:
        access = ACCESS.get(key)
        if is_admin(route) or access is None or access.method != "GET":
            continue
        persona = next((p for p in PREFERENCE if p in access.allow), None)
        if persona is not None:
            yield pytest.param(key, persona, id=key)


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


@pytest.mark.parametrize(("key", "persona"), list(form_urls()))
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_and_malicious_posts_never_fail_or_touch_the_ledger(
    request, personas, key, persona, data
):
    access = ACCESS[key]
    for fixture in access.needs:
        request.getfixturevalue(fixture)
    path = reverse(key, kwargs={k: fill(request, v) for k, v in access.kwargs.items()})
    client = Client(raise_request_exception=False)
    if personas[persona] is not None:
        client.force_login(personas[persona])
    page = client.get(path)
    parser = FormFields()
    if not page.streaming:
        parser.feed(page.content.decode(errors="replace"))
    if not parser.fields:
        return  # no form to fill on this page

    payload = {}
    for name, kind in parser.fields.items():
        if "amount" in name:
            payload[name] = data.draw(BAD_AMOUNTS, label=name)
        elif kind == "file":
            body = data.draw(st.binary(max_size=2048), label=name)
            payload[name] = SimpleUploadedFile("evil.pdf.exe", body, "application/pdf")
        else:
            payload[name] = data.draw(MALICIOUS | st.text(max_size=200), label=name)
    payload.update(data.draw(EXTRA_FIELDS, label="extra fields"))
    before = ledger_state()

    response = client.post(path, payload)

    assert response.status_code < 500, f"POST {path}: {response.status_code}"
    assert ledger_state() == before, f"POST {path} changed the ledger"
    if 300 <= response.status_code < 400:
        # Only "see the same page again" (allauth's pages answer a post that does nothing
        # that way); never a success redirect built on bad data.
        target = urlsplit(response["Location"]).path
        assert target == path, f"POST {path} was accepted, redirecting to {target}"


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
    big = SimpleUploadedFile("quote.pdf", b"%PDF-" + b"0" * (11 * 1024 * 1024), "application/pdf")

    response = client.post(reverse("account_login"), {"file": big})

    assert response.status_code == 413
    assert "smaller than 10 MB" in response.content.decode()


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


def test_the_forms_are_found(request, personas):
    """Guards the discovery itself: these pages are known to hold forms to fill."""
    found = set()
    for param in form_urls():
        key, persona = param.values
        access = ACCESS[key]
        for fixture in access.needs:
            request.getfixturevalue(fixture)
        path = reverse(key, kwargs={k: fill(request, v) for k, v in access.kwargs.items()})
        client = Client(raise_request_exception=False)
        if personas[persona] is not None:
            client.force_login(personas[persona])
        parser = FormFields()
        page = client.get(path)
        if not page.streaming:
            parser.feed(page.content.decode(errors="replace"))
        if parser.fields:
            found.add(key)
    assert {
        "account_login",
        "donate",
        "donations:cash_point_create",
        "donations:cash_collection_create",
        "donations:payment-refund",
        "account_change_password",
    } <= found, sorted(found)
