from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.shortcuts import redirect, render
from django.views import defaults

from people.middleware import request_too_large


def bad_request(request, exception=None):
    """Django's 400, except for a form whose typed fields are too big to read: that gets
    the same 413 page as an oversized upload."""
    if isinstance(exception, RequestDataTooBig):
        return request_too_large(request, limit=settings.MAX_FORM_BYTES, has_files=False)
    return defaults.bad_request(request, exception)


def invitation_accept(request, token: str):
    """The invited person sets a password here, is signed in, and is sent straight on to
    set up an authenticator app (RequireTwoFactorMiddleware lets them do nothing else)."""
    from django.contrib.auth import login, logout
    from django.http import Http404

    from people import services
    from people.exceptions import PeopleError
    from people.forms import InvitationPasswordForm

    invitation = services.invitation_valid(token)
    if invitation is None:
        raise Http404("This invitation link has been used or has lapsed.")
    form = InvitationPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(token=token, password=form.cleaned_data["password"])
        except PeopleError as error:
            form.add_error("password", str(error))
        else:
            if request.user.is_authenticated:
                logout(request)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("mfa_activate_totp")
    return render(
        request,
        "people/invitation_accept.html",
        {"invitation": invitation, "form": form},
        status=400 if form.errors else 200,
    )
