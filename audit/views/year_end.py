"""The year-end pack: the year's accounts as one ZIP with its own manifest."""

import tempfile

from django.http import FileResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from audit.forms.year_end import YearEndPackForm
from audit.views.exports import SPOOL_BYTES
from people.access import STAFF_ROLES, role_required


def _year_end_page(request, form, status=200):
    return render(request, "audit/year_end.html", {"form": form}, status=status)


@require_GET
@role_required(*STAFF_ROLES)
def year_end(request):
    from audit.yearend import year_choices

    return _year_end_page(request, YearEndPackForm(choices=year_choices()))


@require_GET
@role_required(*STAFF_ROLES)
def year_end_download(request):
    """The year's accounts as one ZIP (PDF and ODS of each) with its own manifest."""
    from audit.yearend import year_choices, year_end_pack_write

    form = YearEndPackForm(request.GET, choices=year_choices())
    if not form.is_valid():
        return _year_end_page(request, form, status=400)
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    file_name, _ = year_end_pack_write(
        actor=request.user,
        actor_name=request.user.get_username(),
        year_end=form.cleaned_data["year_end"],
        stream=spool,
    )
    spool.seek(0)
    return FileResponse(
        spool, as_attachment=True, filename=file_name, content_type="application/zip"
    )
