"""What a person sees: the hosted checkout page and the control page (``/_double/``)."""

import html
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from devtools.stripe_double.events import OLDER_API_VERSION
from devtools.stripe_double.store import API_VERSION

if TYPE_CHECKING:
    from devtools.stripe_double import StripeDouble

LONDON = ZoneInfo("Europe/London")

STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:0 auto;padding:1rem;"
    "color:#0b0c0c}"
    ".test{background:#ffdd00;padding:.5rem 1rem;font-weight:bold}"
    "button{font-size:1.1rem;padding:.6rem 1rem;margin:.25rem 0;display:block;width:100%}"
    "table{border-collapse:collapse;width:100%}"
    "td,th{border-bottom:1px solid #b1b4b6;padding:.3rem;text-align:left}"
    "form.inline{display:inline}form.inline button{display:inline;width:auto;font-size:.9rem}"
)


def page(title: str, body: str) -> bytes:
    return (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{STYLE}</style></head>"
        '<body><p class="test" role="note">TEST MODE: this is a local Stripe test double. '
        "No real card is charged.</p>"
        f"<main>{body}</main></body></html>"
    ).encode()


def pounds(pence: int) -> str:
    sign = "-" if pence < 0 else ""
    pence = abs(pence)
    return f"{sign}£{pence // 100:,}.{pence % 100:02d}"


def checkout_page(session: dict, error: str = "") -> bytes:
    monthly = session["mode"] == "subscription"
    amount = pounds(session["amount_total"]) + (" a month" if monthly else "")
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
        return page("Checkout", body)
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
    return page("Checkout", body)


def button(action: str, label: str, **fields: str) -> str:
    hidden = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in fields.items()
    )
    return (
        f'<form class="inline" method="post" action="/_double/{action}">{hidden}'
        f'<button type="submit">{html.escape(label)}</button></form>'
    )


def day(timestamp: int) -> str:
    """A Unix time as the day in London, written as people read it: 26 Nov 2026."""
    moment = datetime.fromtimestamp(timestamp, tz=LONDON)
    return f"{moment.day} {moment:%b %Y}"


def _gift_columns(obj: dict) -> str:
    """The gift reference (from the app's metadata), the donor and the date of an object."""
    reference = (obj.get("metadata") or {}).get("reference") or "—"
    details = obj.get("billing_details") or obj.get("customer_details") or {}
    donor = details.get("name") or details.get("email") or "anonymous"
    return (
        f"<td>{html.escape(reference)}</td><td>{html.escape(donor)}</td>"
        f"<td>{day(obj['created'])}</td>"
    )


