"""Demo data for grants: Doncaster's agencies and key workers, a year of requests decided
from an hour to several days after they came in, and a request in every state.

``timeline`` returns the steps; ``seed_demo`` runs them under the demo clock, so each
request's submission, decision, payment, receipt and closure carry their own moments.
Everything goes through the services.
"""

import uuid
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from djmoney.money import Money

from fund.clock import Step
from fund.models import Account, Fund
from fund.selectors import available_in_fund
from grants.models import Agency, Grant
from grants.services.agencies import agency_create, key_worker_set
from grants.services.decisions import grant_approve, grant_cancel, grant_decline, grant_request_info
from grants.services.documents import document_upload
from grants.services.payments import grant_close, grant_record_outcome, grant_record_payout
from grants.services.requests import LineItemData, grant_create, grant_submit, grant_withdraw
from people.demo import at, year_start
from people.roles import Role

S = Grant.Status
AGENCIES = ["Complex Lives Team", "St Leger Homes", "Aspire", "Riverside"]
# (demo user, agency, job title): the two with printed logins, and two who never sign in.
KEY_WORKERS = [
    ("keyworker", "Complex Lives Team", "Navigator"),
    ("keyworker2", "St Leger Homes", "Tenancy support officer"),
    ("aspire.worker", "Aspire", "Recovery worker"),
    ("riverside.worker", "Riverside", "Hostel support worker"),
]
# What the year's requests were for: category, items (description, amount, supplier), urgency.
CATALOGUE = [
    ("id-documents", [("Copy birth certificate", "12.50", "General Register Office")], "today"),
    ("travel", [("Weekly bus pass", "17.50", "First South Yorkshire")], "this_week"),
    ("phone", [("Basic smartphone and SIM", "45.00", "Argos, Frenchgate Centre")], "this_week"),
    (
        "clothing",
        [("Work boots", "39.99", "Sports Direct"), ("Hi-vis jacket", "12.00", "Screwfix")],
        "this_week",
    ),
    ("white-goods", [("Under-counter fridge", "149.00", "Currys Doncaster")], "this_week"),
    ("personal-care", [("Haircut before interview", "15.00", "Baxter Gate Barbers")], "today"),
    ("furniture", [("Single bed and mattress", "120.00", "BHF Furniture Doncaster")], "this_week"),
    ("travel", [("Train to Sheffield for interview", "14.60", "Northern")], "today"),
    ("other", [("Bedding and kitchen starter pack", "55.00", "Doncaster Market")], "this_week"),
    ("id-documents", [("Provisional driving licence", "34.00", "DVLA")], "this_week"),
]
# Hours from submission to decision, in turn: from an hour to four days, some past the
# 48-hour promise.
DECISION_HOURS = [1, 4, 26, 2, 52, 7, 20, 30, 3, 75, 1.5, 22, 49, 6, 96, 10]
YEAR_REQUESTS = 48
DEMO_PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

# (key, key worker, client, category, items, urgency, the state to bring it to)
REQUESTS = [
    (
        "phone-draft",
        "keyworker",
        "CLT-0107",
        "phone",
        [("Basic smartphone", "45.00", "Argos")],
        "this_week",
        S.DRAFT,
    ),
    (
        "id-urgent",
        "keyworker",
        "CLT-0042",
        "id-documents",
        [("Copy birth certificate", "12.50", "General Register Office")],
        "today",
        S.SUBMITTED,
    ),
    (
        "haircut",
        "keyworker2",
        "SLH-2231",
        "personal-care",
        [("Haircut before interview", "15.00", "Baxter Gate Barbers")],
        "this_week",
        S.SUBMITTED,
    ),
    (
        "travel-info",
        "keyworker",
        "CLT-0058",
        "travel",
        [("Weekly bus pass", "24.00", "First South Yorkshire")],
        "this_week",
        S.INFO_REQUESTED,
    ),
    (
        "furniture-second",
        "keyworker2",
        "SLH-2240",
        "furniture",
        [
            ("Bed and mattress", "180.00", "BHF Furniture Doncaster"),
            ("Delivery", "25.00", "BHF Furniture Doncaster"),
        ],
        "this_week",
        S.SECOND_APPROVAL,
    ),
    (
        "clothing-approved",
        "keyworker",
        "CLT-0042",
        "clothing",
        [("Interview suit", "60.00", "Marks and Spencer"), ("Shoes", "25.00", "Clarks")],
        "today",
        S.APPROVED,
    ),
    (
        "phone-declined",
        "keyworker2",
        "SLH-2199",
        "phone",
        [("Phone contract", "60.00", "Carrier")],
        "this_week",
        S.DECLINED,
    ),
    (
        "fridge-paid",
        "keyworker",
        "CLT-0091",
        "white-goods",
        [("Under-counter fridge", "149.00", "Currys")],
        "this_week",
        S.PAID,
    ),
    (
        "travel-receipt",
        "keyworker2",
        "SLH-2231",
        "travel",
        [("Train to Leeds for interview", "21.80", "Northern")],
        "today",
        S.RECEIPT_RECEIVED,
    ),
    (
        "id-closed",
        "keyworker",
        "CLT-0058",
        "id-documents",
        [("Provisional driving licence", "34.00", "DVLA")],
        "this_week",
        S.CLOSED,
    ),
    (
        "phone-withdrawn",
        "keyworker",
        "CLT-0112",
        "phone",
        [("Phone", "40.00", "Argos")],
        "this_week",
        S.WITHDRAWN,
    ),
    (
        "other-cancelled",
        "keyworker2",
        "SLH-2250",
        "other",
        [("Gym pass for recovery group", "30.00", "Doncaster Dome")],
        "this_week",
        S.CANCELLED,
    ),
]


