"""Security events, logged to the "security" logger with who, when (the log record's time)
and from where.

Logged: failed sign-ins, failed second factors, sign-ins and sign-outs, refusals (403, and
404 for signed-in people, which is how an object outside their scope is refused) and every
file download (exports, statements, schedules). Never logged: passwords, one-time or
recovery codes, tokens, query strings (searches may hold a client reference) or anything
posted.
"""

import logging

from allauth.account.adapter import get_adapter
from django.core.exceptions import PermissionDenied

logger = logging.getLogger("security")


def client_ip(request) -> str:
    """The visitor's address, through the trusted proxies (ALLAUTH_TRUSTED_PROXY_COUNT)."""
    try:
        return get_adapter().get_client_ip(request)
    except PermissionDenied:
        return "unknown"


def who(user) -> str:
    if user is None or not user.is_authenticated:
        return "anonymous"
    return f"{user.get_username()} (id {user.pk})"


def event(name: str, request, user=None, level: int = logging.WARNING, **details) -> None:
    user = user if user is not None else getattr(request, "user", None)
    fields = {"event": name, "user": who(user), "ip": client_ip(request), **details}
    logger.log(
        level,
        " ".join(f"{key}={value}" for key, value in fields.items()),
        extra={"security_event": name, **{f"security_{k}": v for k, v in fields.items()}},
    )


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    if request is None:
        return
    # Django passes the credentials with the password already masked; only the name the
    # person typed is kept.
    attempted = credentials.get("username") or credentials.get("email") or ""
    event("sign-in-failed", request, attempted=repr(str(attempted)[:150]))


def on_logged_in(sender, request, user, **kwargs) -> None:
    event("signed-in", request, user=user, level=logging.INFO)


def on_logged_out(sender, request, user, **kwargs) -> None:
    if request is not None:
        event("signed-out", request, user=user, level=logging.INFO)


def on_second_factor_failed(sender, request, user, authenticator, reauthentication, **kwargs):
    event(
        "second-factor-failed",
        request,
        user=user,
        method=authenticator.type,
        reauthentication=reauthentication,
    )
