import logging

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control

from people import security_log
from people.authentication import (
    needs_two_factor,
    passed_two_factor,
    session_expired,
    session_touch,
)


class NoStoreForSignedInMiddleware:
    """Pages shown to a signed-in user may hold money or client data: never cache them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
            patch_cache_control(response, no_store=True, private=True)
        return response


class SessionTimeoutMiddleware:
    """Signs out a session idle longer than SESSION_IDLE_SECONDS or older than
    SESSION_ABSOLUTE_SECONDS; the session is deleted on the server, not just forgotten."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            if session_expired(request.session):
                security_log.event("session-expired", request, level=logging.INFO)
                logout(request)
                messages.info(request, "You were signed out because your session timed out.")
                return redirect_to_login(request.get_full_path())
            session_touch(request.session)
        return self.get_response(request)


class RequireTwoFactorMiddleware:
    """Accounts that need two factors (people.authentication.needs_two_factor) can use
    nothing but the authenticator set-up pages until the session has a second factor.

    - No authenticator yet: sent to set one up (allauth's TOTP activation, which then
      shows the recovery codes).
    - An authenticator, but this session never used it (it was added by someone else, or
      the session was started some other way): signed out, to sign in with both factors.
    """

    SET_UP_URL_NAMES = (
        "mfa_activate_totp",
        "mfa_view_recovery_codes",
        "mfa_download_recovery_codes",
        "account_reauthenticate",
        "account_logout",
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if needs_two_factor(user) and not passed_two_factor(request):
            if Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists():
                logout(request)
                return redirect_to_login(request.get_full_path())
            allowed = {reverse(name) for name in self.SET_UP_URL_NAMES}
            static = "/" + settings.STATIC_URL.lstrip("/")
            if request.path not in allowed and not request.path.startswith(static):
                return redirect("mfa_activate_totp")
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    """The site needs no camera, microphone, location or payment APIs (card details are
    typed on Stripe's own page): switch them off for every page and anything it embeds."""

    POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.POLICY)
        return response


class SecurityEventLogMiddleware:
    """Logs refusals and file downloads to the security log (people.security_log)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if response.status_code == 403 or (response.status_code == 404 and signed_in):
            security_log.event(
                "access-refused", request, status=response.status_code, path=request.path
            )
        elif 200 <= response.status_code < 300 and response.has_header("Content-Disposition"):
            security_log.event(
                "file-downloaded",
                request,
                level=logging.INFO,
                path=request.path,
                file=_filename(response["Content-Disposition"]),
            )
        return response


def _filename(disposition: str) -> str:
    _, _, name = disposition.partition("filename=")
    return name.strip().strip('"')[:200] or "unnamed"


class RequestSizeLimitMiddleware:
    """Refuses an oversized request with a 413 page before any of it is read.

    Django does not limit uploads at all, so the declared length is checked here:
    MAX_UPLOAD_REQUEST_BYTES for requests carrying files (one file of MAX_UPLOAD_BYTES and
    a form; the upload form itself refuses a file over MAX_UPLOAD_BYTES, with a message
    beside the field), MAX_FORM_BYTES for everything else. (Typed
    fields over DATA_UPLOAD_MAX_MEMORY_SIZE inside an upload are caught as Django parses
    them: see people.views.bad_request. The proxy in front limits requests that declare no
    length.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        has_files = request.content_type == "multipart/form-data"
        limit = settings.MAX_UPLOAD_REQUEST_BYTES if has_files else settings.MAX_FORM_BYTES
        if length > limit:
            security_log.event(
                "request-too-large", request, level=logging.INFO, bytes=length, path=request.path
            )
            return request_too_large(request, limit=limit, has_files=has_files)
        return self.get_response(request)


def request_too_large(request, *, limit: int, has_files: bool):
    # With files, the limit people can act on is the one for each file.
    shown = settings.MAX_UPLOAD_BYTES if has_files else limit
    return render(
        request,
        "413.html",
        {"limit_mb": shown // (1024 * 1024) or 1, "has_files": has_files},
        status=413,
    )
