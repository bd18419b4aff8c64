"""Build a request in any state through the services, as the people who would act."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from grants.models import Grant
from grants.services.decisions import grant_approve, grant_cancel, grant_decline, grant_request_info
from grants.services.documents import document_upload
from grants.services.payments import grant_close, grant_record_payout
from grants.services.requests import grant_withdraw
from tests.grants.conftest import make_grant

S = Grant.Status
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def pdf(name="receipt.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def grant_in(state: str, *, kw, officer, officer2, manager) -> Grant:
    """A £150 furniture request (two approvers needed) brought to ``state``."""
    grant = make_grant(
        kw, items=[("Bed and mattress", "150.00")], code="furniture", submit=state != S.DRAFT
    )
    if state == S.DRAFT:
        return grant
    if state == S.INFO_REQUESTED:
        return grant_request_info(actor=officer, grant=grant, note="Which shop?")
    if state == S.DECLINED:
        return grant_decline(actor=officer, grant=grant, reason="Covered by the council.")
    if state == S.WITHDRAWN:
        return grant_withdraw(actor=kw, grant=grant)
    if state == S.SUBMITTED:
        return grant
    grant = grant_approve(actor=officer, grant=grant)
    if state == S.SECOND_APPROVAL:
        return grant
    grant = grant_approve(actor=officer2, grant=grant)
    if state == S.APPROVED:
        return grant
    if state == S.CANCELLED:
        return grant_cancel(actor=officer, grant=grant, reason="Bought elsewhere.")
    grant_record_payout(
        actor=officer,
        grant=grant,
        payee="Furniture Now",
        method="supplier",
        reference="BACS-1",
        paid_on=timezone.localdate(),
    )
    grant.refresh_from_db()
    if state == S.PAID:
        return grant
    document_upload(actor=kw, grant=grant, kind="receipt", upload=pdf())
    grant.refresh_from_db()
    if state == S.RECEIPT_RECEIVED:
        return grant
    return grant_close(actor=officer, grant=grant)
