"""Quotes and receipts: uploads and private downloads."""

from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from grants.forms import UploadForm
from grants.models import Document
from grants.services.documents import document_upload
from grants.views.requests import grant_for, request_page, run_action
from people.access import role_required
from people.roles import GRANT_ROLES, HANDLER_ROLES, Role


def _upload(request, pk: int, kind: str):
    grant = grant_for(request, pk)
    # The request is already known to be at most settings.MAX_UPLOAD_REQUEST_BYTES
    # (people.middleware.RequestSizeLimitMiddleware); the form refuses a file over the limit
    # for each file, with the message beside the field.
    form = UploadForm(request.POST, request.FILES, prefix=kind)
    if not form.is_valid():
        return request_page(request, grant, status=400, **{f"{kind}_form": form})
    run_action(
        request,
        grant,
        lambda: document_upload(
            actor=request.user, grant=grant, kind=kind, upload=form.cleaned_data["file"]
        ),
        f"The {kind} is uploaded.",
    )
    return redirect("grants:detail", grant.pk)


@require_POST
@role_required(Role.KEY_WORKER, *HANDLER_ROLES)
def quote_upload(request, pk: int):
    return _upload(request, pk, Document.Kind.QUOTE)


@require_POST
@role_required(Role.KEY_WORKER, *HANDLER_ROLES)
def receipt_upload(request, pk: int):
    return _upload(request, pk, Document.Kind.RECEIPT)


@role_required(*GRANT_ROLES)
def document_download(request, pk: int, document_id: int):
    grant = grant_for(request, pk)
    document = get_object_or_404(Document, pk=document_id, grant=grant)
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.display_name,
        content_type=document.content_type,
    )
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
