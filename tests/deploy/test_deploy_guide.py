"""DEPLOY.md stays true: every environment variable settings reads is listed, and every file
it points to exists."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_environment_variable_of_settings_is_in_the_guide():
    settings = (ROOT / "config" / "settings.py").read_text()
    read = set(re.findall(r'env_(?:str|bool|int|list)\(\s*"([A-Z0-9_]+)"', settings))
    assert {"DATABASE_URL", "REPLICA_DATABASE_URL", "MEDIA_STORAGE", "EMAIL_BACKEND"} <= read
    guide = (ROOT / "DEPLOY.md").read_text()
    assert sorted(name for name in read if f"`{name}`" not in guide) == []


def test_every_file_the_guide_links_exists():
    guide = (ROOT / "DEPLOY.md").read_text()
    links = re.findall(r"\]\(((?:deploy|scripts)/[^)]+)\)", guide)
    assert len(links) >= 3
    assert [link for link in links if not (ROOT / link).exists()] == []
    units = ["clf-web.service", "clf-worker.service", "clf-retention.timer", "clf-backup.timer"]
    units += ["clf-reconcile-stripe.timer", "clf-import-statements.timer"]
    for name in units:
        assert (ROOT / "deploy" / "systemd" / name).exists()


def test_every_migration_the_guide_names_exists():
    guide = (ROOT / "DEPLOY.md").read_text()
    named = re.findall(r"`([a-z_]+)\.(\d{4}_[a-z0-9_]+)`", guide)
    assert ("fund", "0006_create_cache_table") in named
    missing = [
        f"{app}.{name}"
        for app, name in named
        if not (ROOT / app / "migrations" / f"{name}.py").exists()
    ]
    assert missing == []


def test_stripe_events_are_requeued_at_worker_start_and_on_a_timer():
    """A worker killed between storing and processing a Stripe event leaves its task
    claimed: the worker unit requeues before it starts, and a timer does every few minutes."""
    systemd = ROOT / "deploy" / "systemd"
    worker = (systemd / "clf-worker.service").read_text()
    assert "ExecStartPre=-/srv/clf/.venv/bin/python manage.py stripe_events_requeue" in worker
    service = (systemd / "clf-stripe-requeue.service").read_text()
    assert "ExecStart=/srv/clf/.venv/bin/python manage.py stripe_events_requeue" in service
    assert "Type=oneshot" in service
    timer = (systemd / "clf-stripe-requeue.timer").read_text()
    assert "OnUnitActiveSec=5min" in timer
    guide = (ROOT / "DEPLOY.md").read_text()
    assert "clf-stripe-requeue.timer" in guide
    assert "| `clf-stripe-requeue` | `manage.py stripe_events_requeue`" in guide


def _exec_start(unit: str) -> str:
    text = (ROOT / "deploy" / "systemd" / unit).read_text()
    [line] = [x for x in text.splitlines() if x.startswith("ExecStart=")]
    return line.removeprefix("ExecStart=")


def test_the_statement_import_unit_gives_the_command_its_account(tmp_path):
    """The unit's loop, run by sh as systemd would (``$$`` unescaped), with the paths moved
    under tmp_path and manage.py replaced by a script that records its arguments and
    refuses one file: each file is imported with ``--account current`` (the bank account
    the app creates), the refused one stays, and the unit ends failed."""
    import os
    import subprocess

    from banking.apps import DEFAULT_BANK_ACCOUNT
    from banking.management.commands.import_bank_statement import Command

    command = _exec_start("clf-import-statements.service")
    assert command.startswith("/bin/sh -c '") and command.endswith("'")
    script = command.removeprefix("/bin/sh -c '").removesuffix("'").replace("$$", "$")
    for folder in ("incoming", "done"):
        (tmp_path / folder).mkdir()
    (tmp_path / "incoming" / "nov.csv").write_text("good")
    (tmp_path / "incoming" / "bad.csv").write_text("bad")
    recorder = tmp_path / "python"
    recorder.write_text(
        '#!/bin/sh\nshift\nprintf "%s|" "$@" >> "$(dirname "$0")/calls"\necho >> '
        '"$(dirname "$0")/calls"\ncase "$2" in *bad.csv) exit 1;; esac\n'
    )
    recorder.chmod(0o755)
    script = script.replace("/var/lib/clf/statements", str(tmp_path)).replace(
        "/srv/clf/.venv/bin/python", str(recorder)
    )
    unit = (ROOT / "deploy" / "systemd" / "clf-import-statements.service").read_text()
    environment = dict(
        line.removeprefix("Environment=").split("=", 1)
        for line in unit.splitlines()
        if line.startswith("Environment=")
    )
    assert environment == {"CLF_STATEMENT_ACCOUNT": "current", "CLF_STATEMENT_LAYOUT": ""}
    assert DEFAULT_BANK_ACCOUNT[0] == "current"

    def run(**extra):
        env = {"PATH": os.environ["PATH"], **environment, **extra}
        return subprocess.run(["/bin/sh", "-c", script], env=env, check=False).returncode

    assert run() == 1
    assert sorted(p.name for p in (tmp_path / "incoming").iterdir()) == ["bad.csv"]
    assert sorted(p.name for p in (tmp_path / "done").iterdir()) == ["nov.csv"]
    calls = [line.rstrip("|").split("|") for line in (tmp_path / "calls").read_text().splitlines()]
    assert calls == [
        ["import_bank_statement", f"{tmp_path}/incoming/bad.csv", "--account", "current"],
        ["import_bank_statement", f"{tmp_path}/incoming/nov.csv", "--account", "current"],
    ]
    parser = Command().create_parser("manage.py", "import_bank_statement")
    options = parser.parse_args(calls[1][1:])
    assert (options.account, options.layout) == ("current", None)

    (tmp_path / "calls").unlink()
    (tmp_path / "incoming" / "bad.csv").unlink()
    (tmp_path / "incoming" / "dec.csv").write_text("good")
    assert run(CLF_STATEMENT_LAYOUT="my-bank") == 0
    calls = [line.rstrip("|").split("|") for line in (tmp_path / "calls").read_text().splitlines()]
    assert calls[0][2:] == ["--account", "current", "--layout", "my-bank"]
    assert parser.parse_args(calls[0][1:]).layout == "my-bank"
    guide = (ROOT / "DEPLOY.md").read_text()
    assert "`manage.py import_bank_statement FILE --account CODE [--layout NAME]`" in guide
