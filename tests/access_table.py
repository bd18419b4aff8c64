"""Who may open what: one entry for every URL pattern in the project.

``tests/test_access_table.py`` walks every URL pattern Django knows and requests each one as
every persona below, comparing what happens with this table. A URL without an entry fails
that test, so a new page cannot ship without someone deciding who may reach it.

Adding a URL
------------
Add one line to ``ACCESS``, keyed by the URL's name (``"namespace:name"``):

    "grants:request-detail": Access(
        allow={KEY_WORKER_A, *STAFF},          # who gets the page
        not_found={KEY_WORKER_B},              # signed in, but outside their scope: 404
        kwargs={"pk": "grant_request"},        # fixture (tests/access_objects.py) or a value
    ),

- ``allow``: the personas that reach the view. They are expected to get exactly ``ok``:
  200 by default, or the page's own legitimate answer (``REDIRECT`` for a redirect
  elsewhere, ``BAD_REQUEST`` for a form re-shown with errors, ``NOT_ALLOWED`` for a GET on a
  POST-only URL). "Not refused" is not enough: a 500, or a 302 where a page was due, fails.
- Everyone else is expected to be refused: ``anonymous`` is sent to sign in, a signed-in
  persona gets 403, or 404 when listed in ``not_found`` (an object outside their scope).
- ``expect`` overrides the outcome for named personas when a page behaves differently
  (``{ANONYMOUS: OK}``).
- ``kwargs``: a value for every URL argument. A string naming a fixture is replaced by
  that fixture's object (its ``pk``, or the attribute given as ``"fixture.attribute"``);
  put the fixture in ``tests/access_objects.py``, owned by agency A's key worker where
  scope matters. Any other value (a number, a slug that names no fixture) is used as it is.
- ``method``: "POST" for URLs that only accept POST (an empty form is posted).
- ``needs``: fixtures the page needs to exist first (e.g. ``("public_fund",)``).

The personas: ``anonymous`` (the public, donors included: donors have no accounts),
``no_role`` (a signed-in account without any role), two key workers from different agencies,
a fund officer, a fund manager, an auditor and a partner.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

ANONYMOUS = "anonymous"
NO_ROLE = "no_role"
KEY_WORKER_A = "key_worker_a"
KEY_WORKER_B = "key_worker_b"
OFFICER = "officer"
MANAGER = "manager"
AUDITOR = "auditor"
PARTNER = "partner"
PERSONAS = (ANONYMOUS, NO_ROLE, KEY_WORKER_A, KEY_WORKER_B, OFFICER, MANAGER, AUDITOR, PARTNER)

EVERYONE = frozenset(PERSONAS)
SIGNED_IN = EVERYONE - {ANONYMOUS}
KEY_WORKERS = frozenset({KEY_WORKER_A, KEY_WORKER_B})
STAFF = frozenset({OFFICER, MANAGER, AUDITOR})
# Roles that change things: the auditor reads everything and changes nothing.
WRITERS = frozenset({OFFICER, MANAGER})
NOBODY = frozenset()

# Outcomes: the exact answer, not merely "not refused".
OK = "200"
LOGIN = "sign-in redirect"
FORBIDDEN = "403"
NOT_FOUND = "404"
REDIRECT = "302 elsewhere"  # a redirect to anywhere but a sign-in page
BAD_REQUEST = "400"
NOT_ALLOWED = "405"


@dataclass(frozen=True)
class Access:
    allow: frozenset[str] | set[str]
    not_found: frozenset[str] | set[str] = frozenset()
    kwargs: Mapping[str, object] = field(default_factory=dict)
    method: str = "GET"
    expect: Mapping[str, str] = field(default_factory=dict)
    needs: tuple[str, ...] = ()
    # What the allowed personas get: 200 unless the page legitimately answers otherwise
    # (REDIRECT after an empty POST, BAD_REQUEST for a form re-shown with errors, ...).
    ok: str = OK

    def expected(self, persona: str) -> str:
        if persona in self.expect:
            return self.expect[persona]
        if persona in self.allow:
            return self.ok
        if persona == ANONYMOUS:
            return LOGIN
        if persona in self.not_found:
            return NOT_FOUND
        return FORBIDDEN


# Every URL under /admin/: the admin is for staff accounts (is_staff) only, and its sign-in
# hands over to the app's. Checked for each admin URL with made-up object ids. None of the
# personas is a staff account, so all are sent to the admin's sign-in, which refuses a
# signed-in account without admin access.
ADMIN = Access(allow=NOBODY, expect={p: LOGIN for p in PERSONAS})
ADMIN_EXCEPTIONS = {
    "admin:login": Access(allow=NOBODY, expect={ANONYMOUS: LOGIN}),
    "admin:logout": Access(
        ok=REDIRECT, allow=EVERYONE
    ),  # a GET changes nothing: it redirects to the app
}

# allauth's account pages. Sign-up is closed (accounts are made by an administrator);
# pages for a sign-in in progress send everyone else back to sign in.
_SIGN_IN_PAGES = {
    "account_login": Access(allow=EVERYONE, expect={p: REDIRECT for p in SIGNED_IN}),
    "account_logout": Access(allow=SIGNED_IN),
    "account_inactive": Access(allow=EVERYONE),
    "account_signup": Access(allow=EVERYONE, expect={p: REDIRECT for p in SIGNED_IN}),
    "account_reauthenticate": Access(allow=SIGNED_IN),
    # Re-authenticating with a code sent by e-mail (allauth 65.22): not offered here, as the
    # second factor is the authenticator app, so both pages answer 404 to everyone.
    "account_request_reauthentication_code": Access(
        allow=NOBODY, expect={p: NOT_FOUND for p in PERSONAS}
    ),
    "account_confirm_reauthentication_code": Access(
        allow=NOBODY, expect={p: NOT_FOUND for p in PERSONAS}
    ),
    "account_email": Access(allow=SIGNED_IN),
    "account_email_verification_sent": Access(allow=EVERYONE),
    "account_change_password": Access(allow=SIGNED_IN),
    "account_set_password": Access(ok=REDIRECT, allow=SIGNED_IN),
    "account_reset_password": Access(allow=EVERYONE),
    "account_reset_password_done": Access(allow=EVERYONE),
    "account_reset_password_from_key": Access(
        allow=EVERYONE, kwargs={"uidb36": "1", "key": "not-a-real-key"}
    ),
    "account_reset_password_from_key_done": Access(allow=EVERYONE),
    "account_confirm_login_code": Access(ok=REDIRECT, allow=SIGNED_IN),
    "account_confirm_email": Access(allow=EVERYONE, kwargs={"key": "not-a-real-key"}),
    "mfa_index": Access(allow=SIGNED_IN),
    "mfa_authenticate": Access(ok=REDIRECT, allow=SIGNED_IN, expect={ANONYMOUS: LOGIN}),
    "mfa_reauthenticate": Access(ok=REDIRECT, allow=SIGNED_IN),
    "mfa_activate_totp": Access(ok=REDIRECT, allow=SIGNED_IN),
    "mfa_deactivate_totp": Access(allow=SIGNED_IN, expect={p: NOT_FOUND for p in SIGNED_IN}),
    # The personas have no recovery codes: allauth answers 404 until they have some.
    "mfa_view_recovery_codes": Access(allow=SIGNED_IN, expect={p: NOT_FOUND for p in SIGNED_IN}),
    "mfa_generate_recovery_codes": Access(ok=REDIRECT, allow=SIGNED_IN),
    "mfa_download_recovery_codes": Access(
        allow=SIGNED_IN, expect={p: NOT_FOUND for p in SIGNED_IN}
    ),
}

_FUND = {
    "home": Access(allow=STAFF),
    "start": Access(ok=REDIRECT, allow=SIGNED_IN),
    "subject-access": Access(allow=WRITERS),
}

_DONATIONS = {
    # Contributions: staff read; the manager pledges (a POST refused to others on the page);
    # officers and managers record money received.
    "donations:pledges": Access(allow=STAFF),
    "donations:pledge": Access(allow=STAFF, kwargs={"pk": "pledge"}),
    "donations:pledge-letter": Access(allow=STAFF, kwargs={"pk": "pledge"}),
    "donations:pledge-receipt": Access(
        ok=BAD_REQUEST, allow=WRITERS, kwargs={"pk": "pledge"}, method="POST"
    ),
    # Public giving pages and Stripe's webhook (signed; unsigned posts are refused with 400).
    "donate": Access(allow=EVERYONE, needs=("public_fund",)),
    "donate-thank-you": Access(allow=EVERYONE, kwargs={"public_id": "online_donation.public_id"}),
    "stripe-webhook": Access(ok=BAD_REQUEST, allow=EVERYONE, method="POST"),
    # A donor's link is a token the site signed for one gift: anything else is not found.
    "donate-manage": Access(
        allow=EVERYONE,
        kwargs={"token": "not-a-signed-token"},
        expect={p: NOT_FOUND for p in PERSONAS},
    ),
    # Online giving (staff)
    "donations:online-list": Access(allow=STAFF),
    "donations:online-detail": Access(allow=STAFF, kwargs={"pk": "online_donation"}),
    "donations:payment-refund": Access(allow=WRITERS, kwargs={"pk": "online_payment"}),
    "donations:monthly-cancel": Access(
        ok=BAD_REQUEST, allow=WRITERS, method="POST", kwargs={"pk": "online_donation"}
    ),
    "donations:payout-list": Access(allow=STAFF),
    "donations:payout-detail": Access(allow=STAFF, kwargs={"pk": "stripe_payout"}),
    "donations:stripe-checks": Access(allow=STAFF, needs=("stripe_finding",)),
    # Without a Stripe key in the tests the check cannot run: it says so and redirects.
    "donations:stripe-check-run": Access(ok=REDIRECT, allow=WRITERS, method="POST"),
    "donations:stripe-finding-post": Access(allow=WRITERS, kwargs={"pk": "stripe_finding"}),
    "donations:stripe-events": Access(allow=STAFF),
    "donations:stripe-event-retry": Access(
        ok=REDIRECT, allow=WRITERS, method="POST", kwargs={"pk": "stripe_event"}
    ),
    "donations:gift-aid": Access(allow=STAFF),
    "donations:gift-aid-claim-run": Access(ok=BAD_REQUEST, allow=WRITERS, method="POST"),
    "donations:gift-aid-claim": Access(allow=STAFF, kwargs={"pk": "gift_aid_claim"}),
    "donations:gift-aid-schedule": Access(allow=STAFF, kwargs={"pk": "gift_aid_claim"}),
    "donations:gift-aid-template": Access(allow=STAFF),
    "donations:gift-aid-repayment": Access(allow=WRITERS, kwargs={"pk": "gift_aid_claim"}),
    "donations:gasds-claim": Access(allow=WRITERS, kwargs={"year": 2026}, needs=("gasds_year",)),
    "donations:gasds-payment": Access(allow=WRITERS, kwargs={"pk": "gasds_claim"}),
    # Cash: collection points, box counts and deposits
    "donations:cash_overview": Access(allow=STAFF),
    "donations:cash_points": Access(allow=STAFF),
    "donations:cash_point_create": Access(allow=WRITERS),
    "donations:cash_point": Access(allow=STAFF, kwargs={"pk": "collection_point"}),
    "donations:cash_point_edit": Access(allow=WRITERS, kwargs={"pk": "collection_point"}),
    "donations:cash_point_poster": Access(allow=STAFF, kwargs={"pk": "collection_point"}),
    "donations:cash_collection_create": Access(allow=WRITERS, kwargs={"pk": "collection_point"}),
    "donations:cash_counts": Access(allow=STAFF),
    "donations:cash_collection": Access(allow=STAFF, kwargs={"pk": "box_collection"}),
    "donations:cash_collection_confirm": Access(
        ok=REDIRECT, allow=WRITERS, kwargs={"pk": "box_collection"}, method="POST"
    ),
    "donations:cash_collection_return": Access(
        ok=BAD_REQUEST, allow=WRITERS, kwargs={"pk": "box_collection"}, method="POST"
    ),
    "donations:cash_collection_recount": Access(
        ok=REDIRECT, allow=WRITERS, kwargs={"pk": "box_collection"}
    ),
    "donations:cash_collection_seal_review": Access(
        ok=BAD_REQUEST, allow={MANAGER}, kwargs={"pk": "box_collection"}, method="POST"
    ),
    "donations:cash_in_transit": Access(allow=STAFF),
    "donations:cash_deposit_create": Access(allow=WRITERS),
    "donations:cash_deposit": Access(allow=STAFF, kwargs={"pk": "bank_deposit"}),
    "donations:cash_deposit_check": Access(
        ok=REDIRECT, allow=WRITERS, kwargs={"pk": "bank_deposit"}, method="POST"
    ),
    "donations:cash_yield": Access(allow=STAFF),
    "donations:cash_gasds": Access(allow=STAFF),
    # Contactless: the report import and a terminal at a point (officers and managers)
    "donations:taps": Access(allow=WRITERS),
    "donations:tap_terminal_create": Access(allow=WRITERS, kwargs={"pk": "collection_point"}),
    # Bank statements and reconciliation
    "banking:statements": Access(allow=STAFF),
    "banking:lines": Access(allow=STAFF, needs=("statement_line",)),
    "banking:line": Access(allow=STAFF, kwargs={"pk": "statement_line"}),
    "banking:line-match": Access(
        ok=REDIRECT, allow=WRITERS, kwargs={"pk": "statement_line"}, method="POST"
    ),
    "banking:line-work": Access(
        ok=BAD_REQUEST, allow=WRITERS, kwargs={"pk": "statement_line"}, method="POST"
    ),
    "banking:match-undo": Access(
        ok=BAD_REQUEST, allow=WRITERS, kwargs={"pk": "bank_match"}, method="POST"
    ),
    "banking:suspense": Access(allow=STAFF, needs=("bank_match",)),
    "banking:suspense-clear": Access(allow=WRITERS, kwargs={"pk": "bank_match"}),
    "banking:rules": Access(allow={MANAGER}),
    "banking:layouts": Access(allow={MANAGER}),
    "banking:reconciliation": Access(allow=STAFF, needs=("statement_line",)),
    "banking:reconciliation-mark": Access(ok=REDIRECT, allow={MANAGER}, method="POST"),
}

_A_GRANT = {"pk": "grant_request"}
_GRANTS: dict[str, Access] = {
    # Key workers see their own agency's requests; staff see all; others are refused.
    "grants:list": Access(allow=KEY_WORKERS | STAFF, expect={p: REDIRECT for p in STAFF}),
    "grants:new": Access(allow=KEY_WORKERS, needs=("grant_request",)),
    "grants:clients": Access(allow=KEY_WORKERS | STAFF, needs=("grant_request",)),
    "grants:detail": Access(
        allow={KEY_WORKER_A, *STAFF}, not_found={KEY_WORKER_B}, kwargs=_A_GRANT
    ),
    "grants:edit": Access(
        ok=REDIRECT, allow={KEY_WORKER_A}, not_found={KEY_WORKER_B}, kwargs=_A_GRANT
    ),
    "grants:submit": Access(
        ok=REDIRECT, allow={KEY_WORKER_A}, not_found={KEY_WORKER_B}, kwargs=_A_GRANT, method="POST"
    ),
    "grants:withdraw": Access(
        ok=REDIRECT, allow={KEY_WORKER_A}, not_found={KEY_WORKER_B}, kwargs=_A_GRANT, method="POST"
    ),
    "grants:outcome": Access(
        ok=BAD_REQUEST,
        allow={KEY_WORKER_A},
        not_found={KEY_WORKER_B},
        kwargs=_A_GRANT,
        method="POST",
    ),
    "grants:quote_upload": Access(
        ok=BAD_REQUEST,
        allow={KEY_WORKER_A, *WRITERS},
        not_found={KEY_WORKER_B},
        kwargs=_A_GRANT,
        method="POST",
    ),
    "grants:receipt_upload": Access(
        ok=BAD_REQUEST,
        allow={KEY_WORKER_A, *WRITERS},
        not_found={KEY_WORKER_B},
        kwargs=_A_GRANT,
        method="POST",
    ),
    "grants:document": Access(
        allow={KEY_WORKER_A, *STAFF},
        not_found={KEY_WORKER_B},
        kwargs={"pk": "grant_quote.grant_id", "document_id": "grant_quote"},
    ),
    # Decisions and payment: fund officers and managers.
    "grants:request_info": Access(ok=BAD_REQUEST, allow=WRITERS, kwargs=_A_GRANT, method="POST"),
    "grants:approve": Access(ok=BAD_REQUEST, allow=WRITERS, kwargs=_A_GRANT, method="POST"),
    "grants:decline": Access(ok=BAD_REQUEST, allow=WRITERS, kwargs=_A_GRANT, method="POST"),
    "grants:cancel": Access(ok=BAD_REQUEST, allow=WRITERS, kwargs=_A_GRANT, method="POST"),
    "grants:payout": Access(ok=BAD_REQUEST, allow=WRITERS, kwargs=_A_GRANT, method="POST"),
    "grants:close": Access(ok=REDIRECT, allow=WRITERS, kwargs=_A_GRANT, method="POST"),
    "grants:queue": Access(allow=STAFF),
    "grants:follow_up": Access(allow=STAFF),
    "grants:decisions": Access(allow={MANAGER, AUDITOR}),
    # Limits: the fund manager changes them; the auditor may read them.
    "grants:limits": Access(allow={MANAGER, AUDITOR}, needs=("public_fund",)),
    "grants:limits_rules": Access(
        ok=BAD_REQUEST, allow={MANAGER}, kwargs={"fund_id": "public_fund"}, method="POST"
    ),
    "grants:limits_cap": Access(
        ok=BAD_REQUEST, allow={MANAGER}, kwargs={"cap_id": "category_cap"}, method="POST"
    ),
    # Agencies and people: the fund manager's pages (a person's page 404s for an account
    # without a role, so each names a fund officer who is not a persona).
    "grants:agencies": Access(allow={MANAGER}),
    "grants:agency_edit": Access(allow={MANAGER}, kwargs={"pk": "access_agency"}),
    "grants:people": Access(allow={MANAGER}),
    "grants:person": Access(allow={MANAGER}, kwargs={"pk": "staff_person"}),
    "grants:person_role": Access(
        ok=BAD_REQUEST, allow={MANAGER}, kwargs={"pk": "staff_person"}, method="POST"
    ),
    "grants:person_deactivate": Access(
        ok=REDIRECT, allow={MANAGER}, kwargs={"pk": "staff_person"}, method="POST"
    ),
}

_AUDIT: dict[str, Access] = {
    "health": Access(allow=EVERYONE, needs=("worker_heartbeat",)),
    "transparency": Access(allow=EVERYONE),
    "audit:dashboard": Access(allow=STAFF),
    # An invitation link: a made-up token is no invitation, for everyone.
    "people:invitation_accept": Access(
        allow=NOBODY, kwargs={"token": "not-a-real-token"}, expect={p: NOT_FOUND for p in PERSONAS}
    ),
    "audit:dashboard_csv": Access(allow=STAFF, kwargs={"chart": "income-by-channel"}),
    "audit:partner": Access(allow={PARTNER, *STAFF}),
    "audit:partner_csv": Access(allow={PARTNER, *STAFF}, kwargs={"chart": "grants-by-agency"}),
    # Exports and statements: staff read them (each download records a manifest, the audit
    # app's own log); GET only, so an auditor has nothing to post.
    "audit:exports": Access(allow=STAFF),
    "audit:export_download": Access(
        ok=BAD_REQUEST, allow=STAFF
    ),  # without a query: the form, re-shown
    "audit:manifests": Access(allow=STAFF),
    "audit:manifest_json": Access(allow=STAFF, kwargs={"pk": "export_manifest"}),
    # Closing a period locks the ledger: the fund manager's job alone.
    "audit:period_close": Access(allow={MANAGER}),
    # The year-end pack: staff read it, like the other exports.
    "audit:year_end": Access(allow=STAFF),
    "audit:year_end_download": Access(
        ok=BAD_REQUEST, allow=STAFF
    ),  # without a year: the form, re-shown
}

ACCESS: dict[str, Access] = {**_SIGN_IN_PAGES, **_FUND, **_DONATIONS, **_GRANTS, **_AUDIT}
