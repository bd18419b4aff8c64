"""An export's manifest proves, later, that the ledger up to that export was not rewritten."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from fund import triggers
from fund.models import ChainHead, Transfer
from fund.services.chain import canonical_content, chain_hash


@pytest.fixture
def exported(tmp_path, ledger):
    output = tmp_path / "ledger.csv"
    call_command("export_ledger", "--format", "csv", "--output", str(output), stdout=io.StringIO())
    return output, tmp_path / "ledger.csv.manifest.json"


def verify(*manifests) -> str:
    out = io.StringIO()
    args = [arg for path in manifests for arg in ("--manifest", str(path))]
    call_command("verify_ledger", *args, stdout=out)
    return out.getvalue()


def verify_fails(*manifests) -> str:
    with pytest.raises(CommandError) as failed:
        verify(*manifests)
    assert failed.value.returncode == 1
    return str(failed.value)


def rewrite_history_perfectly(sequence: int, new_amount: str) -> None:
    """What a forger with database access would do: change one transfer, then recompute
    every hash after it and the chain head, so that verify_ledger alone sees nothing."""
    triggers.uninstall(connection)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE fund_transfer SET amount = %s WHERE sequence = %s", [new_amount, sequence]
        )
    prev_hash = Transfer.objects.get(sequence=sequence).prev_hash
    for transfer in (
        Transfer.objects.filter(sequence__gte=sequence).select_related("entry").order_by("sequence")
    ):
        entry = transfer.entry
        content = canonical_content(
            transfer.sequence,
            entry.pk,
            entry.effective_date.isoformat(),
            transfer.fund_id,
            transfer.debit_account_id,
            transfer.credit_account_id,
            f"{transfer.amount.amount:.2f}",
            "GBP",
            entry.memo,
            entry.source,
            entry.idempotency_key,
            entry.reverses_id,
        )
        new_hash = chain_hash(prev_hash, content)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE fund_transfer SET prev_hash = %s, hash = %s WHERE id = %s",
                [prev_hash, new_hash, transfer.pk],
            )
        prev_hash = new_hash
    ChainHead.objects.update(hash=prev_hash)


def test_intact_ledger_matches_the_manifest(exported):
    _, manifest = exported
    out = verify(manifest)
    assert "Ledger OK" in out
    assert f"Manifest OK: {manifest}" in out


def test_altered_transfer_fails_verification_against_the_manifest(exported):
    _, manifest = exported
    triggers.uninstall(connection)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE fund_transfer SET amount = amount + 1 WHERE sequence = 1")

    message = verify_fails(manifest)

    assert "transfer #1" in message


def test_perfectly_rewritten_history_is_still_caught_by_an_older_manifest(exported):
    _, manifest = exported
    rewrite_history_perfectly(sequence=1, new_amount="1.00")
    # The rewrite is internally consistent except for the cached balances; rebuild those
    # too so that only the manifest can tell.
    from fund.models import Balance
    from tests.fund.helpers import gbp

    for balance in Balance.objects.all():
        debit = sum(
            (
                t.amount
                for t in Transfer.objects.filter(
                    fund=balance.fund_id, debit_account=balance.account_id
                )
            ),
            gbp("0.00"),
        )
        credit = sum(
            (
                t.amount
                for t in Transfer.objects.filter(
                    fund=balance.fund_id, credit_account=balance.account_id
                )
            ),
            gbp("0.00"),
        )
        Balance.objects.filter(pk=balance.pk).update(debit_total=debit, credit_total=credit)
    # And the month totals, the other cache the posting service keeps.
    from fund.models import MonthTotal

    for total in MonthTotal.objects.all():
        in_month = Transfer.objects.filter(
            fund=total.fund_id,
            entry__effective_date__year=total.month.year,
            entry__effective_date__month=total.month.month,
        )
        MonthTotal.objects.filter(pk=total.pk).update(
            debit_total=sum(
                (t.amount for t in in_month.filter(debit_account=total.account_id)), gbp("0.00")
            ),
            credit_total=sum(
                (t.amount for t in in_month.filter(credit_account=total.account_id)), gbp("0.00")
            ),
        )
    # Debits and credits of a single transfer change together, so the trial balance holds.
    assert "Ledger OK" in verify()

    message = verify_fails(manifest)

    assert "has been rewritten" in message


def test_changed_export_file_fails_its_manifest(exported):
    output, manifest = exported
    output.write_text(output.read_text().replace("1", "7", 1))
    assert "SHA-256 differs" in verify_fails(manifest)


def test_unreadable_manifest_is_a_clear_error(tmp_path, ledger):
    bad = tmp_path / "bad.manifest.json"
    bad.write_text("{not json")
    with pytest.raises(CommandError, match="Cannot read the manifest"):
        verify(bad)
