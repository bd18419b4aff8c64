"""The conformance checker itself: it passes what Stripe's types allow and fails the rest.

The autouse ``stripe_requests`` fixture (tests/stripe_conformance.py) checks every request
the online tests send; these tests show it refuses a planted unknown parameter and a value
outside a documented enum, on a real request through the ``stripe`` library.
"""

import pytest
import stripe
from stripe.checkout._session_service import SessionService
from stripe.params.checkout._session_create_params import SessionCreateParams

from donations.services.stripe_api import stripe_client
from tests.stripe_conformance import check, check_request

pytestmark = pytest.mark.django_db

GOOD_SESSION = {
    "mode": "payment",
    "success_url": "https://example.org/thanks",
    "line_items": [
        {
            "quantity": 1,
            "price_data": {
                "currency": "gbp",
                "unit_amount": 500,
                "product_data": {"name": "Donation"},
            },
        }
    ],
    "metadata": {"donation": "abc"},
}


def test_a_session_as_stripe_documents_it_passes():
    assert check_request(SessionService, "create", GOOD_SESSION) == []


def test_an_unknown_parameter_fails():
    assert check_request(SessionService, "create", {**GOOD_SESSION, "colour": "blue"}) == [
        "params.colour: unknown parameter for SessionCreateParams"
    ]


def test_an_unknown_nested_parameter_fails():
    params = {**GOOD_SESSION, "line_items": [{"quantity": 1, "prise": "price_1"}]}
    assert check_request(SessionService, "create", params) == [
        "params.line_items[0].prise: unknown parameter for SessionCreateParamsLineItem"
    ]


def test_a_value_outside_the_enum_fails_though_stripe_writes_it_literal_or_str():
    problems = check_request(SessionService, "create", {**GOOD_SESSION, "mode": "monthly"})
    assert problems == ["params.mode: 'monthly' is not one of ['payment', 'setup', 'subscription']"]


def test_a_wrong_scalar_type_fails():
    assert check({"quantity": "1"}, SessionCreateParams) != []
    assert check({"line_items": [{"quantity": True}]}, SessionCreateParams) == [
        "params.line_items[0].quantity: expected an integer, got True"
    ]


def test_free_text_beside_the_unset_literal_passes():
    from stripe._subscription_service import SubscriptionService

    params = {"cancellation_details": {"comment": "Moving away", "feedback": "other"}}
    assert check_request(SubscriptionService, "cancel", params) == []
    bad = {"cancellation_details": {"feedback": "moving"}}
    assert len(check_request(SubscriptionService, "cancel", bad)) == 1


def test_a_planted_request_through_the_library_is_recorded_and_fails(
    stripe_double, stripe_requests
):
    client = stripe_client()
    with pytest.raises(stripe.StripeError):
        # The double refuses the bad mode too; the checker must say why before any answer.
        client.v1.checkout.sessions.create(
            params={**GOOD_SESSION, "mode": "monthly", "colour": "blue"}
        )
    assert [(r.service, r.method_name, r.http_method, r.url) for r in stripe_requests.requests] == [
        ("SessionService", "create", "post", "/v1/checkout/sessions")
    ]
    assert stripe_requests.problems == [
        "POST /v1/checkout/sessions (SessionService.create): params.mode: 'monthly' is not one "
        "of ['payment', 'setup', 'subscription']",
        "POST /v1/checkout/sessions (SessionService.create): params.colour: unknown parameter "
        "for SessionCreateParams",
    ]
    stripe_requests.requests.clear()  # planted on purpose: not a failure of this test


def test_the_app_s_own_requests_in_a_monthly_gift_are_recorded_and_conform(
    stripe_world, stripe_requests
):
    donation = stripe_world.give("10", frequency="monthly")
    stripe_world.pay(donation)
    sent = {(r.service, r.method_name, r.http_method) for r in stripe_requests.requests}
    assert ("SessionService", "create", "post") in sent
    assert stripe_requests.problems == []
