from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.shortcuts import render
from django.views import defaults

from fund.access import STAFF_ROLES, role_required
from fund.middleware import request_too_large
from fund.selectors import chain_head, fund_summaries


@role_required(*STAFF_ROLES)
def home(request):
    return render(
        request,
        "fund/home.html",
        {"summaries": fund_summaries(), "head": chain_head()},
    )


def bad_request(request, exception=None):
    """Django's 400, except for a form whose typed fields are too big to read: that gets
    the same 413 page as an oversized upload."""
    if isinstance(exception, RequestDataTooBig):
        return request_too_large(request, limit=settings.MAX_FORM_BYTES, has_files=False)
    return defaults.bad_request(request, exception)
