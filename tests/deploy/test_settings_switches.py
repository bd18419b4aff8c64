"""MEDIA_STORAGE and REPLICA_DATABASE_URL switch the storage and the database router."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHOW = (
    "import json, config.settings as s; print(json.dumps({'media': s.STORAGES['default'], "
    "'databases': sorted(s.DATABASES), 'routers': getattr(s, 'DATABASE_ROUTERS', []), "
    "'replica_middleware': 'fund.replica.ReplicaReadsMiddleware' in s.MIDDLEWARE}))"
)


def settings_with(**env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("S3_", "MEDIA_", "REPLICA_", "PRIVATE_MEDIA"))
    }
    return subprocess.run(
        [sys.executable, "-c", SHOW],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_disk_storage_and_no_replica_by_default():
    shown = json.loads(settings_with(PRIVATE_MEDIA_ROOT="/var/lib/clf/media").stdout)
    assert shown["media"] == {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": "/var/lib/clf/media"},
    }
    assert shown["databases"] == ["default"]
    assert shown["routers"] == []
    assert shown["replica_middleware"] is False


def test_s3_storage_with_media_storage_s3():
    shown = json.loads(
        settings_with(
            MEDIA_STORAGE="s3",
            S3_BUCKET_NAME="clf-uploads",
            S3_ENDPOINT_URL="https://s3.example.org",
        ).stdout
    )
    assert shown["media"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert shown["media"]["OPTIONS"]["bucket_name"] == "clf-uploads"
    assert shown["media"]["OPTIONS"]["endpoint_url"] == "https://s3.example.org"
    assert shown["media"]["OPTIONS"]["default_acl"] == "private"


def test_s3_without_a_bucket_and_an_unknown_storage_stop_start_up():
    assert "Set the S3_BUCKET_NAME environment variable" in settings_with(MEDIA_STORAGE="s3").stderr
    assert "MEDIA_STORAGE must be disk or s3" in settings_with(MEDIA_STORAGE="ftp").stderr


def test_replica_alias_router_and_middleware_with_replica_database_url():
    shown = json.loads(
        settings_with(REPLICA_DATABASE_URL="postgres://clf@replica.internal/clf").stdout
    )
    assert shown["databases"] == ["default", "replica"]
    assert shown["routers"] == ["fund.replica.ReplicaRouter"]
    assert shown["replica_middleware"] is True
