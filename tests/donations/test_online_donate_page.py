"""The public donation page: amounts, Gift Aid, attribution, idempotency and rate limits."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from djmoney.money import Money

from donations.models.online import GIFT_AID_STATEMENT, OnlineDonation
from fund.services.funds import fund_rules_update


def session_at_double(stripe_world, donation) -> dict:
    return stripe_world.double.get(donation.stripe_session_id, "checkout.session")


def test_page_offers_presets_other_amount_monthly_and_gift_aid(stripe_world, client):
    response = client.get(reverse("donate"))
    page = response.content.decode()
    assert response.status_code == 200
    for label in ("£3", "£5", "£10", "£25", "Another amount", "Monthly", "One-off"):
        assert label in page
    assert GIFT_AID_STATEMENT in page
    assert "Test mode" in page


def test_giving_creates_a_hosted_checkout_session_for_the_servers_amount(stripe_world, client):
    attempt = uuid.uuid4()
    response = client.post(
        reverse("donate"),
        {
            "attempt": attempt,
            "amount_choice": "other",
            "other_amount": "7.50",
            "frequency": "one-off",
        },
    )
    donation = OnlineDonation.objects.get(attempt=attempt)
    session = session_at_double(stripe_world, donation)

    assert response.status_code == 303
    assert response["Location"] == session["url"]
    assert session["amount_total"] == 750
    assert session["mode"] == "payment"
    assert session["submit_type"] == "donate"
    assert session["metadata"]["donation"] == str(donation.public_id)
    assert f"clf-checkout-{attempt}" in stripe_world.double._idempotent


def test_monthly_gift_opens_a_subscription_checkout(stripe_world):
    donation = stripe_world.give("10", frequency="monthly")
    session = session_at_double(stripe_world, donation)
    assert session["mode"] == "subscription"
    assert session["submit_type"] == "donate"
    assert session["amount_total"] == 1000


def test_amount_changed_in_the_form_after_the_session_was_created_changes_nothing(
    stripe_world, client
):
    attempt = uuid.uuid4()
    first = client.post(
        reverse("donate"), {"attempt": attempt, "amount_choice": "5", "frequency": "one-off"}
    )
    again = client.post(
        reverse("donate"),
        {
            "attempt": attempt,
            "amount_choice": "other",
            "other_amount": "500",
            "frequency": "monthly",
        },
    )

    donation = OnlineDonation.objects.get()
    assert again.status_code == 303
    assert again["Location"] == first["Location"]
    assert str(donation.amount.amount) == "5.00"
    assert donation.frequency == "one-off"
    assert session_at_double(stripe_world, donation)["amount_total"] == 500
    assert len([r for r in stripe_world.double.requests if r[1] == "/v1/checkout/sessions"]) == 1

    stripe_world.pay(donation)
    assert str(donation.payments.get().amount.amount) == "5.00"


def test_other_amount_must_be_at_least_one_pound(stripe_world, client):
    response = client.post(
        reverse("donate"),
        {
            "attempt": uuid.uuid4(),
            "amount_choice": "other",
            "other_amount": "0.99",
            "frequency": "one-off",
        },
    )
    assert response.status_code == 400
    assert "Enter an amount between £1.00 and £1,000.00" in response.content.decode()
    assert not OnlineDonation.objects.exists()


def test_the_maximum_comes_from_the_fund_rules(stripe_world, client, manager):
    fund_rules_update(
        actor=manager, fund=stripe_world.fund, online_donation_max=Money("250.00", "GBP")
    )
    too_much = client.post(
        reverse("donate"),
        {
            "attempt": uuid.uuid4(),
            "amount_choice": "other",
            "other_amount": "250.01",
            "frequency": "one-off",
        },
    )
    assert too_much.status_code == 400
    assert "£250.00" in too_much.content.decode()
    stripe_world.give("250.00")


def test_gift_aid_needs_name_house_and_postcode(stripe_world, client):
    response = client.post(
        reverse("donate"),
        {
            "attempt": uuid.uuid4(),
            "amount_choice": "5",
            "frequency": "one-off",
            "gift_aid": "on",
            "first_name": "Ada",
            "postcode": "nowhere",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Enter your last name" in page
    assert "Enter your house name or number" in page
    assert "Enter a real UK postcode" in page


def test_gift_aid_declaration_is_stored_with_hmrcs_wording(stripe_world):
    donation = stripe_world.give(
        "10",
        gift_aid="on",
        title="Ms",
        first_name="Ada",
        last_name="Lovelace",
        house_name_or_number="12",
        address="Grey Street, Newcastle",
        postcode="ne1 6ae",
    )
    declaration = donation.gift_aid
    assert declaration.statement == GIFT_AID_STATEMENT
    assert declaration.postcode == "NE1 6AE"
    assert declaration.declared_at is not None


def test_a_collection_point_code_attributes_the_gift_to_the_point(stripe_world, client, cafe):
    page = client.get(reverse("donate") + "?point=cafe01").content.decode()
    assert "Corner Café" in page
    donation = stripe_world.give("5", point="CAFE01")
    assert donation.collection_point == cafe
    assert donation.fund == cafe.fund


def test_an_unknown_point_code_is_ignored(stripe_world):
    donation = stripe_world.give("5", point="NOPE99")
    assert donation.collection_point is None


def test_starting_many_checkouts_from_one_address_is_rate_limited(stripe_world, client):
    for _ in range(10):
        stripe_world.give("3")
    response = client.post(
        reverse("donate"), {"attempt": uuid.uuid4(), "amount_choice": "3", "frequency": "one-off"}
    )
    assert response.status_code == 429
    assert OnlineDonation.objects.count() == 10


def test_stripe_being_unreachable_is_a_friendly_error(stripe_world, client):
    stripe_world.double.stop()
    response = client.post(
        reverse("donate"), {"attempt": uuid.uuid4(), "amount_choice": "5", "frequency": "one-off"}
    )
    assert response.status_code == 503
    assert "Card payments are unavailable just now" in response.content.decode()


def test_the_app_refuses_the_stripe_double_when_debug_is_off():
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "stripe-double-refusal-test-secret-key-0123456789-abcdef",
        "STRIPE_API_BASE": "http://127.0.0.1:12111",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "refused with DEBUG off" in result.stderr


def test_rate_limit_counts_each_donor_behind_the_proxy_separately(stripe_world, client, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    for _ in range(10):
        client.post(
            reverse("donate"),
            {"attempt": uuid.uuid4(), "amount_choice": "3", "frequency": "one-off"},
            HTTP_X_FORWARDED_FOR="203.0.113.7",
        )
    limited = client.post(
        reverse("donate"),
        {"attempt": uuid.uuid4(), "amount_choice": "3", "frequency": "one-off"},
        HTTP_X_FORWARDED_FOR="203.0.113.7",
    )
    someone_else = client.post(
        reverse("donate"),
        {"attempt": uuid.uuid4(), "amount_choice": "3", "frequency": "one-off"},
        HTTP_X_FORWARDED_FOR="198.51.100.20",
    )
    assert limited.status_code == 429
    assert someone_else.status_code == 303
