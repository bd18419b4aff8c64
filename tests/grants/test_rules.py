"""Separation of duties, caps and the fund's balance: enforced by the services."""

import pytest
from django.utils import timezone

from fund.exceptions import InsufficientFunds
from fund.models import CategoryCap, Entry
from fund.services.funds import category_cap_set, fund_rules_update
from grants.exceptions import InvalidRequest, NotAllowed, OverCap, PersonalDataFound
from grants.models import Approval, Grant
from grants.services.agencies import key_worker_set
from grants.services.decisions import grant_approve, grant_decline
from grants.services.payments import grant_record_payout
from grants.services.requests import LineItemData, grant_create, grant_submit, grant_withdraw
from people.roles import Role
from tests.conftest import make_user
from tests.grants.conftest import category, gbp, make_grant

S = Grant.Status


def pay(actor, grant, amount=None):
    return grant_record_payout(
        actor=actor,
        grant=grant,
        payee="Argos",
        method="supplier",
        reference="PO-1",
        paid_on=timezone.localdate(),
        amount=amount,
    )


# --- separation of duties ---------------------------------------------------------------


def test_the_requester_can_never_approve_their_own_request(agency, manager, funded):
    both = make_user("dual.role", Role.KEY_WORKER)
    both.groups.add(*make_user("tmp", Role.FUND_OFFICER).groups.all())
    key_worker_set(actor=manager, user=both, agency=agency)
    grant = make_grant(both)

    with pytest.raises(NotAllowed, match="You made this request"):
        grant_approve(actor=both, grant=grant)
    grant.refresh_from_db()
    assert grant.status == S.SUBMITTED
    assert not Approval.objects.exists()


def test_a_key_worker_cannot_approve(kw, colleague, funded):
    grant = make_grant(kw)
    with pytest.raises(NotAllowed):
        grant_approve(actor=colleague, grant=grant)


def test_a_grant_at_or_below_the_threshold_needs_one_approver(kw, officer, funded):
    grant = make_grant(kw, items=[("Bus pass", "50.00")], code="travel")
    grant = grant_approve(actor=officer, grant=grant)
    assert grant.status == S.APPROVED


def test_above_the_threshold_a_second_different_approver_is_needed(kw, officer, officer2, funded):
    grant = make_grant(kw, items=[("Suit", "100.01")], code="furniture")

    grant = grant_approve(actor=officer, grant=grant)
    assert grant.status == S.SECOND_APPROVAL
    assert grant.approval_entry is None
    with pytest.raises(NotAllowed, match="different person"):
        grant_approve(actor=officer, grant=grant)

    grant = grant_approve(actor=officer2, grant=grant)
    assert grant.status == S.APPROVED
    assert grant.approval_entry is not None


def test_the_threshold_comes_from_the_fund_rules(kw, officer, manager, funded):
    fund_rules_update(actor=manager, fund=funded, two_approver_threshold=gbp("40.00"))
    grant = make_grant(kw, items=[("Phone", "45.00")])
    assert grant_approve(actor=officer, grant=grant).status == S.SECOND_APPROVAL


def test_the_only_approver_cannot_record_the_payment(kw, officer, officer2, funded):
    grant = grant_approve(actor=officer, grant=make_grant(kw))
    with pytest.raises(NotAllowed, match="only approver"):
        pay(officer, grant)
    pay(officer2, grant)
    grant.refresh_from_db()
    assert grant.status == S.PAID


def test_one_of_two_approvers_may_record_the_payment(kw, officer, officer2, funded):
    grant = make_grant(kw, items=[("Bed", "150.00")], code="furniture")
    grant = grant_approve(actor=officer, grant=grant)
    grant = grant_approve(actor=officer2, grant=grant)
    pay(officer, grant)
    grant.refresh_from_db()
    assert grant.status == S.PAID


def test_a_payment_can_never_be_cash_or_more_than_approved(kw, officer, officer2, funded):
    grant = grant_approve(actor=officer, grant=make_grant(kw))
    with pytest.raises(InvalidRequest, match="never pays cash"):
        grant_record_payout(
            actor=officer2,
            grant=grant,
            payee="Them",
            method="cash",
            reference="x",
            paid_on=timezone.localdate(),
        )
    with pytest.raises(InvalidRequest, match="at most"):
        pay(officer2, grant, amount=gbp("45.01"))


def test_key_workers_act_only_on_their_own_agencys_requests(kw, kw2, colleague, funded):
    grant = make_grant(kw, submit=False)
    with pytest.raises(NotAllowed):
        grant_submit(actor=kw2, grant=grant)
    with pytest.raises(NotAllowed):
        grant_withdraw(actor=kw2, grant=grant)
    # A colleague at the same agency may pick it up.
    assert grant_submit(actor=colleague, grant=grant).status == S.SUBMITTED


# --- caps -------------------------------------------------------------------------------


