from datetime import timedelta

import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from grants.services.decisions import grant_approve
from grants.services.payments import grant_record_payout
from tests.grants.conftest import make_grant
from tests.tasks import run_tasks


def pay(actor, grant):
    grant_record_payout(
        actor=actor,
        grant=grant,
        payee="Argos",
        method="voucher",
        reference="V-1",
        paid_on=timezone.localdate(),
    )


def test_the_key_worker_hears_of_the_decision_and_the_payment(
    kw, officer, officer2, funded, django_capture_on_commit_callbacks
):
    grant = make_grant(kw)
    run_tasks()  # what earlier steps queued goes out first
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        grant = grant_approve(actor=officer, grant=grant)
    with django_capture_on_commit_callbacks(execute=True):
        pay(officer2, grant)

    run_tasks()
    assert [m.to for m in mail.outbox] == [[kw.email], [kw.email]]
    assert "approved" in mail.outbox[0].subject
    assert "paid" in mail.outbox[1].subject
    assert all("CLT-0042" not in m.body for m in mail.outbox)


def test_reminders_go_for_missing_receipts_and_outcomes(
    kw, officer, officer2, funded, django_capture_on_commit_callbacks
):
    now = timezone.now()
    with time_machine.travel(now - timedelta(days=30)):
        old = grant_approve(actor=officer, grant=make_grant(kw))
        pay(officer2, old)
    with time_machine.travel(now - timedelta(days=20)):
        middle = grant_approve(actor=officer, grant=make_grant(kw, client="CLT-2"))
        pay(officer2, middle)
    recent = grant_approve(actor=officer, grant=make_grant(kw, client="CLT-3"))
    pay(officer2, recent)
    run_tasks()  # what earlier steps queued goes out first
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_grant_reminders")

    run_tasks()
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects == sorted(
        [
            f"Receipt needed for {old.reference}",
            f"Receipt needed for {middle.reference}",
            f"How did {old.reference} go?",
        ]
    )
