"""Pledges from funders, the request letter, and money received against a pledge."""

from datetime import date
from io import BytesIO

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from djmoney.money import Money

from donations.exceptions import ContributionError
from donations.models.contributions import ContributionReceipt, Pledge
from fund.models import Fund
from fund.money import format_gbp
from fund.services.posting import Leg, entry_post
from people.access import has_role
from people.roles import HANDLER_ROLES, Role


def _positive(amount: Money) -> Money:
    if amount.currency.code != "GBP" or amount.amount <= 0:
        raise ContributionError("The amount must be more than £0.00.")
    return amount


def pledge_record(
    *,
    actor: AbstractBaseUser,
    funder: str,
    fund: Fund,
    amount: Money,
    purpose: str,
    period_start: date,
    period_end: date,
    reference: str,
) -> Pledge:
    if not has_role(actor, Role.FUND_MANAGER):
        raise ContributionError("Only a fund manager records a pledge.")
    if period_end < period_start:
        raise ContributionError("The period must end on or after its start.")
    if Pledge.objects.filter(reference=reference.strip()).exists():
        raise ContributionError(f"A pledge with reference {reference.strip()} exists already.")
    with transaction.atomic():
        pledge = Pledge(
            funder=funder.strip(),
            fund=fund,
            amount=_positive(amount),
            purpose=purpose.strip() or fund.purpose,
            period_start=period_start,
            period_end=period_end,
            reference=reference.strip(),
            created_by=actor,
        )
        pledge._history_user = actor
        pledge.save()
    return pledge


def contribution_receipt_record(
    *, actor: AbstractBaseUser, pledge: Pledge, amount: Money, received_on: date, bank_line=None
) -> ContributionReceipt:
    """Record money received against ``pledge`` and post it to the pledge's fund.

    ``bank_line`` is the statement line it was matched on (banking's reconciliation), or
    None when recorded by hand. The same line twice returns the first receipt.
    """
    if not has_role(actor, *HANDLER_ROLES):
        raise ContributionError("Only a fund officer or manager records money received.")
    _positive(amount)
    line_id = getattr(bank_line, "pk", None)
    with transaction.atomic():
        if line_id is not None:
            existing = ContributionReceipt.objects.filter(bank_line_id=line_id).first()
            if existing is not None:
                return existing
        entry = entry_post(
            actor=actor,
            effective_date=received_on,
            memo=f"Contribution from {pledge.funder} ({pledge.reference})",
            source=f"donations.Pledge:{pledge.pk}",
            legs=[
                Leg(
                    fund=pledge.fund,
                    debit="assets:bank",
                    credit="income:contributions",
                    amount=amount,
                )
            ],
            idempotency_key=f"contribution:bank-line:{line_id}" if line_id else None,
        )
        return ContributionReceipt.objects.create(
            pledge=pledge,
            amount=amount,
            received_on=received_on,
            entry=entry,
            bank_line_id=line_id,
            recorded_by=actor,
        )


def pledge_letter_pdf(pledge: Pledge) -> bytes:
    """The letter asking the funder for the pledged money, as a PDF."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    buffer = BytesIO()
    styles = getSampleStyleSheet()
    fmt = "%-d %b %Y"
    body = [
        Paragraph("Changing Lives Fund", styles["Title"]),
        Paragraph(f"To: {pledge.funder}", styles["Normal"]),
        Paragraph(f"Our reference: {pledge.reference}", styles["Normal"]),
        Spacer(1, 12),
        Paragraph("Request for payment of your contribution", styles["Heading2"]),
        Paragraph(
            f"Thank you for your pledge of {format_gbp(pledge.amount)} to the "
            f"{pledge.fund.name} fund for {pledge.period_start.strftime(fmt)} to "
            f"{pledge.period_end.strftime(fmt)}.",
            styles["Normal"],
        ),
        Spacer(1, 6),
        Paragraph(
            f"Purpose: {pledge.purpose}"
            if pledge.fund.kind == Fund.Kind.RESTRICTED
            else "The contribution is unrestricted: it supports the fund's work as a whole.",
            styles["Normal"],
        ),
        Spacer(1, 6),
        Paragraph(
            f"Please pay {format_gbp(pledge.amount)} quoting the reference "
            f"{pledge.reference}, so we can match your payment on our bank statement.",
            styles["Normal"],
        ),
    ]
    SimpleDocTemplate(buffer, pagesize=A4, title=f"Contribution request {pledge.reference}").build(
        body
    )
    return buffer.getvalue()
