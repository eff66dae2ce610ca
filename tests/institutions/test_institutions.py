"""Institutions' credentials (ADR 1100): hashed keys shown once, revocable, last-used time, the
kind check, the per-institution rate limit, and the separation from staff endpoints."""

import datetime as dt
import hashlib

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from safetynet.core.errors import NotFoundError, ServiceError
from safetynet.institutions import services
from safetynet.institutions.models import ApiKey, Institution
from tests.helpers.institutions import issue_key, key_header, make_institution

pytestmark = pytest.mark.django_db


@pytest.fixture
def hospital(users):
    return make_institution("H0001", "hospital", name="厦门市第一医院")


def test_key_is_stored_hashed_and_authenticates(client, hospital):
    key = issue_key(hospital)
    row = ApiKey.objects.get(institution=hospital)
    secret = key.split("_", 2)[2]
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in row.secret_hash and key.split("_")[1] == row.prefix
    response = client.get("/api/institutions/me/", **key_header(key))
    assert response.status_code == 200, response.content
    assert response.json() == {
        "code": "H0001",
        "name": "厦门市第一医院",
        "kind": "hospital",
        "division": "350203",
        "key_prefix": row.prefix,
    }


def test_last_used_is_recorded_at_most_once_a_minute(client, hospital):
    key = issue_key(hospital)
    assert ApiKey.objects.get().last_used_at is None
    client.get("/api/institutions/me/", **key_header(key))
    first = ApiKey.objects.get().last_used_at
    assert first is not None
    client.get("/api/institutions/me/", **key_header(key))
    assert ApiKey.objects.get().last_used_at == first
    ApiKey.objects.update(last_used_at=first - dt.timedelta(minutes=5))
    client.get("/api/institutions/me/", **key_header(key))
    assert ApiKey.objects.get().last_used_at > first - dt.timedelta(minutes=1)


@pytest.mark.parametrize(
    "header, code",
    [
        (None, "not_authenticated"),
        ("ApiKey", "invalid_api_key"),
        ("ApiKey nonsense", "invalid_api_key"),
        ("ApiKey snk_000000000000_wrong", "invalid_api_key"),
    ],
)
def test_missing_or_bad_keys_are_401(client, hospital, header, code):
    issue_key(hospital)
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get("/api/institutions/me/", **extra)
    assert response.status_code == 401
    assert response.json()["code"] == code
    assert response["WWW-Authenticate"] == "ApiKey"


def test_wrong_secret_of_a_real_prefix_is_refused(client, hospital):
    key = issue_key(hospital)
    response = client.get("/api/institutions/me/", **key_header(key[:-2] + "xx"))
    assert response.status_code == 401 and response.json()["code"] == "invalid_api_key"


def test_revoked_key_is_refused_at_once_and_other_keys_still_work(client, hospital, users):
    old, new = issue_key(hospital, "old"), issue_key(hospital, "new")
    prefix = old.split("_")[1]
    services.api_key_revoke(actor=users["city_admin"], prefix=prefix, reason="leaked")
    response = client.get("/api/institutions/me/", **key_header(old))
    assert response.status_code == 401 and response.json()["code"] == "api_key_revoked"
    assert client.get("/api/institutions/me/", **key_header(new)).status_code == 200
    row = ApiKey.objects.get(prefix=prefix)
    assert row.revoked_by == users["city_admin"] and row.revoked_reason == "leaked"
    with pytest.raises(ServiceError) as err:
        services.api_key_revoke(actor=users["city_admin"], prefix=prefix)
    assert err.value.code == "key_already_revoked"


def test_inactive_institution_is_refused(client, hospital):
    key = issue_key(hospital)
    Institution.objects.filter(pk=hospital.pk).update(is_active=False)
    response = client.get("/api/institutions/me/", **key_header(key))
    assert response.status_code == 401 and response.json()["code"] == "institution_inactive"


def test_only_the_city_administrator_manages_keys(hospital, users):
    for role in ["community_worker", "street_officer", "district_approver", "auditor"]:
        with pytest.raises(ServiceError) as err:
            services.api_key_issue(actor=users[role], institution_code=hospital.code)
        assert err.value.code == "not_permitted"
    assert not ApiKey.objects.exists()
    with pytest.raises(NotFoundError):
        services.api_key_issue(actor=users["city_admin"], institution_code="NOPE")


