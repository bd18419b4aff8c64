"""Subject-access export: one file with everything held about a client reference or a
donor's email, for fund officers and managers only."""

import json
import re
import uuid
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from djmoney.money import Money

from donations.models.online import OnlineDonation
from donations.services.giftaid import gift_aid_declaration_cancel
from donations.services.monthly import monthly_gift_cancel
from donations.services.refunds import online_payment_refund
from grants.services.decisions import grant_approve
from grants.services.documents import document_upload
from grants.services.payments import grant_record_outcome, grant_record_payout
from tests.donations.conftest import stripe_double, stripe_world  # noqa: F401 (fixtures)
from tests.grants.conftest import make_grant
from tests.grants.states import pdf

URL = reverse("subject-access")


class _AnyMoment(str):
    """Equal to any ISO date-time on 26 Nov 2026 between 12:00 and 12:01 UTC."""

    def __eq__(self, other):
        return isinstance(other, str) and other.startswith("2026-11-26T12:00:")

    __hash__ = str.__hash__


ANY_MOMENT = _AnyMoment("2026-11-26T12:00:..")


def download(client, kind, value):
    response = client.post(URL, {"kind": kind, "value": value})
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Disposition"].startswith("attachment;")
    return json.loads(b"".join([response.content]))


def test_a_client_reference_export_holds_their_grants_and_own_words(client, officer, kw, funded):
    make_grant(kw, client="CLT-0042")
    make_grant(kw, client="CLT-0100")
    client.force_login(officer)

    data = download(client, "client", "clt-0042")

    [found] = data["clients"]
    assert found["reference"] == "CLT-0042"
    [grant] = found["grants"]
    assert grant["own_words"] == "Ring the jobcentre and my sister."
    assert grant["items"][0]["description"] == "Smartphone"
    assert grant["amount"] == "45.00 GBP"
    assert "CLT-0100" not in json.dumps(data)


def test_a_donor_email_export_holds_their_gifts(client, manager, public_fund):
    OnlineDonation.objects.create(
        attempt=uuid.uuid4(),
        frequency=OnlineDonation.Frequency.MONTHLY,
        amount=Money("10.00", "GBP"),
        fund=public_fund,
        donor_name="Grace Hopper",
        donor_email="Grace@Example.org",
    )
    client.force_login(manager)

    data = download(client, "donor", "grace@example.org")

    [gift] = data["gifts"]
    assert gift["name"] == "Grace Hopper"
    assert gift["amount"] == "10.00 GBP"


def test_a_bad_email_is_asked_again(client, officer):
    client.force_login(officer)

    response = client.post(URL, {"kind": "donor", "value": "not-an-email"})

    assert response.status_code == 200
    assert "Enter an email address in the correct format" in response.content.decode()


@pytest.mark.parametrize("persona", ["auditor", "partner", "key_worker"])
def test_only_officers_and_managers_may_export(client, request, persona):
    client.force_login(request.getfixturevalue(persona))

    assert client.post(URL, {"kind": "client", "value": "CLT-0042"}).status_code == 403


def test_a_client_with_a_quote_a_payout_a_receipt_and_an_outcome_gets_everything(
    client, kw, officer, officer2, manager, funded
):
    grant = make_grant(kw, items=[("Bed and mattress", "150.00")], code="furniture")
    document_upload(actor=kw, grant=grant, kind="quote", upload=pdf("my-quote.pdf"))
    grant_approve(actor=officer, grant=grant)
    grant_approve(actor=officer2, grant=grant)
    grant_record_payout(
        actor=officer,
        grant=grant,
        payee="Furniture Now",
        method="supplier",
        reference="BACS-1",
        paid_on=timezone.localdate(),
    )
    document_upload(actor=kw, grant=grant, kind="receipt", upload=pdf("receipt.pdf"))
    grant_record_outcome(actor=kw, grant=grant, barrier_removed="yes", note="Sleeping well now.")
    client.force_login(officer)

    data = download(client, "client", "CLT-0042")

    [found] = data["clients"]
    [held] = found["grants"]
    assert [(d["kind"], d["name"]) for d in held["documents"]] == [
        ("quote", f"quote-{grant.reference}-1.pdf"),
        ("receipt", f"receipt-{grant.reference}-1.pdf"),
    ]
    assert held["payout"]["payee"] == "Furniture Now"
    assert held["payout"]["reference"] == "BACS-1"
    assert held["payout"]["amount"] == "150.00 GBP"
    assert held["outcome"]["barrier_removed"] == "Yes"
    assert held["outcome"]["note"] == "Sleeping well now."
    assert [e["to"] for e in held["history"]][-2:] == ["paid", "receipt_received"]