def test_a_request_over_its_category_cap_is_refused_with_the_cap(kw, funded):
    with pytest.raises(OverCap, match="capped at £70.00"):
        make_grant(kw, items=[("Phone", "60.00"), ("Case", "10.01")])
    assert not Grant.objects.exists()


def test_the_category_cap_can_be_changed_by_the_fund_manager(kw, manager, funded):
    category_cap_set(actor=manager, fund=funded, account=category("phone"), cap=gbp("80.00"))
    assert make_grant(kw, items=[("Phone", "80.00")]).status == S.SUBMITTED
    cap = CategoryCap.objects.get(fund=funded, account=category("phone"))
    assert cap.history.first().history_user == manager


def test_a_request_over_the_per_grant_cap_is_refused(kw, manager, funded):
    fund_rules_update(actor=manager, fund=funded, per_grant_cap=gbp("200.00"))
    with pytest.raises(OverCap, match="single grant .* capped at £200.00"):
        make_grant(kw, items=[("Sofa", "250.00")], code="furniture")


def test_grants_to_one_person_are_capped_over_twelve_months(kw, officer, manager, funded):
    fund_rules_update(actor=manager, fund=funded, per_client_12_month_cap=gbp("100.00"))
    grant_approve(actor=officer, grant=make_grant(kw, items=[("Phone", "60.00")]))

    with pytest.raises(OverCap, match="£100.00 in 12 months; CLT-0042 has had £60.00"):
        make_grant(kw, items=[("Bus pass", "41.00")], code="travel")
    # Another person is unaffected.
    assert make_grant(kw, items=[("Bus pass", "41.00")], code="travel", client="CLT-0043")


def test_caps_are_checked_again_against_the_fund_chosen_at_approval(
    kw, officer, manager, funded, restricted_fund
):
    category_cap_set(
        actor=manager, fund=restricted_fund, account=category("phone"), cap=gbp("30.00")
    )
    grant = make_grant(kw)
    with pytest.raises(OverCap, match="£30.00"):
        grant_approve(actor=officer, grant=grant, fund=restricted_fund)


# --- the fund's balance -----------------------------------------------------------------


def test_approval_fails_cleanly_when_the_fund_cannot_cover_it(kw, officer, public_fund):
    grant = make_grant(kw)
    entries = Entry.objects.count()
    with pytest.raises(InsufficientFunds):
        grant_approve(actor=officer, grant=grant)
    grant.refresh_from_db()
    assert grant.status == S.SUBMITTED
    assert grant.approval_entry is None
    assert Entry.objects.count() == entries
    assert not Approval.objects.exists()
    assert grant.events.count() == 1


def test_a_restricted_fund_pays_only_within_its_period(kw, officer, manager, funded):
    from datetime import date

    from fund.models import Fund
    from fund.services.funds import fund_create

    old = fund_create(
        actor=manager,
        code="old",
        name="Winter 2024",
        kind=Fund.Kind.RESTRICTED,
        period_start=date(2024, 1, 1),
        period_end=date(2024, 3, 31),
    )
    with pytest.raises(InvalidRequest, match="only pays for grants from"):
        grant_approve(actor=officer, grant=make_grant(kw), fund=old)


# --- personal data ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,kind",
    [
        ("Lives at NE1 4XY", "a postcode"),
        ("NHS 943 476 5919", "an NHS number"),
        ("NI number QQ 12 34 56 C", "a National Insurance number"),
        ("DOB 12/03/1985", "a date of birth"),
        ("Born 3 March 1985", "a date of birth"),
        ("Email jo@example.org", "an email address"),
        ("Call 07700 900123", "a phone number"),
    ],
)
def test_free_text_with_an_identifier_is_refused_saying_why(kw, funded, text, kind):
    with pytest.raises(PersonalDataFound, match=kind):
        grant_create(
            actor=kw,
            client_reference="CLT-0042",
            category=category("phone"),
            urgency="today",
            own_words=text,
            why_fund="No other source.",
            line_items=[LineItemData(description="Phone", amount=gbp("40.00"))],
        )
    assert not Grant.objects.exists()


def test_identifiers_are_refused_in_items_and_notes(kw, officer, funded):
    with pytest.raises(PersonalDataFound, match="Item 1"):
        make_grant(kw, items=[("Deliver to NE1 4XY", "40.00")])
    grant = make_grant(kw)
    with pytest.raises(PersonalDataFound):
        grant_decline(actor=officer, grant=grant, reason="Ring 07700 900123")


def test_a_client_reference_must_be_a_code_not_a_name(kw, funded):
    with pytest.raises(InvalidRequest, match="never the person's name"):
        make_grant(kw, client="Ottoline Smith")
    with pytest.raises(PersonalDataFound, match='a full name \\("John Smith"'):
        make_grant(kw, client="John Smith")
    assert make_grant(kw, client="CLT 0042").client.reference == "CLT 0042"
