import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import defaults
from django.views.decorators.http import require_http_methods

from fund.access import STAFF_ROLES, has_role, role_required
from fund.forms import SubjectAccessForm
from fund.middleware import request_too_large
from fund.roles import Role
from fund.selectors import chain_head, fund_summaries
from fund.subject_access import client_subject_access, donor_subject_access


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


@role_required(Role.FUND_OFFICER, Role.FUND_MANAGER)
@require_http_methods(["GET", "POST"])
def subject_access(request):
    """A subject-access request: everything held about one client reference or donor email,
    as a JSON file. Posted, so the reference or address never appears in a URL or a log."""
    form = SubjectAccessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        kind, value = form.cleaned_data["kind"], form.cleaned_data["value"]
        found = client_subject_access(value) if kind == "client" else donor_subject_access(value)
        response = HttpResponse(
            json.dumps(found, indent=2, ensure_ascii=False),
            content_type="application/json; charset=utf-8",
        )
        name = f"subject-access-{kind}-{timezone.localdate():%Y-%m-%d}.json"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    return render(request, "fund/subject_access.html", {"form": form})