def test_a_donor_export_holds_every_kind_of_record_they_have(client, officer, stripe_world):  # noqa: F811
    """A one-off £25 gift with Gift Aid (later cancelled), £5.00 refunded by staff and a
    £3.00 refund that failed; a £10 monthly gift, disputed, then stopped by staff. All made
    at midday on 26 Nov 2026 through the donation page, the Stripe double and its webhooks."""
    with time_machine.travel(datetime(2026, 11, 26, 12, tzinfo=UTC), tick=True):
        once = stripe_world.give(
            "25",
            donor_name="Ada Lovelace",
            donor_email="ada@example.org",
            gift_aid="on",
            title="Dr",
            first_name="Ada",
            last_name="Lovelace",
            house_name_or_number="12",
            address="Analytical Row, Newcastle",
            postcode="NE1 4ST",
        )
        stripe_world.pay(once)
        payment = once.payments.get()
        online_payment_refund(
            actor=officer,
            payment=payment,
            amount=Money("5.00", "GBP"),
            reason="Gave twice by mistake",
            request_key=uuid.uuid4(),
        )
        failing = stripe_world.double.dashboard_refund(payment.charge_id, 300)
        stripe_world.send_all(failing)
        stripe_world.send_all(stripe_world.double.fail_refund(failing[0]["data"]["object"]["id"]))
        once.refresh_from_db()
        gift_aid_declaration_cancel(
            actor=officer, declaration=once.gift_aid, cancelled_on=date(2026, 11, 26)
        )

        monthly = stripe_world.give(
            "10", frequency="monthly", donor_name="Ada L", donor_email="ADA@Example.org"
        )
        stripe_world.pay(monthly)
        stripe_world.send_all(stripe_world.double.dispute(stripe_world.charge_id(monthly)))
        monthly.refresh_from_db()
        monthly_gift_cancel(actor=officer, donation=monthly, reason="Donor phoned: moving abroad")
        stripe_world.pay(stripe_world.give("3", donor_email="someone@example.org"))
        monthly.refresh_from_db()
        client.force_login(officer)

        data = download(client, "donor", " Ada@example.ORG ")

    assert data["kind"] == "donor email"
    assert "someone@example.org" not in json.dumps(data)
    once_held, monthly_held = data["gifts"]
    # Moments are ISO date-times on 26 Nov 2026 (the seconds tick on): checked, then left out.
    for key in ("given",):
        assert once_held.pop(key).startswith("2026-11-26T12:00:")
        assert monthly_held.pop(key).startswith("2026-11-26T12:00:")
    assert once_held.pop("status_events") == [
        {"at": ANY_MOMENT, "from": "created", "to": "paid", "note": "Payment confirmed by Stripe"}
    ]
    declaration = once_held.pop("gift_aid_declaration")
    assert declaration.pop("declared").startswith("2026-11-26T12:00:")
    assert declaration.pop("statement").startswith("I want to Gift Aid my donation")
    assert declaration == {
        "title": "Dr",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "house_name_or_number": "12",
        "address": "Analytical Row, Newcastle",
        "postcode": "NE1 4ST",
        "lives_outside_the_uk": False,
        "covers_gifts_from": None,
        "cancelled_on": "2026-11-26",
    }
    # References follow the database's id sequence (PostgreSQL does not reset it per test).
    assert re.fullmatch(r"OD-\d{6}", once.reference)
    assert once_held == {
        "reference": once.reference,
        "amount": "25.00 GBP",
        "frequency": "One-off",
        "status": "Paid",
        "fund": "Public donations",
        "name": "Ada Lovelace",
        "email": "ada@example.org",
        "collection_point": None,
        "stripe_customer_id": None,
        "stripe_subscription_id": None,
        "monthly_gift": None,
        "payments": [
            {
                "paid_on": "2026-11-26",
                "amount": "25.00 GBP",
                "fee": "0.58 GBP",
                # £5.00 by staff kept; the £3.00 that failed went back.
                "refunded": "5.00 GBP",
                "refunds_by_staff": [
                    {
                        "requested": ANY_MOMENT,
                        "amount": "5.00 GBP",
                        "reason": "Gave twice by mistake",
                    }
                ],
                "failed_refunds": [
                    {
                        "recorded": ANY_MOMENT,
                        "amount": "3.00 GBP",
                        "reason": "expired_or_canceled_card",
                    }
                ],
                "dispute": None,
                "disputed": "0.00 GBP",
                "gift_aid_claimed": False,
                "gift_aid_claim_made": None,
            }
        ],
    }
    assert monthly_held.pop("stripe_customer_id") == monthly.stripe_customer_id
    assert monthly.stripe_customer_id.startswith("cus_")
    assert monthly_held.pop("stripe_subscription_id").startswith("sub_")
    assert monthly_held == {
        "reference": monthly.reference,
        "amount": "10.00 GBP",
        "frequency": "Monthly",
        "status": "Paid",
        "fund": "Public donations",
        "name": "Ada L",
        "email": "ADA@Example.org",
        "collection_point": None,
        "monthly_gift": {
            "monthly_amount": "10.00 GBP",
            "cancelled": ANY_MOMENT,
            "cancel_reason": "Donor phoned: moving abroad",
        },
        "status_events": [
            {
                "at": ANY_MOMENT,
                "from": "created",
                "to": "paid",
                "note": "Payment confirmed by Stripe",
            },
            {
                "at": ANY_MOMENT,
                "from": "paid",
                "to": "paid",
                "note": "Monthly gift cancelled: Donor phoned: moving abroad",
            },
        ],
        "payments": [
            {
                "paid_on": "2026-11-26",
                "amount": "10.00 GBP",
                "fee": "0.35 GBP",
                "refunded": "0.00 GBP",
                "refunds_by_staff": [],
                "failed_refunds": [],
                "dispute": "Disputed: needs a response",
                "disputed": "10.00 GBP",
                "gift_aid_claimed": False,
                "gift_aid_claim_made": None,
            }
        ],
        "gift_aid_declaration": None,
    }
