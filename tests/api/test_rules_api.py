"""The rules endpoints: calculate one household (results, trace, errors naming the field) and list
the policy parameters with their dated values and references."""

import json
from pathlib import Path

import pytest

from tests.helpers.city import ROLES

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "rules"
CALCULATE = "/api/rules/calculate/"
PARAMETERS = "/api/rules/parameters/"


def example(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


@pytest.fixture
def api(client, users):
    def login(role="community_worker"):
        client.force_login(users[role])
        return client

    return login


def post(client, body):
    return client.post(CALCULATE, body, content_type="application/json")


def situation():
    """dibao-two-persons.json, dibao only (the engine adds tekun, which dibao depends on)."""
    s = example("dibao-two-persons.json")
    s["programs"] = ["dibao"]
    return s


# Hand-computed from the parameters (safetynet/rules/parameters/dibao/standard.yaml):
# standard 800 yuan (80000 fen) from 2019-07-01, 720 yuan (72000 fen) from 2016-07-01.
# Counted income: pension 30000 + wage 50000 = 80000 fen (age allowance 10000 and the award
# 20000 are excluded). Two members.
#   2019-07: 2 × 80000 − 80000 = 80000 fen (800.00 yuan)
#   2019-06: 2 × 72000 − 80000 = 64000 fen (640.00 yuan)
@pytest.mark.parametrize(
    ("month", "fen", "yuan"), [("2019-07", 80000, "800.00"), ("2019-06", 64000, "640.00")]
)
def test_calculate_dibao_hand_checked(api, month, fen, yuan):
    response = post(api(), {"month": month, "situation": situation()})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["month"] == month
    assert body["household_id"] == "H-350203-0001"
    dibao = body["programs"]["dibao"]
    assert dibao["eligible"] is True
    assert dibao["reason"] == "ELIGIBLE"
    assert dibao["amount_fen"] == fen
    assert dibao["amount_yuan"] == yuan
    funding = dibao["funding"]
    assert funding["city_fen"] + funding["district_fen"] + funding["street_fen"] == fen
    assert "trace" not in body


def test_calculate_all_programs_by_default(api):
    body = post(api(), {"month": "2019-07", "situation": example("dibao-two-persons.json")}).json()
    assert {"dibao", "tekun", "age_allowance", "price_subsidy"} <= set(body["programs"])
    # The 83-year-old mother: age allowance 100 yuan (tier 80).
    assert body["programs"]["age_allowance"]["amount_fen"] == 10000


def test_calculate_trace_when_asked(api):
    body = post(api(), {"month": "2019-07", "trace": True, "situation": situation()}).json()
    trace = body["trace"]["dibao"]
    standard = next(p for p in trace["parameters"] if p["name"] == "dibao.standard")
    assert standard["value"] == 80000
    assert standard["effective"] == "2019-07-01"
    assert standard["reference"]
    assert standard["status"] == "published"
    assert any("800.00" in line for line in trace["text"])
    figures = {f["label"]: f["value"] for f in trace["figures"]}
    assert 80000 in figures.values()


@pytest.mark.parametrize("role", ROLES)
def test_every_role_may_calculate(api, role):
    response = post(api(role), {"month": "2019-07", "situation": situation()})
    assert response.status_code == 200


def test_anonymous_is_refused(client, users):
    response = post(client, {"month": "2019-07", "situation": situation()})
    assert response.status_code in (401, 403)
    assert "code" in response.json()
    response = client.get(PARAMETERS)
    assert response.status_code in (401, 403)


def bad_id():
    return example("invalid-id.json")


def negative_income():
    s = situation()
    s["persons"][1]["income"]["wage_fen"] = -1
    return s


def unknown_program():
    s = situation()
    s["programs"] = ["dibao", "lottery"]
    return s


def impossible_death():
    s = situation()
    s["persons"][0]["death_date"] = "1930-01-01"
    return s


def unknown_field():
    s = situation()
    s["household"]["colour"] = "red"
    return s


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (bad_id, "persons[0].id_number"),
        (negative_income, "persons[1].income.wage_fen"),
        (unknown_program, "programs[1]"),
        (impossible_death, "persons[0].death_date"),
        (unknown_field, "household.colour"),
    ],
)
def test_invalid_situation_names_the_field(api, make, field):
    response = post(api(), {"month": "2019-07", "situation": make()})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_situation"
    assert body["field"] == field
    assert body["message"]


