"""Settings come from the environment, fail loudly on bad values and pass the deploy check."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k7#Lq2!vZ9@pR4$wX8^mN3&bT6*yH1(jC5)eF0_gU-iO+aS=dK[lP]zQ{xW}vB|nM",
    "ALLOWED_HOSTS": "fund.example.org",
    "DATABASE_URL": "sqlite:////tmp/deploy-check.sqlite3",
}


def manage(*args, **env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "SECURE_SSL_REDIRECT",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
            "EMAIL_BACKEND",
        }
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_deploy_check_is_clean_under_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_no_secret_key_outside_development_is_refused():
    env = {**PRODUCTION}
    del env["SECRET_KEY"]
    result = manage("check", **env)
    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable" in result.stderr


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("DEBUG", "maybe", "DEBUG must be true or false"),
        ("EMAIL_PORT", "twenty-five", "EMAIL_PORT must be a whole number"),
        ("SESSION_IDLE_SECONDS", "1.5", "SESSION_IDLE_SECONDS must be a whole number"),
    ],
)
def test_bad_values_stop_start_up_with_the_variable_named(name, value, message):
    result = manage(
        "check",
        **{
            **PRODUCTION,
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            name: value,
        },
    )
    assert result.returncode != 0
    assert message in result.stderr


def test_development_key_cannot_be_used_in_production():
    result = manage(
        "check",
        **{**PRODUCTION, "SECRET_KEY": "django-insecure-development-only-never-in-production"},
    )
    assert result.returncode != 0
    assert "development SECRET_KEY" in result.stderr
