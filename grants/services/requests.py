"""A key worker's request: made, changed, submitted or withdrawn, within the fund's caps."""

import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from djmoney.money import Money

from fund.models import ZERO, Account, CategoryCap, Fund, FundRules
from fund.money import AmountProblem, check_amount, format_gbp
from fund.services.reversal import entry_reverse
from fund.workflow import transition
from grants import notifications
from grants.exceptions import InvalidRequest, InvalidTransition, NotAllowed, OverCap
from grants.models import Grant, LineItem
from grants.services.agencies import client_get_or_create
from grants.services.checks import (
    COMMITTED,
    EDITABLE,
    S,
    agency_of,
    check_text,
    lock_grant,
    require_key_worker_of,
)


@dataclass(frozen=True)
class LineItemData:
    description: str
    amount: Money
    supplier: str = ""


def default_fund() -> Fund | None:
    """Grants come from the unrestricted fund unless an approver chooses another."""
    return Fund.objects.filter(kind=Fund.Kind.UNRESTRICTED, is_active=True).order_by("pk").first()


def _check_request_fields(*, category: Account, own_words: str, why_fund: str, line_items) -> Money:
    if not category.is_grant_category:
        raise InvalidRequest(f"{category.name} is not a grant category.")
    if not line_items:
        raise InvalidRequest("Add at least one item, with what it is and what it costs.")
    if not own_words.strip():
        raise InvalidRequest("Say, in the person's own words, what this will help them do.")
    if not why_fund.strip():
        raise InvalidRequest("Say why the fund is the right source.")
    check_text(**{"What this will help them do": own_words, "Why the fund": why_fund})
    total = ZERO
    for number, item in enumerate(line_items, start=1):
        if not item.description.strip():
            raise InvalidRequest(f"Item {number} needs a description.")
        amount = check_amount(
            item.amount,
            error=InvalidRequest,
            messages={
                AmountProblem.NOT_MONEY: "Amounts are in pounds sterling.",
                AmountProblem.NOT_STERLING: "Amounts are in pounds sterling.",
                AmountProblem.NOT_POSITIVE: f"Item {number} must cost more than £0.",
                AmountProblem.NOT_WHOLE_PENCE: f"Item {number} must be in pounds and pence.",
            },
        )
        check_text(
            **{f"Item {number}": item.description, f"Item {number}'s supplier": item.supplier}
        )
        total += amount
    return total


def _write_line_items(grant: Grant, line_items, actor) -> None:
    for item in line_items:
        row = LineItem(
            grant=grant,
            description=item.description.strip(),
            supplier=item.supplier.strip(),
            amount=item.amount,
        )
        row._history_user = actor
        row.save()


def grant_create(
    *,
    actor: AbstractBaseUser,
    client_reference: str,
    category: Account,
    urgency: str,
    own_words: str,
    why_fund: str,
    line_items: list[LineItemData],
    form_token: uuid.UUID | None = None,
    submit: bool = False,
) -> Grant:
    """Start a request as a draft (and submit it at once when ``submit``).

    ``form_token`` comes from the form: a second post of the same form (a double click, a
    resent request) returns the first request instead of making another.
    """
    if form_token is not None:
        existing = Grant.objects.filter(form_token=form_token).first()
        if existing is not None:
            return _same_requester(existing, actor)
    agency = agency_of(actor)
    if agency is None:
        raise NotAllowed("Only key workers linked to an agency can make requests.")
    if urgency not in Grant.Urgency.values:
        raise InvalidRequest("Say how urgent this is.")
    total = _check_request_fields(
        category=category, own_words=own_words, why_fund=why_fund, line_items=line_items
    )
    fund = default_fund()
    if fund is None:
        raise InvalidRequest("There is no active unrestricted fund to request from.")
    try:
        with transaction.atomic():
            client = client_get_or_create(actor=actor, reference=client_reference)
            grant = Grant(
                agency=agency,
                client=client,
                requester=actor,
                category=category,
                fund=fund,
                urgency=urgency,
                own_words=own_words.strip(),
                why_fund=why_fund.strip(),
                amount=total,
                form_token=form_token,
            )
            grant._history_user = actor
            grant.save()
            _write_line_items(grant, line_items, actor)
            if submit:
                grant = grant_submit(actor=actor, grant=grant)
    except IntegrityError:
        # The twin of a double-clicked post committed first: the unique form token made
        # this insert wait for it and then fail. Hand back the twin's request.
        existing = Grant.objects.filter(form_token=form_token).first() if form_token else None
        if existing is None:
            raise
        return _same_requester(existing, actor)
    return grant


