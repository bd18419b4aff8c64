"""The upload limit is per file, through the real page: the request detail page states it,
a file inside it is stored and a file over it is refused beside the field.

"MB" here, as on the page, is 1024 x 1024 bytes: the limit is 10 MB = 10,485,760 bytes.
"""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from grants.models import Document
from tests.grants.conftest import make_grant
from tests.grants.states import PDF, grant_in

MB = 1024 * 1024


def pdf_of(size: int) -> bytes:
    return PDF + b"0" * (size - len(PDF))


def upload(client, grant, content: bytes, kind: str = "quote"):
    return client.post(
        reverse(f"grants:{kind}_upload", args=[grant.pk]),
        {f"{kind}-file": SimpleUploadedFile(f"{kind}.pdf", content, "application/pdf")},
    )


def text_of(response) -> str:
    """The page with every run of white space (the no-break space too) as one space."""
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_page_states_the_limit_for_each_file(client, kw, funded):
    grant = make_grant(kw, submit=False)
    client.force_login(kw)

    page = text_of(client.get(reverse("grants:detail", args=[grant.pk])))

    assert "PDF, JPEG or PNG, up to 10 MB." in page


@pytest.mark.parametrize(
    "size, shown",
    [
        (int(9.9 * MB), "9.9 MB"),
        # Exactly at the limit: the multipart envelope around it used to tip the request
        # over a limit applied to the whole request.
        (10 * MB, "10.0 MB"),
    ],
)
def test_a_file_inside_the_limit_is_stored(client, kw, funded, size, shown):
    grant = make_grant(kw, submit=False)
    client.force_login(kw)

    response = upload(client, grant, pdf_of(size))

    assert response.status_code == 302
    assert response["Location"] == reverse("grants:detail", args=[grant.pk])
    document = Document.objects.get()
    assert document.size == size
    assert document.kind == Document.Kind.QUOTE
    page = text_of(client.get(response["Location"]))
    assert "The quote is uploaded." in page
    assert f"quote-{grant.reference}-1.pdf</a> ({shown})" in page


def test_a_receipt_inside_the_limit_is_stored(client, kw, officer, officer2, manager, funded):
    grant = grant_in("paid", kw=kw, officer=officer, officer2=officer2, manager=manager)
    client.force_login(kw)

    response = upload(client, grant, pdf_of(int(9.9 * MB)), kind="receipt")

    assert response.status_code == 302
    assert Document.objects.get().kind == Document.Kind.RECEIPT


@pytest.mark.parametrize("kind, state", [("quote", "draft"), ("receipt", "paid")])
def test_a_file_over_the_limit_is_refused_beside_the_field(
    client, kw, officer, officer2, manager, funded, kind, state
):
    grant = grant_in(state, kw=kw, officer=officer, officer2=officer2, manager=manager)
    client.force_login(kw)

    response = upload(client, grant, pdf_of(int(10.1 * MB)), kind=kind)

    assert response.status_code == 400
    page = text_of(response)
    assert (
        f'<p id="id_{kind}-file_error" class="govuk-error-message">'
        '<span class="govuk-visually-hidden">Error:</span> '
        "The file must be 10 MB or smaller; this one is 10.1 MB.</p>"
    ) in page
    assert "PDF, JPEG or PNG, up to 10 MB." in page
    assert not Document.objects.exists()


def test_a_request_far_over_the_limit_gets_the_413_page_and_it_states_the_limit(client, kw, funded):
    grant = make_grant(kw, submit=False)
    client.force_login(kw)

    response = upload(client, grant, pdf_of(20 * MB))

    assert response.status_code == 413
    page = text_of(response)
    assert "A file must be 10 MB or smaller." in page
    assert "Nothing was saved." in page
    assert not Document.objects.exists()
