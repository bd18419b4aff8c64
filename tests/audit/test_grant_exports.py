"""The grant register: exports and PDF, with totals against the ledger and no client refs."""

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from audit.exports.grants import grant_rows
from audit.exports.kinds import export_write
from audit.exports.params import ExportParams
from audit.resources import GrantResource
from fund.selectors import trial_balance
from grants.services.decisions import grant_approve, grant_decline
from grants.services.payments import grant_record_payout
from tests.audit.helpers import read_table
from tests.grants.conftest import (  # noqa: F401 (fixtures)
    agency,
    funded,
    kw,
    make_grant,
    private_media_in_a_temporary_folder,
)

CLIENT_REFERENCES = ("CLT-0042", "CLT-0099", "CLT-0100", "CLT-0777")


@pytest.fixture
def register(kw, manager, officer, funded):  # noqa: F811 (the imported fixtures)
    phone = make_grant(kw, items=(("Smartphone", "45.00"),), client="CLT-0042")
    grant_approve(actor=manager, grant=phone)
    grant_record_payout(
        actor=officer,
        grant=phone,
        payee="Argos",
        method="supplier",
        reference="INV-1",
        paid_on=date(2026, 11, 20),
    )
    coat = make_grant(kw, items=(("Interview suit", "80.00"),), code="clothing", client="CLT-0099")
    grant_approve(actor=manager, grant=coat)
    travel = make_grant(kw, items=(("Train to Leeds", "20.00"),), code="travel", client="CLT-0100")
    grant_decline(actor=manager, grant=travel, reason="Another fund pays for this.")
    make_grant(kw, client="CLT-0777", submit=False)  # a draft is not in the register
    return funded


def export(user, file_format, **params) -> bytes:
    stream = io.BytesIO()
    export_write(
        actor=user,
        actor_name=user.username,
        kind="grants" if file_format != "pdf" else "grant_register",
        file_format=file_format,
        params=ExportParams(**params),
        stream=stream,
    )
    return stream.getvalue()


@pytest.mark.parametrize("file_format", ["csv", "xlsx", "ods"])
def test_grants_export_reads_back_without_client_references(auditor, register, file_format):
    header, rows = read_table(export(auditor, file_format), file_format)

    assert len(rows) == 3
    col = {name: [r[header.index(name)] for r in rows] for name in header}
    assert sum(Decimal(v) for v in col["Amount requested (GBP)"]) == Decimal("145.00")
    assert [v for v in col["Amount paid (GBP)"] if v] == ["45.00"]
    assert sorted(col["Status"]) == ["approved", "declined", "paid"]
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", d) for d in col["Submitted on"])
    assert all(re.fullmatch(r"G-\d{5}", g) for g in col["Grant reference"])
    for reference in CLIENT_REFERENCES:
        assert reference not in repr(rows) and reference not in repr(header)


def test_streamed_grant_rows_match_the_resource(register):
    resource = GrantResource()
    expected = [resource.export_resource(g) for g in resource.get_queryset()]
    streamed = [list(row) for row in grant_rows(ExportParams())]
    assert streamed == expected and len(expected) == 3


def test_grant_register_pdf_totals_agree_with_the_ledger(auditor, register):
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(export(auditor, "pdf"))).pages)

    def amount(label):
        match = re.search(re.escape(label) + r"\s*\n£([\d,]+\.\d\d)", text)
        assert match, label
        return Decimal(match.group(1).replace(",", ""))

    committed = sum(
        (r.net_debit.amount for r in trial_balance(register) if r.account.is_grant_category),
        Decimal(0),
    )
    assert amount("Requested") == Decimal("145.00")
    assert amount("Approved (posted to the ledger)") == committed == Decimal("125.00")
    assert amount("Paid") == Decimal("45.00")
    assert "3 grants" in text and "Changing Lives Fund: Grant register" in text
    assert "Page 1 of 1" in text
    for reference in CLIENT_REFERENCES:
        assert reference not in text


def test_no_export_or_statement_contains_a_client_reference(auditor, register):
    kinds = {
        "ledger": "csv",
        "trial_balance": "pdf",
        "fund_statement": "pdf",
        "grant_register": "pdf",
        "grants": "csv",
        "collection_reconciliation": "pdf",
    }
    for kind, file_format in kinds.items():
        stream = io.BytesIO()
        export_write(
            actor=auditor,
            actor_name="a",
            kind=kind,
            file_format=file_format,
            params=ExportParams(),
            stream=stream,
        )
        data = stream.getvalue()
        text = (
            "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
            if file_format == "pdf"
            else data.decode("utf-8-sig")
        )
        for reference in CLIENT_REFERENCES:
            assert reference not in text, (kind, reference)
