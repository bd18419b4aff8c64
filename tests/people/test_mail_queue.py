"""E-mail goes through the task queue: queued in the transaction that needs it, sent by the
worker, tried again with back-off when the mail server is down."""

import socket
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from people.roles import Role
from people.services import invitation_create
from people.tasks import mail_send_later
from tests.tasks import run_tasks


def closed_port() -> int:
    """A loopback port nothing listens on: connecting to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_nothing_is_sent_until_the_worker_runs_and_then_once(db):
    mail_send_later(subject="Hello", body="Body", recipients=["kit@example.org"])
    assert mail.outbox == []
    assert run_tasks() == 1
    assert [(m.subject, m.to) for m in mail.outbox] == [("Hello", ["kit@example.org"])]
    assert run_tasks() == 0
    assert len(mail.outbox) == 1


def test_an_invitation_that_rolls_back_sends_nothing(manager):
    with pytest.raises(RuntimeError), transaction.atomic():
        invitation_create(
            actor=manager,
            email="kit.new@example.org",
            role=Role.FUND_OFFICER,
            link_for=lambda token: f"https://fund.example/people/invitation/{token}/",
        )
        raise RuntimeError("the page failed after the invitation was made")
    assert run_tasks() == 0
    assert mail.outbox == []


def test_a_mail_server_that_is_down_is_tried_again_later(db):
    smtp_refused = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": closed_port(), "timeout": 2},
        }
    }
    with override_settings(MAILERS=smtp_refused):
        mail_send_later(subject="Receipt needed", body="Body", recipients=["kw@example.org"])
        assert run_tasks() == 1  # the first attempt fails: the connection is refused
    assert mail.outbox == []
    waiting = DBTaskResult.objects.filter(status="READY").get()
    assert waiting.args_kwargs["args"] == ["Receipt needed", "Body", ["kw@example.org"], 2]
    assert timedelta(seconds=29) < waiting.run_after - timezone.now() <= timedelta(seconds=30)
    assert run_tasks() == 0  # not due yet

    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        assert run_tasks() == 1
    assert [(m.subject, m.to) for m in mail.outbox] == [("Receipt needed", ["kw@example.org"])]
