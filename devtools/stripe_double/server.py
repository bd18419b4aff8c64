"""The HTTP server: routes ``/v1/`` to the API and everything else to the pages for people."""

import html
import json
import re
import secrets
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

from devtools.stripe_double.api import decode_form
from devtools.stripe_double.pages import checkout_page, control_page, page
from devtools.stripe_double.portal import portal_page, portal_post
from devtools.stripe_double.store import StripeError

if TYPE_CHECKING:
    from devtools.stripe_double import StripeDouble


class Handler(BaseHTTPRequestHandler):
    """One request to the double; ``double`` is set on a subclass per running double."""

    double: "StripeDouble"
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

    def do_DELETE(self):
        self._route("DELETE")

    def _route(self, method: str) -> None:
        url = urlsplit(self.path)
        query = decode_form(parse_qsl(url.query, keep_blank_values=True))
        try:
            if url.path.startswith("/v1/"):
                form = self._read_form() if method == "POST" else {}
                status, body = self.double.handle_api(method, url.path, query, form, self.headers)
                return self._json(status, body)
            form = self._read_form() if method == "POST" else {}
            return self._pages(method, url.path, form)
        except StripeError as error:
            if url.path.startswith("/v1/"):
                return self._json(error.status, error.body())
            return self._send(
                error.status, page("Error", f"<p>{html.escape(error.message)}</p>"), "text/html"
            )

    # ---- pages for people -------------------------------------------------------------

    def _pages(self, method: str, path: str, form: dict) -> None:
        double = self.double
        match = re.fullmatch(r"/checkout/([A-Za-z0-9_]+)", path)
        if match and method == "GET":
            session = double.get(match.group(1), "checkout.session")
            return self._send(200, checkout_page(session), "text/html; charset=utf-8")
        if match and method == "POST":
            session = double.get(match.group(1), "checkout.session")
            outcome = form.get("outcome", "paid")
            if outcome == "cancel":
                return self._redirect(session["cancel_url"])
            double.complete_checkout(session["id"], outcome)
            if outcome == "declined":
                return self._send(
                    402,
                    checkout_page(session, error="Your card was declined. No money was taken."),
                    "text/html; charset=utf-8",
                )
            return self._redirect(
                session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"])
            )
        match = re.fullmatch(r"/portal/(bps_[A-Za-z0-9_]+)", path)
        if match:
            session = double.get(match.group(1), "billing_portal.session")
            message = portal_post(double, session["id"], form) if method == "POST" else ""
            return self._send(
                200, portal_page(double, session, message), "text/html; charset=utf-8"
            )
        if path == "/_double/" and method == "GET":
            return self._send(200, control_page(double), "text/html; charset=utf-8")
        actions = {
            "complete": lambda: double.complete_checkout(
                form["session"], form.get("outcome", "paid")
            ),
            "expire": lambda: double.expire_checkout(form["session"]),
            "settle": lambda: double.settle_async(form["session"], form.get("succeed") == "1"),
            "invoice": lambda: double.charge_next_invoice(form["subscription"]),
            "refund": lambda: double.dashboard_refund(form["charge"]),
            "balance-transaction": lambda: double.settle_balance_transaction(
                form["charge"], form.get("announce", "1") == "1"
            ),
            "silent-refund": lambda: double.dashboard_refund(form["charge"], announce=False),
            "adjustment": lambda: double.adjust(int(form.get("amount", "-500"))) and [],
            "dispute": lambda: double.dispute(form["charge"]),
            "inquiry": lambda: double.inquiry(form["charge"]),
            "fail-refund": lambda: double.fail_refund(form["refund"]),
            "close-inquiry": lambda: double.close_inquiry(form["dispute"]),
            "close-dispute": lambda: double.close_dispute(form["dispute"], form.get("won") == "1"),
            "endpoint-version": lambda: double.set_endpoint_api_version(form["version"]),
            "late-balance-transactions": lambda: double.set_late_balance_transactions(
                form.get("on") == "1"
            ),
            "event-order": lambda: double.set_deliver_reversed(form.get("reversed") == "1"),
            "payout": double.pay_out,
            "fail-payout": lambda: double.fail_payout(form["payout"]),
            "clock": lambda: double.set_clock(form.get("at", "")),
        }
        match = re.fullmatch(r"/_double/([a-z-]+)", path)
        if match and method == "POST" and match.group(1) in actions:
            events = actions[match.group(1)]()
            if form.get("format") == "json":
                return self._json(200, {"events": events})
            return self._redirect("/_double/")
        return self._send(
            404, page("Not found", "<p>Nothing here.</p>"), "text/html; charset=utf-8"
        )
