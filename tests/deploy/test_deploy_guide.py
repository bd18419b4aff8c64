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
