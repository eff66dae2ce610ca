"""Reports: an honest household meets; a planted undeclared wage or deposit does not, with the
right amounts; the PDF; a recheck keeps both reports."""

import datetime as dt
import io
from fractions import Fraction

import pyarrow.parquet as pq
import pytest
from pypdf import PdfReader

from safetynet.verification import services
from safetynet.verification.errors import ServiceError
from safetynet.verification.models import Conclusion, QueryStatus, Report, RequestStatus
from safetynet.verification.report import QueryData, Tolerance, build_figures
from tests.helpers.city import ZHONGHUA_C1, make_household, make_id, make_person
from tests.helpers.verification import STANDARD_2020, answer_manual, full_report, open_and_dispatch

pytestmark = pytest.mark.django_db


def test_honest_household_meets(
    django_capture_on_commit_callbacks, agencies, agency_city, caseworker, city_facts
):
    c = city_facts.honest
    report = full_report(django_capture_on_commit_callbacks, caseworker, c, agency_city)
    assert report.conclusion == Conclusion.MEETS, report.reasons
    assert report.discrepancies == []
    assert report.counted_income_fen == c.declared_counted_income
    assert report.financial_assets_fen == c.household["declared_financial_assets_fen"]
    assert report.number.startswith("HDBG-") and report.number.endswith("000001")
    assert report.reasons[0] == "经核对，符合最低生活保障（低保）条件。"
    assert report.request.status == RequestStatus.REPORTED
    with pytest.raises(ServiceError) as err:
        services.verification_report_build(actor=caseworker, request_id=report.request_id)
    assert err.value.code == "request_already_reported"


