"""Events as Stripe builds them, signed as Stripe signs them, delivered to a webhook URL."""

import copy
import functools
import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.request

from devtools.stripe_double.store import API_VERSION


def sign_payload(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header Stripe would send with ``payload``."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


# The last API version before 2025-03-31.basil, which moved an invoice's subscription under
# ``parent.subscription_details`` and its payment to the invoice payments.
OLDER_API_VERSION = "2025-02-24.acacia"


def in_older_shape(obj: dict, store) -> dict:
    """``obj`` as an endpoint pinned to ``OLDER_API_VERSION`` receives it.

    Only invoices differ among the objects this app uses: ``subscription`` and a top-level
    ``subscription_details`` instead of ``parent``, and ``payment_intent`` and ``charge`` on
    the invoice itself.
    """
    if obj.get("object") != "invoice":
        return obj
    obj = dict(obj)
    details = (obj.pop("parent", None) or {}).get("subscription_details") or {}
    obj["subscription"] = details.get("subscription")
    obj["subscription_details"] = {"metadata": details.get("metadata") or {}}
    intent_id = obj.pop("_payment_intent", None)
    intent = store.objects.get(intent_id) if intent_id else None
    obj["payment_intent"] = intent_id
    obj["charge"] = intent.get("latest_charge") if intent else None
    return obj


def delivers(method):
    """Send the events an action returns to the webhook URL, after its lock is released."""

    @functools.wraps(method)
    def wrapped(self, *args, **kwargs):
        events = method(self, *args, **kwargs)
        self.deliver(events)
        return events

    return wrapped


class Events:
    """The events sent so far (``events``) and their delivery to ``webhook_url``."""

    def _init_events(self, *, webhook_url, webhook_secret: str, deliver_async: bool) -> None:
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.deliver_async = deliver_async
        self.events: list[dict] = []
        self._after_response: list[dict] = []
        # The API version the webhook endpoint is pinned to: events are built in its shape.
        self.endpoint_api_version = API_VERSION
        # Stripe does not promise the order of events: with this on, the events of each
        # action are delivered last first (a payment's refund before its checkout, say).
        self.deliver_reversed = False

    def event(self, type_: str, obj: dict) -> dict:
        """Build an event carrying a snapshot of ``obj``, as Stripe would send it."""
        snapshot = copy.deepcopy(obj)
        if self.endpoint_api_version == OLDER_API_VERSION:
            snapshot = in_older_shape(snapshot, self)
        elif self.endpoint_api_version != API_VERSION:
            raise ValueError(f"The double speaks {API_VERSION} and {OLDER_API_VERSION} only.")
        event = {
            "id": self._id("evt"),
            "object": "event",
            "api_version": self.endpoint_api_version,
            "created": self.now(),
            "type": type_,
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "data": {"object": {k: v for k, v in snapshot.items() if not k.startswith("_")}},
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
        if self.deliver_reversed:
            events = list(reversed(events))
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
