"""The rules screens: policy parameters (政策参数) and the trial calculation (试算), every role."""

import json
import re
from pathlib import Path

import pytest
from django.urls import reverse

from safetynet.core import labels
from safetynet.rules.money import yuan
from safetynet.web import rules_selectors
from tests.helpers.city import ROLES

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "rules"


@pytest.fixture
def as_role(client, users):
    def login(role="community_worker"):
        client.force_login(users[role])
        return client

    return login


def row(html: str, name: str) -> str:
    """The table row of one parameter on the parameters page."""
    m = re.search(rf'<tr[^>]*data-testid="param-{re.escape(name)}">(.*?)</tr>', html, re.S)
    assert m, name
    return m.group(1)


def test_pages_need_login(client):
    for name in ("rules-parameters", "rules-calculate"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", ROLES)
def test_parameters_page_for_every_role(as_role, role):
    response = as_role(role).get(reverse("rules-parameters"))
    assert response.status_code == 200
    html = response.content.decode()
    # In the navigation of every role, in Chinese.
    assert f'href="{reverse("rules-parameters")}" aria-current="page">政策参数</a>' in html
    assert f'href="{reverse("rules-calculate")}"' in html
    assert "试算" in html
    # Grouped by program.
    assert 'data-testid="program-dibao"' in html
    assert 'data-testid="program-age_allowance"' in html
    assert "最低生活保障（低保）" in html


def test_parameters_page_values_references_and_statuses(as_role):
    html = as_role().get(reverse("rules-parameters"), {"on": "2019-07-01"}).content.decode()
    standard = row(html, "dibao.standard")
    assert "800.00 元" in standard
    assert "2019-07-01" in standard
    # the legal reference as a caseworker reads it (the developers' note only in English)
    assert "民政局公布的标准" in standard and "POLICY.md" not in standard
    assert "已发布" in standard
    assert "待确认" not in standard
    # A default the bureau must confirm is highlighted.
    vehicles_html = re.search(
        r'<tr class="to-confirm" data-testid="param-dibao.max_vehicles">', html
    )
    assert vehicles_html
    assert 'class="badge badge-warn"' in row(html, "dibao.max_vehicles")
    assert "待确认" in row(html, "dibao.max_vehicles")
    assert "项取值待确认" in html  # the summary count
    # The whole dated history is there (expandable), with the earlier values.
    assert "720.00 元" in html
    assert "650.00 元" in html


def test_parameters_page_on_an_earlier_date_and_one_program(as_role):
    html = (
        as_role("auditor")
        .get(reverse("rules-parameters"), {"on": "2019-06-30", "program": "dibao"})
        .content.decode()
    )
    standard = row(html, "dibao.standard")
    assert "720.00 元" in standard
    assert "2016-07-01" in standard
    assert 'data-testid="program-age_allowance"' not in html


def test_parameters_page_casework_time_limits(as_role):
    html = (
        as_role("district_approver")
        .get(reverse("rules-parameters"), {"on": "2026-01-01", "program": "casework"})
        .content.decode()
    )
    assert 'data-testid="program-casework"' in html
    assert "办理时限" in html
    assert "待确认" in row(html, "casework.gradual_exit_months")
    assert "待确认" not in row(html, "casework.investigation_workdays")
    assert "民发〔2021〕57号" in row(html, "casework.investigation_workdays")


def test_parameters_page_ignores_a_bad_date(as_role):
    response = as_role().get(reverse("rules-parameters"), {"on": "not-a-date"})
    assert response.status_code == 200


def test_money_is_formatted_exactly_from_fen():
    assert yuan(80000) == "800.00"
    assert yuan(5) == "0.05"
    assert yuan(123456789012345678) == "1,234,567,890,123,456.78"
    assert yuan(-1999) == "-19.99"
    tiers = {"80": 10000, "100": 110000}
    assert labels.parameter_value("age_allowance.tiers", "fen_table", tiers) == (
        "80周岁及以上：100.00 元；100周岁及以上：1,100.00 元"  # Chinese by default
    )
    assert labels.parameter_value("price_subsidy.cpi_threshold", "ratio", "0.035") == "3.5%"
    assert labels.parameter_value("dibao.funding", "ratio_table", {"city": "0.5"}) == "市级 50%"


def test_example_situation_is_the_documented_one():
    shipped = json.loads(rules_selectors.example_situation())
    assert shipped == json.loads((EXAMPLES / "dibao-two-persons.json").read_text("utf-8"))


@pytest.mark.parametrize("role", ROLES)
def test_trial_calculation_page_prefilled(as_role, role):
    response = as_role(role).get(reverse("rules-calculate") + "?mode=json")
    assert response.status_code == 200
    html = response.content.decode()
    assert "H-350203-0001" in html  # the example situation in the text area
    assert 'value="2019-07"' in html
    assert "试算" in html


def test_trial_calculation_shows_results_and_trace(as_role):
    situation = (EXAMPLES / "dibao-two-persons.json").read_text("utf-8")
    response = as_role().post(
        reverse("rules-calculate"), {"month": "2019-07", "situation": situation}
    )
    assert response.status_code == 200
    html = response.content.decode()
    dibao = re.search(r'data-testid="result-dibao"([^>]*)>(.*?)</tr>', html, re.S)
    assert 'data-reason="ELIGIBLE"' in dibao.group(1)  # the code for scripts, not for people
    assert "最低生活保障（低保）" in dibao.group(2)
    assert "800.00" in dibao.group(2)  # 2 × 800 − (300 + 500) yuan
    assert "400.00" in dibao.group(2)  # city half
    assert "符合条件" in dibao.group(2) and "ELIGIBLE" not in dibao.group(2)
    assert 'data-testid="trial-trace"' in html
    assert "计算过程" in html
    # the trace in Chinese: the parameter's name, value, effective date and legal reference
    assert "城乡低保标准（每人每月）：800.00 元（自 2019-07-01 起施行；依据：" in html
    assert "陈阿婆" in html


def test_trial_calculation_reports_the_field(as_role):
    situation = (EXAMPLES / "invalid-id.json").read_text("utf-8")
    response = as_role().post(
        reverse("rules-calculate"), {"month": "2019-07", "situation": situation}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "家庭情况有误" in html
    assert "persons[0].id_number" in html


def test_trial_calculation_malformed_json_and_month(as_role):
    client = as_role()
    response = client.post(reverse("rules-calculate"), {"month": "2019-07", "situation": "{"})
    assert response.status_code == 422
    assert "不是有效的 JSON" in response.content.decode()
    response = client.post(reverse("rules-calculate"), {"month": "2019-13", "situation": "{}"})
    assert response.status_code == 422
    response = client.post(reverse("rules-calculate"), {"month": "July", "situation": "{}"})
    assert response.status_code == 422
    assert "YYYY-MM" in response.content.decode()
