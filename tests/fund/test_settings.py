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


def import_settings(**env):
    """Import config.settings in a fresh interpreter with exactly these variables set."""
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    return subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "secret_key, message",
    [
        ("", "SECRET_KEY is empty"),
        ("   ", "SECRET_KEY is empty"),
        ("x" * 49, "SECRET_KEY is too short: 49 characters, at least 50 are needed"),
        ("short-key", "SECRET_KEY is too short: 9 characters, at least 50 are needed"),
        (
            "django-insecure-" + "a1b2c3d4e5" * 5,
            "SECRET_KEY begins with 'django-insecure-'",
        ),
        ("ab" * 30, "SECRET_KEY has only 2 different characters, at least 5 are needed"),
    ],
)
def test_an_empty_or_weak_secret_key_stops_start_up_with_debug_off(secret_key, message):
    result = import_settings(DEBUG="false", SECRET_KEY=secret_key)

    assert result.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured" in result.stderr
    assert message in result.stderr
    # The message names the problem, never the key itself.
    if len(secret_key.strip()) >= 5:
        assert secret_key not in result.stderr


@pytest.mark.parametrize(
    "secret_key",
    [
        # scripts/run-tests.sh: "test-only-secret-key-$(date +%s)-not-for-production", 50
        # characters while the clock has 10 digits (until the year 2286).
        "test-only-secret-key-1764689000-not-for-production",
        # scripts/run-bench.sh
        "bench-only-secret-key-1764689000-not-for-production",
        PRODUCTION["SECRET_KEY"],
    ],
)
def test_a_long_secret_key_is_accepted_with_debug_off(secret_key):
    result = import_settings(DEBUG="false", SECRET_KEY=secret_key)

    assert result.returncode == 0, result.stderr


def test_debug_on_accepts_the_development_key():
    result = import_settings(DEBUG="true")

    assert result.returncode == 0, result.stderr