def test_institution_create_checks_its_input(users):
    with pytest.raises(ServiceError) as err:
        make_institution("H0002", "clinic")
    assert err.value.code == "invalid_kind" and err.value.problems[0].field == "kind"
    with pytest.raises(ServiceError) as err:
        make_institution("H0002", "hospital", division="999999")
    assert err.value.code == "unknown_division"
    make_institution("H0002")
    with pytest.raises(ServiceError) as err:
        make_institution("H0002")
    assert err.value.code == "institution_exists"
    assert Institution.objects.count() == 1


def test_a_key_never_reaches_staff_endpoints_nor_a_login_institution_ones(client, hospital, users):
    key = issue_key(hospital)
    response = client.get("/api/households/", **key_header(key))
    assert response.status_code in (401, 403)
    client.force_login(users["city_admin"])
    response = client.get("/api/institutions/me/")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_rate_limit_per_institution(client, hospital, settings):
    settings.INSTITUTION_API_RATE = "3/min"
    cache.clear()
    other = make_institution("H0003")
    key, other_key = issue_key(hospital), issue_key(other)
    for _ in range(3):
        assert client.get("/api/institutions/me/", **key_header(key)).status_code == 200
    response = client.get("/api/institutions/me/", **key_header(key))
    assert response.status_code == 429 and response.json()["code"] == "throttled"
    assert "Retry-After" in response
    assert client.get("/api/institutions/me/", **key_header(other_key)).status_code == 200
    cache.clear()


def test_schema_has_the_api_key_scheme(client, users):
    client.force_login(users["city_admin"])
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    scheme = schema["components"]["securitySchemes"]["institutionApiKey"]
    assert scheme["type"] == "apiKey" and scheme["name"] == "Authorization"
    assert schema["paths"]["/api/institutions/me/"]["get"]["security"] == [
        {"institutionApiKey": []}
    ]


def test_cli_issues_once_lists_and_revokes(hospital, users, capsys):
    call_command("institutions", "key-issue", hospital.code, "--label", "HIS", "--as", "ca")
    key = capsys.readouterr().out.strip()
    prefix = key.split("_")[1]
    assert ApiKey.objects.get(prefix=prefix).label == "HIS"
    call_command("institutions", "keys", hospital.code)
    listing = capsys.readouterr().out
    assert prefix in listing and key not in listing and "valid" in listing
    call_command("institutions", "key-revoke", prefix, "--reason", "rotated", "--as", "ca")
    assert ApiKey.objects.get(prefix=prefix).revoked_at <= timezone.now()
    with pytest.raises(CommandError) as err:
        call_command("institutions", "key-revoke", prefix, "--as", "ca")
    assert "key_already_revoked" in str(err.value) and err.value.returncode == 2


def test_every_institution_operation_is_documented_with_key_and_limits(client):
    """Every endpoint of the institutions' APIs (hospitals, funeral homes, the key check) is in
    the OpenAPI schema with the institution key as its only security, and documents the access
    refusals (401 no or bad key, 403 another kind of institution, 429 rate limit) with the
    stable error body; the writing ones document their bad input (400) too."""
    schema = client.get("/api/schema/?format=json").json()
    prefixes = ("/api/medical/", "/api/funeral-homes/", "/api/institutions/")
    ops = [
        (path, method, op)
        for path, item in schema["paths"].items()
        if path.startswith(prefixes)
        for method, op in item.items()
    ]
    assert len(ops) >= 9
    for path, method, op in ops:
        assert op["security"] == [{"institutionApiKey": []}], (path, method)
        assert {"401", "403", "429"} <= set(op["responses"]), (path, method)
        body = op["responses"]["429"]["content"]["application/json"]["schema"]["$ref"]
        assert body.endswith("/InstitutionErrorOut"), (path, method)
        if method == "post":
            assert "400" in op["responses"], (path, method)
    assert schema["components"]["securitySchemes"]["institutionApiKey"]["type"] == "apiKey"
