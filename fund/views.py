from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.shortcuts import redirect, render
from django.views import defaults

from fund.access import STAFF_ROLES, has_role, role_required
from fund.middleware import request_too_large
from fund.roles import Role
from fund.selectors import chain_head, fund_summaries


@role_required(*STAFF_ROLES)
def home(request):
    return render(
        request,
        "fund/home.html",
        {"summaries": fund_summaries(), "head": chain_head()},
    )


@login_required
def start(request):
    """Where a person lands after signing in: the first page their role uses."""
    if has_role(request.user, *STAFF_ROLES):
        return redirect("fund:home")
    if has_role(request.user, Role.KEY_WORKER):
        return redirect("grants:list")
    if has_role(request.user, Role.PARTNER):
        return redirect("audit:partner")
    return redirect("transparency")


def bad_request(request, exception=None):
    """Django's 400, except for a form whose typed fields are too big to read: that gets
    the same 413 page as an oversized upload."""
    if isinstance(exception, RequestDataTooBig):
        return request_too_large(request, limit=settings.MAX_FORM_BYTES, has_files=False)
    return defaults.bad_request(request, exception)
