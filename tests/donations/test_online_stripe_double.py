"""The Stripe test double itself: the API version it speaks and its control page."""

import json
import urllib.parse
import urllib.request
from datetime import datetime
from zoneinfo import ZoneInfo

import stripe
import time_machine

from devtools.stripe_double import API_VERSION
from donations.models.online import OnlinePayment, RefundFailure

LONDON = ZoneInfo("Europe/London")


def _control_page(double) -> str:
    with urllib.request.urlopen(f"{double.base_url}/_double/", timeout=10) as response:
        assert response.status == 200
        return response.read().decode()


def _press(double, action: str, **fields: str) -> list[dict]:
    """Press a control-page button (a plain form POST); return the events Stripe sends."""
    request = urllib.request.Request(
        f"{double.base_url}/_double/{action}",
        data=urllib.parse.urlencode({**fields, "format": "json"}).encode(),
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
        return json.loads(response.read())["events"]


def test_the_double_speaks_the_api_version_the_installed_stripe_library_pins(stripe_world):
    # The library sends Stripe-Version: stripe.api_version with every request, and Stripe
    # shapes objects and events by it; a double on another version tests other shapes.
    assert API_VERSION == stripe.api_version
    donation = stripe_world.give("5")
    (completed,) = stripe_world.double.complete_checkout(donation.stripe_session_id)
    assert completed["api_version"] == stripe.api_version


def test_the_control_page_shows_each_charges_gift_reference_donor_and_date(stripe_world):
    with time_machine.travel(datetime(2026, 11, 26, 10, 30, tzinfo=LONDON), tick=True):
        named = stripe_world.give("10", donor_email="ada@example.org")
        stripe_world.pay(named)
        anonymous = stripe_world.give("3")
        stripe_world.pay(anonymous)

    page = _control_page(stripe_world.double)

    rows = [row for row in page.split("<tr>") if row.startswith("<td>Charge ")]
    assert len(rows) == 2
    named_row = next(row for row in rows if named.reference in row)
    anonymous_row = next(row for row in rows if anonymous.reference in row)
    assert "Charge £10.00" in named_row
    assert "<td>ada@example.org</td>" in named_row
    assert "<td>26 Nov 2026</td>" in named_row
    assert "Charge £3.00" in anonymous_row
    assert "<td>anonymous</td>" in anonymous_row
    assert "<td>26 Nov 2026</td>" in anonymous_row


def test_the_control_page_offers_the_newer_behaviours(stripe_world):
    double = stripe_world.double
    open_gift = stripe_world.give("7")
    page = _control_page(double)
    assert "Open checkout £7.00" in page
    assert 'action="/_double/expire"' in page
    assert "Turn asynchronous capture on" in page

    _press(double, "late-balance-transactions", on="1")
    late = stripe_world.give("10")
    stripe_world.pay(late)
    charge_id = stripe_world.charge_id(late)
    page = _control_page(double)
    assert "Asynchronous capture is <strong>on</strong>" in page
    assert "Deliver the late balance transaction" in page
    assert "Issuer inquires" in page
    assert str(OnlinePayment.objects.get(charge_id=charge_id).fee.amount) == "0.00"

    # Each button sends Stripe's events; the test delivers them to the app itself.
    updated = _press(double, "balance-transaction", charge=charge_id)
    refunded = _press(double, "refund", charge=charge_id)
    assert [e["type"] for e in updated + refunded] == [
        "charge.updated",
        "refund.created",
        "charge.refunded",
    ]
    stripe_world.send_all(updated + refunded)
    page = _control_page(double)
    assert "Deliver the late balance transaction" not in page
    assert "Refund £10.00 (succeeded)" in page
    assert "The card cannot take it" in page

    refund_id = refunded[0]["data"]["object"]["id"]
    failed = _press(double, "fail-refund", refund=refund_id)
    expired = _press(double, "expire", session=open_gift.stripe_session_id)
    assert [e["type"] for e in failed + expired] == [
        "refund.updated",
        "refund.failed",
        "checkout.session.expired",
    ]
    stripe_world.send_all(failed + expired)
    page = _control_page(double)
    assert "Refund £10.00 (failed)" in page
    assert "Open checkout £7.00" not in page

    payment = OnlinePayment.objects.get(charge_id=charge_id)
    assert str(payment.fee.amount) == "0.35"
    assert str(payment.amount_refunded.amount) == "0.00"
    assert RefundFailure.objects.get().stripe_refund_id == refund_id
    open_gift.refresh_from_db()
    assert open_gift.status == "abandoned"


def test_the_double_can_deliver_each_actions_events_last_first(stripe_world):
    """Stripe keeps no order: in ``make run`` a button makes the double deliver each action's
    webhooks last first, so the app's handling of events out of order can be tried by hand."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    received = []

    class Endpoint(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(json.loads(body)["type"])
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Endpoint)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    double = stripe_world.double
    url = f"http://127.0.0.1:{server.server_port}/stripe/webhook/"
    try:
        assert "Deliver them last first" in _control_page(double)
        _press(double, "event-order", reversed="1")
        assert "delivered <strong>last first</strong>" in _control_page(double)
        events = [
            double.event("refund.created", {"id": "re_1"}),
            double.event("charge.refunded", {"id": "ch_1"}),
        ]
        assert double.deliver(events, url) == [200, 200]
        assert received == ["charge.refunded", "refund.created"]

        _press(double, "event-order", reversed="0")
        assert double.deliver(events, url) == [200, 200]
        assert received[2:] == ["refund.created", "charge.refunded"]
    finally:
        server.shutdown()
