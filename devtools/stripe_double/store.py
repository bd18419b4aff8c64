"""The double's state: Stripe objects kept in memory, built and expanded as Stripe does."""

import copy
import secrets
import threading
import time

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


def card_fee(amount: int) -> int:
    return (amount * CARD_FEE_BASIS_POINTS + 5_000) // 10_000 + CARD_FEE_FIXED


class Store:
    """The objects, the requests the app made and the bookkeeping behind them."""

    def _init_store(self) -> None:
        self.objects: dict[str, dict] = {}
        # Every API request: method, path, parameters and headers (the conformance test).
        self.requests: list[tuple[str, str, dict, dict]] = []
        # An outage: every API request is answered 503 while this is set.
        self.unavailable = False
        self._idempotent: dict[str, tuple[str, int, dict]] = {}
        self._paid_out: dict[str, str] = {}  # balance transaction id -> payout id
        # Asynchronous capture: a charge's balance transaction exists only later, and Stripe
        # says so with ``charge.updated`` (see ``settle_balance_transaction``).
        self.late_balance_transactions = False
        self._late: dict[str, dict] = {}  # charge id -> its balance transaction, not yet made
        self._lock = threading.RLock()
        # Balance transactions in the order they were made: Stripe lists newest first.
        self._bt_order: dict[str, int] = {}
        # The double's clock, like a Stripe test clock: seconds added to the real time, so a
        # demo can make gifts, refunds and payouts on past days ("clock" action).
        self.clock_offset = 0

    def now(self) -> int:
        return int(time.time()) + self.clock_offset

    def set_clock(self, at: str = "") -> list[dict]:
        """Run the double's clock from ``at`` (Unix seconds); empty puts it back to real time."""
        self.clock_offset = int(at) - int(time.time()) if at else 0
        return []

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
        self,
        *,
        amount: int,
        fee: int,
        type_: str,
        category: str,
        source: str | None,
        description: str | None = None,
    ) -> dict:
        now = self.now()
        bt_id = self._id("txn")
        self._bt_order[bt_id] = len(self._bt_order)
        fee_details = [
            {
                "amount": fee,
                "application": None,
                "currency": "gbp",
                "description": "Stripe processing fees",
                "type": "stripe_fee",
            }
        ]
        return self._put(
            {
                "id": bt_id,
                "object": "balance_transaction",
                "amount": amount,
                "available_on": now + 2 * DAY,
                "balance_type": "payments",
                "created": now,
                "currency": "gbp",
                "description": description,
                "exchange_rate": None,
                "fee": fee,
                "fee_details": fee_details if fee else [],
                "net": amount - fee,
                "reporting_category": category,
                "source": source,
                "status": "available",
                "type": type_,
            }
        )

    def balance(self) -> dict:
        """``GET /v1/balance``: the net of every balance transaction, available or pending.

        A transaction's money is ``pending`` until Stripe makes it ``available``; the double
        makes it available at once unless a test says otherwise (``status`` on the object).
        """
        totals = {"available": 0, "pending": 0}
        cards = {"available": 0, "pending": 0}
        for obj in self.objects.values():
            if obj["object"] != "balance_transaction":
                continue
            status = "pending" if obj["status"] == "pending" else "available"
            totals[status] += obj["net"]
            if obj["type"] in ("charge", "payment"):
                cards[status] += obj["net"]
        return {
            "object": "balance",
            "available": [
                {
                    "amount": totals["available"],
                    "currency": "gbp",
                    "source_types": {"card": cards["available"]},
                }
            ],
            "livemode": False,
            "pending": [
                {
                    "amount": totals["pending"],
                    "currency": "gbp",
                    "source_types": {"card": cards["pending"]},
                }
            ],
        }

    def _charge(
        self,
        *,
        amount: int,
        payment_intent: dict,
        metadata: dict,
        billing_details: dict | None = None,
    ) -> dict:
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
                "billing_details": {
                    "email": (billing_details or {}).get("email"),
                    "name": (billing_details or {}).get("name"),
                },
                "created": self.now(),
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
                "created": self.now(),
            }
        )

    def list_balance_transactions(self, query: dict) -> dict:
        """``GET /v1/balance_transactions``, newest first, with Stripe's filters and cursors.

        Filters: ``payout``, ``type``, ``source``, ``currency`` and ``created`` (a timestamp
        or ``created[gt|gte|lt|lte]``); pages of ``limit`` (1 to 100, default 10) after
        ``starting_after`` or before ``ending_before``, with ``has_more``.
        """
        payout = query.get("payout")
        created = query.get("created")
        bounds = created if isinstance(created, dict) else {}
        if created is not None and not isinstance(created, dict):
            bounds = {"gte": created, "lte": created}
        try:
            bounds = {op: int(value) for op, value in bounds.items()}
            limit = int(query.get("limit", 10))
        except ValueError:
            raise StripeError(400, "Invalid integer", "parameter_invalid_integer") from None
        if set(bounds) - {"gt", "gte", "lt", "lte"}:
            raise StripeError(400, "Received unknown parameter: created", "parameter_unknown")
        if not 1 <= limit <= 100:
            raise StripeError(
                400, "Invalid limit: must be between 1 and 100", "parameter_invalid_integer"
            )
        tests = {
            "gt": lambda t, v: t > v,
            "gte": lambda t, v: t >= v,
            "lt": lambda t, v: t < v,
            "lte": lambda t, v: t <= v,
        }
        data = sorted(
            (
                obj
                for obj in self.objects.values()
                if obj["object"] == "balance_transaction"
                and (payout is None or self._paid_out.get(obj["id"]) == payout)
                and query.get("type") in (None, obj["type"])
                and query.get("source") in (None, obj["source"])
                and query.get("currency") in (None, obj["currency"])
                and all(tests[op](obj["created"], value) for op, value in bounds.items())
            ),
            key=lambda obj: (obj["created"], self._bt_order.get(obj["id"], 0)),
            reverse=True,
        )
        ids = [obj["id"] for obj in data]
        if query.get("starting_after"):
            cursor = self.get(query["starting_after"], "balance_transaction")["id"]
            data = data[ids.index(cursor) + 1 :] if cursor in ids else []
            page, has_more = data[:limit], len(data) > limit
        elif query.get("ending_before"):
            cursor = self.get(query["ending_before"], "balance_transaction")["id"]
            data = data[: ids.index(cursor)] if cursor in ids else []
            page, has_more = data[-limit:], len(data) > limit
        else:
            page, has_more = data[:limit], len(data) > limit
        return {
            "object": "list",
            "data": page,
            "has_more": has_more,
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

    def _public(self, obj: dict) -> dict:
        return {k: v for k, v in obj.items() if not k.startswith("_")}
