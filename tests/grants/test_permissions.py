"""What each person may do with a request, read from one object (grants.access).

The rules, written out:
- the agency's own key worker edits a draft or a request sent back for information,
  withdraws it while the workflow allows (from draft up to approved, not once paid),
  uploads quotes before a decision and receipts once paid, and records the outcome once
  paid, one time;
- a fund officer or manager decides while a request awaits a decision, uploads quotes and
  receipts at the same stages, pays an approved request and closes one with its receipt;
- a key worker of another agency may do nothing with it;
- the requester is told they cannot approve; an approver is told they already have.
"""

from dataclasses import asdict

from grants.access import GrantPermissions
from grants.models import Grant
from tests.grants.conftest import make_grant
from tests.grants.states import grant_in

S = Grant.Status

NOTHING = {
    "is_own_agency": False,
    "can_decide": False,
    "can_edit": False,
    "can_withdraw": False,
    "can_upload_quote": False,
    "can_upload_receipt": False,
    "can_record_outcome": False,
    "awaiting_decision": False,
    "already_approved": False,
    "is_requester": False,
    "can_pay": False,
    "sole_approver": False,
    "can_close": False,
}


def flags(grant, user) -> dict:
    return asdict(GrantPermissions.for_user(grant, user))


def test_the_own_key_worker_edits_withdraws_and_adds_quotes_to_a_draft(kw, kw2, funded):
    draft = make_grant(kw, submit=False)

    assert flags(draft, kw) == NOTHING | {
        "is_own_agency": True,
        "can_edit": True,
        "can_withdraw": True,
        "can_upload_quote": True,
        "is_requester": True,
    }
    assert flags(draft, kw2) == NOTHING


def test_a_colleague_at_the_same_agency_may_act_but_is_not_the_requester(kw, colleague, funded):
    draft = make_grant(kw, submit=False)

    assert flags(draft, colleague) == NOTHING | {
        "is_own_agency": True,
        "can_edit": True,
        "can_withdraw": True,
        "can_upload_quote": True,
    }


def test_an_officer_decides_a_submitted_request(kw, officer, funded):
    grant = make_grant(kw)

    assert flags(grant, officer) == NOTHING | {
        "can_decide": True,
        "can_upload_quote": True,
        "awaiting_decision": True,
    }
    # The key worker can no longer change it, but may still withdraw it and add quotes.
    assert flags(grant, kw) == NOTHING | {
        "is_own_agency": True,
        "can_withdraw": True,
        "can_upload_quote": True,
        "is_requester": True,
    }


def test_the_first_approver_is_the_sole_approver_until_a_second_approves(
    kw, officer, officer2, manager, funded
):
    grant = grant_in(S.SECOND_APPROVAL, kw=kw, officer=officer, officer2=officer2, manager=manager)

    assert flags(grant, officer) == NOTHING | {
        "can_decide": True,
        "can_upload_quote": True,
        "awaiting_decision": True,
        "already_approved": True,
        "sole_approver": True,
    }
    assert flags(grant, officer2) == NOTHING | {
        "can_decide": True,
        "can_upload_quote": True,
        "awaiting_decision": True,
    }


def test_an_approved_request_is_paid_by_an_officer(kw, officer, officer2, manager, funded):
    grant = grant_in(S.APPROVED, kw=kw, officer=officer, officer2=officer2, manager=manager)

    assert flags(grant, manager) == NOTHING | {"can_decide": True, "can_pay": True}
    assert flags(grant, officer) == NOTHING | {
        "can_decide": True,
        "can_pay": True,
        "already_approved": True,
    }
    # The key worker may still withdraw it: the approval's commitment is reversed.
    assert flags(grant, kw) == NOTHING | {
        "is_own_agency": True,
        "can_withdraw": True,
        "is_requester": True,
    }


def test_once_paid_the_key_worker_adds_the_receipt_and_the_outcome(
    kw, kw2, officer, officer2, manager, funded
):
    grant = grant_in(S.PAID, kw=kw, officer=officer, officer2=officer2, manager=manager)

    assert flags(grant, kw) == NOTHING | {
        "is_own_agency": True,
        "can_upload_receipt": True,
        "can_record_outcome": True,
        "is_requester": True,
    }
    assert flags(grant, manager) == NOTHING | {"can_decide": True, "can_upload_receipt": True}
    assert flags(grant, kw2) == NOTHING


def test_with_its_receipt_an_officer_closes_it(kw, officer, officer2, manager, funded):
    grant = grant_in(S.RECEIPT_RECEIVED, kw=kw, officer=officer, officer2=officer2, manager=manager)

    assert flags(grant, manager) == NOTHING | {
        "can_decide": True,
        "can_upload_receipt": True,
        "can_close": True,
    }


def test_a_closed_request_allows_only_the_outcome(kw, officer, officer2, manager, funded):
    grant = grant_in(S.CLOSED, kw=kw, officer=officer, officer2=officer2, manager=manager)

    assert flags(grant, kw) == NOTHING | {
        "is_own_agency": True,
        "can_record_outcome": True,
        "is_requester": True,
    }
    assert flags(grant, manager) == NOTHING | {"can_decide": True}
