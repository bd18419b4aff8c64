"""A local Stripe test double: the part of Stripe's API this app uses, over HTTP on loopback.

The app talks to it through the official ``stripe`` library with the API base pointed here
(``STRIPE_API_BASE``), so the tests and the offline demo exercise the same code that talks
to Stripe. It keeps its state in memory and speaks Stripe's wire format: form-encoded
requests with bracketed keys, JSON objects with ``object`` fields, ``expand[]``, the
``Idempotency-Key`` header (a replay returns the first answer; the same key with other
parameters is an error), and webhooks signed exactly as Stripe signs them
(``Stripe-Signature: t=<unix time>,v1=<HMAC-SHA256 of "<t>.<payload>">``).

It also serves what a person sees: a hosted-checkout page for each session, where a test
payment can succeed, go asynchronous or fail, and a dashboard (``/_double/``) to settle
asynchronous payments, charge the next month of a subscription, refund or dispute a
charge and pay out the balance. Every action sends its webhooks to ``webhook_url`` when
one is set; they are also kept in ``events`` for tests to deliver themselves.

It needs only the standard library. Run it alone with
``python -m donations.stripe_double --port 12111 --webhook-url http://127.0.0.1:8000/stripe/webhook/``.
"""

import argparse
import copy
import functools
import hashlib
import hmac
import html
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

API_VERSION = "2026-10-28.endive"
CARD_FEE_BASIS_POINTS = 150  # UK standard card pricing: 1.5% + 20p
CARD_FEE_FIXED = 20
DISPUTE_FEE = 2000
DAY = 86_400


class StripeError(Exception):
    def __init__(
        self, status: int, message: str, code: str = "", type_: str = "invalid_request_error"
    ):
        super().__init__(message)
        self.status, self.message, self.code, self.type = status, message, code, type_

    def body(self) -> dict:
        return {"error": {"type": self.type, "code": self.code or None, "message": self.message}}