def test_undeclared_wage_does_not_meet(
    django_capture_on_commit_callbacks, agencies, agency_city, operator, city_facts
):
    c = city_facts.wage
    planted = c.planted
    person = next(p for p in c.members if p["person_id"] == planted["person_id"])
    declared_wage = person["income_wage_fen"]
    assert planted["declared_value"] == declared_wage
    # The hidden job counts at its 6-month average (POLICY §3, ADR 0710): by hand from its record
    (job,) = [
        r
        for r in pq.read_table(agency_city / "agencies" / "employment.parquet").to_pylist()
        if r["id_number"] == person["id_number"]
    ]
    start = job["start_date"]
    months = [dt.date(2020, m, 1) for m in range(1, 7)]
    parts = []
    for first in months:
        last = (first + dt.timedelta(days=31)).replace(day=1) - dt.timedelta(days=1)
        days = (last - first).days + 1
        covered = max(0, (last - max(start, first)).days + 1)
        num, den = job["monthly_wage_fen"] * covered, days
        parts.append((2 * num + den) // (2 * den))
    hidden = (2 * sum(parts) + 6) // 12
    assert 0 < hidden <= planted["actual_value"]
    report = full_report(django_capture_on_commit_callbacks, operator, c, agency_city)

    # By hand: the verified counted income swaps the declared wage for the hidden one.
    expected = c.declared_counted_income - declared_wage + hidden
    assert report.counted_income_fen == expected
    members = len(c.members)
    assert expected >= STANDARD_2020 * members  # so the household is above the dibao line
    assert report.conclusion == Conclusion.DOES_NOT_MEET
    assert report.reasons[0] == (
        "经核对，不符合最低生活保障（低保）条件：家庭人均月收入不低于低保标准。"
    )
    wage = [d for d in report.discrepancies if d["item"] == "wage_fen"]
    assert wage == [
        {
            "scope": "person",
            "person_id": planted["person_id"],
            "name": person["name"],
            "item": "wage_fen",
            "label": "工资性收入（月）",
            "unit": "fen_per_month",
            "declared": declared_wage,
            "found": hidden,
            "difference": hidden - declared_wage,
            "sources": ["hrss_employment"],
        }
    ]
    assert report.figures["declared"]["eligible"] is True


def test_undeclared_deposit_does_not_meet(
    django_capture_on_commit_callbacks, agencies, agency_city, operator, city_facts
):
    c = city_facts.deposit
    planted = c.planted
    report = full_report(
        django_capture_on_commit_callbacks, operator, c, agency_city, program="low_income"
    )
    assert report.financial_assets_fen == planted["actual_value"]
    assert report.counted_income_fen == c.declared_counted_income
    (d,) = [d for d in report.discrepancies if d["item"] == "financial_assets_fen"]
    assert (d["declared"], d["found"], d["difference"]) == (
        planted["declared_value"],
        planted["actual_value"],
        planted["amount_fen"],
    )
    assert d["unit"] == "fen" and all(s.startswith("bank_") for s in d["sources"])
    # Low-income asset limit: 48 months × (2 × 800 yuan) × members.
    limit = 48 * 2 * STANDARD_2020 * len(c.members)
    assert planted["actual_value"] > limit >= planted["declared_value"]
    assert report.conclusion == Conclusion.DOES_NOT_MEET
    assert "家庭财产超过规定限额" in report.reasons[0]


def test_incomplete_on_request(
    django_capture_on_commit_callbacks, agencies, caseworker, city_facts
):
    request = open_and_dispatch(django_capture_on_commit_callbacks, caseworker, city_facts.honest)
    report = services.verification_report_build(
        actor=caseworker, request_id=request.pk, allow_missing=True
    )
    assert report.conclusion == Conclusion.INCOMPLETE
    assert report.figures["missing_sources"] == ["securities", "tax"]
    assert "仅供参考" in report.reasons[1]


def test_pdf_is_a_chinese_numbered_report(
    django_capture_on_commit_callbacks, agencies, agency_city, caseworker, city_facts
):
    report = full_report(
        django_capture_on_commit_callbacks, caseworker, city_facts.honest, agency_city
    )
    with report.pdf.open("rb") as fh:
        data = fh.read()
    assert data.startswith(b"%PDF-")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "家庭经济状况核对报告" in text
    assert report.number in text
    assert city_facts.honest.number in text
    assert "符合条件" in text


@pytest.mark.slow
def test_recheck_keeps_both_reports(
    django_capture_on_commit_callbacks, agencies, agency_city, operator, city_facts
):
    c = city_facts.wage
    first = full_report(django_capture_on_commit_callbacks, operator, c, agency_city)
    with django_capture_on_commit_callbacks(execute=True):
        recheck = services.verification_recheck_open(
            actor=operator,
            request_id=first.request_id,
            objection="家属称该工作已于上月离职。",
            sources=["hrss_employment", "tax"],
        )
    assert recheck.recheck_of_id == first.request_id
    assert recheck.number != first.request.number
    queries = {q.source: q for q in recheck.queries.all()}
    assert queries["hrss_employment"].status == QueryStatus.ANSWERED  # asked again
    assert queries["hrss_employment"].requested_at > first.created_at
    assert queries["tax"].status == QueryStatus.PENDING  # a new request file for the agency
    assert (
        queries["tax"].exchange_file.name
        != first.request.queries.get(source="tax").exchange_file.name
    )
    answer_manual(operator, recheck, agency_city)
    second = services.verification_report_build(actor=operator, request_id=recheck.pk)
    assert Report.objects.filter(pk__in=[first.pk, second.pk]).count() == 2
    assert second.number != first.number
    first.refresh_from_db()
    assert first.conclusion == second.conclusion == Conclusion.DOES_NOT_MEET
    with pytest.raises(ServiceError) as err:
        services.verification_recheck_open(
            actor=operator, request_id=first.request_id, objection="", sources=["tax"]
        )
    assert err.value.code == "recheck_needs_objection"


# --------------------------------------------------------------------------- pure figures
ID = make_id("350203", dt.date(1960, 1, 1), 1, "M")


def _declared(**household):
    return {
        "household": {
            "id": 1,
            "number": "T-1",
            "division_code": "350203002001",
            "financial_assets_fen": 0,
            "vehicles": 0,
            "homes": 1,
            "businesses": 0,
            **household,
        },
        "persons": [
            {
                "id": 1,
                "id_number": ID,
                "name": "甲",
                "sex": "M",
                "birth_date": "1960-01-01",
                "relation": "head",
                "hukou_division": "350203002001",
                "income": {"wage_fen": 100_000},
            }
        ],
    }


@pytest.mark.parametrize(
    ("found", "flagged"),
    [
        (110_000, False),  # +100 yuan: within the 100-yuan floor
        (110_001, True),
        (105_000, False),
    ],
)
def test_tolerance_is_max_of_ratio_and_absolute(found, flagged):
    tol = Tolerance(ratio=Fraction(5, 100), absolute_fen=10_000)
    q = [
        QueryData(
            "hrss_employment",
            "answered",
            [{"id_number": ID, "monthly_wage_fen": found, "end_date": None}],
        )
    ]
    f = build_figures(
        declared=_declared(), queries=q, program="dibao", month="2020-06", tolerance=tol
    )
    assert bool(f.discrepancies) is flagged
    assert f.counted_income_fen == found  # the larger of declared and found counts
    # 5% of a large wage: 10,000 yuan declared, 10,400 found is within 5%.
    assert tol.allows(1_000_000, 1_040_000) and not tol.allows(1_000_000, 1_050_001)


def test_found_below_declared_counts_the_declaration():
    q = [
        QueryData(
            "hrss_employment",
            "answered",
            [{"id_number": ID, "monthly_wage_fen": 0, "end_date": None}],
        )
    ]
    f = build_figures(declared=_declared(), queries=q, program="dibao", month="2020-06")
    assert f.counted_income_fen == 100_000 and not f.discrepancies


def test_the_tolerance_is_a_dated_rules_parameter():
    from safetynet.verification.report import tolerance_for

    tolerance = tolerance_for(dt.date(2020, 6, 30))
    assert (tolerance.ratio, tolerance.absolute_fen) == (Fraction(1, 20), 10000)


def _tekun_household(**facts):
    """A lone man of 70 in 中华街道 community 1, no income, no assets: 特困 but for a supporter."""
    person = make_person("林老伯", "350203", dt.date(1950, 3, 1), 7, "M", ZHONGHUA_C1, **facts)
    return make_household("TK-0001", ZHONGHUA_C1, [(person, "head")])


# By hand (2020-06): basic living = 1.5 × dibao standard 800 yuan = 1,200 yuan; care = minimum
# wage 1,800 yuan × the tier's ratio (capable 5% = 90 yuan, fully disabled 40% = 720 yuan).
@pytest.mark.parametrize(
    ("facts", "conclusion", "amount_fen"),
    [
        ({}, Conclusion.DOES_NOT_MEET, 0),  # unknown: the engine assumes a capable supporter
        ({"has_capable_supporter": True, "selfcare_failed_items": 0}, Conclusion.DOES_NOT_MEET, 0),
        ({"has_capable_supporter": False}, Conclusion.MEETS, 120_000 + 9_000),
        ({"has_capable_supporter": False, "selfcare_failed_items": 4}, Conclusion.MEETS, 192_000),
    ],
)
def test_tekun_uses_the_registry_supporter_and_selfcare_facts(
    divisions, facts, conclusion, amount_fen
):
    household = _tekun_household(**facts)
    declared = services.declared_snapshot(
        household=household, declared_income={}, declared_assets={}, on=dt.date(2020, 6, 1)
    )
    (p,) = declared["persons"]
    known = {k: p[k] for k in ("has_capable_supporter", "selfcare_failed_items") if k in p}
    assert known == facts  # unknown facts stay out of the snapshot: the engine's default applies
    f = build_figures(declared=declared, queries=[], program="tekun", month="2020-06")
    assert f.conclusion == conclusion, f.reasons
    assert f.figures["verified"]["amount_fen"] == amount_fen
    if conclusion == Conclusion.MEETS:
        assert f.reasons[0] == "经核对，符合特困人员救助供养条件。"
        assert "basic living standard (基本生活标准) = standard × multiplier = 1,200.00 yuan" in (
            " ".join(f.figures["verified"]["trace"])
        )
    else:
        assert f.figures["verified"]["persons"][0]["reason"] == "HAS_CAPABLE_SUPPORTER"


@pytest.mark.parametrize(
    ("program", "cited"),
    [
        ("dibao", "低保标准 800.00 元/人·月"),
        ("low_income", "低收入标准 1,600.00 元/人·月"),
        ("illness_poverty", "因病支出型贫困认定标准 1,600.00 元/人·月"),
    ],
)
def test_a_report_cites_the_line_its_program_used(program, cited):
    """A low-income report compares income with the low-income line, and says so (issue 10)."""
    from safetynet.verification.report import _reason_sentences

    run = {"members": 2, "counted_income_fen": 100_000, "standard_fen": 80_000, "line_fen": 160_000}
    household = {"financial_assets_fen": 0, "vehicles": 0, "homes": 0, "businesses": 0}
    first = _reason_sentences(program, run, {"household": household, "persons": []})[0]
    assert first == f"核实的家庭月计算收入 1,000.00 元，家庭成员 2 人，人均 500.00 元；{cited}。"
