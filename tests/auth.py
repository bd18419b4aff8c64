"""Two-factor helpers for tests: an authenticator for a persona, and the code it shows.

The code is computed here from RFC 6238 directly, not with the project's or allauth's
code, so the tests check the sign-in against an independent authenticator "app".
"""

import base64
import hashlib
import hmac
import struct
import time

from allauth.mfa.models import Authenticator

TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def totp_code(secret: str = TEST_TOTP_SECRET, at: float | None = None) -> str:
    """The code an authenticator app shows now (or at ``at``).

    The server accepts only the current 30-second window, so a code read in the last
    seconds of a window can expire before a browser submits it: wait for the next window.
    """
    if at is None:
        left = 30 - time.time() % 30
        if left < 6:
            time.sleep(left + 0.1)
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(
        base64.b32decode(secret, casefold=True), struct.pack(">Q", counter), hashlib.sha1
    ).digest()
    offset = digest[-1] & 0x0F
    value = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def give_authenticator(user, secret: str = TEST_TOTP_SECRET) -> Authenticator:
    """Register an authenticator app for ``user`` (what TOTP set-up leaves behind)."""
    return Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": secret}
    )


def sign_in(client, user, *, password: str, code: str | None = None):
    """Post the password (and, when given, the code) through the real sign-in pages."""
    response = client.post("/accounts/login/", {"login": user.username, "password": password})
    if code is not None:
        response = client.post("/accounts/2fa/authenticate/", {"code": code})
    return response