def sign_payload(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header Stripe would send with ``payload``."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def card_fee(amount: int) -> int:
    return (amount * CARD_FEE_BASIS_POINTS + 5_000) // 10_000 + CARD_FEE_FIXED


def decode_form(pairs: list[tuple[str, str]]) -> dict:
    """Turn Stripe's bracketed form keys (``a[b][0][c]=1``, ``expand[]=x``) into nested data."""
    root: dict = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+|\[\]", key.replace("[]", "[__append__]"))
        parts = [p for p in parts if p]
        node = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if part == "__append__":
                part = str(len([k for k in node if k.isdigit()]))
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
    return _lists(root)


def _lists(node):
    if isinstance(node, dict):
        if node and all(k.isdigit() for k in node):
            return [_lists(node[k]) for k in sorted(node, key=int)]
        return {k: _lists(v) for k, v in node.items()}
    return node


def _delivers(method):
    """Send the events an action returns to the webhook URL, after its lock is released."""

    @functools.wraps(method)
    def wrapped(self, *args, **kwargs):
        events = method(self, *args, **kwargs)
        self.deliver(events)
        return events

    return wrapped


class StripeDouble:
    """In-memory Stripe state, the HTTP server around it, and the test helpers."""

    def __init__(
        self,
        *,
        api_key: str = "",
        webhook_url: str | None = None,
        webhook_secret: str = "whsec_offline_double",
        deliver_async: bool = False,
    ):
        self.api_key = api_key
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.deliver_async = deliver_async
        self.objects: dict[str, dict] = {}
        self.events: list[dict] = []
        self.requests: list[tuple[str, str, dict]] = []
        self._idempotent: dict[str, tuple[str, int, dict]] = {}
        self._paid_out: dict[str, str] = {}  # balance transaction id -> payout id
        self._after_response: list[dict] = []
        # Asynchronous capture: a charge's balance transaction exists only later, and Stripe
        # says so with ``charge.updated`` (see ``settle_balance_transaction``).
        self.late_balance_transactions = False
        self._late: dict[str, dict] = {}  # charge id -> its balance transaction, not yet made
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self.base_url = ""

    # ---- server -----------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> "StripeDouble":
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("The Stripe double listens on loopback only.")
        double = self

        class Handler(_Handler):
            pass

        Handler.double = double
        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self.base_url = f"http://{host}:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # ---- objects ----------------------------------------------------------------------

    def _id(self, prefix: str) -> str:
        return f"{prefix}_test_{secrets.token_hex(12)}"

    def _put(self, obj: dict) -> dict:
        self.objects[obj["id"]] = obj
        return obj

    def get(self, object_id: str, kind: str | None = None) -> dict:
        obj = self.objects.get(object_id)
        if obj is None or (kind and obj["object"] != kind):
            raise StripeError(404, f"No such {kind or 'object'}: '{object_id}'", "resource_missing")
        return obj

    def _balance_transaction(
        self, *, amount: int, fee: int, type_: str, category: str, source: str
    ) -> dict:
        now = int(time.time())
        return self._put(
            {
                "id": self._id("txn"),
                "object": "balance_transaction",
                "amount": amount,
                "fee": fee,
                "net": amount - fee,
                "currency": "gbp",
                "type": type_,
                "reporting_category": category,
                "source": source,
                "status": "available",
                "created": now,
                "available_on": now + 2 * DAY,
                "fee_details": [{"amount": fee, "currency": "gbp", "type": "stripe_fee"}]
                if fee
                else [],
            }
        )

    def _charge(self, *, amount: int, payment_intent: dict, metadata: dict) -> dict:
        charge_id = self._id("ch")
        bt = self._balance_transaction(
            amount=amount, fee=card_fee(amount), type_="charge", category="charge", source=charge_id
        )
        charge = self._put(
            {
                "id": charge_id,
                "object": "charge",
                "amount": amount,
                "amount_captured": amount,
                "amount_refunded": 0,
                "refunded": False,
                "disputed": False,
                "captured": True,
                "paid": True,
                "status": "succeeded",
                "currency": "gbp",
                "payment_intent": payment_intent["id"],
                "balance_transaction": bt["id"],
                "metadata": dict(metadata),
                "created": int(time.time()),
                "refunds": {"object": "list", "data": [], "has_more": False},
            }
        )
        if self.late_balance_transactions:
            self._late[charge_id] = self.objects.pop(bt["id"])
            charge["balance_transaction"] = None
        payment_intent.update(status="succeeded", amount_received=amount, latest_charge=charge_id)
        return charge

    def _payment_intent(self, *, amount: int, metadata: dict) -> dict:
        return self._put(
            {
                "id": self._id("pi"),
                "object": "payment_intent",
                "amount": amount,
                "amount_received": 0,
                "currency": "gbp",
                "status": "processing",
                "latest_charge": None,
                "metadata": dict(metadata),
                "created": int(time.time()),
            }
        )

    # ---- events -----------------------------------------------------------------------

    def event(self, type_: str, obj: dict) -> dict:
        """Build an event carrying a snapshot of ``obj``, as Stripe would send it."""
        event = {
            "id": self._id("evt"),
            "object": "event",
            "api_version": API_VERSION,
            "created": int(time.time()),
            "type": type_,
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "data": {"object": copy.deepcopy(obj)},
        }
        self.events.append(event)
        return event

    def signed(
        self, event: dict, *, secret: str | None = None, timestamp: int | None = None
    ) -> tuple[bytes, str]:
        payload = json.dumps(event, indent=2).encode()
        return payload, sign_payload(payload, secret or self.webhook_secret, timestamp)

    def deliver(self, events: list[dict], url: str | None = None) -> list[int]:
        """POST each event, signed, to the webhook URL; return the HTTP statuses."""
        url = url or self.webhook_url
        if not url:
            return []
        if self.deliver_async:
            threading.Thread(target=self._send_all, args=(events, url), daemon=True).start()
            return []
        return self._send_all(events, url)

    def _send_all(self, events: list[dict], url: str) -> list[int]:
        statuses = []
        for event in events:
            payload, header = self.signed(event)
            request = urllib.request.Request(
                url,
                data=payload,
                method="POST",
                headers={
                    "Content-Type": "application/json; charset=utf-8",
                    "Stripe-Signature": header,
                    "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
                },
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    statuses.append(response.status)
            except urllib.error.HTTPError as error:
                statuses.append(error.code)
            except OSError:
                statuses.append(0)
        return statuses

    def _emit(self, *pairs: tuple[str, dict]) -> list[dict]:
        return [self.event(type_, obj) for type_, obj in pairs]

    # ---- the API ----------------------------------------------------------------------

    def create_checkout_session(self, params: dict) -> dict:
        mode = params.get("mode")
        if mode not in ("payment", "subscription"):
            raise StripeError(
                400, "mode must be payment or subscription", "parameter_invalid_empty"
            )
        try:
            line = params["line_items"][0]
            price = line["price_data"]
            amount = int(price["unit_amount"])
            quantity = int(line.get("quantity", "1"))
        except (KeyError, IndexError, TypeError, ValueError):
            raise StripeError(400, "line_items[0][price_data][unit_amount] is required") from None
        if price.get("currency") != "gbp":
            raise StripeError(400, "This account settles in GBP.")
        if amount < 30:
            raise StripeError(400, "Amount must be at least £0.30 gbp", "amount_too_small")
        if mode == "subscription" and price.get("recurring", {}).get("interval") not in (
            "month",
            "year",
        ):
            raise StripeError(400, "A subscription needs a recurring price.")
        for url_param in ("success_url", "cancel_url"):
            if not params.get(url_param, "").startswith(("http://", "https://")):
                raise StripeError(400, f"{url_param} must be a URL")
        session_id = self._id("cs")
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": mode,
            "status": "open",
            "payment_status": "unpaid",
            "amount_total": amount * quantity,
            "amount_subtotal": amount * quantity,
            "currency": "gbp",
            "submit_type": params.get("submit_type"),
            "success_url": params["success_url"],
            "cancel_url": params["cancel_url"],
            "customer_email": params.get("customer_email"),
            "customer_details": None,
            "client_reference_id": params.get("client_reference_id"),
            "metadata": params.get("metadata", {}),
            "payment_intent": None,
            "subscription": None,
            "invoice": None,
            "livemode": False,
            "created": int(time.time()),
            "url": f"{self.base_url}/checkout/{session_id}",
            "line_items_summary": {"name": price.get("product_data", {}).get("name", "Donation")},
        }
        session["_payment_metadata"] = params.get("payment_intent_data", {}).get("metadata", {})
        session["_subscription_metadata"] = params.get("subscription_data", {}).get("metadata", {})
        return self._put(session)

    def create_refund(self, params: dict) -> dict:
        if params.get("charge"):
            charge = self.get(params["charge"], "charge")
        elif params.get("payment_intent"):
            intent = self.get(params["payment_intent"], "payment_intent")
            if not intent.get("latest_charge"):
                raise StripeError(400, "This PaymentIntent has no successful charge to refund.")
            charge = self.get(intent["latest_charge"], "charge")
        else:
            raise StripeError(400, "Provide a charge or a payment_intent to refund.")
        remaining = charge["amount"] - charge["amount_refunded"]
        amount = int(params.get("amount", remaining))
        if remaining <= 0:
            raise StripeError(
                400, f"Charge {charge['id']} has already been refunded.", "charge_already_refunded"
            )
        if amount <= 0 or amount > remaining:
            raise StripeError(
                400,
                f"Refund amount ({amount}) is greater than unrefunded amount on charge "
                f"({remaining})",
                "amount_too_large",
            )
        refund, events = self._refund(
            charge, amount, params.get("metadata", {}), params.get("reason")
        )
        self._after_response.extend(events)
        return refund

    def _refund(
        self, charge: dict, amount: int, metadata: dict, reason: str | None
    ) -> tuple[dict, list]:
        refund_id = self._id("re")
        bt = self._balance_transaction(
            amount=-amount, fee=0, type_="refund", category="refund", source=refund_id
        )
        refund = self._put(
            {
                "id": refund_id,
                "object": "refund",
                "amount": amount,
                "charge": charge["id"],
                "payment_intent": charge["payment_intent"],
                "currency": "gbp",
                "status": "succeeded",
                "balance_transaction": bt["id"],
                "reason": reason,
                "metadata": dict(metadata),
                "created": int(time.time()),
            }
        )
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        charge["refunds"]["data"].insert(0, copy.deepcopy(refund))
        events = [self.event("refund.created", refund), self.event("charge.refunded", charge)]
        return refund, events

    def list_balance_transactions(self, query: dict) -> dict:
        payout = query.get("payout")
        data = [
            obj
            for obj in self.objects.values()
            if obj["object"] == "balance_transaction"
            and (payout is None or self._paid_out.get(obj["id"]) == payout)
        ]
        return {
            "object": "list",
            "data": data,
            "has_more": False,
            "url": "/v1/balance_transactions",
        }

    def list_invoice_payments(self, query: dict) -> dict:
        data = [
            obj
            for obj in self.objects.values()
            if obj["object"] == "invoice_payment" and obj["invoice"] == query.get("invoice")
        ]
        return {"object": "list", "data": data, "has_more": False, "url": "/v1/invoice_payments"}

    def expand(self, obj: dict, paths: list[str]) -> dict:
        obj = copy.deepcopy(obj)
        for path in paths:
            self._expand_path(obj, path.split("."))
        return {k: v for k, v in obj.items() if not k.startswith("_")}

    def _expand_path(self, node, parts: list[str]) -> None:
        if not parts or node is None:
            return
        head, rest = parts[0], parts[1:]
        if head == "data" and isinstance(node.get("data"), list):
            for item in node["data"]:
                self._expand_path(item, rest)
            return
        value = node.get(head)
        if isinstance(value, str) and value in self.objects:
            value = node[head] = copy.deepcopy(self.objects[value])
        if isinstance(value, dict):
            self._expand_path(value, rest)

    # ---- what happens on the hosted checkout page and in the dashboard ----------------

    @_delivers
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
                subscription = self._put(
                    {
                        "id": self._id("sub"),
                        "object": "subscription",
                        "status": "active",
                        "customer": self._id("cus"),
                        "metadata": dict(session["_subscription_metadata"]),
                        "created": int(time.time()),
                        "_amount": amount,
                    }
                )
                session["subscription"] = subscription["id"]
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
                amount=amount, payment_intent=intent, metadata=session["_payment_metadata"]
            )
            session["payment_status"] = "paid"
            return self._emit(("checkout.session.completed", self._public(session)))

    @_delivers
    def settle_balance_transaction(self, charge_id: str) -> list[dict]:
        """The late balance transaction of a charge now exists: ``charge.updated``."""
        with self._lock:
            charge = self.get(charge_id, "charge")
            bt = self._late.pop(charge_id, None)
            if bt is None:
                raise StripeError(400, "This charge already has its balance transaction.")
            self._put(bt)
            charge["balance_transaction"] = bt["id"]
            event = self.event("charge.updated", charge)
            event["data"]["previous_attributes"] = {"balance_transaction": None}
            return [event]

    @_delivers
    def expire_checkout(self, session_id: str) -> list[dict]:
        """The donor left without paying and the session's time ran out."""
        with self._lock:
            session = self.get(session_id, "checkout.session")
            if session["status"] != "open":
                raise StripeError(400, "Only an open Checkout Session can expire.")
            session.update(status="expired", url=None)
            return self._emit(("checkout.session.expired", self._public(session)))

    @_delivers
    def settle_async(self, session_id: str, succeed: bool = True) -> list[dict]:
        with self._lock:
            session = self.get(session_id, "checkout.session")
            intent = self.get(session["payment_intent"], "payment_intent")
            if intent["status"] != "processing":
                raise StripeError(400, "This payment is not awaiting settlement.")
            if succeed:
                self._charge(
                    amount=intent["amount"], payment_intent=intent, metadata=intent["metadata"]
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
        self._charge(amount=amount, payment_intent=intent, metadata=subscription["metadata"])
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
                "created": int(time.time()),
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

    @_delivers
    def charge_next_invoice(self, subscription_id: str) -> list[dict]:
        with self._lock:
            subscription = self.get(subscription_id, "subscription")
            invoice, _ = self._invoice(subscription, "subscription_cycle")
            return self._emit(("invoice.paid", invoice))

    @_delivers
    def dashboard_refund(self, charge_id: str, amount: int | None = None) -> list[dict]:
        """A refund made in Stripe's Dashboard rather than through the app."""
        with self._lock:
            charge = self.get(charge_id, "charge")
            amount = charge["amount"] - charge["amount_refunded"] if amount is None else amount
            _, events = self._refund(charge, amount, {}, "requested_by_customer")
            return events

    @_delivers
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

    @_delivers
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
                    "created": int(time.time()),
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

    @_delivers
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
                    "created": int(time.time()),
                }
            )
            charge["disputed"] = True
            return [self.event("charge.dispute.created", dispute)]

    @_delivers
    def respond_to_dispute(self, dispute_id: str) -> list[dict]:
        """Evidence submitted: an inquiry or a dispute goes under review."""
        with self._lock:
            dispute = self.get(dispute_id, "dispute")
            dispute["status"] = {
                "warning_needs_response": "warning_under_review",
                "needs_response": "under_review",
            }[dispute["status"]]
            return [self.event("charge.dispute.updated", dispute)]

    @_delivers
    def close_inquiry(self, dispute_id: str) -> list[dict]:
        """The issuer is satisfied: the inquiry closes without becoming a dispute."""
        with self._lock:
            dispute = self.get(dispute_id, "dispute")
            dispute["status"] = "warning_closed"
            return [self.event("charge.dispute.closed", dispute)]

    @_delivers
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

    @_delivers
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
            now = int(time.time())
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

    @_delivers
    def fail_payout(self, payout_id: str) -> list[dict]:
        with self._lock:
            payout = self.get(payout_id, "payout")
            payout.update(status="failed", failure_code="account_closed")
            return self._emit(("payout.failed", payout))

    def _public(self, obj: dict) -> dict:
        return {k: v for k, v in obj.items() if not k.startswith("_")}

    # ---- request routing --------------------------------------------------------------

    def handle_api(
        self, method: str, path: str, query: dict, form: dict, headers
    ) -> tuple[int, dict]:
        if headers.get("Authorization", "") != f"Bearer {self.api_key}" or not self.api_key:
            raise StripeError(401, "Invalid API Key provided.", type_="authentication_error")
        self.requests.append((method, path, form or query))
        expand = (form or query).get("expand", [])
        expand = [expand] if isinstance(expand, str) else expand
        if method == "POST":
            key = headers.get("Idempotency-Key")
            fingerprint = json.dumps([path, form], sort_keys=True)
            if key and key in self._idempotent:
                seen_fingerprint, status, body = self._idempotent[key]
                if seen_fingerprint != fingerprint:
                    raise StripeError(
                        400,
                        "Keys for idempotent requests can only be used with the same parameters "
                        "they were first used with.",
                        type_="idempotency_error",
                    )
                return status, body
            status, body = self._post(path, form, expand)
            if key:
                self._idempotent[key] = (fingerprint, status, body)
            with self._lock:
                events, self._after_response = self._after_response, []
            if events and self.webhook_url:
                # Stripe sends the webhooks of an API call after answering it.
                threading.Timer(0.2, self._send_all, args=(events, self.webhook_url)).start()
            return status, body
        return 200, self._get(path, query, expand)

    def _post(self, path: str, form: dict, expand: list[str]) -> tuple[int, dict]:
        with self._lock:
            if path == "/v1/checkout/sessions":
                return 200, self.expand(self.create_checkout_session(form), expand)
            if path == "/v1/refunds":
                return 200, self.expand(self.create_refund(form), expand)
        raise StripeError(404, f"Unrecognized request URL (POST: {path}).")

    RETRIEVABLE = {
        "checkout/sessions": "checkout.session",
        "payment_intents": "payment_intent",
        "charges": "charge",
        "balance_transactions": "balance_transaction",
        "refunds": "refund",
        "invoices": "invoice",
        "subscriptions": "subscription",
        "disputes": "dispute",
        "payouts": "payout",
    }

    def _get(self, path: str, query: dict, expand: list[str]) -> dict:
        with self._lock:
            if path == "/v1/balance_transactions":
                return self.expand(self.list_balance_transactions(query), expand)
            if path == "/v1/invoice_payments":
                return self.expand(self.list_invoice_payments(query), expand)
            match = re.fullmatch(r"/v1/(checkout/sessions|[a-z_]+)/([A-Za-z0-9_]+)", path)
            if match and match.group(1) in self.RETRIEVABLE:
                return self.expand(
                    self.get(match.group(2), self.RETRIEVABLE[match.group(1)]), expand
                )
        raise StripeError(404, f"Unrecognized request URL (GET: {path}).")


