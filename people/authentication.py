"""Sign-in rules: who needs two factors, how long a session lasts, and ending sessions.

django-allauth does the sign-in itself (password, then the TOTP or recovery-code stage for
accounts that have an authenticator). What allauth leaves to the project is here:

- two factors are mandatory for every role that sees client or money pages, so an account
  without an authenticator is sent to set one up before it can use anything else;
- a session has an idle timeout and an absolute lifetime, checked on every request;
- deactivating an account deletes its sessions on the server, not just in the browser.
"""

import time

from allauth.account.authentication import get_authentication_records
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.utils import timezone

from people.access import has_role
from people.roles import TWO_FACTOR_ROLES

SIGNED_IN_AT = "fund_signed_in_at"
LAST_SEEN_AT = "fund_last_seen_at"
# Writing the session on every request would cost a database write per page; a minute's
# granularity is plenty for a 30-minute idle timeout.
LAST_SEEN_GRANULARITY_SECONDS = 60


def needs_two_factor(user) -> bool:
    """Staff roles, key workers and anyone who can open the admin sign in with two factors."""
    if not user.is_authenticated:
        return False
    return user.is_staff or user.is_superuser or has_role(user, *TWO_FACTOR_ROLES)


def passed_two_factor(request) -> bool:
    """True when this session's sign-in included a second factor (allauth records it)."""
    return any(
        record.get("method") == "mfa"
        for record in get_authentication_records(request, request.user)
    )


def session_expired(session, now: float | None = None) -> bool:
    """True when the session passed its absolute lifetime or sat idle too long."""
    now = time.time() if now is None else now
    signed_in_at = session.get(SIGNED_IN_AT)
    last_seen_at = session.get(LAST_SEEN_AT, signed_in_at)
    if signed_in_at is None:
        # A session from before these rules, or one written some other way: not trusted.
        return True
    if now - signed_in_at > settings.SESSION_ABSOLUTE_SECONDS:
        return True
    return now - last_seen_at > settings.SESSION_IDLE_SECONDS


def session_touch(session, now: float | None = None) -> None:
    now = time.time() if now is None else now
    if now - session.get(LAST_SEEN_AT, 0) >= LAST_SEEN_GRANULARITY_SECONDS:
        session[LAST_SEEN_AT] = now


def sessions_end_for_user(user) -> int:
    """Delete every server-side session that belongs to ``user``; returns how many.

    Sessions are not indexed by user, so this decodes the live ones: deactivation is rare
    and the number of live sessions small.
    """
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get(SESSION_KEY) == str(user.pk):
            session.delete()
            ended += 1
    return ended


def on_user_logged_in(sender, request, user, **kwargs) -> None:
    now = time.time()
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN_AT] = now
    if needs_two_factor(user) and not _has_totp(user):
        # Setting up an authenticator asks for a recent password (allauth's
        # reauthentication). The password was typed a moment ago, so the set-up the
        # person is sent to straight away does not ask for it a second time; after
        # ACCOUNT_REAUTHENTICATION_TIMEOUT it does.
        from allauth.account.internal.flows.login import record_authentication

        record_authentication(request, user, "password", reauthenticated=True)


def _has_totp(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


def on_user_saved(sender, instance, created, **kwargs) -> None:
    """A deactivated account loses its sessions at once, whichever screen deactivated it
    (the admin's user form included), so this hangs on the model rather than a service."""
    if not created and not instance.is_active:
        sessions_end_for_user(instance)


def on_authenticator_added(sender, request, user, authenticator, **kwargs) -> None:
    """Setting up an authenticator means typing a valid code from it: that is the second
    factor for the session it happens in."""
    from allauth.account.internal.flows.login import record_authentication

    if request is not None and request.user.is_authenticated:
        record_authentication(
            request, user, "mfa", id=authenticator.pk, type=authenticator.type, enrolled=True
        )
