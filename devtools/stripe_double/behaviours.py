"""What happens outside the API: the donor on the hosted pages and Stripe on its own.

Each behaviour returns the events Stripe would send and delivers them to the webhook URL.
"""

import copy

from devtools.stripe_double.events import OLDER_API_VERSION, delivers
from devtools.stripe_double.store import API_VERSION, DAY, DISPUTE_FEE, StripeError


class Behaviours:
    """Checkout outcomes, subscriptions, refunds, disputes and payouts."""

    @delivers
    def complete_checkout(self, session_id: str, outcome: str = "paid") -> list[dict]:
        """The donor pays on the hosted page: ``paid``, ``async`` (later) or ``declined``."""
        with self._lock:
            session = self.get(session_id, "checkout.session")
            if session["status"] != "open":
                raise StripeError(400, "This Checkout Session is no longer open.")
            if outcome == "declined":
                return []  # Checkout shows the decline and the session stays open.
            session["customer_details"] = {"email": session.get("customer_email"), "name": None}
            session["status"] = "complete"
            amount = session["amount_total"]
            if session["mode"] == "subscription":
                customer = self._put(
                    {
                        "id": self._id("cus"),
                        "object": "customer",
                        "email": session.get("customer_email"),
                        "name": None,
                        "created": self.now(),
                    }
                )
                subscription = self._put(
                    {
                        "id": self._id("sub"),
                        "object": "subscription",
                        "status": "active",
                        "customer": customer["id"],
                        "metadata": dict(session["_subscription_metadata"]),
                        "created": self.now(),
                        "_amount": amount,
                    }
                )
                session["subscription"] = subscription["id"]
                session["customer"] = customer["id"]
                invoice, _ = self._invoice(subscription, "subscription_create")
                session["invoice"] = invoice["id"]
                session["payment_status"] = "paid"
                return self._emit(
                    ("checkout.session.completed", self._public(session)),
                    ("invoice.paid", invoice),
                )
            intent = self._payment_intent(amount=amount, metadata=session["_payment_metadata"])
            session["payment_intent"] = intent["id"]
            if outcome == "async":
                intent["status"] = "processing"
                return self._emit(("checkout.session.completed", self._public(session)))
            self._charge(
                amount=amount,
                payment_intent=intent,
                metadata=session["_payment_metadata"],
                billing_details=session["customer_details"],
            )
            session["payment_status"] = "paid"
            return self._emit(("checkout.session.completed", self._public(session)))

    def set_late_balance_transactions(self, on: bool) -> list[dict]:
        """Asynchronous capture on or off for charges made from now on; no event is sent."""
        with self._lock:
            self.late_balance_transactions = on
        return []

    def set_deliver_reversed(self, on: bool) -> list[dict]:
        """Deliver each action's events last first from now on (Stripe keeps no order)."""
        with self._lock:
            self.deliver_reversed = on
        return []

    def set_endpoint_api_version(self, version: str) -> list[dict]:
        """Pin the webhook endpoint to an API version: events come in its shape from now on."""
        if version not in (API_VERSION, OLDER_API_VERSION):
            raise StripeError(400, f"The double speaks {API_VERSION} and {OLDER_API_VERSION}.")
        with self._lock:
            self.endpoint_api_version = version
        return []

    @delivers
    def settle_balance_transaction(self, charge_id: str, announce: bool = True) -> list[dict]:
        """The late balance transaction of a charge now exists: ``charge.updated``.

        ``announce=False`` plants a fee the webhook never tells (a lost delivery): only the
        balance and its transactions show it.
        """
        with self._lock:
            charge = self.get(charge_id, "charge")
            bt = self._late.pop(charge_id, None)
            if bt is None:
                raise StripeError(400, "This charge already has its balance transaction.")
            self._put(bt)
            charge["balance_transaction"] = bt["id"]
            if not announce:
                return []
            event = self.event("charge.updated", charge)
            event["data"]["previous_attributes"] = {"balance_transaction": None}
            return [event]

    def adjust(self, amount: int, description: str = "Balance adjustment") -> dict:
        """A movement of the balance that no webhook this app listens to announces.

        Stripe makes these itself (a correction, a fee it reverses, a negative-balance
        recovery): an ``adjustment`` balance transaction with no source.
        """
        with self._lock:
            return self._public(
                self._balance_transaction(
                    amount=amount,
                    fee=0,
                    type_="adjustment",
                    category="other_adjustment",
                    source=None,
                    description=description,
                )
            )

    @delivers
    def expire_checkout(self, session_id: str) -> list[dict]:
        """The donor left without paying and the session's time ran out."""
        with self._lock:
            session = self.get(session_id, "checkout.session")
            if session["status"] != "open":
                raise StripeError(400, "Only an open Checkout Session can expire.")
            session.update(status="expired", url=None)
            return self._emit(("checkout.session.expired", self._public(session)))

    @delivers
    def settle_async(self, session_id: str, succeed: bool = True) -> list[dict]:
        with self._lock:
            session = self.get(session_id, "checkout.session")
            intent = self.get(session["payment_intent"], "payment_intent")
            if intent["status"] != "processing":
                raise StripeError(400, "This payment is not awaiting settlement.")
            if succeed:
                self._charge(
                    amount=intent["amount"],
                    payment_intent=intent,
                    metadata=intent["metadata"],
                    billing_details=session["customer_details"],
                )
                session["payment_status"] = "paid"
                return self._emit(
                    ("checkout.session.async_payment_succeeded", self._public(session))
                )
            intent["status"] = "requires_payment_method"
            return self._emit(("checkout.session.async_payment_failed", self._public(session)))

    def _invoice(self, subscription: dict, reason: str) -> tuple[dict, dict]:
        amount = subscription["_amount"]
        invoice_id = self._id("in")
        intent = self._payment_intent(amount=amount, metadata=subscription["metadata"])
        customer = self.get(subscription["customer"], "customer")
        self._charge(
            amount=amount,
            payment_intent=intent,
            metadata=subscription["metadata"],
            billing_details={"email": customer.get("email"), "name": customer.get("name")},
        )
        invoice = self._put(
            {
                "id": invoice_id,
                "object": "invoice",
                "status": "paid",
                "amount_due": amount,
                "amount_paid": amount,
                "currency": "gbp",
                "billing_reason": reason,
                "customer": subscription["customer"],
                "created": self.now(),
                "_payment_intent": intent["id"],
                "parent": {
                    "type": "subscription_details",
                    "quote_details": None,
                    "subscription_details": {
                        "subscription": subscription["id"],
                        "metadata": dict(subscription["metadata"]),
                    },
                },
            }
        )
        self._put(
            {
                "id": self._id("inpay"),
                "object": "invoice_payment",
                "invoice": invoice_id,
                "amount_paid": amount,
                "currency": "gbp",
                "status": "paid",
                "is_default": True,
                "payment": {"type": "payment_intent", "payment_intent": intent["id"]},
            }
        )
        return invoice, intent

    @delivers
    def charge_next_invoice(self, subscription_id: str) -> list[dict]:
        with self._lock:
            subscription = self.get(subscription_id, "subscription")
            invoice, _ = self._invoice(subscription, "subscription_cycle")
            return self._emit(("invoice.paid", invoice))

    @delivers
    def dashboard_refund(
        self, charge_id: str, amount: int | None = None, announce: bool = True
    ) -> list[dict]:
        """A refund made in Stripe's Dashboard rather than through the app.

        ``announce=False`` plants a refund whose webhooks never arrive.
        """
        with self._lock:
            charge = self.get(charge_id, "charge")
            amount = charge["amount"] - charge["amount_refunded"] if amount is None else amount
            _, events = self._refund(charge, amount, {}, "requested_by_customer")
            if not announce:
                self.events = [e for e in self.events if all(e is not x for x in events)]
                return []
            return events

    @delivers
    def fail_refund(self, refund_id: str, reason: str = "expired_or_canceled_card") -> list[dict]:
        """The card could not take the refund: the money returns to the balance.

        The charge's ``amount_refunded`` is left as it was (it counts every refund made).
        """
        with self._lock:
            refund = self.get(refund_id, "refund")
            if refund["status"] != "succeeded":
                raise StripeError(400, "Only a succeeded refund can fail.")
            bt = self._balance_transaction(
                amount=refund["amount"],
                fee=0,
                type_="refund_failure",
                category="refund_failure",
                source=refund_id,
            )
            refund.update(
                status="failed", failure_reason=reason, failure_balance_transaction=bt["id"]
            )
            charge = self.get(refund["charge"], "charge")
            for listed in charge["refunds"]["data"]:
                if listed["id"] == refund_id:
                    listed.update(copy.deepcopy(refund))
            return [self.event("refund.updated", refund), self.event("refund.failed", refund)]

    @delivers
    def dispute(self, charge_id: str) -> list[dict]:
        with self._lock:
            charge = self.get(charge_id, "charge")
            dispute_id = self._id("dp")
            dispute = self._put(
                {
                    "id": dispute_id,
                    "object": "dispute",
                    "amount": charge["amount"],
                    "charge": charge_id,
                    "payment_intent": charge["payment_intent"],
                    "currency": "gbp",
                    "reason": "fraudulent",
                    "status": "needs_response",
                    "balance_transactions": [],
                    "created": self.now(),
                }
            )
            charge["disputed"] = True
            created = self.event("charge.dispute.created", dispute)
            bt = self._balance_transaction(
                amount=-dispute["amount"],
                fee=DISPUTE_FEE,
                type_="adjustment",
                category="dispute",
                source=dispute_id,
            )
            dispute["balance_transactions"].append(copy.deepcopy(bt))
            withdrawn = self.event("charge.dispute.funds_withdrawn", dispute)
            return [created, withdrawn]

    @delivers
    def inquiry(self, charge_id: str) -> list[dict]:
        """The card issuer asks about a charge before any chargeback: no money moves."""
        with self._lock:
            charge = self.get(charge_id, "charge")
            dispute = self._put(
                {
                    "id": self._id("dp"),
                    "object": "dispute",
                    "amount": charge["amount"],
                    "charge": charge_id,
                    "payment_intent": charge["payment_intent"],
                    "currency": "gbp",
                    "reason": "general",
                    "status": "warning_needs_response",
                    "balance_transactions": [],
                    "created": self.now(),
                }
            )
            charge["disputed"] = True
            return [self.event("charge.dispute.created", dispute)]

    @delivers
    def respond_to_dispute(self, dispute_id: str) -> list[dict]:
        """Evidence submitted: an inquiry or a dispute goes under review."""
        with self._lock:
            dispute = self.get(dispute_id, "dispute")
            dispute["status"] = {
                "warning_needs_response": "warning_under_review",
                "needs_response": "under_review",
                "appeal_needs_response": "appeal_under_review",
            }[dispute["status"]]
            return [self.event("charge.dispute.updated", dispute)]

    @delivers
    def close_inquiry(self, dispute_id: str) -> list[dict]:
        """The issuer is satisfied: the inquiry closes without becoming a dispute."""
        with self._lock:
            dispute = self.get(dispute_id, "dispute")
            dispute["status"] = "warning_closed"
            return [self.event("charge.dispute.closed", dispute)]

    @delivers
    def close_dispute(self, dispute_id: str, won: bool) -> list[dict]:
        with self._lock:
            dispute = self.get(dispute_id, "dispute")
            events = []
            if won:
                bt = self._balance_transaction(
                    amount=dispute["amount"],
                    fee=-DISPUTE_FEE,
                    type_="adjustment",
                    category="dispute_reversal",
                    source=dispute_id,
                )
                dispute["balance_transactions"].append(copy.deepcopy(bt))
                dispute["status"] = "won"
                events.append(self.event("charge.dispute.funds_reinstated", dispute))
            else:
                dispute["status"] = "lost"
            events.append(self.event("charge.dispute.closed", dispute))
            return events

    @delivers
    def appeal_dispute(self, dispute_id: str) -> list[dict]:
        """A lost dispute that the card network lets the fund appeal reopens as an appeal;
        the money stays withdrawn until the appeal is won (``close_dispute``)."""
        with self._lock:
            dispute = self.get(dispute_id, "dispute")
            dispute["status"] = "appeal_needs_response"
            return [self.event("charge.dispute.updated", dispute)]

    @delivers
    def pay_out(self) -> list[dict]:
        """Pay the whole available balance out to the bank, as an automatic payout would."""
        with self._lock:
            pending = [
                obj
                for obj in self.objects.values()
                if obj["object"] == "balance_transaction"
                and obj["type"] != "payout"
                and obj["id"] not in self._paid_out
            ]
            total = sum(bt["net"] for bt in pending)
            if total <= 0:
                raise StripeError(
                    400, "There is no positive balance to pay out.", "balance_insufficient"
                )
            payout_id = self._id("po")
            now = self.now()
            payout_bt = self._balance_transaction(
                amount=-total, fee=0, type_="payout", category="payout", source=payout_id
            )
            for bt in pending + [payout_bt]:
                self._paid_out[bt["id"]] = payout_id
            payout = self._put(
                {
                    "id": payout_id,
                    "object": "payout",
                    "amount": total,
                    "currency": "gbp",
                    "arrival_date": now + DAY,
                    "created": now,
                    "status": "paid",
                    "automatic": True,
                    "balance_transaction": payout_bt["id"],
                    "method": "standard",
                    "failure_code": None,
                }
            )
            return self._emit(("payout.created", payout), ("payout.paid", payout))

    @delivers
    def fail_payout(self, payout_id: str) -> list[dict]:
        with self._lock:
            payout = self.get(payout_id, "payout")
            payout.update(status="failed", failure_code="account_closed")
            # The bank sent the money back: it is in the Stripe balance again.
            self._balance_transaction(
                amount=payout["amount"],
                fee=0,
                type_="payout_failure",
                category="payout_reversal",
                source=payout_id,
            )
            return self._emit(("payout.failed", payout))
