from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.views import defaults

from people.middleware import request_too_large


def bad_request(request, exception=None):
    """Django's 400, except for a form whose typed fields are too big to read: that gets
    the same 413 page as an oversized upload."""
    if isinstance(exception, RequestDataTooBig):
        return request_too_large(request, limit=settings.MAX_FORM_BYTES, has_files=False)
    return defaults.bad_request(request, exception)