def _token(key: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"changing-lives-fund/demo/grant/{key}")


def _paying_fund(funds, amount) -> Fund:
    """The restricted fund once its money is in and while its period runs, else public."""
    restricted = funds.get("rough-sleepers")
    today = timezone.localdate()
    if (
        restricted is not None
        and restricted.period_start <= today <= restricted.period_end
        and available_in_fund(restricted) >= amount
    ):
        return restricted
    return funds["public"]


def _people(context) -> None:
    """The agencies and their key workers (the extra two never sign in)."""
    users, manager = context["users"], context["users"]["manager"]
    agencies = {}
    for name in AGENCIES:
        agencies[name] = Agency.objects.filter(name=name).first() or agency_create(
            actor=manager, name=name
        )
    for username, agency, title in KEY_WORKERS:
        if username not in users:
            user, created = get_user_model().objects.get_or_create(
                username=username,
                defaults={"email": f"{username}@example.org", "first_name": title},
            )
            if created:
                user.set_unusable_password()
                user.save()
            user.groups.add(Group.objects.get(name=Role.KEY_WORKER.value))
            users[username] = user
        key_worker_set(
            actor=manager, user=users[username], agency=agencies[agency], job_title=title
        )


def timeline(context) -> list[Step]:
    today = context["today"]
    start = year_start(today)
    steps = [Step(at(start, 8, 45), lambda: _people(context))]
    workers = [username for username, *_ in KEY_WORKERS]
    last_for_year = today - timedelta(days=21)
    for n in range(YEAR_REQUESTS):
        submitted = at(start + timedelta(days=24), 9) + timedelta(hours=n * 7 * 24 + (n * 5) % 9)
        if submitted.date() > last_for_year:
            break
        category, items, urgency = CATALOGUE[n % len(CATALOGUE)]
        if n % 12 == 7:  # a bigger request: a second officer approves it too
            category, urgency = "furniture", "this_week"
            items = [
                ("Bed and mattress", "180.00", "BHF Furniture Doncaster"),
                ("Delivery", "25.00", "BHF Furniture Doncaster"),
            ]
        steps += _year_request(
            context,
            key=f"year-{n:02d}",
            worker=workers[n % len(workers)],
            client=f"DN-{1001 + n % 30:04d}",
            category=category,
            items=items,
            urgency=urgency,
            submitted=submitted,
            hours=DECISION_HOURS[n % len(DECISION_HOURS)],
            outcome="declined" if n % 8 == 5 else "info" if n % 8 == 2 else "approved",
        )
    steps += _recent_requests(context)
    return steps


def _create(context, key, worker, client, category, items, urgency, submit=True):
    return grant_create(
        actor=context["users"][worker],
        client_reference=client,
        category=Account.objects.get(code=f"expenses:grants:{category}"),
        urgency=urgency,
        own_words="I want to get back to work and this is what is stopping me.",
        why_fund="No benefit or other service covers this in time.",
        line_items=[
            LineItemData(description=d, amount=Money(a, "GBP"), supplier=s) for d, a, s in items
        ],
        form_token=_token(key),
        submit=submit,
    )