class _Handler(BaseHTTPRequestHandler):
    double: StripeDouble
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass

    def _read_form(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        return decode_form(parse_qsl(body, keep_blank_values=True))

    def _send(self, status: int, body: bytes, content_type: str, extra: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Request-Id", f"req_{secrets.token_hex(8)}")
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, body: dict) -> None:
        self._send(status, json.dumps(body).encode(), "application/json")

    def _redirect(self, location: str) -> None:
        self._send(303, b"", "text/plain", {"Location": location})

    def do_GET(self):
        self._route("GET")

    def do_POST(self):
        self._route("POST")

    def _route(self, method: str) -> None:
        url = urlsplit(self.path)
        query = decode_form(parse_qsl(url.query, keep_blank_values=True))
        try:
            if url.path.startswith("/v1/"):
                form = self._read_form() if method == "POST" else {}
                status, body = self.double.handle_api(method, url.path, query, form, self.headers)
                return self._json(status, body)
            form = self._read_form() if method == "POST" else {}
            return self._page(method, url.path, form)
        except StripeError as error:
            if url.path.startswith("/v1/"):
                return self._json(error.status, error.body())
            return self._send(
                error.status, _page("Error", f"<p>{html.escape(error.message)}</p>"), "text/html"
            )

    # ---- pages for people -------------------------------------------------------------

    def _page(self, method: str, path: str, form: dict) -> None:
        double = self.double
        match = re.fullmatch(r"/checkout/([A-Za-z0-9_]+)", path)
        if match and method == "GET":
            session = double.get(match.group(1), "checkout.session")
            return self._send(200, _checkout_page(session), "text/html; charset=utf-8")
        if match and method == "POST":
            session = double.get(match.group(1), "checkout.session")
            outcome = form.get("outcome", "paid")
            if outcome == "cancel":
                return self._redirect(session["cancel_url"])
            double.complete_checkout(session["id"], outcome)
            if outcome == "declined":
                return self._send(
                    402,
                    _checkout_page(session, error="Your card was declined. No money was taken."),
                    "text/html; charset=utf-8",
                )
            return self._redirect(
                session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"])
            )
        if path == "/_double/" and method == "GET":
            return self._send(200, _dashboard(double), "text/html; charset=utf-8")
        actions = {
            "complete": lambda: double.complete_checkout(
                form["session"], form.get("outcome", "paid")
            ),
            "expire": lambda: double.expire_checkout(form["session"]),
            "settle": lambda: double.settle_async(form["session"], form.get("succeed") == "1"),
            "invoice": lambda: double.charge_next_invoice(form["subscription"]),
            "refund": lambda: double.dashboard_refund(form["charge"]),
            "balance-transaction": lambda: double.settle_balance_transaction(form["charge"]),
            "dispute": lambda: double.dispute(form["charge"]),
            "inquiry": lambda: double.inquiry(form["charge"]),
            "fail-refund": lambda: double.fail_refund(form["refund"]),
            "close-inquiry": lambda: double.close_inquiry(form["dispute"]),
            "close-dispute": lambda: double.close_dispute(form["dispute"], form.get("won") == "1"),
            "payout": double.pay_out,
            "fail-payout": lambda: double.fail_payout(form["payout"]),
        }
        match = re.fullmatch(r"/_double/([a-z-]+)", path)
        if match and method == "POST" and match.group(1) in actions:
            events = actions[match.group(1)]()
            if form.get("format") == "json":
                return self._json(200, {"events": events})
            return self._redirect("/_double/")
        return self._send(
            404, _page("Not found", "<p>Nothing here.</p>"), "text/html; charset=utf-8"
        )


_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:40rem;margin:0 auto;padding:1rem;"
    "color:#0b0c0c}"
    ".test{background:#ffdd00;padding:.5rem 1rem;font-weight:bold}"
    "button{font-size:1.1rem;padding:.6rem 1rem;margin:.25rem 0;display:block;width:100%}"
    "table{border-collapse:collapse;width:100%}"
    "td,th{border-bottom:1px solid #b1b4b6;padding:.3rem;text-align:left}"
    "form.inline{display:inline}form.inline button{display:inline;width:auto;font-size:.9rem}"
)


