"""The REST API: scoped like the UI, ID numbers masked in lists, 404 outside the jurisdiction."""

import pytest

from safetynet.registry.ids import mask_id_number
from tests.helpers.city import FULL_ID, MAY_EXPORT, MAY_IMPORT, ROLES, VISIBLE

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, users):
    def login(role):
        client.force_login(users[role])
        return client

    return login


def test_anonymous_is_refused(client, registry):
    response = client.get("/api/households/")
    assert response.status_code in (401, 403)
    assert "code" in response.json()


@pytest.mark.parametrize("role", ROLES)
def test_household_list_is_scoped_and_masked(api, registry, role):
    body = api(role).get("/api/households/").json()
    numbers = {row["number"] for row in body["results"]}
    expected = {h.number for k, h in registry.households().items() if k in VISIBLE[role]}
    assert numbers == expected
    assert body["count"] == len(expected)
    for row in body["results"]:
        assert "*" * 8 in row["head_id_number"]


@pytest.mark.parametrize("role", ROLES)
def test_search_is_scoped(api, registry, role):
    client = api(role)
    for key, person in [("zh1", registry.zhang_wei), ("hl1", registry.chen_jie)]:
        for q in (person.name, person.id_number):
            numbers = {
                r["number"] for r in client.get("/api/households/", {"q": q}).json()["results"]
            }
            expected = {registry.households()[key].number} if key in VISIBLE[role] else set()
            assert numbers == expected, (key, q)


@pytest.mark.parametrize("role", ROLES)
def test_household_detail_is_scoped(api, registry, role):
    client = api(role)
    for key, household in registry.households().items():
        response = client.get(f"/api/households/{household.pk}/")
        if key in VISIBLE[role]:
            assert response.status_code == 200
            body = response.json()
            assert body["number"] == household.number
            assert [d["level"] for d in body["division_path"]] == [
                "city",
                "district",
                "street",
                "community",
            ]
            assert all("*" * 8 in m["id_number"] for m in body["members"])
        else:
            assert response.status_code == 404
            assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("role", ROLES)
def test_person_detail_is_scoped_and_masked_by_role(api, registry, role):
    client = api(role)
    for key, person in [("zh1", registry.zhang_wei), ("hl1", registry.chen_jie)]:
        response = client.get(f"/api/persons/{person.pk}/")
        if key not in VISIBLE[role]:
            assert response.status_code == 404
            continue
        body = response.json()
        expected = person.id_number if FULL_ID[role] else mask_id_number(person.id_number)
        assert body["id_number"] == expected
        assert body["id_number_masked"] is not FULL_ID[role]
        assert body["household"]["number"] == registry.households()[key].number


@pytest.mark.parametrize("role", ROLES)
def test_person_list_is_scoped_and_masked(api, registry, role):
    body = api(role).get("/api/persons/").json()
    names = {row["name"] for row in body["results"]}
    assert ("张伟" in names) == ("zh1" in VISIBLE[role])
    assert ("陈杰" in names) == ("hl1" in VISIBLE[role])
    assert all("*" * 8 in row["id_number"] for row in body["results"])


def test_foreign_and_missing_look_the_same(api, registry):
    client = api("street_officer")
    foreign = client.get(f"/api/households/{registry.hl1.pk}/")
    missing = client.get("/api/households/999999/")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    huli = api("huli_officer")
    assert huli.get(f"/api/households/{registry.zh1.pk}/").status_code == 404
    assert huli.get(f"/api/households/{registry.hl1.pk}/").status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_me(api, users, role):
    body = api(role).get("/api/me/").json()
    user = users[role]
    assert body["username"] == user.username
    assert body["role"] == user.role
    assert body["jurisdiction"]["code"] == user.jurisdiction_id
    assert body["sees_full_id_numbers"] is FULL_ID[role]
    assert ("registry.import_households" in body["permissions"]) == (role in MAY_IMPORT)
    assert ("registry.export_households" in body["permissions"]) == (role in MAY_EXPORT)


def test_filters(api, registry):
    client = api("city_admin")
    numbers = {
        r["number"] for r in client.get("/api/households/", {"category": "tekun"}).json()["results"]
    }
    assert numbers == {registry.hl1.number}
    numbers = {
        r["number"]
        for r in client.get("/api/households/", {"division": "350203"}).json()["results"]
    }
    assert numbers == {registry.zh1.number, registry.zh2.number}


def test_schema_and_offline_docs(api, users):
    client = api("city_admin")
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    for path in ["/api/households/", "/api/households/{id}/", "/api/persons/{id}/", "/api/me/"]:
        assert path in text
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "drf_spectacular_sidecar" in html  # served from our static files
    assert "cdn" not in html.lower() and "https://" not in html


@pytest.mark.parametrize("accept", ["", "application/xml", "image/png;q=1"])
def test_an_empty_or_unusable_accept_header_gets_json(api, users, accept):
    """The API speaks JSON only: an empty or unusable Accept header gets JSON, not 406 (the
    fuzz test sends an empty one)."""
    r = api("city_admin").get("/api/me/", HTTP_ACCEPT=accept)
    assert r.status_code == 200 and r["Content-Type"].startswith("application/json")
    assert r.json()["username"] == users["city_admin"].username
