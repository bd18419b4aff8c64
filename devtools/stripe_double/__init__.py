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

Split by concern: ``store`` (objects in memory, expansion), ``events`` (building, signing
and delivering webhooks), ``api`` (the ``/v1/`` routes and wire format), ``behaviours``
(what the donor and Stripe itself do), ``server`` (HTTP) and ``pages`` (the hosted pages
and the control page).

It needs only the standard library. Run it alone with
``python -m devtools.stripe_double --port 12111 --webhook-url http://127.0.0.1:8000/stripe/webhook/``.
"""

import threading
from http.server import ThreadingHTTPServer

from devtools.stripe_double.api import Api, decode_form
from devtools.stripe_double.behaviours import Behaviours
from devtools.stripe_double.events import Events, sign_payload
from devtools.stripe_double.portal import Portal
from devtools.stripe_double.server import Handler
from devtools.stripe_double.store import API_VERSION, Store, StripeError, card_fee

__all__ = ["API_VERSION", "StripeDouble", "StripeError", "card_fee", "decode_form", "sign_payload"]


class StripeDouble(Api, Behaviours, Portal, Events, Store):
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
        self._init_store()
        self._init_events(
            webhook_url=webhook_url, webhook_secret=webhook_secret, deliver_async=deliver_async
        )
        self._server: ThreadingHTTPServer | None = None
        self.base_url = ""

    def start(self, host: str = "127.0.0.1", port: int = 0) -> "StripeDouble":
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("The Stripe double listens on loopback only.")
        handler = type("DoubleHandler", (Handler,), {"double": self})
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self.base_url = f"http://{host}:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