def _page(title: str, body: str) -> bytes:
    return (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{_STYLE}</style></head>"
        '<body><p class="test" role="note">TEST MODE: this is a local Stripe test double. '
        "No real card is charged.</p>"
        f"<main>{body}</main></body></html>"
    ).encode()


def _pounds(pence: int) -> str:
    sign = "-" if pence < 0 else ""
    pence = abs(pence)
    return f"{sign}£{pence // 100:,}.{pence % 100:02d}"


def _checkout_page(session: dict, error: str = "") -> bytes:
    monthly = session["mode"] == "subscription"
    amount = _pounds(session["amount_total"]) + (" a month" if monthly else "")
    action = f"/checkout/{html.escape(session['id'])}"
    button = "Donate" if session.get("submit_type") == "donate" else "Pay"
    closed = session["status"] != "open"
    name = html.escape(session["line_items_summary"]["name"])
    body = f"<h1>{name}</h1><p>Amount: <strong>{amount}</strong></p>"
    if error:
        body += f'<p role="alert"><strong>{html.escape(error)}</strong></p>'
    if closed:
        body += (
            "<p>This checkout has expired.</p>"
            if session["status"] == "expired"
            else "<p>This checkout has already been completed.</p>"
        )
        return _page("Checkout", body)
    body += (
        f'<form method="post" action="{action}"><input type="hidden" name="outcome" value="paid">'
        f'<button type="submit">{button} {amount} with test card 4242 4242 4242 4242'
        "</button></form>"
    )
    if not monthly:
        body += (
            f'<form method="post" action="{action}">'
            '<input type="hidden" name="outcome" value="async">'
            '<button type="submit">Pay by bank debit (confirms later)</button></form>'
        )
    body += (
        f'<form method="post" action="{action}">'
        '<input type="hidden" name="outcome" value="declined">'
        '<button type="submit">Try a card that is declined</button></form>'
        f'<form method="post" action="{action}"><input type="hidden" name="outcome" value="cancel">'
        '<button type="submit">Cancel and go back</button></form>'
    )
    return _page("Checkout", body)


