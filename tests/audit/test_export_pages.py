"""The auditor's pages: exports and statements for a period and fund, and the manifests."""

import hashlib
import json
import re

import pytest
from django.urls import reverse

from audit.models import ExportManifest
from tests.audit.helpers import app_net_by_account, net_by_account, read_table
from tests.browser import assert_accessible, assert_no_horizontal_scroll

AUDIT_URLS = [
    reverse("audit:exports"),
    reverse("audit:export_download"),
    reverse("audit:manifests"),
]


def download(client, **query):
    response = client.get(reverse("audit:export_download"), query)
    return response, b"".join(
        response.streaming_content
    ) if response.streaming else response.content


def test_auditor_downloads_the_ledger_as_csv_and_a_manifest_is_recorded(client, auditor, ledger):
    client.force_login(auditor)

    response, data = download(client, kind="ledger", file_format="csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'attachment; filename="ledger_all-funds_head-' in response["Content-Disposition"]
    header, rows = read_table(data, "csv")
    assert net_by_account(header, rows) == app_net_by_account()
    manifest = ExportManifest.objects.get(pk=response["X-Export-Manifest"])
    assert manifest.created_by == auditor
    assert manifest.sha256 == hashlib.sha256(data).hexdigest() == response["X-Export-SHA256"]
    assert manifest.size_bytes == len(data)


@pytest.mark.parametrize(
    ("kind", "file_format", "magic"),
    [
        ("ledger", "xlsx", b"PK"),
        ("ledger", "ods", b"PK"),
        ("ledger", "hledger", b"; Changing Lives Fund"),
        ("ledger", "beancount", b"; Changing Lives Fund"),
        ("trial_balance", "pdf", b"%PDF"),
        ("fund_statement", "pdf", b"%PDF"),
    ],
)
def test_every_format_downloads_for_a_fund_and_period(
    client, auditor, ledger, public_fund, kind, file_format, magic
):
    client.force_login(auditor)
    response, data = download(
        client,
        kind=kind,
        file_format=file_format,
        fund="public",
        date_from="2026-05-01",
        date_to="2026-06-30",
    )
    assert response.status_code == 200
    assert data.startswith(magic)
    manifest = ExportManifest.objects.get()
    assert manifest.parameters == {"from": "2026-05-01", "to": "2026-06-30", "fund": "public"}
    assert manifest.kind == kind and manifest.file_format == file_format


def test_exports_page_offers_only_the_formats_each_export_has(client, auditor):
    client.force_login(auditor)
    page = client.get(reverse("audit:exports")).content.decode()
    assert re.findall(r'<option value="([a-z_]+:[a-z]+)"', page) == [
        "ledger:csv",
        "ledger:xlsx",
        "ledger:ods",
        "ledger:hledger",
        "ledger:beancount",
        "donations:csv",
        "donations:xlsx",
        "donations:ods",
        "grants:csv",
        "grants:xlsx",
        "grants:ods",
        "collections:csv",
        "collections:xlsx",
        "collections:ods",
        "deposits:csv",
        "deposits:xlsx",
        "deposits:ods",
        "gift_aid_claims:csv",
        "gift_aid_claims:xlsx",
        "gift_aid_claims:ods",
        "bank_reconciliation:pdf",
        "bank_reconciliation:csv",
        "fund_statement:pdf",
        "trial_balance:pdf",
        "grant_register:pdf",
        "collection_reconciliation:pdf",
    ]
    assert '<optgroup label="Trial balance">' in page
    assert ">Trial balance as PDF statement</option>" in page
    assert 'value="ledger:csv" selected' in page


def test_the_page_choice_downloads_that_export(client, auditor, ledger):
    client.force_login(auditor)
    response, data = download(client, export="ledger:xlsx")
    assert response.status_code == 200 and data.startswith(b"PK")
    manifest = ExportManifest.objects.get()
    assert (manifest.kind, manifest.file_format) == ("ledger", "xlsx")


def test_an_export_not_listed_is_refused(client, auditor, ledger):
    client.force_login(auditor)
    response = client.get(reverse("audit:export_download"), {"export": "trial_balance:xlsx"})
    assert response.status_code == 400
    assert "Trial balance can be exported as: PDF statement." in response.content.decode()
    response = client.get(reverse("audit:export_download"), {"export": "payroll:csv"})
    assert response.status_code == 400
    assert "Choose one of the exports listed." in response.content.decode()
    assert not ExportManifest.objects.exists()


def test_a_format_the_export_does_not_have_is_explained(client, auditor, ledger):
    client.force_login(auditor)
    response = client.get(
        reverse("audit:export_download"), {"kind": "trial_balance", "file_format": "csv"}
    )
    assert response.status_code == 400
    assert "Trial balance can be exported as: PDF statement." in response.content.decode()
    assert "govuk-error-summary" in response.content.decode()
    assert not ExportManifest.objects.exists()


def test_dates_the_wrong_way_round_are_refused(client, auditor, ledger):
    client.force_login(auditor)
    response = client.get(
        reverse("audit:export_download"),
        {
            "kind": "ledger",
            "file_format": "csv",
            "date_from": "2026-06-02",
            "date_to": "2026-06-01",
        },
    )
    assert response.status_code == 400
    assert "The end date must be on or after the start date." in response.content.decode()


def test_manifests_page_lists_each_export_and_serves_its_json(client, auditor, officer, ledger):
    client.force_login(officer)
    download(client, kind="ledger", file_format="csv", fund="public")
    client.force_login(auditor)

    page = client.get(reverse("audit:manifests")).content.decode()
    manifest = ExportManifest.objects.get()
    assert manifest.file_name in page
    assert officer.username in page
    body = client.get(reverse("audit:manifest_json", args=[manifest.pk]))
    assert json.loads(body.content) == json.loads(json.dumps(manifest.as_json()))
    assert body["Content-Disposition"].endswith('.manifest.json"')


@pytest.mark.parametrize("path", AUDIT_URLS)
def test_audit_pages_need_a_staff_role(client, key_worker, partner, path):
    response = client.get(path)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for user in (key_worker, partner):
        client.force_login(user)
        assert client.get(path).status_code == 403


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_audit_pages_take_no_writes(client, auditor, method):
    client.force_login(auditor)
    for path in AUDIT_URLS + [reverse("audit:manifest_json", args=[1])]:
        assert getattr(client, method)(path).status_code == 405


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1280])
def test_exports_page_in_chromium(browse, auditor, public_fund, width):
    page = browse(auditor, width=width, path="/audit/exports/")
    assert page.get_by_role("heading", name="Exports and statements").is_visible()
    assert_accessible(page)
    assert_no_horizontal_scroll(page)

    options = page.get_by_label("What to export").locator("option")
    assert "Trial balance as PDF statement" in options.all_inner_texts()
    assert "Trial balance as Excel workbook (XLSX)" not in options.all_inner_texts()
    page.get_by_label("What to export").select_option(
        label="Ledger: entries and transfers as Excel workbook (XLSX)"
    )
    page.get_by_label("From", exact=True).fill("2026-06-02")
    page.get_by_label("To", exact=True).fill("2026-06-01")
    page.get_by_role("button", name="Download").click()
    assert page.get_by_role("heading", name="There is a problem").is_visible()
    assert_accessible(page)
    assert_no_horizontal_scroll(page)


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1280])
def test_manifests_page_in_chromium(browse, auditor, public_fund, width):
    from io import BytesIO

    from audit.exports.kinds import export_write
    from audit.exports.params import ExportParams

    export_write(
        actor=auditor,
        actor_name=auditor.username,
        kind="ledger",
        file_format="csv",
        params=ExportParams(fund=public_fund),
        stream=BytesIO(),
    )
    page = browse(auditor, width=width, path="/audit/manifests/")
    assert "ledger_public_head-0.csv" in page.inner_text("main")
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
