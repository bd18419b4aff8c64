"""Subject-access export: one file with everything held about a client reference or a
donor's email, for fund officers and managers only."""

import json
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone
from djmoney.money import Money

from donations.models.online import OnlineDonation
from grants import services
from tests.grants.conftest import make_grant
from tests.grants.states import pdf

URL = reverse("subject-access")


def download(client, kind, value):
    response = client.post(URL, {"kind": kind, "value": value})
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Disposition"].startswith("attachment;")
    return json.loads(b"".join([response.content]))


def test_a_client_reference_export_holds_their_grants_and_own_words(client, officer, kw, funded):
    make_grant(kw, client="CLT-0042")
    make_grant(kw, client="CLT-0100")
    client.force_login(officer)

    data = download(client, "client", "clt-0042")

    [found] = data["clients"]
    assert found["reference"] == "CLT-0042"
    [grant] = found["grants"]
    assert grant["own_words"] == "Ring the jobcentre and my sister."
    assert grant["items"][0]["description"] == "Smartphone"
    assert grant["amount"] == "45.00 GBP"
    assert "CLT-0100" not in json.dumps(data)


def test_a_donor_email_export_holds_their_gifts(client, manager, public_fund):
    OnlineDonation.objects.create(
        attempt=uuid.uuid4(),
        frequency=OnlineDonation.Frequency.MONTHLY,
        amount=Money("10.00", "GBP"),
        fund=public_fund,
        donor_name="Grace Hopper",
        donor_email="Grace@Example.org",
    )
    client.force_login(manager)

    data = download(client, "donor", "grace@example.org")

    [gift] = data["gifts"]
    assert gift["name"] == "Grace Hopper"
    assert gift["amount"] == "10.00 GBP"


def test_a_bad_email_is_asked_again(client, officer):
    client.force_login(officer)

    response = client.post(URL, {"kind": "donor", "value": "not-an-email"})

    assert response.status_code == 200
    assert "Enter an email address in the correct format" in response.content.decode()


@pytest.mark.parametrize("persona", ["auditor", "partner", "key_worker"])
def test_only_officers_and_managers_may_export(client, request, persona):
    client.force_login(request.getfixturevalue(persona))

    assert client.post(URL, {"kind": "client", "value": "CLT-0042"}).status_code == 403


def test_a_client_with_a_quote_a_payout_a_receipt_and_an_outcome_gets_everything(
    client, kw, officer, officer2, manager, funded
):
    grant = make_grant(kw, items=[("Bed and mattress", "150.00")], code="furniture")
    services.document_upload(actor=kw, grant=grant, kind="quote", upload=pdf("my-quote.pdf"))
    services.grant_approve(actor=officer, grant=grant)
    services.grant_approve(actor=officer2, grant=grant)
    services.grant_record_payout(
        actor=officer,
        grant=grant,
        payee="Furniture Now",
        method="supplier",
        reference="BACS-1",
        paid_on=timezone.localdate(),
    )
    services.document_upload(actor=kw, grant=grant, kind="receipt", upload=pdf("receipt.pdf"))
    services.grant_record_outcome(
        actor=kw, grant=grant, barrier_removed="yes", note="Sleeping well now."
    )
    client.force_login(officer)

    data = download(client, "client", "CLT-0042")

    [found] = data["clients"]
    [held] = found["grants"]
    assert [(d["kind"], d["name"]) for d in held["documents"]] == [
        ("quote", f"quote-{grant.reference}-1.pdf"),
        ("receipt", f"receipt-{grant.reference}-1.pdf"),
    ]
    assert held["payout"]["payee"] == "Furniture Now"
    assert held["payout"]["reference"] == "BACS-1"
    assert held["payout"]["amount"] == "150.00 GBP"
    assert held["outcome"]["barrier_removed"] == "Yes"
    assert held["outcome"]["note"] == "Sleeping well now."
    assert [e["to"] for e in held["history"]][-2:] == ["paid", "receipt_received"]
