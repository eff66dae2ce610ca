"""A service that fails removes the files it stored: no scan outlives its rolled-back row."""

from pathlib import Path

import pytest
from django.conf import settings

from safetynet.verification import services
from safetynet.verification.models import VerificationRequest
from tests.helpers.verification import open_for

pytestmark = pytest.mark.django_db


def stored_scans() -> set[Path]:
    root = Path(settings.MEDIA_ROOT) / "authorizations"
    return {p for p in root.rglob("*") if p.is_file()}


def test_a_failed_open_leaves_no_authorization_scan(monkeypatch, caseworker, city_facts):
    before = stored_scans()

    def fail(*args, **kwargs):
        raise RuntimeError("the database refused")

    monkeypatch.setattr(services, "_create_queries", fail)
    with pytest.raises(RuntimeError):
        open_for(caseworker, city_facts.honest)
    assert VerificationRequest.objects.count() == 0
    assert stored_scans() == before


def test_a_successful_open_keeps_its_scan(
    django_capture_on_commit_callbacks, caseworker, city_facts
):
    with django_capture_on_commit_callbacks(execute=False):
        request = open_for(caseworker, city_facts.honest)
    assert Path(request.authorization_scan.path).is_file()
