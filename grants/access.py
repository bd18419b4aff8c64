"""What one person may do with one grant request: the flags the request's page reads.

Who may open a grant at all is `grants.views.requests.grant_for` (scope: a key worker sees
their own agency's requests); this is what they may do once it is open.
"""

from dataclasses import dataclass

from grants.models import Grant
from grants.services.checks import (
    AWAITING_DECISION,
    EDITABLE,
    OUTCOME_STATES,
    QUOTE_STATES,
    RECEIPT_STATES,
    agency_of,
)
from grants.services.decisions import current_approvers
from people.access import has_role
from people.roles import HANDLER_ROLES

S = Grant.Status


@dataclass(frozen=True)
class GrantPermissions:
    is_own_agency: bool  # the user is a key worker of the grant's agency
    can_decide: bool  # a fund officer or manager
    can_edit: bool
    can_withdraw: bool
    can_upload_quote: bool
    can_upload_receipt: bool
    can_record_outcome: bool
    awaiting_decision: bool  # the decision section is shown
    already_approved: bool  # the user's approval is on the current round
    is_requester: bool
    can_pay: bool
    sole_approver: bool  # the user is the only approver so far
    can_close: bool

    @classmethod
    def for_user(cls, grant: Grant, user) -> "GrantPermissions":
        agency = agency_of(user)
        own = agency is not None and agency.pk == grant.agency_id
        decide = has_role(user, *HANDLER_ROLES)
        approvers = current_approvers(grant)
        status = grant.status
        return cls(
            is_own_agency=own,
            can_decide=decide,
            can_edit=own and status in EDITABLE,
            can_withdraw=own and S.WITHDRAWN in Grant.ALLOWED_TRANSITIONS[status],
            can_upload_quote=(own or decide) and status in QUOTE_STATES,
            can_upload_receipt=(own or decide) and status in RECEIPT_STATES,
            can_record_outcome=own and status in OUTCOME_STATES and not hasattr(grant, "outcome"),
            awaiting_decision=decide and status in AWAITING_DECISION,
            already_approved=user.pk in approvers,
            is_requester=grant.requester_id == user.pk,
            can_pay=decide and status == S.APPROVED,
            sole_approver=set(approvers) == {user.pk},
            can_close=decide and status == S.RECEIPT_RECEIVED,
        )
