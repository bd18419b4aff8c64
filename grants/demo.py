"""Demo data for grants: agencies, key workers, clients and a request in every state.

Everything goes through the services. Each demo request carries a fixed form token, so
running the seeder again finds it and changes nothing.
"""

import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from djmoney.money import Money

from fund.models import Account, Fund
from grants import services
from grants.models import Agency, Grant

S = Grant.Status
AGENCIES = [
    "Complex Lives Team",
    "Riverside Hostel",
    "Street Outreach",
    "Probation Service",
    "Drug and Alcohol Recovery Service",
]
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
        "RH-2231",
        "personal-care",
        [("Haircut before interview", "15.00", "Top Cuts")],
        "this_week",
        S.SUBMITTED,
    ),
    (
        "travel-info",
        "keyworker",
        "CLT-0058",
        "travel",
        [("Weekly bus pass", "24.00", "Go North East")],
        "this_week",
        S.INFO_REQUESTED,
    ),
    (
        "furniture-second",
        "keyworker2",
        "RH-2240",
        "furniture",
        [("Bed and mattress", "180.00", "Furniture Now"), ("Delivery", "25.00", "Furniture Now")],
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
        "RH-2199",
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
        "RH-2231",
        "travel",
        [("Train to Leeds for interview", "38.40", "LNER")],
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
        "RH-2250",
        "other",
        [("Gym pass for recovery group", "30.00", "Leisure centre")],
        "this_week",
        S.CANCELLED,
    ),
]


def _token(key: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"changing-lives-fund/demo/grant/{key}")


def _paying_fund(funds, today) -> Fund:
    restricted = funds["rough-sleepers"]
    if restricted.period_start <= today <= restricted.period_end:
        return restricted
    return funds["public"]


def seed(context) -> None:
    users, funds, today = context["users"], context["funds"], context["today"]
    manager = users["manager"]
    agencies = {}
    for name in AGENCIES:
        agencies[name] = Agency.objects.filter(name=name).first() or services.agency_create(
            actor=manager, name=name
        )
    services.key_worker_set(
        actor=manager,
        user=users["keyworker"],
        agency=agencies["Complex Lives Team"],
        job_title="Navigator",
    )
    services.key_worker_set(
        actor=manager,
        user=users["keyworker2"],
        agency=agencies["Riverside Hostel"],
        job_title="Support worker",
    )
    fund = _paying_fund(funds, today)
    officer, officer2 = users["officer"], users["officer2"]

    for key, worker, client, code, items, urgency, state in REQUESTS:
        token = _token(key)
        if Grant.objects.filter(form_token=token).exists():
            continue
        kw = users[worker]
        grant = services.grant_create(
            actor=kw,
            client_reference=client,
            category=Account.objects.get(code=f"expenses:grants:{code}"),
            urgency=urgency,
            own_words="I want to get back to work and this is what is stopping me.",
            why_fund="No benefit or other service covers this in time.",
            line_items=[
                services.LineItemData(description=d, amount=Money(a, "GBP"), supplier=s)
                for d, a, s in items
            ],
            form_token=token,
            submit=state != S.DRAFT,
        )
        _bring_to(state, grant, kw=kw, officer=officer, officer2=officer2, fund=fund, today=today)


def _bring_to(state, grant, *, kw, officer, officer2, fund, today) -> None:
    if state in (S.DRAFT, S.SUBMITTED):
        return
    if state == S.INFO_REQUESTED:
        services.grant_request_info(
            actor=officer, grant=grant, note="Is there a cheaper weekly ticket?"
        )
        return
    if state == S.DECLINED:
        services.grant_decline(
            actor=officer, grant=grant, reason="A contract is not something the fund can commit to."
        )
        return
    if state == S.WITHDRAWN:
        services.grant_withdraw(actor=kw, grant=grant, note="The hostel found a spare phone.")
        return
    grant = services.grant_approve(actor=officer, grant=grant, fund=fund)
    if state == S.SECOND_APPROVAL:
        return
    if grant.status == S.SECOND_APPROVAL:
        grant = services.grant_approve(actor=officer2, grant=grant)
    if state == S.APPROVED:
        return
    if state == S.CANCELLED:
        services.grant_cancel(actor=officer, grant=grant, reason="The person moved out of area.")
        return
    services.grant_record_payout(
        actor=officer2,
        grant=grant,
        payee=grant.line_items.first().supplier or "Supplier",
        method="supplier",
        reference=f"DEMO-{grant.pk}",
        paid_on=today,
    )
    if state == S.PAID:
        return
    services.document_upload(
        actor=kw,
        grant=grant,
        kind="receipt",
        upload=SimpleUploadedFile("receipt.pdf", DEMO_PDF, content_type="application/pdf"),
    )
    if state == S.RECEIPT_RECEIVED:
        return
    services.grant_record_outcome(
        actor=kw,
        grant=grant,
        barrier_removed="yes",
        note="Started a cleaning job the following week.",
        consent_to_share=True,
    )
    services.grant_close(actor=officer, grant=grant)
