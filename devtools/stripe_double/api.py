"""The HTTP API the app calls through the ``stripe`` library: Stripe's wire format and routes."""

import copy
import json
import re
import threading

from devtools.stripe_double.store import StripeError


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


class Api:
    """What the app may create and read, with ``Idempotency-Key`` and ``expand[]``."""

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
            "customer": None,
            "customer_details": None,
            "client_reference_id": params.get("client_reference_id"),
            "metadata": params.get("metadata", {}),
            "payment_intent": None,
            "subscription": None,
            "invoice": None,
            "livemode": False,
            "created": self.now(),
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
                "created": self.now(),
            }
        )
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        charge["refunds"]["data"].insert(0, copy.deepcopy(refund))
        events = [self.event("refund.created", refund), self.event("charge.refunded", charge)]
        return refund, events

    # ---- request routing --------------------------------------------------------------

    def handle_api(
        self, method: str, path: str, query: dict, form: dict, headers
    ) -> tuple[int, dict]:
        if headers.get("Authorization", "") != f"Bearer {self.api_key}" or not self.api_key:
            raise StripeError(401, "Invalid API Key provided.", type_="authentication_error")
        if self.unavailable:
            raise StripeError(
                503, "Stripe is unavailable just now (the double was told so).", type_="api_error"
            )
        self.requests.append((method, path, form or query, dict(headers)))
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
        if method == "DELETE":
            return 200, self._delete(path, query)
        return 200, self._get(path, query, expand)

    def _delete(self, path: str, query: dict) -> dict:
        with self._lock:
            match = re.fullmatch(r"/v1/subscriptions/(sub_[A-Za-z0-9_]+)", path)
            if match:
                body = self.cancel_subscription(match.group(1), query)
            else:
                raise StripeError(404, f"Unrecognized request URL (DELETE: {path}).")
            events, self._after_response = self._after_response, []
        if events and self.webhook_url:
            threading.Timer(0.2, self._send_all, args=(events, self.webhook_url)).start()
        return body

    def _post(self, path: str, form: dict, expand: list[str]) -> tuple[int, dict]:
        with self._lock:
            if path == "/v1/checkout/sessions":
                return 200, self.expand(self.create_checkout_session(form), expand)
            if path == "/v1/refunds":
                return 200, self.expand(self.create_refund(form), expand)
            if path == "/v1/billing_portal/sessions":
                return 200, self.create_portal_session(form)
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
            if path == "/v1/balance":
                return self.expand(self.balance(), expand)
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