def control_page(double: "StripeDouble") -> bytes:
    """Every test object with what can happen to it next, newest last."""
    rows = []
    with double._lock:
        objects = [dict(obj) for obj in double.objects.values()]
        late = set(double._late)
        late_mode = double.late_balance_transactions
        endpoint_version = double.endpoint_api_version
        reversed_mode = double.deliver_reversed

    def row(label: str, obj: dict, actions: str) -> None:
        rows.append(f"<tr><td>{label}</td>{_gift_columns(obj)}<td>{actions}</td></tr>")

    for obj in objects:
        kind = obj["object"]
        if kind == "checkout.session" and obj["status"] == "open":
            monthly = " a month" if obj["mode"] == "subscription" else ""
            row(
                f"Open checkout {pounds(obj['amount_total'])}{monthly}",
                obj,
                button("expire", "Let it expire unpaid", session=obj["id"]),
            )
        elif kind == "checkout.session" and obj.get("payment_intent"):
            intent = double.objects[obj["payment_intent"]]
            if intent["status"] == "processing":
                row(
                    f"Bank debit {pounds(obj['amount_total'])}",
                    obj,
                    button("settle", "Money arrives", session=obj["id"], succeed="1")
                    + button("settle", "Debit fails", session=obj["id"], succeed="0"),
                )
        elif kind == "subscription":
            row(
                f"Monthly {pounds(obj['_amount'])} ({html.escape(obj['status'])})",
                obj,
                button("invoice", "Charge next month", subscription=obj["id"])
                if obj["status"] == "active"
                else "",
            )
        elif kind == "charge":
            actions = ""
            if obj["id"] in late:
                actions += button(
                    "balance-transaction", "Deliver the late balance transaction", charge=obj["id"]
                )
                actions += button(
                    "balance-transaction",
                    "Make the fee, lose its webhook",
                    charge=obj["id"],
                    announce="0",
                )
            if obj["amount_refunded"] < obj["amount"]:
                actions += button("refund", "Refund in dashboard", charge=obj["id"])
                actions += button("silent-refund", "Refund, lose its webhooks", charge=obj["id"])
            if not obj["disputed"]:
                actions += button("dispute", "Card holder disputes", charge=obj["id"])
                actions += button("inquiry", "Issuer inquires", charge=obj["id"])
            refunded = (
                f", {pounds(obj['amount_refunded'])} refunded" if obj["amount_refunded"] else ""
            )
            row(f"Charge {pounds(obj['amount'])}{refunded}", obj, actions)
        elif kind == "refund":
            charge = double.objects.get(obj["charge"], {})
            label = f"Refund {pounds(obj['amount'])} ({html.escape(obj['status'])})"
            actions = (
                button("fail-refund", "The card cannot take it", refund=obj["id"])
                if obj["status"] == "succeeded"
                else ""
            )
            row(label, {**obj, "billing_details": charge.get("billing_details")}, actions)
        elif kind == "dispute" and obj["status"].startswith("warning_"):
            if obj["status"] != "warning_closed":
                charge = double.objects.get(obj["charge"], {})
                row(
                    f"Inquiry {pounds(obj['amount'])}",
                    {**charge, "created": obj["created"]},
                    button("close-inquiry", "Close the inquiry", dispute=obj["id"]),
                )
        elif kind == "dispute" and obj["status"] in ("needs_response", "under_review"):
            charge = double.objects.get(obj["charge"], {})
            row(
                f"Dispute {pounds(obj['amount'])}",
                {**charge, "created": obj["created"]},
                button("close-dispute", "Win", dispute=obj["id"], won="1")
                + button("close-dispute", "Lose", dispute=obj["id"], won="0"),
            )
        elif kind == "payout":
            fail = (
                button("fail-payout", "Bank rejects it", payout=obj["id"])
                if obj["status"] == "paid"
                else ""
            )
            row(f"Payout {pounds(obj['amount'])} ({html.escape(obj['status'])})", obj, fail)
    table = (
        '<table><caption>Test objects</caption><thead><tr><th scope="col">Object</th>'
        '<th scope="col">Gift reference</th><th scope="col">Donor</th>'
        '<th scope="col">Date</th><th scope="col">Actions</th></tr></thead><tbody>'
        + "".join(rows)
        + "</tbody></table>"
    )
    capture = (
        "<p>Asynchronous capture is <strong>on</strong>: new charges get their balance "
        "transaction (and so their fee) only when you deliver it.</p>"
        + button("late-balance-transactions", "Turn asynchronous capture off", on="0")
        if late_mode
        else "<p>Asynchronous capture is <strong>off</strong>: charges come with their fee.</p>"
        + button("late-balance-transactions", "Turn asynchronous capture on", on="1")
    )
    order = (
        "<p>Each action's events are delivered <strong>last first</strong>, as Stripe may.</p>"
        + button("event-order", "Deliver them in order", reversed="0")
        if reversed_mode
        else "<p>Each action's events are delivered in order.</p>"
        + button("event-order", "Deliver them last first", reversed="1")
    )
    other_version = OLDER_API_VERSION if endpoint_version == API_VERSION else API_VERSION
    versions = (
        f"<p>Webhook events are sent in the shape of API version "
        f"<strong>{html.escape(endpoint_version)}</strong>.</p>"
        + button("endpoint-version", f"Send them as {other_version}", version=other_version)
    )
    body = (
        "<h1>Stripe test double</h1>"
        + capture
        + order
        + versions
        + "<p>"
        + button("payout", "Pay out the balance")
        + button("adjustment", "Stripe adjusts the balance by -£5.00", amount="-500")
        + "</p>"
        + table
    )
    return page("Stripe test double", body)
