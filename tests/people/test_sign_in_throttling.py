"""Failed sign-ins are throttled per address and per account-and-address.

A stranger guessing one person's password from their own address is slowed and then
stopped, but cannot lock the real person out from the address they work from; one
address guessing across many accounts is stopped as well.
"""

from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.conftest import PASSWORD

STRANGER = "203.0.113.7"
OFFICE = "198.51.100.20"


def post_password(client, username, password, address):
    return client.post(
        reverse("account_login"),
        {"login": username, "password": password},
        REMOTE_ADDR=address,
    )


def test_five_failures_from_one_address_lock_that_address_out_of_the_account(client, partner):
    for _ in range(5):
        post_password(client, partner.username, "wrong", STRANGER)

    response = post_password(client, partner.username, PASSWORD, STRANGER)

    assert "Too many failed" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_real_person_still_signs_in_from_another_address(client, partner):
    for _ in range(5):
        post_password(client, partner.username, "wrong", STRANGER)

    response = post_password(client, partner.username, PASSWORD, OFFICE)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(partner.pk)


def test_guessing_by_email_address_is_throttled_the_same_way(client, partner):
    for _ in range(5):
        post_password(client, partner.email.upper(), "wrong", STRANGER)

    refused = post_password(client, partner.email, PASSWORD, STRANGER)
    assert "Too many failed" in refused.content.decode()

    response = post_password(client, partner.email, PASSWORD, OFFICE)
    assert response.status_code == 302


def test_one_address_guessing_across_many_accounts_is_stopped(client, db):
    users = get_user_model().objects
    for n in range(5):
        users.create_user(username=f"guessed{n}", password=PASSWORD)
    users.create_user(username="guessed5", password=PASSWORD)
    # Four guesses at each of five accounts: under the per-account limit every time,
    # twenty failures from the one address in all.
    for n in range(5):
        for _ in range(4):
            response = post_password(client, f"guessed{n}", "wrong", STRANGER)
            assert "Too many failed" not in response.content.decode()

    response = post_password(client, "guessed5", PASSWORD, STRANGER)

    assert "Too many failed" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another address is not affected.
    assert post_password(client, "guessed5", PASSWORD, OFFICE).status_code == 302
