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
from audit.models import ExportManifest
from fund.models import Transfer
from fund.snapshots import read_snapshot
from tests.fund.helpers import post


@pytest.mark.skipif(
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


def test_outside_a_transaction_an_export_is_written_and_an_error_leaves_nothing_open(
    committing_db, officer, public_fund
):
    """On either database: the snapshot is a transaction of its own, closed after the
    export (so its manifest is recorded), and rolled back by an error inside it."""
    post(officer, public_fund, "assets:bank", "income:donations:boxes", "10.00", key="first")
    out = io.BytesIO()
    manifest = export_write(
        actor=officer,
        actor_name="officer",
        kind="ledger",
        file_format="csv",
        params=ExportParams(),
        stream=out,
    )
    assert ExportManifest.objects.get(pk=manifest.pk).chain_head_sequence == 1
    assert "10.00" in out.getvalue().decode()
    assert not connection.in_atomic_block

    with pytest.raises(ValueError), read_snapshot():
        assert connection.in_atomic_block
        raise ValueError("the export failed")
    assert not connection.in_atomic_block
    post(officer, public_fund, "assets:bank", "income:donations:boxes", "2.50", key="second")
    assert Transfer.objects.count() == 2
