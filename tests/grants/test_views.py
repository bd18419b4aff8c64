"""The grant pages through the Django test client."""

import uuid
from datetime import timedelta

import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from fund.models import CategoryCap, FundRules
from grants.models import Document, Grant
from grants.services.decisions import grant_approve, grant_decline, grant_request_info
from grants.services.documents import document_upload
from grants.services.payments import grant_record_payout
from tests.grants.conftest import category, gbp, make_grant
from tests.grants.states import PDF
from tests.tasks import run_tasks

S = Grant.Status
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def form_data(**overrides):
    data = {
        "client_reference": "CLT-0042",
        "category": str(category("phone").pk),
        "own_words": "Call the housing officer back.",
        "why_fund": "Universal Credit will not cover it this month.",
        "urgency": "today",
        "form_token": str(uuid.uuid4()),
        "items-TOTAL_FORMS": "3",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "10",
        "items-0-description": "Basic smartphone",
        "items-0-amount": "£45.00",
        "items-0-supplier": "Argos",
        "action": "submit",
    }
    data.update(overrides)
    return data


# --- making a request -------------------------------------------------------------------


def test_a_key_worker_makes_and_submits_a_request(
    client, kw, officer, funded, django_capture_on_commit_callbacks
):
    client.force_login(kw)
    assert client.get(reverse("grants:new")).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("grants:new"), form_data())

    grant = Grant.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("grants:detail", args=[grant.pk])
    assert grant.status == S.SUBMITTED
    assert grant.amount == gbp("45.00")
    assert grant.urgency == "today"
    run_tasks()  # the worker sends what the request queued
    assert [m.to for m in mail.outbox] == [[officer.email]]
    assert "CLT-0042" not in mail.outbox[0].body


def test_saving_a_draft_does_not_submit(client, kw, funded):
    client.force_login(kw)
    client.post(reverse("grants:new"), form_data(action="draft"))
    assert Grant.objects.get().status == S.DRAFT


def test_posting_the_same_form_twice_makes_one_request(client, kw, funded):
    client.force_login(kw)
    data = form_data()
    first = client.post(reverse("grants:new"), data)
    second = client.post(reverse("grants:new"), data)
    assert Grant.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_the_form_explains_identifiers_and_caps(client, kw, funded):
    client.force_login(kw)
    response = client.post(reverse("grants:new"), form_data(own_words="Lives at NE1 4XY"))
    assert response.status_code == 200
    assert "looks like it contains a postcode" in response.content.decode()

    response = client.post(reverse("grants:new"), form_data(**{"items-0-amount": "95.00"}))
    assert "capped at £70.00" in response.content.decode()
    assert "There is a problem" in response.content.decode()
    assert not Grant.objects.exists()


def test_a_request_needs_at_least_one_item(client, kw, funded):
    client.force_login(kw)
    response = client.post(
        reverse("grants:new"), form_data(**{"items-0-description": "", "items-0-amount": ""})
    )
    assert "Add at least one item" in response.content.decode()
    assert not Grant.objects.exists()


def test_a_draft_can_be_changed_then_sent(client, kw, funded):
    grant = make_grant(kw, submit=False)
    client.force_login(kw)
    assert client.get(reverse("grants:edit", args=[grant.pk])).status_code == 200
    data = form_data(**{"items-0-amount": "50.00", "items-INITIAL_FORMS": "1"})
    client.post(reverse("grants:edit", args=[grant.pk]), data)
    grant.refresh_from_db()
    assert grant.status == S.SUBMITTED
    assert grant.amount == gbp("50.00")


# --- scope: another agency sees nothing -------------------------------------------------