def _button(action: str, label: str, **fields: str) -> str:
    hidden = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in fields.items()
    )
    return (
        f'<form class="inline" method="post" action="/_double/{action}">{hidden}'
        f'<button type="submit">{html.escape(label)}</button></form>'
    )


def _dashboard(double: StripeDouble) -> bytes:
    rows = []
    with double._lock:
        objects = list(double.objects.values())
    for obj in objects:
        if obj["object"] == "checkout.session" and obj.get("payment_intent"):
            intent = double.objects[obj["payment_intent"]]
            if intent["status"] == "processing":
                rows.append(
                    f"<tr><td>Bank debit {_pounds(obj['amount_total'])}</td><td>"
                    + _button("settle", "Money arrives", session=obj["id"], succeed="1")
                    + _button("settle", "Debit fails", session=obj["id"], succeed="0")
                    + "</td></tr>"
                )
        elif obj["object"] == "subscription":
            rows.append(
                f"<tr><td>Monthly {_pounds(obj['_amount'])}</td><td>"
                + _button("invoice", "Charge next month", subscription=obj["id"])
                + "</td></tr>"
            )
        elif obj["object"] == "charge":
            actions = ""
            if obj["amount_refunded"] < obj["amount"]:
                actions += _button("refund", "Refund in dashboard", charge=obj["id"])
            if not obj["disputed"]:
                actions += _button("dispute", "Card holder disputes", charge=obj["id"])
                actions += _button("inquiry", "Issuer inquires", charge=obj["id"])
            refunded = (
                f", {_pounds(obj['amount_refunded'])} refunded" if obj["amount_refunded"] else ""
            )
            rows.append(
                f"<tr><td>Charge {_pounds(obj['amount'])}{refunded}</td><td>{actions}</td></tr>"
            )
        elif obj["object"] == "dispute" and obj["status"].startswith("warning_"):
            if obj["status"] != "warning_closed":
                rows.append(
                    f"<tr><td>Inquiry {_pounds(obj['amount'])}</td><td>"
                    + _button("close-inquiry", "Close the inquiry", dispute=obj["id"])
                    + "</td></tr>"
                )
        elif obj["object"] == "dispute" and obj["status"] in ("needs_response", "under_review"):
            rows.append(
                f"<tr><td>Dispute {_pounds(obj['amount'])}</td><td>"
                + _button("close-dispute", "Win", dispute=obj["id"], won="1")
                + _button("close-dispute", "Lose", dispute=obj["id"], won="0")
                + "</td></tr>"
            )
        elif obj["object"] == "payout":
            fail = (
                _button("fail-payout", "Bank rejects it", payout=obj["id"])
                if obj["status"] == "paid"
                else ""
            )
            rows.append(
                f"<tr><td>Payout {_pounds(obj['amount'])} ({obj['status']})</td>"
                f"<td>{fail}</td></tr>"
            )
    table = (
        '<table><caption>Test objects</caption><thead><tr><th scope="col">Object</th>'
        '<th scope="col">Actions</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table>"
    )
    body = "<h1>Stripe test double</h1>" + _button("payout", "Pay out the balance") + table
    return _page("Stripe test double", body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--api-key", default="sk_test_offline_double")
    parser.add_argument("--webhook-url", default="http://127.0.0.1:8000/stripe/webhook/")
    parser.add_argument("--webhook-secret", default="whsec_offline_double")
    args = parser.parse_args()
    double = StripeDouble(
        api_key=args.api_key,
        webhook_url=args.webhook_url,
        webhook_secret=args.webhook_secret,
        deliver_async=False,
    ).start(port=args.port)
    print(
        f"Stripe test double on {double.base_url} (dashboard: {double.base_url}/_double/)",
        flush=True,
    )
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        double.stop()


if __name__ == "__main__":
    main()
