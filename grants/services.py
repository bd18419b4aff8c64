"""Every write to grants: agencies, key workers, clients and the request workflow.

The workflow is ``Grant.Status`` plus ``Grant.ALLOWED_TRANSITIONS``;
``fund.workflow.transition`` is the one place a status changes. It re-reads the row under
``select_for_update`` so two people acting on the same request at once are serialised: the
second sees the first's result and is refused by the table rather than acting on a stale
status.
"""

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from djmoney.money import Money

from fund.bank_share import bank_share
from fund.models import ZERO, Account, CategoryCap, Fund, FundRules
from fund.money import AmountProblem, amount_problem, check_amount, format_gbp
from fund.services import Leg, entry_post, entry_reverse
from fund.workflow import transition
from grants import notifications
from grants.exceptions import (
    BankShareShort,
    InvalidRequest,
    InvalidTransition,
    InvalidUpload,
    NotAllowed,
    OverCap,
    PersonalDataFound,
)
from grants.identifiers import find_identifiers
from grants.models import (
    Agency,
    Approval,
    Client,
    Document,
    Grant,
    KeyWorker,
    LineItem,
    Outcome,
    Payout,
)
from people.access import has_role
from people.models import PersonChange
from people.roles import HANDLER_ROLES, Role
from people.services import change_record, person_deactivate

S = Grant.Status

ALLOWED_TRANSITIONS = Grant.ALLOWED_TRANSITIONS

EDITABLE = {S.DRAFT, S.INFO_REQUESTED}
AWAITING_DECISION = {S.SUBMITTED, S.SECOND_APPROVAL}
COMMITTED = {S.APPROVED, S.PAID, S.RECEIPT_RECEIVED, S.CLOSED}
QUOTE_STATES = {S.DRAFT, S.SUBMITTED, S.INFO_REQUESTED, S.SECOND_APPROVAL}
RECEIPT_STATES = {S.PAID, S.RECEIPT_RECEIVED}
OUTCOME_STATES = {S.PAID, S.RECEIPT_RECEIVED, S.CLOSED}

MEGABYTE = 1024 * 1024


def upload_limit_bytes() -> int:
    """The largest quote or receipt accepted, per file (settings.MAX_UPLOAD_BYTES)."""
    return settings.MAX_UPLOAD_BYTES


