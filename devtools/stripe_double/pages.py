"""What a person sees: the hosted checkout page and the control page (``/_double/``)."""

import html
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from devtools.stripe_double import StripeDouble


STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:40rem;margin:0 auto;padding:1rem;"
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


def control_page(double: "StripeDouble") -> bytes:
    rows = []
    with double._lock:
        objects = list(double.objects.values())
    for obj in objects:
        if obj["object"] == "checkout.session" and obj.get("payment_intent"):
            intent = double.objects[obj["payment_intent"]]
            if intent["status"] == "processing":
                rows.append(
                    f"<tr><td>Bank debit {pounds(obj['amount_total'])}</td><td>"
                    + button("settle", "Money arrives", session=obj["id"], succeed="1")
                    + button("settle", "Debit fails", session=obj["id"], succeed="0")
                    + "</td></tr>"
                )
        elif obj["object"] == "subscription":
            rows.append(
                f"<tr><td>Monthly {pounds(obj['_amount'])}</td><td>"
                + button("invoice", "Charge next month", subscription=obj["id"])
                + "</td></tr>"
            )
        elif obj["object"] == "charge":
            actions = ""
            if obj["amount_refunded"] < obj["amount"]:
                actions += button("refund", "Refund in dashboard", charge=obj["id"])
            if not obj["disputed"]:
                actions += button("dispute", "Card holder disputes", charge=obj["id"])
                actions += button("inquiry", "Issuer inquires", charge=obj["id"])
            refunded = (
                f", {pounds(obj['amount_refunded'])} refunded" if obj["amount_refunded"] else ""
            )
            rows.append(
                f"<tr><td>Charge {pounds(obj['amount'])}{refunded}</td><td>{actions}</td></tr>"
            )
        elif obj["object"] == "dispute" and obj["status"].startswith("warning_"):
            if obj["status"] != "warning_closed":
                rows.append(
                    f"<tr><td>Inquiry {pounds(obj['amount'])}</td><td>"
                    + button("close-inquiry", "Close the inquiry", dispute=obj["id"])
                    + "</td></tr>"
                )
        elif obj["object"] == "dispute" and obj["status"] in ("needs_response", "under_review"):
            rows.append(
                f"<tr><td>Dispute {pounds(obj['amount'])}</td><td>"
                + button("close-dispute", "Win", dispute=obj["id"], won="1")
                + button("close-dispute", "Lose", dispute=obj["id"], won="0")
                + "</td></tr>"
            )
        elif obj["object"] == "payout":
            fail = (
                button("fail-payout", "Bank rejects it", payout=obj["id"])
                if obj["status"] == "paid"
                else ""
            )
            rows.append(
                f"<tr><td>Payout {pounds(obj['amount'])} ({obj['status']})</td><td>{fail}</td></tr>"
            )
    table = (
        '<table><caption>Test objects</caption><thead><tr><th scope="col">Object</th>'
        '<th scope="col">Actions</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table>"
    )
    body = "<h1>Stripe test double</h1>" + button("payout", "Pay out the balance") + table
    return page("Stripe test double", body)
