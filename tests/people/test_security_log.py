"""Security events reach the "security" log with who, when and where, and nothing secret."""

import logging

import pytest
import time_machine
from django.urls import reverse

from tests.auth import give_authenticator, sign_in, totp_code
from tests.conftest import PASSWORD

NOW = 1_795_000_010.0


@pytest.fixture
def security_log(caplog):
    caplog.set_level(logging.INFO, logger="security")

    def events(name):
        return [r for r in caplog.records if getattr(r, "security_event", None) == name]

    events.text = lambda: "\n".join(r.getMessage() for r in caplog.records)
    return events


def test_a_failed_sign_in_is_logged_without_the_password(client, officer, security_log):
    client.post(
        reverse("account_login"),
        {"login": officer.username, "password": "Wrong-Guess-42"},
        REMOTE_ADDR="203.0.113.9",
    )

    [record] = security_log("sign-in-failed")
    assert record.levelno == logging.WARNING
    assert record.security_ip == "203.0.113.9"
    assert officer.username in record.getMessage()
    assert record.created  # the log record carries the time
    assert "Wrong-Guess-42" not in security_log.text()


def test_a_failed_second_factor_is_logged_without_the_code(client, officer, security_log):
    give_authenticator(officer)
    with time_machine.travel(NOW, tick=False):
        wrong = totp_code(at=NOW - 300)
        sign_in(client, officer, password=PASSWORD, code=wrong)

    [record] = security_log("second-factor-failed")
    assert record.security_user == f"{officer.username} (id {officer.pk})"
    assert record.security_ip == "127.0.0.1"
    assert wrong not in security_log.text()
    assert PASSWORD not in security_log.text()


def test_sign_in_and_sign_out_are_logged(client, officer, security_log):
    give_authenticator(officer)
    with time_machine.travel(NOW, tick=False):
        code = totp_code(at=NOW)
        sign_in(client, officer, password=PASSWORD, code=code)
        client.post(reverse("account_logout"))

    assert len(security_log("signed-in")) == 1
    assert len(security_log("signed-out")) == 1
    assert code not in security_log.text()


def test_a_role_refusal_is_logged(client, partner, security_log):
    client.force_login(partner)

    client.get("/?client=CL-12345")

    [record] = security_log("access-refused")
    assert record.security_status == 403
    assert record.security_path == "/"
    assert "CL-12345" not in security_log.text()  # query strings are never logged
    assert record.security_user.startswith(partner.username)


def test_a_not_found_for_a_signed_in_person_is_logged(client, officer, security_log):
    client.force_login(officer)

    client.get(reverse("donations:cash_point", kwargs={"pk": 987654}))

    [record] = security_log("access-refused")
    assert record.security_status == 404


def test_a_download_is_logged(client, officer, collection_point, security_log):
    client.force_login(officer)

    client.get(reverse("donations:cash_point_poster", kwargs={"pk": collection_point.pk}))

    [record] = security_log("file-downloaded")
    assert record.security_path.endswith("poster.pdf")
    assert record.security_user.startswith(officer.username)
