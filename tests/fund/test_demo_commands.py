"""Demo-only commands refuse to run with DEBUG off and write nothing.

seed_demo creates a superuser and an account for every role with the published demo
password and authenticator secret; on a real deployment those would be a way in.
"""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.fund.helpers import call_demo_command

ROOT = Path(__file__).resolve().parents[2]
DEMO_COMMANDS = ["seed_demo", "demo_code"]


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@pytest.mark.parametrize("name", DEMO_COMMANDS)
def test_demo_command_refuses_with_debug_off_and_writes_nothing(db, settings, name):
    settings.DEBUG = False
    before = row_counts()

    with pytest.raises(CommandError) as refused:
        call_command(name)

    assert str(refused.value).startswith(
        f"{name} is for the local demo only and refuses to run with DEBUG off"
    )
    assert "Nothing was written." in str(refused.value)
    assert row_counts() == before
    assert get_user_model().objects.count() == 0


def test_seed_demo_still_runs_with_debug_on_and_prints_the_logins_last(db, capsys):
    call_demo_command("seed_demo")

    lines = capsys.readouterr().out.rstrip("\n").splitlines()
    # The short two-factor note first, then the logins, the password the very last line.
    assert lines[0].startswith("Two-factor sign-in:")
    assert lines[-10] == "Demo data ready. Sign in at http://127.0.0.1:8000/accounts/login/ as:"
    assert [line.split()[0] for line in lines[-9:-1]] == [
        "keyworker",
        "keyworker2",
        "officer",
        "officer2",
        "manager",
        "auditor",
        "partner",
        "admin",
    ]
    assert lines[-1] == "Password for every demo account: changing-lives-demo"
    assert len(lines) == 15
    assert get_user_model().objects.filter(username="admin", is_superuser=True).exists()


def test_seed_demo_exits_non_zero_from_the_command_line_and_writes_nothing(
    tmp_path,
):
    database = tmp_path / "never-created.sqlite3"
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "demo-refusal-test-secret-key-0123456789-abcdefghijklmnop",
        "DATABASE_URL": f"sqlite:///{database}",
    }
    env.pop("STRIPE_API_BASE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "seed_demo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 1
    assert "seed_demo is for the local demo only" in result.stderr
    assert result.stdout == ""
    # Nothing written: the database (opened, at most, by the system checks) holds no table.
    if database.exists():
        with sqlite3.connect(database) as connection:
            tables = connection.execute("SELECT name FROM sqlite_master").fetchall()
        assert tables == []