def test_a_key_worker_from_another_agency_gets_404_on_everything(client, kw, kw2, funded):
    grant = make_grant(kw, submit=False)
    quote = document_upload(
        actor=kw,
        grant=grant,
        kind="quote",
        upload=SimpleUploadedFile("quote.pdf", PDF, content_type="application/pdf"),
    )
    client.force_login(kw2)
    for url in [
        reverse("grants:detail", args=[grant.pk]),
        reverse("grants:edit", args=[grant.pk]),
        reverse("grants:document", args=[grant.pk, quote.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    for name in ["submit", "withdraw", "quote_upload", "outcome"]:
        assert client.post(reverse(f"grants:{name}", args=[grant.pk])).status_code == 404, name
    assert grant.reference not in client.get(reverse("grants:list")).content.decode()
    grant.refresh_from_db()
    assert grant.status == S.DRAFT


def test_the_request_page_shows_the_timeline(client, kw, officer, funded):
    grant = make_grant(kw)
    grant_request_info(actor=officer, grant=grant, note="Which model?")
    client.force_login(kw)
    page = client.get(reverse("grants:detail", args=[grant.pk])).content.decode()
    assert "Timeline" in page
    assert "Information requested" in page
    assert "Which model?" in page


def test_key_workers_and_partners_cannot_use_staff_pages(client, kw, partner):
    for user in (kw, partner):
        client.force_login(user)
        for name in ["grants:queue", "grants:follow_up", "grants:limits"]:
            assert client.get(reverse(name)).status_code == 403


def test_a_key_worker_cannot_post_a_decision(client, kw, colleague, funded):
    grant = make_grant(kw)
    client.force_login(colleague)
    assert client.post(reverse("grants:approve", args=[grant.pk])).status_code == 403


# --- uploads ----------------------------------------------------------------------------


def upload(client, grant, name, content, kind="quote"):
    return client.post(
        reverse(f"grants:{kind}_upload", args=[grant.pk]),
        {f"{kind}-file": SimpleUploadedFile(name, content, content_type="application/pdf")},
    )


def test_a_quote_is_checked_by_content_not_name(client, kw, funded):
    grant = make_grant(kw, submit=False)
    client.force_login(kw)

    response = upload(client, grant, "quote.pdf", b"<html>not a pdf</html>")
    assert not Document.objects.exists()
    assert "must be a PDF, JPEG or PNG" in client.get(response["Location"]).content.decode()

    upload(client, grant, "photo-of-quote.txt", PNG)
    document = Document.objects.get()
    assert document.content_type == "image/png"
    assert document.file.name.endswith(".png")
    assert "photo-of-quote" not in document.file.name


def test_a_file_over_10_mb_is_refused(client, kw, funded):
    grant = make_grant(kw, submit=False)
    client.force_login(kw)
    upload(client, grant, "big.pdf", PDF + b"0" * (10 * 1024 * 1024))
    assert not Document.objects.exists()


def test_a_quote_is_served_only_through_the_permission_checked_view(client, kw, officer, funded):
    grant = make_grant(kw)
    client.force_login(kw)
    upload(client, grant, "Quote for Jo Bloggs.pdf", PDF)
    document = Document.objects.get()
    url = reverse("grants:document", args=[grant.pk, document.pk])
    # The uploader's file name may carry the person's name: it is never kept.
    assert document.display_name == f"quote-{grant.reference}-1.pdf"

    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"] == f'attachment; filename="quote-{grant.reference}-1.pdf"'
    )

    client.force_login(officer)
    assert client.get(url).status_code == 200
    client.logout()
    assert client.get(url).status_code == 302


# --- deciding ---------------------------------------------------------------------------


def test_the_queue_puts_urgent_first_then_oldest_with_age_tags(client, kw, officer, funded):
    now = timezone.now()
    with time_machine.travel(now - timedelta(days=6)):
        oldest = make_grant(kw, client="CLT-1")
    with time_machine.travel(now - timedelta(days=3)):
        middle = make_grant(kw, client="CLT-2")
    with time_machine.travel(now - timedelta(days=1)):
        urgent = make_grant(kw, client="CLT-3", urgency="today")
    newest = make_grant(kw, client="CLT-4")
    make_grant(kw, client="CLT-5", submit=False)  # drafts are not in the queue

    client.force_login(officer)
    page = client.get(reverse("grants:queue")).content.decode()

    order = [page.index(g.reference) for g in (urgent, oldest, middle, newest)]
    assert order == sorted(order)
    assert "CLT-5" not in page
    assert 'govuk-tag--red"><span class="govuk-visually-hidden">Waiting </span>6 days' in page
    assert 'govuk-tag--yellow"><span class="govuk-visually-hidden">Waiting </span>3 days' in page


def test_the_queue_filters_by_agency_category_and_status(client, kw, kw2, officer, funded):
    phone = make_grant(kw)
    travel = make_grant(kw2, items=[("Train ticket", "30.00")], code="travel", client="RH-9")
    client.force_login(officer)

    page = client.get(reverse("grants:queue"), {"category": category("travel").pk}).content.decode()
    assert travel.reference in page and phone.reference not in page
    page = client.get(reverse("grants:queue"), {"agency": kw.key_worker.agency.pk}).content.decode()
    assert phone.reference in page and travel.reference not in page
    grant_decline(actor=officer, grant=phone, reason="No.")
    page = client.get(reverse("grants:queue"), {"status": "declined"}).content.decode()
    assert phone.reference in page and travel.reference not in page


def test_the_request_page_shows_the_funds_available_balance_beside_approve(
    client, kw, officer, funded
):
    grant = make_grant(kw)
    client.force_login(officer)
    page = client.get(reverse("grants:detail", args=[grant.pk])).content.decode()
    assert 'Public donations has <strong class="app-balance-figure">£1,000.00</strong>' in page
    assert "Approve £45.00" in page


def test_approving_then_paying_through_the_pages(client, kw, officer, officer2, funded):
    grant = make_grant(kw, items=[("Bed", "150.00")], code="furniture")
    client.force_login(officer)
    client.post(reverse("grants:approve", args=[grant.pk]), {"fund": funded.pk})
    grant.refresh_from_db()
    assert grant.status == S.SECOND_APPROVAL

    response = client.post(reverse("grants:approve", args=[grant.pk]), {"fund": funded.pk})
    assert "different person" in client.get(response["Location"]).content.decode()

    client.force_login(officer2)
    client.post(reverse("grants:approve", args=[grant.pk]), {"fund": funded.pk})
    grant.refresh_from_db()
    assert grant.status == S.APPROVED

    client.post(
        reverse("grants:payout", args=[grant.pk]),
        {
            "payee": "Furniture Now",
            "method": "supplier",
            "reference": "BACS-1",
            "paid_on": timezone.localdate().isoformat(),
            "amount": "150.00",
        },
    )
    grant.refresh_from_db()
    assert grant.status == S.PAID


def test_declining_needs_a_reason(client, kw, officer, funded):
    grant = make_grant(kw)
    client.force_login(officer)
    response = client.post(reverse("grants:decline", args=[grant.pk]), {"decline-note": ""})
    assert response.status_code == 400
    grant.refresh_from_db()
    assert grant.status == S.SUBMITTED


def test_approval_that_the_fund_cannot_cover_shows_why(client, kw, officer, public_fund):
    grant = make_grant(kw)
    client.force_login(officer)
    response = client.post(reverse("grants:approve", args=[grant.pk]), {"fund": public_fund.pk})
    page = client.get(response["Location"]).content.decode()
    assert "has £0.00 available; this needs £45.00" in page
    grant.refresh_from_db()
    assert grant.status == S.SUBMITTED


# --- follow-up, limits, speed -----------------------------------------------------------


def test_paid_grants_missing_receipts_after_14_days_are_listed(
    client, kw, officer, officer2, funded
):
    grant = grant_approve(actor=officer, grant=make_grant(kw))
    with time_machine.travel(timezone.now() - timedelta(days=15)):
        grant_record_payout(
            actor=officer2,
            grant=grant,
            payee="Argos",
            method="voucher",
            reference="V-1",
            paid_on=timezone.localdate(),
        )
    recent = grant_approve(actor=officer, grant=make_grant(kw, client="CLT-9"))
    grant_record_payout(
        actor=officer2,
        grant=recent,
        payee="Argos",
        method="voucher",
        reference="V-2",
        paid_on=timezone.localdate(),
    )
    client.force_login(officer)
    page = client.get(reverse("grants:follow_up")).content.decode()
    section = page[page.index('data-testid="missing-receipts"') :]
    assert grant.reference in section and recent.reference not in section


def test_the_fund_manager_edits_limits_with_history(client, manager, auditor, funded):
    cap = CategoryCap.objects.get(fund=funded, account=category("phone"))
    client.force_login(manager)
    assert client.get(reverse("grants:limits")).status_code == 200

    client.post(reverse("grants:limits_cap", args=[cap.pk]), {f"cap-{cap.pk}-cap": "85.00"})
    client.post(
        reverse("grants:limits_rules", args=[funded.pk]),
        {
            f"rules-{funded.pk}-per_grant_cap": "400.00",
            f"rules-{funded.pk}-per_client_12_month_cap": "600.00",
            f"rules-{funded.pk}-two_approver_threshold": "120.00",
        },
    )
    cap.refresh_from_db()
    rules = FundRules.objects.get(fund=funded)
    assert cap.cap == gbp("85.00")
    assert rules.two_approver_threshold == gbp("120.00")
    assert rules.history.first().history_user == manager

    client.force_login(auditor)
    assert client.get(reverse("grants:limits")).status_code == 200
    response = client.post(
        reverse("grants:limits_cap", args=[cap.pk]), {f"cap-{cap.pk}-cap": "1.00"}
    )
    assert response.status_code == 403


def test_the_staff_home_page_shows_speed_figures(client, kw, officer, officer2, funded):
    now = timezone.now()
    with time_machine.travel(now - timedelta(hours=10)):
        grant = make_grant(kw)
    with time_machine.travel(now - timedelta(hours=4)):
        grant = grant_approve(actor=officer, grant=grant)
    with time_machine.travel(now - timedelta(hours=1)):
        grant_record_payout(
            actor=officer2,
            grant=grant,
            payee="Argos",
            method="voucher",
            reference="V-1",
            paid_on=timezone.localdate(),
        )
    make_grant(kw, client="CLT-7")
    client.force_login(officer)
    page = client.get(reverse("home")).content.decode()
    assert "Waiting for a decision" in page
    assert "6.0 hours (1 decided)" in page
    assert "3.0 hours (1 paid)" in page


def test_key_workers_see_only_their_agencys_clients(client, kw, kw2, officer, funded):
    grant_approve(actor=officer, grant=make_grant(kw))
    make_grant(kw2, client="RH-0001", items=[("Bus pass", "20.00")], code="travel")
    client.force_login(kw)
    page = client.get(reverse("grants:clients")).content.decode()
    assert "CLT-0042" in page and "RH-0001" not in page
    assert "£45.00" in page
    client.force_login(officer)
    page = client.get(reverse("grants:clients")).content.decode()
    assert "CLT-0042" in page and "RH-0001" in page
