"""``manage.py export_ledger``: every format, and a manifest beside every file."""

import hashlib
import io
import json

import pytest
from django.core.management import CommandError, call_command

from audit.models import ExportManifest
from fund.selectors import chain_head


def run(*args) -> str:
    out = io.StringIO()
    call_command("export_ledger", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("file_format", ["csv", "xlsx", "ods", "hledger", "beancount"])
def test_each_format_is_written_with_a_manifest_beside_it(
    tmp_path, ledger, public_fund, file_format
):
    output = tmp_path / f"public.{file_format}"

    run(
        "--format",
        file_format,
        "--from",
        "2026-05-01",
        "--to",
        "2026-06-30",
        "--fund",
        "public",
        "--output",
        str(output),
    )

    manifest = json.loads((tmp_path / f"public.{file_format}.manifest.json").read_text())
    head = chain_head()
    assert manifest["sha256"] == hashlib.sha256(output.read_bytes()).hexdigest()
    assert manifest["bytes"] == output.stat().st_size
    assert manifest["chain_head"] == {"sequence": head.sequence, "hash": head.hash}
    assert manifest["parameters"] == {"from": "2026-05-01", "to": "2026-06-30", "fund": "public"}
    assert manifest["format"] == file_format and manifest["export"] == "ledger"
    assert manifest["rows"] == 6
    assert manifest["generated_by"].startswith("command line")
    recorded = ExportManifest.objects.get(pk=manifest["id"])
    assert recorded.sha256 == manifest["sha256"] and recorded.created_by is None


def test_the_user_named_on_the_command_line_is_recorded(tmp_path, ledger, auditor):
    output = tmp_path / "ledger.csv"
    run("--format", "csv", "--output", str(output), "--user", auditor.username)
    manifest = ExportManifest.objects.get()
    assert manifest.created_by == auditor and manifest.actor_name == auditor.username


def test_statements_come_out_as_pdf_with_a_manifest(tmp_path, ledger):
    output = tmp_path / "tb.pdf"
    run("--export", "trial_balance", "--format", "pdf", "--output", str(output))
    assert output.read_bytes().startswith(b"%PDF")
    assert json.loads((tmp_path / "tb.pdf.manifest.json").read_text())["export"] == "trial_balance"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fund", "nope"], "No fund with code 'nope'"),
        (["--from", "2026-13-01"], "is not a date"),
        (["--from", "2026-06-02", "--to", "2026-06-01"], "--from must not be after --to"),
        (["--format", "pdf"], "cannot be exported as pdf"),
        (["--export", "trial_balance", "--format", "csv"], "cannot be exported as csv"),
        (["--user", "nobody"], "No user 'nobody'"),
    ],
)
def test_bad_arguments_are_refused_and_nothing_is_written(tmp_path, ledger, args, message):
    output = tmp_path / "out.csv"
    with pytest.raises(CommandError, match=message):
        run("--format", "csv", "--output", str(output), *args)
    assert not output.exists()
    assert not ExportManifest.objects.exists()
