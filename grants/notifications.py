"""Emails about requests, queued in the request's transaction and sent by the worker.

Emails carry the request's reference and a link, never the client's details: mail is
less private than the site.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from people.roles import Role
from people.tasks import mail_send_later


def _link(grant) -> str:
    return f"{getattr(settings, 'SITE_URL', '')}{reverse('grants:detail', args=[grant.pk])}"


def _emails_of_role(role: Role) -> list[str]:
    User = get_user_model()
    return list(
        User.objects.filter(groups__name=role.value, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )


def _send_later(subject: str, body: str, recipients: list[str]) -> None:
    mail_send_later(subject=subject, body=body, recipients=recipients)


def new_request(grant) -> None:
    _send_later(
        f"New grant request {grant.reference}",
        f"{grant.agency.name} has asked for {grant.category_label.lower()} "
        f"({'urgent: today' if grant.urgency == 'today' else 'this week'}).\n\n"
        f"Decide it at {_link(grant)}\n",
        _emails_of_role(Role.FUND_OFFICER),
    )


def _to_requester(grant, subject: str, body: str) -> None:
    email = grant.requester.email
    _send_later(subject, f"{body}\n\nSee {_link(grant)}\n", [email] if email else [])


def information_requested(grant) -> None:
    _to_requester(
        grant,
        f"More information needed for {grant.reference}",
        f"A fund officer needs more information about {grant.reference}.",
    )


def decided(grant) -> None:
    _to_requester(
        grant,
        f"{grant.reference} is {grant.get_status_display().lower()}",
        f"Your request {grant.reference} is now {grant.get_status_display().lower()}.",
    )


def paid(grant) -> None:
    _to_requester(
        grant,
        f"{grant.reference} has been paid",
        f"Your request {grant.reference} has been paid. Please upload the receipt.",
    )


def receipt_reminder(grant) -> None:
    _to_requester(
        grant,
        f"Receipt needed for {grant.reference}",
        f"{grant.reference} was paid over 14 days ago and has no receipt yet. Please upload it.",
    )


def outcome_reminder(grant) -> None:
    _to_requester(
        grant,
        f"How did {grant.reference} go?",
        f"{grant.reference} was paid 28 days ago. Please record whether it removed the barrier.",
    )
