"""Stripe's hosted customer portal and subscription changes, as the double plays them.

- ``POST /v1/billing_portal/sessions`` (customer, return_url) answers a session whose
  ``url`` is the double's portal page for that customer;
- ``DELETE /v1/subscriptions/{id}`` cancels at once (the app's staff cancel);
- the portal page lists the customer's active subscriptions, each with "Cancel" and
  "Change amount"; each sends ``customer.subscription.deleted`` or
  ``customer.subscription.updated`` (with ``previous_attributes``), signed, to the app.

A subscription's amount is ``items.data[0].price.unit_amount`` times its quantity, as in
Stripe's subscription object.
"""

import html
from decimal import Decimal, InvalidOperation

from devtools.stripe_double.events import delivers
from devtools.stripe_double.pages import STYLE, pounds
from devtools.stripe_double.store import StripeError


def subscription_items(subscription: dict) -> dict:
    """The ``items`` list Stripe shows on a subscription: one monthly price here."""
    return {
        "object": "list",
        "data": [
            {
                "id": subscription.get("_item_id") or f"si_{subscription['id'][4:]}",
                "object": "subscription_item",
                "quantity": 1,
                "price": {
                    "object": "price",
                    "currency": "gbp",
                    "unit_amount": subscription["_amount"],
                    "recurring": {"interval": "month", "interval_count": 1},
                },
            }
        ],
        "has_more": False,
    }


class Portal:
    """Billing portal sessions, the portal page and subscription cancels and changes."""

    def create_portal_session(self, params: dict) -> dict:
        customer = params.get("customer")
        if not customer:
            raise StripeError(400, "Missing required param: customer.", "parameter_missing")
        self.get(customer, "customer")
        session_id = self._id("bps")
        return self._put(
            {
                "id": session_id,
                "object": "billing_portal.session",
                "customer": customer,
                "return_url": params.get("return_url"),
                "url": f"{self.base_url}/portal/{session_id}",
                "livemode": False,
                "created": self.now(),
            }
        )

    def portal_subscriptions(self, session_id: str) -> list[dict]:
        session = self.get(session_id, "billing_portal.session")
        return [
            obj
            for obj in self.objects.values()
            if obj.get("object") == "subscription"
            and obj.get("customer") == session["customer"]
            and obj["status"] == "active"
        ]

    def _subscription_view(self, subscription: dict) -> dict:
        # Kept on the object too, so ``GET /v1/subscriptions/{id}`` shows the items.
        subscription["items"] = subscription_items(subscription)
        return self._public(subscription)

    def _cancel(self, subscription: dict, *, comment: str, feedback: str | None) -> list[dict]:
        if subscription["status"] == "canceled":
            raise StripeError(
                400, "A canceled subscription can only update its cancellation_details."
            )
        now = self.now()
        subscription.update(
            status="canceled",
            canceled_at=now,
            ended_at=now,
            cancellation_details={
                "comment": comment or None,
                "feedback": feedback,
                "reason": "cancellation_requested",
            },
        )
        return self._emit(("customer.subscription.deleted", self._subscription_view(subscription)))

    def cancel_subscription(self, subscription_id: str, params: dict) -> dict:
        """``DELETE /v1/subscriptions/{id}``: cancelled now; the event follows the answer."""
        subscription = self.get(subscription_id, "subscription")
        details = params.get("cancellation_details") or {}
        self._after_response += self._cancel(
            subscription, comment=details.get("comment", ""), feedback=details.get("feedback")
        )
        return self._subscription_view(subscription)

    @delivers
    def portal_cancel(self, session_id: str, subscription_id: str) -> list[dict]:
        """The donor presses "Cancel" in the portal."""
        with self._lock:
            subscription = self._portal_subscription(session_id, subscription_id)
            return self._cancel(subscription, comment="", feedback="other")

    @delivers
    def portal_change_amount(self, session_id: str, subscription_id: str, pence: int) -> list[dict]:
        """The donor changes the monthly amount in the portal."""
        with self._lock:
            subscription = self._portal_subscription(session_id, subscription_id)
            if pence < 100:
                raise StripeError(400, "The amount must be at least £1.00.")
            previous = {"items": subscription_items(subscription)}
            subscription["_amount"] = pence
            event = self.event(
                "customer.subscription.updated", self._subscription_view(subscription)
            )
            event["data"]["previous_attributes"] = previous
            return [event]

    def _portal_subscription(self, session_id: str, subscription_id: str) -> dict:
        if subscription_id not in {s["id"] for s in self.portal_subscriptions(session_id)}:
            raise StripeError(404, "No such subscription for this customer.")
        return self.get(subscription_id, "subscription")


def portal_page(double, session: dict, message: str = "") -> bytes:
    """The hosted portal: each active monthly gift with cancel and change-amount forms."""
    action = f"/portal/{html.escape(session['id'])}"
    parts = ["<h1>Manage your monthly gift</h1>"]
    if message:
        parts.append(f'<p role="status">{html.escape(message)}</p>')
    subscriptions = double.portal_subscriptions(session["id"])
    if not subscriptions:
        parts.append("<p>You have no active monthly gifts.</p>")
    for subscription in subscriptions:
        sid = html.escape(subscription["id"])
        field = f"amount-{sid}"
        parts.append(
            f"<section aria-labelledby='h-{sid}'><h2 id='h-{sid}'>"
            f"{pounds(subscription['_amount'])} a month</h2>"
            f"<form method='post' action='{action}'>"
            f"<input type='hidden' name='subscription' value='{sid}'>"
            f"<label for='{field}'>New monthly amount in pounds</label>"
            f"<input id='{field}' name='amount' inputmode='decimal'>"
            "<button name='do' value='change'>Change amount</button>"
            "<button name='do' value='cancel'>Cancel monthly gift</button>"
            "</form></section>"
        )
    if session.get("return_url"):
        parts.append(
            f"<p><a href='{html.escape(session['return_url'])}'>Return to the charity</a></p>"
        )
    return _portal_html("Manage your monthly gift", "".join(parts))


def _portal_html(title: str, body: str) -> bytes:
    """Like the double's other pages, with the test-mode banner inside a landmark."""
    return (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{STYLE}</style></head>"
        '<body><header><p class="test" role="note">TEST MODE: this is a local Stripe test '
        "double's customer portal. No real card is charged.</p></header>"
        f"<main>{body}</main></body></html>"
    ).encode()


def portal_post(double, session_id: str, form: dict) -> str:
    """Act on the portal form; return what to tell the donor."""
    subscription_id = form.get("subscription", "")
    if form.get("do") == "cancel":
        double.portal_cancel(session_id, subscription_id)
        return "Your monthly gift is cancelled."
    try:
        pounds_given = Decimal(form.get("amount", "").strip())
    except InvalidOperation:
        raise StripeError(400, "Enter an amount in pounds, like 7.50.") from None
    if not pounds_given.is_finite() or pounds_given != pounds_given.quantize(Decimal("0.01")):
        raise StripeError(400, "Enter an amount in pounds, like 7.50.")
    pence = int(pounds_given * 100)
    double.portal_change_amount(session_id, subscription_id, pence)
    return f"Your monthly gift is now {pounds(pence)} a month."
