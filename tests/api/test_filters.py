"""The lists' query parameters: an empty, malformed or unknown value is a 400 naming the
parameter (never a 500, never silently ignored). A NUL byte reached PostgreSQL as a 500."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(client, users, registry):
    client.force_login(users["street_officer"])
    return client


@pytest.mark.parametrize("path", ["/api/households/", "/api/persons/"])
@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("q", "张\x00"),
        ("q", ""),
        ("q", "   "),
        ("q", "x" * 65),
        ("division", "350203\x00"),
        ("division", ""),
        ("division", "999999"),
        ("division", "abc"),
        ("category", "dibao\x00"),
        ("category", ""),
        ("category", "unknown"),
        ("page", "0"),
        ("page", "abc"),
        ("page", "99"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(officer, path, param, value):
    response = officer.get(path, {param: value})
    assert response.status_code == 400, response.content
    body = response.json()
    assert (body["code"], body["field"]) == ("invalid_filter", param)
    assert body["message"]


@pytest.mark.parametrize("param", ["on", "program"])
def test_rules_parameters_refuse_empty_values(officer, param):
    response = officer.get("/api/rules/parameters/", {param: ""})
    assert response.status_code == 400
    assert response.json()["field"] == param


def test_good_filters_still_filter(officer, registry):
    body = officer.get(
        "/api/households/", {"q": "张", "division": "350203", "category": "dibao"}
    ).json()
    assert [r["number"] for r in body["results"]] == ["ZH-0001"]
    assert (body["count"], body["truncated"]) == (1, False)
    body = officer.get("/api/persons/", {"q": registry.wang_fang.id_number}).json()
    assert [r["name"] for r in body["results"]] == ["王芳"]


def test_unknown_api_paths_are_json_404s(officer):
    for path in ["/api/households/abc/", "/api/persons/-1/", "/api/nothing/"]:
        response = officer.get(path)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
