"""A subject-access request: everything held about one client or donor, as a JSON file."""

import json

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from audit.forms.subject_access import SubjectAccessForm
from audit.subject_access import client_subject_access, donor_subject_access
from people.access import role_required
from people.roles import HANDLER_ROLES


@role_required(*HANDLER_ROLES)
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
    return render(request, "audit/subject_access.html", {"form": form})
