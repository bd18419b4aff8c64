"""Helpers for online-giving tests: give through the real page, deliver signed webhooks."""

import uuid
from dataclasses import dataclass

from django.test import Client
from django.urls import reverse

from donations.models.online import OnlineDonation
from fund.models import Account
from fund.selectors import account_balance
from tests.tasks import run_tasks  # noqa: F401 (the online tests import it from here)


def gbp_balance(code: str, fund=None) -> str:
    """An account's balance as plain text, e.g. '4.73', for exact comparisons."""
    return f"{account_balance(Account.objects.get(code=code), fund).amount:.2f}"


@dataclass
class StripeWorld:
    double: object
    client: Client
    fund: object

    def give(
        self, amount: str = "5", *, frequency: str = "one-off", attempt=None, **fields
    ) -> OnlineDonation:
        data = {
            "attempt": str(attempt or uuid.uuid4()),
            "frequency": frequency,
            **fields,
        }
        if amount in ("3", "5", "10", "25"):
            data["amount_choice"] = amount
        else:
            data["amount_choice"] = "other"
            data["other_amount"] = amount
        response = self.client.post(reverse("donate"), data)
        assert response.status_code == 303, response.content.decode()[:2000]
        return OnlineDonation.objects.get(attempt=data["attempt"])

    def send(
        self,
        event: dict,
        *,
        secret: str | None = None,
        timestamp: int | None = None,
        process: bool = True,
    ):
        """POST the event, signed, to the real endpoint; then let the worker process it."""
        payload, header = self.double.signed(event, secret=secret, timestamp=timestamp)
        response = self.client.post(
            reverse("stripe-webhook"),
            data=payload,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=header,
        )
        if process:
            run_tasks()
        return response

    def send_all(self, events: list[dict]) -> None:
        for event in events:
            response = self.send(event)
            assert response.status_code == 200, (event["type"], response.content)

    def pay(self, donation: OnlineDonation, outcome: str = "paid") -> list[dict]:
        """The donor pays on the hosted page; the webhooks arrive."""
        events = self.double.complete_checkout(donation.stripe_session_id, outcome)
        self.send_all(events)
        return events

    def charge_id(self, donation: OnlineDonation) -> str:
        donation.refresh_from_db()
        return donation.payments.order_by("id").last().charge_id