@pytest.mark.parametrize("month", ["2019-13", "2019-7", "July", 201907, None])
def test_bad_month(api, month):
    response = post(api(), {"month": month, "situation": situation()})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_month"
    assert body["field"] == "month"


def test_month_before_the_parameters(api):
    response = post(api(), {"month": "1990-01", "situation": situation()})
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["field"]) == ("invalid_month", "month")
    assert "dibao.standard" in body["message"]


def test_number_too_large(api):
    s = situation()
    s["persons"][1]["income"]["wage_fen"] = 10**30
    response = post(api(), {"month": "2019-07", "situation": s})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_situation"


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"month": "2019-07"}, "invalid_situation", "situation"),
        ({"month": "2019-07", "situation": []}, "invalid_situation", "<situation>"),
        ({"month": "2019-07", "situation": {}, "extra": 1}, "invalid_request", "extra"),
        ({"month": "2019-07", "situation": {}, "trace": "yes"}, "invalid_request", "trace"),
        ([1, 2], "invalid_request", "<body>"),
    ],
)
def test_invalid_requests(api, body, code, field):
    response = post(api(), body)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["field"] == field


def test_malformed_json(api):
    response = post(api(), '{"month": "2019-07", "situation": {')
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "parse_error"
    assert body["message"]


def test_parameters_lists_every_parameter_with_dated_values(api):
    response = api("auditor").get(PARAMETERS)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == len(body["parameters"]) > 40
    by_name = {p["name"]: p for p in body["parameters"]}
    standard = by_name["dibao.standard"]
    assert standard["program"] == "dibao"
    assert standard["unit"] == "fen"
    assert standard["source"] == "dibao/standard.yaml"  # never the server's path
    dated = {v["effective"]: v for v in standard["values"]}
    assert dated["2019-07-01"]["value"] == 80000
    assert dated["2019-07-01"]["status"] == "published"
    assert dated["2019-07-01"]["reference"]
    assert dated["2016-07-01"]["value"] == 72000
    assert all(v["reference"] and v["status"] for p in body["parameters"] for v in p["values"])
    statuses = {v["status"] for p in body["parameters"] for v in p["values"]}
    assert statuses == {"seed", "published", "default-to-confirm"}


@pytest.mark.parametrize(
    ("on", "effective", "value"),
    [("2019-06-30", "2016-07-01", 72000), ("2019-07-01", "2019-07-01", 80000)],
)
def test_parameters_on_a_date_and_by_program(api, on, effective, value):
    body = api().get(PARAMETERS, {"program": "dibao", "on": on}).json()
    assert body["on"] == on
    assert body["program"] == "dibao"
    assert {p["program"] for p in body["parameters"]} == {"dibao"}
    standard = next(p for p in body["parameters"] if p["name"] == "dibao.standard")
    assert standard["in_force"]["effective"] == effective
    assert standard["in_force"]["value"] == value
    assert len(standard["values"]) >= 3  # the whole history whatever the date


def test_parameters_monthly_series(api):
    body = api().get(PARAMETERS, {"program": "price_indices", "on": "1990-01-01"}).json()
    assert body["parameters"]
    assert all(p["in_force"] is None for p in body["parameters"] if p["kind"] == "monthly_series")


@pytest.mark.parametrize(
    ("query", "code", "field"),
    [
        ({"program": "lottery"}, "unknown_program", "program"),
        ({"on": "2019-7-1"}, "invalid_date", "on"),
        ({"on": "2019-02-30"}, "invalid_date", "on"),
    ],
)
def test_parameters_bad_filters(api, query, code, field):
    response = api().get(PARAMETERS, query)
    assert response.status_code == 400
    assert response.json() == {"code": code, "field": field, "message": response.json()["message"]}


def test_schema_documents_the_rules_endpoints(api):
    text = api("city_admin").get("/api/schema/").content.decode()
    for name in [
        "/api/rules/calculate/",
        "/api/rules/parameters/",
        "RulesCalculateRequest",
        "RulesCalculateResponse",
        "RulesParametersResponse",
        "RulesFieldError",
    ]:
        assert name in text
