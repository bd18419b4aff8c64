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