def _year_request(
    context, *, key, worker, client, category, items, urgency, submitted, hours, outcome
):
    users = context["users"]
    officer, officer2 = users["officer"], users["officer2"]
    today = context["today"]
    state: dict = {}

    def create():
        state["grant"] = _create(context, key, worker, client, category, items, urgency)

    steps = [Step(submitted, create)]
    decided = submitted + timedelta(hours=hours)
    if outcome == "info":
        asked = submitted + timedelta(hours=3)
        steps.append(
            Step(
                asked,
                lambda: grant_request_info(
                    actor=officer, grant=state["grant"], note="Is there a cheaper option?"
                ),
            )
        )
        steps.append(
            Step(
                asked + timedelta(hours=20),
                lambda: grant_submit(
                    actor=users[worker],
                    grant=state["grant"],
                    note="Checked: this is the cheapest in town.",
                ),
            )
        )
        decided = asked + timedelta(hours=20 + hours)
    if outcome == "declined":
        steps.append(
            Step(
                decided,
                lambda: grant_decline(
                    actor=officer,
                    grant=state["grant"],
                    reason="Another service covers this: the agency's own budget.",
                ),
            )
        )
        return steps
    total = sum((Money(a, "GBP") for _d, a, _s in items), Money(0, "GBP"))

    def approve():
        state["grant"] = grant_approve(
            actor=officer, grant=state["grant"], fund=_paying_fund(context["funds"], total)
        )

    def second():
        if state["grant"].status == S.SECOND_APPROVAL:
            state["grant"] = grant_approve(actor=officer2, grant=state["grant"])

    def pay():
        grant = state["grant"]
        grant_record_payout(
            actor=officer2,
            grant=grant,
            payee=grant.line_items.first().supplier or "Supplier",
            method="supplier",
            reference=f"DN-{grant.pk}",
            paid_on=timezone.localdate(),
        )

    def receipt():
        document_upload(
            actor=users[worker],
            grant=state["grant"],
            kind="receipt",
            upload=SimpleUploadedFile("receipt.pdf", DEMO_PDF, content_type="application/pdf"),
        )

    def close():
        grant_record_outcome(
            actor=users[worker],
            grant=state["grant"],
            barrier_removed="yes",
            note="Started work the following week.",
            consent_to_share=True,
        )
        grant_close(actor=officer, grant=state["grant"])

    paid = decided + timedelta(hours=22)
    plan = [
        (decided, approve),
        (decided + timedelta(hours=2), second),
        (paid, pay),
        (paid + timedelta(days=3), receipt),
        (paid + timedelta(days=16), close),
    ]
    return steps + [Step(moment, run) for moment, run in plan if moment.date() < today]


# How many days ago each of REQUESTS came in (its decision, if any, five hours later).
RECENT_DAYS_AGO = [2, 1, 3, 4, 6, 8, 10, 15, 14, 20, 9, 12]


def _recent_requests(context) -> list[Step]:
    """The last three weeks: a request in every state, for the queue and the pages."""
    users, today = context["users"], context["today"]
    officer, officer2 = users["officer"], users["officer2"]
    state: dict = {}

    def create(key, worker, client, code, items, urgency, target):
        state[key] = _create(
            context, key, worker, client, code, items, urgency, submit=target != S.DRAFT
        )

    def decide(key, worker, target):
        grant = state[key]
        _bring_to(
            target,
            grant,
            kw=users[worker],
            officer=officer,
            officer2=officer2,
            fund=_paying_fund(context["funds"], grant.amount),
            today=timezone.localdate(),
        )

    steps = []
    for days_ago, request in zip(RECENT_DAYS_AGO, REQUESTS, strict=True):
        key, worker, _client, _code, _items, _urgency, target = request
        came_in = at(today - timedelta(days=days_ago), 9, 30)
        steps.append(Step(came_in, lambda r=request: create(*r)))
        steps.append(
            Step(came_in + timedelta(hours=5), lambda k=key, w=worker, t=target: decide(k, w, t))
        )
    return steps


def _bring_to(state, grant, *, kw, officer, officer2, fund, today) -> None:
    if state in (S.DRAFT, S.SUBMITTED):
        return
    if state == S.INFO_REQUESTED:
        grant_request_info(actor=officer, grant=grant, note="Is there a cheaper weekly ticket?")
        return
    if state == S.DECLINED:
        grant_decline(
            actor=officer, grant=grant, reason="A contract is not something the fund can commit to."
        )
        return
    if state == S.WITHDRAWN:
        grant_withdraw(actor=kw, grant=grant, note="The hostel found a spare phone.")
        return
    grant = grant_approve(actor=officer, grant=grant, fund=fund)
    if state == S.SECOND_APPROVAL:
        return
    if grant.status == S.SECOND_APPROVAL:
        grant = grant_approve(actor=officer2, grant=grant)
    if state == S.APPROVED:
        return
    if state == S.CANCELLED:
        grant_cancel(actor=officer, grant=grant, reason="The person moved out of area.")
        return
    grant_record_payout(
        actor=officer2,
        grant=grant,
        payee=grant.line_items.first().supplier or "Supplier",
        method="supplier",
        reference=f"DEMO-{grant.pk}",
        paid_on=today,
    )
    if state == S.PAID:
        return
    document_upload(
        actor=kw,
        grant=grant,
        kind="receipt",
        upload=SimpleUploadedFile("receipt.pdf", DEMO_PDF, content_type="application/pdf"),
    )
    if state == S.RECEIPT_RECEIVED:
        return
    grant_record_outcome(
        actor=kw,
        grant=grant,
        barrier_removed="yes",
        note="Started a cleaning job the following week.",
        consent_to_share=True,
    )
    grant_close(actor=officer, grant=grant)
