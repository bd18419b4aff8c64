import pytest
from django.utils import timezone

from grants import services
from grants.exceptions import GrantError
from grants.models import Grant, GrantEvent
from tests.grants.states import S, grant_in, pdf

# Each action and the state it moves a request to (approve moves a two-approver request
# to "awaiting second approval" first).
ACTIONS = {
    "submit": lambda g, p: services.grant_submit(actor=p["kw"], grant=g),
    "withdraw": lambda g, p: services.grant_withdraw(actor=p["kw"], grant=g),
    "request_info": lambda g, p: services.grant_request_info(
        actor=p["officer"], grant=g, note="Why?"
    ),
    "approve": lambda g, p: services.grant_approve(actor=p["manager"], grant=g),
    "decline": lambda g, p: services.grant_decline(actor=p["officer"], grant=g, reason="No."),
    "cancel": lambda g, p: services.grant_cancel(actor=p["officer"], grant=g, reason="Not needed."),
    "pay": lambda g, p: services.grant_record_payout(
        actor=p["manager"],
        grant=g,
        payee="Shop",
        method="voucher",
        reference="V1",
        paid_on=timezone.localdate(),
    ),
    "receipt": lambda g, p: services.document_upload(
        actor=p["kw"], grant=g, kind="receipt", upload=pdf()
    ),
    "close": lambda g, p: services.grant_close(actor=p["officer"], grant=g),
}


def target(action: str, state: str) -> str | None:
    return {
        "submit": S.SUBMITTED,
        "withdraw": S.WITHDRAWN,
        "request_info": S.INFO_REQUESTED,
        "approve": S.SECOND_APPROVAL if state == S.SUBMITTED else S.APPROVED,
        "decline": S.DECLINED,
        "cancel": S.CANCELLED,
        "pay": S.PAID,
        "receipt": S.RECEIPT_RECEIVED,
        "close": S.CLOSED,
    }[action]


def expected_allowed(action: str, state: str) -> bool:
    if action == "receipt":
        # A second receipt may be added to a grant that already has one.
        return state in (S.PAID, S.RECEIPT_RECEIVED)
    return target(action, state) in services.ALLOWED_TRANSITIONS[state]


@pytest.mark.parametrize("state", list(S.values))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_action_from_every_state_follows_the_transition_table(
    action, state, kw, officer, officer2, manager, funded
):
    people = {"kw": kw, "officer": officer, "officer2": officer2, "manager": manager}
    grant = grant_in(state, **people)
    assert grant.status == state
    events_before = GrantEvent.objects.filter(grant=grant).count()

    if expected_allowed(action, state):
        ACTIONS[action](grant, people)
        grant.refresh_from_db()
        if action == "receipt" and state == S.RECEIPT_RECEIVED:
            assert grant.status == S.RECEIPT_RECEIVED
        else:
            assert grant.status == target(action, state)
            event = GrantEvent.objects.filter(grant=grant).last()
            assert (event.from_status, event.to_status) == (state, grant.status)
    else:
        with pytest.raises(GrantError):
            ACTIONS[action](grant, people)
        grant.refresh_from_db()
        assert grant.status == state
        assert GrantEvent.objects.filter(grant=grant).count() == events_before


def test_every_state_is_in_the_transition_table():
    assert set(services.ALLOWED_TRANSITIONS) == set(Grant.Status.values)
    for targets in services.ALLOWED_TRANSITIONS.values():
        assert targets <= set(Grant.Status.values)


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
    grant = services.grant_submit(actor=kw, grant=grant, note="Argos, quote attached.")
    assert grant.status == S.SUBMITTED
    assert grant.submitted_at == first


def test_asking_for_information_means_a_first_approval_must_be_given_again(
    kw, officer, officer2, manager, funded
):
    grant = grant_in(S.SECOND_APPROVAL, kw=kw, officer=officer, officer2=officer2, manager=manager)
    services.grant_request_info(actor=officer2, grant=grant, note="Is delivery included?")
    grant = services.grant_submit(actor=kw, grant=grant)
    grant = services.grant_approve(actor=officer2, grant=grant)
    assert grant.status == S.SECOND_APPROVAL
