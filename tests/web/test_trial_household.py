"""The trial calculation started from a household (issue 10, ADR 1011): prefilled from the
registry and the latest verification report, amounts in yuan converted exactly to fen, members
by name, the trace in Chinese sentences with each parameter's value, date and legal reference."""

import re

import pytest
from django.urls import reverse

from safetynet.verification.models import AccessLog
from safetynet.web import trial_selectors
from tests.helpers.verification import full_report

pytestmark = pytest.mark.django_db

STANDARD_2019 = 80_000  # dibao standard from 2019-07-01, fen (POLICY §3)


def _post_data(prefill, month, incomes):
    """The household form as the page posts it, with the given monthly incomes (yuan text)."""
    initial, rows = trial_selectors.form_initial(prefill, month=month, choices=[])
    data = {
        "month": month,
        "household": prefill.household_id,
        "division_code": initial["division_code"],
        "financial_assets": "0",
        "medical_oop_12m": "0",
        "vehicles": "0",
        "homes": "0",
        "businesses": "0",
        "m-TOTAL_FORMS": str(len(rows)),
        "m-INITIAL_FORMS": str(len(rows)),
        "m-MIN_NUM_FORMS": "1",
        "m-MAX_NUM_FORMS": "20",
    }
    for i, r in enumerate(rows):
        data.update(
            {
                f"m-{i}-person_id": r["person_id"],
                f"m-{i}-name": r["name"],
                f"m-{i}-relation": r["relation"],
                f"m-{i}-sex": r["sex"],
                f"m-{i}-birth_date": r["birth_date"].isoformat(),
                f"m-{i}-registered": "on",
                f"m-{i}-selfcare_failed_items": "0",
                f"m-{i}-has_capable_supporter": "on",
            }
        )
        for kind, value in incomes.get(r["name"], {}).items():
            data[f"m-{i}-{kind}"] = value
    return data


def test_prefill_from_the_registry_lists_living_members_by_name(users, registry):
    prefill = trial_selectors.trial_prefill(
        actor=users["street_officer"], household_id=registry.zh1.pk
    )
    assert [m["name"] for m in prefill.members] == ["张伟", "李娜", "张小明"]
    assert prefill.members[0]["relation"] == "head"
    assert prefill.head_name == "张伟"
    assert prefill.report_number == ""  # no verification yet: nothing but the registry
    assert all(m["wage_fen"] == 0 for m in prefill.members)
    # a deceased member is not a member of the calculation
    hl1 = trial_selectors.trial_prefill(actor=users["city_admin"], household_id=registry.hl1.pk)
    assert [m["name"] for m in hl1.members] == ["陈杰"]


def test_prefill_outside_the_jurisdiction_is_not_found(users, registry):
    from safetynet.core.errors import NotFoundError

    with pytest.raises(NotFoundError):
        trial_selectors.trial_prefill(actor=users["community_worker"], household_id=registry.zh2.pk)


def test_yuan_are_converted_exactly_and_the_engine_runs_on_the_members(users, registry):
    from safetynet.web.forms import TrialHouseholdForm, TrialMemberFormSet

    actor = users["street_officer"]
    prefill = trial_selectors.trial_prefill(actor=actor, household_id=registry.zh1.pk)
    data = _post_data(
        prefill, "2019-07", {"张伟": {"pension": "300.00"}, "张小明": {"wage": "500.50"}}
    )
    form = TrialHouseholdForm(data, division_choices=[(registry.zh1.division_id, "x")])
    members = TrialMemberFormSet(data, prefix="m")
    assert form.is_valid(), form.errors
    assert members.is_valid(), members.errors
    rows = [m.situation_member() for m in members.forms if m.cleaned_data]
    assert [r["pension_fen"] for r in rows] == [30_000, 0, 0]
    assert [r["wage_fen"] for r in rows] == [0, 0, 50_050]  # 500.50 yuan, exactly
    situation = trial_selectors.situation_from_form(
        actor=actor, household=form.situation_household(), members=rows, month="2019-07"
    )
    # the registry's categories in force come with the person (张伟: dibao, elderly_80)
    assert {e["category"] for e in situation["persons"][0]["enrolments"]} == {
        "dibao",
        "elderly_80",
    }
    result = trial_selectors.trial_run(situation=situation, month="2019-07")
    dibao = next(p for p in result.programs if p.name == "dibao")
    # 3 × 800 yuan − (300 + 500.50) yuan = 1,599.50 yuan
    assert dibao.amount_fen == 3 * STANDARD_2019 - 30_000 - 50_050 == 159_950
    assert dibao.amount == "1,599.50"
    assert dibao.reason == "符合条件"
    assert dibao.title == "最低生活保障（低保）"
    assert "城乡低保标准（每人每月）：800.00 元（自 2019-07-01 起施行；依据：" in dibao.trace[0]
    assert "家庭月计算收入：800.50 元" in dibao.trace
    assert "符合条件：是" in dibao.trace


def test_household_page_links_to_its_trial(client, users, registry):
    client.force_login(users["street_officer"])
    html = client.get(reverse("household-detail", args=[registry.zh1.pk])).content.decode()
    link = f"{reverse('rules-calculate')}?household={registry.zh1.pk}"
    assert f'href="{link}"' in html
    page = client.get(link)
    assert page.status_code == 200
    text = page.content.decode()
    assert "试算：张伟户" in text
    for name in ("张伟", "李娜", "张小明"):
        assert f'value="{name}"' in text
    # dates in ISO in the date inputs whatever the locale (a browser rejects 1938/03/05)
    assert 'type="date" name="m-0-birth_date" value="1938-03-05"' in text


