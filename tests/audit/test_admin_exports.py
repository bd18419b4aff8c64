"""Exports from the admin: the same resources, and a manifest like every other export."""

import hashlib

import pytest
from django.urls import reverse

from audit.models import ExportManifest
from audit.resources import TransferResource
from fund.models import Transfer
from fund.selectors import chain_head
from tests.audit.helpers import app_net_by_account, net_by_account, read_table

FORMATS = {"csv": "0", "xlsx": "1", "ods": "2"}


@pytest.mark.parametrize("file_format", FORMATS)
def test_auditor_exports_the_ledger_from_the_admin_with_a_manifest(
    client, staff_auditor, ledger, file_format
):
    client.force_login(staff_auditor)
    fields = {f"transferresource_{name}": "on" for name in TransferResource().get_export_order()}

    response = client.post(
        reverse("admin:fund_transfer_export"),
        {"format": FORMATS[file_format], "resource": "0", **fields},
    )

    assert response.status_code == 200
    header, rows = read_table(response.content, file_format)
    assert header == TransferResource().get_export_headers()
    assert len(rows) == Transfer.objects.count()
    assert net_by_account(header, rows) == app_net_by_account()
    manifest = ExportManifest.objects.get()
    assert manifest.kind == "admin:fund.transfer" and manifest.file_format == file_format
    assert manifest.created_by == staff_auditor
    assert manifest.sha256 == hashlib.sha256(response.content).hexdigest()
    assert manifest.chain_head_sequence == chain_head().sequence


def test_admin_export_of_entries(client, staff_auditor, ledger):
    client.force_login(staff_auditor)
    response = client.post(
        reverse("admin:fund_entry_export"),
        {
            "format": "0",
            "resource": "0",
            "entryresource_entry_number": "on",
            "entryresource_date": "on",
            "entryresource_description": "on",
        },
    )
    header, rows = read_table(response.content, "csv")
    assert header == ["Entry number", "Date", "Description"]
    assert ["2026-06-11", "Grant G-2 withdrawn"] in [row[1:] for row in rows]
    assert len(rows) == ledger["entries"]
