"""An export is read at one snapshot: a posting committed while it is being written is
wholly in it or wholly out, so a total read first agrees with the lines read after it, and
the manifest's chain head is the head of what the file holds."""

import io
import threading

import pytest
from django.db import connection

from audit.exports import kinds
from audit.exports.kinds import ExportKind, export_write
from audit.exports.params import ExportParams
from fund.models import Transfer
from tests.fund.helpers import post

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs a second connection committing while the first reads (PostgreSQL)",
)


def test_a_posting_committed_midway_is_not_in_the_export(
    committing_db, officer, public_fund, monkeypatch
):
    post(officer, public_fund, "assets:bank", "income:donations:boxes", "10.00", key="first")

    def posted_elsewhere():
        try:
            post(
                officer, public_fund, "assets:bank", "income:donations:boxes", "2.50", key="second"
            )
        finally:
            connection.close()  # this thread's own connection

    def write(file_format, params, head, stream):
        # Like the reconciliation export: a figure first, then the lines it sums.
        counted = Transfer.objects.count()
        thread = threading.Thread(target=posted_elsewhere)
        thread.start()
        thread.join()
        listed = list(Transfer.objects.values_list("amount", flat=True))
        stream.write(f"{counted} transfers; listed {len(listed)}: {sorted(listed)}".encode())
        return len(listed)

    monkeypatch.setitem(kinds.EXPORT_KINDS, "probe", ExportKind("probe", "Probe", ("csv",), write))
    out = io.BytesIO()
    manifest = export_write(
        actor=officer,
        actor_name="officer",
        kind="probe",
        file_format="csv",
        params=ExportParams(),
        stream=out,
    )

    assert out.getvalue().decode() == "1 transfers; listed 1: [Decimal('10.00')]"
    assert manifest.chain_head_sequence == 1
    assert Transfer.objects.count() == 2  # committed, and in the next export