def test_trial_page_outside_the_jurisdiction_is_404(client, users, registry):
    client.force_login(users["community_worker"])
    response = client.get(reverse("rules-calculate") + f"?household={registry.zh2.pk}")
    assert response.status_code == 404


def test_trial_page_shows_chinese_results_and_sentences(client, users, registry):
    client.force_login(users["street_officer"])
    prefill = trial_selectors.trial_prefill(
        actor=users["street_officer"], household_id=registry.zh1.pk
    )
    data = _post_data(prefill, "2019-07", {"张伟": {"pension": "300"}, "张小明": {"wage": "500.5"}})
    response = client.post(reverse("rules-calculate"), data)
    assert response.status_code == 200
    html = response.content.decode()
    row = re.search(r'data-testid="result-dibao"[^>]*>(.*?)</tr>', html, re.S).group(1)
    assert "1,599.50" in row and "符合条件" in row
    assert "ELIGIBLE" not in row and "True" not in html
    assert "城乡低保标准（每人每月）：800.00 元（自 2019-07-01 起施行" in html


def test_trial_form_names_a_wrong_amount(client, users, registry):
    client.force_login(users["street_officer"])
    prefill = trial_selectors.trial_prefill(
        actor=users["street_officer"], household_id=registry.zh1.pk
    )
    data = _post_data(prefill, "2019-07", {"张伟": {"pension": "300.123"}})
    response = client.post(reverse("rules-calculate"), data)
    assert response.status_code == 422
    assert "trial-result" not in response.content.decode()


def test_prefill_from_the_latest_report_is_logged(
    django_capture_on_commit_callbacks, agencies, agency_city, caseworker, city_facts, users
):
    c = city_facts.honest
    report = full_report(django_capture_on_commit_callbacks, caseworker, c, agency_city)
    before = AccessLog.objects.count()
    prefill = trial_selectors.trial_prefill(actor=caseworker, household_id=c.household_id)
    assert prefill.report_number == report.number
    assert AccessLog.objects.count() == before + 1  # reading verified figures is logged
    counted = sum(m[k] for m in prefill.members for k in trial_selectors.INCOME_ITEMS)
    assert counted == report.counted_income_fen
    assert prefill.financial_assets_fen == report.financial_assets_fen
    # a role that may not see verification data gets the registry only
    admin = trial_selectors.trial_prefill(actor=users["city_admin"], household_id=c.household_id)
    assert admin.report_number == "" and admin.financial_assets_fen == 0
    assert AccessLog.objects.count() == before + 1


def test_members_removed_on_the_page_are_left_out(client, users, registry):
    """ADR 1034: a row whose Remove box is ticked is not a member of the situation: 3 members →
    2 once 张小明 (wage 500.50) is removed: 2 × 800.00 − 300.00 (张伟's pension) = 1,300.00."""
    client.force_login(users["street_officer"])
    prefill = trial_selectors.trial_prefill(
        actor=users["street_officer"], household_id=registry.zh1.pk
    )
    data = _post_data(prefill, "2019-07", {"张伟": {"pension": "300"}, "张小明": {"wage": "500.5"}})
    index = next(k for k, v in data.items() if v == "张小明").split("-")[1]
    data[f"m-{index}-DELETE"] = "on"
    response = client.post(reverse("rules-calculate"), data)
    assert response.status_code == 200
    html = response.content.decode()
    row = re.search(r'data-testid="result-dibao"[^>]*>(.*?)</tr>', html, re.S).group(1)
    assert "1,300.00" in row
    # a member added on the page (the next index) counts: 3 members again, no income
    n = int(data["m-TOTAL_FORMS"])
    data.pop(f"m-{index}-DELETE")
    data.update(
        {
            "m-TOTAL_FORMS": str(n + 1),
            f"m-{n}-name": "新成员",
            f"m-{n}-relation": "child",
            f"m-{n}-sex": "F",
            f"m-{n}-birth_date": "2015-01-01",
            f"m-{n}-registered": "on",
            f"m-{n}-selfcare_failed_items": "0",
        }
    )
    response = client.post(reverse("rules-calculate"), data)
    row = re.search(r'data-testid="result-dibao"', response.content.decode())
    assert response.status_code == 200 and row
    assert 'id="trial-member-template"' in response.content.decode()
    assert 'data-testid="trial-add-member"' in response.content.decode()


def test_one_off_requests_are_labelled_fields_in_yuan():
    """ADR 1034: temporary assistance and disaster housing as form fields, yuan → fen exactly."""
    from safetynet.web.forms import TrialHouseholdForm

    form = TrialHouseholdForm(
        {
            "month": "2019-07",
            "division_code": "350203002001",
            "vehicles": "0",
            "homes": "0",
            "businesses": "0",
            "temp_kind": "emergency",
            "temp_requested": "3000.50",
            "disaster_kind": "repair",
            "disaster_cost": "60000",
        },
        division_choices=[("350203002001", "社区")],
    )
    assert form.is_valid(), form.errors
    assert form.situation_requests() == {
        "temporary_assistance": {"kind": "emergency", "requested_fen": 300_050},
        "disaster_housing": {"kind": "repair", "cost_fen": 6_000_000},
    }
    empty = TrialHouseholdForm(
        {"month": "2019-07", "division_code": "350203002001", "vehicles": "0", "homes": "0",
         "businesses": "0"},
        division_choices=[("350203002001", "社区")],
    )  # fmt: skip
    assert empty.is_valid() and empty.situation_requests() == {}
