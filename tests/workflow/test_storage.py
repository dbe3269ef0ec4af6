"""Evidence goes through Django's storage API: the file system under MEDIA_ROOT by default
(never under the static files), an S3-compatible store when a bucket is configured."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage

from cooperation.models.workflow import evidence_storage

ROOT = Path(__file__).resolve().parents[2]


def settings_in_a_fresh_process(**env) -> dict:
    """The settings as a fresh process reads them (without ``django.setup()``, which would
    build the S3 storage: django-storages is the optional ``s3`` extra, not installed here)."""
    code = (
        "import json; from django.conf import settings; "
        "print(json.dumps({'storages': settings.STORAGES, 'media': str(settings.MEDIA_ROOT), "
        "'max': settings.CHENGYI_UPLOAD_MAX_MB}, default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tracker.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_default_is_the_file_system_outside_static_files():
    storage = evidence_storage()
    assert isinstance(storage, FileSystemStorage)
    fresh = settings_in_a_fresh_process()
    assert "evidence" not in fresh["storages"]
    assert fresh["media"].endswith("var/media") and fresh["max"] == 20
    assert not fresh["media"].startswith(str(settings.STATIC_ROOT))
    assert "static" not in Path(fresh["media"]).parts


def test_a_bucket_switches_evidence_to_s3_through_django_storages():
    fresh = settings_in_a_fresh_process(
        CHENGYI_S3_BUCKET="chengyi-evidence",
        CHENGYI_S3_ENDPOINT_URL="http://127.0.0.1:9000",
        CHENGYI_UPLOAD_MAX_MB="5",
    )
    evidence = fresh["storages"]["evidence"]
    assert evidence["BACKEND"] == "storages.backends.s3.S3Storage"
    assert evidence["OPTIONS"]["bucket_name"] == "chengyi-evidence"
    assert evidence["OPTIONS"]["endpoint_url"] == "http://127.0.0.1:9000"
    assert evidence["OPTIONS"]["default_acl"] is None  # private objects
    assert evidence["OPTIONS"]["file_overwrite"] is False
    assert fresh["max"] == 5
