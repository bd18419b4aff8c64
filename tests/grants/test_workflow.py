import pytest
from django.utils import timezone

from fund.workflow import transition
from grants.exceptions import GrantError
from grants.models import Grant, GrantEvent
from grants.services.checks import ALLOWED_TRANSITIONS
from grants.services.decisions import grant_approve, grant_cancel, grant_decline, grant_request_info
from grants.services.documents import document_upload
from grants.services.payments import grant_close, grant_record_payout
from grants.services.requests import grant_submit, grant_withdraw
from tests.grants.conftest import make_grant
from tests.grants.states import S, grant_in, pdf

# Each action, done by the person who would do it.
ACTIONS = {
    "submit": lambda g, p: grant_submit(actor=p["kw"], grant=g),
    "withdraw": lambda g, p: grant_withdraw(actor=p["kw"], grant=g),
    "request_info": lambda g, p: grant_request_info(actor=p["officer"], grant=g, note="Why?"),
    "approve": lambda g, p: grant_approve(actor=p["manager"], grant=g),
    "decline": lambda g, p: grant_decline(actor=p["officer"], grant=g, reason="No."),
    "cancel": lambda g, p: grant_cancel(actor=p["officer"], grant=g, reason="Not needed."),
    "pay": lambda g, p: grant_record_payout(
        actor=p["manager"],
        grant=g,
        payee="Shop",
        method="voucher",
        reference="V1",
        paid_on=timezone.localdate(),
    ),
    "receipt": lambda g, p: document_upload(actor=p["kw"], grant=g, kind="receipt", upload=pdf()),
    "close": lambda g, p: grant_close(actor=p["officer"], grant=g),
}


# The workflow as the fund's rules describe it, written out here rather than read from
# grants.services: a change to the code's table must be a change to this one too.
EXPECTED_MOVES = {
    "draft": {"submitted", "withdrawn"},
    "submitted": {"info_requested", "second_approval", "approved", "declined", "withdrawn"},
    "info_requested": {"submitted", "declined", "withdrawn"},
    "second_approval": {"approved", "info_requested", "declined", "withdrawn"},
    "approved": {"paid", "cancelled", "withdrawn"},
    "paid": {"receipt_received"},
    "receipt_received": {"closed"},
    "declined": set(),
    "closed": set(),
    "withdrawn": set(),
    "cancelled": set(),
}
STATES = list(EXPECTED_MOVES)

# The action that would move a request into each state ("draft" is never a destination).
ACTION_TO = {
    "submitted": "submit",
    "withdrawn": "withdraw",
    "info_requested": "request_info",
    "second_approval": "approve",
    "approved": "approve",
    "declined": "decline",
    "cancelled": "cancel",
    "paid": "pay",
    "receipt_received": "receipt",
    "closed": "close",
}

PAIRS = [(a, b) for a in STATES for b in ACTION_TO if a != b]


def request_in(state, to, people):
    if (state, to) == ("submitted", "approved"):
        # A £45 phone needs one approver: approval from "submitted" goes straight through.
        return make_grant(people["kw"])
    return grant_in(state, **people)


@pytest.mark.parametrize(("state", "to"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_every_move_in_the_table_works_and_every_other_is_refused(
    state, to, kw, officer, officer2, manager, funded
):
    people = {"kw": kw, "officer": officer, "officer2": officer2, "manager": manager}
    grant = request_in(state, to, people)
    assert grant.status == state
    events_before = GrantEvent.objects.filter(grant=grant).count()

    if to in EXPECTED_MOVES[state]:
        ACTIONS[ACTION_TO[to]](grant, people)
        grant.refresh_from_db()
        assert grant.status == to
        event = GrantEvent.objects.filter(grant=grant).order_by("pk").last()
        assert (event.from_status, event.to_status) == (state, to)
    else:
        with pytest.raises(GrantError):
            ACTIONS[ACTION_TO[to]](grant, people)
        grant.refresh_from_db()
        assert grant.status == state
        assert GrantEvent.objects.filter(grant=grant).count() == events_before


def test_the_literal_table_names_every_state_and_is_fully_exercised():
    """Guards the table above: every state it names exists, and every allowed move is one
    of the pairs tried."""
    assert set(STATES) == set(Grant.Status.values)
    allowed = {(a, b) for a, targets in EXPECTED_MOVES.items() for b in targets}
    assert allowed <= set(PAIRS)
    assert len(allowed) == 19


def test_a_second_receipt_keeps_the_request_at_receipt_received(
    kw, officer, officer2, manager, funded
):
    people = {"kw": kw, "officer": officer, "officer2": officer2, "manager": manager}
    grant = grant_in("receipt_received", **people)
    events_before = GrantEvent.objects.filter(grant=grant).count()

    ACTIONS["receipt"](grant, people)

    grant.refresh_from_db()
    assert grant.status == "receipt_received"
    assert grant.documents.filter(kind="receipt").count() == 2
    assert GrantEvent.objects.filter(grant=grant).count() == events_before


def test_each_transition_writes_who_when_from_to_and_note(kw, officer, officer2, manager, funded):
    grant = grant_in(S.INFO_REQUESTED, kw=kw, officer=officer, officer2=officer2, manager=manager)
    events = list(grant.events.all())
    assert [(e.from_status, e.to_status) for e in events] == [
        (S.DRAFT, S.SUBMITTED),
        (S.SUBMITTED, S.INFO_REQUESTED),
    ]
    assert events[1].actor == officer
    assert events[1].note == "Which shop?"
    assert events[1].at is not None


def test_resubmitting_keeps_the_first_submission_time(kw, officer, officer2, manager, funded):
    grant = grant_in(S.INFO_REQUESTED, kw=kw, officer=officer, officer2=officer2, manager=manager)
    first = grant.submitted_at
    grant = grant_submit(actor=kw, grant=grant, note="Argos, quote attached.")
    assert grant.status == S.SUBMITTED
    assert grant.submitted_at == first


def test_asking_for_information_means_a_first_approval_must_be_given_again(
    kw, officer, officer2, manager, funded
):
    grant = grant_in(S.SECOND_APPROVAL, kw=kw, officer=officer, officer2=officer2, manager=manager)
    grant_request_info(actor=officer2, grant=grant, note="Is delivery included?")
    grant = grant_submit(actor=kw, grant=grant)
    grant = grant_approve(actor=officer2, grant=grant)
    assert grant.status == S.SECOND_APPROVAL


def test_the_service_table_is_exactly_the_literal_table():
    """Each action also checks the status it starts from, so a move added to the service's
    table by mistake could hide behind that check (bench/mutation.py "transition"): the table
    itself must say exactly what EXPECTED_MOVES says."""
    service_table = {str(a): {str(b) for b in bs} for a, bs in ALLOWED_TRANSITIONS.items()}
    assert service_table == {a: set(bs) for a, bs in EXPECTED_MOVES.items()}


@pytest.mark.parametrize("state", ["declined", "closed", "withdrawn", "cancelled"])
def test_no_move_leaves_a_final_state_even_through_the_low_level_transition(
    state, kw, officer, officer2, manager, funded
):
    people = {"kw": kw, "officer": officer, "officer2": officer2, "manager": manager}
    grant = grant_in(state, **people)
    for to in STATES:
        with pytest.raises(GrantError):
            transition(grant, actor=manager, to=to)
    grant.refresh_from_db()
    assert grant.status == state
