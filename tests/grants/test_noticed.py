"""What key workers noticed: the officer's question at the top, no waiting tag on closed
grants, the home page and the queue counting the same, quote uploads on the timeline."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from grants.services.decisions import grant_decline, grant_request_info
from tests.grants.conftest import make_grant
from tests.grants.states import PDF
from tests.tasks import run_tasks

pytestmark = pytest.mark.django_db


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_sent_back_request_shows_the_question_at_the_top_and_e_mails_the_key_worker(
    kw, officer, funded, mailoutbox, django_capture_on_commit_callbacks
):
    grant = make_grant(kw)
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(officer).post(
            f"/grants/{grant.pk}/request-information/", {"info-note": "Which network is it on?"}
        )
    assert response.status_code == 302
    run_tasks()  # the worker sends what the request queued
    (message,) = [m for m in mailoutbox if kw.email in m.to]
    assert message.subject == f"More information needed for {grant.reference}"

    page = signed_in(kw).get(f"/grants/{grant.pk}/").content.decode()
    banner = page.index('data-testid="question"')
    assert banner < page.index('<h1 class="govuk-heading-l">')
    assert "Which network is it on?" in page[banner : page.index('<h1 class="govuk-heading-l">')]
    assert "Asked by olivia.officer" in page[banner : page.index('<h1 class="govuk-heading-l">')]


def test_a_closed_grant_carries_no_waiting_tag(kw, officer, funded):
    open_grant = make_grant(kw)
    declined = make_grant(kw, client="CLT-0099")
    grant_decline(actor=officer, grant=declined, reason="Bought elsewhere.")
    client = signed_in(kw)
    assert "Waiting </span>" in client.get(f"/grants/{open_grant.pk}/").content.decode()
    assert "Waiting </span>" not in client.get(f"/grants/{declined.pk}/").content.decode()


def test_the_home_page_and_the_queue_count_the_same_requests(kw, officer, funded):
    make_grant(kw, client="CLT-0001")
    grant_request_info(actor=officer, grant=make_grant(kw, client="CLT-0002"), note="Which?")
    grant_decline(actor=officer, grant=make_grant(kw, client="CLT-0003"), reason="No.")
    make_grant(kw, client="CLT-0004", submit=False)
    client = signed_in(officer)
    home = client.get("/").content.decode()
    assert (
        'data-testid="requests-waiting"><a class="govuk-link" href="/grants/queue/">2</a>' in home
    )
    queue = client.get("/grants/queue/").content.decode()
    assert queue.count('class="govuk-!-margin-bottom-5 app-queue-item"') == 2


def test_a_quote_upload_appears_on_the_timeline(kw, funded):
    grant = make_grant(kw)
    client = signed_in(kw)
    response = client.post(
        f"/grants/{grant.pk}/quotes/",
        {"quote-file": SimpleUploadedFile("quote.pdf", PDF, "application/pdf")},
    )
    assert response.status_code == 302
    page = client.get(f"/grants/{grant.pk}/").content.decode()
    timeline = page[page.index('id="timeline"') :]
    assert "<strong>Quote uploaded</strong>" in timeline
    assert f"quote-{grant.reference}-1.pdf" in timeline
    assert timeline.index("<strong>Submitted</strong>") < timeline.index("Quote uploaded")