def megabytes(size: int) -> str:
    """A size in MB to one decimal place, rounded up so that a file even one byte over the
    limit never reads as the limit: 10,485,760 bytes is "10 MB", 10,485,761 "10.1 MB"."""
    tenths = -(-size * 10 // MEGABYTE)
    return f"{tenths // 10}.{tenths % 10}".removesuffix(".0") + " MB"


def upload_too_large(size: int) -> str | None:
    """Why a file of ``size`` bytes is refused, or None when it is within the limit."""
    limit = upload_limit_bytes()
    if size <= limit:
        return None
    return f"The file must be {megabytes(limit)} or smaller; this one is {megabytes(size)}."


# The first bytes of each accepted file type: the content decides, never the file's name.
MAGIC_BYTES = [
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
]


@dataclass(frozen=True)
class LineItemData:
    description: str
    amount: Money
    supplier: str = ""


# --- helpers -------------------------------------------------------------------------


def _is_staff_decider(user) -> bool:
    return has_role(user, *HANDLER_ROLES)


def _require_decider(actor) -> None:
    if not _is_staff_decider(actor):
        raise NotAllowed("Only fund officers and fund managers can do this.")


def agency_of(user) -> Agency | None:
    """The agency a key worker works for, or None for anyone else."""
    if not has_role(user, Role.KEY_WORKER):
        return None
    profile = KeyWorker.objects.select_related("agency").filter(user=user).first()
    return profile.agency if profile else None


def _require_key_worker_of(actor, grant: Grant) -> None:
    if agency_of(actor) is None or agency_of(actor).pk != grant.agency_id:
        raise NotAllowed("Only a key worker at the requesting agency can do this.")


def _check_text(**fields: str) -> None:
    """Refuse free text that carries an obvious personal identifier."""
    for label, text in fields.items():
        kinds = find_identifiers(text)
        if kinds:
            raise PersonalDataFound(label, kinds)


def _require_note(note: str, what: str) -> str:
    note = (note or "").strip()
    if not note:
        raise InvalidRequest(f"Give {what}.")
    _check_text(**{"The note": note})
    return note


def _locked(grant: Grant) -> Grant:
    return (
        Grant.objects.select_for_update()
        .select_related("fund", "category", "client")
        .get(pk=grant.pk)
    )


def _money(value: Money) -> Money:
    if amount_problem(value, positive=False) in NOT_STERLING:
        raise InvalidRequest("Amounts are in pounds sterling.")
    return value


NOT_STERLING = (AmountProblem.NOT_MONEY, AmountProblem.NOT_STERLING)


# --- agencies, key workers, clients --------------------------------------------------


def agency_create(*, actor: AbstractBaseUser, name: str) -> Agency:
    with transaction.atomic():
        agency = Agency(name=name.strip())
        agency._history_user = actor
        agency.full_clean()
        agency.save()
    return agency


def agency_update(*, actor: AbstractBaseUser, agency: Agency, name: str, is_active: bool) -> Agency:
    with transaction.atomic():
        agency = Agency.objects.select_for_update().get(pk=agency.pk)
        agency.name = name.strip()
        agency.is_active = is_active
        agency._history_user = actor
        agency.full_clean()
        agency.save()
    return agency


def key_worker_set(
    *, actor: AbstractBaseUser, user: AbstractBaseUser, agency: Agency, job_title: str = ""
) -> KeyWorker:
    """Make ``user`` a key worker at ``agency`` (moving them if they were elsewhere)."""
    with transaction.atomic():
        profile = KeyWorker.objects.select_for_update().filter(user=user).first() or KeyWorker(
            user=user
        )
        profile.agency = agency
        profile.job_title = job_title
        profile._history_user = actor
        profile.save()
    return profile


CLOSED_STATES = {S.DECLINED, S.CLOSED, S.WITHDRAWN, S.CANCELLED}


def key_worker_deactivate(
    *, actor: AbstractBaseUser, person: AbstractBaseUser, successor: AbstractBaseUser | None
) -> int:
    """Deactivate ``person``; a key worker's open requests (and their clients) pass to
    ``successor``, a key worker of the same agency. Returns how many requests moved."""
    profile = KeyWorker.objects.filter(user=person).select_related("agency").first()
    with transaction.atomic():
        moved = 0
        if profile is not None:
            open_grants = (
                Grant.objects.select_for_update()
                .filter(requester=person)
                .exclude(status__in=CLOSED_STATES)
            )
            if open_grants.exists() or Client.objects.filter(key_worker=person).exists():
                if successor is None or successor.pk == person.pk:
                    raise NotAllowed("Choose the key worker who takes over the open requests.")
                other = KeyWorker.objects.filter(user=successor, user__is_active=True).first()
                if other is None or other.agency_id != profile.agency_id:
                    raise NotAllowed(
                        f"The open requests can pass only to a key worker of {profile.agency}."
                    )
                for grant in open_grants:
                    grant.requester = successor
                    grant._history_user = actor
                    grant.save(update_fields=["requester"])
                    moved += 1
                for client in Client.objects.select_for_update().filter(key_worker=person):
                    client.key_worker = successor
                    client._history_user = actor
                    client.save(update_fields=["key_worker"])
                change_record(
                    actor=actor,
                    person=person,
                    kind=PersonChange.Kind.REQUESTS_PASSED,
                    detail=f"{moved} open request(s) to {successor.get_username()}",
                )
        person_deactivate(actor=actor, person=person)
    return moved


def _valid_reference(reference: str) -> str:
    reference = (reference or "").strip()
    if not reference:
        raise InvalidRequest("Enter the client's reference at your agency.")
    if len(reference) > 40:
        raise InvalidRequest("A client reference is at most 40 characters.")
    _check_text(**{"The client reference": reference})
    # A reference is a code such as CLT-0042; a name has no digits, so insisting on one
    # keeps names out.
    if not any(ch.isdigit() for ch in reference) or not all(
        ch.isalnum() or ch in "-/_. " for ch in reference
    ):
        raise InvalidRequest(
            "Use your agency's own client reference (letters and numbers, such as CLT-0042), "
            "never the person's name."
        )
    return reference


def client_get_or_create(*, actor: AbstractBaseUser, reference: str) -> Client:
    """The acting key worker's agency's client with this reference, created if new."""
    agency = agency_of(actor)
    if agency is None:
        raise NotAllowed("Only key workers linked to an agency can add clients.")
    reference = _valid_reference(reference)
    with transaction.atomic():
        client = Client.objects.filter(agency=agency, reference__iexact=reference).first()
        if client is None:
            client = Client(agency=agency, reference=reference, key_worker=actor)
            client._history_user = actor
            client.save()
    return client


# --- requests ------------------------------------------------------------------------


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
    _check_text(**{"What this will help them do": own_words, "Why the fund": why_fund})
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
        _check_text(
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
    _require_key_worker_of(actor, grant)
    if urgency not in Grant.Urgency.values:
        raise InvalidRequest("Say how urgent this is.")
    total = _check_request_fields(
        category=category, own_words=own_words, why_fund=why_fund, line_items=line_items
    )
    with transaction.atomic():
        grant = _locked(grant)
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
    _require_key_worker_of(actor, grant)
    if note:
        _check_text(**{"The note": note})
    with transaction.atomic():
        locked = _locked(grant)
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
    _require_key_worker_of(actor, grant)
    if note:
        _check_text(**{"The note": note})
    with transaction.atomic():
        locked = _locked(grant)
        was_approved = locked.status == S.APPROVED
        grant = transition(locked, actor=actor, to=S.WITHDRAWN, note=note)
        if was_approved:
            _reverse_approval(grant, actor, "withdrawn")
    return grant


def _reverse_approval(grant: Grant, actor, why: str) -> None:
    entry_reverse(
        actor=actor,
        entry=grant.approval_entry,
        effective_date=timezone.localdate(),
        memo=f"Grant {grant.reference} {why}: commitment reversed",
        idempotency_key=f"grant:{grant.pk}:reverse",
    )


def grant_request_info(*, actor: AbstractBaseUser, grant: Grant, note: str) -> Grant:
    """Send the request back to the key worker; any first approval must be given again."""
    _require_decider(actor)
    note = _require_note(note, "the information you need")
    with transaction.atomic():
        grant = transition(grant, actor=actor, to=S.INFO_REQUESTED, note=note)
        Approval.objects.filter(grant=grant, superseded=False).update(superseded=True)
        notifications.information_requested(grant)
    return grant


def approvals_needed(grant: Grant, fund: Fund | None = None) -> int:
    rules = FundRules.objects.get(fund=fund or grant.fund)
    return 2 if grant.amount > rules.two_approver_threshold else 1


def current_approvers(grant: Grant) -> list[int]:
    return list(
        Approval.objects.filter(grant=grant, superseded=False).values_list("approver_id", flat=True)
    )


def _check_fund_fits(fund: Fund, on: date) -> None:
    if not fund.is_active:
        raise InvalidRequest(f"{fund.name} is closed to new grants.")
    if fund.kind == Fund.Kind.RESTRICTED and (
        (fund.period_start and on < fund.period_start) or (fund.period_end and on > fund.period_end)
    ):
        raise InvalidRequest(
            f"{fund.name} only pays for grants from {fund.period_start:%-d %b %Y} "
            f"to {fund.period_end:%-d %b %Y}."
        )


def grant_approve(
    *, actor: AbstractBaseUser, grant: Grant, fund: Fund | None = None, note: str = ""
) -> Grant:
    """Approve; above the fund's threshold the first approval waits for a second person.

    The final approval posts the commitment (Dr the category, Cr grants payable) as a
    discretionary entry: ``fund.exceptions.InsufficientFunds`` rolls everything back
    when the fund cannot cover it.
    """
    _require_decider(actor)
    if note:
        _check_text(**{"The note": note})
    with transaction.atomic():
        locked = _locked(grant)
        if locked.status not in AWAITING_DECISION:
            raise InvalidTransition(locked, S.APPROVED)
        if locked.requester_id == actor.pk:
            raise NotAllowed("You made this request, so you cannot approve it.")
        approvers = current_approvers(locked)
        if actor.pk in approvers:
            raise NotAllowed(
                "You have already approved this request; "
                "a different person must give the second approval."
            )
        if locked.status == S.SECOND_APPROVAL:
            if fund is not None and fund.pk != locked.fund_id:
                raise InvalidRequest(
                    f"The first approver chose {locked.fund.name}; "
                    "ask for more information to change the fund."
                )
            fund = locked.fund
        fund = fund or locked.fund
        today = timezone.localdate()
        _check_fund_fits(fund, today)
        check_caps(locked, fund)
        if fund.pk != locked.fund_id:
            locked.fund = fund
            locked._history_user = actor
            locked.save(update_fields=["fund"])
        approval = Approval(grant=locked, approver=actor)
        approval._history_user = actor
        approval.save()

        if len(approvers) + 1 < approvals_needed(locked, fund):
            return transition(locked, actor=actor, to=S.SECOND_APPROVAL, note=note)

        entry = entry_post(
            actor=actor,
            effective_date=today,
            memo=f"Grant {locked.reference} approved",
            source=f"grants.Grant:{locked.pk}",
            legs=[
                Leg(
                    fund=fund,
                    debit=locked.category.code,
                    credit="liabilities:grants-payable",
                    amount=locked.amount,
                )
            ],
            idempotency_key=f"grant:{locked.pk}:approve",
            discretionary=True,
        )
        now = timezone.now()
        grant = transition(
            locked,
            actor=actor,
            to=S.APPROVED,
            note=note,
            approval_entry=entry,
            decided_at=now,
            approved_at=now,
        )
        notifications.decided(grant)
    return grant


def grant_decline(*, actor: AbstractBaseUser, grant: Grant, reason: str) -> Grant:
    _require_decider(actor)
    reason = _require_note(reason, "the reason for declining")
    with transaction.atomic():
        grant = transition(
            grant, actor=actor, to=S.DECLINED, note=reason, decided_at=timezone.now()
        )
        notifications.decided(grant)
    return grant


def grant_cancel(*, actor: AbstractBaseUser, grant: Grant, reason: str) -> Grant:
    """An approved grant that will not be paid: the commitment is reversed in the ledger."""
    _require_decider(actor)
    reason = _require_note(reason, "the reason for cancelling")
    with transaction.atomic():
        grant = transition(grant, actor=actor, to=S.CANCELLED, note=reason)
        _reverse_approval(grant, actor, "cancelled")
        notifications.decided(grant)
    return grant


def grant_record_payout(
    *,
    actor: AbstractBaseUser,
    grant: Grant,
    payee: str,
    method: str,
    reference: str,
    paid_on: date,
    amount: Money | None = None,
) -> Payout:
    """Record how the grant was paid and post it (Dr grants payable, Cr bank).

    Paying less than was approved returns the difference to the fund with a new entry
    that reverses that much of the commitment.
    """
    _require_decider(actor)
    if method not in Payout.Method.values:
        raise InvalidRequest("Choose how it was paid: the fund never pays cash to the person.")
    payee, reference = payee.strip(), reference.strip()
    if not payee or not reference:
        raise InvalidRequest("Give the payee and the payment reference.")
    _check_text(**{"The payee": payee, "The reference": reference})
    if paid_on > timezone.localdate():
        raise InvalidRequest("The payment date cannot be in the future.")
    with transaction.atomic():
        locked = _locked(grant)
        if locked.status != S.APPROVED:
            raise InvalidTransition(locked, S.PAID)
        approvers = set(current_approvers(locked))
        if approvers == {actor.pk}:
            raise NotAllowed(
                "You were the only approver of this grant, so someone else must record its payment."
            )
        amount = _money(amount) if amount is not None else locked.amount
        if amount.amount <= 0 or amount > locked.amount:
            raise InvalidRequest(
                "The payment must be more than £0 and at most the "
                f"{format_gbp(locked.amount)} approved."
            )
        # The fund row lock (taken again by entry_post) keeps two payments from both
        # passing the bank-share check against the same balance.
        fund = Fund.objects.select_for_update().get(pk=locked.fund_id)
        share = bank_share(fund)
        if share.shortfall(amount).amount > 0:
            raise BankShareShort(fund_name=fund.name, payment=amount, share=share)
        entry = entry_post(
            actor=actor,
            effective_date=paid_on,
            memo=f"Grant {locked.reference} paid",
            source=f"grants.Grant:{locked.pk}",
            legs=[
                Leg(
                    fund=fund,
                    debit="liabilities:grants-payable",
                    credit="assets:bank",
                    amount=amount,
                )
            ],
            idempotency_key=f"grant:{locked.pk}:pay",
        )
        underspend = locked.amount - amount
        if underspend.amount > 0:
            entry_post(
                actor=actor,
                effective_date=paid_on,
                memo=f"Grant {locked.reference} underspend returned",
                source=f"grants.Grant:{locked.pk}",
                legs=[
                    Leg(
                        fund=fund,
                        debit="liabilities:grants-payable",
                        credit=locked.category.code,
                        amount=underspend,
                    )
                ],
                idempotency_key=f"grant:{locked.pk}:underspend",
            )
        payout = Payout(
            grant=locked,
            payee=payee,
            method=method,
            reference=reference,
            paid_on=paid_on,
            amount=amount,
            recorded_by=actor,
            entry=entry,
        )
        payout._history_user = actor
        payout.save()
        grant = transition(
            locked,
            actor=actor,
            to=S.PAID,
            paid_at=timezone.now(),
            note=f"Paid {format_gbp(amount)} to {payee} ({Payout.Method(method).label.lower()})",
        )
        notifications.paid(grant)
    return payout


def _sniff(upload: UploadedFile) -> tuple[str, str]:
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for magic, content_type, extension in MAGIC_BYTES:
        if head.startswith(magic):
            return content_type, extension
    raise InvalidUpload(
        "The file must be a PDF, JPEG or PNG (checked by its content, not its name)."
    )


def document_upload(
    *, actor: AbstractBaseUser, grant: Grant, kind: str, upload: UploadedFile
) -> Document:
    """Store a quote or receipt privately; the first receipt moves a paid grant on."""
    is_key_worker = agency_of(actor) is not None and agency_of(actor).pk == grant.agency_id
    if not (is_key_worker or _is_staff_decider(actor)):
        raise NotAllowed("Only the requesting agency or fund staff can add documents.")
    if kind not in Document.Kind.values:
        raise InvalidUpload("Say whether this is a quote or a receipt.")
    if upload.size == 0:
        raise InvalidUpload("The file is empty.")
    if too_large := upload_too_large(upload.size):
        raise InvalidUpload(too_large)
    content_type, extension = _sniff(upload)
    with transaction.atomic():
        locked = _locked(grant)
        allowed = QUOTE_STATES if kind == Document.Kind.QUOTE else RECEIPT_STATES
        if locked.status not in allowed:
            raise InvalidUpload(
                f"A {kind} cannot be added while the request is "
                f"{locked.get_status_display().lower()}."
            )
        number = Document.objects.filter(grant=locked, kind=kind).count() + 1
        document = Document(
            grant=locked,
            kind=kind,
            display_name=f"{kind}-{locked.reference}-{number}{extension}",
            content_type=content_type,
            size=upload.size,
            uploaded_by=actor,
        )
        document.file.save(f"upload{extension}", upload, save=False)
        document._history_user = actor
        document.save()
        if kind == Document.Kind.RECEIPT and locked.status == S.PAID:
            transition(locked, actor=actor, to=S.RECEIPT_RECEIVED, note="Receipt uploaded")
    return document


def grant_record_outcome(
    *,
    actor: AbstractBaseUser,
    grant: Grant,
    barrier_removed: str,
    note: str = "",
    consent_to_share: bool = False,
) -> Outcome:
    _require_key_worker_of(actor, grant)
    if barrier_removed not in Outcome.BarrierRemoved.values:
        raise InvalidRequest("Say whether the barrier was removed.")
    _check_text(**{"The note": note})
    with transaction.atomic():
        locked = _locked(grant)
        if locked.status not in OUTCOME_STATES:
            raise InvalidRequest("An outcome can be recorded once the grant has been paid.")
        if Outcome.objects.filter(grant=locked).exists():
            raise InvalidRequest("The outcome of this grant has already been recorded.")
        outcome = Outcome(
            grant=locked,
            barrier_removed=barrier_removed,
            note=note.strip(),
            consent_to_share=consent_to_share,
            recorded_by=actor,
        )
        outcome._history_user = actor
        outcome.save()
    return outcome


def grant_close(*, actor: AbstractBaseUser, grant: Grant, note: str = "") -> Grant:
    _require_decider(actor)
    if note:
        _check_text(**{"The note": note})
    with transaction.atomic():
        return transition(grant, actor=actor, to=S.CLOSED, note=note)