def _same_requester(grant: Grant, actor) -> Grant:
    if grant.requester_id != actor.pk:
        raise NotAllowed("This form was already used by someone else; start a new request.")
    return grant


def grant_update(
    *,
    actor: AbstractBaseUser,
    grant: Grant,
    client_reference: str,
    category: Account,
    urgency: str,
    own_words: str,
    why_fund: str,
    line_items: list[LineItemData],
) -> Grant:
    """Change a draft, or a request sent back for more information."""
    require_key_worker_of(actor, grant)
    if urgency not in Grant.Urgency.values:
        raise InvalidRequest("Say how urgent this is.")
    total = _check_request_fields(
        category=category, own_words=own_words, why_fund=why_fund, line_items=line_items
    )
    with transaction.atomic():
        grant = lock_grant(grant)
        if grant.status not in EDITABLE:
            raise InvalidRequest(
                f"{grant.reference} is {grant.get_status_display().lower()} "
                "and can no longer be changed."
            )
        grant.client = client_get_or_create(actor=actor, reference=client_reference)
        grant.category = category
        grant.urgency = urgency
        grant.own_words = own_words.strip()
        grant.why_fund = why_fund.strip()
        grant.amount = total
        grant._history_user = actor
        grant.save()
        grant.line_items.all().delete()
        _write_line_items(grant, line_items, actor)
    return grant


def check_caps(grant: Grant, fund: Fund) -> None:
    """Refuse a request over its category cap, the per-grant cap or the per-client cap."""
    amount = grant.amount
    category_cap = CategoryCap.objects.filter(fund=fund, account=grant.category).first()
    if category_cap is not None and amount > category_cap.cap:
        raise OverCap(
            f"{grant.category_label} is capped at {format_gbp(category_cap.cap)} a grant; "
            f"this request is {format_gbp(amount)}."
        )
    rules = FundRules.objects.get(fund=fund)
    if amount > rules.per_grant_cap:
        raise OverCap(
            f"A single grant from {fund.name} is capped at {format_gbp(rules.per_grant_cap)}; "
            f"this request is {format_gbp(amount)}."
        )
    since = timezone.now() - timedelta(days=365)
    already = (
        Grant.objects.filter(client=grant.client, status__in=COMMITTED, approved_at__gte=since)
        .exclude(pk=grant.pk)
        .aggregate(total=Sum("amount"))["total"]
    )
    already = Money(already or 0, "GBP")
    if already + amount > rules.per_client_12_month_cap:
        raise OverCap(
            "Grants to one person are capped at "
            f"{format_gbp(rules.per_client_12_month_cap)} in 12 months; "
            f"{grant.client.reference} has had {format_gbp(already)}, "
            f"so this request of {format_gbp(amount)} is over the cap."
        )


def grant_submit(*, actor: AbstractBaseUser, grant: Grant, note: str = "") -> Grant:
    require_key_worker_of(actor, grant)
    if note:
        check_text(**{"The note": note})
    with transaction.atomic():
        locked = lock_grant(grant)
        if locked.status not in (S.DRAFT, S.INFO_REQUESTED):
            raise InvalidTransition(locked, S.SUBMITTED)
        if not locked.line_items.exists():
            raise InvalidRequest("Add at least one item before submitting.")
        check_caps(locked, locked.fund)
        grant = transition(
            locked,
            actor=actor,
            to=S.SUBMITTED,
            note=note,
            submitted_at=locked.submitted_at or timezone.now(),
        )
        notifications.new_request(grant)
    return grant


def grant_withdraw(*, actor: AbstractBaseUser, grant: Grant, note: str = "") -> Grant:
    """The key worker takes the request back; after approval the commitment is reversed."""
    require_key_worker_of(actor, grant)
    if note:
        check_text(**{"The note": note})
    with transaction.atomic():
        locked = lock_grant(grant)
        was_approved = locked.status == S.APPROVED
        grant = transition(locked, actor=actor, to=S.WITHDRAWN, note=note)
        if was_approved:
            reverse_approval(grant, actor, "withdrawn")
    return grant


def reverse_approval(grant: Grant, actor, why: str) -> None:
    entry_reverse(
        actor=actor,
        entry=grant.approval_entry,
        effective_date=timezone.localdate(),
        memo=f"Grant {grant.reference} {why}: commitment reversed",
        idempotency_key=f"grant:{grant.pk}:reverse",
    )
