"""Build a request in any state through the services, as the people who would act."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from grants import services
from grants.models import Grant
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
        return services.grant_request_info(actor=officer, grant=grant, note="Which shop?")
    if state == S.DECLINED:
        return services.grant_decline(actor=officer, grant=grant, reason="Covered by the council.")
    if state == S.WITHDRAWN:
        return services.grant_withdraw(actor=kw, grant=grant)
    if state == S.SUBMITTED:
        return grant
    grant = services.grant_approve(actor=officer, grant=grant)
    if state == S.SECOND_APPROVAL:
        return grant
    grant = services.grant_approve(actor=officer2, grant=grant)
    if state == S.APPROVED:
        return grant
    if state == S.CANCELLED:
        return services.grant_cancel(actor=officer, grant=grant, reason="Bought elsewhere.")
    services.grant_record_payout(
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
    services.document_upload(actor=kw, grant=grant, kind="receipt", upload=pdf())
    grant.refresh_from_db()
    if state == S.RECEIPT_RECEIVED:
        return grant
    return services.grant_close(actor=officer, grant=grant)
