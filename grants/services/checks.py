"""The guards and status sets the grant services share: who may act, which statuses allow
what, free text checked for personal identifiers, and the request's row lock."""

from grants.exceptions import InvalidRequest, NotAllowed, PersonalDataFound
from grants.identifiers import find_identifiers
from grants.models import Agency, Grant, KeyWorker
from people.access import has_role
from people.roles import HANDLER_ROLES, Role

S = Grant.Status

ALLOWED_TRANSITIONS = Grant.ALLOWED_TRANSITIONS

EDITABLE = {S.DRAFT, S.INFO_REQUESTED}
AWAITING_DECISION = {S.SUBMITTED, S.SECOND_APPROVAL}
COMMITTED = {S.APPROVED, S.PAID, S.RECEIPT_RECEIVED, S.CLOSED}
QUOTE_STATES = {S.DRAFT, S.SUBMITTED, S.INFO_REQUESTED, S.SECOND_APPROVAL}
RECEIPT_STATES = {S.PAID, S.RECEIPT_RECEIVED}
OUTCOME_STATES = {S.PAID, S.RECEIPT_RECEIVED, S.CLOSED}
CLOSED_STATES = {S.DECLINED, S.CLOSED, S.WITHDRAWN, S.CANCELLED}


def is_staff_decider(user) -> bool:
    return has_role(user, *HANDLER_ROLES)


def require_decider(actor) -> None:
    if not is_staff_decider(actor):
        raise NotAllowed("Only fund officers and fund managers can do this.")


def agency_of(user) -> Agency | None:
    """The agency a key worker works for, or None for anyone else."""
    if not has_role(user, Role.KEY_WORKER):
        return None
    profile = KeyWorker.objects.select_related("agency").filter(user=user).first()
    return profile.agency if profile else None


def require_key_worker_of(actor, grant: Grant) -> None:
    if agency_of(actor) is None or agency_of(actor).pk != grant.agency_id:
        raise NotAllowed("Only a key worker at the requesting agency can do this.")


def check_text(**fields: str) -> None:
    """Refuse free text that carries an obvious personal identifier."""
    for label, text in fields.items():
        kinds = find_identifiers(text)
        if kinds:
            raise PersonalDataFound(label, kinds)


def require_note(note: str, what: str) -> str:
    note = (note or "").strip()
    if not note:
        raise InvalidRequest(f"Give {what}.")
    check_text(**{"The note": note})
    return note


def lock_grant(grant: Grant) -> Grant:
    return (
        Grant.objects.select_for_update()
        .select_related("fund", "category", "client")
        .get(pk=grant.pk)
    )
